//! The terminal registry.

use ::postgres::GenericClient;
use time::OffsetDateTime;

use super::PostgresStore;
use super::sql::{Cols, db_error, query_first, query_rows};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{StoreResult, TerminalRow, TerminalStore};

fn terminal_from_row(r: &Cols<'_>) -> StoreResult<TerminalRow> {
    Ok(TerminalRow {
        name: r.text(0)?,
        fingerprint: r.text(1)?,
        created_at: r.time(2)?,
        revoked_at: r.opt_time(3)?,
    })
}

pub(crate) fn insert_terminal(c: &mut impl GenericClient, t: &TerminalRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES ($1, $2, $3, $4)",
        &[
            &t.name,
            &t.fingerprint,
            &format_time(t.created_at),
            &t.revoked_at.map(format_time),
        ],
    )
    .map(|_| ())
    .map_err(db_error)
}

/// False if there is no such active terminal.
pub(crate) fn revoke_terminal(
    c: &mut impl GenericClient,
    name: &str,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE terminals SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
        &[&name, &format_time(at)],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

pub(crate) fn terminal_by_fingerprint(
    c: &mut impl GenericClient,
    fingerprint: &str,
) -> StoreResult<Option<TerminalRow>> {
    query_first(
        c,
        "terminals",
        "SELECT name, fingerprint, created_at, revoked_at FROM terminals WHERE fingerprint = $1",
        &[&fingerprint],
        terminal_from_row,
    )
}

impl TerminalStore for PostgresStore {
    fn insert_terminal(&self, terminal: &TerminalRow) -> StoreResult<()> {
        self.with(|c| insert_terminal(c, terminal))
    }

    fn terminals(&self) -> StoreResult<Vec<TerminalRow>> {
        self.with(|c| {
            query_rows(
                c,
                "terminals",
                "SELECT name, fingerprint, created_at, revoked_at FROM terminals ORDER BY name",
                &[],
                terminal_from_row,
            )
        })
    }

    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>> {
        self.with(|c| terminal_by_fingerprint(c, fingerprint))
    }

    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
        self.with(|c| revoke_terminal(c, name, at))
    }
}
