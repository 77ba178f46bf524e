//! The journal: every change the service makes commits in one transaction
//! with the access-log rows that record it, so a change without its row, or
//! a row claiming a change that is not there, cannot be stored.
//!
//! A commit holds items; each item is a list of [`Change`]s, applied all or
//! nothing (under a savepoint), and a function that makes the item's rows
//! from what the changes did ([`Effect`]). Many items share one transaction
//! and one fsync (group commit); a read is an item with no change. The rows
//! are chained here, in one place for every backend, and stamped with the
//! commit's time, never earlier than the row before, so rows are in time
//! order even with several service instances whose clocks differ a little.

use time::OffsetDateTime;

use super::chain::{self, AuditEntry, ChainKey};
use super::{
    AttemptClaim, BatchRow, CheckpointRow, ClaimRow, CorrectionRow, CosignatureRow, DestinationRow,
    EntryRow, FormatRow, GrantRow, LockoutPolicy, ReconciliationRow, RetentionApprovalRow,
    ReverifyRow, SessionRow, SlipRow, StaffRow, StoreError, StoreResult, TaxRecordRow, TerminalRow,
    TotpClaim, TransferRow,
};

/// One change of state. Each backend applies it with the same SQL its
/// single-operation methods use.
#[derive(Debug, Clone)]
pub enum Change {
    InsertStaff(StaffRow),
    /// Disables an enabled account (nothing to change if it is disabled
    /// or not there). Its sessions end at their next request.
    DisableStaff {
        user_id: String,
    },
    /// A new grant (a conflict if the id is taken or the user is unknown).
    InsertGrant(GrantRow),
    /// Replaces a grant read at `expected_revision`; a conflict if it
    /// changed since.
    UpdateGrant {
        row: GrantRow,
        expected_revision: i64,
    },
    /// A roster reconciliation with its findings (a conflict if the id is
    /// taken or a finding names an unknown grant).
    InsertReconciliation(ReconciliationRow),
    /// Marks the reconciliation `id` acted on by `by` at the commit's time,
    /// `revoked` grants ended; a conflict unless it is the newest and not
    /// acted on yet, so a revocation from a stale one keeps nothing.
    MarkReconciliationRevoked {
        id: String,
        by: String,
        revoked: i64,
    },
    /// A new PIN and TOTP secret for an account (nothing to change if it
    /// is not there), the last used step forgotten, and whether the PIN
    /// must be changed at the next login.
    ResetCredentials {
        user_id: String,
        pin_hash: String,
        totp_secret_enc: Vec<u8>,
        pin_change_required: bool,
    },
    /// The holder's own new PIN: the hash replaced and the requirement to
    /// change it cleared (nothing to change if the account is not there).
    ChangePin {
        user_id: String,
        pin_hash: String,
    },
    /// Counts one login attempt for a user ID's keyed hash at the commit's
    /// time ([`super::LoginGuardRow::claim`]).
    ClaimLoginAttempt {
        key: Vec<u8>,
        policy: LockoutPolicy,
    },
    RefundLoginAttempt {
        key: Vec<u8>,
    },
    ClearLoginAttempts {
        key: Vec<u8>,
    },
    ClaimTotpStep {
        user_id: String,
        step: i64,
        terminal: String,
    },
    InsertTerminal(TerminalRow),
    /// Revokes the active terminal of that name at the commit's time.
    RevokeTerminal {
        name: String,
    },
    InsertSession(SessionRow),
    /// Notes the session was used at the commit's time.
    TouchSession {
        token_hash: Vec<u8>,
    },
    DeleteSession {
        token_hash: Vec<u8>,
    },
    /// Ends every session of a user but the one under `keep` (their next
    /// request is refused); applied as the count ended.
    EndSessionsOf {
        user_id: String,
        keep: Option<Vec<u8>>,
    },
    ChooseSessionPurpose {
        token_hash: Vec<u8>,
        purpose: String,
    },
    InsertEntry(EntryRow),
    /// Replaces an entry read at `expected_revision` (the row carries the
    /// next one); a conflict if it changed since.
    UpdateEntry {
        row: EntryRow,
        expected_revision: i64,
    },
    /// Stores a new version of a record; its version is assigned here. With
    /// `after`, only if the latest version is that one (a conflict if not).
    InsertTaxRecord {
        row: TaxRecordRow,
        after: Option<i64>,
    },
    InsertCorrection(CorrectionRow),
    InsertBatch(BatchRow),
    InsertClaims(Vec<ClaimRow>),
    /// Files an entry under an open batch (a conflict if it is closed or
    /// not there).
    AddToBatch {
        batch: String,
        entry: String,
    },
    /// Closes an open batch as `by` at the commit's time.
    CloseBatch {
        id: String,
        by: String,
    },
    /// Adds items to a re-verification list; an entry already listed is
    /// left as it is.
    InsertReverifyItems(Vec<ReverifyRow>),
    /// Closes an open item assigned to `by` as `state` (nothing to change
    /// if it is not open or not theirs).
    ResolveReverifyItem {
        entry: String,
        by: String,
        state: String,
    },
    /// Replaces a correction read at `expected_revision`.
    UpdateCorrection {
        row: CorrectionRow,
        expected_revision: i64,
    },
    InsertSlips(Vec<SlipRow>),
    /// A new destination (a conflict if the id is taken).
    InsertDestination(DestinationRow),
    /// Replaces a destination read at `expected_revision`.
    UpdateDestination {
        row: DestinationRow,
        expected_revision: i64,
    },
    /// A new version of a format (a conflict if that version exists).
    InsertFormat(FormatRow),
    InsertTransfer(TransferRow),
    /// Replaces a transfer read at `expected_revision`.
    UpdateTransfer {
        row: TransferRow,
        expected_revision: i64,
    },
    /// Stores a signed checkpoint of the access log (a conflict if one of
    /// that size is stored).
    InsertCheckpoint(CheckpointRow),
    /// Records an approval of an erasure plan (a conflict if that person
    /// approved that plan already).
    InsertRetentionApproval(RetentionApprovalRow),
    /// Erases a resident and everything kept on them: their record
    /// versions, entries, corrections, re-verification items, claims made
    /// by them or naming their number, and slips and batch filings of
    /// their entries (nothing to change if they are not there).
    EraseResident {
        person: String,
    },
    /// Erases one record version, with the entry or correction that made it
    /// and what hangs on that entry.
    EraseTaxRecord {
        person: String,
        form: String,
        version: i64,
    },
    /// Erases an entry never committed, with its slips and batch filing.
    EraseDraft {
        entry: String,
    },
    /// Stores a witness's cosignature of a checkpoint (a conflict if that
    /// witness's cosignature of that size is stored).
    InsertCosignature(CosignatureRow),
}

