//! Entries, committed records and slips.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::sql::{Cols, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::sql::format_date;
use crate::store::{
    BatchRow, ClaimRow, CorrectionRow, EntryRow, EntryStore, ReverifyRow, SlipRow, StoreResult,
    TaxRecordRow,
};

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

/// The version the record was stored under; `None` when `after` is given
/// and the latest version is another.
pub(crate) fn insert_tax_record(
    c: &Connection,
    r: &TaxRecordRow,
    after: Option<i64>,
) -> StoreResult<Option<i64>> {
    c.query_row(
        "INSERT INTO tax_records(person, form, version, entry, body, committed_at)
         SELECT ?1, ?2, latest + 1, ?3, ?4, ?5
         FROM (SELECT COALESCE(MAX(version), 0) AS latest FROM tax_records WHERE person = ?1 AND form = ?2)
         WHERE ?6 IS NULL OR latest = ?6
         RETURNING version",
        params![r.person, r.form, r.entry, r.body, format_time(r.committed_at), after],
        |row| row.get(0),
    )
    .optional()
    .map_err(unavailable)
}

const CORRECTION_COLUMNS: &str = "id, person, form, state, proposed_by, revision, body, updated_at";

fn correction_from_row(r: &Cols<'_, '_>) -> StoreResult<CorrectionRow> {
    Ok(CorrectionRow {
        id: r.text(0)?,
        person: r.text(1)?,
        form: r.text(2)?,
        state: r.text(3)?,
        proposed_by: r.text(4)?,
        revision: r.get(5)?,
        body: r.get(6)?,
        updated_at: r.time(7)?,
    })
}

