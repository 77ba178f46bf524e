//! Every action and outcome the access log can hold, and the typed details
//! a row carries. Handlers and the route table name events only through
//! these types; the stored and exported form is the stable snake_case text
//! each one writes (`docs/architecture.md` lists them), which the chain
//! covers, so a name written here is never changed or reused.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! stable_names {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable stored form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Compares with the stored form.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

stable_names! {
    /// What was done or tried.
    pub enum Action {
        Health => "health",
        Login => "login",
        /// One login or unlock attempt counted against the user ID before
        /// any factor is checked (the lockout counter's change).
        LoginAttempt => "login_attempt",
        Logout => "logout",
        Unlock => "unlock",
        Session => "session",
        PurposeChoose => "purpose_choose",
        SessionEnd => "session_end",
        SessionUse => "session_use",
        Search => "search",
        View => "view",
        Reveal => "reveal",
        AuditRead => "audit_read",
        AuditVerify => "audit_verify",
        /// The access log read through a filter (one page).
        AuditQuery => "audit_query",
        /// A ready-made analysis of the access log run over a period.
        AuditAnalysis => "audit_analysis",
        /// A report of an analysis made (CSV or PDF), before it is handed out.
        AuditReport => "audit_report",
        /// A signed checkpoint of the access log made and stored.
        AuditCheckpoint => "audit_checkpoint",
        StaffList => "staff_list",
        StaffAdd => "staff_add",
        CredentialsReset => "credentials_reset",
        TerminalEnroll => "terminal_enroll",
        TerminalList => "terminal_list",
        TerminalRevoke => "terminal_revoke",
        TlsHandshake => "tls_handshake",
        AdminInit => "admin_init",
        AdminSeed => "admin_seed",
        /// Entry (double keying): one row per transition, and per view.
        EntryStart => "entry_start",
        EntryDraft => "entry_draft",
        EntrySubmit => "entry_submit",
        EntrySecondStart => "entry_second_start",
        EntrySecondRelease => "entry_second_release",
        EntrySecondSubmit => "entry_second_submit",
        EntryRekey => "entry_rekey",
        EntryDecide => "entry_decide",
        EntryDiscard => "entry_discard",
        /// The agreed record committed as a new version.
        EntryCommit => "entry_commit",
        /// The agreed record failed its checks: to a supervisor.
        EntryChecksFailed => "entry_checks_failed",
        EntryView => "entry_view",
        EntryQueue => "entry_queue",
        /// The identity check at intake recorded with an entry.
        EntryIdentity => "entry_identity",
        /// A supervisor settled an identity check's differences.
        EntryIdentitySettle => "entry_identity_settle",
        /// The operators' quality figures read.
        EntryQuality => "entry_quality",
        /// A person's record versions read.
        RecordView => "record_view",
        CorrectionPropose => "correction_propose",
        CorrectionList => "correction_list",
        CorrectionView => "correction_view",
        CorrectionApprove => "correction_approve",
        CorrectionReject => "correction_reject",
        /// Today's re-verification list made (items added).
        ReverifyBuild => "reverify_build",
        ReverifyList => "reverify_list",
        ReverifyResolve => "reverify_resolve",
        ReverifyOverdue => "reverify_overdue",
        BatchOpen => "batch_open",
        BatchView => "batch_view",
        BatchClose => "batch_close",
        BatchList => "batch_list",
        /// Manual transfers: the registries, and one row per transition.
        DestinationRegister => "destination_register",
        DestinationChange => "destination_change",
        DestinationList => "destination_list",
        FormatRegister => "format_register",
        FormatList => "format_list",
        TransferPrepare => "transfer_prepare",
        TransferApprove => "transfer_approve",
        TransferReject => "transfer_reject",
        TransferView => "transfer_view",
        TransferList => "transfer_list",
        TransferPreview => "transfer_preview",
        TransferReconfirm => "transfer_reconfirm",
        /// The IT officer's sign-off at the preparer's terminal.
        TransferSignOff => "transfer_sign_off",
        /// A sign-off not completed in time paused the transfer.
        TransferPause => "transfer_pause",
        /// The manifest changed after the preview: the sign-off is void.
        TransferVoid => "transfer_void",
        /// An attempt to send started (committed before the request leaves).
        TransferSend => "transfer_send",
        TransferDelivered => "transfer_delivered",
        TransferFailed => "transfer_failed",
        /// An encrypted backup of the store made (`bansho admin backup`).
        Backup => "backup",
        /// A backup restored into a new directory; written in the restored
        /// store's log.
        Restore => "restore",
        /// The PIA evidence report made (`bansho admin pia-report`): its
        /// period and whether a PDF was written.
        PiaReport => "pia_report",
        /// The day's erasure plan made (its hash and size), or read.
        RetentionPlan => "retention_plan",
        RetentionPlanView => "retention_plan_view",
        /// An approval of an erasure plan's hash.
        RetentionApprove => "retention_approve",
        /// `bansho admin retention run`: refused, or done (its counts).
        RetentionRun => "retention_run",
        /// A tombstone: one item erased (kind, internal ID, rule,
        /// approvers), never what it held.
        RetentionErase => "retention_erase",
        /// Grants: one row per transition (an extension: one per grant),
        /// and the list read.
        GrantRequest => "grant_request",
        GrantApply => "grant_apply",
        GrantRefuse => "grant_refuse",
        GrantRevoke => "grant_revoke",
        GrantExtend => "grant_extend",
        GrantList => "grant_list",
        /// An account disabled (its sessions end at their next request).
        StaffDisable => "staff_disable",
        /// A holder's change of their own PIN (current PIN and a fresh code).
        PinChange => "pin_change",
        /// The HR roster compared with the grants (or refused as malformed),
        /// the latest comparison read, and its findings' grants revoked (one
        /// `grant_revoke` row per grant besides).
        RosterReconcile => "roster_reconcile",
        RosterView => "roster_view",
        RosterRevoke => "roster_revoke",
    }
}

