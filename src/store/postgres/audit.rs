//! The access log: one chain, however many instances append to it.

use ::postgres::types::ToSql;
use ::postgres::{GenericClient, Transaction};

use super::PostgresStore;
use super::sql::{Cols, INSERT_CHUNK, db_error, get, limit_of, query_rows, values_list};
use crate::store::chain::{self, AuditEntry, AuditRecord, ChainKey, GENESIS, format_time};
use crate::store::sql::{ColumnReader, join_subjects};
use crate::store::{AuditStore, StoreResult};

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
            action: r.text(4)?,
            subjects: r.subjects(5)?,
            query_hmac: r.opt_text(6)?,
            purpose: r.text(7)?,
            outcome: r.text(8)?,
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

/// The sequence number and chain value of the newest row (0 and the
/// genesis value for an empty log). Read it after [`lock_audit_chain`].
pub(crate) fn audit_chain_tail(c: &mut impl GenericClient) -> StoreResult<(i64, String)> {
    match c
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .map_err(db_error)?
    {
        Some(row) => Ok((get::<i64>(&row, 0)?, get::<String>(&row, 1)?)),
        None => Ok((0, GENESIS.to_string())),
    }
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
        let texts: Vec<(String, String)> = chunk
            .iter()
            .map(|r| (format_time(r.entry.at), join_subjects(&r.entry.subjects)))
            .collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * AUDIT_WIDTH);
        for (r, (at, subjects)) in chunk.iter().zip(&texts) {
            let e = &r.entry;
            params.extend_from_slice(&[
                &r.seq,
                at,
                &e.user_id,
                &e.terminal,
                &e.action,
                subjects,
                &e.query_hmac,
                &e.purpose,
                &e.outcome,
                &e.detail,
                &e.sensitive,
                &r.prev_hash,
                &r.hash,
            ]);
        }
        c.execute(&sql, &params).map_err(db_error)?;
    }
    Ok(())
}

/// Chains `entries` onto the tail under `key` and stores them, holding the
/// chain's lock; the first keyed append records where the keyed rows begin.
pub(crate) fn append_audit(
    tx: &mut Transaction<'_>,
    key: &ChainKey,
    entries: &[AuditEntry],
) -> StoreResult<Vec<AuditRecord>> {
    lock_audit_chain(tx)?;
    let (last_seq, last_hash) = audit_chain_tail(tx)?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[&chain::CHAIN_RECORD, &key.seal_record(last_seq + 1)],
    )
    .map_err(db_error)?;
    let records = chain::chain(key, entries, last_seq, &last_hash);
    insert_audit_records(tx, &records)?;
    Ok(records)
}

impl AuditStore for PostgresStore {
    fn append_audit(
        &self,
        key: &ChainKey,
        entries: &[AuditEntry],
    ) -> StoreResult<Vec<AuditRecord>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| append_audit(tx, key, entries))
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
}