pub(crate) fn insert_correction(c: &Connection, k: &CorrectionRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO corrections(id, person, form, state, proposed_by, revision, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            k.id,
            k.person,
            k.form,
            k.state,
            k.proposed_by,
            k.revision,
            k.body,
            format_time(k.updated_at)
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

/// False if the correction is not at `expected_revision`.
pub(crate) fn update_correction(
    c: &Connection,
    k: &CorrectionRow,
    expected_revision: i64,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE corrections SET state = ?2, revision = ?3, body = ?4, updated_at = ?5
         WHERE id = ?1 AND revision = ?6",
        params![
            k.id,
            k.state,
            k.revision,
            k.body,
            format_time(k.updated_at),
            expected_revision
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

pub(crate) fn insert_reverify_items(c: &Connection, items: &[ReverifyRow]) -> StoreResult<()> {
    let mut stmt = c
        .prepare_cached(
            "INSERT INTO reverify_items(entry, list_day, person, form, why, assigned_to, due, state, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(entry) DO NOTHING",
        )
        .map_err(unavailable)?;
    for i in items {
        stmt.execute(params![
            i.entry,
            format_date(i.list_day),
            i.person,
            i.form,
            i.why,
            i.assigned_to,
            format_date(i.due),
            i.state,
            i.resolved_by,
            i.resolved_at.map(format_time)
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

/// False unless the item was open and assigned to `by`.
pub(crate) fn resolve_reverify_item(
    c: &Connection,
    entry: &str,
    by: &str,
    state: &str,
    at: time::OffsetDateTime,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE reverify_items SET state = ?3, resolved_by = ?2, resolved_at = ?4
         WHERE entry = ?1 AND assigned_to = ?2 AND state = 'open'",
        params![entry, by, state, format_time(at)],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

const REVERIFY_COLUMNS: &str =
    "entry, list_day, person, form, why, assigned_to, due, state, resolved_by, resolved_at";

fn reverify_from_row(r: &Cols<'_, '_>) -> StoreResult<ReverifyRow> {
    Ok(ReverifyRow {
        entry: r.text(0)?,
        list_day: r.date(1)?,
        person: r.text(2)?,
        form: r.text(3)?,
        why: r.text(4)?,
        assigned_to: r.opt_text(5)?,
        due: r.date(6)?,
        state: r.text(7)?,
        resolved_by: r.opt_text(8)?,
        resolved_at: r.opt_time(9)?,
    })
}

pub(crate) fn insert_claims(c: &Connection, claims: &[ClaimRow]) -> StoreResult<()> {
    let mut stmt = c
        .prepare_cached(
            "INSERT INTO claims(number_index, form, income_year, person, entry) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
        )
        .map_err(unavailable)?;
    for k in claims {
        stmt.execute(params![
            k.number_index,
            k.form,
            k.income_year,
            k.person,
            k.entry
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

pub(crate) fn insert_batch(c: &Connection, b: &BatchRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO batches(id, form, forms, control_field, control_total, opened_by, opened_at, closed_by, closed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            b.id,
            b.form,
            b.forms,
            b.control_field,
            b.control_total,
            b.opened_by,
            format_time(b.opened_at),
            b.closed_by,
            b.closed_at.map(format_time)
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

/// False if the batch is closed or not there.
pub(crate) fn add_to_batch(c: &Connection, batch: &str, entry: &str) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO batch_entries(batch, entry)
         SELECT id, ?2 FROM batches WHERE id = ?1 AND closed_at IS NULL",
        params![batch, entry],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// False if the batch is closed already or not there.
pub(crate) fn close_batch(
    c: &Connection,
    id: &str,
    by: &str,
    at: time::OffsetDateTime,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE batches SET closed_by = ?2, closed_at = ?3 WHERE id = ?1 AND closed_at IS NULL",
        params![id, by, format_time(at)],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

fn batch_from_row(r: &Cols<'_, '_>) -> StoreResult<BatchRow> {
    Ok(BatchRow {
        id: r.text(0)?,
        form: r.text(1)?,
        forms: r.get(2)?,
        control_field: r.text(3)?,
        control_total: r.get(4)?,
        opened_by: r.text(5)?,
        opened_at: r.time(6)?,
        closed_by: r.opt_text(7)?,
        closed_at: r.opt_time(8)?,
    })
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

    fn correction(&self, id: &str) -> StoreResult<Option<CorrectionRow>> {
        let sql = format!("SELECT {CORRECTION_COLUMNS} FROM corrections WHERE id = ?1");
        self.with(|c| query_first(c, "corrections", &sql, [id], correction_from_row))
    }

    fn corrections_in(&self, state: &str, limit: usize) -> StoreResult<Vec<CorrectionRow>> {
        let sql = format!(
            "SELECT {CORRECTION_COLUMNS} FROM corrections WHERE state = ?1 ORDER BY updated_at, id LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            query_rows(
                c,
                "corrections",
                &sql,
                params![state, limit],
                correction_from_row,
            )
        })
    }

    fn entry_commits_between(
        &self,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<TaxRecordRow>> {
        self.with(|c| {
            query_rows(
                c,
                "tax_records",
                "SELECT person, form, version, entry, body, committed_at FROM tax_records
                 WHERE committed_at >= ?1 AND committed_at < ?2
                   AND entry IN (SELECT id FROM entries)
                 ORDER BY committed_at, entry",
                [format_time(from), format_time(to)],
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

    fn reverify_items(
        &self,
        state: &str,
        assigned_to: Option<&str>,
    ) -> StoreResult<Vec<ReverifyRow>> {
        let sql = format!(
            "SELECT {REVERIFY_COLUMNS} FROM reverify_items
             WHERE state = ?1 AND (?2 IS NULL OR assigned_to = ?2) ORDER BY due, entry"
        );
        self.with(|c| {
            query_rows(
                c,
                "reverify_items",
                &sql,
                params![state, assigned_to],
                reverify_from_row,
            )
        })
    }

    fn batch(&self, id: &str) -> StoreResult<Option<BatchRow>> {
        self.with(|c| {
            query_first(
                c,
                "batches",
                "SELECT id, form, forms, control_field, control_total, opened_by, opened_at, closed_by, closed_at
                 FROM batches WHERE id = ?1",
                [id],
                batch_from_row,
            )
        })
    }

    fn batch_entries(&self, id: &str) -> StoreResult<Vec<String>> {
        self.with(|c| {
            query_rows(
                c,
                "batch_entries",
                "SELECT entry FROM batch_entries WHERE batch = ?1 ORDER BY entry",
                [id],
                |r| r.text(0),
            )
        })
    }

    fn batches(&self, limit: usize) -> StoreResult<Vec<BatchRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            query_rows(
                c,
                "batches",
                "SELECT id, form, forms, control_field, control_total, opened_by, opened_at, closed_by, closed_at
                 FROM batches
                 ORDER BY closed_at IS NULL DESC, closed_at DESC, opened_at, id
                 LIMIT ?1",
                [limit],
                batch_from_row,
            )
        })
    }

    fn claims(
        &self,
        indexes: &[Vec<u8>],
        form: &str,
        income_year: i32,
    ) -> StoreResult<Vec<ClaimRow>> {
        self.with(|c| {
            let mut out = Vec::new();
            for index in indexes {
                out.extend(query_rows(
                    c,
                    "claims",
                    "SELECT number_index, form, income_year, person, entry FROM claims
                     WHERE number_index = ?1 AND form = ?2 AND income_year = ?3 ORDER BY entry",
                    params![index, form, income_year],
                    |r| {
                        Ok(ClaimRow {
                            number_index: r.get(0)?,
                            form: r.text(1)?,
                            income_year: r.get(2)?,
                            person: r.text(3)?,
                            entry: r.text(4)?,
                        })
                    },
                )?);
            }
            Ok(out)
        })
    }
}
