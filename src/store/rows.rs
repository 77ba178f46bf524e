//! The rows each aggregate stores and reads back.

use time::{Date, OffsetDateTime};

use crate::domain::person_number::PersonNumber;
use crate::domain::resident::{ResidentStatus, Sex};
use crate::domain::roles::{Department, Role};

/// A staff account as stored.
#[derive(Clone)]
pub struct StaffRow {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub department: Department,
    /// PHC string (Argon2id).
    pub pin_hash: String,
    pub totp_secret_enc: Vec<u8>,
    pub last_totp_step: Option<i64>,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// The PIN was handed over (a new account, a reset): its holder must
    /// change it before the session may do anything else.
    pub pin_change_required: bool,
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

/// A grant as stored: the domain's grant itself, every field a column.
pub type GrantRow = crate::domain::grant::Grant;

/// Which grants to list: every present condition must hold.
#[derive(Debug, Default, Clone)]
pub struct GrantQuery {
    pub user_id: Option<String>,
    pub department: Option<Department>,
    pub state: Option<crate::domain::grant::GrantState>,
}

/// A roster reconciliation as stored: when and by whom, the roster file's
/// SHA-256 and how many people it listed, its findings (never a name from
/// the roster), and the revocation of them once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciliationRow {
    pub id: String,
    pub made_at: OffsetDateTime,
    pub made_by: String,
    /// Hex SHA-256 of the file as sent.
    pub roster_sha256: String,
    /// The people the roster listed.
    pub lines: i64,
    /// By user, then grant.
    pub findings: Vec<crate::domain::roster::Finding>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<String>,
    /// How many grants the revocation ended.
    pub revoked: Option<i64>,
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
    pub person_number: PersonNumber,
    pub my_number_enc: Vec<u8>,
    pub my_number_index: Vec<u8>,
    pub name: String,
    pub kana: String,
    pub name_key: String,
    pub kana_key: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub postal_code: String,
    pub address: String,
    pub address_key: String,
    pub status: ResidentStatus,
    pub support_measure: bool,
    /// When they moved out or died; retention counts from it.
    pub left_on: Option<Date>,
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
    pub person_numbers: Vec<PersonNumber>,
    pub birth_dates: Vec<Date>,
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

/// A signed checkpoint of the access log ([`super::checkpoint`]): the
/// first `size` rows, as the signed note says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: i64,
    /// The C2SP signed note, as signed.
    pub note: String,
    /// The verifier key (signed-note text form) the note was signed for.
    pub verifier: String,
    pub made_at: OffsetDateTime,
}

/// A witness's cosignature of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureRow {
    pub size: i64,
    /// The witness's key (signed-note verifier text).
    pub witness: String,
    /// The checkpoint note with the witness's cosignature line after the
    /// log's signature.
    pub note: String,
    pub cosigned_at: OffsetDateTime,
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

/// An entry as stored: its state sealed, with what the queues select on.
#[derive(Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: String,
    pub form: String,
    pub person: String,
    pub paper: String,
    /// The state's name ([`crate::domain::entry::machine::Entry::state_name`]).
    pub state: String,
    pub first_by: String,
    pub second_by: Option<String>,
    /// Rises by one with every change.
    pub revision: i64,
    /// The state as sealed JSON.
    pub body: Vec<u8>,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for EntryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryRow")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// One committed version of a person's record of a form, sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct TaxRecordRow {
    pub person: String,
    pub form: String,
    /// Assigned when stored: one more than the person's last of the form.
    pub version: i64,
    pub entry: String,
    pub body: Vec<u8>,
    pub committed_at: OffsetDateTime,
}

impl std::fmt::Debug for TaxRecordRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaxRecordRow")
            .field("form", &self.form)
            .field("version", &self.version)
            .field("entry", &self.entry)
            .finish_non_exhaustive()
    }
}

/// A slip found when a difference was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipRow {
    pub entry: String,
    pub field: String,
    /// `first` or `second`.
    pub keyer: String,
    pub staff: String,
    pub at: OffsetDateTime,
}

