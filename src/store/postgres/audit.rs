//! The access log: one chain, however many instances append to it.

use ::postgres::types::ToSql;
use ::postgres::{GenericClient, Transaction};

use time::OffsetDateTime;

use super::PostgresStore;
use super::journal_tx::PgJournal;
use super::sql::{Cols, INSERT_CHUNK, db_error, limit_of, query_rows, values_list};
use crate::store::audit_review::{self, Param};
use crate::store::chain::{AuditEntry, AuditRecord, ChainKey, format_time};
use crate::store::journal;
use crate::store::sql::{ColumnReader, join_subjects};
use crate::store::{
    AuditFilter, AuditGroup, AuditStore, Bucket, CheckpointRow, CosignatureRow, GroupBy,
    StoreResult,
};

/// Advisory lock key ("bansho" in ASCII, plus a tag) every appender takes.
const AUDIT_LOCK: i64 = 0x62_61_6e_73_68_6f_00_02;

const AUDIT_COLUMNS: &str = "seq, at, user_id, terminal, action, subjects, query_hmac, purpose, \
     outcome, detail, sensitive, prev_hash, hash";
const AUDIT_WIDTH: usize = 13;

fn audit_from_row(r: &Cols<'_>) -> StoreResult<AuditRecord> {
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

/// Takes the chain's lock for the rest of the transaction. Every appender,
/// in every instance, takes it before reading the tail, so the tail read
/// (a fresh snapshot under READ COMMITTED) is the tail appended to.
pub(crate) fn lock_audit_chain(tx: &mut Transaction<'_>) -> StoreResult<()> {
    tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
        .map_err(db_error)
}

/// Stores rows already chained onto the current tail, in multi-row INSERTs.
pub(crate) fn insert_audit_records(
    c: &mut impl GenericClient,
    records: &[AuditRecord],
) -> StoreResult<()> {
    for chunk in records.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO audit_log({AUDIT_COLUMNS}) VALUES {}",
            values_list(chunk.len(), AUDIT_WIDTH)
        );
        let texts: Vec<(String, String, &str, &str)> = chunk
            .iter()
            .map(|r| {
                (
                    format_time(r.entry.at),
                    join_subjects(&r.entry.subjects),
                    r.entry.action.as_str(),
                    r.entry.outcome.as_str(),
                )
            })
            .collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * AUDIT_WIDTH);
        for (r, (at, subjects, action, outcome)) in chunk.iter().zip(&texts) {
            let e = &r.entry;
            params.extend_from_slice(&[
                &r.seq,
                at,
                &e.user_id,
                &e.terminal,
                action,
                subjects,
                &e.query_hmac,
                &e.purpose,
                outcome,
                &e.detail,
                &e.sensitive,
                &r.prev_hash,
                &r.hash,
            ]);
        }
        c.execute(&sql, &params).map_err(db_error)?;
    }
    // The person index of the review filter, in the same transaction.
    let subjects: Vec<(&String, i64)> = records
        .iter()
        .flat_map(|r| r.entry.subjects.iter().map(move |p| (p, r.seq)))
        .collect();
    for chunk in subjects.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO audit_subjects(person, seq) VALUES {} ON CONFLICT DO NOTHING",
            values_list(chunk.len(), 2)
        );
        let params: Vec<&(dyn ToSql + Sync)> = chunk
            .iter()
            .flat_map(|(p, seq)| [*p as &(dyn ToSql + Sync), seq as &(dyn ToSql + Sync)])
            .collect();
        c.execute(&sql, &params).map_err(db_error)?;
    }
    Ok(())
}

fn values(params: &[Param]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync> {
            match p {
                Param::Text(t) => Box::new(t.clone()),
                Param::Int(n) => Box::new(*n),
                Param::Bool(b) => Box::new(*b),
            }
        })
        .collect()
}

pub(crate) fn insert_checkpoint(
    c: &mut impl GenericClient,
    row: &CheckpointRow,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_checkpoints(size, note, verifier, made_at) VALUES ($1, $2, $3, $4)",
        &[
            &row.size,
            &row.note,
            &row.verifier,
            &format_time(row.made_at),
        ],
    )
    .map(drop)
    .map_err(db_error)
}

pub(crate) fn insert_cosignature(
    c: &mut impl GenericClient,
    row: &CosignatureRow,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO audit_cosignatures(size, witness, note, cosigned_at) VALUES ($1, $2, $3, $4)",
        &[
            &row.size,
            &row.witness,
            &row.note,
            &format_time(row.cosigned_at),
        ],
    )
    .map(drop)
    .map_err(db_error)
}

impl AuditStore for PostgresStore {
    fn commit(
        &self,
        key: &ChainKey,
        now: OffsetDateTime,
        items: Vec<journal::Item>,
        fail: journal::FailPoint,
    ) -> StoreResult<Vec<journal::Committed>> {
        // With synchronous_commit on (checked at open), the commit returns
        // only once the WAL is flushed.
        self.write(|tx| {
            lock_audit_chain(tx)?;
            journal::write(&mut PgJournal(tx), key, now, items, fail)
        })
    }

    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&after, &limit_of(limit)],
                audit_from_row,
            )
        })
    }

    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_log",
                &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                &[&limit_of(limit)],
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
        let st = audit_review::query(true, AUDIT_COLUMNS, filter, before, limit);
        let owned = values(&st.params);
        let params: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        self.with(|c| query_rows(c, "audit_log", &st.sql, &params, audit_from_row))
    }

    fn audit_groups(
        &self,
        filter: &AuditFilter,
        buckets: &[Bucket],
        by: &GroupBy,
    ) -> StoreResult<Vec<AuditGroup>> {
        let Some(st) = audit_review::groups(true, filter, buckets, by) else {
            return Ok(Vec::new());
        };
        let owned = values(&st.params);
        let params: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        self.with(|c| {
            query_rows(c, "audit_log", &st.sql, &params, |r| {
                Ok(audit_review::group_row(
                    r.get(0)?,
                    [r.opt_text(1)?, r.opt_text(2)?, r.opt_text(3)?],
                    [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
                ))
            })
        })
    }

    fn checkpoints(&self, limit: usize) -> StoreResult<Vec<CheckpointRow>> {
        self.with(|c| {
            query_rows(
                c,
                "audit_checkpoints",
                "SELECT size, note, verifier, made_at FROM audit_checkpoints
                 ORDER BY size DESC LIMIT $1",
                &[&limit_of(limit)],
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
                 WHERE witness = $1 ORDER BY size DESC LIMIT $2",
                &[&witness, &limit_of(limit)],
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
