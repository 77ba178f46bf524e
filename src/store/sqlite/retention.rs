//! Retention on SQLite: the candidates, the approvals, and erasure. Deleted
//! rows leave their bytes in freed pages, in the write-ahead log and in the
//! address index's segments unless overwritten: the erasure commits with
//! `secure_delete` on, and [`RetentionStore::compact_after_erasure`]
//! vacuums, rebuilds the address index and empties the log.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use super::SqliteStore;
use super::journal_tx::SqliteJournal;
use super::sql::{query_rows, unavailable};
use crate::store::chain::{ChainKey, format_time};
use crate::store::journal::{self, Committed, FailPoint, Item};
use crate::store::sql::{ColumnReader, format_date};
use crate::store::{
    CandidateQuery, RetentionApprovalRow, RetentionCandidates, RetentionStore, StoreError,
    StoreResult,
};

/// Schema step 13: residents' `left_on` where missing, then the rest.
pub(super) fn migrate(tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
    let has_column: i64 = tx
        .query_row(
            "SELECT count(*) FROM pragma_table_info('residents') WHERE name = 'left_on'",
            [],
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    if has_column == 0 {
        tx.execute_batch("ALTER TABLE residents ADD COLUMN left_on TEXT")
            .map_err(unavailable)?;
    }
    tx.execute_batch(include_str!("../migrations/sqlite/0013_retention.sql"))
        .map_err(unavailable)
}

pub(crate) fn insert_approval(c: &Connection, row: &RetentionApprovalRow) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO retention_approvals(hash, user_id, role, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(hash, user_id) DO NOTHING",
        params![row.hash, row.user_id, row.role, format_time(row.at)],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// What hangs on an entry: its slips, its batch filing, its claims, its
/// re-verification item.
fn erase_entry_trail(c: &Connection, entry: &str) -> StoreResult<()> {
    for sql in [
        "DELETE FROM entry_slips WHERE entry = ?1",
        "DELETE FROM batch_entries WHERE entry = ?1",
        "DELETE FROM claims WHERE entry = ?1",
        "DELETE FROM reverify_items WHERE entry = ?1",
    ] {
        c.execute(sql, [entry]).map_err(unavailable)?;
    }
    Ok(())
}

pub(crate) fn erase_resident(c: &Connection, person: &str) -> StoreResult<bool> {
    let index: Option<Vec<u8>> = c
        .query_row(
            "SELECT my_number_index FROM residents WHERE person_number = ?1",
            [person],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    let Some(index) = index else {
        return Ok(false);
    };
    for sql in [
        "DELETE FROM entry_slips WHERE entry IN (SELECT id FROM entries WHERE person = ?1)",
        "DELETE FROM batch_entries WHERE entry IN (SELECT id FROM entries WHERE person = ?1)",
        "DELETE FROM reverify_items WHERE person = ?1",
        "DELETE FROM corrections WHERE person = ?1",
        "DELETE FROM tax_records WHERE person = ?1",
        "DELETE FROM entries WHERE person = ?1",
        "DELETE FROM claims WHERE person = ?1",
    ] {
        c.execute(sql, [person]).map_err(unavailable)?;
    }
    // Others' claims naming them: the blind index of their number goes too.
    c.execute("DELETE FROM claims WHERE number_index = ?1", [&index])
        .map_err(unavailable)?;
    // The address index forgets the row through its delete trigger.
    c.execute("DELETE FROM residents WHERE person_number = ?1", [person])
        .map(|n| n == 1)
        .map_err(unavailable)
}

pub(crate) fn erase_tax_record(
    c: &Connection,
    person: &str,
    form: &str,
    version: i64,
) -> StoreResult<bool> {
    let source: Option<String> = c
        .query_row(
            "DELETE FROM tax_records WHERE person = ?1 AND form = ?2 AND version = ?3
             RETURNING entry",
            params![person, form, version],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    let Some(source) = source else {
        return Ok(false);
    };
    erase_entry_trail(c, &source)?;
    c.execute("DELETE FROM entries WHERE id = ?1", [&source])
        .map_err(unavailable)?;
    c.execute("DELETE FROM corrections WHERE id = ?1", [&source])
        .map_err(unavailable)?;
    Ok(true)
}

pub(crate) fn erase_draft(c: &Connection, entry: &str) -> StoreResult<bool> {
    let erased = c
        .execute(
            "DELETE FROM entries WHERE id = ?1 AND state <> 'committed'",
            [entry],
        )
        .map_err(unavailable)?;
    if erased == 1 {
        erase_entry_trail(c, entry)?;
    }
    Ok(erased == 1)
}

/// Empties the write-ahead log into the file and truncates it; an error
/// if a reader kept it from finishing.
fn checkpoint_truncate(c: &Connection) -> StoreResult<()> {
    let busy: i64 = c
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .map_err(unavailable)?;
    if busy != 0 {
        return Err(StoreError::Unavailable(
            "the write-ahead log could not be emptied while other connections read; \
             stop the service and run the erasure again"
                .into(),
        ));
    }
    Ok(())
}

impl RetentionStore for SqliteStore {
    fn retention_candidates(&self, query: &CandidateQuery) -> StoreResult<RetentionCandidates> {
        self.with(|c| {
            let persons = query_rows(
                c,
                "residents",
                "SELECT person_number, left_on FROM residents
                 WHERE left_on IS NOT NULL AND left_on <= ?1 ORDER BY person_number",
                [format_date(query.persons_left_by)],
                |r| Ok((r.text(0)?, r.date(1)?)),
            )?;
            let tax_records = query_rows(
                c,
                "tax_records",
                "SELECT person, form, version, committed_at FROM tax_records
                 WHERE committed_at < ?1 ORDER BY person, form, version",
                [format_time(query.records_committed_before)],
                |r| Ok((r.text(0)?, r.text(1)?, r.get(2)?, r.time(3)?)),
            )?;
            let drafts = query_rows(
                c,
                "entries",
                "SELECT id, person, updated_at FROM entries
                 WHERE state <> 'committed' AND updated_at < ?1 ORDER BY id",
                [format_time(query.drafts_changed_before)],
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
                 WHERE hash = ?1 ORDER BY at, user_id",
                [hash],
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
        self.with(|c| {
            // Freed cells and pages are overwritten with zeros, so what is
            // deleted does not stay readable in the file's free space.
            c.pragma_update(None, "secure_delete", "ON")
                .map_err(unavailable)?;
            let written = (|| {
                let tx = c
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                let committed =
                    journal::write(&mut SqliteJournal(&tx), key, now, items, FailPoint::None)?;
                tx.commit().map_err(unavailable)?;
                Ok(committed)
            })();
            c.pragma_update(None, "secure_delete", "OFF")
                .map_err(unavailable)?;
            written
        })
    }

    fn compact_after_erasure(&self) -> StoreResult<()> {
        self.with(|c| {
            c.pragma_update(None, "secure_delete", "ON")
                .map_err(unavailable)?;
            // VACUUM builds its copy in a temporary database: in memory,
            // not in a file of the temporary directory left on the disk.
            c.pragma_update(None, "temp_store", "MEMORY")
                .map_err(unavailable)?;
            checkpoint_truncate(c)?;
            // Rewrites the file from its live rows only: no free page, no
            // slack in a page keeps an erased value.
            c.execute_batch("VACUUM").map_err(unavailable)?;
            // The address index kept the erased rows' trigrams in its
            // segments (a delete only marks them) and VACUUM may renumber
            // the rowids it is keyed by: it is made again from the live
            // rows, as are the trigram counts the search plans with.
            c.execute_batch(
                "BEGIN IMMEDIATE;
                 INSERT INTO residents_address(residents_address) VALUES ('rebuild');
                 DELETE FROM residents_address_stats;
                 INSERT INTO residents_address_stats(gram, docs)
                     SELECT term, doc FROM residents_address_vocab;
                 COMMIT;",
            )
            .map_err(unavailable)?;
            // The WAL held every page VACUUM and the rebuild wrote (and,
            // before, the erasure's own pages): copied in, then cut to zero.
            checkpoint_truncate(c)?;
            c.pragma_update(None, "secure_delete", "OFF")
                .map_err(unavailable)?;
            Ok(())
        })
    }
}
