//! 本人確認 at intake: what was presented, and whether the presented
//! 基本4情報 match the registered ones. A difference stops the My Number
//! from being linked to the entry until a supervisor resolves it.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

use crate::domain::itaiji::{address_key, name_key};
use crate::domain::resident::Sex;

/// Documents that prove who someone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdDocument {
    // With a photo: one is enough (type A).
    MyNumberCard,
    DriversLicence,
    Passport,
    ResidenceCard,
    DisabilityCertificate,
    // Without a photo: two are needed, not both of this kind (type B).
    HealthInsuranceCard,
    PensionBook,
    PensionCertificate,
    OtherOfficialDocument,
}

impl IdDocument {
    pub fn has_photo(self) -> bool {
        matches!(
            self,
            IdDocument::MyNumberCard
                | IdDocument::DriversLicence
                | IdDocument::Passport
                | IdDocument::ResidenceCard
                | IdDocument::DisabilityCertificate
        )
    }
}

/// Documents that prove the number itself (番号確認).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberDocument {
    MyNumberCard,
    NotificationCard,
    ResidentRecordWithNumber,
}

/// How the form arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Intake {
    Counter {
        documents: Vec<IdDocument>,
        number_document: NumberDocument,
    },
    /// Mailed in, with copies of the documents.
    ByPost {
        documents: Vec<IdDocument>,
        number_document: NumberDocument,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum IntakeError {
    #[error("no identity document was recorded")]
    NoDocument,
    #[error("two documents without a photo do not prove identity: one needs a photo")]
    TwoWithoutPhoto,
    #[error("a document without a photo needs a second document")]
    OneWithoutPhoto,
    #[error("the same document was recorded twice")]
    SameDocumentTwice,
}

impl Intake {
    /// One document with a photo, or two documents of which at least one
    /// has a photo (A+A, A+B). B+B is refused.
    pub fn check(&self) -> Result<(), IntakeError> {
        let (Intake::Counter { documents, .. } | Intake::ByPost { documents, .. }) = self;
        match documents.as_slice() {
            [] => Err(IntakeError::NoDocument),
            [one] if one.has_photo() => Ok(()),
            [_] => Err(IntakeError::OneWithoutPhoto),
            [a, b, ..] if a == b => Err(IntakeError::SameDocumentTwice),
            docs if docs.iter().any(|d| d.has_photo()) => Ok(()),
            _ => Err(IntakeError::TwoWithoutPhoto),
        }
    }
}

/// 基本4情報 as presented or registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basic4 {
    pub name: String,
    pub birth: Date,
    pub sex: Sex,
    pub address: String,
}

/// Which of the four differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basic4Field {
    Name,
    Birth,
    Sex,
    Address,
}

impl Basic4Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Basic4Field::Name => "name",
            Basic4Field::Birth => "birth",
            Basic4Field::Sex => "sex",
            Basic4Field::Address => "address",
        }
    }
}

/// The fields where the presented 基本4情報 differ from the registered
/// ones, after the folding search uses (髙橋 = 高橋, 1-2-3 = 1の2の3, spaces
/// ignored), so a variant spelling is not a difference.
pub fn differences(presented: &Basic4, registered: &Basic4) -> Vec<Basic4Field> {
    let mut out = Vec::new();
    let spaceless = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    if name_key(&spaceless(&presented.name)) != name_key(&spaceless(&registered.name)) {
        out.push(Basic4Field::Name);
    }
    if presented.birth != registered.birth {
        out.push(Basic4Field::Birth);
    }
    if presented.sex != registered.sex {
        out.push(Basic4Field::Sex);
    }
    if address_key(&spaceless(&presented.address)) != address_key(&spaceless(&registered.address)) {
        out.push(Basic4Field::Address);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn one_photo_id_or_two_documents_with_a_photo_among_them() {
        let counter = |documents: Vec<IdDocument>| Intake::Counter {
            documents,
            number_document: NumberDocument::NotificationCard,
        };
        use IdDocument::*;
        assert_eq!(counter(vec![MyNumberCard]).check(), Ok(()));
        assert_eq!(counter(vec![Passport, DriversLicence]).check(), Ok(()));
        assert_eq!(
            counter(vec![HealthInsuranceCard, DriversLicence]).check(),
            Ok(())
        );
        assert_eq!(
            counter(vec![HealthInsuranceCard, PensionBook]).check(),
            Err(IntakeError::TwoWithoutPhoto)
        );
        assert_eq!(
            counter(vec![HealthInsuranceCard]).check(),
            Err(IntakeError::OneWithoutPhoto)
        );
        assert_eq!(counter(vec![]).check(), Err(IntakeError::NoDocument));
        assert_eq!(
            counter(vec![HealthInsuranceCard, HealthInsuranceCard]).check(),
            Err(IntakeError::SameDocumentTwice)
        );
        let post = Intake::ByPost {
            documents: vec![HealthInsuranceCard, PensionBook],
            number_document: NumberDocument::ResidentRecordWithNumber,
        };
        assert_eq!(post.check(), Err(IntakeError::TwoWithoutPhoto));
    }

    #[test]
    fn variant_spellings_are_not_differences_but_other_values_are() {
        let registered = Basic4 {
            name: "髙橋 一郎".into(),
            birth: date!(1980 - 04 - 01),
            sex: Sex::Male,
            address: "番所市栄町5丁目23番3号".into(),
        };
        let same = Basic4 {
            name: "高橋一郎".into(),
            address: "番所市栄町５丁目２３番３号".into(),
            ..registered.clone()
        };
        assert_eq!(differences(&same, &registered), vec![]);
        let other = Basic4 {
            name: "高橋 二郎".into(),
            birth: date!(1980 - 04 - 02),
            ..registered.clone()
        };
        assert_eq!(
            differences(&other, &registered),
            vec![Basic4Field::Name, Basic4Field::Birth]
        );
    }
}

/// What the intake found, stored with the entry: while the presented
/// 基本4情報 differ and no supervisor has settled it, the form cannot be
/// submitted, so no My Number on it is linked to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCheck {
    pub intake: Intake,
    pub differences: Vec<Basic4Field>,
    /// The supervisor who settled the differences, and why.
    pub settled_by: Option<String>,
    pub settled_reason: Option<String>,
}

impl IdentityCheck {
    /// Whether the form may go on to be submitted.
    pub fn clear(&self) -> bool {
        self.differences.is_empty() || self.settled_by.is_some()
    }
}

impl IntakeError {
    pub fn code(self) -> &'static str {
        match self {
            IntakeError::NoDocument => "no_document",
            IntakeError::TwoWithoutPhoto => "two_without_photo",
            IntakeError::OneWithoutPhoto => "one_without_photo",
            IntakeError::SameDocumentTwice => "same_document_twice",
        }
    }
}
