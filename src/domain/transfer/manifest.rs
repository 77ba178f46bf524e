//! What a transfer sends, exactly: the destination, the format, and for
//! each record the format's fields and nothing else. Its SHA-256 is what
//! the IT officer signs; the short fingerprint is what both people read
//! aloud at the terminal. The bytes hashed are the bytes sent.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::format::{RecordField, TransferFormat};
use crate::secret::KeyedValue;

/// A record as the store gives it for a transfer: every field it has.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub person: String,
    /// Under a support measure (支援措置): needs reconfirming, never sent
    /// by anything automatic.
    pub sensitive: bool,
    pub values: BTreeMap<RecordField, KeyedValue>,
}

/// A required field a record lacks, named before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub person: String,
    pub field: RecordField,
}

/// One record as it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestRecord {
    #[serde(skip)]
    pub sensitive: bool,
    pub values: BTreeMap<RecordField, KeyedValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The transfer's id: the receiver's idempotency key is derived from it.
    pub transfer: String,
    pub destination: String,
    /// `id@version`.
    pub format: String,
    pub count: usize,
    pub records: Vec<ManifestRecord>,
}

/// A manifest's SHA-256, as 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ManifestHash(String);

impl ManifestHash {
    pub fn of(bytes: &[u8]) -> ManifestHash {
        ManifestHash(format!("{:x}", Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash as 64 hex digits (a receipt's), lower-cased; None otherwise.
    pub fn from_hex(text: &str) -> Option<ManifestHash> {
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| ManifestHash(text.to_ascii_lowercase()))
    }

    /// What both people read aloud: the first 16 hex digits in groups of
    /// four (`3F2A-91C0-7B1E-44D2`), 64 bits, enough that a changed
    /// manifest reads differently.
    pub fn fingerprint(&self) -> String {
        let upper = self.0[..16].to_ascii_uppercase();
        let groups: Vec<&str> = (0..4).map(|i| &upper[i * 4..i * 4 + 4]).collect();
        groups.join("-")
    }
}

impl Manifest {
    /// The manifest of `records` in `format`: only the format's fields
    /// leave; every record lacking a required one is named.
    pub fn build(
        transfer: &str,
        destination: &str,
        format: &TransferFormat,
        records: &[SourceRecord],
    ) -> Result<Manifest, Vec<Missing>> {
        let mut missing = Vec::new();
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let mut values = BTreeMap::new();
            for f in &format.fields {
                match record.values.get(&f.field) {
                    Some(v) if !v.is_empty() => {
                        values.insert(f.field, v.clone());
                    }
                    _ if f.required => missing.push(Missing {
                        person: record.person.clone(),
                        field: f.field,
                    }),
                    _ => {}
                }
            }
            out.push(ManifestRecord {
                sensitive: record.sensitive,
                values,
            });
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(Manifest {
            transfer: transfer.to_string(),
            destination: destination.to_string(),
            format: format.label(),
            count: out.len(),
            records: out,
        })
    }

    /// The bytes sent, and hashed: JSON with every map in key order, so
    /// the same manifest always gives the same bytes.
    pub fn bytes(&self) -> Vec<u8> {
        // Serialising plain maps and strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn hash(&self) -> ManifestHash {
        ManifestHash::of(&self.bytes())
    }

    /// The persons of records under a support measure, in manifest order.
    pub fn sensitive_persons(&self) -> Vec<String> {
        self.records
            .iter()
            .filter(|r| r.sensitive)
            .filter_map(|r| r.values.get(&RecordField::PersonNumber))
            .map(|v| v.expose().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::transfer::format::shipped;

    fn record(person: &str, sensitive: bool) -> SourceRecord {
        let mut values = BTreeMap::new();
        for (field, value) in [
            (RecordField::PersonNumber, person),
            (RecordField::MyNumber, "123456789018"),
            (RecordField::Name, "高橋 一郎"),
            (RecordField::Birth, "1993-01-01"),
            (RecordField::Address, "番所市本町3-4-5"),
            (RecordField::TaxYear, "2025"),
            (RecordField::TotalIncome, "2020000"),
        ] {
            values.insert(field, KeyedValue::new(value));
        }
        SourceRecord {
            person: person.into(),
            sensitive,
            values,
        }
    }

    #[test]
    fn only_the_formats_fields_leave_and_the_my_number_never_in_a_format_without_it() {
        let format = shipped().unwrap().remove(0);
        let m =
            Manifest::build("t1", "kenmin-zei", &format, &[record("1000000001", false)]).unwrap();
        let bytes = String::from_utf8(m.bytes()).unwrap();
        assert!(!bytes.contains("123456789018"), "{bytes}");
        assert!(!bytes.contains("my_number"), "{bytes}");
        assert!(!bytes.contains("sensitive"), "{bytes}");
        assert!(bytes.contains("\"total_income\":\"2020000\""), "{bytes}");
        assert_eq!(m.count, 1);
    }

    #[test]
    fn every_record_lacking_a_required_field_is_named() {
        let format = shipped().unwrap().remove(0);
        let mut a = record("1000000001", false);
        a.values.remove(&RecordField::TotalIncome);
        let mut b = record("1000000002", false);
        b.values.insert(RecordField::Name, KeyedValue::new(""));
        let c = record("1000000003", false);
        let missing = Manifest::build("t1", "d", &format, &[a, b, c]).unwrap_err();
        assert_eq!(
            missing,
            vec![
                Missing {
                    person: "1000000001".into(),
                    field: RecordField::TotalIncome
                },
                Missing {
                    person: "1000000002".into(),
                    field: RecordField::Name
                },
            ]
        );
    }

    #[test]
    fn the_hash_is_stable_and_any_change_changes_it() {
        let format = shipped().unwrap().remove(0);
        let records = [record("1000000001", false), record("1000000002", true)];
        let m = Manifest::build("t1", "d", &format, &records).unwrap();
        let again = Manifest::build("t1", "d", &format, &records).unwrap();
        assert_eq!(m.hash(), again.hash());
        assert_eq!(m.hash().as_str().len(), 64);
        let fp = m.hash().fingerprint();
        assert_eq!(fp.len(), 19);
        assert_eq!(fp.matches('-').count(), 3);
        let mut changed = m.clone();
        changed.records[1]
            .values
            .insert(RecordField::TotalIncome, KeyedValue::new("2020001"));
        assert_ne!(changed.hash(), m.hash());
        let elsewhere = Manifest::build("t1", "other", &format, &records).unwrap();
        assert_ne!(elsewhere.hash(), m.hash());
        assert_eq!(m.sensitive_persons(), vec!["1000000002".to_string()]);
    }

    #[test]
    fn a_known_input_gives_the_known_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            ManifestHash::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
