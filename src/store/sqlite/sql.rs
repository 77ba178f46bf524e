//! SQLite's side of the shared helpers: error mapping and row decoding.

use rusqlite::{Connection, Params, Row};

use crate::store::sql::ColumnReader;
use crate::store::{StoreError, StoreResult};

/// A broken uniqueness or reference rule is a conflict; anything else
/// means the store cannot do it now.
pub(super) fn unavailable(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(e.to_string())
        }
        _ => StoreError::Unavailable(e.to_string()),
    }
}

/// A row of `table` being decoded.
pub(super) struct Cols<'a, 'r> {
    row: &'a Row<'r>,
    table: &'static str,
}

impl Cols<'_, '_> {
    /// Column `index` as `T`; a stored value of the wrong type is corrupt.
    pub(super) fn get<T: rusqlite::types::FromSql>(&self, index: usize) -> StoreResult<T> {
        self.row.get(index).map_err(|e| match e {
            rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..) => {
                self.corrupt(index, "a value of the wrong type")
            }
            other => unavailable(other),
        })
    }
}

impl ColumnReader for Cols<'_, '_> {
    fn table(&self) -> &'static str {
        self.table
    }

    fn column_name(&self, index: usize) -> String {
        self.row
            .as_ref()
            .column_name(index)
            .map_or_else(|_| format!("#{index}"), str::to_string)
    }

    fn text(&self, index: usize) -> StoreResult<String> {
        self.get(index)
    }

    fn opt_text(&self, index: usize) -> StoreResult<Option<String>> {
        self.get(index)
    }
}

/// Every row `sql` yields from `table`, decoded by `decode`.
pub(super) fn query_rows<T>(
    c: &Connection,
    table: &'static str,
    sql: &str,
    params: impl Params,
    mut decode: impl FnMut(&Cols<'_, '_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = c.prepare_cached(sql).map_err(unavailable)?;
    let mut rows = stmt.query(params).map_err(unavailable)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(unavailable)? {
        out.push(decode(&Cols { row, table })?);
    }
    Ok(out)
}

/// The first row `sql` yields from `table`, if any.
pub(super) fn query_first<T>(
    c: &Connection,
    table: &'static str,
    sql: &str,
    params: impl Params,
    decode: impl FnOnce(&Cols<'_, '_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut stmt = c.prepare_cached(sql).map_err(unavailable)?;
    let mut rows = stmt.query(params).map_err(unavailable)?;
    match rows.next().map_err(unavailable)? {
        Some(row) => decode(&Cols { row, table }).map(Some),
        None => Ok(None),
    }
}

/// `SELECT count(*)` as a count.
pub(super) fn count(c: &Connection, sql: &str) -> StoreResult<u64> {
    c.query_row(sql, [], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
        .map_err(unavailable)
}