stable_names! {
    /// How it ended.
    pub enum Outcome {
        Ok => "ok",
        /// Refused by a rule (permission, purpose, lock, terminal...).
        Denied => "denied",
        /// A proof of identity that did not hold (wrong PIN or code).
        Failure => "failure",
        RateLimited => "rate_limited",
        NotFound => "not_found",
        /// A search whose text could not be read as a query.
        InvalidQuery => "invalid_query",
        /// A session ended by the service (timeout, account disabled).
        Expired => "expired",
        /// A check that ran and found something wrong (a broken chain).
        Broken => "broken",
        /// Input refused by its checks (a form's fields, a decision).
        Invalid => "invalid",
    }
}

stable_names! {
    /// Why a request was refused or a session ended.
    pub enum Reason {
        AccountLocked => "locked",
        Busy => "busy",
        TerminalLogins => "terminal_logins",
        CodeReusedSameTerminal => "code_reused_same_terminal",
        PurposeNotAllowed => "purpose_not_allowed",
        PurposePending => "purpose_pending",
        AlreadyChosen => "already_chosen",
        NoPurpose => "no_purpose",
        Forbidden => "forbidden",
        Burst => "burst",
        MyNumberSearchNotPermitted => "my_number_search_not_permitted",
        AddressHidden => "address_hidden",
        TerminalMismatch => "terminal_mismatch",
        AbsoluteTimeout => "absolute_timeout",
        IdleTimeout => "idle_timeout",
        StaffDisabled => "staff_disabled",
        NoCertificate => "no_certificate",
        TerminalRevoked => "terminal_revoked",
        TerminalUnregistered => "terminal_unregistered",
        WrongKey => "wrong_key",
        KeyRecord => "key_record",
        /// Entry refusals: the state, the clerk, the decider, a stale read.
        EntryState => "entry_state",
        NotYourKeying => "not_your_keying",
        SameClerk => "same_clerk",
        DeciderKeyed => "decider_keyed",
        EntryChanged => "entry_changed",
        OwnCorrection => "own_correction",
        RecordChanged => "record_changed",
        AlreadyReviewed => "already_reviewed",
        NotYourItem => "not_your_item",
        BatchClosed => "batch_closed",
        EntriesOpen => "entries_open",
        /// `audit verify` findings against the latest signed checkpoint.
        CheckpointSignature => "checkpoint_signature",
        CheckpointOrigin => "checkpoint_origin",
        CheckpointTruncated => "checkpoint_truncated",
        CheckpointRoot => "checkpoint_root",
        CheckpointMissing => "checkpoint_missing",
        /// Retention: a hash that is not the current plan's, and a run
        /// without an IT officer's and a supervisor's approval.
        StalePlan => "stale_plan",
        ApprovalsMissing => "approvals_missing",
        AlreadyApproved => "already_approved",
        /// `audit verify --witness-key` findings.
        CosignatureInvalid => "cosignature_invalid",
        CosignatureMissing => "cosignature_missing",
        /// A session ended because no grant gives its user a role now.
        GrantEnded => "grant_ended",
        /// Grant refusals: the two-person rule, who may request or apply,
        /// the period, the state.
        SelfApplication => "self_application",
        OwnGrant => "own_grant",
        NotRequester => "not_requester",
        NotItOfficer => "not_it_officer",
        GrantRule => "grant_rule",
        GrantState => "grant_state",
        GrantChanged => "grant_changed",
        /// The session's PIN was handed over and must be changed first.
        PinChangeRequired => "pin_change_required",
        /// A new PIN refused by the PIN policy, or equal to the current one.
        PinPolicy => "pin_policy",
        SamePin => "same_pin",
        /// Credentials of an account that does not exist, or the caller's own.
        UnknownAccount => "unknown_account",
        /// A step on a grant id nobody has.
        UnknownGrant => "unknown_grant",
        OwnCredentials => "own_credentials",
        /// A revocation from a reconciliation that is not the newest, was
        /// acted on, or whose count of grants is not the one confirmed.
        StaleReconciliation => "stale_reconciliation",
    }
}

