//! The session workflow, the service side of [`domain::session`]: it builds
//! the machine's state from the stored row, applies a transition with the
//! request's actor and the service's time, and commits what the transition
//! did, with its row, through the journal. The rules are the machine's;
//! who may ask at all is the route table's.
//!
//! [`domain::session`]: crate::domain::session

use time::OffsetDateTime;

use super::AppState;
use super::actor::Actor as RowActor;
use super::error::AppError;
use crate::domain::actor::Actor;
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::session::{
    Active, AwaitingPurpose, EndReason, Ended, Open, Session, SessionRules,
};
use crate::store::SessionRow;
use crate::store::journal::{Change, Item};

/// How long sessions live, from the service's settings.
pub fn rules(state: &AppState) -> SessionRules {
    SessionRules {
        idle: state.config.idle_timeout,
        absolute: state.config.absolute_timeout,
    }
}

/// The machine's state of a stored session.
pub fn state_of(row: &SessionRow) -> Session {
    let open = Open {
        user_id: row.user_id.clone(),
        terminal: row.terminal.clone(),
        opened_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
    };
    match &row.purpose {
        Some(purpose) => Session::Active(Active {
            open,
            purpose: purpose.clone(),
        }),
        None => Session::AwaitingPurpose(AwaitingPurpose { open }),
    }
}

/// The row to store for an open session under `token_hash`; none for an
/// ended one.
pub fn row_of(token_hash: Vec<u8>, session: &Session) -> Option<SessionRow> {
    let open = session.open_part()?;
    Some(SessionRow {
        token_hash,
        user_id: open.user_id.clone(),
        terminal: open.terminal.clone(),
        purpose: session.purpose().map(str::to_string),
        created_at: open.opened_at,
        last_seen_at: open.last_seen_at,
        expires_at: open.expires_at,
    })
}

/// The member of staff a session's transitions are made by: the session's
/// user at the terminal the request came from.
pub fn actor(user_id: &str, terminal: &str) -> Actor {
    Actor::staff(user_id, terminal)
}

/// The row that records a session's end.
fn end_event(reason: EndReason) -> Event {
    let reason = match reason {
        EndReason::Logout => return Event::ok(Action::Logout),
        EndReason::IdleTimeout => Reason::IdleTimeout,
        EndReason::AbsoluteTimeout => Reason::AbsoluteTimeout,
        EndReason::AccountDisabled => Reason::StaffDisabled,
        EndReason::LockedOut => Reason::AccountLocked,
        EndReason::GrantEnded => Reason::GrantEnded,
    };
    Event::new(Action::SessionEnd, Outcome::Expired, Detail::Reason(reason))
}

/// Commits an ended session: the stored one deleted, with the row of its
/// end. A session already gone (ended by another request) needs neither.
pub async fn commit_end(
    state: &AppState,
    token_hash: Vec<u8>,
    ended: &Ended,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let row = RowActor::new(ended.user_id.clone(), ended.terminal.clone())
        .with_purpose(ended.purpose.as_deref())
        .entry(now, end_event(ended.reason));
    let item = Item::new(vec![Change::DeleteSession { token_hash }], move |effect| {
        if effect.kept() { vec![row] } else { Vec::new() }
    });
    state.commit(item).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const AT: OffsetDateTime = datetime!(2026-11-23 09:00 UTC);

    fn row(purpose: Option<&str>) -> SessionRow {
        SessionRow {
            token_hash: vec![1; 32],
            user_id: "kazei01".into(),
            terminal: "counter-01".into(),
            purpose: purpose.map(str::to_string),
            created_at: AT,
            last_seen_at: AT,
            expires_at: AT + time::Duration::hours(12),
        }
    }

    #[test]
    fn a_stored_session_and_its_state_map_both_ways() {
        for purpose in [None, Some("assessment")] {
            let stored = row(purpose);
            let state = state_of(&stored);
            assert_eq!(state.purpose(), purpose);
            let back = row_of(vec![1; 32], &state).expect("an open session has a row");
            assert_eq!(
                (
                    back.user_id,
                    back.terminal,
                    back.purpose,
                    back.created_at,
                    back.expires_at
                ),
                (
                    stored.user_id,
                    stored.terminal,
                    stored.purpose,
                    stored.created_at,
                    stored.expires_at
                )
            );
        }
    }

    #[test]
    fn each_end_is_recorded_under_its_reason() {
        assert_eq!(end_event(EndReason::Logout), Event::ok(Action::Logout));
        assert_eq!(
            end_event(EndReason::LockedOut).detail,
            Detail::Reason(Reason::AccountLocked)
        );
        assert_eq!(end_event(EndReason::IdleTimeout).outcome, Outcome::Expired);
    }
}
