//! The access log.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::SqliteStore;
use super::journal_tx::SqliteJournal;
use super::sql::{Cols, query_rows, unavailable};
use crate::store::audit_review::{self, Param};
use crate::store::chain::{AuditEntry, AuditRecord, ChainKey, format_time};
use crate::store::journal;
use crate::store::sql::{ColumnReader, join_subjects};
use crate::store::{
    AuditFilter, AuditGroup, AuditStore, Bucket, CheckpointRow, CosignatureRow, GroupBy,
    StoreResult,
};

const AUDIT_COLUMNS: &str = "seq, at, user_id, terminal, action, subjects, query_hmac, purpose, \
     outcome, detail, sensitive, prev_hash, hash";

fn audit_from_row(r: &Cols<'_, '_>) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        seq: r.get(0)?,
        entry: AuditEntry {
            at: r.time(1)?,
            user_id: r.text(2)?,
            terminal: r.text(3)?,
            action: r.action(4)?,
            subjects: r.subjects(5)?,
            query_hmac: r.opt_text(6)?,
            purpose: r.text(7)?,
            outcome: r.outcome(8)?,
            detail: r.text(9)?,
            sensitive: r.get(10)?,
        },
        prev_hash: r.text(11)?,
        hash: r.text(12)?,
    })
}

/// Stores rows already chained onto the current tail.
pub(crate) fn insert_audit_records(c: &Connection, records: &[AuditRecord]) -> StoreResult<()> {
    let mut stmt = c
        .prepare_cached(&format!(
            "INSERT INTO audit_log({AUDIT_COLUMNS})
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
        ))
        .map_err(unavailable)?;
    for r in records {
        let e = &r.entry;
        stmt.execute(params![
            r.seq,
            format_time(e.at),
            e.user_id,
            e.terminal,
            e.action.as_str(),
            join_subjects(&e.subjects),
            e.query_hmac,
            e.purpose,
            e.outcome.as_str(),
            e.detail,
            i64::from(e.sensitive),
            r.prev_hash,
            r.hash,
        ])
        .map_err(unavailable)?;
    }
    // Who each row is about, in the same transaction: rows by seq for the
    // analyses' joins, and the terms of the review's filters by account,
    // terminal and person (migrations 21 and 22 say why they are FTS5).
    let mut subject = c
        .prepare_cached("INSERT OR IGNORE INTO audit_subjects(seq, person) VALUES (?1, ?2)")
        .map_err(unavailable)?;
    let mut indexed = c
        .prepare_cached("INSERT INTO audit_terms(rowid, terms) VALUES (?1, ?2)")
        .map_err(unavailable)?;
    for r in records {
        for person in &r.entry.subjects {
            subject
                .execute(params![r.seq, person])
                .map_err(unavailable)?;
        }
        indexed
            .execute(params![r.seq, audit_review::terms(&r.entry)])
            .map_err(unavailable)?;
    }
    Ok(())
}

fn values(params: &[Param]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    params
        .iter()
        .map(|p| match p {
            Param::Text(t) => Value::Text(t.clone()),
            Param::Int(n) => Value::Integer(*n),
            Param::Bool(b) => Value::Integer(i64::from(*b)),
        })
        .collect()
}

pub(crate) fn insert_checkpoint(c: &Connection, row: &CheckpointRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_checkpoints(size, note, verifier, made_at) VALUES (?1, ?2, ?3, ?4)",
        params![row.size, row.note, row.verifier, format_time(row.made_at)],
    )
    .map(drop)
    .map_err(unavailable)
}

pub(crate) fn insert_cosignature(c: &Connection, row: &CosignatureRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_cosignatures(size, witness, note, cosigned_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            row.size,
            row.witness,
            row.note,
            format_time(row.cosigned_at)
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

impl AuditStore for SqliteStore {
    fn commit(
        &self,
        key: &ChainKey,
        now: OffsetDateTime,
        items: Vec<journal::Item>,
        fail: journal::FailPoint,
    ) -> StoreResult<Vec<journal::Committed>> {
        // `write` is an IMMEDIATE transaction: the write lock is taken
        // first, so the tail read is the tail appended to, even with other
        // processes writing.
        self.write(|tx| journal::write(&mut SqliteJournal(tx), key, now, items, fail))
    }

    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ),
                params![after, limit as i64],
                audit_from_row,
            )
        })
    }

    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?1"),
                params![limit as i64],
                audit_from_row,
            )
        })
    }

    fn audit_query(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>> {
        let st = audit_review::query(false, AUDIT_COLUMNS, filter, before, limit);
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &st.sql,
                rusqlite::params_from_iter(values(&st.params)),
                audit_from_row,
            )
        })
    }

    fn audit_groups(
        &self,
        filter: &AuditFilter,
        buckets: &[Bucket],
        by: &GroupBy,
    ) -> StoreResult<Vec<AuditGroup>> {
        let Some(st) = audit_review::groups(false, filter, buckets, by) else {
            return Ok(Vec::new());
        };
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &st.sql,
                rusqlite::params_from_iter(values(&st.params)),
                |r| {
                    Ok(audit_review::group_row(
                        r.get(0)?,
                        [r.opt_text(1)?, r.opt_text(2)?, r.opt_text(3)?],
                        [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
                    ))
                },
            )
        })
    }

    fn checkpoints(&self, limit: usize) -> StoreResult<Vec<CheckpointRow>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_checkpoints",
                "SELECT size, note, verifier, made_at FROM audit_checkpoints
                 ORDER BY size DESC LIMIT ?1",
                params![limit as i64],
                |r| {
                    Ok(CheckpointRow {
                        size: r.get(0)?,
                        note: r.text(1)?,
                        verifier: r.text(2)?,
                        made_at: r.time(3)?,
                    })
                },
            )
        })
    }

    fn cosignatures(&self, witness: &str, limit: usize) -> StoreResult<Vec<CosignatureRow>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_cosignatures",
                "SELECT size, witness, note, cosigned_at FROM audit_cosignatures
                 WHERE witness = ?1 ORDER BY size DESC LIMIT ?2",
                params![witness, limit as i64],
                |r| {
                    Ok(CosignatureRow {
                        size: r.get(0)?,
                        witness: r.text(1)?,
                        note: r.text(2)?,
                        cosigned_at: r.time(3)?,
                    })
                },
            )
        })
    }
}
