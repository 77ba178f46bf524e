//! The terminal's state. Nothing here draws or talks to the network:
//! `update` changes it, `render` reads it.

use std::time::{Duration, Instant};

use crate::api::{Permission, Purpose, ResidentRecord, ResidentSummary, SessionInfo};

/// The purposes the session may choose from (its department's).
pub fn purpose_choices(app: &App) -> &[Purpose] {
    app.session.as_ref().map_or(&[], |s| s.purposes.as_slice())
}
use crate::secret::Secret;

use super::action::{Failure, FailureText};
use super::config_error::ConfigError;
use super::i18n::{I18n, Lang};
use super::keymap::Keymap;
use super::theme::Theme;
use super::widgets::input::TextInput;
use super::{DemoAccount, DemoPanel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Login,
    /// Logged in without a business purpose: choosing one of the
    /// department's, none preselected.
    Purpose,
    Search,
    Record,
    /// Idle lock: no record data in memory, only the user ID, PIN and code.
    Locked,
    /// A session whose role may not search residents (the IT officer): a
    /// notice instead of a search box that could only be refused.
    NoSearch,
}

impl Screen {
    /// Where a session starts: the purpose choice until it has one, then
    /// the search box if its role may search.
    pub fn home(session: &SessionInfo) -> Screen {
        if session.purpose.is_none() {
            Screen::Purpose
        } else if session.permissions.contains(&Permission::SearchResidents) {
            Screen::Search
        } else {
            Screen::NoSearch
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    UserId,
    Pin,
    Code,
}

impl LoginField {
    pub const ORDER: [LoginField; 3] = [LoginField::UserId, LoginField::Pin, LoginField::Code];
}

/// Choosing the session's business purpose from the department's list the
/// service sent: nothing is chosen until the user picks one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurposeChoice {
    pub selected: Option<usize>,
    /// The choice is on its way to the service.
    pub busy: bool,
}

#[derive(Debug)]
pub struct LoginState {
    pub user_id: TextInput,
    /// The PIN as typed: a zeroizing buffer, drawn as `*`.
    pub pin: TextInput,
    /// The one-time code as typed: zeroizing too.
    pub code: TextInput,
    pub focus: LoginField,
    /// A login request is on its way.
    pub busy: bool,
}

impl LoginState {
    pub fn new() -> LoginState {
        LoginState {
            user_id: TextInput::new(64),
            pin: TextInput::secret(128),
            code: TextInput::new(8),
            focus: LoginField::UserId,
            busy: false,
        }
    }

