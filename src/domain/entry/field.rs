//! One field's check, as the clerk types: the same code runs in the
//! workstation at each key and in the service on submit. A value that
//! passes is kept in its canonical form (plain digits, ISO dates, NFC
//! text), so `1,000` and `１０００` key the same amount and compare equal.

use thiserror::Error;
use time::Date;
use unicode_normalization::UnicodeNormalization;

use super::schema::{FieldKind, FieldSpec};
use crate::domain::kana::{is_kana_text, to_katakana};
use crate::domain::my_number::{MyNumber, MyNumberError};
use crate::domain::wareki::{DateError, parse_date};
use crate::text::is_unsafe_control;

/// The largest amount any field takes: 一兆円 less one.
pub const AMOUNT_LIMIT: i64 = 999_999_999_999;

/// Why a field's text is refused. Messages never repeat what was typed
/// (it may be a My Number); `code` is the stable name the workstation
/// shows in the clerk's language.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    #[error("this field is required")]
    Required,
    #[error("at most {max} characters")]
    TooLong { max: usize },
    #[error("control characters are not allowed")]
    ControlCharacter,
    #[error("an amount is whole yen in digits (1,234,000)")]
    NotAnAmount,
    #[error("an amount here cannot be negative")]
    Negative,
    #[error("at most {max} yen")]
    TooLarge { max: i64 },
    #[error("{0}")]
    Date(DateError),
    #[error("a reading is written in kana")]
    NotKana,
    #[error("{0}")]
    MyNumber(MyNumberError),
    #[error("a corporate number has 13 digits, the first a check digit")]
    CorporateNumber,
    #[error("a telephone number is digits and hyphens, 10 or 11 digits")]
    Phone,
    #[error("not one of the choices")]
    UnknownChoice,
}

impl FieldError {
    /// The stable code for this refusal (the workstation's locale key).
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooLong { .. } => "too_long",
            FieldError::ControlCharacter => "control_character",
            FieldError::NotAnAmount => "not_an_amount",
            FieldError::Negative => "negative",
            FieldError::TooLarge { .. } => "too_large",
            FieldError::Date(DateError::OutsideEra { .. }) => "date_outside_era",
            FieldError::Date(DateError::InvalidDate { .. }) => "no_such_date",
            FieldError::Date(DateError::Unrecognised) => "not_a_date",
            FieldError::NotKana => "not_kana",
            FieldError::MyNumber(MyNumberError::CheckDigit) => "my_number_check_digit",
            FieldError::MyNumber(_) => "not_a_my_number",
            FieldError::CorporateNumber => "corporate_number",
            FieldError::Phone => "phone",
            FieldError::UnknownChoice => "unknown_choice",
        }
    }
}

/// A field's value after its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Amount(i64),
    Date(Date),
    Text(String),
    /// The digits of a My Number or corporate number, checked.
    Number(String),
    Choice(String),
}

impl FieldValue {
    /// The form kept and compared: digits, ISO dates, NFC text.
    pub fn canonical(&self) -> String {
        match self {
            FieldValue::Amount(n) => n.to_string(),
            FieldValue::Date(d) => d.to_string(),
            FieldValue::Text(s) | FieldValue::Number(s) | FieldValue::Choice(s) => s.clone(),
        }
    }
}

/// Checks what was typed into `field`. Empty text is `Ok(None)` unless
/// the field is required.
pub fn check(field: &FieldSpec, typed: &str) -> Result<Option<FieldValue>, FieldError> {
    if typed.chars().any(is_unsafe_control) {
        return Err(FieldError::ControlCharacter);
    }
    let text: String = typed.nfc().collect();
    let text = text.trim_matches(|c: char| c.is_whitespace());
    if text.is_empty() {
        return if field.required {
            Err(FieldError::Required)
        } else {
            Ok(None)
        };
    }
    let value = match field.kind {
        FieldKind::Amount => FieldValue::Amount(amount(field, text)?),
        FieldKind::Date => FieldValue::Date(parse_date(text).map_err(FieldError::Date)?),
        FieldKind::Text => FieldValue::Text(limited(field, collapse_spaces(text))?),
        FieldKind::Kana => FieldValue::Text(limited(field, kana(text)?)?),
        FieldKind::MyNumber => {
            let number = MyNumber::parse(text).map_err(FieldError::MyNumber)?;
            FieldValue::Number(number.expose().to_owned())
        }
        FieldKind::CorporateNumber => FieldValue::Number(corporate_number(text)?),
        FieldKind::Phone => FieldValue::Text(phone(text)?),
        FieldKind::Choice => {
            if !field.choices.iter().any(|c| c == text) {
                return Err(FieldError::UnknownChoice);
            }
            FieldValue::Choice(text.to_owned())
        }
    };
    Ok(Some(value))
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{FF10}'..='\u{FF19}' => Some(c as u32 - 0xFF10),
        _ => None,
    }
}

