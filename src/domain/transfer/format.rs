//! A transfer format: the exact fields of a record that may leave, and
//! whether the My Number is among them. Nothing outside the format can be
//! added to a transfer, and a record lacking a required field is named
//! before anything is sent.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The fields a format may name: what a record can give, no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordField {
    /// The internal 宛名番号.
    PersonNumber,
    MyNumber,
    Name,
    Kana,
    Birth,
    Sex,
    Address,
    /// The income year of the tax record sent.
    TaxYear,
    /// 総所得金額 of that year's committed declaration.
    TotalIncome,
    /// 所得割 + 均等割 as assessed.
    TaxAmount,
}

impl RecordField {
    pub const ALL: &'static [RecordField] = &[
        RecordField::PersonNumber,
        RecordField::MyNumber,
        RecordField::Name,
        RecordField::Kana,
        RecordField::Birth,
        RecordField::Sex,
        RecordField::Address,
        RecordField::TaxYear,
        RecordField::TotalIncome,
        RecordField::TaxAmount,
    ];

    /// The name used in formats, manifests and locale keys.
    pub fn key(self) -> &'static str {
        match self {
            RecordField::PersonNumber => "person_number",
            RecordField::MyNumber => "my_number",
            RecordField::Name => "name",
            RecordField::Kana => "kana",
            RecordField::Birth => "birth",
            RecordField::Sex => "sex",
            RecordField::Address => "address",
            RecordField::TaxYear => "tax_year",
            RecordField::TotalIncome => "total_income",
            RecordField::TaxAmount => "tax_amount",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatField {
    pub field: RecordField,
    pub required: bool,
}

/// One version of a format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferFormat {
    pub id: String,
    pub version: u32,
    pub title_ja: String,
    pub title_en: String,
    /// Whether the My Number may be one of the fields.
    pub my_number: bool,
    pub fields: Vec<FormatField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    #[error("`id`: 1 to 32 lower-case letters, digits or `_`")]
    Id,
    #[error("`version`: from 1")]
    Version,
    #[error("`title_ja` and `title_en` are both needed")]
    Title,
    #[error("`fields`: a format sends at least one field")]
    NoFields,
    #[error("`fields`: {0} is named twice")]
    Twice(&'static str),
    #[error("`fields`: my_number is named but the format does not allow the My Number")]
    MyNumberNotAllowed,
    #[error("`fields`: person_number must be sent, so a receipt can name each record")]
    NoPersonNumber,
    #[error("{0}")]
    Parse(String),
}

impl TransferFormat {
    /// A format from its TOML text, checked.
    pub fn from_toml(text: &str) -> Result<TransferFormat, FormatError> {
        let format: TransferFormat =
            toml::from_str(text).map_err(|e| FormatError::Parse(e.message().to_string()))?;
        format.check()?;
        Ok(format)
    }

    pub fn check(&self) -> Result<(), FormatError> {
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok {
            return Err(FormatError::Id);
        }
        if self.version == 0 {
            return Err(FormatError::Version);
        }
        if self.title_ja.trim().is_empty() || self.title_en.trim().is_empty() {
            return Err(FormatError::Title);
        }
        if self.fields.is_empty() {
            return Err(FormatError::NoFields);
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.fields {
            if !seen.insert(f.field) {
                return Err(FormatError::Twice(f.field.key()));
            }
        }
        if seen.contains(&RecordField::MyNumber) && !self.my_number {
            return Err(FormatError::MyNumberNotAllowed);
        }
        if !seen.contains(&RecordField::PersonNumber) {
            return Err(FormatError::NoPersonNumber);
        }
        Ok(())
    }

    pub fn has(&self, field: RecordField) -> bool {
        self.fields.iter().any(|f| f.field == field)
    }

    /// `id@version`, as transfers and manifests name it.
    pub fn label(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// The formats this build ships, for a new store to register (a test
/// checks each is valid).
pub fn shipped() -> Result<Vec<TransferFormat>, FormatError> {
    [include_str!("../../../formats/tax-certificate.toml")]
        .iter()
        .map(|text| TransferFormat::from_toml(text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> TransferFormat {
        shipped().unwrap().remove(0)
    }

    #[test]
    fn the_shipped_tax_certificate_sends_what_the_pia_lists_and_no_my_number() {
        let f = certificate();
        assert_eq!(f.label(), "tax_certificate@1");
        assert!(!f.my_number && !f.has(RecordField::MyNumber));
        for field in [
            RecordField::PersonNumber,
            RecordField::Name,
            RecordField::Birth,
            RecordField::Address,
            RecordField::TaxYear,
            RecordField::TotalIncome,
            RecordField::TaxAmount,
        ] {
            assert!(f.has(field), "{field:?}");
        }
    }

    #[test]
    fn a_format_is_refused_with_what_is_wrong() {
        let mut f = certificate();
        f.fields.push(FormatField {
            field: RecordField::MyNumber,
            required: true,
        });
        assert_eq!(f.check(), Err(FormatError::MyNumberNotAllowed));
        f.my_number = true;
        assert_eq!(f.check(), Ok(()));
        f.fields.push(FormatField {
            field: RecordField::Name,
            required: false,
        });
        assert_eq!(f.check(), Err(FormatError::Twice("name")));
        let mut g = certificate();
        g.fields.retain(|f| f.field != RecordField::PersonNumber);
        assert_eq!(g.check(), Err(FormatError::NoPersonNumber));
        g.id = "Tax Cert".into();
        assert_eq!(g.check(), Err(FormatError::Id));
    }

    #[test]
    fn unknown_keys_and_fields_in_a_format_file_are_refused() {
        let text = include_str!("../../../formats/tax-certificate.toml");
        let extra = format!("{text}\nspare = 1\n");
        assert!(matches!(
            TransferFormat::from_toml(&extra),
            Err(FormatError::Parse(_))
        ));
        let unknown = text.replace("field = \"tax_amount\"", "field = \"bank_account\"");
        let err = TransferFormat::from_toml(&unknown).unwrap_err();
        assert!(err.to_string().contains("bank_account"), "{err}");
    }
}
