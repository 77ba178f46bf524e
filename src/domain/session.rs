//! A session's life, as the service enforces it. Opened by a login (both
//! factors proven, see the login guard), it awaits its business purpose
//! when the department has several, is active once it has one, and ends by
//! logout, by a timeout, a disabled account or an ended grant found at a
//! request, or by a
//! lockout while unlocking. Unlock proves both factors again and renews the
//! session (the service also gives it a new token). Ended is final.
//!
//! The screen lock is the workstation's: the service sees only the unlock.
//! A revoked terminal's requests are refused before any session is looked
//! at (see [`super::terminal`]), so its sessions do not end but can no
//! longer be used. Diagram: `docs/state-machines/session.md`.
//!
//! Pure: no clock (every transition takes its time), no store. The service
//! applies a transition and its audit row through the journal together.

use time::{Duration, OffsetDateTime};

use super::actor::Actor;

/// How long sessions live: the service's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRules {
    /// Without a request this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after it was opened (or last unlocked).
    pub absolute: Duration,
}

/// What every session that has not ended holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    pub user_id: String,
    /// The terminal it was opened at: the only one it may be used from.
    pub terminal: String,
    pub opened_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Logged in; its department has several purposes and none is chosen yet.
/// It may do nothing but choose, unlock or log out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingPurpose {
    pub open: Open,
}

/// Working under a business purpose, which every access-log row names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub open: Open,
    pub purpose: String,
}

/// Over; nothing leaves this state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub user_id: String,
    pub terminal: String,
    pub purpose: Option<String>,
    pub ended_at: OffsetDateTime,
    pub reason: EndReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The user logged out (also when someone else takes over a locked
    /// terminal: the workstation logs the session out first).
    Logout,
    IdleTimeout,
    AbsoluteTimeout,
    /// The account was disabled or removed since the login.
    AccountDisabled,
    /// Unlock attempts reached the lockout.
    LockedOut,
    /// The user's grant expired or was revoked since the login: no grant
    /// gives them a role now.
    GrantEnded,
}

impl EndReason {
    /// The name the access log uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::IdleTimeout => "idle_timeout",
            Self::AbsoluteTimeout => "absolute_timeout",
            Self::AccountDisabled => "staff_disabled",
            Self::LockedOut => "locked_out",
            Self::GrantEnded => "grant_ended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    AwaitingPurpose(AwaitingPurpose),
    Active(Active),
    Ended(Ended),
}

/// The account behind a session, as found at a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Enabled,
    /// Disabled, or no longer there.
    Disabled,
    /// Enabled, but no grant gives it a role now (expired, revoked, not
    /// started).
    NoGrant,
}

/// What proving both factors again came to, at unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockProof {
    Proven,
    /// A wrong PIN or code, short of the lockout.
    Failed,
    /// The user ID is locked, or this attempt locked it.
    LockedOut,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("only a member of staff at a terminal has a session")]
    NotStaff,
    #[error("purpose `{purpose}` is not one of the department's")]
    PurposeNotAllowed { purpose: String },
    #[error("the purpose is already chosen (`{purpose}`): log in again for another")]
    PurposeAlreadyChosen { purpose: String },
    #[error("the session belongs to another user")]
    OtherUser,
    #[error("the session was opened at {opened_at}, not at {used_at}")]
    OtherTerminal { opened_at: String, used_at: String },
    #[error("the session is past its end ({}): a request ends it first", .reason.as_str())]
    Expired { reason: EndReason },
    #[error("the session has ended ({})", .reason.as_str())]
    AlreadyEnded { reason: EndReason },
    #[error("the PIN or code is wrong")]
    UnlockFailed,
}

impl Open {
    /// Why the session is over at `at`, if it is: the absolute end first.
    fn due(&self, at: OffsetDateTime, rules: &SessionRules) -> Option<EndReason> {
        if at >= self.expires_at {
            Some(EndReason::AbsoluteTimeout)
        } else if at >= self.last_seen_at + rules.idle {
            Some(EndReason::IdleTimeout)
        } else {
            None
        }
    }

    /// The session's own user at its own terminal.
    fn check_actor(&self, actor: &Actor) -> Result<(), SessionError> {
        let Actor::Staff { user_id, terminal } = actor else {
            return Err(SessionError::NotStaff);
        };
        if *user_id != self.user_id {
            return Err(SessionError::OtherUser);
        }
        if *terminal != self.terminal {
            return Err(SessionError::OtherTerminal {
                opened_at: self.terminal.clone(),
                used_at: terminal.clone(),
            });
        }
        Ok(())
    }

    /// The actor, and a session still within its times.
    fn check(
        &self,
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
    ) -> Result<(), SessionError> {
        self.check_actor(actor)?;
        match self.due(at, rules) {
            Some(reason) => Err(SessionError::Expired { reason }),
            None => Ok(()),
        }
    }

    fn end(self, purpose: Option<String>, at: OffsetDateTime, reason: EndReason) -> Ended {
        Ended {
            user_id: self.user_id,
            terminal: self.terminal,
            purpose,
            ended_at: at,
            reason,
        }
    }
}

