//! The one message type of the terminal: the keymap's vocabulary (the
//! commands a key can `run`) and the results that background tasks send back.

use std::time::Instant;

use crossterm::event::KeyEvent;
use ratatui::layout::Size;

use crate::api::{LoginResponse, ResidentRecord, SearchResponse, SessionInfo};
use crate::client::ClientError;
use crate::client::tls::TlsProblem;
use crate::secret::Secret;

pub use super::entry_call::EntryAnswer;
pub use super::records_call::RecordsAnswer;
pub use super::review_call::ReviewAnswer;
pub use super::transfers_call::TransfersAnswer;

/// What failed, as the terminal shows it. `message` is the service's text
/// (sanitized when drawn) or a locale key for local failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Option<crate::api::ErrorCode>,
    pub status: Option<u16>,
    pub message: FailureText,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureText {
    /// Written by the service for the clerk; drawn after sanitizing.
    Service(String),
    /// A locale key (transport or decode trouble: the details stay out of
    /// the screen, they name hosts and library internals).
    Local(&'static str),
    /// A refused search, said in the terminal's language.
    Search(crate::api::SearchRefusal),
}

impl Failure {
    /// The service says the session is gone (401 `unauthenticated`). A
    /// wrong PIN or code at unlock is a 401 too, but `login_failed`: the
    /// session lives on and the user may try again.
    pub fn is_unauthenticated(&self) -> bool {
        use crate::api::ErrorCode;
        match self.code {
            Some(ErrorCode::Unauthenticated) => true,
            Some(ErrorCode::LoginFailed | ErrorCode::CodeJustUsed) => false,
            _ => self.status == Some(401),
        }
    }

    /// The request never reached the service (no connection, or the
    /// service could not take it): the terminal shows the outage and
    /// probes until the service answers again.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self.message,
            FailureText::Local(TRANSPORT | TLS_SERVICE_UNAVAILABLE)
        )
    }

    pub fn service(code: crate::api::ErrorCode, status: u16, message: &str) -> Failure {
        Failure {
            code: Some(code),
            status: Some(status),
            message: FailureText::Service(message.to_string()),
        }
    }
}

/// The locale keys of the failures that mean the service was not reached.
const TRANSPORT: &str = "error.transport";
const TLS_SERVICE_UNAVAILABLE: &str = "error.tls_service_unavailable";

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Failure {
        match error {
            ClientError::Api { status, error } => Failure {
                code: Some(error.code),
                status: Some(status),
                message: match error.search_refusal {
                    Some(refusal) => FailureText::Search(refusal),
                    None => FailureText::Service(error.message),
                },
            },
            ClientError::Entry { status, refusal } => Failure {
                code: Some(refusal.error.code),
                status: Some(status),
                message: FailureText::Service(refusal.error.message),
            },
            ClientError::Transport(_) => Failure {
                code: None,
                status: None,
                message: FailureText::Local(TRANSPORT),
            },
            ClientError::Tls(problem) => Failure {
                code: None,
                status: None,
                message: FailureText::Local(match problem {
                    TlsProblem::NoClientCertificate => "error.tls_no_certificate",
                    TlsProblem::ForeignClientCertificate => "error.tls_foreign_certificate",
                    TlsProblem::TerminalRevoked => "error.tls_revoked",
                    TlsProblem::ServerNotTrusted => "error.tls_server_untrusted",
                    TlsProblem::ServiceUnavailable => TLS_SERVICE_UNAVAILABLE,
                }),
            },
            ClientError::Decode(_) => Failure {
                code: None,
                status: None,
                message: FailureText::Local("error.decode"),
            },
        }
    }
}

