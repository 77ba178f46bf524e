//! PostgreSQL's side of the shared helpers: error mapping, row decoding and
//! multi-row statements.

use ::postgres::error::SqlState;
use ::postgres::types::FromSql;
use ::postgres::{GenericClient, Row};

use crate::store::sql::ColumnReader;
use crate::store::{StoreError, StoreResult};

/// Rows per multi-row INSERT (PostgreSQL allows 65535 parameters).
pub(super) const INSERT_CHUNK: usize = 1000;

/// The text of an error, including the server's message.
pub(super) fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", e, db.code().code(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

/// A broken uniqueness, reference or check rule is a conflict; anything
/// else means the store cannot do it now.
pub(super) fn db_error(e: ::postgres::Error) -> StoreError {
    let conflict = e.code().is_some_and(|code| {
        [
            SqlState::UNIQUE_VIOLATION,
            SqlState::FOREIGN_KEY_VIOLATION,
            SqlState::NOT_NULL_VIOLATION,
            SqlState::CHECK_VIOLATION,
        ]
        .contains(code)
    });
    if conflict {
        StoreError::Conflict(describe(&e))
    } else {
        StoreError::Unavailable(describe(&e))
    }
}

/// Column `index` of a row that belongs to no table (a count, a setting).
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> StoreResult<T> {
    Cols::new(row, "query").get(index)
}

/// A row of `table` being decoded.
pub(super) struct Cols<'r> {
    row: &'r Row,
    table: &'static str,
}

impl<'r> Cols<'r> {
    pub(super) fn new(row: &'r Row, table: &'static str) -> Self {
        Self { row, table }
    }

    /// Column `index` as `T`; a stored value of the wrong type is corrupt.
    pub(super) fn get<T: FromSql<'r>>(&self, index: usize) -> StoreResult<T> {
        self.row
            .try_get(index)
            .map_err(|_| self.corrupt(index, "a value of the wrong type"))
    }
}

impl ColumnReader for Cols<'_> {
    fn table(&self) -> &'static str {
        self.table
    }

    fn column_name(&self, index: usize) -> String {
        self.row
            .columns()
            .get(index)
            .map_or_else(|| format!("#{index}"), |c| c.name().to_string())
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
    c: &mut impl GenericClient,
    table: &'static str,
    sql: &str,
    params: &[&(dyn ::postgres::types::ToSql + Sync)],
    mut decode: impl FnMut(&Cols<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    c.query(sql, params)
        .map_err(db_error)?
        .iter()
        .map(|row| decode(&Cols::new(row, table)))
        .collect()
}

/// The row `sql` yields from `table`, if any.
pub(super) fn query_first<T>(
    c: &mut impl GenericClient,
    table: &'static str,
    sql: &str,
    params: &[&(dyn ::postgres::types::ToSql + Sync)],
    decode: impl FnOnce(&Cols<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    c.query_opt(sql, params)
        .map_err(db_error)?
        .as_ref()
        .map(|row| decode(&Cols::new(row, table)))
        .transpose()
}

/// `SELECT count(*)` as a count.
pub(super) fn count(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn ::postgres::types::ToSql + Sync)],
) -> StoreResult<u64> {
    let row = c.query_one(sql, params).map_err(db_error)?;
    let n: i64 = get(&row, 0)?;
    Ok(n.max(0) as u64)
}

/// `($1,...,$width), ($width+1, ...)` for `rows` rows.
pub(super) fn values_list(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push(',');
            }
            out.push('$');
            out.push_str(&(r * width + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

pub(super) fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_number_every_parameter() {
        assert_eq!(values_list(2, 3), "($1,$2,$3),($4,$5,$6)");
    }
}
