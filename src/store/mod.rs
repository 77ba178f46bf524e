//! What the service keeps, behind one trait per aggregate (metadata and
//! purposes, staff and their login state, terminals, sessions, residents,
//! the access log), with an embedded SQLite implementation and a PostgreSQL
//! one for several service instances on one database. `Store` is all of
//! them together, so `Arc<dyn Store>` serves the whole service. The service
//! never speaks SQL itself.
//!
//! Each backend lives in its own folder with a file per aggregate; every
//! write is a free function over a connection or transaction, so several
//! changes can share one transaction. Rules both backends follow (the
//! lockout, column decoding, search patterns) live once, here.

pub mod audit_review;
pub mod chain;
pub mod checkpoint;
pub mod cosignature;
pub mod journal;
mod lockout;
pub mod merkle;
#[cfg(feature = "postgres")]
pub mod postgres;
mod rows;
pub(crate) mod sql;
pub mod sqlite;

use time::OffsetDateTime;

use crate::domain::person_number::PersonNumber;

pub use audit_review::{AuditFilter, AuditGroup, Bucket, GroupBy};
pub use chain::{AuditEntry, AuditRecord};
pub use lockout::{AttemptClaim, LockoutPolicy, LoginGuardRow};
pub use rows::{
    BatchRow, CandidateQuery, CheckpointRow, ClaimRow, CorrectionRow, CosignatureRow,
    DestinationRow, EntryRow, FormatRow, GrantQuery, GrantRow, PurposeRow, ReconciliationRow,
    ResidentQuery, ResidentRow, RetentionApprovalRow, RetentionCandidates, ReverifyRow, SessionRow,
    SlipRow, StaffRow, TaxRecordRow, TerminalRow, TotpClaim, TransferQuery, TransferRow,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached or refused the operation (disk full,
    /// locked, I/O error). Callers answer 503.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or reference rule was broken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value does not decode: corruption or a foreign edit. Names
    /// where, never the value (it may be personal data).
    #[error("corrupt data in {table}.{column}: {problem}")]
    Corrupt {
        table: &'static str,
        column: String,
        problem: String,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Store metadata (key/value) and the purposes (業務) sessions open under.
pub trait MetaStore {
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;
    fn purposes(&self) -> StoreResult<Vec<PurposeRow>>;
    fn upsert_purpose(&self, purpose: &PurposeRow) -> StoreResult<()>;
    /// Whether a short indexed read is a local file read of microseconds
    /// that may run on the calling (async) thread: true for the embedded
    /// store. False where a read is a round trip over the network or its
    /// client blocks on a runtime of its own (PostgreSQL).
    fn reads_in_place(&self) -> bool {
        false
    }
}

/// Staff accounts, their credentials and login state: the login guard
/// (failure counting and lockout) and the last accepted TOTP step.
pub trait StaffStore {
    fn insert_staff(&self, staff: &StaffRow) -> StoreResult<()>;
    fn staff(&self, user_id: &str) -> StoreResult<Option<StaffRow>>;
    fn list_staff(&self) -> StoreResult<Vec<StaffRow>>;
    /// Replaces a PIN hash and sealed TOTP secret (credential reset); clears
    /// the last used step and sets whether the PIN must be changed at the
    /// next login. False if there is no such account. The lockout is the
    /// login guard's ([`StaffStore::clear_login_attempts`]).
    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
        pin_change_required: bool,
    ) -> StoreResult<bool>;
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
}

/// Grants of roles to staff, with their start and expiry. Every write goes
/// through the journal ([`journal::Change::InsertGrant`] and
/// [`journal::Change::UpdateGrant`]).
pub trait GrantStore {
    fn grant(&self, id: &str) -> StoreResult<Option<GrantRow>>;
    /// The grants `query` asks for, latest requested first, at most `limit`.
    fn grants(&self, query: &GrantQuery, limit: usize) -> StoreResult<Vec<GrantRow>>;
    /// The grant that gives `user_id` their role at `at`: applied, started,
    /// not expired. With several, the one that started last.
    fn active_grant(&self, user_id: &str, at: OffsetDateTime) -> StoreResult<Option<GrantRow>>;
}

/// Reconciliations of the HR roster against the grants. Written through
/// the journal ([`journal::Change::InsertReconciliation`] and
/// [`journal::Change::MarkReconciliationRevoked`]).
pub trait RosterStore {
    /// The newest reconciliation, with its findings.
    fn latest_reconciliation(&self) -> StoreResult<Option<ReconciliationRow>>;
    fn reconciliation(&self, id: &str) -> StoreResult<Option<ReconciliationRow>>;
}

/// The registry of terminals allowed to connect.
pub trait TerminalStore {
    fn insert_terminal(&self, terminal: &TerminalRow) -> StoreResult<()>;
    fn terminals(&self) -> StoreResult<Vec<TerminalRow>>;
    fn terminal_by_fingerprint(&self, fingerprint: &str) -> StoreResult<Option<TerminalRow>>;
    /// Marks a terminal revoked; false if there is no such active terminal.
    fn revoke_terminal(&self, name: &str, at: OffsetDateTime) -> StoreResult<bool>;
}

/// Login sessions, stored under the hash of their token.
pub trait SessionStore {
    fn insert_session(&self, session: &SessionRow) -> StoreResult<()>;
    fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>>;
    fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()>;
    fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    /// Sets the purpose of a session that has none yet; false if it has one
    /// (or is gone).
    fn choose_session_purpose(&self, token_hash: &[u8], purpose: &str) -> StoreResult<bool>;
}

/// What the route guard reads for every request, read together: the
/// terminal a certificate belongs to and, with a token, its session, the
/// account and the grant in force at `at`. Each is `None` when absent or
/// when what it hangs on is (no session: no account, no grant).
#[derive(Debug, Default)]
pub struct CallerRows {
    pub terminal: Option<TerminalRow>,
    pub session: Option<SessionRow>,
    pub staff: Option<StaffRow>,
    pub grant: Option<GrantRow>,
}

/// The guard's reads in one trip to the store: on SQLite one connection
/// and one read transaction (a transaction that starts after a commit
/// finds its page cache dropped, so one instead of four matters under
/// load); on PostgreSQL one pooled connection.
pub trait CallerStore {
    fn caller(
        &self,
        fingerprint: &str,
        token_hash: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> StoreResult<CallerRows>;
}

/// Residents and the search over them.
pub trait ResidentStore {
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
    fn resident(&self, person_number: &PersonNumber) -> StoreResult<Option<ResidentRow>>;
    fn resident_count(&self) -> StoreResult<u64>;
}

/// The access log: an append-only chain of rows, written through the
/// journal together with the changes they record.
pub trait AuditStore {
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
    /// The rows `filter` selects with `seq < before` (all when `None`),
    /// newest first, at most `limit`: the next page is asked for with the
    /// last row's seq, so rows appended meanwhile never shift a page.
    fn audit_query(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// Counts of the rows `filter` selects within each bucket, grouped by
    /// `by`, computed in the store; in bucket order, then key order.
    fn audit_groups(
        &self,
        filter: &AuditFilter,
        buckets: &[Bucket],
        by: &GroupBy,
    ) -> StoreResult<Vec<AuditGroup>>;
    /// The newest `limit` signed checkpoints, largest size first. They are
    /// written through the journal ([`journal::Change::InsertCheckpoint`]).
    fn checkpoints(&self, limit: usize) -> StoreResult<Vec<CheckpointRow>>;
    /// The newest `limit` cosignatures by the witness key `witness`,
    /// largest size first ([`journal::Change::InsertCosignature`]).
    fn cosignatures(&self, witness: &str, limit: usize) -> StoreResult<Vec<CosignatureRow>>;
}

/// Entries being keyed, the records they commit, and the slips found on
/// the way. Every write goes through the journal ([`journal::Change`]).
pub trait EntryStore {
    fn entry(&self, id: &str) -> StoreResult<Option<EntryRow>>;
    /// Entries in any of `states`, oldest change first, at most `limit`.
    fn entries_in(&self, states: &[&str], limit: usize) -> StoreResult<Vec<EntryRow>>;
    /// Every version of a person's record of a form, oldest first.
    fn tax_records(&self, person: &str, form: &str) -> StoreResult<Vec<TaxRecordRow>>;
    /// Slips made by `staff`, oldest first.
    fn slips_of(&self, staff: &str) -> StoreResult<Vec<SlipRow>>;
    fn correction(&self, id: &str) -> StoreResult<Option<CorrectionRow>>;
    /// Corrections in `state`, oldest change first, at most `limit`.
    fn corrections_in(&self, state: &str, limit: usize) -> StoreResult<Vec<CorrectionRow>>;
    /// Record versions committed by entries (not corrections) at or after
    /// `from` and before `to`.
    fn entry_commits_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<TaxRecordRow>>;
    /// Items of the re-verification lists in `state`; only those assigned
    /// to `assigned_to` when given.
    fn reverify_items(
        &self,
        state: &str,
        assigned_to: Option<&str>,
    ) -> StoreResult<Vec<ReverifyRow>>;
    fn batch(&self, id: &str) -> StoreResult<Option<BatchRow>>;
    /// The claims of a form and income year on any of these blind indexes.
    fn claims(
        &self,
        indexes: &[Vec<u8>],
        form: &str,
        income_year: i32,
    ) -> StoreResult<Vec<ClaimRow>>;
    /// The entries keyed from a batch.
    fn batch_entries(&self, id: &str) -> StoreResult<Vec<String>>;
    /// Batches for the clerks' list: the open ones, oldest opened first,
    /// then the closed ones, most recently closed first; at most `limit`.
    fn batches(&self, limit: usize) -> StoreResult<Vec<BatchRow>>;
}

/// Manual transfers: the registries and each transfer.
pub trait TransferStore {
    fn destination(&self, id: &str) -> StoreResult<Option<DestinationRow>>;
    /// Every destination, by id.
    fn destinations(&self) -> StoreResult<Vec<DestinationRow>>;
    fn format(&self, id: &str, version: i64) -> StoreResult<Option<FormatRow>>;
    /// Every version of every format, by id then version.
    fn formats(&self) -> StoreResult<Vec<FormatRow>>;
    fn transfer(&self, id: &str) -> StoreResult<Option<TransferRow>>;
    /// The transfers `query` asks for, latest change first, at most `limit`.
    fn transfers_in(&self, query: &TransferQuery, limit: usize) -> StoreResult<Vec<TransferRow>>;
}

/// Retention and erasure: the candidates a plan is made from, the plan's
/// approvals, and the erasure itself ([`journal::Change::EraseResident`]
/// and its kin, with their tombstone rows) committed so that the erased
/// bytes do not stay in freed pages, then compacted out of the files.
pub trait RetentionStore {
    fn retention_candidates(&self, query: &CandidateQuery) -> StoreResult<RetentionCandidates>;
    /// The approvals of a plan's hash, oldest first.
    fn retention_approvals(&self, hash: &str) -> StoreResult<Vec<RetentionApprovalRow>>;
    /// As [`AuditStore::commit`], with freed pages overwritten (SQLite's
    /// `secure_delete`) while the items' changes are applied.
    fn commit_erasure(
        &self,
        key: &chain::ChainKey,
        now: OffsetDateTime,
        items: Vec<journal::Item>,
    ) -> StoreResult<Vec<journal::Committed>>;
    /// After an erasure: rewrite what still holds old bytes (SQLite: the
    /// write-ahead log checkpointed and truncated, the file vacuumed, the
    /// address index rebuilt; PostgreSQL: VACUUM of the tables touched).
    fn compact_after_erasure(&self) -> StoreResult<()>;
}

/// Everything the service keeps. Implementations make each method atomic.
pub trait Store:
    MetaStore
    + StaffStore
    + GrantStore
    + RosterStore
    + TerminalStore
    + SessionStore
    + CallerStore
    + ResidentStore
    + EntryStore
    + TransferStore
    + RetentionStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: MetaStore
        + StaffStore
        + GrantStore
        + RosterStore
        + TerminalStore
        + SessionStore
        + CallerStore
        + ResidentStore
        + EntryStore
        + TransferStore
        + RetentionStore
        + AuditStore
        + Send
        + Sync
        + 'static
{
}

/// Every store trait, for code that calls store methods on a concrete
/// store type (`use bansho::store::prelude::*`).
pub mod prelude {
    pub use super::{
        AuditStore, CallerStore, EntryStore, GrantStore, MetaStore, ResidentStore, RetentionStore,
        RosterStore, SessionStore, StaffStore, Store, TerminalStore, TransferStore,
    };
}
