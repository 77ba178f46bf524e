//! The status line's message: a level and a note. Locale keys are looked up
//! when drawn; service text and arguments are sanitized when drawn. A
//! refusal of the service is shown by its error code, in the terminal's
//! language; the service's own (English) words only where the code alone
//! does not say what was wrong.

use std::collections::VecDeque;

use crate::api::ErrorCode;

use super::action::{Failure, FailureText};
use super::config_error::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Local {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    Service(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: Level,
    pub note: Note,
}

/// The notes that only say a request is on its way.
const PROGRESS: [&str; 6] = [
    "login.in_progress",
    "purpose.in_progress",
    "lock.in_progress",
    "search.in_progress",
    "search.opening",
    "record.revealing",
];

impl Status {
    /// Whether this only says that a request is on its way.
    pub fn is_progress(&self) -> bool {
        matches!(&self.note, Note::Local { key, .. } if PROGRESS.contains(key))
    }
    pub fn local(level: Level, key: &'static str) -> Status {
        Status {
            level,
            note: Note::Local { key, args: vec![] },
        }
    }

    pub fn failure(failure: &Failure) -> Status {
        let note = match (&failure.message, failure.code.and_then(failure_key)) {
            (FailureText::Search(refusal), _) => super::search_refusal::refusal_note(refusal),
            (&FailureText::Local(key), _) | (FailureText::Service(_), Some(key)) => {
                Note::Local { key, args: vec![] }
            }
            (FailureText::Service(text), None) => Note::Service(text.clone()),
        };
        Status {
            level: Level::Error,
            note,
        }
    }

    pub fn config(key: &'static str, error: &ConfigError) -> Status {
        let mut args = vec![("file", error.file.clone()), ("msg", error.message.clone())];
        let key = match error.line {
            Some(line) => {
                args.push(("line", line.to_string()));
                key
            }
            None => "error.file",
        };
        Status {
            level: Level::Warning,
            note: Note::Local { key, args },
        }
    }
}

/// How many messages the log keeps (the oldest go first).
pub const LOG_CAPACITY: usize = 50;

/// The last messages of the status line, newest last, in memory only and
/// emptied at every lock and logout. It never holds personal data: a note
/// is a locale key with arguments that are counts, key names, file paths
/// and their parse errors, or the service's words about a refused search
/// (which name terms by their position, never by their text); records,
/// names, addresses and numbers are never put in the status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageLog {
    entries: VecDeque<Status>,
    /// The status line as last seen, to tell a new message from one that
    /// is still showing.
    last_seen: Option<Status>,
}

impl MessageLog {
    /// Keeps `status` if it is a new message: not the one already showing,
    /// and not a note that work is under way (its outcome follows).
    pub fn observe(&mut self, status: Option<&Status>) {
        if self.last_seen.as_ref() == status {
            return;
        }
        self.last_seen = status.cloned();
        if let Some(status) = status.filter(|s| !s.is_progress()) {
            if self.entries.len() == LOG_CAPACITY {
                self.entries.pop_front();
            }
            self.entries.push_back(status.clone());
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.last_seen = None;
    }

    /// Oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Status> + ExactSizeIterator {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The locale key that says what a refusal with `code` means; None where
/// the service's message carries what the code does not (the search box's
/// reading of a query, the checks an entry failed).
pub fn failure_key(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::InvalidQuery | ErrorCode::EntryInvalid | ErrorCode::RosterInvalid => {
            return None;
        }
        ErrorCode::BadRequest => "failure.bad_request",
        ErrorCode::LoginFailed => "failure.login_failed",
        ErrorCode::CodeJustUsed => "failure.code_just_used",
        ErrorCode::AccountLocked => "failure.account_locked",
        ErrorCode::Unauthenticated => "failure.unauthenticated",
        ErrorCode::Forbidden => "failure.forbidden",
        ErrorCode::PurposeRequired => "failure.purpose_required",
        ErrorCode::PurposeNotAllowed => "failure.purpose_not_allowed",
        ErrorCode::PurposeAlreadyChosen => "failure.purpose_already_chosen",
        ErrorCode::EntryConflict => "failure.entry_conflict",
        ErrorCode::EntryNotYours => "failure.entry_not_yours",
        ErrorCode::TransferRefused => "failure.transfer_refused",
        ErrorCode::RetentionPlanChanged => "failure.retention_plan_changed",
        ErrorCode::GrantRefused => "failure.grant_refused",
        ErrorCode::PinChangeRequired => "failure.pin_change_required",
        ErrorCode::PinRejected => "failure.pin_rejected",
        ErrorCode::CredentialsRefused => "failure.credentials_refused",
        ErrorCode::RosterStale => "failure.roster_stale",
        ErrorCode::Busy => "failure.busy",
        ErrorCode::NotFound => "failure.not_found",
        ErrorCode::MethodNotAllowed
        | ErrorCode::UnsupportedMediaType
        | ErrorCode::PayloadTooLarge => "failure.not_understood",
        ErrorCode::RateLimited => "failure.rate_limited",
        ErrorCode::AuditUnavailable => "failure.audit_unavailable",
        ErrorCode::StoreUnavailable => "failure.store_unavailable",
        ErrorCode::Internal => "failure.internal",
    })
}
