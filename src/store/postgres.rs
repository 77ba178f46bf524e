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

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ::postgres::config::SslMode;
use ::postgres::error::SqlState;
use ::postgres::types::ToSql;
use ::postgres::{Client, Config, NoTls, Row};
use r2d2_postgres::PostgresConnectionManager;
use time::OffsetDateTime;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::chain::{self, AuditEntry, AuditRecord, format_time, parse_time};
use super::sqlite::{contains_pattern, prefix_upper_bound, split_subjects};
use super::*;

mod journal_tx;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/postgres/0001_init.sql")),
    (2, include_str!("migrations/postgres/0002_terminals.sql")),
    (3, include_str!("migrations/postgres/0003_login_guard.sql")),
];

/// Advisory lock keys ("bansho" in ASCII, plus a tag). Advisory locks are
/// per database, so stores in different databases never contend.
const MIGRATION_LOCK: i64 = 0x62_61_6e_73_68_6f_00_01;
const AUDIT_LOCK: i64 = 0x62_61_6e_73_68_6f_00_02;

/// Rows per multi-row INSERT (PostgreSQL allows 65535 parameters).
const INSERT_CHUNK: usize = 1000;

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

fn pool_error(e: r2d2::Error) -> StoreError {
    StoreError::Unavailable(format!("no PostgreSQL connection: {e}"))
}

/// Connection failures are logged through `tracing`, not `log`, and the
/// last one is kept for the error message of a failed open.
#[derive(Debug, Default, Clone)]
struct TracingErrors {
    last: Arc<std::sync::Mutex<Option<String>>>,
}