/// What one change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Done,
    Attempt(AttemptClaim),
    Totp(TotpClaim),
    /// A revocation, a purpose choice or a deletion found nothing to change.
    NothingToChange,
    /// A uniqueness or reference rule refused the change.
    Conflict(String),
    /// A record version was stored under this number.
    Version(i64),
    /// A change of many rows touched this many.
    Count(u64),
}

impl Applied {
    /// Whether this refuses the rest of its item: the item's earlier changes
    /// are rolled back and its later ones not tried.
    pub fn refuses(&self) -> bool {
        matches!(
            self,
            Applied::Attempt(AttemptClaim::Locked { .. })
                | Applied::Totp(TotpClaim::AlreadyUsed { .. })
                | Applied::NothingToChange
                | Applied::Conflict(_)
        )
    }
}

/// What an item's changes did, in order. If one refused, it is the last
/// one, and nothing of the item was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub applied: Vec<Applied>,
    /// The time of the item's rows.
    pub at: OffsetDateTime,
}

impl Effect {
    /// Every change was applied (also true of an item with none).
    pub fn kept(&self) -> bool {
        self.applied.last().is_none_or(|a| !a.refuses())
    }

    /// The change that refused the item, if one did.
    pub fn refusal(&self) -> Option<&Applied> {
        self.applied.last().filter(|a| a.refuses())
    }
}

/// Makes an item's rows from its effect.
pub type RowsFor = Box<dyn FnOnce(&Effect) -> Vec<AuditEntry> + Send>;