macro_rules! commands {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A command a key can run (the `run = "..."` names of keymap files).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command { $($variant),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            pub fn parse(name: &str) -> Option<Command> {
                match name { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit => "quit",
    Logout => "logout",
    Help => "help",
    MessageLog => "message_log",
    Back => "back",
    NextField => "next_field",
    PrevField => "prev_field",
    Submit => "submit",
    SelectNext => "select_next",
    SelectPrev => "select_prev",
    PageDown => "page_down",
    PageUp => "page_up",
    First => "first",
    Last => "last",
    FocusSearch => "focus_search",
    Reveal => "reveal",
    Confirm => "confirm",
    Cancel => "cancel",
    SwitchUser => "switch_user",
    WorkList => "work_list",
    NewEntry => "new_entry",
    Send => "send",
    AddRow => "add_row",
    NextChoice => "next_choice",
    PrevChoice => "prev_choice",
    NextTab => "next_tab",
    PrevTab => "prev_tab",
    Discard => "discard",
    NewBatch => "new_batch",
    CloseBatch => "close_batch",
    CurrentBatch => "current_batch",
    History => "history",
    ProposeCorrection => "propose_correction",
    MarkVerified => "mark_verified",
    MarkNeedsCorrection => "mark_needs_correction",
    Approve => "approve",
    Reject => "reject",
    TransferPick => "transfer_pick",
    NewTransfer => "new_transfer",
    Execute => "execute",
    Reconfirm => "reconfirm",
    SignOff => "sign_off",
    Revoke => "revoke",
    Noop => "noop",
}

/// Which way the mouse wheel turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wheel {
    Up,
    Down,
}

impl Wheel {
    /// The command the wheel means: the arrow keys' (next, previous).
    pub fn command(self) -> Command {
        match self {
            Wheel::Up => Command::SelectPrev,
            Wheel::Down => Command::SelectNext,
        }
    }
}

/// Everything `update` reacts to.
#[derive(Debug)]
pub enum Action {
    /// A command, from a key binding or a test.
    Run(Command),
    /// A key press at the given time, routed by `update` (focused input,
    /// screen, global). Keys and pastes are what counts as activity for the
    /// idle lock; the time comes from the runtime, so tests step it.
    Key(KeyEvent, Instant),
    /// Bracketed paste at the given time: data for the focused field, never
    /// a command.
    Paste(String, Instant),
    /// The clock: about once a second (locks an idle session, schedules
    /// the probes of an unreachable service), and once per spinner frame
    /// while something is awaited.
    Tick(Instant),
    /// The terminal's size, at the start and whenever it changes.
    Resize(Size),
    /// The mouse wheel at the given time: moves through the list that has
    /// the keys (or scrolls the help) like the arrow keys, and counts as
    /// activity like a key.
    Wheel(Wheel, Instant),
    /// The service's answer to the choice of a purpose.
    PurposeChosen(Result<SessionInfo, Failure>),
    LoggedIn(Result<Box<LoginResponse>, Failure>),
    /// The answer to an unlock: a new token and session, or why not.
    Unlocked(Result<Box<LoginResponse>, Failure>),
    /// A search result; `seq` is the request's number, and only the newest
    /// request's answer is shown.
    Searched {
        seq: u64,
        result: Result<SearchResponse, Failure>,
    },
    RecordLoaded {
        person: String,
        result: Result<Box<ResidentRecord>, Failure>,
    },
    Revealed {
        person: String,
        result: Result<Secret, Failure>,
    },
    /// The answer to a health probe of an unreachable service.
    Probed(Result<(), Failure>),
    /// The service's answer to an entry call (work lists, keying, decisions).
    Entry(EntryAnswer),
    /// The service's answer to a review call (overdue, quality, batches).
    Review(ReviewAnswer),
    /// The service's answer to a record call (history, corrections,
    /// re-verification).
    Records(RecordsAnswer),
    /// The service's answer to a transfer call.
    /// Boxed: a transfer's view is the largest answer.
    Transfers(Box<TransfersAnswer>),
}

/// What the result of a request says about reaching the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The service answered (with data or with an error of its own).
    Answered,
    /// The request did not reach it.
    Unreachable,
}

impl Action {
    /// For the result of a request to the service (not a probe), whether
    /// it got through; None for input, and for failures made up locally.
    pub fn reach(&self) -> Option<Reach> {
        let failure = match self {
            Action::PurposeChosen(result) => result.as_ref().err(),
            Action::LoggedIn(result) | Action::Unlocked(result) => result.as_ref().err(),
            Action::Searched { result, .. } => result.as_ref().err(),
            Action::RecordLoaded { result, .. } => result.as_ref().err(),
            Action::Revealed { result, .. } => result.as_ref().err(),
            Action::Entry(answer) => answer.failure(),
            Action::Review(answer) => answer.failure(),
            Action::Records(answer) => answer.failure(),
            Action::Transfers(answer) => answer.failure(),
            _ => return None,
        };
        match failure {
            None => Some(Reach::Answered),
            Some(f) if f.is_unreachable() => Some(Reach::Unreachable),
            Some(f) if f.status.is_some() => Some(Reach::Answered),
            Some(_) => None,
        }
    }
}
