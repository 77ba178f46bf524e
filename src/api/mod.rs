//! Request and response types of the records service's HTTP API (`/api/v1`),
//! shared by the service, the typed client and the tests.
//!
//! Requests reject unknown fields: the service takes only what a form names.

pub mod entry;
pub mod error;
pub mod grant;
pub mod retention;
pub mod roster;
pub mod search;
pub mod staff;
pub mod terminal_bundle;
pub mod transfer;

use serde::{Deserialize, Serialize};

use crate::domain::resident::{ResidentStatus, Sex};
pub use crate::domain::roles::{Department, Permission, Role};
use crate::secret::{Pin, SessionToken, TotpCode};

pub use error::{ApiError, ErrorCode};
pub use search::{ReadTerm, SearchRefusal, TermKind};

/// Path prefix of every route.
pub const PREFIX: &str = "/api/v1";

/// A business purpose (業務) that every access of a session is recorded under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

/// Logging in. The purpose may be named at once when the terminal knows it;
/// otherwise a department with one purpose gets it, and one with several
/// gets a session that may do nothing until one is chosen
/// ([`ChoosePurposeRequest`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub user_id: String,
    pub pin: Pin,
    pub totp: TotpCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// Choosing the business purpose of a session that has none yet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoosePurposeRequest {
    pub purpose: String,
}

/// Unlocking a locked terminal: the session's own user proves presence
/// again. The service answers with a new token and ends the old one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pub pin: Pin,
    pub totp: TotpCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffInfo {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub department: Department,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginResponse {
    pub token: SessionToken,
    pub session: SessionInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionInfo {
    pub staff: StaffInfo,
    /// `None` until chosen: the session may do nothing else until then.
    pub purpose: Option<Purpose>,
    /// The purposes of the caller's department, the only ones it may choose.
    pub purposes: Vec<Purpose>,
    pub terminal: String,
    /// Seconds of inactivity after which the service ends the session.
    pub idle_timeout_secs: u64,
    /// RFC 3339, UTC: the session's absolute end.
    pub expires_at: String,
    /// What this session's role may do, for the terminal to show or hide keys.
    /// The service checks every request regardless.
    pub permissions: Vec<Permission>,
    /// The PIN was handed over: until its holder changes it the session
    /// may only read itself, change the PIN and log out.
    #[serde(default)]
    pub pin_change_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    pub query: String,
}

/// One line of a search result: enough to pick the right person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentSummary {
    pub person_number: String,
    pub name: String,
    pub kana: String,
    /// ISO 8601 date.
    pub birth_date: String,
    pub sex: Sex,
    /// `None` when hidden (支援措置 without the permission to see it).
    pub address: Option<String>,
    pub status: ResidentStatus,
    pub support_measure: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchResponse {
    /// How the box was read: each term's kind and what was searched for,
    /// in the order typed.
    pub read_as: Vec<ReadTerm>,
    pub results: Vec<ResidentSummary>,
    /// More residents matched than the limit: the clerk must narrow the search.
    pub truncated: bool,
    pub limit: usize,
}

/// A resident's record as this session may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentRecord {
    pub person_number: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub sex: Sex,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub address_hidden: bool,
    pub status: ResidentStatus,
    pub support_measure: bool,
    /// Last four digits behind a mask, only for roles whose work needs the
    /// number; absent (never sent) for everyone else.
    pub my_number_masked: Option<String>,
    /// Whether this session may ask for the full number.
    pub can_reveal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the full number is needed (recorded in the access log as a code).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevealResponse {
    pub my_number: crate::secret::Secret,
}

/// One access-log row as auditors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub user_id: String,
    pub terminal: String,
    pub action: crate::domain::audit_event::Action,
    pub subjects: Vec<String>,
    pub purpose: String,
    pub outcome: crate::domain::audit_event::Outcome,
    pub detail: String,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditList {
    pub rows: Vec<AuditRow>,
}

/// A page of the filtered access log, newest first. `next_before` asks for
/// the next (older) page; `None` when this was the last.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub next_before: Option<i64>,
}

/// What one analysis of the access log found over a period.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFindings {
    pub kind: String,
    pub from: String,
    pub to: String,
    pub findings: Vec<AuditFinding>,
}

/// One finding: who or what, how many rows, and the `/audit/rows` query
/// (`filter`) that pages through exactly the rows behind it (for
/// `no_follow_up` and `volume`, the rows of that user, person and day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFinding {
    pub description: String,
    pub user: Option<String>,
    pub terminal: Option<String>,
    /// A person number, never a name.
    pub person: Option<String>,
    pub reason: Option<String>,
    pub from: String,
    pub to: String,
    pub rows: i64,
    pub users: i64,
    /// The usual count this one is measured against (`volume`).
    pub baseline: Option<f64>,
    pub first_seq: i64,
    pub last_seq: i64,
    pub filter: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffList {
    pub staff: Vec<staff::StaffAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub status: String,
    pub version: String,
}