impl TracingErrors {
    fn last(&self) -> Option<String> {
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

/// The text of an error, including the server's message.
fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", e, db.code().code(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

fn db_error(e: ::postgres::Error) -> StoreError {
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

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn get<'a, T: ::postgres::types::FromSql<'a>>(row: &'a Row, index: usize) -> StoreResult<T> {
    row.try_get(index)
        .map_err(|e| StoreError::Corrupt(format!("column {index}: {e}")))
}

fn terminal_from_row(row: &postgres::Row) -> StoreResult<TerminalRow> {
    let created: String = row.try_get(2).map_err(db_error)?;
    let revoked: Option<String> = row.try_get(3).map_err(db_error)?;
    Ok(TerminalRow {
        name: row.try_get(0).map_err(db_error)?,
        fingerprint: row.try_get(1).map_err(db_error)?,
        created_at: time_col(&created)?,
        revoked_at: revoked.as_deref().map(time_col).transpose()?,
    })
}

fn time_col(text: &str) -> StoreResult<OffsetDateTime> {
    parse_time(text).ok_or_else(|| corrupt("timestamp"))
}

/// A URL split into what the driver understands and what bansho handles
/// itself (`sslrootcert`, the `verify-*` modes).
#[derive(Debug)]
struct ParsedUrl {
    config: Config,
    root_cert: Option<PathBuf>,
    tls: bool,
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_url(url: &str, options: &PgOptions) -> Result<ParsedUrl, PgOpenError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(PgOpenError::Url(
            "expected postgres://user@host:port/database[?sslmode=require&sslrootcert=FILE]".into(),
        ));
    }
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut kept: Vec<String> = Vec::new();
    let mut root_cert = None;
    let mut verify = false;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, value) {
            ("sslrootcert", path) => root_cert = Some(PathBuf::from(percent_decode(path))),
            ("sslmode", "verify-ca" | "verify-full") => {
                verify = true;
                kept.push("sslmode=require".into());
            }
            _ => kept.push(pair.to_string()),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = Config::from_str(&rebuilt).map_err(|e| PgOpenError::Url(describe(&e)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name("bansho");
    }
    let tls = verify || config.get_ssl_mode() == SslMode::Require;
    if root_cert.is_some() && !tls {
        return Err(PgOpenError::Url(
            "sslrootcert needs sslmode=require (or verify-ca / verify-full)".into(),
        ));
    }
    Ok(ParsedUrl {
        config,
        root_cert,
        tls,
    })
}

/// `user@host:port/database`, without the password.
fn target(config: &Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            ::postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            ::postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        if host.is_empty() { "localhost" } else { &host },
        port,
        config.get_dbname().unwrap_or("")
    )
}

fn tls_connector(root_cert: Option<&PathBuf>) -> Result<MakeRustlsConnect, PgOpenError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| PgOpenError::Tls(format!("cannot read {}: {e}", path.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    PgOpenError::Tls(format!("bad certificate in {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    PgOpenError::Tls(format!("unusable certificate in {}: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(PgOpenError::Tls(format!(
                    "{} holds no certificate",
                    path.display()
                )));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PgOpenError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn build_pool<T>(
    manager: PostgresConnectionManager<T>,
    options: &PgOptions,
) -> Result<r2d2::Pool<PostgresConnectionManager<T>>, StoreError>
where
    T: ::postgres::tls::MakeTlsConnect<::postgres::Socket> + Clone + 'static + Sync + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as ::postgres::tls::TlsConnect<::postgres::Socket>>::Future: Send,
{
    let max = options.max_connections.max(1);
    let errors = TracingErrors::default();
    r2d2::Pool::builder()
        .max_size(max)
        .min_idle(Some(options.min_idle.min(max)))
        .connection_timeout(options.acquire_timeout)
        // Check each connection before use: after a database restart the
        // dead ones are dropped and fresh ones opened.
        .test_on_check_out(true)
        .idle_timeout(Some(Duration::from_secs(600)))
        .max_lifetime(Some(Duration::from_secs(1800)))
        .error_handler(Box::new(errors.clone()))
        .build(manager)
        .map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot connect to PostgreSQL: {}",
                errors.last().unwrap_or_else(|| e.to_string())
            ))
        })
}

impl PostgresStore {
    /// Connects, checks the server's durability settings and applies
    /// migrations.
    pub fn open(url: &str, options: &PgOptions) -> Result<Self, PgOpenError> {
        let parsed = parse_url(url, options)?;
        let target = target(&parsed.config);
        let pool = if parsed.tls {
            let tls = tls_connector(parsed.root_cert.as_ref())?;
            Pool::Tls(build_pool(
                PostgresConnectionManager::new(parsed.config, tls),
                options,
            )?)
        } else {
            Pool::Plain(build_pool(
                PostgresConnectionManager::new(parsed.config, NoTls),
                options,
            )?)
        };
        let store = Self {
            pool: Some(pool),
            target,
            tls: parsed.tls,
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
    for (version, sql) in MIGRATIONS {
        if !applied.contains(version) {
            tx.batch_execute(sql).map_err(db_error)?;
            tx.execute(
                "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)",
                &[version, &format_time(OffsetDateTime::now_utc())],
            )
            .map_err(db_error)?;
        }
    }
    tx.commit().map_err(db_error)
}

const STAFF_COLUMNS: &str = "user_id, display_name, role, department, pin_hash, totp_secret_enc, \
     last_totp_step, disabled, created_at";

fn staff_from_row(row: &Row) -> StoreResult<StaffRow> {
    let created: String = get(row, 8)?;
    Ok(StaffRow {
        user_id: get(row, 0)?,
        display_name: get(row, 1)?,
        role: get(row, 2)?,
        department: get(row, 3)?,
        pin_hash: get(row, 4)?,
        totp_secret_enc: get(row, 5)?,
        last_totp_step: get(row, 6)?,
        disabled: get(row, 7)?,
        created_at: time_col(&created)?,
    })
}

fn guard_from_row(row: &Row) -> StoreResult<LoginGuardRow> {
    let locked: Option<String> = get(row, 1)?;
    let last: String = get(row, 2)?;
    Ok(LoginGuardRow {
        attempts: get(row, 0)?,
        locked_until: locked.as_deref().map(time_col).transpose()?,
        last_at: time_col(&last)?,
    })
}

/// Makes room for one more tracked user ID: quiet counts go first, then,
/// past the cap, the unlocked ones attempted longest ago.
fn prune_login_guard(
    tx: &mut ::postgres::Transaction<'_>,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<()> {
    let now_text = format_time(now);
    tx.execute(
        "DELETE FROM login_guard WHERE last_at < $1 AND (locked_until IS NULL OR locked_until <= $2)",
        &[&format_time(now - policy.forget_after), &now_text],
    )
    .map_err(db_error)?;
    let tracked: i64 = get(
        &tx.query_one("SELECT count(*) FROM login_guard", &[])
            .map_err(db_error)?,
        0,
    )?;
    let cap = i64::try_from(policy.max_tracked).unwrap_or(i64::MAX).max(1);
    if tracked >= cap {
        let excess: i64 = tracked - cap + 1;
        tx.execute(
            "DELETE FROM login_guard WHERE key IN (
                 SELECT key FROM login_guard
                 WHERE locked_until IS NULL OR locked_until <= $1
                 ORDER BY last_at LIMIT $2)",
            &[&now_text as &(dyn ToSql + Sync), &excess],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

const RESIDENT_COLUMNS: &str = "person_number, my_number_enc, my_number_index, name, kana, name_key, \
     kana_key, birth_date, sex, postal_code, address, address_key, status, support_measure";
const RESIDENT_WIDTH: usize = 14;

fn resident_from_row(row: &Row) -> StoreResult<ResidentRow> {
    Ok(ResidentRow {
        person_number: get(row, 0)?,
        my_number_enc: get(row, 1)?,
        my_number_index: get(row, 2)?,
        name: get(row, 3)?,
        kana: get(row, 4)?,
        name_key: get(row, 5)?,
        kana_key: get(row, 6)?,
        birth_date: get(row, 7)?,
        sex: get(row, 8)?,
        postal_code: get(row, 9)?,
        address: get(row, 10)?,
        address_key: get(row, 11)?,
        status: get(row, 12)?,
        support_measure: get(row, 13)?,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, user_id, terminal, action, subjects, query_hmac, purpose, \
     outcome, detail, sensitive, prev_hash, hash";
const AUDIT_WIDTH: usize = 13;

fn audit_from_row(row: &Row) -> StoreResult<AuditRecord> {
    let at: String = get(row, 1)?;
    let subjects: String = get(row, 5)?;
    Ok(AuditRecord {
        seq: get(row, 0)?,
        entry: AuditEntry {
            at: time_col(&at)?,
            user_id: get(row, 2)?,
            terminal: get(row, 3)?,
            action: get(row, 4)?,
            subjects: split_subjects(&subjects),
            query_hmac: get(row, 6)?,
            purpose: get(row, 7)?,
            outcome: get(row, 8)?,
            detail: get(row, 9)?,
            sensitive: get(row, 10)?,
        },
        prev_hash: get(row, 11)?,
        hash: get(row, 12)?,
    })
}

/// `($1,...,$width), ($width+1, ...)` for `rows` rows.
fn values_list(rows: usize, width: usize) -> String {
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

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store for PostgresStore {
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.with(|c| {
            c.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .map_err(db_error)?
                .map(|r| get(&r, 0))
                .transpose()
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO meta(key, value) VALUES ($1, $2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn purposes(&self) -> StoreResult<Vec<PurposeRow>> {
        self.with(|c| {
            c.query(
                "SELECT code, name_ja, name_en FROM purposes ORDER BY code COLLATE \"C\"",
                &[],
            )
            .map_err(db_error)?
            .iter()
            .map(|r| {
                Ok(PurposeRow {
                    code: get(r, 0)?,
                    name_ja: get(r, 1)?,
                    name_en: get(r, 2)?,
                })
            })
            .collect()
        })
    }

    fn upsert_purpose(&self, p: &PurposeRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO purposes(code, name_ja, name_en) VALUES ($1, $2, $3)
                 ON CONFLICT(code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en",
                &[&p.code, &p.name_ja, &p.name_en],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn insert_staff(&self, s: &StaffRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                &format!("INSERT INTO staff({STAFF_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"),
                &[
                    &s.user_id,
                    &s.display_name,
                    &s.role,
                    &s.department,
                    &s.pin_hash,
                    &s.totp_secret_enc,
                    &s.last_totp_step,
                    &s.disabled,
                    &format_time(s.created_at),
                ],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn staff(&self, user_id: &str) -> StoreResult<Option<StaffRow>> {
        self.with(|c| {
            c.query_opt(
                &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE user_id = $1"),
                &[&user_id],
            )
            .map_err(db_error)?
            .as_ref()
            .map(staff_from_row)
            .transpose()
        })
    }

    fn list_staff(&self) -> StoreResult<Vec<StaffRow>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY user_id"),
                &[],
            )
            .map_err(db_error)?
            .iter()
            .map(staff_from_row)
            .collect()
        })
    }

    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
    ) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE staff SET pin_hash = $2, totp_secret_enc = $3, last_totp_step = NULL,
                 last_totp_terminal = NULL WHERE user_id = $1",
                &[&user_id, &pin_hash, &totp_secret_enc],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn claim_login_attempt(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> StoreResult<AttemptClaim> {
        self.with(|c| {
            let mut tx = c.transaction().map_err(db_error)?;
            // The row exists before it is locked, so two first attempts on
            // two instances cannot both insert; FOR UPDATE then makes every
            // other claim of the key wait for this transaction.
            let inserted = tx
                .execute(
                    "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                     VALUES ($1, 0, NULL, $2) ON CONFLICT (key) DO NOTHING",
                    &[&key, &format_time(now)],
                )
                .map_err(db_error)?;
            if inserted == 1 {
                prune_login_guard(&mut tx, now, policy)?;
            }
            let current = tx
                .query_opt(
                    "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = $1 FOR UPDATE",
                    &[&key],
                )
                .map_err(db_error)?
                .as_ref()
                .map(guard_from_row)
                .transpose()?
                .filter(|_| inserted == 0);
            let (next, claim) = LoginGuardRow::claim(current, now, policy);
            tx.execute(
                "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET attempts = EXCLUDED.attempts,
                     locked_until = EXCLUDED.locked_until, last_at = EXCLUDED.last_at",
                &[
                    &key,
                    &next.attempts,
                    &next.locked_until.map(format_time),
                    &format_time(next.last_at),
                ],
            )
            .map_err(db_error)?;
            tx.commit().map_err(db_error)?;
            Ok(claim)
        })
    }

    fn refund_login_attempt(&self, key: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE login_guard SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
                &[&key],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn clear_login_attempts(&self, key: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM login_guard WHERE key = $1", &[&key])
                .map(|_| ())
                .map_err(db_error)
        })
    }

    fn login_guard(&self, key: &[u8]) -> StoreResult<Option<LoginGuardRow>> {
        self.with(|c| {
            c.query_opt(
                "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = $1",
                &[&key],
            )
            .map_err(db_error)?
            .as_ref()
            .map(guard_from_row)
            .transpose()
        })
    }

    fn login_guard_count(&self) -> StoreResult<u64> {
        self.with(|c| {
            let n: i64 = get(
                &c.query_one("SELECT count(*) FROM login_guard", &[])
                    .map_err(db_error)?,
                0,
            )?;
            Ok(n.max(0) as u64)
        })
    }

    fn claim_totp_step(&self, user_id: &str, step: i64, terminal: &str) -> StoreResult<TotpClaim> {
        self.with(|c| {
            // One conditional UPDATE: a concurrent claimer waits for the row
            // lock, re-checks the condition on the committed row and loses.
            let changed = c
                .execute(
                    "UPDATE staff SET last_totp_step = $2, last_totp_terminal = $3
                     WHERE user_id = $1 AND (last_totp_step IS NULL OR last_totp_step < $2)",
                    &[&user_id, &step, &terminal],
                )
                .map_err(db_error)?;
            if changed == 1 {
                return Ok(TotpClaim::Claimed);
            }
            let row = c
                .query_opt(
                    "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = $1",
                    &[&user_id],
                )
                .map_err(db_error)?;
            Ok(match row {
                Some(r) => TotpClaim::AlreadyUsed {
                    last_step: get(&r, 0)?,
                    terminal: get(&r, 1)?,
                },
                None => TotpClaim::AlreadyUsed {
                    last_step: None,
                    terminal: None,
                },
            })
        })
    }

    fn insert_terminal(&self, t: &TerminalRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES ($1, $2, $3, $4)",
                &[
                    &t.name,
                    &t.fingerprint,
                    &format_time(t.created_at),
                    &t.revoked_at.map(format_time),
                ],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn terminals(&self) -> StoreResult<Vec<TerminalRow>> {
        self.with(|c| {
            c.query(
                "SELECT name, fingerprint, created_at, revoked_at FROM terminals ORDER BY name",
                &[],
            )
            .map_err(db_error)?
            .iter()
            .map(terminal_from_row)
            .collect()
        })
    }

    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>> {
        self.with(|c| {
            c.query_opt(
                "SELECT name, fingerprint, created_at, revoked_at FROM terminals WHERE fingerprint = $1",
                &[&fingerprint],
            )
            .map_err(db_error)?
            .as_ref()
            .map(terminal_from_row)
            .transpose()
        })
    }

    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE terminals SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &format_time(at)],
            )
            .map(|n| n == 1)
            .map_err(db_error)
        })
    }

    fn insert_session(&self, s: &SessionRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO sessions(token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &s.token_hash,
                    &s.user_id,
                    &s.terminal,
                    &s.purpose,
                    &format_time(s.created_at),
                    &format_time(s.last_seen_at),
                    &format_time(s.expires_at),
                ],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>> {
        self.with(|c| {
            let row = c
                .query_opt(
                    "SELECT token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at
                     FROM sessions WHERE token_hash = $1",
                    &[&token_hash],
                )
                .map_err(db_error)?;
            row.map(|r| {
                let created: String = get(&r, 4)?;
                let seen: String = get(&r, 5)?;
                let expires: String = get(&r, 6)?;
                Ok(SessionRow {
                    token_hash: get(&r, 0)?,
                    user_id: get(&r, 1)?,
                    terminal: get(&r, 2)?,
                    purpose: get(&r, 3)?,
                    created_at: time_col(&created)?,
                    last_seen_at: time_col(&seen)?,
                    expires_at: time_col(&expires)?,
                })
            })
            .transpose()
        })
    }

    fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                &[&token_hash, &format_time(now)],
            )
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
                .map(|_| ())
                .map_err(db_error)
        })
    }

    fn choose_session_purpose(&self, token_hash: &[u8], purpose: &str) -> StoreResult<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET purpose = $2 WHERE token_hash = $1 AND purpose IS NULL",
                &[&token_hash, &purpose],
            )
            .map(|n| n == 1)
            .map_err(db_error)
        })
    }

