//! The one search box: what was typed decides the search.
//!
//! Each whitespace-separated term is classified on its own (after NFKC):
//!
//! | typed | term |
//! | --- | --- |
//! | 12 digits, also `1234-5678-9018` or `1234 5678 9018` | My Number (check digit verified) |
//! | 10 digits | person number (宛名番号) |
//! | 7 digits starting 1..5 | 和暦 date of birth (`4050101`) |
//! | 8 digits or a date form (`1993-01-01`, `H5.1.1`, `平成5年1月1日`) | date of birth |
//! | kana only (hiragana, katakana, half-width) | reading |
//! | 丁目, 番地, digit + 番/号, digit-hyphen-digit, or ending in 町/区/市 | address |
//! | other text with kanji | name |
//!
//! Terms combine to narrow the search (`やまだ 4050101`). Anything else is an
//! error naming the term, and an error in any term means no search at all.
//!
//! A control or invisible character ([`crate::text::is_unsafe_control`]: C0
//! and C1 controls, DEL, bidi overrides and isolates, zero-width and other
//! format characters, line separators) is refused with its position, since
//! what it would search for is not what the clerk sees. The tab is the one
//! exception: a paste from a table may carry it, and it separates terms like
//! a space.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::itaiji::{address_key, name_key};
use super::kana::{is_kana_text, reading_key};
use super::my_number::{MyNumber, MyNumberError};
use super::person_number::PersonNumber;
use super::wareki::{DateError, parse_date};
use crate::text::is_unsafe_control;

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_TERMS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// Debug of a My Number is redacted.
    MyNumber(MyNumber),
    PersonNumber(PersonNumber),
    BirthDate(time::Date),
    /// A strict reading key ([`reading_key`]).
    Reading(String),
    /// A variant-folded name key ([`name_key`]).
    Name(String),
    /// An address fragment: its key ([`address_key`]) and the fragment as
    /// read (NFKC, variants folded, spaces dropped: `栄町5丁目`), to show
    /// the clerk.
    Address {
        key: String,
        shown: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<SearchTerm>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("nothing to search for: type a name, reading, date of birth, number or address")]
    Empty,
    #[error("the search is too long: use at most {MAX_QUERY_CHARS} characters")]
    TooLong,
    #[error("too many search terms: use at most {MAX_TERMS}")]
    TooManyTerms,
    #[error(
        "character {position} of the search is a control or invisible formatting character: \
         remove it and type the search again"
    )]
    Control {
        /// 1-based character position in the text as typed.
        position: usize,
    },
    #[error("My Number: {0}")]
    MyNumber(MyNumberError),
    #[error("term {term} is not a valid date of birth: {source}")]
    Date {
        /// 1-based position of the term as typed.
        term: usize,
        source: DateError,
    },
    #[error(
        "term {term} is not understood: search by My Number (12 digits), person number (10 digits), \
         date of birth (4050101, 19930101, 1993-01-01, H5.1.1, 平成5年1月1日), \
         name in kana or kanji, or address (1丁目2番, 1-2-3)"
    )]
    Unrecognised {
        /// 1-based position of the term as typed.
        term: usize,
    },
}

impl From<MyNumberError> for QueryError {
    fn from(e: MyNumberError) -> Self {
        QueryError::MyNumber(e)
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Hyphens a clerk types inside a My Number (after NFKC).
fn is_number_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2212}')
}

fn is_kanji(c: char) -> bool {
    matches!(
        c,
        '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{3134F}'
            | '々'
            | '〆'
            | 'ヶ'
    )
}

const KANJI_NUMERALS: &str = "一二三四五六七八九十";

fn looks_like_address(token: &str) -> bool {
    if token.contains("丁目") || token.contains("番地") {
        return true;
    }
    if token.ends_with('町') || token.ends_with('区') || token.ends_with('市') {
        return true;
    }
    // 番 and 号 only after a number, so that 番場 stays a name.
    let chars: Vec<char> = token.chars().collect();
    let after_number = chars.windows(2).any(|w| {
        (w[1] == '番' || w[1] == '号') && (w[0].is_ascii_digit() || KANJI_NUMERALS.contains(w[0]))
    });
    if after_number {
        return true;
    }
    let key: Vec<char> = address_key(token).chars().collect();
    key.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == '-' && w[2].is_ascii_digit())
}

