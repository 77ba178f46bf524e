//! The erasure plan and its approvals, as the IT officer's and the
//! supervisor's screens read them. No names, no numbers: kinds, internal
//! IDs, rules and counts.

use serde::{Deserialize, Serialize};

/// One item the plan would erase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanItemView {
    pub kind: String,
    pub id: String,
    pub rule: String,
    pub reason: String,
    /// YYYY-MM-DD.
    pub due: String,
}

/// A rule of the set, with its legal basis and what the plan does under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleView {
    pub rule: String,
    pub basis: String,
    /// How many items fall under it today.
    pub items: usize,
    /// For a rule nothing is erased under: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An approval given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalView {
    pub user_id: String,
    pub role: String,
    /// RFC 3339.
    pub at: String,
}

/// Today's plan, its hash, and who has approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPlanView {
    /// YYYY-MM-DD, in the office's calendar.
    pub today: String,
    /// Hex SHA-256: what an approval names.
    pub hash: String,
    pub items: Vec<PlanItemView>,
    pub rules: Vec<RuleView>,
    pub approvals: Vec<ApprovalView>,
    /// The roles whose approval is still missing (`it_officer`,
    /// `supervisor`); empty once the plan may be carried out.
    pub awaiting: Vec<String>,
}

/// Approving the plan whose hash the screen showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveRetentionRequest {
    pub hash: String,
}