impl Session {
    /// A login whose factors were proven: `actor` is the user at the
    /// terminal. `offered` are the department's purposes; `requested` the
    /// one asked for at login, if any. Without one, a department with a
    /// single purpose gets it and one with several chooses next.
    pub fn open(
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
        offered: &[&str],
        requested: Option<&str>,
    ) -> Result<Session, SessionError> {
        let Actor::Staff { user_id, terminal } = actor else {
            return Err(SessionError::NotStaff);
        };
        let open = Open {
            user_id: user_id.clone(),
            terminal: terminal.clone(),
            opened_at: at,
            last_seen_at: at,
            expires_at: at + rules.absolute,
        };
        let purpose = match (requested, offered) {
            (Some(code), _) if offered.contains(&code) => Some(code.to_string()),
            (Some(code), _) => {
                return Err(SessionError::PurposeNotAllowed {
                    purpose: code.to_string(),
                });
            }
            (None, [only]) => Some((*only).to_string()),
            (None, _) => None,
        };
        Ok(match purpose {
            Some(purpose) => Session::Active(Active { open, purpose }),
            None => Session::AwaitingPurpose(AwaitingPurpose { open }),
        })
    }

    /// The part every session that has not ended holds.
    pub fn open_part(&self) -> Option<&Open> {
        match self {
            Session::AwaitingPurpose(s) => Some(&s.open),
            Session::Active(s) => Some(&s.open),
            Session::Ended(_) => None,
        }
    }

    pub fn purpose(&self) -> Option<&str> {
        match self {
            Session::Active(s) => Some(&s.purpose),
            Session::Ended(s) => s.purpose.as_deref(),
            Session::AwaitingPurpose(_) => None,
        }
    }

    /// A session that has not ended, taken apart: its open part and its
    /// purpose, if chosen.
    fn split(self) -> Result<(Open, Option<String>), SessionError> {
        match self {
            Session::AwaitingPurpose(s) => Ok((s.open, None)),
            Session::Active(s) => Ok((s.open, Some(s.purpose))),
            Session::Ended(s) => Err(SessionError::AlreadyEnded { reason: s.reason }),
        }
    }

    /// The state a purpose (or none) puts an open session in.
    fn join(open: Open, purpose: Option<String>) -> Session {
        match purpose {
            Some(purpose) => Session::Active(Active { open, purpose }),
            None => Session::AwaitingPurpose(AwaitingPurpose { open }),
        }
    }

    /// The check of every request made with the session. Past its end, or
    /// with its account disabled, it ends here (the result is
    /// [`Session::Ended`], by the service) wherever the request came from;
    /// from another terminal the request is refused and the session stays
    /// as it was; otherwise it is seen now.
    pub fn request(
        self,
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
        account: Account,
    ) -> Result<Session, SessionError> {
        let (open, purpose) = self.split()?;
        let ends = open.due(at, rules).or(match account {
            Account::Enabled => None,
            Account::Disabled => Some(EndReason::AccountDisabled),
            Account::NoGrant => Some(EndReason::GrantEnded),
        });
        if let Some(reason) = ends {
            return Ok(Session::Ended(open.end(purpose, at, reason)));
        }
        open.check_actor(actor)?;
        // Instances' clocks differ a little: a request never makes the
        // session look older.
        let last_seen_at = open.last_seen_at.max(at);
        Ok(Session::join(
            Open {
                last_seen_at,
                ..open
            },
            purpose,
        ))
    }

    /// Chooses the purpose of a session opened without one: once, and only
    /// one of `offered` (the department's).
    pub fn choose_purpose(
        self,
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
        offered: &[&str],
        code: &str,
    ) -> Result<Session, SessionError> {
        let (open, purpose) = self.split()?;
        open.check(actor, at, rules)?;
        if let Some(purpose) = purpose {
            return Err(SessionError::PurposeAlreadyChosen { purpose });
        }
        if !offered.contains(&code) {
            return Err(SessionError::PurposeNotAllowed {
                purpose: code.to_string(),
            });
        }
        Ok(Session::join(open, Some(code.to_string())))
    }

    /// The user logs out.
    pub fn logout(
        self,
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
    ) -> Result<Session, SessionError> {
        let (open, purpose) = self.split()?;
        open.check(actor, at, rules)?;
        Ok(Session::Ended(open.end(purpose, at, EndReason::Logout)))
    }

    /// The session's user proves both factors again at its terminal. Proven,
    /// the session is renewed as from a login at `at`, purpose and all (the
    /// 12 hours start again: the proof is a login's); a wrong PIN or code
    /// leaves it as it was; a lockout ends it.
    pub fn unlock(
        self,
        actor: &Actor,
        at: OffsetDateTime,
        rules: &SessionRules,
        proof: UnlockProof,
    ) -> Result<Session, SessionError> {
        let (open, purpose) = self.split()?;
        open.check(actor, at, rules)?;
        match proof {
            UnlockProof::Failed => Err(SessionError::UnlockFailed),
            UnlockProof::LockedOut => {
                Ok(Session::Ended(open.end(purpose, at, EndReason::LockedOut)))
            }
            UnlockProof::Proven => Ok(Session::join(
                Open {
                    opened_at: at,
                    last_seen_at: at,
                    expires_at: at + rules.absolute,
                    ..open
                },
                purpose,
            )),
        }
    }
}

#[cfg(test)]
mod tests;
