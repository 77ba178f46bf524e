//! 和暦 (Japanese era) dates: the forms clerks type and the 7-digit office key.
//!
//! The 7-digit key is era code + YYMMDD (`4050101` = 平成5年1月1日 =
//! 1993-01-01). A date outside its era (平成32年) is an error, never rolled
//! over into the next era.

use std::fmt;

use thiserror::Error;
use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

/// The eras from 明治 on, with their codes 1..=5.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

const ALL_ERAS: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = ALL_ERAS;

    /// The office era code: 1 明治 .. 5 令和.
    pub fn code(self) -> u8 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The initial used in short forms such as `H5.1.1`.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// First day of the era (Gregorian).
    pub fn start(self) -> Date {
        match self {
            Era::Meiji => time::macros::date!(1868 - 01 - 25),
            Era::Taisho => time::macros::date!(1912 - 07 - 30),
            Era::Showa => time::macros::date!(1926 - 12 - 25),
            Era::Heisei => time::macros::date!(1989 - 01 - 08),
            Era::Reiwa => time::macros::date!(2019 - 05 - 01),
        }
    }

    /// The era after this one, if any.
    pub fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// Last day of the era; `None` for the current era.
    pub fn end(self) -> Option<Date> {
        self.next().and_then(|n| n.start().previous_day())
    }

    pub fn from_code(code: u8) -> Option<Era> {
        ALL_ERAS.into_iter().find(|e| e.code() == code)
    }

    /// `M T S H R`, either case.
    pub fn from_letter(c: char) -> Option<Era> {
        let c = c.to_ascii_uppercase();
        ALL_ERAS.into_iter().find(|e| e.letter() == c)
    }

    pub fn from_kanji(s: &str) -> Option<Era> {
        ALL_ERAS.into_iter().find(|e| e.kanji() == s)
    }

    /// Is `date` within this era?
    pub fn contains(self, date: Date) -> bool {
        date >= self.start() && self.end().is_none_or(|end| date <= end)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

/// Why text is not a date. Messages do not repeat the text typed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    #[error("{}", outside_era_message(*era, *year, *month, *day))]
    OutsideEra {
        era: Era,
        /// The era year as typed (1 = 元年).
        year: i32,
        month: u8,
        day: u8,
    },
    #[error("there is no such date: {year:04}-{month:02}-{day:02}")]
    InvalidDate {
        /// Gregorian year.
        year: i32,
        month: u8,
        day: u8,
    },
    #[error(
        "not a date: type 7 digits (4050101), 8 digits (19930101), 1993-01-01, H5.1.1 or 平成5年1月1日"
    )]
    Unrecognised,
}

fn era_year_text(year: i32) -> String {
    if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    }
}

/// An era date as typed, whether or not it exists: `平成元年1月8日`.
pub fn era_date_text(era: Era, year: i32, month: u8, day: u8) -> String {
    format!("{era}{}年{month}月{day}日", era_year_text(year))
}

/// How a date typed in an era lies outside it ([`DateError::OutsideEra`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutsideEra {
    /// Year 0 or below: the first year is 元年.
    YearBeforeFirst,
    /// The era had ended before that year began.
    YearAfterLast { end: Date },
    /// The date is after the era's last day.
    AfterEnd { end: Date },
    /// The date is before the era's first day.
    BeforeStart { start: Date },
}

/// Which way `era` `year`-`month`-`day` lies outside its era.
pub fn outside_era(era: Era, year: i32, month: u8, day: u8) -> OutsideEra {
    let start = era.start();
    if year < 1 {
        return OutsideEra::YearBeforeFirst;
    }
    if let Some(end) = era.end()
        && year > end.year() - start.year() + 1
    {
        return OutsideEra::YearAfterLast { end };
    }
    let date = gregorian(start.year() + year - 1, u32::from(month), u32::from(day));
    match (date, era.end()) {
        (Ok(d), Some(end)) if d > end => OutsideEra::AfterEnd { end },
        _ => OutsideEra::BeforeStart { start },
    }
}

fn outside_era_message(era: Era, year: i32, month: u8, day: u8) -> String {
    let typed = era_date_text(era, year, month, day);
    match outside_era(era, year, month, day) {
        OutsideEra::YearBeforeFirst => {
            format!("{era} has no year {year} (the first year is 元年)")
        }
        OutsideEra::YearAfterLast { end } => {
            format!("{era} has no year {year} (it ended on {end})")
        }
        OutsideEra::AfterEnd { end } => format!("{typed} is after {era} ended on {end}"),
        OutsideEra::BeforeStart { start } => format!("{typed} is before {era} began on {start}"),
    }
}

