//! A change to a committed record is a correction: proposed with a reason
//! and the paper it comes from, shown to a supervisor field by field, and
//! approved (applied as a new version) or rejected (kept, with the
//! reason). Nobody approves or rejects their own.

use thiserror::Error;
use time::OffsetDateTime;

use super::keying::Keying;
use super::schema::FieldPath;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub record_version: u32,
    pub by: String,
    pub at: OffsetDateTime,
    pub reason: String,
    pub paper: String,
    /// The record as it would be: the current one with the changes.
    pub proposed: Keying,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    Proposed(Proposal),
    Approved {
        proposal: Proposal,
        by: String,
        at: OffsetDateTime,
        reason: String,
    },
    Rejected {
        proposal: Proposal,
        by: String,
        at: OffsetDateTime,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CorrectionError {
    #[error("a correction needs a reason and the paper it comes from")]
    ReasonAndPaperRequired,
    #[error("the correction changes nothing")]
    NothingChanged,
    #[error("nobody reviews their own correction")]
    OwnCorrection,
    #[error("the record changed since this correction was proposed")]
    Stale,
    #[error("this correction was already reviewed")]
    AlreadyReviewed,
}

/// One field's change. Its values are personal data: `Debug` names the
/// field only.
#[derive(Clone, PartialEq, Eq)]
pub struct Change<'a> {
    pub field: &'a FieldPath,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

impl std::fmt::Debug for Change<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Change({} <redacted>)", self.field)
    }
}

/// The fields where `after` differs from `before`, in form order.
pub fn diff<'a>(before: &'a Keying, after: &'a Keying) -> Vec<Change<'a>> {
    let fields: std::collections::BTreeSet<&FieldPath> =
        before.paths().chain(after.paths()).collect();
    fields
        .into_iter()
        .filter(|f| before.get(f) != after.get(f))
        .map(|field| Change {
            field,
            before: before.get(field),
            after: after.get(field),
        })
        .collect()
}

impl Correction {
    /// A clerk proposes a change of the record at `version`.
    pub fn propose(
        current: &Keying,
        version: u32,
        proposal: Proposal,
    ) -> Result<Correction, CorrectionError> {
        if proposal.reason.trim().is_empty() || proposal.paper.trim().is_empty() {
            return Err(CorrectionError::ReasonAndPaperRequired);
        }
        if proposal.record_version != version {
            return Err(CorrectionError::Stale);
        }
        if diff(current, &proposal.proposed).is_empty() {
            return Err(CorrectionError::NothingChanged);
        }
        Ok(Correction::Proposed(proposal))
    }

    fn review(
        &self,
        by: &str,
        current_version: u32,
        reason: &str,
    ) -> Result<&Proposal, CorrectionError> {
        let Correction::Proposed(p) = self else {
            return Err(CorrectionError::AlreadyReviewed);
        };
        if p.by == by {
            return Err(CorrectionError::OwnCorrection);
        }
        if reason.trim().is_empty() {
            return Err(CorrectionError::ReasonAndPaperRequired);
        }
        if p.record_version != current_version {
            return Err(CorrectionError::Stale);
        }
        Ok(p)
    }

    /// A supervisor approves: the record becomes a new version.
    pub fn approve(
        &self,
        by: &str,
        current_version: u32,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<Correction, CorrectionError> {
        let p = self.review(by, current_version, reason)?;
        Ok(Correction::Approved {
            proposal: p.clone(),
            by: by.to_owned(),
            at,
            reason: reason.trim().to_owned(),
        })
    }

    /// A supervisor rejects: the proposal stays on record with the reason.
    pub fn reject(
        &self,
        by: &str,
        current_version: u32,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<Correction, CorrectionError> {
        let p = self.review(by, current_version, reason)?;
        Ok(Correction::Rejected {
            proposal: p.clone(),
            by: by.to_owned(),
            at,
            reason: reason.trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::checks::tests::declaration_typed;
    use crate::domain::entry::forms::form;
    use time::macros::datetime;

    #[test]
    fn a_correction_is_reviewed_by_someone_else_against_the_version_it_changes() {
        let schema = form("juminzei_shinkoku").unwrap();
        let current = Keying::check(schema, &declaration_typed()).unwrap();
        let mut typed = declaration_typed();
        typed.insert("deductions.social_insurance".into(), "702,000".into());
        let proposed = Keying::check(schema, &typed).unwrap();
        let at = datetime!(2026-02-17 10:00 UTC);
        let proposal = Proposal {
            record_version: 1,
            by: "kazei01".into(),
            at,
            reason: "re-verification: paper says 702,000".into(),
            paper: "2026-02-16/001/003".into(),
            proposed: proposed.clone(),
        };
        let changes = diff(&current, &proposed);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (changes[0].before, changes[0].after),
            (Some("720000"), Some("702000"))
        );

        let same = Proposal {
            proposed: current.clone(),
            ..proposal.clone()
        };
        assert_eq!(
            Correction::propose(&current, 1, same),
            Err(CorrectionError::NothingChanged)
        );
        let c = Correction::propose(&current, 1, proposal.clone()).unwrap();
        assert_eq!(
            c.approve("kazei01", 1, "ok", at),
            Err(CorrectionError::OwnCorrection)
        );
        assert_eq!(
            c.approve("kazei-sv", 2, "ok", at),
            Err(CorrectionError::Stale)
        );
        assert_eq!(
            c.reject("kazei-sv", 1, "", at),
            Err(CorrectionError::ReasonAndPaperRequired)
        );
        let approved = c.approve("kazei-sv", 1, "matches the paper", at).unwrap();
        assert!(matches!(approved, Correction::Approved { .. }));
        assert_eq!(
            approved.reject("kazei-sv2", 1, "no", at),
            Err(CorrectionError::AlreadyReviewed)
        );
    }
}
