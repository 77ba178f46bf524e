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
    /// The batch it came in, if it is filed under one.
    #[serde(default)]
    pub batch: Option<String>,
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
    /// The identity check at intake, when one was recorded.
    #[serde(default)]
    pub identity: Option<IdentityView>,
}

/// What the identity check found: which of the 基本4情報 differ (never
/// the values), and who settled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityView {
    pub differences: Vec<String>,
    pub settled_by: Option<String>,
}

/// The 基本4情報 as the documents presented them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentedBasic4 {
    pub name: KeyedValue,
    /// As clerks type dates (`H5.1.1`, `1993-01-01`).
    pub birth: KeyedValue,
    pub sex: crate::domain::resident::Sex,
    pub address: KeyedValue,
}

/// The identity check at intake: what was presented, and how it came.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRequest {
    pub intake: crate::domain::entry::identity::Intake,
    pub presented: PresentedBasic4,
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
    /// Why it is in a supervisor's queue: `adjudication` (keyings that
    /// still differ) or `identity_difference` (an identity check at intake
    /// that differs and is not settled). None in a work list.
    #[serde(default)]
    pub kind: Option<String>,
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

/// One version of a person's record of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordVersionView {
    pub version: i64,
    pub at: String,
    pub first_by: String,
    pub second_by: Option<String>,
    /// Fields a supervisor decided, and who.
    pub decided: BTreeMap<String, String>,
    pub corrected_by: Option<String>,
    pub approved_by: Option<String>,
    pub reason: Option<String>,
    pub paper: Option<String>,
    /// The values; a My Number only as its last four digits.
    pub values: BTreeMap<String, KeyedValue>,
    /// The fields that differ from the version before.
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordHistory {
    pub person: String,
    pub form: String,
    pub versions: Vec<RecordVersionView>,
}

/// A clerk's proposal: the fields to change (typed as on the form; an
/// empty text removes the value), against the version read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeCorrectionRequest {
    pub base_version: i64,
    pub fields: BTreeMap<String, KeyedValue>,
    pub reason: String,
    pub paper: String,
}

/// One field's change, as a supervisor reviews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<KeyedValue>,
    pub after: Option<KeyedValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionView {
    pub id: String,
    pub person: String,
    pub form: String,
    pub state: String,
    pub base_version: i64,
    pub proposed_by: String,
    pub reason: String,
    pub paper: String,
    /// Field by field; My Numbers as their last four digits.
    pub changes: Vec<FieldChange>,
    pub reviewed_by: Option<String>,
    pub review_reason: Option<String>,
    /// The version an approval made.
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionList {
    pub corrections: Vec<CorrectionView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub reason: String,
}

/// One item of a re-verification list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverifyItemView {
    pub entry: String,
    pub list_day: String,
    pub person: String,
    pub form: String,
    /// Why it was picked (`warning_overridden`, `single_keyed`,
    /// `large_amount`, `new_keyer`, `supervisor_decided`, `sample`).
    pub why: Vec<String>,
    pub assigned_to: Option<String>,
    pub due: String,
    pub state: String,
    pub overdue: bool,
    /// Calendar days past the due day, by the service's today (0 when not
    /// overdue).
    #[serde(default)]
    pub days_overdue: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverifyList {
    pub items: Vec<ReverifyItemView>,
}

/// A batch's header as the paper gives it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBatchRequest {
    /// The number written on the batch (e.g. `2026-02-16/001`).
    pub id: String,
    pub form: String,
    /// How many forms the header says it holds.
    pub forms: i64,
    /// The amount field its control total sums (e.g. `income.total`).
    pub control_field: String,
    pub control_total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchView {
    pub id: String,
    pub form: String,
    pub forms: i64,
    pub control_field: String,
    pub control_total: i64,
    /// Committed entries and the sum of their control field so far.
    pub committed: i64,
    pub committed_total: i64,
    /// Entries of the batch not yet committed or discarded.
    pub open_entries: i64,
    pub closed_by: Option<String>,
}

/// Fields keyed and slips found, and slips per 1,000 fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateView {
    pub fields: u64,
    pub slips: u64,
    pub per_thousand: f64,
}

/// One operator's quality figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorQualityView {
    pub staff: String,
    pub total: RateView,
    /// By kind of field (`amount`, `date`, ...).
    pub by_kind: BTreeMap<String, RateView>,
    /// By month (`2026-02`).
    pub by_month: BTreeMap<String, RateView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityReport {
    pub operators: Vec<OperatorQualityView>,
}

/// The batches a clerk works with: the open ones first (oldest first),
/// then the most recently closed, at most [`BatchList::LIMIT`] in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchList {
    pub batches: Vec<BatchView>,
}

impl BatchList {
    /// The most batches one list holds.
    pub const LIMIT: usize = 50;
}
