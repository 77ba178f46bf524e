//! A refused search in the clerk's language: the service's refusal code and
//! its parameters become a locale key (`search_refusal.<code>`) and the
//! values its text names.

use crate::api::SearchRefusal;
use crate::domain::wareki::era_date_text;

use super::status::Note;

/// The status note for `refusal`.
pub fn refusal_note(refusal: &SearchRefusal) -> Note {
    use SearchRefusal::*;
    let n = |v: usize| v.to_string();
    let args: Vec<(&'static str, String)> = match refusal {
        Empty | MyNumberCheckDigit | MyNumberNotPermitted => vec![],
        TooLong { max_chars } => vec![("max", n(*max_chars))],
        TooManyTerms { max_terms } => vec![("max", n(*max_terms))],
        ControlCharacter { position } | MyNumberCharacter { position } => {
            vec![("position", n(*position))]
        }
        MyNumberLength { digits } => vec![("digits", n(*digits))],
        EraYearBeforeFirst { term, era, year } => vec![
            ("term", n(*term)),
            ("era", era.kanji().to_owned()),
            ("year", year.to_string()),
        ],
        EraYearAfterLast {
            term,
            era,
            year,
            era_end,
        } => vec![
            ("term", n(*term)),
            ("era", era.kanji().to_owned()),
            ("year", year.to_string()),
            ("end", era_end.clone()),
        ],
        DateAfterEra {
            term,
            era,
            year,
            month,
            day,
            era_end,
        } => vec![
            ("term", n(*term)),
            ("era", era.kanji().to_owned()),
            ("date", era_date_text(*era, *year, *month, *day)),
            ("end", era_end.clone()),
        ],
        DateBeforeEra {
            term,
            era,
            year,
            month,
            day,
            era_start,
        } => vec![
            ("term", n(*term)),
            ("era", era.kanji().to_owned()),
            ("date", era_date_text(*era, *year, *month, *day)),
            ("start", era_start.clone()),
        ],
        NoSuchDate {
            term,
            year,
            month,
            day,
        } => vec![
            ("term", n(*term)),
            ("date", format!("{year:04}-{month:02}-{day:02}")),
        ],
        NotADate { term } | Unrecognised { term } => vec![("term", n(*term))],
    };
    Note::Local {
        key: refusal_key(refusal),
        args,
    }
}

/// The locale key of a refusal: `search_refusal.` and its code.
pub fn refusal_key(refusal: &SearchRefusal) -> &'static str {
    use SearchRefusal::*;
    match refusal {
        Empty => "search_refusal.empty",
        TooLong { .. } => "search_refusal.too_long",
        TooManyTerms { .. } => "search_refusal.too_many_terms",
        ControlCharacter { .. } => "search_refusal.control_character",
        MyNumberCheckDigit => "search_refusal.my_number_check_digit",
        MyNumberLength { .. } => "search_refusal.my_number_length",
        MyNumberCharacter { .. } => "search_refusal.my_number_character",
        MyNumberNotPermitted => "search_refusal.my_number_not_permitted",
        EraYearBeforeFirst { .. } => "search_refusal.era_year_before_first",
        EraYearAfterLast { .. } => "search_refusal.era_year_after_last",
        DateAfterEra { .. } => "search_refusal.date_after_era",
        DateBeforeEra { .. } => "search_refusal.date_before_era",
        NoSuchDate { .. } => "search_refusal.no_such_date",
        NotADate { .. } => "search_refusal.not_a_date",
        Unrecognised { .. } => "search_refusal.unrecognised",
    }
}
