//! The embedded store: one SQLite file in WAL mode. Reads use a small pool of
//! connections; every write is one transaction with `synchronous=FULL`, so a
//! committed audit row survives a power cut.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use super::chain::{self, AuditEntry, AuditRecord, format_time, parse_time};
use super::*;

mod journal_tx;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/sqlite/0001_init.sql")),
    (2, include_str!("migrations/sqlite/0002_terminals.sql")),
    (3, include_str!("migrations/sqlite/0003_search_indexes.sql")),
    (4, include_str!("migrations/sqlite/0004_login_guard.sql")),
];

/// How much of the store file each connection may map into memory.
const MMAP_BYTES: i64 = 4 << 30;

/// Connections kept open for reuse; more are opened under load and closed
/// when the pool is full. Enough for a busy office: opening a connection
/// (schema, pragmas, mapping the file) costs far more than a search.
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

fn unavailable(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(e.to_string())
        }
        _ => StoreError::Unavailable(e.to_string()),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn time_col(text: String) -> Result<OffsetDateTime, StoreError> {
    parse_time(&text).ok_or_else(|| corrupt("timestamp"))
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
        // Reads map the file instead of copying pages through read(2): at
        // city scale a search touches pages all over a file of a gigabyte.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)
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
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(unavailable)?;
    for (target, sql) in MIGRATIONS {
        if *target > version {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            tx.execute_batch(sql).map_err(unavailable)?;
            tx.pragma_update(None, "user_version", target)
                .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
        }
    }
    Ok(())
}

const STAFF_COLUMNS: &str = "user_id, display_name, role, department, pin_hash, totp_secret_enc, \
     last_totp_step, disabled, created_at";

