//! How the service read the search box, and why it refused a search: typed
//! parts of the search answer and of the error body, so that a terminal can
//! say both in the clerk's language. The error's `message` says the same in
//! English for other clients.

use serde::{Deserialize, Serialize};

use crate::domain::my_number::MyNumberError;
use crate::domain::search_query::{MAX_QUERY_CHARS, MAX_TERMS, QueryError, SearchTerm};
use crate::domain::wareki::{DateError, Era, OutsideEra, outside_era};

/// The kind of a term, as the service read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    MyNumber,
    PersonNumber,
    BirthDate,
    Reading,
    Name,
    Address,
}

impl TermKind {
    pub const ALL: [TermKind; 6] = [
        TermKind::MyNumber,
        TermKind::PersonNumber,
        TermKind::BirthDate,
        TermKind::Reading,
        TermKind::Name,
        TermKind::Address,
    ];

    /// The name used in the API (and in locale keys).
    pub fn name(self) -> &'static str {
        match self {
            TermKind::MyNumber => "my_number",
            TermKind::PersonNumber => "person_number",
            TermKind::BirthDate => "birth_date",
            TermKind::Reading => "reading",
            TermKind::Name => "name",
            TermKind::Address => "address",
        }
    }
}

/// One term of the search box as the service read and searched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadTerm {
    pub kind: TermKind,
    /// The term as searched, normalised for display: `1993-01-01`, `ヤマダ`,
    /// `高橋` (variants folded), `栄町5丁目`, `1000000001`. Never a My Number
    /// in clear: for one, its masked form (`********9018`) if the caller
    /// may see that, else nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<String>,
}

impl ReadTerm {
    /// How `term` was read, for a caller who may (`masked_my_number`) or
    /// may not see a masked My Number.
    pub fn of(term: &SearchTerm, masked_my_number: bool) -> ReadTerm {
        let (kind, shown) = match term {
            SearchTerm::MyNumber(n) => (TermKind::MyNumber, masked_my_number.then(|| n.masked())),
            SearchTerm::PersonNumber(p) => (TermKind::PersonNumber, Some(p.as_str().to_owned())),
            SearchTerm::BirthDate(d) => (TermKind::BirthDate, Some(d.to_string())),
            SearchTerm::Reading(key) => (TermKind::Reading, Some(key.clone())),
            SearchTerm::Name(key) => (TermKind::Name, Some(key.clone())),
            SearchTerm::Address { shown, .. } => (TermKind::Address, Some(shown.clone())),
        };
        ReadTerm { kind, shown }
    }
}

/// Why the service refused a search, with what a message about it needs.
/// Terms and characters count from 1, as typed; dates are ISO 8601.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case", deny_unknown_fields)]
pub enum SearchRefusal {
    /// Nothing to search for.
    Empty,
    TooLong {
        max_chars: usize,
    },
    TooManyTerms {
        max_terms: usize,
    },
    /// A control or invisible formatting character.
    ControlCharacter {
        position: usize,
    },
    MyNumberCheckDigit,
    MyNumberLength {
        digits: usize,
    },
    /// `position` counts within the number.
    MyNumberCharacter {
        position: usize,
    },
    /// The caller's work does not search by My Number (a 403).
    MyNumberNotPermitted,
    /// Year 0 of an era: the first year is 元年.
    EraYearBeforeFirst {
        term: usize,
        era: Era,
        year: i32,
    },
    /// The era had ended before that year.
    EraYearAfterLast {
        term: usize,
        era: Era,
        year: i32,
        era_end: String,
    },
    DateAfterEra {
        term: usize,
        era: Era,
        year: i32,
        month: u8,
        day: u8,
        era_end: String,
    },
    DateBeforeEra {
        term: usize,
        era: Era,
        year: i32,
        month: u8,
        day: u8,
        era_start: String,
    },
    /// A calendar date that does not exist (Gregorian year).
    NoSuchDate {
        term: usize,
        year: i32,
        month: u8,
        day: u8,
    },
    NotADate {
        term: usize,
    },
    /// None of the kinds the box knows.
    Unrecognised {
        term: usize,
    },
}