fn classify_term(term: usize, token: &str) -> Result<SearchTerm, QueryError> {
    if all_digits(token) {
        return match token.len() {
            12 => Ok(SearchTerm::MyNumber(MyNumber::parse(token)?)),
            10 => PersonNumber::parse(token)
                .map(SearchTerm::PersonNumber)
                .map_err(|_| QueryError::Unrecognised { term }),
            7 if matches!(token.as_bytes()[0], b'1'..=b'5') => parse_date(token)
                .map(SearchTerm::BirthDate)
                .map_err(|source| QueryError::Date { term, source }),
            8 => parse_date(token)
                .map(SearchTerm::BirthDate)
                .map_err(|source| QueryError::Date { term, source }),
            _ => Err(QueryError::Unrecognised { term }),
        };
    }
    // 1234-5678-9018: digits and hyphens only, 12 digits.
    if token
        .chars()
        .all(|c| c.is_ascii_digit() || is_number_hyphen(c))
        && token.bytes().filter(u8::is_ascii_digit).count() == 12
    {
        return Ok(SearchTerm::MyNumber(MyNumber::parse(token)?));
    }
    match parse_date(token) {
        Ok(date) => return Ok(SearchTerm::BirthDate(date)),
        Err(DateError::Unrecognised) => {}
        Err(source) => return Err(QueryError::Date { term, source }),
    }
    if is_kana_text(token) {
        return Ok(SearchTerm::Reading(reading_key(token)));
    }
    if looks_like_address(token) {
        return Ok(SearchTerm::Address {
            key: address_key(token),
            shown: name_key(token),
        });
    }
    if token.chars().any(is_kanji) {
        return Ok(SearchTerm::Name(name_key(token)));
    }
    Err(QueryError::Unrecognised { term })
}

/// The first character a search refuses, as a 1-based position.
fn first_control(input: &str) -> Option<usize> {
    input
        .chars()
        .position(|c| c != '\t' && is_unsafe_control(c))
        .map(|i| i + 1)
}

