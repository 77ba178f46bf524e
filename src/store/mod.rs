//! The `Store` trait: everything the service keeps, behind one interface with
//! an embedded SQLite implementation and a PostgreSQL one for several service
//! instances on one database. The service never speaks SQL itself.

pub mod chain;
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
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
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
    pub purpose: String,
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

/// What a failed login did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureOutcome {
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
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
    /// the lockout and the last used step.
    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
    ) -> StoreResult<()>;
    /// Counts a failure; at `threshold` consecutive failures the account is
    /// locked until `now + lock_for`.
    fn record_login_failure(
        &self,
        user_id: &str,
        now: OffsetDateTime,
        threshold: i64,
        lock_for: time::Duration,
    ) -> StoreResult<FailureOutcome>;
    fn reset_login_failures(&self, user_id: &str) -> StoreResult<()>;
    /// Records `step` as the last accepted TOTP step if it is later than the
    /// stored one. Returns false when the code was already used (or an older
    /// one): exactly one of several concurrent claims of a step wins.
    fn claim_totp_step(&self, user_id: &str, step: i64) -> StoreResult<bool>;

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

    // Access log.
    /// Appends the entries to the hash chain in order, durably, in one
    /// transaction; returns the stored rows.
    fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<Vec<AuditRecord>>;
    /// Rows with `seq > after`, in order, at most `limit`.
    fn audit_rows(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditRecord>>;
    /// The newest `limit` rows, newest first.
    fn audit_tail(&self, limit: usize) -> StoreResult<Vec<AuditRecord>>;
}
