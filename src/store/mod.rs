//! The `Store` trait: everything the service keeps, behind one interface with
//! an embedded SQLite implementation and a PostgreSQL one for several service
//! instances on one database. The service never speaks SQL itself.

pub mod chain;
pub mod journal;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;

use time::OffsetDateTime;

pub use chain::{AuditEntry, AuditRecord};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached or refused the operation (disk full,
    /// locked, I/O error). Callers answer 503.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or reference rule was broken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data does not parse: corruption or a foreign edit.
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A staff account as stored.
#[derive(Clone)]
pub struct StaffRow {
    pub user_id: String,
    pub display_name: String,
    pub role: String,
    pub department: String,
    /// PHC string (Argon2id).
    pub pin_hash: String,
    pub totp_secret_enc: Vec<u8>,
    pub last_totp_step: Option<i64>,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for StaffRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRow")
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("department", &self.department)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub terminal: String,
    /// `None` until the user has chosen one of the department's purposes.
    pub purpose: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A resident as stored: the My Number only encrypted and as a blind index.
#[derive(Clone)]
pub struct ResidentRow {
    pub person_number: String,
    pub my_number_enc: Vec<u8>,
    pub my_number_index: Vec<u8>,
    pub name: String,
    pub kana: String,
    pub name_key: String,
    pub kana_key: String,
    /// ISO 8601.
    pub birth_date: String,
    pub sex: String,
    pub postal_code: String,
    pub address: String,
    pub address_key: String,
    pub status: String,
    pub support_measure: bool,
}

impl std::fmt::Debug for ResidentRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResidentRow")
            .field("person_number", &self.person_number)
            .finish_non_exhaustive()
    }
}

/// A search over residents: every present condition must hold.
#[derive(Default, Clone)]
pub struct ResidentQuery {
    pub my_number_index: Vec<Vec<u8>>,
    pub person_numbers: Vec<String>,
    pub birth_dates: Vec<String>,
    pub kana_prefixes: Vec<String>,
    pub name_prefixes: Vec<String>,
    pub address_fragments: Vec<String>,
    /// Whether the caller may see the address of a 支援措置 resident. Without
    /// it (the default), a query with any address fragment never matches
    /// such a resident, so the address cannot be worked out by narrowing a
    /// search; the limit then counts only the residents it may match.
    pub may_match_protected_address: bool,
}

impl ResidentQuery {
    pub fn is_empty(&self) -> bool {
        self.my_number_index.is_empty()
            && self.person_numbers.is_empty()
            && self.birth_dates.is_empty()
            && self.kana_prefixes.is_empty()
            && self.name_prefixes.is_empty()
            && self.address_fragments.is_empty()
    }

    /// Whether 支援措置 residents must be left out of this search.
    pub fn excludes_protected(&self) -> bool {
        !self.address_fragments.is_empty() && !self.may_match_protected_address
    }
}

/// The lockout rules the store applies when a login attempt is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Attempts checked before the lock; the last of them sets it.
    pub threshold: i64,
    pub lock_for: time::Duration,
    /// A user ID's count is forgotten after this long without an attempt.
    pub forget_after: time::Duration,
    /// Most user IDs (known or not) tracked at once; past it the quietest
    /// unlocked ones are forgotten first.
    pub max_tracked: u64,
}

/// The answer to a claim of one login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClaim {
    /// The attempt may be checked. `locks` is set on the last attempt
    /// before the lock: the lock is already in place and stays unless this
    /// attempt succeeds.
    Granted { attempt: i64, locks: bool },
    /// Locked: the attempt must not be checked.
    Locked { until: OffsetDateTime },
}

/// One user ID's attempts as the store keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginGuardRow {
    pub attempts: i64,
    pub locked_until: Option<OffsetDateTime>,
    pub last_at: OffsetDateTime,
}

impl LoginGuardRow {
    /// The row after one more attempt at `now`, and what that attempt may
    /// do. Both stores run this inside one locked transaction, so attempts
    /// racing on any number of service instances are counted one by one.
    pub fn claim(
        current: Option<LoginGuardRow>,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> (LoginGuardRow, AttemptClaim) {
        let fresh = LoginGuardRow {
            attempts: 0,
            locked_until: None,
            last_at: now,
        };
        let row = match current {
            Some(row) if row.locked_until.is_some_and(|until| until > now) => {
                let until = row.locked_until.unwrap_or(now);
                return (row, AttemptClaim::Locked { until });
            }
            // An ended lock, or a count gone quiet, starts again.
            Some(row) if row.locked_until.is_some() || now - row.last_at >= policy.forget_after => {
                fresh
            }
            Some(row) => row,
            None => fresh,
        };
        let attempts = row.attempts + 1;
        let locks = attempts >= policy.threshold;
        let next = LoginGuardRow {
            attempts,
            locked_until: locks.then(|| now + policy.lock_for),
            last_at: now,
        };
        (
            next,
            AttemptClaim::Granted {
                attempt: attempts,
                locks,
            },
        )
    }
}

/// The answer to a claim of a TOTP step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpClaim {
    Claimed,
    /// This step (or a later one) was already used; the last accepted step
    /// and the terminal it was used at.
    AlreadyUsed {
        last_step: Option<i64>,
        terminal: Option<String>,
    },
}