/// A correction as stored: its proposal and review sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct CorrectionRow {
    pub id: String,
    pub person: String,
    pub form: String,
    /// `proposed`, `approved` or `rejected`.
    pub state: String,
    pub proposed_by: String,
    pub revision: i64,
    pub body: Vec<u8>,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for CorrectionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorrectionRow")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// One item of a re-verification list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverifyRow {
    pub entry: String,
    /// The business day whose list it is on.
    pub list_day: time::Date,
    pub person: String,
    pub form: String,
    /// Why it was picked (`warning_overridden,large_amount`).
    pub why: String,
    pub assigned_to: Option<String>,
    pub due: time::Date,
    /// `open`, `verified` or `correction`.
    pub state: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<OffsetDateTime>,
}

/// A batch of paper forms and its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub id: String,
    pub form: String,
    pub forms: i64,
    /// The amount field summed, e.g. `income.total`.
    pub control_field: String,
    pub control_total: i64,
    pub opened_by: String,
    pub opened_at: OffsetDateTime,
    pub closed_by: Option<String>,
    pub closed_at: Option<OffsetDateTime>,
}

/// A person a committed form claims (dependent or spouse), by the blind
/// index of their My Number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    pub number_index: Vec<u8>,
    pub form: String,
    pub income_year: i32,
    /// The taxpayer whose form claims them.
    pub person: String,
    pub entry: String,
}

/// A registered transfer destination; `body` is its JSON
/// ([`crate::domain::transfer::destination::Destination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRow {
    pub id: String,
    /// Rises by one with every change.
    pub revision: i64,
    pub body: String,
    pub updated_by: String,
    pub updated_at: OffsetDateTime,
}

/// One version of a registered transfer format; `body` is its JSON
/// ([`crate::domain::transfer::format::TransferFormat`]). Never changed:
/// a new version is a new row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatRow {
    pub id: String,
    pub version: i64,
    pub body: String,
    pub registered_by: String,
    pub registered_at: OffsetDateTime,
}

/// Which transfers a history search asks for, by what the store keeps
/// in the clear; what is left empty matches every transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferQuery {
    /// Any of these states (every state when empty).
    pub states: Vec<String>,
    pub prepared_by: Option<String>,
    pub destination: Option<String>,
    /// `id@version`.
    pub format: Option<String>,
    /// The latest step at or after `from` and before `to`.
    pub from: Option<time::OffsetDateTime>,
    pub to: Option<time::OffsetDateTime>,
}

/// A transfer: its state sealed (it names persons), and once signed the
/// sealed manifest that leaves (it holds their data).
#[derive(Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub id: String,
    /// [`crate::domain::transfer::machine::Transfer::state_name`].
    pub state: String,
    pub prepared_by: String,
    pub destination: String,
    /// `id@version`.
    pub format: String,
    /// Rises by one with every change.
    pub revision: i64,
    pub body: Vec<u8>,
    pub manifest: Option<Vec<u8>>,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for TransferRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferRow")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// An approval of an erasure plan, bound to its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionApprovalRow {
    pub hash: String,
    pub user_id: String,
    /// The approver's role when they approved (`it_officer`, `supervisor`).
    pub role: String,
    pub at: OffsetDateTime,
}

/// What the store holds that a retention rule may have come due for: only
/// internal IDs and dates, never what the records say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionCandidates {
    /// Residents who left on or before the day asked for: (person, left on).
    pub persons: Vec<(String, Date)>,
    /// Record versions committed before the time asked for: (person, form,
    /// version, committed at).
    pub tax_records: Vec<(String, String, i64, OffsetDateTime)>,
    /// Entries never committed, last changed before the time asked for:
    /// (entry, person, changed at).
    pub drafts: Vec<(String, String, OffsetDateTime)>,
}

/// Where the candidate lists stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateQuery {
    pub persons_left_by: Date,
    pub records_committed_before: OffsetDateTime,
    pub drafts_changed_before: OffsetDateTime,
}