/// Changes and the rows that record them.
pub struct Item {
    pub changes: Vec<Change>,
    pub rows: RowsFor,
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item")
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl Item {
    /// An item that only records (a read).
    pub fn record(entry: AuditEntry) -> Self {
        Self {
            changes: Vec::new(),
            rows: Box::new(move |_| vec![entry]),
        }
    }

    /// Changes recorded by `row` if they are kept; a refused item (nothing
    /// to change, a conflict) writes no row: the caller answers it.
    pub fn recorded(changes: Vec<Change>, row: AuditEntry) -> Self {
        Self::new(
            changes,
            move |effect| {
                if effect.kept() { vec![row] } else { Vec::new() }
            },
        )
    }

    pub fn new(
        changes: Vec<Change>,
        rows: impl FnOnce(&Effect) -> Vec<AuditEntry> + Send + 'static,
    ) -> Self {
        Self {
            changes,
            rows: Box::new(rows),
        }
    }
}

/// A committed item: what it did and the sequence numbers of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub effect: Effect,
    pub seqs: Vec<i64>,
}

/// Where a test may make a commit fail. Nothing outside tests sets one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailPoint {
    #[default]
    None,
    /// After an item's changes are applied, before its rows are written.
    AfterChange,
    /// Everything written, the commit itself fails.
    AtCommit,
}

/// The newest row of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub seq: i64,
    pub hash: String,
    pub at: Option<OffsetDateTime>,
}

impl Tail {
    pub fn empty() -> Self {
        Self {
            seq: 0,
            hash: chain::GENESIS.to_string(),
            at: None,
        }
    }
}

/// What a backend does inside the journal's transaction. The transaction
/// holds the access log's write lock from before [`JournalTx::tail`] to
/// its commit, so the tail read is the tail appended to.
pub trait JournalTx {
    fn tail(&mut self) -> StoreResult<Tail>;
    /// Stores the chain's key record unless one is there.
    fn ensure_chain_record(&mut self, record: &str) -> StoreResult<()>;
    fn savepoint(&mut self) -> StoreResult<()>;
    fn release(&mut self) -> StoreResult<()>;
    /// Undoes everything since the savepoint and ends it.
    fn roll_back(&mut self) -> StoreResult<()>;
    fn apply(&mut self, change: &Change, at: OffsetDateTime) -> StoreResult<Applied>;
    fn insert_rows(&mut self, rows: &[chain::AuditRecord]) -> StoreResult<()>;
}

fn failed_at(point: &str) -> StoreError {
    StoreError::Unavailable(format!("test failure point: {point}"))
}

/// Applies every item and writes its rows, chained after the tail; the
/// caller commits. Any error leaves the caller's transaction to roll back:
/// then nothing of any item is kept.
pub fn write(
    tx: &mut dyn JournalTx,
    key: &ChainKey,
    now: OffsetDateTime,
    items: Vec<Item>,
    fail: FailPoint,
) -> StoreResult<Vec<Committed>> {
    let tail = tx.tail()?;
    tx.ensure_chain_record(&key.seal_record(tail.seq + 1))?;
    // Rows are never earlier than the row before (another instance's clock
    // may be a little ahead of ours); changes take this instance's time.
    let at = tail.at.map_or(now, |last| last.max(now));
    let (mut seq, mut hash) = (tail.seq, tail.hash);
    let mut records = Vec::new();
    let mut committed = Vec::with_capacity(items.len());
    for item in items {
        // A read's item changes nothing: no savepoint to pay for.
        let changes = !item.changes.is_empty();
        if changes {
            tx.savepoint()?;
        }
        let mut applied = Vec::with_capacity(item.changes.len());
        for change in &item.changes {
            let done = match tx.apply(change, now) {
                Err(StoreError::Conflict(why)) => Applied::Conflict(why),
                other => other?,
            };
            let refuses = done.refuses();
            applied.push(done);
            if refuses {
                break;
            }
        }
        let effect = Effect { applied, at };
        if changes && effect.kept() {
            tx.release()?;
        } else if changes {
            tx.roll_back()?;
        }
        if fail == FailPoint::AfterChange && changes {
            return Err(failed_at("after a change, before its row"));
        }
        let mut entries = (item.rows)(&effect);
        if entries.is_empty() && effect.kept() && changes {
            return Err(StoreError::Unavailable(
                "a change came without its access-log row".into(),
            ));
        }
        for entry in &mut entries {
            entry.at = at;
        }
        let chained = chain::chain(key, &entries, seq, &hash);
        if let Some(last) = chained.last() {
            seq = last.seq;
            hash = last.hash.clone();
        }
        committed.push(Committed {
            effect,
            seqs: chained.iter().map(|r| r.seq).collect(),
        });
        records.extend(chained);
    }
    tx.insert_rows(&records)?;
    if fail == FailPoint::AtCommit {
        return Err(failed_at("at commit"));
    }
    Ok(committed)
}
