//! The access log.

use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::sql::{Cols, query_rows, unavailable};
use crate::store::chain::{self, AuditEntry, AuditRecord, ChainKey, GENESIS, format_time};
use crate::store::sql::{ColumnReader, join_subjects};
use crate::store::{AuditStore, StoreResult};

const AUDIT_COLUMNS: &str = "seq, at, user_id, terminal, action, subjects, query_hmac, purpose, \
     outcome, detail, sensitive, prev_hash, hash";

fn audit_from_row(r: &Cols<'_, '_>) -> StoreResult<AuditRecord> {
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

/// The sequence number and chain value of the newest row (0 and the
/// genesis value for an empty log). Read it inside the `IMMEDIATE`
/// transaction that appends, so it is the tail appended to.
pub(crate) fn audit_chain_tail(c: &Connection) -> StoreResult<(i64, String)> {
    Ok(c.query_row(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(unavailable)?
    .unwrap_or((0, GENESIS.to_string())))
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
            e.action,
            join_subjects(&e.subjects),
            e.query_hmac,
            e.purpose,
            e.outcome,
            e.detail,
            i64::from(e.sensitive),
            r.prev_hash,
            r.hash,
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

/// Chains `entries` onto the tail under `key` and stores them; the first
/// keyed append records where the keyed rows begin. `c` must be an
/// `IMMEDIATE` transaction.
pub(crate) fn append_audit(
    c: &Connection,
    key: &ChainKey,
    entries: &[AuditEntry],
) -> StoreResult<Vec<AuditRecord>> {
    let (last_seq, last_hash) = audit_chain_tail(c)?;
    c.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
        params![chain::CHAIN_RECORD, key.seal_record(last_seq + 1)],
    )
    .map_err(unavailable)?;
    let records = chain::chain(key, entries, last_seq, &last_hash);
    insert_audit_records(c, &records)?;
    Ok(records)
}

impl AuditStore for SqliteStore {
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
}
