//! The embedded store: one SQLite file in WAL mode. Reads use a small pool of
//! connections; every write is one transaction with `synchronous=FULL`, so a
//! committed audit row survives a power cut.
//!
//! Each aggregate's file holds its trait implementation and its writes as
//! free functions over a connection (a transaction derefs to one), so a
//! caller holding one `IMMEDIATE` transaction can run several of them.

pub(crate) mod audit;
mod caller;
pub(crate) mod entries;
pub(crate) mod grants;
mod journal_tx;
pub(crate) mod meta;
mod rekey;
pub(crate) mod residents;
pub(crate) mod retention;
pub(crate) mod roster;
pub(crate) mod sessions;
mod sql;
pub(crate) mod staff;
pub(crate) mod terminals;
pub(crate) mod transfers;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{StoreError, StoreResult};
use sql::unavailable;

/// One step of the schema, recorded in `user_version`.
enum Migration {
    Sql(&'static str),
    /// Data that SQL cannot compute: search keys made by the domain's rules.
    Code(fn(&Transaction<'_>) -> StoreResult<()>),
}

const MIGRATIONS: &[(i64, Migration)] = &[
    (
        1,
        Migration::Sql(include_str!("../migrations/sqlite/0001_init.sql")),
    ),
    (
        2,
        Migration::Sql(include_str!("../migrations/sqlite/0002_terminals.sql")),
    ),
    (
        3,
        Migration::Sql(include_str!("../migrations/sqlite/0003_search_indexes.sql")),
    ),
    (
        4,
        Migration::Sql(include_str!("../migrations/sqlite/0004_login_guard.sql")),
    ),
    // Hyphenated and written addresses share one key (`5-23-3` finds
    // 5丁目23番3号).
    (5, Migration::Code(rekey::address_keys)),
    (
        6,
        Migration::Sql(include_str!("../migrations/sqlite/0006_entries.sql")),
    ),
    (
        7,
        Migration::Sql(include_str!("../migrations/sqlite/0007_corrections.sql")),
    ),
    (
        8,
        Migration::Sql(include_str!("../migrations/sqlite/0008_reverify.sql")),
    ),
    (
        9,
        Migration::Sql(include_str!("../migrations/sqlite/0009_batches.sql")),
    ),
    (
        10,
        Migration::Sql(include_str!("../migrations/sqlite/0010_claims.sql")),
    ),
    (
        11,
        Migration::Sql(include_str!("../migrations/sqlite/0011_transfers.sql")),
    ),
    (
        12,
        Migration::Sql(include_str!("../migrations/sqlite/0012_checkpoints.sql")),
    ),
    (13, Migration::Code(retention::migrate)),
    (
        14,
        Migration::Sql(include_str!("../migrations/sqlite/0014_cosignatures.sql")),
    ),
    (
        15,
        Migration::Sql(include_str!("../migrations/sqlite/0015_audit_review.sql")),
    ),
    (
        16,
        Migration::Sql(include_str!("../migrations/sqlite/0016_grants.sql")),
    ),
    (
        17,
        Migration::Sql(include_str!("../migrations/sqlite/0017_pin_change.sql")),
    ),
    (
        18,
        Migration::Sql(include_str!("../migrations/sqlite/0018_roster.sql")),
    ),
    (
        19,
        Migration::Sql(include_str!(
            "../migrations/sqlite/0019_audit_subjects_seq.sql"
        )),
    ),
    (
        20,
        Migration::Sql(include_str!(
            "../migrations/sqlite/0020_residents_name_order.sql"
        )),
    ),
    (
        21,
        Migration::Sql(include_str!(
            "../migrations/sqlite/0021_audit_subjects_appended.sql"
        )),
    ),
    (
        22,
        Migration::Sql(include_str!("../migrations/sqlite/0022_audit_terms.sql")),
    ),
];

/// Connections kept open for reuse; more are opened under load and closed
/// when the pool is full. Enough for a busy office: opening a connection
/// (schema, pragmas) costs far more than a search.
const POOL_SIZE: usize = 64;

pub struct SqliteStore {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed, readable by its owner only) the store file
    /// and applies migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        // SQLite would create the file 0644 under the usual umask, and its
        // -wal and -shm files take the main file's mode.
        crate::private_fs::create_if_missing(path).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", path.display()))
        })?;
        let store = Self {
            path: path.to_path_buf(),
            pool: Mutex::new(Vec::new()),
        };
        let mut conn = store.connect()?;
        migrate(&mut conn)?;
        store.give_back(conn);
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the whole store into a new file at `dest` with SQLite's
    /// online backup API, in one step: the copy is the store as one read
    /// transaction saw it, while the service goes on writing (WAL readers
    /// do not block writers). A write that lands mid-copy would make SQLite
    /// restart it, so a busy store is retried a few times.
    pub fn snapshot(&self, dest: &Path) -> StoreResult<()> {
        use rusqlite::backup::{Backup, StepResult};
        let src = self.connect()?;
        crate::private_fs::create_if_missing(dest).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", dest.display()))
        })?;
        let mut copy = Connection::open(dest).map_err(unavailable)?;
        let backup = Backup::new(&src, &mut copy).map_err(unavailable)?;
        for _ in 0..100 {
            match backup.step(-1).map_err(unavailable)? {
                StepResult::Done => return Ok(()),
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        Err(StoreError::Unavailable(
            "the store stayed busy for the whole backup; try again".into(),
        ))
    }

    fn connect(&self) -> StoreResult<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(unavailable)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(unavailable)?;
        // WAL: readers never wait for the writer. FULL: a commit is on disk
        // before it returns, which the audit log's promise needs.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(unavailable)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(unavailable)?;
        // Pages are copied with pread(2), never mapped: every access-log
        // commit makes each reader drop its page cache at its next read,
        // and a mapped reader then unmaps the whole file and faults its
        // pages in again, which under load costs more than the copies
        // (docs/performance.md, "Search under load").
        conn.pragma_update(None, "mmap_size", 0)
            .map_err(unavailable)?;
        Ok(conn)
    }

    fn take(&self) -> StoreResult<Connection> {
        let pooled = self.pool.lock().ok().and_then(|mut pool| pool.pop());
        match pooled {
            Some(conn) => Ok(conn),
            None => self.connect(),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut pool) = self.pool.lock()
            && pool.len() < POOL_SIZE
        {
            pool.push(conn);
        }
    }

    /// Runs `f` on a pooled connection. A connection that failed is dropped,
    /// not reused, so a broken handle cannot poison later requests.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.take()?;
        let result = f(&mut conn);
        if result.is_ok() {
            self.give_back(conn);
        }
        result
    }

    /// Runs `f` in one `IMMEDIATE` transaction (the write lock is taken
    /// before anything is read, so what `f` reads is what it writes over,
    /// even with other processes writing) and commits it.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        self.with(|c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let value = f(&tx)?;
            tx.commit().map_err(unavailable)?;
            Ok(value)
        })
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(unavailable)?;
    for (target, migration) in MIGRATIONS {
        if *target > version {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            match migration {
                Migration::Sql(sql) => tx.execute_batch(sql).map_err(unavailable)?,
                Migration::Code(step) => step(&tx)?,
            }
            tx.pragma_update(None, "user_version", target)
                .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
        }
    }
    Ok(())
}
