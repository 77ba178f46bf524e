//! The PostgreSQL store: several service instances on one database, with the
//! same guarantees as the embedded SQLite store.
//!
//! - Connections come from an r2d2 pool; each one is checked before it is
//!   handed out, so after a database restart the pool reconnects by itself
//!   and the service never needs restarting. A database that cannot be
//!   reached gives `StoreError::Unavailable` (503), never a hang: acquiring
//!   a connection times out.
//! - The access log stays one chain with many appenders: `append_audit`
//!   takes a transaction-scoped advisory lock before reading the tail.
//! - Migrations run on open, in one transaction under an advisory lock, so
//!   instances starting together do not race.
//! - On open the server's durability settings are checked: with `fsync`,
//!   `synchronous_commit` or `full_page_writes` off a committed audit row may
//!   be lost in a crash, so the store refuses to open unless told otherwise.
//! - TLS (rustls, no OpenSSL) with `sslmode=require` (or `verify-ca`,
//!   `verify-full`): the server certificate is always verified, against
//!   `sslrootcert=FILE` if given, else the bundled web PKI roots.
//!
//! Each aggregate's file holds its trait implementation and its writes as
//! free functions over a client or transaction, so a caller holding one
//! transaction can run several of them.

pub(crate) mod audit;
mod caller;
mod connect;
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

use std::sync::Arc;
use std::time::Duration;

