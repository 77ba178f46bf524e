//! The access log's filter as a form: user, person (internal ID), action
//! (names as the log holds them, comma-separated), terminal, from and to
//! (a date or an RFC 3339 time). What a finding added beyond these
//! (outcome, detail, sensitive) is kept as it came. Bad input is named
//! here; the service checks again.

use crate::domain::audit_event::Action;
use crate::domain::person_number::PersonNumber;
use crate::tui::audit_call::AuditFilter;
use crate::tui::widgets::fields::{Field, Fields};
use crate::tui::widgets::time::typed_date;

/// The filter's fields in the form's order: its parameter name and label.
pub const FIELDS: [(&str, &str); 6] = [
    ("user", "audit.field_user"),
    ("person", "audit.field_person"),
    ("action", "audit.field_action"),
    ("terminal", "audit.field_terminal"),
    ("from", "audit.field_from"),
    ("to", "audit.field_to"),
];

const CHARS: usize = 64;

/// The form holding `filter`'s values.
pub fn form(filter: &AuditFilter) -> Fields {
    Fields::new(
        FIELDS
            .iter()
            .map(|(name, label)| {
                Field::text(
                    label,
                    CHARS,
                    filter.get(*name).map(String::as_str).unwrap_or(""),
                )
            })
            .collect(),
    )
}

fn is_time(text: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    typed_date(text).is_some() || time::OffsetDateTime::parse(text, &Rfc3339).is_ok()
}

/// The filter typed, on top of what `old` held beyond the form's fields;
/// or the locale key of what is wrong and the field.
pub fn read(form: &Fields, old: &AuditFilter) -> Result<AuditFilter, (&'static str, usize)> {
    let mut filter: AuditFilter = old
        .iter()
        .filter(|(k, _)| !FIELDS.iter().any(|(name, _)| name == k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (i, (name, _)) in FIELDS.iter().enumerate() {
        let text = form.text(i);
        if text.is_empty() {
            continue;
        }
        let bad = match *name {
            "person" => PersonNumber::parse(text).err().map(|_| "audit.bad_person"),
            "action" => text
                .split(',')
                .any(|a| Action::parse(a.trim()).is_none())
                .then_some("audit.bad_action"),
            "from" | "to" => (!is_time(text)).then_some("audit.bad_time"),
            _ => None,
        };
        if let Some(key) = bad {
            return Err((key, i));
        }
        let value = match *name {
            "action" => text.split(',').map(str::trim).collect::<Vec<_>>().join(","),
            _ => text.to_string(),
        };
        filter.insert((*name).to_string(), value);
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_a_bad_field_and_keeps_what_a_finding_added() {
        let old: AuditFilter = [
            ("user".to_string(), "kazei01".to_string()),
            ("outcome".to_string(), "denied".to_string()),
        ]
        .into();
        let mut fields = form(&old);
        assert_eq!(fields.text(0), "kazei01");
        fields.set_text(2, "view, search");
        fields.set_text(4, "2026-11-01");
        let filter = read(&fields, &old).expect("good");
        assert_eq!(filter["action"], "view,search");
        assert_eq!(filter["outcome"], "denied");
        assert_eq!(filter["from"], "2026-11-01");
        fields.set_text(1, "12");
        assert_eq!(read(&fields, &old).unwrap_err(), ("audit.bad_person", 1));
        fields.set_text(1, "");
        fields.set_text(2, "peek");
        assert_eq!(read(&fields, &old).unwrap_err(), ("audit.bad_action", 2));
        fields.set_text(2, "");
        fields.set_text(5, "yesterday");
        assert_eq!(read(&fields, &old).unwrap_err(), ("audit.bad_time", 5));
        fields.set_text(0, "");
        fields.set_text(5, "");
        let filter = read(&fields, &old).expect("good");
        assert!(!filter.contains_key("user"));
    }
}