impl SearchRefusal {
    /// The stable code: the `reason` of the JSON form.
    pub fn code(&self) -> &'static str {
        match self {
            SearchRefusal::Empty => "empty",
            SearchRefusal::TooLong { .. } => "too_long",
            SearchRefusal::TooManyTerms { .. } => "too_many_terms",
            SearchRefusal::ControlCharacter { .. } => "control_character",
            SearchRefusal::MyNumberCheckDigit => "my_number_check_digit",
            SearchRefusal::MyNumberLength { .. } => "my_number_length",
            SearchRefusal::MyNumberCharacter { .. } => "my_number_character",
            SearchRefusal::MyNumberNotPermitted => "my_number_not_permitted",
            SearchRefusal::EraYearBeforeFirst { .. } => "era_year_before_first",
            SearchRefusal::EraYearAfterLast { .. } => "era_year_after_last",
            SearchRefusal::DateAfterEra { .. } => "date_after_era",
            SearchRefusal::DateBeforeEra { .. } => "date_before_era",
            SearchRefusal::NoSuchDate { .. } => "no_such_date",
            SearchRefusal::NotADate { .. } => "not_a_date",
            SearchRefusal::Unrecognised { .. } => "unrecognised",
        }
    }

    /// One of each refusal, for tests of whoever puts them into words.
    pub fn examples() -> Vec<SearchRefusal> {
        vec![
            SearchRefusal::Empty,
            SearchRefusal::TooLong {
                max_chars: MAX_QUERY_CHARS,
            },
            SearchRefusal::TooManyTerms {
                max_terms: MAX_TERMS,
            },
            SearchRefusal::ControlCharacter { position: 3 },
            SearchRefusal::MyNumberCheckDigit,
            SearchRefusal::MyNumberLength { digits: 11 },
            SearchRefusal::MyNumberCharacter { position: 5 },
            SearchRefusal::MyNumberNotPermitted,
            SearchRefusal::EraYearBeforeFirst {
                term: 1,
                era: Era::Heisei,
                year: 0,
            },
            SearchRefusal::EraYearAfterLast {
                term: 2,
                era: Era::Heisei,
                year: 32,
                era_end: "2019-04-30".into(),
            },
            SearchRefusal::DateAfterEra {
                term: 1,
                era: Era::Showa,
                year: 64,
                month: 1,
                day: 8,
                era_end: "1989-01-07".into(),
            },
            SearchRefusal::DateBeforeEra {
                term: 1,
                era: Era::Reiwa,
                year: 1,
                month: 4,
                day: 30,
                era_start: "2019-05-01".into(),
            },
            SearchRefusal::NoSuchDate {
                term: 1,
                year: 1993,
                month: 2,
                day: 30,
            },
            SearchRefusal::NotADate { term: 1 },
            SearchRefusal::Unrecognised { term: 2 },
        ]
    }

    fn of_date(term: usize, error: &DateError) -> SearchRefusal {
        match *error {
            DateError::OutsideEra {
                era,
                year,
                month,
                day,
            } => match outside_era(era, year, month, day) {
                OutsideEra::YearBeforeFirst => {
                    SearchRefusal::EraYearBeforeFirst { term, era, year }
                }
                OutsideEra::YearAfterLast { end } => SearchRefusal::EraYearAfterLast {
                    term,
                    era,
                    year,
                    era_end: end.to_string(),
                },
                OutsideEra::AfterEnd { end } => SearchRefusal::DateAfterEra {
                    term,
                    era,
                    year,
                    month,
                    day,
                    era_end: end.to_string(),
                },
                OutsideEra::BeforeStart { start } => SearchRefusal::DateBeforeEra {
                    term,
                    era,
                    year,
                    month,
                    day,
                    era_start: start.to_string(),
                },
            },
            DateError::InvalidDate { year, month, day } => SearchRefusal::NoSuchDate {
                term,
                year,
                month,
                day,
            },
            DateError::Unrecognised => SearchRefusal::NotADate { term },
        }
    }
}