/// Builds a Gregorian date, or `InvalidDate`.
fn gregorian(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
    let invalid = DateError::InvalidDate {
        year,
        month: u8::try_from(month).unwrap_or(u8::MAX),
        day: u8::try_from(day).unwrap_or(u8::MAX),
    };
    let m = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| invalid.clone())?;
    let d = u8::try_from(day).map_err(|_| invalid.clone())?;
    Date::from_calendar_date(year, m, d).map_err(|_| invalid)
}

/// The date for an era year, month and day; out-of-era dates are refused.
pub fn era_date(era: Era, year: u32, month: u32, day: u32) -> Result<Date, DateError> {
    let year = i32::try_from(year).unwrap_or(i32::MAX);
    let outside = DateError::OutsideEra {
        era,
        year,
        month: u8::try_from(month).unwrap_or(u8::MAX),
        day: u8::try_from(day).unwrap_or(u8::MAX),
    };
    if !(1..=200).contains(&year) {
        return Err(outside);
    }
    let date = gregorian(era.start().year() + year - 1, month, day)?;
    if era.contains(date) {
        Ok(date)
    } else {
        Err(outside)
    }
}

fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn number(s: &str, max_len: usize) -> Option<u32> {
    if all_ascii_digits(s) && s.len() <= max_len {
        s.parse().ok()
    } else {
        None
    }
}

fn era_year(s: &str) -> Option<u32> {
    if s == "元" { Some(1) } else { number(s, 3) }
}

/// Splits `Y年M月D日` (the final 日 optional) into its three parts.
fn split_kanji_form(s: &str) -> Option<(&str, &str, &str)> {
    let (y, rest) = s.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日').unwrap_or(rest);
    Some((y, m, d))
}

/// Splits `Y.M.D`, `Y/M/D` or `Y-M-D` (one separator throughout).
fn split_separated(s: &str) -> Option<(&str, &str, &str)> {
    for sep in ['.', '/', '-'] {
        let mut parts = s.split(sep);
        if let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            return Some((y, m, d));
        }
    }
    None
}

/// Parses a date of birth as a clerk types it. Accepted (full-width digits
/// too): `4050101` (era code + YYMMDD), `19930101`, `1993-01-01`,
/// `1993/01/01`, `1993.1.1`, `1993年1月1日`, `H5.1.1` (any case, `.` `/` or `-`),
/// `平成5年1月1日`, `平成元年1月8日`, `㍻5年1月1日`.
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let normalised: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    let s = normalised.as_str();
    if s.is_empty() {
        return Err(DateError::Unrecognised);
    }
    if all_ascii_digits(s) {
        let b = s.as_bytes();
        let n =
            |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| DateError::Unrecognised);
        return match b.len() {
            7 => {
                let era = Era::from_code(b[0] - b'0').ok_or(DateError::Unrecognised)?;
                era_date(era, n(1..3)?, n(3..5)?, n(5..7)?)
            }
            8 => gregorian(n(0..4)? as i32, n(4..6)?, n(6..8)?),
            _ => Err(DateError::Unrecognised),
        };
    }

    // An era prefix: 平成 / H / h.
    let (era, rest) = if let Some(era) = ALL_ERAS.into_iter().find(|e| s.starts_with(e.kanji())) {
        (Some(era), &s[era.kanji().len()..])
    } else {
        let mut chars = s.chars();
        match chars.next().and_then(Era::from_letter) {
            Some(era) => (Some(era), chars.as_str()),
            None => (None, s),
        }
    };

    let (y, m, d) = split_kanji_form(rest)
        .or_else(|| split_separated(rest))
        .ok_or(DateError::Unrecognised)?;
    let month = number(m, 2).ok_or(DateError::Unrecognised)?;
    let day = number(d, 2).ok_or(DateError::Unrecognised)?;
    match era {
        Some(era) => {
            let year = era_year(y).ok_or(DateError::Unrecognised)?;
            era_date(era, year, month, day)
        }
        None => {
            if y.len() != 4 {
                return Err(DateError::Unrecognised);
            }
            let year = number(y, 4).ok_or(DateError::Unrecognised)?;
            gregorian(year as i32, month, day)
        }
    }
}

/// The era and era year of a date; `None` before 明治 began (1868-01-25).
pub fn to_wareki(date: Date) -> Option<(Era, i32)> {
    ALL_ERAS
        .into_iter()
        .rev()
        .find(|e| date >= e.start())
        .map(|e| (e, date.year() - e.start().year() + 1))
}

/// `平成5年1月1日`, with 元年 for the first year. Dates before 明治 are
/// given in ISO form (`1867-12-31`).
pub fn format_wareki(date: Date) -> String {
    match to_wareki(date) {
        Some((era, year)) => format!(
            "{era}{}年{}月{}日",
            era_year_text(year),
            u8::from(date.month()),
            date.day()
        ),
        None => date.to_string(),
    }
}

