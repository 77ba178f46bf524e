//! A grant: a user given a role in a department from a start to an expiry.
//! Requested by the department's supervisor, applied by an IT officer who
//! is neither the requester nor the grantee (two people), active until it
//! expires (by time, no transition) or is revoked; a request an IT officer
//! will not apply is refused. Revoked and refused are final.
//!
//! Who may request: a supervisor for their own department; the information
//! systems department has no supervisor, so an IT officer requests for it
//! (and another IT officer applies). Diagram: `docs/state-machines/grant.md`.
//!
//! Pure: no clock (every transition takes its time), no store. The service
//! commits a transition and its audit row through the journal together.

use time::{Duration, OffsetDateTime};

use super::roles::{Department, Role, permissions};

/// The limits of grants: the service's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantRules {
    /// The longest a requested grant (or an extension, counted from now)
    /// may run.
    pub max_length: Duration,
}

impl Default for GrantRules {
    fn default() -> Self {
        Self {
            max_length: Duration::days(366),
        }
    }
}

/// A grant's stored state. Expiry is not a state: an active grant whose
/// expiry has passed is expired ([`Grant::status_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantState {
    Requested,
    Active,
    Refused,
    Revoked,
}

impl GrantState {
    pub const ALL: [GrantState; 4] = [
        GrantState::Requested,
        GrantState::Active,
        GrantState::Refused,
        GrantState::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::Refused => "refused",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// What a grant amounts to at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantStatus {
    Requested,
    /// Applied, its start not reached yet.
    Scheduled,
    Active,
    Expired,
    Refused,
    Revoked,
}

impl GrantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Scheduled => "scheduled",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Refused => "refused",
            Self::Revoked => "revoked",
        }
    }
}

/// A member of staff acting on grants, with the role and department of
/// their own active grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub role: Role,
    pub department: Department,
}

/// A grant in any state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub user_id: String,
    pub role: Role,
    pub department: Department,
    pub starts_at: OffsetDateTime,
    /// `None`: no expiry (only the accounts made at the console have one).
    pub expires_at: Option<OffsetDateTime>,
    pub state: GrantState,
    pub requested_by: String,
    pub requested_at: OffsetDateTime,
    /// The IT officer who applied or refused it, and when.
    pub decided_by: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    /// Why it was requested.
    pub reason: String,
    /// Why it was refused or revoked.
    pub end_reason: Option<String>,
    /// Bumped by every transition; the store checks it.
    pub revision: i64,
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    pub id: String,
    pub user_id: String,
    pub role: Role,
    pub department: Department,
    pub from: OffsetDateTime,
    pub until: OffsetDateTime,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error(
        "only the department's supervisor (an IT officer for information_systems) may request a grant in it"
    )]
    NotRequester,
    #[error("only an IT officer may apply, refuse, revoke or extend a grant")]
    NotItOfficer,
    #[error("the person who requested a grant may not apply it")]
    SelfApplication,
    #[error("nobody may apply or extend a grant of their own")]
    OwnGrant,
    #[error("that role has no work in that department")]
    NoWork,
    #[error("`until` must be later than `from`")]
    EmptyPeriod,
    #[error("`until` has already passed")]
    AlreadyOver,
    #[error("a grant may run at most {days} days")]
    TooLong { days: i64 },
    #[error("the grant is {}, not {}", .is.as_str(), .needs.as_str())]
    WrongState { is: GrantStatus, needs: GrantStatus },
    #[error("`reason` is required")]
    NoReason,
}

impl GrantError {
    /// The stable code the access log and the API name it by.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRequester => "not_requester",
            Self::NotItOfficer => "not_it_officer",
            Self::SelfApplication => "self_application",
            Self::OwnGrant => "own_grant",
            Self::NoWork => "no_work",
            Self::EmptyPeriod => "empty_period",
            Self::AlreadyOver => "already_over",
            Self::TooLong { .. } => "too_long",
            Self::WrongState { .. } => "grant_state",
            Self::NoReason => "no_reason",
        }
    }
}

fn it_officer(by: &Member) -> Result<(), GrantError> {
    if by.role == Role::ItOfficer && by.department == Department::InformationSystems {
        Ok(())
    } else {
        Err(GrantError::NotItOfficer)
    }
}

fn reason_given(reason: &str) -> Result<String, GrantError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(GrantError::NoReason)
    } else {
        Ok(reason.to_string())
    }
}

/// Whether `by` may request grants in `department`.
pub fn may_request(by: &Member, department: Department) -> bool {
    match by.role {
        Role::Supervisor => by.department == department,
        Role::ItOfficer => {
            by.department == Department::InformationSystems
                && department == Department::InformationSystems
        }
        _ => false,
    }
}