/// Whole yen: digits (either width), `,` between groups of three, an
/// optional leading minus where losses are allowed, an optional 円.
fn amount(field: &FieldSpec, text: &str) -> Result<i64, FieldError> {
    let text = text.strip_suffix('円').unwrap_or(text);
    let (negative, digits) = match text.strip_prefix(['-', '−', '－', '▲', '△']) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let groups: Vec<&str> = digits.split([',', '，']).collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].chars().count() <= 3
            && groups[1..].iter().all(|g| g.chars().count() == 3));
    if !grouped_well {
        return Err(FieldError::NotAnAmount);
    }
    let mut value: i64 = 0;
    let mut seen = false;
    for c in groups.concat().chars() {
        let d = digit(c).ok_or(FieldError::NotAnAmount)?;
        seen = true;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d)))
            .ok_or(FieldError::TooLarge { max: AMOUNT_LIMIT })?;
    }
    if !seen {
        return Err(FieldError::NotAnAmount);
    }
    let max = field.max.unwrap_or(AMOUNT_LIMIT).min(AMOUNT_LIMIT);
    if value > max {
        return Err(FieldError::TooLarge { max });
    }
    if negative && value != 0 {
        if !field.signed {
            return Err(FieldError::Negative);
        }
        return Ok(-value);
    }
    Ok(value)
}

/// Runs of spaces (either width) become one ideographic space, the way
/// names are written on the paper.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c == ' ' || c == '\u{3000}' {
            space = true;
            continue;
        }
        if space {
            out.push('\u{3000}');
            space = false;
        }
        out.push(c);
    }
    out
}

fn kana(text: &str) -> Result<String, FieldError> {
    let folded: String = collapse_spaces(text)
        .chars()
        .map(|c| if c == '\u{3000}' { c } else { to_katakana(c) })
        .collect();
    // Half-width kana become full-width through NFKC.
    let folded: String = folded.nfkc().collect();
    let words_are_kana = folded
        .split([' ', '\u{3000}'])
        .filter(|w| !w.is_empty())
        .all(is_kana_text);
    if !words_are_kana {
        return Err(FieldError::NotKana);
    }
    Ok(folded.replace(' ', "\u{3000}"))
}

fn limited(field: &FieldSpec, text: String) -> Result<String, FieldError> {
    let max = field.max_chars.unwrap_or(usize::MAX);
    if text.chars().count() > max {
        return Err(FieldError::TooLong { max });
    }
    Ok(text)
}

/// 法人番号: 13 digits; the first is 9 - (Σ digit × (1 or 2, alternating
/// from the right) mod 9) over the other twelve.
fn corporate_number(text: &str) -> Result<String, FieldError> {
    let digits: Vec<u32> = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '－'))
        .map(|c| digit(c).ok_or(FieldError::CorporateNumber))
        .collect::<Result<_, _>>()?;
    if digits.len() != 13 {
        return Err(FieldError::CorporateNumber);
    }
    let sum: u32 = digits[1..]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 0 { d } else { d * 2 })
        .sum();
    if digits[0] != 9 - sum % 9 {
        return Err(FieldError::CorporateNumber);
    }
    Ok(digits.iter().map(|d| char::from(b'0' + *d as u8)).collect())
}