use ::postgres::{Client, NoTls, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use time::OffsetDateTime;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::chain::format_time;
use super::{StoreError, StoreResult};
use connect::{build_pool, parse_url, target, tls_connector};
use sql::{db_error, describe, get};

/// One step of the schema, recorded in `schema_migrations`.
enum Migration {
    Sql(&'static str),
    /// Data that SQL cannot compute: search keys made by the domain's rules.
    Code(fn(&mut Transaction<'_>) -> StoreResult<()>),
}

const MIGRATIONS: &[(i64, Migration)] = &[
    (
        1,
        Migration::Sql(include_str!("../migrations/postgres/0001_init.sql")),
    ),
    (
        2,
        Migration::Sql(include_str!("../migrations/postgres/0002_terminals.sql")),
    ),
    (
        3,
        Migration::Sql(include_str!("../migrations/postgres/0003_login_guard.sql")),
    ),
    // Hyphenated and written addresses share one key (`5-23-3` finds
    // 5丁目23番3号).
    (4, Migration::Code(rekey::address_keys)),
    (
        5,
        Migration::Sql(include_str!("../migrations/postgres/0005_entries.sql")),
    ),
    (
        6,
        Migration::Sql(include_str!("../migrations/postgres/0006_corrections.sql")),
    ),
    (
        7,
        Migration::Sql(include_str!("../migrations/postgres/0007_reverify.sql")),
    ),
    (
        8,
        Migration::Sql(include_str!("../migrations/postgres/0008_batches.sql")),
    ),
    (
        9,
        Migration::Sql(include_str!("../migrations/postgres/0009_claims.sql")),
    ),
    (
        10,
        Migration::Sql(include_str!("../migrations/postgres/0010_transfers.sql")),
    ),
    (
        11,
        Migration::Sql(include_str!("../migrations/postgres/0011_checkpoints.sql")),
    ),
    (
        12,
        Migration::Sql(include_str!("../migrations/postgres/0012_retention.sql")),
    ),
    (
        13,
        Migration::Sql(include_str!("../migrations/postgres/0013_cosignatures.sql")),
    ),
    (
        14,
        Migration::Sql(include_str!("../migrations/postgres/0014_audit_review.sql")),
    ),
    (
        15,
        Migration::Sql(include_str!("../migrations/postgres/0015_grants.sql")),
    ),
    (
        16,
        Migration::Sql(include_str!("../migrations/postgres/0016_pin_change.sql")),
    ),
    (
        17,
        Migration::Sql(include_str!("../migrations/postgres/0017_roster.sql")),
    ),
    (
        18,
        Migration::Sql(include_str!(
            "../migrations/postgres/0018_audit_subjects_seq.sql"
        )),
    ),
];

/// Advisory lock keys ("bansho" in ASCII, plus a tag). Advisory locks are
/// per database, so stores in different databases never contend.
const MIGRATION_LOCK: i64 = 0x62_61_6e_73_68_6f_00_01;

/// How a PostgreSQL store is opened.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Run even when the server may lose committed transactions in a crash.
    pub allow_unsafe_durability: bool,
    /// Most connections this instance holds open.
    pub max_connections: u32,
    /// Connections kept open while idle.
    pub min_idle: u32,
    /// How long a request waits for a connection before it gets a 503.
    pub acquire_timeout: Duration,
    /// TCP connect timeout, unless the URL sets `connect_timeout`.
    pub connect_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            allow_unsafe_durability: false,
            max_connections: 16,
            min_idle: 2,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PgOpenError {
    #[error("invalid PostgreSQL URL: {0}")]
    Url(String),
    #[error("TLS to PostgreSQL: {0}")]
    Tls(String),
    #[error(
        "refusing to run: the PostgreSQL server has {setting} = {value}, so {why}. \
         Turn it on in postgresql.conf (or for the database/role), or start with \
         --allow-unsafe-durability if losing committed records is acceptable (test systems only)"
    )]
    UnsafeDurability {
        setting: &'static str,
        value: String,
        why: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

type PlainPool = r2d2::Pool<PostgresConnectionManager<NoTls>>;
type TlsPool = r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>;

enum Pool {
    Plain(PlainPool),
    Tls(TlsPool),
}

impl Pool {
    fn with<T>(&self, f: impl FnOnce(&mut Client) -> StoreResult<T>) -> StoreResult<T> {
        match self {
            Pool::Plain(pool) => {
                let mut conn = pool.get().map_err(pool_error)?;
                f(&mut conn)
            }
            Pool::Tls(pool) => {
                let mut conn = pool.get().map_err(pool_error)?;
                f(&mut conn)
            }
        }
    }
}

pub(super) fn pool_error(e: r2d2::Error) -> StoreError {
    StoreError::Unavailable(format!("no PostgreSQL connection: {e}"))
}

/// Connection failures are logged through `tracing`, not `log`, and the
/// last one is kept for the error message of a failed open.
#[derive(Debug, Default, Clone)]
pub(super) struct TracingErrors {
    last: Arc<std::sync::Mutex<Option<String>>>,
}

impl TracingErrors {
    pub(super) fn last(&self) -> Option<String> {
        self.last.lock().ok().and_then(|last| last.clone())
    }
}

impl r2d2::HandleError<::postgres::Error> for TracingErrors {
    fn handle_error(&self, error: ::postgres::Error) {
        let text = describe(&error);
        tracing::warn!(error = %text, "PostgreSQL connection failed");
        if let Ok(mut last) = self.last.lock() {
            *last = Some(text);
        }
    }
}

pub struct PostgresStore {
    /// `None` only while dropping.
    pool: Option<Pool>,
    target: String,
    tls: bool,
    durability: DurabilityWatch,
}

/// How often writes look at the server's durability settings again: a
/// setting turned off under a running service (`ALTER SYSTEM` and a
/// reload) is seen within this.
const DURABILITY_RECHECK: Duration = Duration::from_secs(5);

/// When the durability settings must be read again before a write: after
/// `DURABILITY_RECHECK`, after a new connection (a reconnect may meet
/// other settings), and before every write while they are unsafe.
#[derive(Debug)]
struct DurabilityWatch {
    allow_unsafe: bool,
    /// Set by the pool when it opens a connection.
    reconnected: Arc<std::sync::atomic::AtomicBool>,
    checked_at: std::sync::Mutex<Option<std::time::Instant>>,
}

impl DurabilityWatch {
    fn due(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.allow_unsafe {
            return false;
        }
        let reconnected = self.reconnected.swap(false, Ordering::AcqRel);
        let checked = self.checked_at.lock().map(|at| *at).unwrap_or(None);
        reconnected || checked.is_none_or(|at| at.elapsed() >= DURABILITY_RECHECK)
    }

    /// Reads the settings on `c`; an unsafe one refuses the write (503)
    /// and is logged, and the next write looks again.
    fn check(&self, c: &mut Client) -> StoreResult<()> {
        let unsafe_setting = check_durability(c)?;
        let mut checked = self
            .checked_at
            .lock()
            .map_err(|_| StoreError::Unavailable("durability check poisoned".into()))?;
        match unsafe_setting {
            None => {
                *checked = Some(std::time::Instant::now());
                Ok(())
            }
            Some((setting, value, why)) => {
                *checked = None;
                tracing::error!(
                    setting,
                    value = %value,
                    "PostgreSQL durability is off: writes are refused until it is on again"
                );
                Err(StoreError::Unavailable(format!(
                    "PostgreSQL has {setting} = {value}, so {why}: writes are refused until it is on"
                )))
            }
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .field("tls", &self.tls)
            .finish()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // A `postgres::Client` carries its own small runtime, which must not
        // be dropped on an async worker thread: close the pool on a plain one.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::Builder::new()
                .name("bansho-pg-close".into())
                .spawn(move || drop(pool))
                .map(|handle| handle.join());
        }
    }
}

impl PostgresStore {
    /// Connects, checks the server's durability settings and applies
    /// migrations.
    pub fn open(url: &str, options: &PgOptions) -> Result<Self, PgOpenError> {
        let parsed = parse_url(url, options)?;
        let target = target(&parsed.config);
        let reconnected = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let pool = if parsed.tls {
            let tls = tls_connector(parsed.root_cert.as_ref())?;
            Pool::Tls(build_pool(
                PostgresConnectionManager::new(parsed.config, tls),
                options,
                reconnected.clone(),
            )?)
        } else {
            Pool::Plain(build_pool(
                PostgresConnectionManager::new(parsed.config, NoTls),
                options,
                reconnected.clone(),
            )?)
        };
        let store = Self {
            pool: Some(pool),
            target,
            tls: parsed.tls,
            durability: DurabilityWatch {
                allow_unsafe: options.allow_unsafe_durability,
                reconnected,
                checked_at: std::sync::Mutex::new(None),
            },
        };
        let unsafe_setting = store.with(check_durability)?;
        if let Some((setting, value, why)) = unsafe_setting {
            if options.allow_unsafe_durability {
                tracing::warn!(
                    setting,
                    value = %value,
                    "PostgreSQL durability is off; running anyway as told (--allow-unsafe-durability)"
                );
            } else {
                return Err(PgOpenError::UnsafeDurability {
                    setting,
                    value,
                    why,
                });
            }
        }
        store.with(migrate)?;
        Ok(store)
    }

    /// `user@host:port/database` (no password).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Whether connections use TLS.
    pub fn tls(&self) -> bool {
        self.tls
    }

    fn with<T>(&self, f: impl FnOnce(&mut Client) -> StoreResult<T>) -> StoreResult<T> {
        match &self.pool {
            Some(pool) => pool.with(f),
            None => Err(StoreError::Unavailable("store closed".into())),
        }
    }

    /// Runs `f` in one transaction and commits it. With
    /// `synchronous_commit` on (checked at open, then again as
    /// [`DurabilityWatch`] says), COMMIT returns only once the WAL is
    /// flushed.
    fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        self.with(|c| {
            if self.durability.due() {
                self.durability.check(c)?;
            }
            let mut tx = c.transaction().map_err(db_error)?;
            let value = f(&mut tx)?;
            tx.commit().map_err(db_error)?;
            Ok(value)
        })
    }
}

type UnsafeSetting = (&'static str, String, &'static str);

/// The first setting that makes a commit less than durable, if any.
fn check_durability(c: &mut Client) -> StoreResult<Option<UnsafeSetting>> {
    let checks: [(&'static str, &'static str); 3] = [
        (
            "fsync",
            "committed data is not forced to disk and an OS crash or power cut can corrupt the database",
        ),
        (
            "synchronous_commit",
            "a commit returns before it is on disk and a crash loses the newest access-log rows and records",
        ),
        (
            "full_page_writes",
            "a crash during a page write can leave torn pages that recovery cannot repair",
        ),
    ];
    for (setting, why) in checks {
        let row = c
            .query_one(&format!("SHOW {setting}"), &[])
            .map_err(db_error)?;
        let value: String = get(&row, 0)?;
        if value.eq_ignore_ascii_case("off") {
            return Ok(Some((setting, value, why)));
        }
    }
    Ok(None)
}

fn migrate(c: &mut Client) -> StoreResult<()> {
    let mut tx = c.transaction().map_err(db_error)?;
    tx.batch_execute(&format!(
        "SET LOCAL client_min_messages = warning;
         SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
         CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             applied_at TEXT NOT NULL
         );"
    ))
    .map_err(db_error)?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .map_err(db_error)?
        .iter()
        .map(|r| get(r, 0))
        .collect::<StoreResult<_>>()?;
    for (version, migration) in MIGRATIONS {
        if !applied.contains(version) {
            match migration {
                Migration::Sql(sql) => tx.batch_execute(sql).map_err(db_error)?,
                Migration::Code(step) => step(&mut tx)?,
            }
            tx.execute(
                "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)",
                &[version, &format_time(OffsetDateTime::now_utc())],
            )
            .map_err(db_error)?;
        }
    }
    tx.commit().map_err(db_error)
}