impl From<&QueryError> for SearchRefusal {
    fn from(error: &QueryError) -> SearchRefusal {
        match error {
            QueryError::Empty => SearchRefusal::Empty,
            QueryError::TooLong => SearchRefusal::TooLong {
                max_chars: MAX_QUERY_CHARS,
            },
            QueryError::TooManyTerms => SearchRefusal::TooManyTerms {
                max_terms: MAX_TERMS,
            },
            QueryError::Control { position } => SearchRefusal::ControlCharacter {
                position: *position,
            },
            QueryError::MyNumber(MyNumberError::Empty) => SearchRefusal::Empty,
            QueryError::MyNumber(MyNumberError::InvalidCharacter { position }) => {
                SearchRefusal::MyNumberCharacter {
                    position: *position,
                }
            }
            QueryError::MyNumber(MyNumberError::WrongLength { digits }) => {
                SearchRefusal::MyNumberLength { digits: *digits }
            }
            QueryError::MyNumber(MyNumberError::CheckDigit) => SearchRefusal::MyNumberCheckDigit,
            QueryError::Date { term, source } => SearchRefusal::of_date(*term, source),
            QueryError::Unrecognised { term } => SearchRefusal::Unrecognised { term: *term },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search_query::classify;

    fn refusal(query: &str) -> SearchRefusal {
        SearchRefusal::from(&classify(query).expect_err("refused"))
    }

    #[test]
    fn each_classifier_error_has_its_code_and_parameters() {
        let cases = [
            ("   ", SearchRefusal::Empty),
            (
                &"あ".repeat(201)[..],
                SearchRefusal::TooLong { max_chars: 200 },
            ),
            (
                "a b c d e f g",
                SearchRefusal::TooManyTerms { max_terms: 6 },
            ),
            (
                "山田\u{200b}",
                SearchRefusal::ControlCharacter { position: 3 },
            ),
            ("123456789019", SearchRefusal::MyNumberCheckDigit),
            (
                "やまだ 4000101",
                SearchRefusal::EraYearBeforeFirst {
                    term: 2,
                    era: Era::Heisei,
                    year: 0,
                },
            ),
            (
                "やまだ 4320101",
                SearchRefusal::EraYearAfterLast {
                    term: 2,
                    era: Era::Heisei,
                    year: 32,
                    era_end: "2019-04-30".into(),
                },
            ),
            (
                "昭和64年1月8日",
                SearchRefusal::DateAfterEra {
                    term: 1,
                    era: Era::Showa,
                    year: 64,
                    month: 1,
                    day: 8,
                    era_end: "1989-01-07".into(),
                },
            ),
            (
                "R1.4.30",
                SearchRefusal::DateBeforeEra {
                    term: 1,
                    era: Era::Reiwa,
                    year: 1,
                    month: 4,
                    day: 30,
                    era_start: "2019-05-01".into(),
                },
            ),
            (
                "1993-02-30",
                SearchRefusal::NoSuchDate {
                    term: 1,
                    year: 1993,
                    month: 2,
                    day: 30,
                },
            ),
            ("山田 yamada", SearchRefusal::Unrecognised { term: 2 }),
        ];
        for (query, expected) in cases {
            assert_eq!(refusal(query), expected, "{query:?}");
        }
        // Errors the classifier does not reach today still have a code.
        for (error, code) in [
            (QueryError::MyNumber(MyNumberError::Empty), "empty"),
            (
                QueryError::MyNumber(MyNumberError::WrongLength { digits: 11 }),
                "my_number_length",
            ),
            (
                QueryError::MyNumber(MyNumberError::InvalidCharacter { position: 2 }),
                "my_number_character",
            ),
            (
                QueryError::Date {
                    term: 1,
                    source: DateError::Unrecognised,
                },
                "not_a_date",
            ),
        ] {
            assert_eq!(SearchRefusal::from(&error).code(), code);
        }
    }

    #[test]
    fn refusals_travel_as_a_reason_and_named_parameters_only() {
        for example in SearchRefusal::examples() {
            let json = serde_json::to_value(&example).expect("serialise");
            assert_eq!(json["reason"], example.code(), "{json}");
            let back: SearchRefusal = serde_json::from_value(json).expect("deserialise");
            assert_eq!(back, example);
        }
        let codes: std::collections::HashSet<&str> = SearchRefusal::examples()
            .iter()
            .map(SearchRefusal::code)
            .collect();
        assert_eq!(codes.len(), SearchRefusal::examples().len(), "one each");
        let json = serde_json::json!({"reason": "unrecognised", "term": 1, "query": "x"});
        assert!(serde_json::from_value::<SearchRefusal>(json).is_err());
        let json = serde_json::json!({"reason": "no_such_reason"});
        assert!(serde_json::from_value::<SearchRefusal>(json).is_err());
    }

    #[test]
    fn a_read_term_never_carries_a_my_number_in_clear() {
        let query = classify("1234 5678 9018 栄町５－２３－３ 髙橋 H5.1.1 ﾔﾏﾀﾞ").expect("query");
        let read: Vec<ReadTerm> = query.terms.iter().map(|t| ReadTerm::of(t, true)).collect();
        let shown: Vec<(TermKind, Option<&str>)> =
            read.iter().map(|r| (r.kind, r.shown.as_deref())).collect();
        assert_eq!(
            shown,
            [
                (TermKind::MyNumber, Some("********9018")),
                (TermKind::Address, Some("栄町5-23-3")),
                (TermKind::Name, Some("高橋")),
                (TermKind::BirthDate, Some("1993-01-01")),
                (TermKind::Reading, Some("ヤマダ")),
            ]
        );
        let hidden = ReadTerm::of(&query.terms[0], false);
        assert_eq!(hidden.shown, None);
        let json = serde_json::to_string(&read).expect("json");
        assert!(!json.contains("12345678"), "{json}");
        let json = serde_json::to_string(&hidden).expect("json");
        assert_eq!(json, r#"{"kind":"my_number"}"#);
        assert!(
            serde_json::from_str::<ReadTerm>(r#"{"kind":"name","shown":"x","key":"x"}"#).is_err()
        );
    }
}
