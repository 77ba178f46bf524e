//! Store metadata and purposes.

use rusqlite::Connection;

use super::SqliteStore;
use super::sql::{query_first, query_rows, unavailable};
use crate::store::sql::ColumnReader;
use crate::store::{MetaStore, PurposeRow, StoreResult};

pub(crate) fn set_meta(c: &Connection, key: &str, value: &str) -> StoreResult<()> {
    c.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    .map(|_| ())
    .map_err(unavailable)
}

pub(crate) fn upsert_purpose(c: &Connection, p: &PurposeRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO purposes(code, name_ja, name_en) VALUES (?1, ?2, ?3)
         ON CONFLICT(code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en",
        [&p.code, &p.name_ja, &p.name_en],
    )
    .map(|_| ())
    .map_err(unavailable)
}

impl MetaStore for SqliteStore {
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.with(|c| {
            query_first(
                c,
                "meta",
                "SELECT value FROM meta WHERE key = ?1",
                [key],
                |r| r.text(0),
            )
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| set_meta(tx, key, value))
    }

    fn purposes(&self) -> StoreResult<Vec<PurposeRow>> {
        self.with(|c| {
            query_rows(
                c,
                "purposes",
                "SELECT code, name_ja, name_en FROM purposes ORDER BY code",
                [],
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
        self.write(|tx| upsert_purpose(tx, purpose))
    }

    /// A read here is a few `pread`s of pages the kernel holds: shorter
    /// than the hand-off to a blocking thread and back. A reader in WAL
    /// mode never waits for the writer.
    fn reads_in_place(&self) -> bool {
        true
    }
}