    pub fn focused_input(&mut self) -> &mut TextInput {
        match self.focus {
            LoginField::UserId => &mut self.user_id,
            LoginField::Pin => &mut self.pin,
            LoginField::Code => &mut self.code,
        }
    }
}

impl Default for LoginState {
    fn default() -> Self {
        LoginState::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockField {
    Pin,
    Code,
}

/// A locked terminal: whose session waits, and the PIN and code typed to
/// unlock it (zeroizing buffers, the PIN drawn as `*`). Nothing else of the
/// session is kept: no name, no purpose, no records.
#[derive(Debug)]
pub struct LockState {
    pub user_id: String,
    pub pin: TextInput,
    pub code: TextInput,
    pub focus: LockField,
    /// An unlock request is on its way.
    pub busy: bool,
}

impl LockState {
    pub fn new(user_id: String) -> LockState {
        LockState {
            user_id,
            pin: TextInput::secret(128),
            code: TextInput::new(8),
            focus: LockField::Pin,
            busy: false,
        }
    }

    pub fn focused_input(&mut self) -> &mut TextInput {
        match self.focus {
            LockField::Pin => &mut self.pin,
            LockField::Code => &mut self.code,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchFocus {
    Input,
    Results,
}

#[derive(Debug)]
pub struct SearchState {
    pub input: TextInput,
    pub focus: SearchFocus,
    pub results: Vec<ResidentSummary>,
    pub truncated: bool,
    pub limit: usize,
    pub selected: usize,
    /// Whether a search has completed (to tell "no results" from "not yet").
    pub searched: bool,
    /// The number of the search whose answer is awaited; older answers are
    /// dropped.
    pub pending: Option<u64>,
}

impl SearchState {
    pub fn new() -> SearchState {
        SearchState {
            input: TextInput::new(128),
            focus: SearchFocus::Input,
            results: Vec::new(),
            truncated: false,
            limit: 0,
            selected: 0,
            searched: false,
            pending: None,
        }
    }
}

impl Default for SearchState {
    fn default() -> Self {
        SearchState::new()
    }
}

#[derive(Debug)]
pub struct RecordState {
    pub record: ResidentRecord,
    /// The full My Number after a confirmed reveal; dropped (and wiped) when
    /// the record is left.
    pub revealed: Option<Secret>,
    pub revealing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    ConfirmReveal,
    ConfirmLogout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A status-bar message. Locale keys are looked up when drawn; service text
/// and arguments are sanitized when drawn.
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

impl Status {
    pub fn local(level: Level, key: &'static str) -> Status {
        Status {
            level,
            note: Note::Local { key, args: vec![] },
        }
    }

    pub fn failure(failure: &Failure) -> Status {
        let note = match &failure.message {
            FailureText::Service(text) => Note::Service(text.clone()),
            FailureText::Local(key) => Note::Local { key, args: vec![] },
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

pub struct App {
    pub i18n: I18n,
    pub keymap: Keymap,
    pub theme: Theme,
    pub screen: Screen,
    pub login: LoginState,
    pub purpose: PurposeChoice,
    pub session: Option<SessionInfo>,
    /// Some while the terminal is locked (then `session` is None).
    pub lock: Option<LockState>,
    /// Idle time after which an open session locks.
    pub idle_lock: Duration,
    /// When the user last pressed a key or pasted (runtime's clock).
    pub last_input: Instant,
    /// The latest time the runtime has told `update` about.
    pub now: Instant,
    pub search: SearchState,
    pub record: Option<RecordState>,
    /// The person whose record is being fetched.
    pub opening: Option<String>,
    pub popup: Option<Popup>,
    pub help: bool,
    pub status: Option<Status>,
    pub demo: Option<DemoPanel>,
    pub demo_accounts: Vec<DemoAccount>,
    /// Next search request number (never reset, so an answer from before a
    /// logout can never match a later request).
    pub next_seq: u64,
    pub needs_render: bool,
    pub should_quit: bool,
}

impl App {
    pub fn new(lang: Lang, keymap: Keymap, theme: Theme, demo: Option<DemoPanel>) -> App {
        let demo_accounts = demo.as_ref().map(|d| (d.accounts)()).unwrap_or_default();
        let now = Instant::now();
        App {
            i18n: I18n::new(lang),
            keymap,
            theme,
            screen: Screen::Login,
            login: LoginState::new(),
            purpose: PurposeChoice::default(),
            session: None,
            lock: None,
            idle_lock: super::DEFAULT_IDLE_LOCK,
            last_input: now,
            now,
            search: SearchState::new(),
            record: None,
            opening: None,
            popup: None,
            help: false,
            status: None,
            demo,
            demo_accounts,
            next_seq: 1,
            needs_render: true,
            should_quit: false,
        }
    }

    /// Drops everything tied to a session: records, results, typed text.
    pub fn reset_session(&mut self) {
        self.drop_records();
        self.session = None;
        self.lock = None;
        self.login = LoginState::new();
        self.purpose = PurposeChoice::default();
        self.screen = Screen::Login;
    }

    /// The screen a session starts on (after login, unlock or the choice
    /// of a purpose).
    pub fn start_screen(&self) -> Screen {
        self.session.as_ref().map_or(Screen::Login, Screen::home)
    }

    /// Locks the terminal: every record, result and typed search is dropped
    /// (revealed numbers wiped), and of the session only the user ID stays.
    /// Returns false when there is no open session to lock.
    pub fn lock_session(&mut self) -> bool {
        let Some(session) = self.session.take() else {
            return false;
        };
        self.drop_records();
        self.lock = Some(LockState::new(session.staff.user_id));
        self.screen = Screen::Locked;
        true
    }

    /// Whether the terminal has been idle for the lock time at `now`. The
    /// lock never comes later than the service's own idle timeout: records
    /// do not stay on the screen of a session the service has ended.
    pub fn idle_expired(&self, now: Instant) -> bool {
        let Some(session) = &self.session else {
            return false;
        };
        let service = match session.idle_timeout_secs {
            0 => self.idle_lock,
            secs => Duration::from_secs(secs),
        };
        now.saturating_duration_since(self.last_input) >= self.idle_lock.min(service)
    }

    fn drop_records(&mut self) {
        self.search = SearchState::new();
        self.record = None;
        self.opening = None;
        self.popup = None;
        self.help = false;
        self.status = None;
        self.needs_render = true;
    }
}
