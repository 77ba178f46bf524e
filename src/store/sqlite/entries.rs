//! Entries, committed records and slips.

use rusqlite::{Connection, params};

use super::SqliteStore;
use super::sql::{Cols, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{EntryRow, EntryStore, SlipRow, StoreResult, TaxRecordRow};

const ENTRY_COLUMNS: &str =
    "id, form, person, paper, state, first_by, second_by, revision, body, updated_at";

fn entry_from_row(r: &Cols<'_, '_>) -> StoreResult<EntryRow> {
    Ok(EntryRow {
        id: r.text(0)?,
        form: r.text(1)?,
        person: r.text(2)?,
        paper: r.text(3)?,
        state: r.text(4)?,
        first_by: r.text(5)?,
        second_by: r.opt_text(6)?,
        revision: r.get(7)?,
        body: r.get(8)?,
        updated_at: r.time(9)?,
    })
}

pub(crate) fn insert_entry(c: &Connection, e: &EntryRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO entries(id, form, person, paper, state, first_by, second_by, revision, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            e.id,
            e.form,
            e.person,
            e.paper,
            e.state,
            e.first_by,
            e.second_by,
            e.revision,
            e.body,
            format_time(e.updated_at)
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

/// False if the entry is not at `expected_revision` (changed, or gone).
pub(crate) fn update_entry(
    c: &Connection,
    e: &EntryRow,
    expected_revision: i64,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE entries SET state = ?2, second_by = ?3, revision = ?4, body = ?5, updated_at = ?6
         WHERE id = ?1 AND revision = ?7",
        params![
            e.id,
            e.state,
            e.second_by,
            e.revision,
            e.body,
            format_time(e.updated_at),
            expected_revision
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// The version the record was stored under.
pub(crate) fn insert_tax_record(c: &Connection, r: &TaxRecordRow) -> StoreResult<i64> {
    c.query_row(
        "INSERT INTO tax_records(person, form, version, entry, body, committed_at)
         SELECT ?1, ?2, COALESCE(MAX(version), 0) + 1, ?3, ?4, ?5
         FROM tax_records WHERE person = ?1 AND form = ?2
         RETURNING version",
        params![
            r.person,
            r.form,
            r.entry,
            r.body,
            format_time(r.committed_at)
        ],
        |row| row.get(0),
    )
    .map_err(unavailable)
}

pub(crate) fn insert_slips(c: &Connection, slips: &[SlipRow]) -> StoreResult<()> {
    let mut stmt = c
        .prepare_cached(
            "INSERT INTO entry_slips(entry, field, keyer, staff, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(unavailable)?;
    for s in slips {
        stmt.execute(params![
            s.entry,
            s.field,
            s.keyer,
            s.staff,
            format_time(s.at)
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

impl EntryStore for SqliteStore {
    fn entry(&self, id: &str) -> StoreResult<Option<EntryRow>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1");
        self.with(|c| query_first(c, "entries", &sql, [id], entry_from_row))
    }

    fn entries_in(&self, states: &[&str], limit: usize) -> StoreResult<Vec<EntryRow>> {
        let states = serde_json::to_string(states).unwrap_or_default();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE state IN (SELECT value FROM json_each(?1))
             ORDER BY updated_at, id LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| query_rows(c, "entries", &sql, params![states, limit], entry_from_row))
    }

    fn tax_records(&self, person: &str, form: &str) -> StoreResult<Vec<TaxRecordRow>> {
        self.with(|c| {
            query_rows(
                c,
                "tax_records",
                "SELECT person, form, version, entry, body, committed_at FROM tax_records
                 WHERE person = ?1 AND form = ?2 ORDER BY version",
                [person, form],
                |r| {
                    Ok(TaxRecordRow {
                        person: r.text(0)?,
                        form: r.text(1)?,
                        version: r.get(2)?,
                        entry: r.text(3)?,
                        body: r.get(4)?,
                        committed_at: r.time(5)?,
                    })
                },
            )
        })
    }

    fn slips_of(&self, staff: &str) -> StoreResult<Vec<SlipRow>> {
        self.with(|c| {
            query_rows(
                c,
                "entry_slips",
                "SELECT entry, field, keyer, staff, at FROM entry_slips WHERE staff = ?1 ORDER BY at, entry, field",
                [staff],
                |r| {
                    Ok(SlipRow {
                        entry: r.text(0)?,
                        field: r.text(1)?,
                        keyer: r.text(2)?,
                        staff: r.text(3)?,
                        at: r.time(4)?,
                    })
                },
            )
        })
    }
}
