//! Search keys rewritten in place when the rule that makes them changes:
//! migrations that SQL alone cannot do, since the keys are made by
//! `domain::itaiji`.

use rusqlite::{OptionalExtension, Transaction, params};

use super::residents::refresh_trigram_stats;
use super::sql::unavailable;
use crate::domain::itaiji::address_key;
use crate::store::StoreResult;

/// Residents read and rewritten per round, so memory stays small at any
/// size of the register.
const CHUNK: i64 = 20_000;

/// Every resident's `address_key` made again from the stored address by
/// [`address_key`] (numbers between `-` marks, 丁目/番地/番/号 and hyphens
/// folded into them), then the trigram index rebuilt once and its counts
/// refreshed: cheaper than letting the update trigger rewrite the index
/// row by row. Runs inside the migration's transaction.
pub(super) fn address_keys(tx: &Transaction<'_>) -> StoreResult<()> {
    let trigger: Option<String> = tx
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'residents_address_update'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    if trigger.is_some() {
        tx.execute_batch("DROP TRIGGER residents_address_update")
            .map_err(unavailable)?;
    }
    let mut read = tx
        .prepare("SELECT rowid, address FROM residents WHERE rowid > ?1 ORDER BY rowid LIMIT ?2")
        .map_err(unavailable)?;
    let mut write = tx
        .prepare("UPDATE residents SET address_key = ?1 WHERE rowid = ?2")
        .map_err(unavailable)?;
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, String)> = read
            .query_map(params![after, CHUNK], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(unavailable)?
            .collect::<Result<_, _>>()
            .map_err(unavailable)?;
        let Some((last, _)) = rows.last() else { break };
        after = *last;
        for (rowid, address) in &rows {
            write
                .execute(params![address_key(address), rowid])
                .map_err(unavailable)?;
        }
    }
    if let Some(sql) = trigger {
        tx.execute_batch(&sql).map_err(unavailable)?;
    }
    tx.execute(
        "INSERT INTO residents_address(residents_address) VALUES ('rebuild')",
        [],
    )
    .map_err(unavailable)?;
    refresh_trigram_stats(tx)
}
