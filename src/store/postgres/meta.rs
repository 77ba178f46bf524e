//! Store metadata and purposes.

use ::postgres::GenericClient;

use super::PostgresStore;
use super::sql::{db_error, query_first, query_rows};
use crate::store::sql::ColumnReader;
use crate::store::{MetaStore, PurposeRow, StoreResult};

pub(crate) fn set_meta(c: &mut impl GenericClient, key: &str, value: &str) -> StoreResult<()> {
    c.execute(
        "INSERT INTO meta(key, value) VALUES ($1, $2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        &[&key, &value],
    )
    .map(|_| ())
    .map_err(db_error)
}

pub(crate) fn upsert_purpose(c: &mut impl GenericClient, p: &PurposeRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO purposes(code, name_ja, name_en) VALUES ($1, $2, $3)
         ON CONFLICT(code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en",
        &[&p.code, &p.name_ja, &p.name_en],
    )
    .map(|_| ())
    .map_err(db_error)
}

impl MetaStore for PostgresStore {
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.with(|c| {
            query_first(
                c,
                "meta",
                "SELECT value FROM meta WHERE key = $1",
                &[&key],
                |r| r.text(0),
            )
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.with(|c| set_meta(c, key, value))
    }

    fn purposes(&self) -> StoreResult<Vec<PurposeRow>> {
        self.with(|c| {
            query_rows(
                c,
                "purposes",
                "SELECT code, name_ja, name_en FROM purposes ORDER BY code COLLATE \"C\"",
                &[],
                |r| {
                    Ok(PurposeRow {
                        code: r.text(0)?,
                        name_ja: r.text(1)?,
                        name_en: r.text(2)?,
                    })
                },
            )
        })
    }

    fn upsert_purpose(&self, purpose: &PurposeRow) -> StoreResult<()> {
        self.with(|c| upsert_purpose(c, purpose))
    }
}
