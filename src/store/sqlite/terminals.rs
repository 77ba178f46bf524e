//! The terminal registry.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::SqliteStore;
use super::sql::{Cols, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{StoreResult, TerminalRow, TerminalStore};

fn terminal_from_row(r: &Cols<'_, '_>) -> StoreResult<TerminalRow> {
    Ok(TerminalRow {
        name: r.text(0)?,
        fingerprint: r.text(1)?,
        created_at: r.time(2)?,
        revoked_at: r.opt_time(3)?,
    })
}

pub(crate) fn insert_terminal(c: &Connection, t: &TerminalRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            t.name,
            t.fingerprint,
            format_time(t.created_at),
            t.revoked_at.map(format_time)
        ],
    )
    .map(|_| ())
    .map_err(unavailable)
}

/// False if there is no such active terminal.
pub(crate) fn revoke_terminal(c: &Connection, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
    c.execute(
        "UPDATE terminals SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, format_time(at)],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

pub(crate) fn terminal_by_fingerprint(
    c: &Connection,
    fingerprint: &str,
) -> StoreResult<Option<TerminalRow>> {
    query_first(
        c,
        "terminals",
        "SELECT name, fingerprint, created_at, revoked_at FROM terminals WHERE fingerprint = ?1",
        [fingerprint],
        terminal_from_row,
    )
}

impl TerminalStore for SqliteStore {
    fn insert_terminal(&self, terminal: &TerminalRow) -> StoreResult<()> {
        self.write(|tx| insert_terminal(tx, terminal))
    }

    fn terminals(&self) -> StoreResult<Vec<TerminalRow>> {
        self.with(|c| {
            query_rows(
                c,
                "terminals",
                "SELECT name, fingerprint, created_at, revoked_at FROM terminals ORDER BY name",
                [],
                terminal_from_row,
            )
        })
    }

    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>> {
        self.with(|c| terminal_by_fingerprint(c, fingerprint))
    }

    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
        self.write(|tx| revoke_terminal(tx, name, at))
    }
}
