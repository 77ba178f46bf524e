//! Double-keyed entry: requests, the entry as the caller may see it, and
//! the problems a refused submit names.
//!
//! What an entry shows depends on who asks: the first keyer their draft;
//! the second keyer only which fields to key, never the first values; a
//! keyer asked to key again only the field names; a supervisor deciding
//! both values of the fields in question.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::ApiError;
pub use crate::domain::entry::machine::{Decision, Keyer};
use crate::secret::KeyedValue;

/// A clerk starts keying a form for a person found by search.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartEntryRequest {
    pub form: String,
    /// The internal person number.
    pub person: String,
    /// Where the paper is kept (batch and sheet).
    pub paper: String,
}

/// Typed text by field (`section.field`, `table[row].field`): a draft, a
/// blind second keying, or fields keyed again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsRequest {
    pub fields: BTreeMap<String, KeyedValue>,
}

/// The first keyer's submit: every field, and a reason for each warning
/// accepted (by the warning's key, `code@field`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub fields: BTreeMap<String, KeyedValue>,
    #[serde(default)]
    pub reasons: BTreeMap<String, String>,
}

/// A supervisor's decision on every field in question, with a reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    pub decisions: BTreeMap<String, Decision>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscardRequest {
    pub reason: String,
}

/// One field a supervisor decides: both keyings' values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldToDecide {
    pub field: String,
    pub first: Option<KeyedValue>,
    pub second: Option<KeyedValue>,
    /// Checks of the agreed record that fail on this field.
    pub findings: Vec<String>,
}

/// An entry as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryView {
    pub id: String,
    pub form: String,
    pub person: String,
    pub paper: String,
    pub state: String,
    pub first_by: String,
    pub second_by: Option<String>,
    /// The caller's own draft, when they are keying it first.
    pub draft: Option<BTreeMap<String, KeyedValue>>,
    /// The fields the caller is asked to key now (blind): for a second
    /// keying the double-keyed fields of the form (`table[].field` for
    /// every row of a table), for a re-keying the fields that differ.
    pub to_key: Vec<String>,
    /// For a supervisor deciding: the fields in question.
    pub to_decide: Vec<FieldToDecide>,
    /// The record version a committed entry made.
    pub version: Option<i64>,
}

/// One entry in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntrySummary {
    pub id: String,
    pub form: String,
    pub person: String,
    pub paper: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryQueue {
    pub entries: Vec<EntrySummary>,
}

/// One problem of a refused submit or decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// The stable code the workstation shows in the clerk's language.
    pub code: String,
    pub fields: Vec<String>,
    /// `error` blocks; `warning` needs a reason under `key`.
    pub severity: String,
    /// Where a warning's reason goes in [`SubmitRequest::reasons`].
    pub key: Option<String>,
    /// The amount a calculation check expected, from the caller's own figures.
    pub expected: Option<i64>,
    pub message: String,
}

/// The body of a refused submit or decision (422).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRefusal {
    pub error: ApiError,
    pub problems: Vec<Problem>,
}
