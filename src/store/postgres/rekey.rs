//! Search keys rewritten in place when the rule that makes them changes:
//! migrations that SQL alone cannot do, since the keys are made by
//! `domain::itaiji`.

use ::postgres::Transaction;

use super::sql::{db_error, get};
use crate::domain::itaiji::address_key;
use crate::store::StoreResult;

/// Residents read and rewritten per round trip.
const CHUNK: i64 = 20_000;

/// Every resident's `address_key` made again from the stored address by
/// [`address_key`] (numbers between `-` marks, 丁目/番地/番/号 and hyphens
/// folded into them), in person-number order, one `UPDATE` per chunk.
/// Runs inside the migration's transaction.
pub(super) fn address_keys(tx: &mut Transaction<'_>) -> StoreResult<()> {
    let mut after = String::new();
    loop {
        let rows = tx
            .query(
                "SELECT person_number, address FROM residents
                 WHERE person_number > $1 ORDER BY person_number LIMIT $2",
                &[&after, &CHUNK],
            )
            .map_err(db_error)?;
        let mut numbers: Vec<String> = Vec::with_capacity(rows.len());
        let mut keys: Vec<String> = Vec::with_capacity(rows.len());
        for row in &rows {
            numbers.push(get(row, 0)?);
            keys.push(address_key(&get::<String>(row, 1)?));
        }
        let Some(last) = numbers.last() else {
            return Ok(());
        };
        after = last.clone();
        tx.execute(
            "UPDATE residents AS r SET address_key = v.key
             FROM unnest($1::text[], $2::text[]) AS v(person_number, key)
             WHERE r.person_number = v.person_number",
            &[&numbers, &keys],
        )
        .map_err(db_error)?;
    }
}
