//! Retention on PostgreSQL: the candidates, the approvals, and erasure.
//! A deleted row's bytes stay in its table's pages until VACUUM marks the
//! space free and later writes reuse it, and in WAL segments (and replicas
//! and base backups) until they are recycled: the erasure vacuums the
//! tables it touched, and `docs/admin-guide.md` says what that leaves.

use ::postgres::GenericClient;
use time::OffsetDateTime;

use super::PostgresStore;
use super::audit::lock_audit_chain;
use super::journal_tx::PgJournal;
use super::sql::{db_error, query_rows};
use crate::store::chain::{ChainKey, format_time};
use crate::store::journal::{self, Committed, FailPoint, Item};
use crate::store::sql::{ColumnReader, format_date};
use crate::store::{
    CandidateQuery, RetentionApprovalRow, RetentionCandidates, RetentionStore, StoreResult,
};

/// The tables an erasure deletes from.
const ERASED_TABLES: &str = "residents, tax_records, entries, corrections, reverify_items, \
     claims, entry_slips, batch_entries";

pub(crate) fn insert_approval(
    c: &mut impl GenericClient,
    row: &RetentionApprovalRow,
) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO retention_approvals(hash, user_id, role, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hash, user_id) DO NOTHING",
        &[&row.hash, &row.user_id, &row.role, &format_time(row.at)],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

fn erase_entry_trail(c: &mut impl GenericClient, entry: &str) -> StoreResult<()> {
    for sql in [
        "DELETE FROM entry_slips WHERE entry = $1",
        "DELETE FROM batch_entries WHERE entry = $1",
        "DELETE FROM claims WHERE entry = $1",
        "DELETE FROM reverify_items WHERE entry = $1",
    ] {
        c.execute(sql, &[&entry]).map_err(db_error)?;
    }
    Ok(())
}

pub(crate) fn erase_resident(c: &mut impl GenericClient, person: &str) -> StoreResult<bool> {
    let Some(row) = c
        .query_opt(
            "SELECT my_number_index FROM residents WHERE person_number = $1",
            &[&person],
        )
        .map_err(db_error)?
    else {
        return Ok(false);
    };
    let index: Vec<u8> = super::sql::get(&row, 0)?;
    for sql in [
        "DELETE FROM entry_slips WHERE entry IN (SELECT id FROM entries WHERE person = $1)",
        "DELETE FROM batch_entries WHERE entry IN (SELECT id FROM entries WHERE person = $1)",
        "DELETE FROM reverify_items WHERE person = $1",
        "DELETE FROM corrections WHERE person = $1",
        "DELETE FROM tax_records WHERE person = $1",
        "DELETE FROM entries WHERE person = $1",
        "DELETE FROM claims WHERE person = $1",
    ] {
        c.execute(sql, &[&person]).map_err(db_error)?;
    }
    c.execute("DELETE FROM claims WHERE number_index = $1", &[&index])
        .map_err(db_error)?;
    c.execute("DELETE FROM residents WHERE person_number = $1", &[&person])
        .map(|n| n == 1)
        .map_err(db_error)
}

pub(crate) fn erase_tax_record(
    c: &mut impl GenericClient,
    person: &str,
    form: &str,
    version: i64,
) -> StoreResult<bool> {
    let Some(row) = c
        .query_opt(
            "DELETE FROM tax_records WHERE person = $1 AND form = $2 AND version = $3
             RETURNING entry",
            &[&person, &form, &version],
        )
        .map_err(db_error)?
    else {
        return Ok(false);
    };
    let source: String = super::sql::get(&row, 0)?;
    erase_entry_trail(c, &source)?;
    c.execute("DELETE FROM entries WHERE id = $1", &[&source])
        .map_err(db_error)?;
    c.execute("DELETE FROM corrections WHERE id = $1", &[&source])
        .map_err(db_error)?;
    Ok(true)
}

pub(crate) fn erase_draft(c: &mut impl GenericClient, entry: &str) -> StoreResult<bool> {
    let erased = c
        .execute(
            "DELETE FROM entries WHERE id = $1 AND state <> 'committed'",
            &[&entry],
        )
        .map_err(db_error)?;
    if erased == 1 {
        erase_entry_trail(c, entry)?;
    }
    Ok(erased == 1)
}

impl RetentionStore for PostgresStore {
    fn retention_candidates(&self, query: &CandidateQuery) -> StoreResult<RetentionCandidates> {
        let left_by = format_date(query.persons_left_by);
        let records_before = format_time(query.records_committed_before);
        let drafts_before = format_time(query.drafts_changed_before);
        self.with(|c| {
            let persons = query_rows(
                c,
                "residents",
                "SELECT person_number, left_on FROM residents
                 WHERE left_on IS NOT NULL AND left_on <= $1 ORDER BY person_number",
                &[&left_by],
                |r| Ok((r.text(0)?, r.date(1)?)),
            )?;
            let tax_records = query_rows(
                c,
                "tax_records",
                "SELECT person, form, version, committed_at FROM tax_records
                 WHERE committed_at < $1 ORDER BY person, form, version",
                &[&records_before],
                |r| Ok((r.text(0)?, r.text(1)?, r.get(2)?, r.time(3)?)),
            )?;
            let drafts = query_rows(
                c,
                "entries",
                "SELECT id, person, updated_at FROM entries
                 WHERE state <> 'committed' AND updated_at < $1 ORDER BY id",
                &[&drafts_before],
                |r| Ok((r.text(0)?, r.text(1)?, r.time(2)?)),
            )?;
            Ok(RetentionCandidates {
                persons,
                tax_records,
                drafts,
            })
        })
    }

    fn retention_approvals(&self, hash: &str) -> StoreResult<Vec<RetentionApprovalRow>> {
        self.with(|c| {
            query_rows(
                c,
                "retention_approvals",
                "SELECT hash, user_id, role, at FROM retention_approvals
                 WHERE hash = $1 ORDER BY at, user_id",
                &[&hash],
                |r| {
                    Ok(RetentionApprovalRow {
                        hash: r.text(0)?,
                        user_id: r.text(1)?,
                        role: r.text(2)?,
                        at: r.time(3)?,
                    })
                },
            )
        })
    }

    fn commit_erasure(
        &self,
        key: &ChainKey,
        now: OffsetDateTime,
        items: Vec<Item>,
    ) -> StoreResult<Vec<Committed>> {
        self.write(|tx| {
            lock_audit_chain(tx)?;
            journal::write(&mut PgJournal(tx), key, now, items, FailPoint::None)
        })
    }

    fn compact_after_erasure(&self) -> StoreResult<()> {
        // Outside any transaction (VACUUM cannot run in one): the dead
        // tuples' space is marked free and the indexes' entries removed.
        self.with(|c| {
            c.batch_execute(&format!("VACUUM (ANALYZE) {ERASED_TABLES}"))
                .map_err(db_error)
        })
    }
}