fn staff_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StaffRow, String)> {
    Ok((
        StaffRow {
            user_id: row.get(0)?,
            display_name: row.get(1)?,
            role: row.get(2)?,
            department: row.get(3)?,
            pin_hash: row.get(4)?,
            totp_secret_enc: row.get(5)?,
            last_totp_step: row.get(6)?,
            disabled: row.get::<_, i64>(7)? != 0,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        row.get(8)?,
    ))
}

fn finish_staff(parts: (StaffRow, String)) -> StoreResult<StaffRow> {
    let (mut staff, created) = parts;
    staff.created_at = time_col(created)?;
    Ok(staff)
}

fn insert_staff_row(c: &Connection, s: &StaffRow) -> StoreResult<()> {
    c.execute(
        &format!("INSERT INTO staff({STAFF_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"),
        params![
            s.user_id,
            s.display_name,
            s.role,
            s.department,
            s.pin_hash,
            s.totp_secret_enc,
            s.last_totp_step,
            i64::from(s.disabled),
            format_time(s.created_at),
        ],
    )
    .map(|_| ())
    .map_err(unavailable)
}

fn guard_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Option<String>, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn finish_guard(parts: (i64, Option<String>, String)) -> StoreResult<LoginGuardRow> {
    let (attempts, locked, last) = parts;
    Ok(LoginGuardRow {
        attempts,
        locked_until: locked.map(time_col).transpose()?,
        last_at: time_col(last)?,
    })
}

/// Makes room for one more tracked user ID: quiet counts go first, then,
/// past the cap, the unlocked ones attempted longest ago.
fn prune_login_guard(
    tx: &Connection,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> rusqlite::Result<()> {
    let now_text = format_time(now);
    tx.execute(
        "DELETE FROM login_guard WHERE last_at < ?1 AND (locked_until IS NULL OR locked_until <= ?2)",
        params![format_time(now - policy.forget_after), now_text],
    )?;
    let tracked: i64 = tx.query_row("SELECT count(*) FROM login_guard", [], |r| r.get(0))?;
    let cap = i64::try_from(policy.max_tracked).unwrap_or(i64::MAX).max(1);
    if tracked >= cap {
        tx.execute(
            "DELETE FROM login_guard WHERE key IN (
                 SELECT key FROM login_guard
                 WHERE locked_until IS NULL OR locked_until <= ?1
                 ORDER BY last_at LIMIT ?2)",
            params![now_text, tracked - cap + 1],
        )?;
    }
    Ok(())
}

const RESIDENT_COLUMNS: &str = "person_number, my_number_enc, my_number_index, name, kana, name_key, \
     kana_key, birth_date, sex, postal_code, address, address_key, status, support_measure";

fn resident_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ResidentRow> {
    Ok(ResidentRow {
        person_number: row.get(0)?,
        my_number_enc: row.get(1)?,
        my_number_index: row.get(2)?,
        name: row.get(3)?,
        kana: row.get(4)?,
        name_key: row.get(5)?,
        kana_key: row.get(6)?,
        birth_date: row.get(7)?,
        sex: row.get(8)?,
        postal_code: row.get(9)?,
        address: row.get(10)?,
        address_key: row.get(11)?,
        status: row.get(12)?,
        support_measure: row.get::<_, i64>(13)? != 0,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, user_id, terminal, action, subjects, query_hmac, purpose, \
     outcome, detail, sensitive, prev_hash, hash";

fn audit_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditRecord, String)> {
    let subjects: String = row.get(5)?;
    Ok((
        AuditRecord {
            seq: row.get(0)?,
            entry: AuditEntry {
                at: OffsetDateTime::UNIX_EPOCH,
                user_id: row.get(2)?,
                terminal: row.get(3)?,
                action: row.get(4)?,
                subjects: split_subjects(&subjects),
                query_hmac: row.get(6)?,
                purpose: row.get(7)?,
                outcome: row.get(8)?,
                detail: row.get(9)?,
                sensitive: row.get::<_, i64>(10)? != 0,
            },
            prev_hash: row.get(11)?,
            hash: row.get(12)?,
        },
        row.get(1)?,
    ))
}

fn finish_audit(parts: (AuditRecord, String)) -> StoreResult<AuditRecord> {
    let (mut record, at) = parts;
    record.entry.at = time_col(at)?;
    Ok(record)
}

fn terminal_row(
    (name, fingerprint, created, revoked): (String, String, String, Option<String>),
) -> StoreResult<TerminalRow> {
    Ok(TerminalRow {
        name,
        fingerprint,
        created_at: time_col(created)?,
        revoked_at: revoked.map(time_col).transpose()?,
    })
}

pub(crate) fn split_subjects(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(',').map(str::to_string).collect()
    }
}

/// The smallest string greater than every string starting with `prefix`.
pub(crate) fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// `LIKE` pattern matching `fragment` anywhere, with wildcards escaped.
pub(crate) fn contains_pattern(fragment: &str) -> String {
    let mut pattern = String::with_capacity(fragment.len() + 2);
    pattern.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether the trigram index can find candidates for `fragment`: three
/// characters or more (shorter ones have no trigram) and no LIKE wildcard
/// (the index takes no ESCAPE clause).
fn trigram_searchable(fragment: &str) -> bool {
    fragment.chars().count() >= 3 && !fragment.contains(['%', '_', '\\'])
}

/// Trigrams of a fragment the index is asked for.
const TRIGRAMS_MATCHED: usize = 2;

/// An FTS5 query for the rows holding a few rare trigrams of `fragment`.
/// Intersecting every trigram (what the index does for LIKE) walks the long
/// lists of common ones (`3丁目` is in a fifth of all addresses). Instead:
/// the rarest trigram, then the rarest that does not overlap it (overlapping
/// trigrams occur in the same rows, so they narrow little). Every candidate
/// is re-checked with LIKE, so the answer is exactly LIKE's.
fn rare_trigrams(c: &Connection, fragment: &str) -> StoreResult<String> {
    let chars: Vec<char> = fragment.chars().collect();
    let mut stmt = c
        .prepare_cached("SELECT docs FROM residents_address_stats WHERE gram = ?1")
        .map_err(unavailable)?;
    // (documents, position, trigram)
    let mut counted: Vec<(i64, usize, String)> = Vec::with_capacity(chars.len());
    for (position, window) in chars.windows(3).enumerate() {
        let gram: String = window.iter().collect();
        let docs: i64 = stmt
            .query_row([&gram], |r| r.get(0))
            .optional()
            .map_err(unavailable)?
            .unwrap_or(0);
        counted.push((docs, position, gram));
    }
    counted.sort();
    let mut chosen: Vec<&(i64, usize, String)> = Vec::with_capacity(TRIGRAMS_MATCHED);
    for candidate in &counted {
        if chosen.len() == TRIGRAMS_MATCHED {
            break;
        }
        if chosen.iter().all(|c| c.1.abs_diff(candidate.1) >= 3) {
            chosen.push(candidate);
        }
    }
    if chosen.len() < TRIGRAMS_MATCHED {
        // A short fragment: take the next rarest, overlapping or not.
        for candidate in &counted {
            if chosen.len() == TRIGRAMS_MATCHED {
                break;
            }
            if !chosen.iter().any(|c| c.1 == candidate.1) {
                chosen.push(candidate);
            }
        }
    }
    Ok(chosen
        .iter()
        .map(|(_, _, gram)| format!("\"{}\"", gram.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND "))
}

/// Recounts the trigrams of all addresses (planning data for
/// [`rare_trigrams`]); a second or so at 2 million residents.
fn refresh_trigram_stats(tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch(
        "DELETE FROM residents_address_stats;
         INSERT INTO residents_address_stats(gram, docs)
             SELECT term, doc FROM residents_address_vocab;",
    )
    .map_err(unavailable)
}

/// Rows per transaction of a bulk load into a store that already holds
/// residents (and so keeps its indexes while loading).
const LOAD_COMMIT_ROWS: u64 = 200_000;

impl SqliteStore {
    /// Bulk load (seeding): one connection with `synchronous=OFF` and a large
    /// page cache. Into an empty table the secondary indexes, the address
    /// trigram index and its triggers are dropped first and built once at
    /// the end, all in one transaction; into a filled one rows go in with the
    /// indexes in place, in large transactions. Either way the store is
    /// checkpointed and synced to disk before this returns.
    fn bulk_load(
        &self,
        batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
    ) -> StoreResult<u64> {
        let mut conn = self.connect()?;
        conn.pragma_update(None, "synchronous", "OFF")
            .map_err(unavailable)?;
        conn.pragma_update(None, "cache_size", -262_144)
            .map_err(unavailable)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(unavailable)?;
        // Index builds sort with a helper thread.
        conn.pragma_update(None, "threads", 2)
            .map_err(unavailable)?;
        let result = load_into(&mut conn, batches);
        // Whatever happened, leave nothing unsynced behind: back to FULL, and
        // the WAL copied into the database file and synced.
        let synced = conn
            .pragma_update(None, "synchronous", "FULL")
            .and_then(|_| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
            .map_err(unavailable);
        let loaded = result?;
        synced?;
        Ok(loaded)
    }
}

fn insert_resident_rows(tx: &rusqlite::Transaction<'_>, rows: &[ResidentRow]) -> StoreResult<()> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO residents({RESIDENT_COLUMNS})
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
        ))
        .map_err(unavailable)?;
    for r in rows {
        stmt.execute(params![
            r.person_number,
            r.my_number_enc,
            r.my_number_index,
            r.name,
            r.kana,
            r.name_key,
            r.kana_key,
            r.birth_date,
            r.sex,
            r.postal_code,
            r.address,
            r.address_key,
            r.status,
            i64::from(r.support_measure),
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

fn load_into(
    conn: &mut Connection,
    batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
) -> StoreResult<u64> {
    let empty: bool = conn
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM residents)", [], |r| {
            r.get(0)
        })
        .map_err(unavailable)?;
    let mut loaded = 0u64;
    if !empty {
        let mut tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(unavailable)?;
        let mut in_tx = 0u64;
        for batch in batches {
            let batch = batch?;
            insert_resident_rows(&tx, &batch)?;
            loaded += batch.len() as u64;
            in_tx += batch.len() as u64;
            if in_tx >= LOAD_COMMIT_ROWS {
                tx.commit().map_err(unavailable)?;
                tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                in_tx = 0;
            }
        }
        refresh_trigram_stats(&tx)?;
        tx.commit().map_err(unavailable)?;
        return Ok(loaded);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    // The schema's own definitions, so the rebuilt indexes and triggers are
    // exactly the ones the migrations made.
    let derived: Vec<(String, String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT type, name, sql FROM sqlite_master
                 WHERE tbl_name = 'residents' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)?
    };
    for (kind, name, _) in &derived {
        let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
        tx.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))
            .map_err(unavailable)?;
    }
    for batch in batches {
        let batch = batch?;
        insert_resident_rows(&tx, &batch)?;
        loaded += batch.len() as u64;
    }
    for (_, _, sql) in &derived {
        tx.execute_batch(sql).map_err(unavailable)?;
    }
    tx.execute(
        "INSERT INTO residents_address(residents_address) VALUES ('rebuild')",
        [],
    )
    .map_err(unavailable)?;
    refresh_trigram_stats(&tx)?;
    tx.commit().map_err(unavailable)?;
    Ok(loaded)
}

impl Store for SqliteStore {
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.with(|c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(unavailable)
        })
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn purposes(&self) -> StoreResult<Vec<PurposeRow>> {
        self.with(|c| {
            let mut stmt = c
                .prepare_cached("SELECT code, name_ja, name_en FROM purposes ORDER BY code")
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(PurposeRow {
                        code: r.get(0)?,
                        name_ja: r.get(1)?,
                        name_en: r.get(2)?,
                    })
                })
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })
    }

    fn upsert_purpose(&self, p: &PurposeRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO purposes(code, name_ja, name_en) VALUES (?1, ?2, ?3)
                 ON CONFLICT(code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en",
                [&p.code, &p.name_ja, &p.name_en],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn insert_staff(&self, s: &StaffRow) -> StoreResult<()> {
        self.with(|c| insert_staff_row(c, s))
    }

    fn staff(&self, user_id: &str) -> StoreResult<Option<StaffRow>> {
        let parts = self.with(|c| {
            c.prepare_cached(&format!(
                "SELECT {STAFF_COLUMNS} FROM staff WHERE user_id = ?1"
            ))
            .and_then(|mut s| s.query_row([user_id], staff_from_row).optional())
            .map_err(unavailable)
        })?;
        parts.map(finish_staff).transpose()
    }

    fn list_staff(&self) -> StoreResult<Vec<StaffRow>> {
        let parts = self.with(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {STAFF_COLUMNS} FROM staff ORDER BY user_id"
                ))
                .map_err(unavailable)?;
            let rows = stmt.query_map([], staff_from_row).map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })?;
        parts.into_iter().map(finish_staff).collect()
    }

    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
    ) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE staff SET pin_hash = ?2, totp_secret_enc = ?3, last_totp_step = NULL,
                 last_totp_terminal = NULL WHERE user_id = ?1",
                params![user_id, pin_hash, totp_secret_enc],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn claim_login_attempt(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> StoreResult<AttemptClaim> {
        self.with(|c| {
            // IMMEDIATE: the write lock is taken before the row is read, so
            // concurrent claims (from any process) are counted one by one.
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let current = tx
                .prepare_cached(
                    "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = ?1",
                )
                .and_then(|mut s| s.query_row([key], guard_from_row).optional())
                .map_err(unavailable)?
                .map(finish_guard)
                .transpose()?;
            if current.is_none() {
                prune_login_guard(&tx, now, policy).map_err(unavailable)?;
            }
            let (next, claim) = LoginGuardRow::claim(current, now, policy);
            if current != Some(next) {
                tx.execute(
                    "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(key) DO UPDATE SET attempts = excluded.attempts,
                         locked_until = excluded.locked_until, last_at = excluded.last_at",
                    params![
                        key,
                        next.attempts,
                        next.locked_until.map(format_time),
                        format_time(next.last_at)
                    ],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(claim)
        })
    }

    fn refund_login_attempt(&self, key: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE login_guard SET attempts = attempts - 1 WHERE key = ?1 AND attempts > 0",
                [key],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn clear_login_attempts(&self, key: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM login_guard WHERE key = ?1", [key])
                .map(|_| ())
                .map_err(unavailable)
        })
    }

    fn login_guard(&self, key: &[u8]) -> StoreResult<Option<LoginGuardRow>> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = ?1",
            )
            .and_then(|mut s| s.query_row([key], guard_from_row).optional())
            .map_err(unavailable)
        })?
        .map(finish_guard)
        .transpose()
    }

    fn login_guard_count(&self) -> StoreResult<u64> {
        self.with(|c| {
            c.query_row("SELECT count(*) FROM login_guard", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
            .map_err(unavailable)
        })
    }

    fn claim_totp_step(&self, user_id: &str, step: i64, terminal: &str) -> StoreResult<TotpClaim> {
        self.with(|c| {
            let changed = c
                .execute(
                    "UPDATE staff SET last_totp_step = ?2, last_totp_terminal = ?3
                     WHERE user_id = ?1 AND (last_totp_step IS NULL OR last_totp_step < ?2)",
                    params![user_id, step, terminal],
                )
                .map_err(unavailable)?;
            if changed == 1 {
                return Ok(TotpClaim::Claimed);
            }
            let (last_step, terminal) = c
                .query_row(
                    "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = ?1",
                    [user_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(unavailable)?
                .unwrap_or((None, None));
            Ok(TotpClaim::AlreadyUsed {
                last_step,
                terminal,
            })
        })
    }

    fn insert_terminal(&self, t: &TerminalRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    t.name,
                    t.fingerprint,
                    format_time(t.created_at),
                    t.revoked_at.map(format_time)
                ],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn terminals(&self) -> StoreResult<Vec<TerminalRow>> {
        let parts: Vec<(String, String, String, Option<String>)> = self.with(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT name, fingerprint, created_at, revoked_at FROM terminals ORDER BY name",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })?;
        parts.into_iter().map(terminal_row).collect()
    }

    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>> {
        let parts: Option<(String, String, String, Option<String>)> = self.with(|c| {
            c.prepare_cached(
                "SELECT name, fingerprint, created_at, revoked_at FROM terminals WHERE fingerprint = ?1",
            )
            .and_then(|mut s| {
                s.query_row([fingerprint], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(unavailable)
        })?;
        parts.map(terminal_row).transpose()
    }

    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE terminals SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, format_time(at)],
            )
            .map(|n| n == 1)
            .map_err(unavailable)
        })
    }

    fn insert_session(&self, s: &SessionRow) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO sessions(token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    s.token_hash,
                    s.user_id,
                    s.terminal,
                    s.purpose,
                    format_time(s.created_at),
                    format_time(s.last_seen_at),
                    format_time(s.expires_at),
                ],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>> {
        type Parts = (
            Vec<u8>,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
        );
        let parts: Option<Parts> = self.with(|c| {
            c.prepare_cached(
                "SELECT token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at
                 FROM sessions WHERE token_hash = ?1",
            )
            .and_then(|mut s| {
                s.query_row([token_hash], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
                .optional()
            })
            .map_err(unavailable)
        })?;
        parts
            .map(
                |(token_hash, user_id, terminal, purpose, created, seen, expires)| {
                    Ok(SessionRow {
                        token_hash,
                        user_id,
                        terminal,
                        purpose,
                        created_at: time_col(created)?,
                        last_seen_at: time_col(seen)?,
                        expires_at: time_col(expires)?,
                    })
                },
            )
            .transpose()
    }

    fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                params![token_hash, format_time(now)],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
                .map(|_| ())
                .map_err(unavailable)
        })
    }

    fn choose_session_purpose(&self, token_hash: &[u8], purpose: &str) -> StoreResult<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET purpose = ?2 WHERE token_hash = ?1 AND purpose IS NULL",
                params![token_hash, purpose],
            )
            .map(|n| n == 1)
            .map_err(unavailable)
        })
    }

    fn insert_residents(&self, rows: &[ResidentRow]) -> StoreResult<()> {
        self.with(|c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            insert_resident_rows(&tx, rows)?;
            tx.commit().map_err(unavailable)
        })
    }

    fn load_residents(
        &self,
        batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
    ) -> StoreResult<u64> {
        self.bulk_load(batches)
    }

    fn search_residents(&self, q: &ResidentQuery, limit: usize) -> StoreResult<Vec<ResidentRow>> {
        if q.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|c| {
            let mut clauses: Vec<&str> = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            for index in &q.my_number_index {
                clauses.push("my_number_index = ?");
                values.push(index.clone().into());
            }
            for pn in &q.person_numbers {
                clauses.push("person_number = ?");
                values.push(pn.clone().into());
            }
            for date in &q.birth_dates {
                clauses.push("birth_date = ?");
                values.push(date.clone().into());
            }
            for prefix in &q.kana_prefixes {
                clauses.push("kana_key >= ? AND kana_key < ?");
                values.push(prefix.clone().into());
                values.push(prefix_upper_bound(prefix).into());
            }
            for prefix in &q.name_prefixes {
                clauses.push("name_key >= ? AND name_key < ?");
                values.push(prefix.clone().into());
                values.push(prefix_upper_bound(prefix).into());
            }
            for fragment in &q.address_fragments {
                if trigram_searchable(fragment) {
                    // Candidates from the trigram index (rows holding its
                    // rarest trigrams), each re-checked with LIKE below.
                    clauses.push(
                        "rowid IN (SELECT rowid FROM residents_address WHERE residents_address MATCH ?)",
                    );
                    values.push(rare_trigrams(c, fragment)?.into());
                }
                clauses.push("address_key LIKE ? ESCAPE '\\'");
                values.push(contains_pattern(fragment).into());
            }
            if q.excludes_protected() {
                clauses.push("support_measure = 0");
            }
            let sql = format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents WHERE {} ORDER BY kana_key, birth_date, person_number LIMIT {}",
                clauses.join(" AND "),
                limit
            );
            let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(values), resident_from_row)
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })
    }

    fn resident(&self, person_number: &str) -> StoreResult<Option<ResidentRow>> {
        self.with(|c| {
            c.prepare_cached(&format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents WHERE person_number = ?1"
            ))
            .and_then(|mut s| s.query_row([person_number], resident_from_row).optional())
            .map_err(unavailable)
        })
    }

    fn resident_count(&self) -> StoreResult<u64> {
        self.with(|c| {
            c.query_row("SELECT count(*) FROM residents", [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(unavailable)
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
            // IMMEDIATE takes the write lock first, so the tail read is the
            // tail appended to, even with other processes writing.
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let committed =
                journal::write(&mut journal_tx::SqliteJournal(&tx), key, now, items, fail)?;
            tx.commit().map_err(unavailable)?;
            Ok(committed)
        })
    }

    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        let parts = self.with(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ))
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![after, limit as i64], audit_from_row)
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })?;
        parts.into_iter().map(finish_audit).collect()
    }

    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>> {
        let parts = self.with(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?1"
                ))
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![limit as i64], audit_from_row)
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })?;
        parts.into_iter().map(finish_audit).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resident(i: u64, address: &str) -> ResidentRow {
        ResidentRow {
            person_number: format!("{:010}", 1_000_000_000 + i),
            my_number_enc: vec![i as u8],
            my_number_index: i.to_be_bytes().to_vec(),
            name: "山田 花子".into(),
            kana: "ヤマダ ハナコ".into(),
            name_key: "山田花子".into(),
            kana_key: format!("ヤマダハナコ{i:03}"),
            birth_date: "1980-01-01".into(),
            sex: "female".into(),
            postal_code: "000-0101".into(),
            address: address.into(),
            address_key: address.into(),
            status: "resident".into(),
            support_measure: false,
        }
    }

    const ADDRESSES: [&str; 6] = [
        "番所市本町3丁目4番5号",
        "番所市本町5号4番3丁目",
        "番所市中央1丁目1番1号 ABC荘101号室",
        "番所市中央1丁目11番1号",
        "番所市緑が丘2丁目1番10号",
        "番所市北町1-2-3 100%ハイツ_1",
    ];

    fn addresses(store: &SqliteStore, fragment: &str) -> Vec<String> {
        let query = ResidentQuery {
            address_fragments: vec![fragment.into()],
            ..ResidentQuery::default()
        };
        store
            .search_residents(&query, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.address)
            .collect()
    }

    /// The trigram path answers exactly what LIKE answers, after a bulk
    /// load into an empty table and after row-by-row inserts alike.
    #[test]
    fn address_fragments_find_what_like_finds() {
        let dir = tempfile::tempdir().unwrap();
        let bulk = SqliteStore::open(&dir.path().join("bulk.db")).unwrap();
        let single = SqliteStore::open(&dir.path().join("single.db")).unwrap();
        let rows: Vec<ResidentRow> = ADDRESSES
            .iter()
            .enumerate()
            .map(|(i, a)| resident(i as u64, a))
            .collect();
        let loaded = bulk
            .load_residents(&mut vec![Ok(rows[..3].to_vec()), Ok(rows[3..].to_vec())].into_iter())
            .unwrap();
        assert_eq!(loaded, 6);
        for row in &rows {
            single.insert_residents(std::slice::from_ref(row)).unwrap();
        }
        for fragment in [
            "本町3丁目4番5号",
            "3丁目4番",
            "1丁目1番1号",
            "1番1",
            "abc荘",
            "ABC荘101",
            "100%ハイツ_1",
            "本町",
            "1",
            "存在しない町",
        ] {
            let expected: Vec<String> = ADDRESSES
                .iter()
                .filter(|a| a.to_lowercase().contains(&fragment.to_lowercase()))
                .map(|a| a.to_string())
                .collect();
            assert_eq!(addresses(&bulk, fragment), expected, "bulk, {fragment}");
            assert_eq!(addresses(&single, fragment), expected, "single, {fragment}");
        }
        // A second bulk load into a filled table keeps the index in step.
        bulk.load_residents(&mut vec![Ok(vec![resident(9, "番所市西町9丁目9番9号")])].into_iter())
            .unwrap();
        assert_eq!(addresses(&bulk, "9丁目9番"), vec!["番所市西町9丁目9番9号"]);
    }

    #[test]
    fn a_bulk_load_with_a_duplicate_my_number_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("dup.db")).unwrap();
        let mut twin = resident(2, "番所市本町1丁目1番1号");
        twin.my_number_index = resident(1, "").my_number_index;
        let batch = vec![resident(1, "番所市本町1丁目1番1号"), twin];
        assert!(
            store
                .load_residents(&mut vec![Ok(batch)].into_iter())
                .is_err()
        );
        assert_eq!(store.resident_count().unwrap(), 0);
        assert!(addresses(&store, "本町1丁目").is_empty());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("1_2%"), "%1\\_2\\%%");
    }

    #[test]
    fn prefix_bound_sorts_after_every_extension() {
        let upper = prefix_upper_bound("ヤマ");
        assert!("ヤマダ" < upper.as_str());
        assert!("ヤマ" < upper.as_str());
        assert!("ヤミ" > upper.as_str());
    }
}