/// Classifies what was typed into the search box.
pub fn classify(input: &str) -> Result<SearchQuery, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    if let Some(position) = first_control(input) {
        return Err(QueryError::Control { position });
    }
    // (1-based position as typed, NFKC text)
    let typed: Vec<(usize, String)> = input
        .split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .enumerate()
        .map(|(i, t)| (i + 1, t.nfkc().collect()))
        .collect();
    if typed.is_empty() {
        return Err(QueryError::Empty);
    }

    // Join `1234 5678 9018` into one My Number candidate.
    let is_group = |t: &str| t.len() == 4 && all_digits(t);
    let mut tokens: Vec<(usize, String)> = Vec::with_capacity(typed.len());
    let mut i = 0;
    while i < typed.len() {
        if i + 2 < typed.len() && typed[i..i + 3].iter().all(|(_, t)| is_group(t)) {
            let joined = typed[i..i + 3].iter().map(|(_, t)| t.as_str()).collect();
            tokens.push((typed[i].0, joined));
            i += 3;
        } else {
            tokens.push(typed[i].clone());
            i += 1;
        }
    }
    if tokens.len() > MAX_TERMS {
        return Err(QueryError::TooManyTerms);
    }

    // A name or a reading typed with a space between family and given name
    // (`山田 太郎`, `ヤマダ　タロウ`) is one name: the stored keys have no
    // space, so two words of the same kind side by side are read as one.
    let mut terms: Vec<SearchTerm> = Vec::with_capacity(tokens.len());
    let mut previous: Option<String> = None;
    for (term, token) in &tokens {
        let current = classify_term(*term, token)?;
        let joined = match (terms.last(), &current, &previous) {
            (Some(SearchTerm::Reading(_)), SearchTerm::Reading(_), Some(before))
            | (Some(SearchTerm::Name(_)), SearchTerm::Name(_), Some(before)) => {
                Some(format!("{before}{token}"))
            }
            _ => None,
        };
        match joined {
            Some(joined) => {
                terms.pop();
                terms.push(classify_term(*term, &joined)?);
                previous = Some(joined);
            }
            None => {
                terms.push(current);
                previous = Some(token.clone());
            }
        }
    }
    Ok(SearchQuery { terms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn my_number(s: &str) -> SearchTerm {
        SearchTerm::MyNumber(MyNumber::parse(s).expect("valid"))
    }

    fn person(s: &str) -> SearchTerm {
        SearchTerm::PersonNumber(PersonNumber::parse(s).expect("valid"))
    }

    fn reading(s: &str) -> SearchTerm {
        SearchTerm::Reading(s.to_owned())
    }

    fn name(s: &str) -> SearchTerm {
        SearchTerm::Name(s.to_owned())
    }

    /// The address term read from `shown`.
    fn address(shown: &str) -> SearchTerm {
        SearchTerm::Address {
            key: address_key(shown),
            shown: shown.to_owned(),
        }
    }

    fn birth(d: time::Date) -> SearchTerm {
        SearchTerm::BirthDate(d)
    }

    #[test]
    fn single_terms() {
        let d = date!(1993 - 01 - 01);
        let cases: Vec<(&str, SearchTerm)> = vec![
            ("123456789018", my_number("123456789018")),
            ("１２３４５６７８９０１８", my_number("123456789018")),
            ("1234-5678-9018", my_number("123456789018")),
            ("1234－5678－9018", my_number("123456789018")),
            ("1234 5678 9018", my_number("123456789018")),
            ("1234　5678　9018", my_number("123456789018")),
            ("023456789013", my_number("023456789013")),
            ("1000000042", person("1000000042")),
            ("１０００００００４２", person("1000000042")),
            ("4050101", birth(d)),
            ("４０５０１０１", birth(d)),
            ("1050101", birth(date!(1872 - 01 - 01))),
            ("5070615", birth(date!(2025 - 06 - 15))),
            ("19930101", birth(d)),
            ("1993-01-01", birth(d)),
            ("1993/1/1", birth(d)),
            ("H5.1.1", birth(d)),
            ("h5.1.1", birth(d)),
            ("平成5年1月1日", birth(d)),
            ("平成元年1月8日", birth(date!(1989 - 01 - 08))),
            ("やまだ", reading("ヤマダ")),
            ("ヤマダ", reading("ヤマダ")),
            ("ﾔﾏﾀﾞ", reading("ヤマダ")),
            ("きょうこ", reading("キョウコ")),
            ("ユウト", reading("ユウト")),
            ("山田", name("山田")),
            ("髙橋", name("高橋")),
            ("山﨑", name("山崎")),
            ("渡邊", name("渡辺")),
            ("山田たろう", name("山田たろう")),
            ("番場", name("番場")),
            ("平成太郎", name("平成太郎")),
            ("本町1丁目", address("本町1丁目")),
            ("1丁目2番3号", address("1丁目2番3号")),
            ("２番地", address("2番地")),
            ("3番", address("3番")),
            ("五号", address("五号")),
            ("1-2-3", address("1-2-3")),
            ("１－２－３", address("1-2-3")),
            ("1の2", address("1の2")),
            ("5-23-3", address("5-23-3")),
            ("栄町5-23-3", address("栄町5-23-3")),
            ("栄町５－２３－３", address("栄町5-23-3")),
            ("４－５", address("4-5")),
            ("4-5", address("4-5")),
            ("栄町5丁目", address("栄町5丁目")),
            ("本町1-2", address("本町1-2")),
            ("濱町", address("浜町")),
            ("番所市", address("番所市")),
            ("中央区", address("中央区")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                classify(input),
                Ok(SearchQuery {
                    terms: vec![expected]
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn combinations_narrow() {
        assert_eq!(
            classify("やまだ 4050101"),
            Ok(SearchQuery {
                terms: vec![reading("ヤマダ"), birth(date!(1993 - 01 - 01))]
            })
        );
        // Family and given name with a space are one reading.
        assert_eq!(
            classify("ヤマダ　タロウ 本町"),
            Ok(SearchQuery {
                terms: vec![reading("ヤマダタロウ"), address("本町")]
            })
        );
        assert_eq!(
            classify(" 山田 H5.1.1 1234 5678 9018 "),
            Ok(SearchQuery {
                terms: vec![
                    name("山田"),
                    birth(date!(1993 - 01 - 01)),
                    my_number("123456789018")
                ]
            })
        );
    }

    #[test]
    fn bad_my_number_stops_the_search() {
        for input in [
            "123456789019",
            "1234-5678-9019",
            "1234 5678 9019",
            "山田 123456789019",
        ] {
            assert_eq!(
                classify(input),
                Err(QueryError::MyNumber(MyNumberError::CheckDigit)),
                "{input}"
            );
        }
        assert_eq!(
            QueryError::MyNumber(MyNumberError::CheckDigit).to_string(),
            "My Number: the check digit does not match: re-check the number"
        );
    }

    #[test]
    fn bad_dates_name_the_term() {
        for (input, term) in [
            ("4320101", 1),
            ("やまだ 4320101", 2),
            ("19930230", 1),
            ("山田 平成32年1月1日", 2),
            ("1993-02-30", 1),
            ("昭和64年1月8日", 1),
        ] {
            match classify(input) {
                Err(QueryError::Date { term: t, .. }) => assert_eq!(t, term, "{input}"),
                other => panic!("{input}: {other:?}"),
            }
        }
        let e = classify("やまだ 4320101").expect_err("bad date");
        assert_eq!(
            e.to_string(),
            "term 2 is not a valid date of birth: 平成 has no year 32 (it ended on 2019-04-30)"
        );
    }

    #[test]
    fn unrecognised_terms() {
        for (input, term) in [
            ("yamada", 1),
            ("山田 yamada", 2),
            ("123", 1),
            ("12345", 1),
            ("123456", 1),
            ("6050101", 1),
            ("0050101", 1),
            ("123456789", 1),
            ("12345678901", 1),
            ("1234567890123", 1),
            ("1234 5678", 1),
            ("!?", 1),
            ("ヤマダ1", 1),
            ("ー", 1),
        ] {
            assert_eq!(
                classify(input),
                Err(QueryError::Unrecognised { term }),
                "{input}"
            );
        }
        let msg = QueryError::Unrecognised { term: 2 }.to_string();
        assert!(
            msg.starts_with("term 2 is not understood: search by My Number"),
            "{msg}"
        );
    }

    #[test]
    fn limits() {
        assert_eq!(classify(""), Err(QueryError::Empty));
        assert_eq!(classify("   \u{3000} "), Err(QueryError::Empty));
        assert_eq!(classify(&"あ".repeat(201)), Err(QueryError::TooLong));
        assert!(classify(&"あ".repeat(200)).is_ok());
        assert_eq!(classify("a b c d e f g"), Err(QueryError::TooManyTerms));
        assert!(classify("あ い う え お か").is_ok());
        // Three groups of four count as one term.
        assert!(classify("あ い う え お 1234 5678 9018").is_ok());
    }

    #[test]
    fn controls_and_invisible_characters_are_refused_at_their_position() {
        for (input, position) in [
            ("山田\n", 3),
            ("\r山田", 1),
            ("やまだ 4050101\u{0}", 12),
            ("山田\x1b[2J", 3),
            ("ﾔﾏﾀﾞ\u{7f}", 5),
            ("髙橋\u{9b}", 3),
            ("山田\u{202E}太郎", 3),
            ("山\u{2066}田", 2),
            ("山田\u{200b}", 3),
            ("\u{feff}123456789018", 1),
            ("山田\u{2028}太郎", 3),
            ("山田\u{e0041}", 3),
            ("山田\u{ad}太郎", 3),
            // Positions count characters as typed, before NFKC and joining.
            ("１２３４ ５６７８ ９０１８\u{200d}", 15),
        ] {
            assert_eq!(
                classify(input),
                Err(QueryError::Control { position }),
                "{input:?}"
            );
        }
        assert_eq!(
            QueryError::Control { position: 3 }.to_string(),
            "character 3 of the search is a control or invisible formatting character: \
             remove it and type the search again"
        );
    }

    #[test]
    fn tabs_separate_terms_and_variation_selectors_stay() {
        assert_eq!(
            classify("やまだ\t4050101"),
            Ok(SearchQuery {
                terms: vec![reading("ヤマダ"), birth(date!(1993 - 01 - 01))]
            })
        );
        // An ideographic variation sequence (葛 + VS17) is part of a name.
        assert!(classify("葛\u{e0100}城").is_ok());
    }

    #[test]
    fn debug_does_not_leak_my_number() {
        let q = classify("123456789018").expect("valid");
        let dbg = format!("{q:?}");
        assert!(!dbg.contains("123456789018"), "{dbg}");
        assert!(!dbg.contains("9018"), "{dbg}");
    }

    #[test]
    fn a_space_between_family_and_given_name_reads_as_one_name() {
        for (spaced, joined) in [
            ("ヤマダ　タロウ", "ヤマダタロウ"),
            ("やまだ たろう", "やまだたろう"),
            ("山田　太郎", "山田太郎"),
            ("山田 太郎", "山田太郎"),
            ("髙橋 一郎", "髙橋一郎"),
        ] {
            assert_eq!(classify(spaced), classify(joined), "{spaced}");
            assert_eq!(classify(spaced).map(|q| q.terms.len()), Ok(1), "{spaced}");
        }
        // Different kinds stay separate terms.
        let mixed = classify("ヤマダ 1993-01-01").expect("query");
        assert_eq!(mixed.terms.len(), 2);
    }
}