/// Digits with hyphens or parentheses as typed; 10 or 11 digits.
fn phone(text: &str) -> Result<String, FieldError> {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        if let Some(d) = digit(c) {
            out.push(char::from(b'0' + d as u8));
            count += 1;
        } else if matches!(c, '-' | '－' | '(' | ')' | '（' | '）' | ' ') {
            out.push('-');
        } else {
            return Err(FieldError::Phone);
        }
    }
    if !(10..=11).contains(&count) || !out.starts_with('0') {
        return Err(FieldError::Phone);
    }
    // One hyphen per separator run, none at either end.
    let parts: Vec<&str> = out.split('-').filter(|p| !p.is_empty()).collect();
    Ok(parts.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FieldKind) -> FieldSpec {
        FieldSpec {
            key: "f".into(),
            kind,
            required: false,
            max_chars: matches!(kind, FieldKind::Text | FieldKind::Kana).then_some(10),
            signed: false,
            max: None,
            choices: if kind == FieldKind::Choice {
                vec!["male".into(), "female".into()]
            } else {
                vec![]
            },
            double_keyed: None,
            label_ja: "f".into(),
            label_en: "f".into(),
        }
    }

    fn ok(kind: FieldKind, typed: &str) -> String {
        check(&spec(kind), typed).unwrap().unwrap().canonical()
    }

    fn err(kind: FieldKind, typed: &str) -> &'static str {
        check(&spec(kind), typed).unwrap_err().code()
    }

    #[test]
    fn amounts_are_read_in_every_width_with_separators_and_refused_otherwise() {
        for (typed, canonical) in [
            ("1234000", "1234000"),
            ("1,234,000", "1234000"),
            ("１，２３４，０００", "1234000"),
            ("650,000円", "650000"),
            (" 0 ", "0"),
            ("-0", "0"),
        ] {
            assert_eq!(ok(FieldKind::Amount, typed), canonical, "{typed}");
        }
        for typed in ["12,34", "1,2345", ",123", "1.5", "12a", "円", "1,000,"] {
            assert_eq!(err(FieldKind::Amount, typed), "not_an_amount", "{typed}");
        }
        assert_eq!(err(FieldKind::Amount, "-5"), "negative");
        assert_eq!(err(FieldKind::Amount, "99999999999999999999"), "too_large");
        let mut signed = spec(FieldKind::Amount);
        signed.signed = true;
        assert_eq!(
            check(&signed, "▲120,000").unwrap().unwrap(),
            FieldValue::Amount(-120_000)
        );
        let mut capped = spec(FieldKind::Amount);
        capped.max = Some(70_000);
        assert_eq!(
            check(&capped, "70001").unwrap_err(),
            FieldError::TooLarge { max: 70_000 }
        );
    }

    #[test]
    fn dates_numbers_and_readings_keep_one_canonical_form() {
        assert_eq!(ok(FieldKind::Date, "H5.1.1"), "1993-01-01");
        assert_eq!(ok(FieldKind::Date, "平成5年1月1日"), "1993-01-01");
        assert_eq!(err(FieldKind::Date, "平成32年1月1日"), "date_outside_era");
        assert_eq!(err(FieldKind::Date, "1993-02-30"), "no_such_date");
        assert_eq!(ok(FieldKind::MyNumber, "1234 5678 9018"), "123456789018");
        assert_eq!(
            err(FieldKind::MyNumber, "123456789012"),
            "my_number_check_digit"
        );
        assert_eq!(
            ok(FieldKind::Kana, "やまだ　たろう"),
            "ヤマダ\u{3000}タロウ"
        );
        assert_eq!(ok(FieldKind::Kana, "ﾔﾏﾀﾞ  ﾀﾛｳ"), "ヤマダ\u{3000}タロウ");
        assert_eq!(err(FieldKind::Kana, "山田"), "not_kana");
        assert_eq!(ok(FieldKind::Text, "山田  太郎"), "山田\u{3000}太郎");
        assert_eq!(err(FieldKind::Text, "山田\u{1b}[2J"), "control_character");
        assert_eq!(err(FieldKind::Text, "あいうえおかきくけこさ"), "too_long");
        assert_eq!(ok(FieldKind::Phone, "03(1234)5678"), "03-1234-5678");
        assert_eq!(err(FieldKind::Phone, "1234"), "phone");
        assert_eq!(ok(FieldKind::Choice, "female"), "female");
        assert_eq!(err(FieldKind::Choice, "f"), "unknown_choice");
    }

    #[test]
    fn corporate_numbers_pass_only_with_their_check_digit() {
        // 国税庁's published example: 7000012050002 (国税庁 itself).
        assert_eq!(
            ok(FieldKind::CorporateNumber, "7000012050002"),
            "7000012050002"
        );
        assert_eq!(
            err(FieldKind::CorporateNumber, "8000012050002"),
            "corporate_number"
        );
        assert_eq!(
            err(FieldKind::CorporateNumber, "700001205000"),
            "corporate_number"
        );
    }

    #[test]
    fn empty_is_nothing_unless_required() {
        assert_eq!(check(&spec(FieldKind::Amount), "  ").unwrap(), None);
        let mut required = spec(FieldKind::Amount);
        required.required = true;
        assert_eq!(check(&required, "").unwrap_err(), FieldError::Required);
    }
}
