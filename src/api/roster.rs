//! Roster reconciliation as the IT officer's screen and the console read
//! it: the findings (account, grant, role, department, reason), never a
//! name from the roster; the bad lines of a refused roster; the revocation.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::domain::roles::{Department, Role};
pub use crate::domain::roster::FindingReason;

/// The largest roster file the service takes: some 20,000 staff at 50
/// bytes a line.
pub const MAX_ROSTER_BYTES: usize = 1024 * 1024;

/// One grant the roster calls into question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingView {
    pub grant_id: String,
    pub user_id: String,
    pub role: Role,
    pub department: Department,
    pub reason: FindingReason,
    /// Where the roster has the holder, for `moved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster_department: Option<Department>,
    /// The grant's status now (`active`, `scheduled`, `revoked`, ...).
    pub status: String,
    /// Whether a revocation now would end it (in force or scheduled, and
    /// not the caller's own).
    pub revocable: bool,
}

/// A reconciliation and what became of its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconciliationView {
    pub id: String,
    /// RFC 3339.
    pub made_at: String,
    pub made_by: String,
    /// Hex SHA-256 of the roster file as sent.
    pub roster_sha256: String,
    /// The people the roster listed.
    pub lines: i64,
    pub findings: Vec<FindingView>,
    /// How many grants a revocation now would end: the count to confirm.
    pub revocable: usize,
    /// Whether this is the newest reconciliation (only that one may be
    /// acted on).
    pub latest: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<i64>,
}

/// `GET /admin/roster/reconciliations/latest`: none before the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatestReconciliation {
    pub reconciliation: Option<ReconciliationView>,
}

/// A bad line of a refused roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BadLineView {
    /// The header is line 1.
    pub line: u64,
    /// A stable code (`unknown_department`, `duplicate_staff_id`, ...).
    pub code: String,
    pub message: String,
}

/// The body of a refused roster (422): the first bad lines and how many
/// more there are. Nothing was compared or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterRefusal {
    pub error: ApiError,
    pub bad_lines: Vec<BadLineView>,
    /// Bad lines beyond those listed.
    pub more: usize,
}

/// Revoking the findings' grants: the count the caller saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeFindings {
    pub confirm: usize,
}
