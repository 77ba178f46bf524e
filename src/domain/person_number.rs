//! 宛名番号: the office's internal person number, 10 ASCII digits.
//!
//! Numbers made by [`PersonNumber::from_index`] start at `1000000000`, so
//! they never begin with 0 and always have 10 significant digits: they cannot
//! be mistaken for a 7-digit 和暦 date, an 8-digit date or a 12-digit My
//! Number in the search box.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

pub const PERSON_NUMBER_DIGITS: usize = 10;
const FIRST: u64 = 1_000_000_000;
const SPAN: u64 = 9_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PersonNumberError {
    #[error("no person number (宛名番号) was given")]
    Empty,
    #[error("character {position} of the person number is not a digit")]
    InvalidCharacter {
        /// 1-based position in the text as typed.
        position: usize,
    },
    #[error("a person number (宛名番号) has 10 digits; {digits} {verb} given", verb = if *digits == 1 { "was" } else { "were" })]
    WrongLength { digits: usize },
}

/// A person number. Not secret: Debug shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonNumber(String);

impl PersonNumber {
    /// Parses 10 digits; full-width digits are accepted, surrounding spaces
    /// ignored.
    pub fn parse(input: &str) -> Result<PersonNumber, PersonNumberError> {
        let trimmed = input.trim_matches(|c: char| c.is_whitespace());
        let lead = input.chars().count()
            - input
                .trim_start_matches(|c: char| c.is_whitespace())
                .chars()
                .count();
        if trimmed.is_empty() {
            return Err(PersonNumberError::Empty);
        }
        let mut digits = String::with_capacity(PERSON_NUMBER_DIGITS);
        for (i, c) in trimmed.chars().enumerate() {
            let mut normal = std::iter::once(c).nfkc();
            match (normal.next(), normal.next()) {
                (Some(d), None) if d.is_ascii_digit() => digits.push(d),
                _ => {
                    return Err(PersonNumberError::InvalidCharacter {
                        position: lead + i + 1,
                    });
                }
            }
        }
        if digits.len() != PERSON_NUMBER_DIGITS {
            return Err(PersonNumberError::WrongLength {
                digits: digits.len(),
            });
        }
        Ok(PersonNumber(digits))
    }

    /// The number for a dense index (0 → `1000000000`):
    /// `1000000000 + index` for index < 9,000,000,000, wrapping after that.
    /// Distinct indices below 9,000,000,000 give distinct numbers.
    pub fn from_index(index: u64) -> PersonNumber {
        PersonNumber(format!("{:010}", FIRST + index % SPAN))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PersonNumber {
    type Error = PersonNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PersonNumber::parse(&s)
    }
}

impl From<PersonNumber> for String {
    fn from(p: PersonNumber) -> String {
        p.0
    }
}

impl std::str::FromStr for PersonNumber {
    type Err = PersonNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PersonNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ten_digits() {
        assert_eq!(
            PersonNumber::parse("1000000042").map(|p| p.0),
            Ok("1000000042".to_owned())
        );
        assert_eq!(
            PersonNumber::parse("０１２３４５６７８９").map(|p| p.0),
            Ok("0123456789".to_owned())
        );
        assert_eq!(
            PersonNumber::parse(" 1000000042\u{3000}").map(|p| p.0),
            Ok("1000000042".to_owned())
        );
    }

    #[test]
    fn refuses_other_text() {
        assert_eq!(PersonNumber::parse(""), Err(PersonNumberError::Empty));
        assert_eq!(PersonNumber::parse("   "), Err(PersonNumberError::Empty));
        assert_eq!(
            PersonNumber::parse("100000004"),
            Err(PersonNumberError::WrongLength { digits: 9 })
        );
        assert_eq!(
            PersonNumber::parse("10000000420"),
            Err(PersonNumberError::WrongLength { digits: 11 })
        );
        assert_eq!(
            PersonNumber::parse("10000-00042"),
            Err(PersonNumberError::InvalidCharacter { position: 6 })
        );
        assert_eq!(
            PersonNumber::parse("  1x"),
            Err(PersonNumberError::InvalidCharacter { position: 4 })
        );
        assert_eq!(
            PersonNumber::parse("山000000000"),
            Err(PersonNumberError::InvalidCharacter { position: 1 })
        );
        assert_eq!(
            PersonNumberError::WrongLength { digits: 9 }.to_string(),
            "a person number (宛名番号) has 10 digits; 9 were given"
        );
    }

    #[test]
    fn from_index_is_ten_digits_without_leading_zero() {
        assert_eq!(PersonNumber::from_index(0).as_str(), "1000000000");
        assert_eq!(PersonNumber::from_index(1_999_999).as_str(), "1001999999");
        assert_eq!(
            PersonNumber::from_index(8_999_999_999).as_str(),
            "9999999999"
        );
        for i in [0, 1, 12_345, 8_999_999_999, u64::MAX] {
            let p = PersonNumber::from_index(i);
            assert_eq!(p.as_str().len(), 10);
            assert!(!p.as_str().starts_with('0'));
            assert_eq!(PersonNumber::parse(p.as_str()), Ok(p));
        }
    }

    #[test]
    fn serde_validates() {
        let p = PersonNumber::from_index(7);
        let json = serde_json::to_string(&p).expect("json");
        assert_eq!(json, "\"1000000007\"");
        assert_eq!(
            serde_json::from_str::<PersonNumber>(&json).expect("json"),
            p
        );
        assert!(serde_json::from_str::<PersonNumber>("\"12345\"").is_err());
        assert!(serde_json::from_str::<PersonNumber>("\"10000000ab\"").is_err());
    }
}