/// A registered terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalRow {
    pub name: String,
    pub fingerprint: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeRow {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

/// Everything the service keeps. Implementations must make each method
/// atomic; `append_audit` must not return before its rows are durable.
pub trait Store: Send + Sync + 'static {
    // Metadata.
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    // Purposes (業務).
    fn purposes(&self) -> StoreResult<Vec<PurposeRow>>;
    fn upsert_purpose(&self, purpose: &PurposeRow) -> StoreResult<()>;

    // Staff and login state.
    fn insert_staff(&self, staff: &StaffRow) -> StoreResult<()>;
    fn staff(&self, user_id: &str) -> StoreResult<Option<StaffRow>>;
    fn list_staff(&self) -> StoreResult<Vec<StaffRow>>;
    /// Replaces a PIN hash and sealed TOTP secret (credential reset); clears
    /// the last used step. The lockout is the login guard's
    /// ([`Store::clear_login_attempts`]).
    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
    ) -> StoreResult<()>;
    /// Counts one login attempt for the user ID whose keyed hash is `key`
    /// (known account or not) before any factor is checked, applying
    /// [`LoginGuardRow::claim`] atomically: however many attempts run at
    /// once, at most `policy.threshold` are granted before the lock. A new
    /// key may make room by forgetting quiet ones, so the table stays bounded.
    fn claim_login_attempt(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> StoreResult<AttemptClaim>;
    /// Takes one counted attempt back (a double-submitted form).
    fn refund_login_attempt(&self, key: &[u8]) -> StoreResult<()>;
    /// Forgets the attempts and any lock of `key` (a successful login, a
    /// credential reset).
    fn clear_login_attempts(&self, key: &[u8]) -> StoreResult<()>;
    /// The attempts of `key`, if tracked.
    fn login_guard(&self, key: &[u8]) -> StoreResult<Option<LoginGuardRow>>;
    /// How many user IDs are tracked.
    fn login_guard_count(&self) -> StoreResult<u64>;
    /// Records `step` as the last accepted TOTP step, used at `terminal`, if
    /// it is later than the stored one; otherwise the code was already used
    /// (or an older one): exactly one of several concurrent claims wins.
    fn claim_totp_step(&self, user_id: &str, step: i64, terminal: &str) -> StoreResult<TotpClaim>;

    // Terminals.
    fn insert_terminal(&self, terminal: &TerminalRow) -> StoreResult<()>;
    fn terminals(&self) -> StoreResult<Vec<TerminalRow>>;
    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>>;
    /// Marks a terminal revoked; false if there is no such active terminal.
    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool>;

    // Sessions.
    fn insert_session(&self, session: &SessionRow) -> StoreResult<()>;
    fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>>;
    fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()>;
    fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    /// Sets the purpose of a session that has none yet; false if it has one
    /// (or is gone).
    fn choose_session_purpose(&self, token_hash: &[u8], purpose: &str) -> StoreResult<bool>;

    // Residents.
    fn insert_residents(&self, rows: &[ResidentRow]) -> StoreResult<()>;
    /// A bulk load (seeding, imports): every batch the iterator yields, as
    /// fast as the store can take them. Returns the rows added. A store may
    /// relax per-transaction durability while loading, but must have all of
    /// it durable before returning. The default inserts batch by batch.
    fn load_residents(
        &self,
        batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
    ) -> StoreResult<u64> {
        let mut loaded = 0;
        for batch in batches {
            let batch = batch?;
            self.insert_residents(&batch)?;
            loaded += batch.len() as u64;
        }
        Ok(loaded)
    }
    /// At most `limit` rows in a stable order (reading, then date of birth).
    fn search_residents(
        &self,
        query: &ResidentQuery,
        limit: usize,
    ) -> StoreResult<Vec<ResidentRow>>;
    fn resident(&self, person_number: &str) -> StoreResult<Option<ResidentRow>>;
    fn resident_count(&self) -> StoreResult<u64>;

    // The journal and the access log.
    /// Applies each item's changes (all or nothing per item) and appends
    /// the rows each item makes from what its changes did, chained under
    /// `key` and stamped `now` (or the previous row's time if later), in
    /// one durable transaction: all of it is kept, or none. The first
    /// append under a key records (under the key) from which row on the
    /// log is keyed. See [`journal`].
    fn commit(
        &self,
        key: &chain::ChainKey,
        now: OffsetDateTime,
        items: Vec<journal::Item>,
        fail: journal::FailPoint,
    ) -> StoreResult<Vec<journal::Committed>>;
    /// Appends rows that record no change (a commit of items without
    /// changes, at the latest of their times); returns the stored rows.
    fn append_audit(
        &self,
        key: &chain::ChainKey,
        entries: &[AuditEntry],
    ) -> StoreResult<Vec<AuditRecord>> {
        let Some(now) = entries.iter().map(|e| e.at).max() else {
            return Ok(Vec::new());
        };
        let items = entries.iter().cloned().map(journal::Item::record).collect();
        let committed = self.commit(key, now, items, journal::FailPoint::None)?;
        let first = committed
            .first()
            .and_then(|c| c.seqs.first().copied())
            .ok_or_else(|| StoreError::Unavailable("the journal answered nothing".into()))?;
        self.audit_rows(first - 1, entries.len())
    }
    /// Rows with `seq > after`, in order, at most `limit`.
    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>>;
    /// The newest `limit` rows, newest first.
    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>>;
}