    fn insert_residents(&self, rows: &[ResidentRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let mut tx = c.transaction().map_err(db_error)?;
            for chunk in rows.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "INSERT INTO residents({RESIDENT_COLUMNS}) VALUES {}",
                    values_list(chunk.len(), RESIDENT_WIDTH)
                );
                let mut params: Vec<&(dyn ToSql + Sync)> =
                    Vec::with_capacity(chunk.len() * RESIDENT_WIDTH);
                for r in chunk {
                    params.extend_from_slice(&[
                        &r.person_number,
                        &r.my_number_enc,
                        &r.my_number_index,
                        &r.name,
                        &r.kana,
                        &r.name_key,
                        &r.kana_key,
                        &r.birth_date,
                        &r.sex,
                        &r.postal_code,
                        &r.address,
                        &r.address_key,
                        &r.status,
                        &r.support_measure,
                    ]);
                }
                tx.execute(&sql, &params).map_err(db_error)?;
            }
            tx.commit().map_err(db_error)
        })
    }

    fn search_residents(&self, q: &ResidentQuery, limit: usize) -> StoreResult<Vec<ResidentRow>> {
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let next = |value: Box<dyn ToSql + Sync>, values: &mut Vec<Box<dyn ToSql + Sync>>| {
            values.push(value);
            format!("${}", values.len())
        };
        for index in &q.my_number_index {
            let p = next(Box::new(index.clone()), &mut values);
            clauses.push(format!("my_number_index = {p}"));
        }
        for pn in &q.person_numbers {
            let p = next(Box::new(pn.clone()), &mut values);
            clauses.push(format!("person_number = {p}"));
        }
        for date in &q.birth_dates {
            let p = next(Box::new(date.clone()), &mut values);
            clauses.push(format!("birth_date = {p}"));
        }
        // The columns are COLLATE "C": byte order, as in SQLite.
        for prefix in &q.kana_prefixes {
            let low = next(Box::new(prefix.clone()), &mut values);
            let high = next(Box::new(prefix_upper_bound(prefix)), &mut values);
            clauses.push(format!("kana_key >= {low} AND kana_key < {high}"));
        }
        for prefix in &q.name_prefixes {
            let low = next(Box::new(prefix.clone()), &mut values);
            let high = next(Box::new(prefix_upper_bound(prefix)), &mut values);
            clauses.push(format!("name_key >= {low} AND name_key < {high}"));
        }
        // SQLite's LIKE ignores ASCII case; ILIKE under the "C" collation
        // folds exactly ASCII too.
        for fragment in &q.address_fragments {
            let p = next(Box::new(contains_pattern(fragment)), &mut values);
            clauses.push(format!("address_key ILIKE {p} ESCAPE '\\'"));
        }
        if q.excludes_protected() {
            clauses.push("NOT support_measure".into());
        }
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE {} \
             ORDER BY kana_key, birth_date, person_number LIMIT {}",
            clauses.join(" AND "),
            limit_of(limit)
        );
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        self.with(|c| {
            c.query(&sql, &params)
                .map_err(db_error)?
                .iter()
                .map(resident_from_row)
                .collect()
        })
    }

    fn resident(&self, person_number: &str) -> StoreResult<Option<ResidentRow>> {
        self.with(|c| {
            c.query_opt(
                &format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE person_number = $1"),
                &[&person_number],
            )
            .map_err(db_error)?
            .as_ref()
            .map(resident_from_row)
            .transpose()
        })
    }

    fn resident_count(&self) -> StoreResult<u64> {
        self.with(|c| {
            let row = c
                .query_one("SELECT count(*) FROM residents", &[])
                .map_err(db_error)?;
            let n: i64 = get(&row, 0)?;
            Ok(n.max(0) as u64)
        })
    }

    fn commit(
        &self,
        key: &chain::ChainKey,
        now: OffsetDateTime,
        items: Vec<journal::Item>,
        fail: journal::FailPoint,
    ) -> StoreResult<Vec<journal::Committed>> {
        self.with(|c| {
            let mut tx = c.transaction().map_err(db_error)?;
            let mut journal = journal_tx::PgJournal(&mut tx);
            journal.lock()?;
            let committed = journal::write(&mut journal, key, now, items, fail)?;
            // With synchronous_commit on (checked at open), COMMIT returns
            // only once the WAL is flushed.
            tx.commit().map_err(db_error)?;
            Ok(committed)
        })
    }

    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&after, &limit_of(limit)],
            )
            .map_err(db_error)?
            .iter()
            .map(audit_from_row)
            .collect()
        })
    }

    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1"),
                &[&limit_of(limit)],
            )
            .map_err(db_error)?
            .iter()
            .map(audit_from_row)
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_number_every_parameter() {
        assert_eq!(values_list(2, 3), "($1,$2,$3),($4,$5,$6)");
    }

    #[test]
    fn urls_keep_driver_options_and_take_ours_out() {
        let options = PgOptions::default();
        let parsed = parse_url(
            "postgres://bansho:secret@db.example:6432/city?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            &options,
        )
        .unwrap();
        assert!(parsed.tls);
        assert_eq!(parsed.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(parsed.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(parsed.config.get_application_name(), Some("x"));
        assert_eq!(target(&parsed.config), "bansho@db.example:6432/city");
        assert_eq!(
            parsed.config.get_connect_timeout(),
            Some(&options.connect_timeout)
        );

        let plain = parse_url("postgresql://u@h/d", &options).unwrap();
        assert!(!plain.tls);
        assert!(parse_url("mysql://u@h/d", &options).is_err());
        assert!(parse_url("postgres://u@h/d?sslrootcert=/x.pem", &options).is_err());
    }
}
