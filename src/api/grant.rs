//! Grants of roles as IT officers and supervisors read and ask for them.
//! Times are RFC 3339.

use serde::{Deserialize, Serialize};

use crate::domain::roles::{Department, Role};

/// A grant, and what it amounts to now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantView {
    pub id: String,
    pub user_id: String,
    pub role: Role,
    pub department: Department,
    pub from: String,
    /// `None`: no expiry.
    pub until: Option<String>,
    /// As stored: `requested`, `active`, `refused`, `revoked`.
    pub state: String,
    /// Now: `requested`, `scheduled`, `active`, `expired`, `refused`,
    /// `revoked`.
    pub status: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub revoked_by: Option<String>,
    pub reason: String,
    pub end_reason: Option<String>,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantList {
    pub grants: Vec<GrantView>,
}

/// A supervisor's request (an IT officer's, for information systems).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequestBody {
    pub user: String,
    pub role: Role,
    pub department: Department,
    /// Default: now.
    #[serde(default)]
    pub from: Option<String>,
    pub until: String,
    pub reason: String,
}

/// Why a request is refused or a grant revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantReason {
    pub reason: String,
}

/// Every active grant of `department` expiring before `until` is extended
/// to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendGrants {
    pub department: Department,
    pub until: String,
    pub reason: String,
}