stable_names! {
    /// Which factor of a login or unlock did not hold.
    pub enum FactorFailure {
        UnknownUser => "unknown_user",
        WrongPin => "wrong_pin",
        WrongCode => "wrong_code",
        CodeReused => "code_reused",
    }
}

stable_names! {
    /// Why a TLS handshake failed, as a fixed code (never a library's text).
    pub enum HandshakeFailure {
        Timeout => "handshake_timeout",
        NoCertificate => "no_certificate",
        UntrustedCertificate => "untrusted_certificate",
        NoSharedCipher => "no_shared_cipher",
        ProtocolVersion => "protocol_version",
        Incompatible => "incompatible",
        ClientAlert => "client_alert",
        Malformed => "malformed",
        Abandoned => "abandoned",
        Failed => "handshake_failed",
        Revoked => "revoked",
        Unregistered => "unregistered",
        RegistryUnavailable => "registry_unavailable",
    }
}

/// What a row says beyond its action and outcome. Each variant writes one
/// stable text ([`Detail::to_string`]); none holds a name, a My Number or
/// search text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    None,
    Reason(Reason),
    /// A factor that did not hold; `locks` when this was the last attempt
    /// before the lock.
    Factor {
        failure: FactorFailure,
        locks: bool,
    },
    /// A counted attempt: its number in the current count, and whether the
    /// lock is set with it.
    Attempt {
        number: i64,
        locks: bool,
    },
    /// A terminal refused before any session: the certificate shown.
    Terminal {
        reason: Reason,
        fingerprint: String,
    },
    Handshake {
        failure: HandshakeFailure,
        fingerprint: Option<String>,
        peer: String,
    },
    /// Search results: how many, and whether more matched than were sent.
    Results {
        count: usize,
        truncated: bool,
    },
    /// Rows listed (access log, staff, terminals).
    Rows(usize),
    /// An access-log review: the filter or analysis asked for (user IDs,
    /// actions, times; the person is the row's subject, never a name) and
    /// how many rows or findings it answered.
    Review {
        asked: String,
        answered: usize,
    },
    /// The reason a clerk gave for revealing a My Number.
    RevealReason(String),
    /// A verified access log.
    Intact {
        rows: i64,
    },
    /// A chain broken at this row.
    FirstBadRow(i64),
    /// A signed checkpoint of the first `size` rows, and the short form of
    /// its root written in the paper record.
    Checkpoint {
        size: u64,
        fingerprint: String,
    },
    /// A signed checkpoint stored with the cosignature of the witness named.
    CosignedCheckpoint {
        size: u64,
        fingerprint: String,
        witness: String,
    },
    /// The account an administrative command changed.
    User(String),
    /// The terminal an administrative command named.
    TerminalName(String),
    StaffAdded {
        user: String,
        role: &'static str,
        department: &'static str,
    },
    FirstItOfficer(String),
    Seeded {
        residents: u64,
        seed: u64,
    },
    /// An entry, its state after the step, and the step's counts (fields
    /// keyed, fields differing, ...): never a value.
    Entry {
        id: String,
        state: &'static str,
        counts: Vec<(&'static str, usize)>,
    },
    /// A correction, its state after the step, how many fields it changes,
    /// and the record version it made (when approved).
    Correction {
        id: String,
        state: &'static str,
        changed: usize,
        version: Option<i64>,
    },
    /// A batch: its id, and the count and total keyed against its header's.
    Batch {
        id: String,
        committed: i64,
        forms: i64,
        total_matches: bool,
    },
    /// A transfer, its state after the step and how many records it sends
    /// (never whose: those are the row's subjects).
    Transfer {
        id: String,
        state: &'static str,
        records: usize,
    },
    /// A destination or format registered or changed, by id (and version).
    Registry(String),
    /// A re-verification item closed, and how.
    Reverified {
        entry: String,
        outcome: &'static str,
    },
    /// An entry refused: why (the machine's or the checks' code).
    EntryRefused {
        id: String,
        code: &'static str,
    },
    /// A backup's file name (never its folder) and how many recipients it
    /// was encrypted to.
    BackupFile {
        file: String,
        recipients: usize,
    },
    /// A report's period (RFC 3339 ends) and the file written, if any.
    Report {
        from: String,
        to: String,
        file: Option<String>,
    },
    /// A restored backup: when it was made and its last access-log row.
    Restored {
        made_at: String,
        last_row: i64,
    },
    /// An erasure plan: its hash and how many items it lists.
    RetentionPlan {
        hash: String,
        items: usize,
    },
    /// A refusal about an erasure plan, and the plan's hash.
    RetentionRefused {
        reason: Reason,
        hash: String,
    },
    /// One item erased: the tombstone's text.
    Erased {
        kind: &'static str,
        id: String,
        rule: String,
        approvers: (String, String),
    },
    /// A grant after a step: its id, whose, the role and department, its
    /// stored state and expiry (never the reasons given: free text).
    Grant {
        id: String,
        user: String,
        role: &'static str,
        department: &'static str,
        state: &'static str,
        until: Option<String>,
    },
    /// A grant step refused: why, and the grant if there is one.
    GrantRefused {
        reason: Reason,
        id: Option<String>,
    },
    /// An erasure plan carried out: its hash and the items erased.
    RetentionDone {
        hash: String,
        erased: usize,
    },
    /// New credentials for an account: whose, why (a fixed code), and how
    /// many of its sessions ended. Never the PIN or the secret.
    CredentialsReset {
        user: String,
        reason: &'static str,
        sessions_ended: u64,
    },
    /// A holder's own PIN changed, and how many of their other sessions
    /// ended.
    PinChanged {
        sessions_ended: u64,
    },
    /// A new PIN refused: the rule it broke (a fixed code, never the PIN).
    PinRefused {
        reason: Reason,
        rule: &'static str,
    },
    /// A roster reconciliation: its id, the roster file's SHA-256, how many
    /// people it listed and how many findings it made.
    Reconciliation {
        id: String,
        sha256: String,
        lines: usize,
        findings: usize,
    },
    /// A roster refused as malformed: its SHA-256 and how many bad lines.
    RosterRefused {
        sha256: String,
        bad_lines: usize,
    },
    /// A reconciliation's findings revoked: how many grants ended.
    RosterRevoked {
        id: String,
        revoked: usize,
    },
    /// A revocation refused, and the reconciliation it named.
    ReconciliationRefused {
        reason: Reason,
        id: String,
    },
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let locked = |f: &mut fmt::Formatter<'_>, locks: bool| {
            if locks {
                f.write_str(";locked")
            } else {
                Ok(())
            }
        };
        match self {
            Detail::None => Ok(()),
            Detail::Reason(reason) => f.write_str(reason.as_str()),
            Detail::Factor { failure, locks } => {
                f.write_str(failure.as_str())?;
                locked(f, *locks)
            }
            Detail::Attempt { number, locks } => {
                write!(f, "attempt={number}")?;
                locked(f, *locks)
            }
            Detail::Terminal {
                reason,
                fingerprint,
            } => write!(f, "{reason};fingerprint={fingerprint}"),
            Detail::Handshake {
                failure,
                fingerprint,
                peer,
            } => {
                f.write_str(failure.as_str())?;
                if let Some(fingerprint) = fingerprint {
                    write!(f, ";fingerprint={fingerprint}")?;
                }
                if !peer.is_empty() {
                    write!(f, ";peer={peer}")?;
                }
                Ok(())
            }
            Detail::Results { count, truncated } => {
                write!(f, "results={count}{}", if *truncated { "+" } else { "" })
            }
            Detail::Rows(rows) => write!(f, "rows={rows}"),
            Detail::Review { asked, answered } => write!(f, "{asked};answered={answered}"),
            Detail::RevealReason(reason) => write!(f, "reason={reason}"),
            Detail::Intact { rows } => write!(f, "intact;rows={rows}"),
            Detail::FirstBadRow(seq) => write!(f, "first_bad_row={seq}"),
            Detail::Checkpoint { size, fingerprint } => {
                write!(f, "checkpoint_size={size};fingerprint={fingerprint}")
            }
            Detail::CosignedCheckpoint {
                size,
                fingerprint,
                witness,
            } => write!(
                f,
                "checkpoint_size={size};fingerprint={fingerprint};witness={witness}"
            ),
            Detail::User(user) => write!(f, "user={user}"),
            Detail::TerminalName(name) => write!(f, "terminal={name}"),
            Detail::StaffAdded {
                user,
                role,
                department,
            } => write!(f, "user={user};role={role};department={department}"),
            Detail::FirstItOfficer(user) => write!(f, "first_it_officer={user}"),
            Detail::Seeded { residents, seed } => write!(f, "residents={residents};seed={seed}"),
            Detail::Entry { id, state, counts } => {
                write!(f, "entry={id};state={state}")?;
                counts.iter().try_for_each(|(k, n)| write!(f, ";{k}={n}"))
            }
            Detail::EntryRefused { id, code } => write!(f, "entry={id};code={code}"),
            Detail::Report { from, to, file } => {
                write!(f, "from={from};to={to}")?;
                match file {
                    Some(file) => write!(f, ";file={file}"),
                    None => Ok(()),
                }
            }
            Detail::BackupFile { file, recipients } => {
                write!(f, "file={file};recipients={recipients}")
            }
            Detail::Restored { made_at, last_row } => {
                write!(f, "backup_made_at={made_at};last_row={last_row}")
            }
            Detail::Reverified { entry, outcome } => write!(f, "entry={entry};outcome={outcome}"),
            Detail::Transfer { id, state, records } => {
                write!(f, "transfer={id};state={state};records={records}")
            }
            Detail::Registry(id) => write!(f, "registry={id}"),
            Detail::RetentionPlan { hash, items } => write!(f, "plan={hash};items={items}"),
            Detail::RetentionRefused { reason, hash } => write!(f, "{reason};plan={hash}"),
            Detail::Erased {
                kind,
                id,
                rule,
                approvers: (it, supervisor),
            } => write!(
                f,
                "erased={kind};id={id};rule={rule};approvers={it}+{supervisor}"
            ),
            Detail::RetentionDone { hash, erased } => write!(f, "plan={hash};erased={erased}"),
            Detail::CredentialsReset {
                user,
                reason,
                sessions_ended,
            } => write!(
                f,
                "user={user};reason={reason};sessions_ended={sessions_ended}"
            ),
            Detail::PinChanged { sessions_ended } => write!(f, "sessions_ended={sessions_ended}"),
            Detail::PinRefused { reason, rule } => write!(f, "{reason};rule={rule}"),
            Detail::Reconciliation {
                id,
                sha256,
                lines,
                findings,
            } => write!(
                f,
                "reconciliation={id};sha256={sha256};lines={lines};findings={findings}"
            ),
            Detail::RosterRefused { sha256, bad_lines } => {
                write!(f, "sha256={sha256};bad_lines={bad_lines}")
            }
            Detail::RosterRevoked { id, revoked } => {
                write!(f, "reconciliation={id};revoked={revoked}")
            }
            Detail::ReconciliationRefused { reason, id } => {
                write!(f, "{reason};reconciliation={id}")
            }
            Detail::Grant {
                id,
                user,
                role,
                department,
                state,
                until,
            } => {
                write!(
                    f,
                    "grant={id};user={user};role={role};department={department};state={state}"
                )?;
                match until {
                    Some(until) => write!(f, ";until={until}"),
                    None => Ok(()),
                }
            }
            Detail::GrantRefused { reason, id } => {
                f.write_str(reason.as_str())?;
                match id {
                    Some(id) => write!(f, ";grant={id}"),
                    None => Ok(()),
                }
            }
            Detail::Batch {
                id,
                committed,
                forms,
                total_matches,
            } => write!(
                f,
                "batch={id};committed={committed}/{forms};total={}",
                if *total_matches { "matches" } else { "differs" }
            ),
            Detail::Correction {
                id,
                state,
                changed,
                version,
            } => {
                write!(f, "correction={id};state={state};changed={changed}")?;
                match version {
                    Some(v) => write!(f, ";version={v}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// One thing the log records: action, outcome, detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    pub outcome: Outcome,
    pub detail: Detail,
}

impl Event {
    pub fn new(action: Action, outcome: Outcome, detail: Detail) -> Self {
        Self {
            action,
            outcome,
            detail,
        }
    }

    pub fn ok(action: Action) -> Self {
        Self::new(action, Outcome::Ok, Detail::None)
    }

    pub fn denied(action: Action, reason: Reason) -> Self {
        Self::new(action, Outcome::Denied, Detail::Reason(reason))
    }

    pub fn with(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_itself() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(*action));
        }
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(*outcome));
        }
        assert_eq!(Action::parse("delete_everything"), None);
    }

    #[test]
    fn names_are_unique_within_each_kind() {
        let mut seen = std::collections::HashSet::new();
        assert!(Action::ALL.iter().all(|a| seen.insert(a.as_str())));
        let mut seen = std::collections::HashSet::new();
        assert!(Reason::ALL.iter().all(|r| seen.insert(r.as_str())));
    }

    #[test]
    fn serde_writes_the_stored_form() {
        for action in Action::ALL {
            let json = serde_json::to_string(action).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
    }

    #[test]
    fn details_keep_the_stored_forms_of_earlier_rows() {
        let cases = [
            (
                Detail::Factor {
                    failure: FactorFailure::WrongPin,
                    locks: true,
                },
                "wrong_pin;locked",
            ),
            (
                Detail::Reason(Reason::PurposeNotAllowed),
                "purpose_not_allowed",
            ),
            (
                Detail::Results {
                    count: 50,
                    truncated: true,
                },
                "results=50+",
            ),
            (Detail::Rows(3), "rows=3"),
            (
                Detail::Terminal {
                    reason: Reason::TerminalRevoked,
                    fingerprint: "ab12".into(),
                },
                "terminal_revoked;fingerprint=ab12",
            ),
            (Detail::Intact { rows: 7 }, "intact;rows=7"),
            (
                Detail::Checkpoint {
                    size: 12,
                    fingerprint: "0909-0909-0909-0909".into(),
                },
                "checkpoint_size=12;fingerprint=0909-0909-0909-0909",
            ),
            (
                Detail::CosignedCheckpoint {
                    size: 12,
                    fingerprint: "0909-0909-0909-0909".into(),
                    witness: "bansho.witness".into(),
                },
                "checkpoint_size=12;fingerprint=0909-0909-0909-0909;witness=bansho.witness",
            ),
            (Detail::None, ""),
        ];
        for (detail, text) in cases {
            assert_eq!(detail.to_string(), text);
        }
    }
}
