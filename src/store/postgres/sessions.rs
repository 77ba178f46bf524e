//! Login sessions.

use ::postgres::GenericClient;
use time::OffsetDateTime;

use super::PostgresStore;
use super::sql::{db_error, query_first};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{SessionRow, SessionStore, StoreResult};

pub(crate) fn insert_session(c: &mut impl GenericClient, s: &SessionRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO sessions(token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &s.token_hash,
            &s.user_id,
            &s.terminal,
            &s.purpose,
            &format_time(s.created_at),
            &format_time(s.last_seen_at),
            &format_time(s.expires_at),
        ],
    )
    .map(|_| ())
    .map_err(db_error)
}

pub(crate) fn touch_session(
    c: &mut impl GenericClient,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
        &[&token_hash, &format_time(now)],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

/// False if there was no such session.
pub(crate) fn delete_session(c: &mut impl GenericClient, token_hash: &[u8]) -> StoreResult<bool> {
    c.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
        .map(|n| n == 1)
        .map_err(db_error)
}

/// Deletes every session of `user_id` but the one under `keep`; how many.
pub(crate) fn end_sessions_of(
    c: &mut impl GenericClient,
    user_id: &str,
    keep: Option<&[u8]>,
) -> StoreResult<u64> {
    c.execute(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::BYTEA IS NULL OR token_hash <> $2)",
        &[&user_id, &keep],
    )
    .map_err(db_error)
}

/// False if the session has a purpose already (or is gone).
pub(crate) fn choose_session_purpose(
    c: &mut impl GenericClient,
    token_hash: &[u8],
    purpose: &str,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE sessions SET purpose = $2 WHERE token_hash = $1 AND purpose IS NULL",
        &[&token_hash, &purpose],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

pub(crate) fn session(
    c: &mut impl GenericClient,
    token_hash: &[u8],
) -> StoreResult<Option<SessionRow>> {
    query_first(
        c,
        "sessions",
        "SELECT token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at
         FROM sessions WHERE token_hash = $1",
        &[&token_hash],
        |r| {
            Ok(SessionRow {
                token_hash: r.get(0)?,
                user_id: r.text(1)?,
                terminal: r.text(2)?,
                purpose: r.opt_text(3)?,
                created_at: r.time(4)?,
                last_seen_at: r.time(5)?,
                expires_at: r.time(6)?,
            })
        },
    )
}

impl SessionStore for PostgresStore {
    fn insert_session(&self, session: &SessionRow) -> StoreResult<()> {
        self.with(|c| insert_session(c, session))
    }

    fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>> {
        self.with(|c| session(c, token_hash))
    }

    fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()> {
        self.with(|c| touch_session(c, token_hash, now)).map(drop)
    }

    fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        self.with(|c| delete_session(c, token_hash)).map(drop)
    }

    fn choose_session_purpose(&self, token_hash: &[u8], purpose: &str) -> StoreResult<bool> {
        self.with(|c| choose_session_purpose(c, token_hash, purpose))
    }
}
