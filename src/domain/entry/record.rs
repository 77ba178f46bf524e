//! One version of a person's record of a form: the values and who stands
//! behind them. An entry's commit makes the first; each approved
//! correction makes the next.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::correction::Proposal;
use super::keying::Keying;
use super::machine::Committed;
use super::schema::FieldPath;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVersion {
    pub record: Keying,
    /// Reasons given for warnings, by finding key.
    pub reasons: BTreeMap<String, String>,
    pub first_by: String,
    pub second_by: Option<String>,
    /// Fields a supervisor decided, and who.
    pub decided: BTreeMap<FieldPath, String>,
    /// For a corrected version: who proposed and who approved it, and why.
    pub corrected_by: Option<String>,
    pub approved_by: Option<String>,
    pub reason: Option<String>,
    pub paper: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl RecordVersion {
    /// The first version, from an entry's commit.
    pub fn committed(c: &Committed) -> RecordVersion {
        RecordVersion {
            record: c.record.clone(),
            reasons: c.reasons.clone(),
            first_by: c.first_by.clone(),
            second_by: c.second_by.clone(),
            decided: c.decided.clone(),
            corrected_by: None,
            approved_by: None,
            reason: None,
            paper: Some(c.header.paper.clone()),
            at: c.at,
        }
    }

    /// The next version, from an approved correction of this one.
    pub fn corrected(
        &self,
        proposal: &Proposal,
        approved_by: &str,
        at: OffsetDateTime,
    ) -> RecordVersion {
        RecordVersion {
            record: proposal.proposed.clone(),
            reasons: self.reasons.clone(),
            first_by: self.first_by.clone(),
            second_by: self.second_by.clone(),
            decided: self.decided.clone(),
            corrected_by: Some(proposal.by.clone()),
            approved_by: Some(approved_by.to_owned()),
            reason: Some(proposal.reason.clone()),
            paper: Some(proposal.paper.clone()),
            at,
        }
    }
}