impl Grant {
    /// A request by `by` at `at`.
    pub fn request(
        by: &Member,
        asked: GrantRequest,
        at: OffsetDateTime,
        rules: &GrantRules,
    ) -> Result<Grant, GrantError> {
        if !may_request(by, asked.department) {
            return Err(GrantError::NotRequester);
        }
        if permissions(asked.role, asked.department).is_empty() {
            return Err(GrantError::NoWork);
        }
        if asked.until <= asked.from {
            return Err(GrantError::EmptyPeriod);
        }
        if asked.until <= at {
            return Err(GrantError::AlreadyOver);
        }
        if asked.until - asked.from > rules.max_length {
            return Err(GrantError::TooLong {
                days: rules.max_length.whole_days(),
            });
        }
        let reason = reason_given(&asked.reason)?;
        Ok(Grant {
            id: asked.id,
            user_id: asked.user_id,
            role: asked.role,
            department: asked.department,
            starts_at: asked.from,
            expires_at: Some(asked.until),
            state: GrantState::Requested,
            requested_by: by.user_id.clone(),
            requested_at: at,
            decided_by: None,
            decided_at: None,
            revoked_by: None,
            revoked_at: None,
            reason,
            end_reason: None,
            revision: 1,
        })
    }

    /// An active grant made at the console with an account, from `since`,
    /// without expiry: who else would apply the first IT officer's?
    pub fn bootstrap(
        id: String,
        user_id: &str,
        role: Role,
        department: Department,
        since: OffsetDateTime,
        by: &str,
    ) -> Grant {
        Grant {
            id,
            user_id: user_id.to_string(),
            role,
            department,
            starts_at: since,
            expires_at: None,
            state: GrantState::Active,
            requested_by: by.to_string(),
            requested_at: since,
            decided_by: Some(by.to_string()),
            decided_at: Some(since),
            revoked_by: None,
            revoked_at: None,
            reason: "account created".into(),
            end_reason: None,
            revision: 1,
        }
    }

    pub fn status_at(&self, at: OffsetDateTime) -> GrantStatus {
        match self.state {
            GrantState::Requested => GrantStatus::Requested,
            GrantState::Refused => GrantStatus::Refused,
            GrantState::Revoked => GrantStatus::Revoked,
            GrantState::Active if self.expires_at.is_some_and(|e| e <= at) => GrantStatus::Expired,
            GrantState::Active if self.starts_at > at => GrantStatus::Scheduled,
            GrantState::Active => GrantStatus::Active,
        }
    }

    /// Whether it gives its role now.
    pub fn in_force_at(&self, at: OffsetDateTime) -> bool {
        self.status_at(at) == GrantStatus::Active
    }

    fn needs(&self, at: OffsetDateTime, allowed: &[GrantStatus]) -> Result<(), GrantError> {
        let is = self.status_at(at);
        if allowed.contains(&is) {
            Ok(())
        } else {
            Err(GrantError::WrongState {
                is,
                needs: allowed[0],
            })
        }
    }

    fn next(mut self) -> Grant {
        self.revision += 1;
        self
    }

    /// Applied by an IT officer other than the requester and the grantee.
    pub fn apply(self, by: &Member, at: OffsetDateTime) -> Result<Grant, GrantError> {
        it_officer(by)?;
        self.needs(at, &[GrantStatus::Requested])?;
        if by.user_id == self.requested_by {
            return Err(GrantError::SelfApplication);
        }
        if by.user_id == self.user_id {
            return Err(GrantError::OwnGrant);
        }
        if self.expires_at.is_some_and(|e| e <= at) {
            return Err(GrantError::AlreadyOver);
        }
        Ok(Grant {
            state: GrantState::Active,
            decided_by: Some(by.user_id.clone()),
            decided_at: Some(at),
            ..self
        }
        .next())
    }

    /// A request an IT officer will not apply.
    pub fn refuse(
        self,
        by: &Member,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<Grant, GrantError> {
        it_officer(by)?;
        self.needs(at, &[GrantStatus::Requested])?;
        let reason = reason_given(reason)?;
        Ok(Grant {
            state: GrantState::Refused,
            decided_by: Some(by.user_id.clone()),
            decided_at: Some(at),
            end_reason: Some(reason),
            ..self
        }
        .next())
    }

    /// Ends an active (or scheduled) grant before its expiry.
    pub fn revoke(
        self,
        by: &Member,
        at: OffsetDateTime,
        reason: &str,
    ) -> Result<Grant, GrantError> {
        it_officer(by)?;
        self.needs(at, &[GrantStatus::Active, GrantStatus::Scheduled])?;
        let reason = reason_given(reason)?;
        Ok(Grant {
            state: GrantState::Revoked,
            revoked_by: Some(by.user_id.clone()),
            revoked_at: Some(at),
            end_reason: Some(reason),
            ..self
        }
        .next())
    }

    /// Moves the expiry of a grant in force (or scheduled) later, to
    /// `until`, at most the longest length from now. A grant without expiry,
    /// or already running past `until`, is not one to extend.
    pub fn extend(
        self,
        by: &Member,
        at: OffsetDateTime,
        until: OffsetDateTime,
        rules: &GrantRules,
    ) -> Result<Grant, GrantError> {
        it_officer(by)?;
        self.needs(at, &[GrantStatus::Active, GrantStatus::Scheduled])?;
        if by.user_id == self.user_id {
            return Err(GrantError::OwnGrant);
        }
        if !self.extends_to(until) {
            return Err(GrantError::EmptyPeriod);
        }
        if until - at > rules.max_length {
            return Err(GrantError::TooLong {
                days: rules.max_length.whole_days(),
            });
        }
        Ok(Grant {
            expires_at: Some(until),
            ..self
        }
        .next())
    }

    /// Whether extending it to `until` would make it run longer.
    pub fn extends_to(&self, until: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|e| e < until)
    }
}

#[cfg(test)]
mod tests;