/// The 7-digit office key (era code + YYMMDD), e.g. `4050101`; `None`
/// before 明治 or for era years above 99.
pub fn to_wareki_code(date: Date) -> Option<String> {
    let (era, year) = to_wareki(date)?;
    if year > 99 {
        return None;
    }
    Some(format!(
        "{}{:02}{:02}{:02}",
        era.code(),
        year,
        u8::from(date.month()),
        date.day()
    ))
}

/// Age in completed years during the day `on` (the birthday itself counts).
/// A 2月29日 birthday is reached on 3月1日 in common years.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        age -= 1;
    }
    age
}

/// Age at the END of the day `on`, as 年齢計算ニ関スル法律 counts it: an age
/// is reached when the day before the birthday ends. Tax ages use this as of
/// 12月31日, so someone born on 1月1日 has already reached the new age.
pub fn legal_age_at_end_of(birth: Date, on: Date) -> i32 {
    match on.next_day() {
        Some(next) => age_on(birth, next),
        None => age_on(birth, on),
    }
}

/// Tax-law age for a tax year: the legal age as of 12月31日 of that year.
pub fn tax_year_age(birth: Date, tax_year: i32) -> Option<i32> {
    let dec31 = Date::from_calendar_date(tax_year, Month::December, 31).ok()?;
    Some(legal_age_at_end_of(birth, dec31))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn era_table() {
        for (i, era) in Era::ALL.into_iter().enumerate() {
            assert_eq!(era.code() as usize, i + 1);
            assert_eq!(Era::from_code(era.code()), Some(era));
            assert_eq!(Era::from_letter(era.letter()), Some(era));
            assert_eq!(
                Era::from_letter(era.letter().to_ascii_lowercase()),
                Some(era)
            );
            assert_eq!(Era::from_kanji(era.kanji()), Some(era));
        }
        assert_eq!(Era::from_code(0), None);
        assert_eq!(Era::from_code(6), None);
        assert_eq!(Era::from_letter('X'), None);
        assert_eq!(Era::from_kanji("慶応"), None);
        assert_eq!(Era::Heisei.kanji(), "平成");
        assert_eq!(Era::Showa.letter(), 'S');
        assert_eq!(Era::Showa.end(), Some(date!(1989 - 01 - 07)));
        assert_eq!(Era::Reiwa.end(), None);
    }

    #[test]
    fn era_boundaries() {
        let cases = [
            (date!(1868 - 01 - 25), Era::Meiji, 1, "明治元年1月25日"),
            (date!(1912 - 07 - 29), Era::Meiji, 45, "明治45年7月29日"),
            (date!(1912 - 07 - 30), Era::Taisho, 1, "大正元年7月30日"),
            (date!(1926 - 12 - 24), Era::Taisho, 15, "大正15年12月24日"),
            (date!(1926 - 12 - 25), Era::Showa, 1, "昭和元年12月25日"),
            (date!(1989 - 01 - 07), Era::Showa, 64, "昭和64年1月7日"),
            (date!(1989 - 01 - 08), Era::Heisei, 1, "平成元年1月8日"),
            (date!(2019 - 04 - 30), Era::Heisei, 31, "平成31年4月30日"),
            (date!(2019 - 05 - 01), Era::Reiwa, 1, "令和元年5月1日"),
            (date!(2025 - 12 - 31), Era::Reiwa, 7, "令和7年12月31日"),
        ];
        for (d, era, year, text) in cases {
            assert_eq!(to_wareki(d), Some((era, year)), "{d}");
            assert_eq!(format_wareki(d), text);
            assert_eq!(parse_date(text), Ok(d), "{text}");
            let code = to_wareki_code(d).expect("in range");
            assert_eq!(parse_date(&code), Ok(d), "{code}");
        }
        assert_eq!(to_wareki(date!(1868 - 01 - 24)), None);
        assert_eq!(format_wareki(date!(1868 - 01 - 24)), "1868-01-24");
        assert_eq!(
            to_wareki_code(date!(1993 - 01 - 01)).as_deref(),
            Some("4050101")
        );
    }

    #[test]
    fn accepted_forms() {
        let d = date!(1993 - 01 - 01);
        for input in [
            "4050101",
            "４０５０１０１",
            "19930101",
            "1993-01-01",
            "1993/01/01",
            "1993/1/1",
            "1993.1.1",
            "1993年1月1日",
            "H5.1.1",
            "h5.1.1",
            "H05.01.01",
            "H5/1/1",
            "Ｈ５．１．１",
            "平成5年1月1日",
            "平成５年１月１日",
            "平成 5年 1月 1日",
            "平成5年1月1",
            "㍻5年1月1日",
        ] {
            assert_eq!(parse_date(input), Ok(d), "{input}");
        }
        assert_eq!(parse_date("平成元年1月8日"), Ok(date!(1989 - 01 - 08)));
        assert_eq!(parse_date("令和元年5月1日"), Ok(date!(2019 - 05 - 01)));
        assert_eq!(parse_date("R1.5.1"), Ok(date!(2019 - 05 - 01)));
        assert_eq!(parse_date("S64.1.7"), Ok(date!(1989 - 01 - 07)));
        assert_eq!(parse_date("3640107"), Ok(date!(1989 - 01 - 07)));
        assert_eq!(parse_date("1450729"), Ok(date!(1912 - 07 - 29)));
        assert_eq!(parse_date("2010730"), Ok(date!(1912 - 07 - 30)));
    }

    #[test]
    fn dates_outside_their_era_are_errors() {
        let e = parse_date("平成32年1月1日").expect_err("no 平成32年");
        assert_eq!(
            e,
            DateError::OutsideEra {
                era: Era::Heisei,
                year: 32,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            e.to_string(),
            "平成 has no year 32 (it ended on 2019-04-30)"
        );

        let e = parse_date("昭和64年1月8日").expect_err("昭和 ended");
        assert!(matches!(
            e,
            DateError::OutsideEra {
                era: Era::Showa,
                year: 64,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "昭和64年1月8日 is after 昭和 ended on 1989-01-07"
        );

        let e = parse_date("令和1年4月30日").expect_err("令和 not begun");
        assert!(matches!(
            e,
            DateError::OutsideEra {
                era: Era::Reiwa,
                year: 1,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "令和元年4月30日 is before 令和 began on 2019-05-01"
        );

        assert_eq!(
            parse_date("1010101").map_err(|e| e.to_string()),
            Err("明治元年1月1日 is before 明治 began on 1868-01-25".to_owned())
        );
        for input in [
            "4320101",
            "H31.5.1",
            "3640108",
            "5010430",
            "1010101",
            "平成0年1月8日",
        ] {
            assert!(
                matches!(parse_date(input), Err(DateError::OutsideEra { .. })),
                "{input}"
            );
        }
        assert_eq!(
            parse_date("H0.1.1").map_err(|e| e.to_string()),
            Err("平成 has no year 0 (the first year is 元年)".to_owned())
        );
    }

    #[test]
    fn impossible_dates_are_errors() {
        assert_eq!(
            parse_date("平成5年2月30日"),
            Err(DateError::InvalidDate {
                year: 1993,
                month: 2,
                day: 30
            })
        );
        assert_eq!(
            parse_date("19930230").map_err(|e| e.to_string()),
            Err("there is no such date: 1993-02-30".to_owned())
        );
        for input in ["19931301", "1993-00-10", "4051301", "4050100", "2023-02-29"] {
            assert!(
                matches!(parse_date(input), Err(DateError::InvalidDate { .. })),
                "{input}"
            );
        }
        assert_eq!(parse_date("2024-02-29"), Ok(date!(2024 - 02 - 29)));
    }

    #[test]
    fn unrecognised_text() {
        for input in [
            "",
            "  ",
            "abc",
            "6050101",
            "0050101",
            "123456",
            "123456789",
            "93-01-01",
            "H5.1",
            "H5.1.1.1",
            "X5.1.1",
            "平成五年一月一日",
            "元年1月1日",
            "1993-01/01",
            "H5..1",
            "平成5年1月1日生",
        ] {
            assert_eq!(parse_date(input), Err(DateError::Unrecognised), "{input}");
        }
    }

    #[test]
    fn ages() {
        let birth = date!(1993 - 01 - 01);
        assert_eq!(age_on(birth, date!(2025 - 12 - 31)), 32);
        assert_eq!(age_on(birth, date!(2026 - 01 - 01)), 33);
        assert_eq!(age_on(birth, date!(1993 - 01 - 01)), 0);
        let leap = date!(2000 - 02 - 29);
        assert_eq!(age_on(leap, date!(2001 - 02 - 28)), 0);
        assert_eq!(age_on(leap, date!(2001 - 03 - 01)), 1);
        // The law counts an age reached at the end of the previous day.
        assert_eq!(legal_age_at_end_of(leap, date!(2001 - 02 - 28)), 1);
        assert_eq!(tax_year_age(date!(1956 - 01 - 01), 2025), Some(70));
        assert_eq!(tax_year_age(date!(1956 - 01 - 02), 2025), Some(69));
    }
}
