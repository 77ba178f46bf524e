//! What the sink accepts: a manifest of a format it knows, its fields
//! within the format and its required ones present, named as the sender
//! named it. A problem is named with the record and field it is in.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::transfer::format::{RecordField, TransferFormat, shipped};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Inbound {
    transfer: String,
    destination: String,
    format: String,
    count: usize,
    records: Vec<InboundRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboundRecord {
    values: BTreeMap<RecordField, String>,
}

pub fn valid_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn format_named(label: &str) -> Option<TransferFormat> {
    shipped().ok()?.into_iter().find(|f| f.label() == label)
}

/// Checks a manifest sent under `key`; the number of records it holds.
pub fn check(key: &str, body: &[u8]) -> Result<usize, String> {
    let inbound: Inbound = {
        let mut de = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut de)
            .map_err(|e| format!("`{}`: {}", e.path(), e.inner()))?
    };
    if inbound.transfer != key {
        return Err("`transfer`: it must be the idempotency key".into());
    }
    if inbound.destination.is_empty() {
        return Err("`destination`: empty".into());
    }
    let Some(format) = format_named(&inbound.format) else {
        return Err(format!(
            "`format`: {} is not a format this receiver takes",
            inbound.format
        ));
    };
    if inbound.count != inbound.records.len() {
        return Err(format!(
            "`count`: {} but {} records arrived",
            inbound.count,
            inbound.records.len()
        ));
    }
    for (i, record) in inbound.records.iter().enumerate() {
        if let Some(extra) = record.values.keys().find(|f| !format.has(**f)) {
            return Err(format!(
                "`records[{i}].values.{}`: not a field of {}",
                extra.key(),
                format.label()
            ));
        }
        for field in format.fields.iter().filter(|f| f.required) {
            if record.values.get(&field.field).is_none_or(|v| v.is_empty()) {
                return Err(format!(
                    "`records[{i}].values.{}`: required by {}",
                    field.field.key(),
                    format.label()
                ));
            }
        }
    }
    Ok(inbound.records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(extra: &str) -> String {
        format!(
            r#"{{"transfer":"t1","destination":"d","format":"tax_certificate@1","count":1,"records":[{{"values":{{"person_number":"1000000001","name":"高橋 一郎","birth":"1993-01-01","address":"本町3-4-5","tax_year":"2025","total_income":"2020000"{extra}}}}}]}}"#
        )
    }

    #[test]
    fn a_manifest_of_the_format_is_taken() {
        assert_eq!(check("t1", body("").as_bytes()), Ok(1));
    }

    #[test]
    fn a_field_outside_the_format_or_a_missing_one_is_named() {
        let err = check("t1", body(r#","my_number":"123456789018""#).as_bytes()).unwrap_err();
        assert_eq!(
            err,
            "`records[0].values.my_number`: not a field of tax_certificate@1"
        );
        let missing = body("").replace(r#","total_income":"2020000""#, "");
        let err = check("t1", missing.as_bytes()).unwrap_err();
        assert!(
            err.starts_with("`records[0].values.total_income`: required"),
            "{err}"
        );
        let unknown = body(r#","bank":"1""#);
        let err = check("t1", unknown.as_bytes()).unwrap_err();
        assert!(err.contains("records[0].values"), "{err}");
    }

    #[test]
    fn the_key_the_count_and_the_format_must_agree() {
        assert!(
            check("t2", body("").as_bytes())
                .unwrap_err()
                .starts_with("`transfer`")
        );
        let other = body("").replace("tax_certificate@1", "tax_certificate@9");
        assert!(
            check("t1", other.as_bytes())
                .unwrap_err()
                .starts_with("`format`")
        );
        let count = body("").replace(r#""count":1"#, r#""count":2"#);
        assert!(
            check("t1", count.as_bytes())
                .unwrap_err()
                .starts_with("`count`")
        );
        assert!(check("t1", b"{not json").is_err());
        assert!(!valid_key("a/b") && !valid_key("") && valid_key("t-1_x"));
    }
}
