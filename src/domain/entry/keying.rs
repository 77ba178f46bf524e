//! One clerk's keying of one form: the checked value of every field they
//! filled in, by its place on the form. Built only through the schema, so
//! a keying never holds a field the form does not have.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

use super::field::{FieldError, check};
use super::schema::{FieldPath, FormSchema};
use crate::secret::KeyedValue;

/// What is wrong with one field of a keying.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyingError {
    #[error("`{path}` is not a field of this form, or not one asked for")]
    UnknownField { path: String },
    #[error("`{path}`: {error}")]
    Field { path: FieldPath, error: FieldError },
    #[error("{table}: row {row} is keyed but row {missing} is not; rows are numbered without gaps")]
    RowGap {
        table: String,
        row: usize,
        missing: usize,
    },
}

impl KeyingError {
    pub fn code(&self) -> &'static str {
        match self {
            KeyingError::UnknownField { .. } => "unknown_field",
            KeyingError::Field { error, .. } => error.code(),
            KeyingError::RowGap { .. } => "row_gap",
        }
    }

    /// The field concerned, in the form `section.field` / `table[row].field`.
    pub fn path(&self) -> String {
        match self {
            KeyingError::UnknownField { path } => path.clone(),
            KeyingError::Field { path, .. } => path.to_string(),
            KeyingError::RowGap { table, missing, .. } => format!("{table}[{missing}]"),
        }
    }
}

/// Checked values by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Keying {
    values: BTreeMap<FieldPath, KeyedValue>,
}

impl Keying {
    /// Checks every typed value against the form; every problem is
    /// returned, in form order, so the clerk sees them all at once. A
    /// table row counts as keyed when any of its fields is filled in; its
    /// required fields are then required.
    pub fn check<V: AsRef<str>>(
        schema: &FormSchema,
        typed: &BTreeMap<String, V>,
    ) -> Result<Keying, Vec<KeyingError>> {
        Keying::check_within(schema, typed, &|_| true)
    }

    /// Like [`Keying::check`] for the fields `within` takes only: any other
    /// field is refused as not asked for, and is not required.
    pub fn check_within<V: AsRef<str>>(
        schema: &FormSchema,
        typed: &BTreeMap<String, V>,
        within: &dyn Fn(&FieldPath) -> bool,
    ) -> Result<Keying, Vec<KeyingError>> {
        let mut errors = Vec::new();
        let mut given: BTreeMap<FieldPath, &str> = BTreeMap::new();
        for (text, value) in typed {
            let asked = FieldPath::parse(text).filter(|p| schema.field(p).is_some() && within(p));
            match asked {
                Some(path) => {
                    given.insert(path, value.as_ref());
                }
                None => errors.push(KeyingError::UnknownField { path: text.clone() }),
            }
        }

        let mut values = BTreeMap::new();
        let mut keep = |path: FieldPath, typed: &str, errors: &mut Vec<KeyingError>| {
            let Some(spec) = schema.field(&path).filter(|_| within(&path)) else {
                return;
            };
            match check(spec, typed) {
                Ok(Some(value)) => {
                    values.insert(path, KeyedValue::new(value.canonical()));
                }
                Ok(None) => {}
                Err(error) => errors.push(KeyingError::Field { path, error }),
            }
        };

        for (path, _) in schema.section_fields() {
            let typed = given.get(&path).copied().unwrap_or("");
            keep(path, typed, &mut errors);
        }
        for table in &schema.tables {
            let rows: BTreeSet<usize> = given
                .iter()
                .filter(|(p, v)| p.group == table.key && !v.trim().is_empty())
                .filter_map(|(p, _)| p.row)
                .collect();
            // A row none of whose fields is asked for (keying again) is no gap.
            if let Some(&last) = rows.last()
                && let Some(missing) = (0..last).find(|r| {
                    !rows.contains(r)
                        && table
                            .fields
                            .iter()
                            .any(|f| within(&FieldPath::row(&table.key, *r, &f.key)))
                })
            {
                errors.push(KeyingError::RowGap {
                    table: table.key.clone(),
                    row: last,
                    missing,
                });
            }
            for &row in &rows {
                for field in &table.fields {
                    let path = FieldPath::row(&table.key, row, &field.key);
                    let typed = given.get(&path).copied().unwrap_or("");
                    keep(path, typed, &mut errors);
                }
            }
        }
        if errors.is_empty() {
            Ok(Keying { values })
        } else {
            Err(errors)
        }
    }

    /// The canonical value at `path`, if keyed.
    pub fn get(&self, path: &FieldPath) -> Option<&str> {
        self.values.get(path).map(KeyedValue::expose)
    }

    pub fn paths(&self) -> impl Iterator<Item = &FieldPath> {
        self.values.keys()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The amount at `group.field`; an empty amount is 0.
    pub fn amount(&self, group: &str, field: &str) -> i64 {
        self.amount_at(&FieldPath::new(group, field))
    }

    pub fn amount_at(&self, path: &FieldPath) -> i64 {
        self.get(path).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// Whether `group.field` was filled in.
    pub fn has(&self, group: &str, field: &str) -> bool {
        self.values.contains_key(&FieldPath::new(group, field))
    }

    pub fn date_at(&self, path: &FieldPath) -> Option<Date> {
        let v = self.get(path)?;
        Date::parse(v, &time::format_description::well_known::Iso8601::DATE).ok()
    }

    /// The rows of `table` that were keyed, in order.
    pub fn rows(&self, table: &str) -> usize {
        self.values
            .keys()
            .filter(|p| p.group == table)
            .filter_map(|p| p.row.map(|r| r + 1))
            .max()
            .unwrap_or(0)
    }

    /// This keying with the value at `path` taken from `other` (or
    /// removed where `other` has none): a field re-keyed or decided.
    pub fn take(&self, other: &Keying, path: &FieldPath) -> Keying {
        let mut values = self.values.clone();
        match other.values.get(path) {
            Some(v) => values.insert(path.clone(), v.clone()),
            None => values.remove(path),
        };
        Keying { values }
    }
}
