//! The terminal's state: the active screen (each screen owns its state),
//! the search that outlives an open record, the popups over them, and what
//! every screen shares (session, status line, keymap, theme, locale).
//! Nothing here draws or talks to the network.

use std::time::{Duration, Instant};

use ratatui::layout::{Position, Rect, Size};

use crate::api::{Permission, SessionInfo};

use super::component::{Component, Ctx};
use super::i18n::{I18n, Lang};
use super::keymap::Keymap;
use super::popups::confirm::{ConfirmPopup, PendingAction};
use super::popups::help::HelpOverlay;
use super::popups::log::LogPopup;
use super::screens::audit::AuditScreen;
use super::screens::entry::EntryScreen;
use super::screens::grants::GrantsScreen;
use super::screens::lock::LockScreen;
use super::screens::login::LoginScreen;
use super::screens::no_search::NoSearchScreen;
use super::screens::pin_change::PinChangeScreen;
use super::screens::purpose::PurposeScreen;
use super::screens::record::RecordScreen;
use super::screens::records::RecordsScreen;
use super::screens::review::ReviewScreen;
use super::screens::search::SearchScreen;
use super::screens::transfers::TransfersScreen;
use super::service::Service;
use super::theme::Theme;
use super::view::View;
use super::wait::Wait;
use super::widgets::layout::frame_areas;
use super::widgets::message;
use super::{DemoAccount, DemoPanel};

pub use super::status::{Level, MessageLog, Note, Status};

/// Which screen is showing.
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
    /// The entry work list, a keying form, or a supervisor's decision.
    Entry,
    /// A review tab: batches, overdue re-verification, quality.
    Review,
    /// A declaration history, a correction proposed or reviewed, or the
    /// re-verification and corrections lists.
    Records,
    /// The transfers tab: the list, one transfer, a clerk's request.
    Transfers,
    /// The grants tab.
    Grants,
    /// The access log and analyses tabs.
    Audit,
    /// The holder's PIN change (first, after a handed-over PIN).
    PinChange,
}

/// The active screen with its state. The search screen's state lives in
/// [`App::search`], since its results stay while a record is open.
#[derive(Debug)]
enum Active {
    Login(LoginScreen),
    Purpose(PurposeScreen),
    Search,
    Record(RecordScreen),
    Locked(LockScreen),
    NoSearch(NoSearchScreen),
    Entry(EntryScreen),
    Review(ReviewScreen),
    Records(RecordsScreen),
    Transfers(Box<TransfersScreen>),
    Grants(Box<GrantsScreen>),
    Audit(Box<AuditScreen>),
    PinChange(PinChangeScreen),
}

pub struct App {
    pub i18n: I18n,
    pub keymap: Keymap,
    pub theme: Theme,
    active: Active,
    pub search: SearchScreen,
    pub session: Option<SessionInfo>,
    /// Idle time after which an open session locks.
    pub idle_lock: Duration,
    /// When the user last pressed a key or pasted (runtime's clock).
    pub last_input: Instant,
    /// The latest time the runtime has told `update` about.
    pub now: Instant,
    /// The confirm popup, over everything else.
    pub popup: Option<ConfirmPopup>,
    /// The key help, over the screen.
    pub help: bool,
    /// The first row of the help shown.
    pub help_scroll: usize,
    /// The message log, over the screen and the help.
    pub log: Option<LogPopup>,
    /// The terminal's size, as last reported (what the help can show
    /// depends on it).
    pub size: Size,
    pub status: Option<Status>,
    /// The status line's last messages (emptied at lock and logout).
    pub messages: MessageLog,
    /// What the screen waits for from the service, and since when.
    pub wait: Wait,
    /// Whether the service can be reached, and when it is probed next.
    pub service: Service,
    pub demo: Option<DemoPanel>,
    pub demo_accounts: Vec<DemoAccount>,
    /// The batch (束) the clerk chose on the batches tab: the next keying
    /// started from a record is filed under it. Dropped at lock and logout.
    pub current_batch: Option<String>,
    /// The persons (internal numbers) chosen on their records for the
    /// transfer being prepared. Dropped at lock and logout.
    pub transfer_picks: Vec<String>,
    /// The folder analysis reports are saved in: the directory the
    /// workstation was started in.
    pub reports_dir: std::path::PathBuf,
    /// Next search request number (never reset, so an answer from before a
    /// logout can never match a later request).
    next_seq: u64,
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
            active: Active::Login(LoginScreen::new()),
            search: SearchScreen::new(),
            session: None,
            idle_lock: super::DEFAULT_IDLE_LOCK,
            last_input: now,
            now,
            popup: None,
            help: false,
            help_scroll: 0,
            log: None,
            size: Size::new(80, 24),
            status: None,
            messages: MessageLog::default(),
            wait: Wait::default(),
            service: Service::default(),
            demo,
            demo_accounts,
            current_batch: None,
            transfer_picks: Vec::new(),
            reports_dir: std::path::PathBuf::from("."),
            next_seq: 1,
            needs_render: true,
            should_quit: false,
        }
    }

    pub fn screen(&self) -> Screen {
        match self.active {
            Active::Login(_) => Screen::Login,
            Active::Purpose(_) => Screen::Purpose,
            Active::Search => Screen::Search,
            Active::Record(_) => Screen::Record,
            Active::Locked(_) => Screen::Locked,
            Active::NoSearch(_) => Screen::NoSearch,
            Active::Entry(_) => Screen::Entry,
            Active::Review(_) => Screen::Review,
            Active::Records(_) => Screen::Records,
            Active::Transfers(_) => Screen::Transfers,
            Active::Grants(_) => Screen::Grants,
            Active::Audit(_) => Screen::Audit,
            Active::PinChange(_) => Screen::PinChange,
        }
    }

    pub fn login(&self) -> Option<&LoginScreen> {
        match &self.active {
            Active::Login(s) => Some(s),
            _ => None,
        }
    }

    pub fn login_mut(&mut self) -> Option<&mut LoginScreen> {
        match &mut self.active {
            Active::Login(s) => Some(s),
            _ => None,
        }
    }

    pub fn purpose(&self) -> Option<&PurposeScreen> {
        match &self.active {
            Active::Purpose(s) => Some(s),
            _ => None,
        }
    }

    pub fn purpose_mut(&mut self) -> Option<&mut PurposeScreen> {
        match &mut self.active {
            Active::Purpose(s) => Some(s),
            _ => None,
        }
    }

    pub fn record(&self) -> Option<&RecordScreen> {
        match &self.active {
            Active::Record(s) => Some(s),
            _ => None,
        }
    }

    pub fn record_mut(&mut self) -> Option<&mut RecordScreen> {
        match &mut self.active {
            Active::Record(s) => Some(s),
            _ => None,
        }
    }

    pub fn pin_change(&self) -> Option<&PinChangeScreen> {
        match &self.active {
            Active::PinChange(s) => Some(s),
            _ => None,
        }
    }

    pub fn pin_change_mut(&mut self) -> Option<&mut PinChangeScreen> {
        match &mut self.active {
            Active::PinChange(s) => Some(s),
            _ => None,
        }
    }

    /// Shows the holder's own PIN change (the search results stay).
    pub fn show_pin_change(&mut self, screen: PinChangeScreen) {
        self.active = Active::PinChange(screen);
    }

    pub fn lock(&self) -> Option<&LockScreen> {
        match &self.active {
            Active::Locked(s) => Some(s),
            _ => None,
        }
    }

    pub fn lock_mut(&mut self) -> Option<&mut LockScreen> {
        match &mut self.active {
            Active::Locked(s) => Some(s),
            _ => None,
        }
    }

    pub fn entry(&self) -> Option<&EntryScreen> {
        match &self.active {
            Active::Entry(s) => Some(s),
            _ => None,
        }
    }

    pub fn entry_mut(&mut self) -> Option<&mut EntryScreen> {
        match &mut self.active {
            Active::Entry(s) => Some(s),
            _ => None,
        }
    }

    /// Shows an entry screen (the search results stay for the way back).
    pub fn show_entry(&mut self, entry: EntryScreen) {
        self.active = Active::Entry(entry);
    }

    pub fn review(&self) -> Option<&ReviewScreen> {
        match &self.active {
            Active::Review(s) => Some(s),
            _ => None,
        }
    }

    pub fn records(&self) -> Option<&RecordsScreen> {
        match &self.active {
            Active::Records(s) => Some(s),
            _ => None,
        }
    }

    pub fn review_mut(&mut self) -> Option<&mut ReviewScreen> {
        match &mut self.active {
            Active::Review(s) => Some(s),
            _ => None,
        }
    }

    pub fn records_mut(&mut self) -> Option<&mut RecordsScreen> {
        match &mut self.active {
            Active::Records(s) => Some(s),
            _ => None,
        }
    }

    pub fn transfers(&self) -> Option<&TransfersScreen> {
        match &self.active {
            Active::Transfers(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    pub fn transfers_mut(&mut self) -> Option<&mut TransfersScreen> {
        match &mut self.active {
            Active::Transfers(s) => Some(s.as_mut()),
            _ => None,
        }
    }

    pub fn grants(&self) -> Option<&GrantsScreen> {
        match &self.active {
            Active::Grants(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    pub fn grants_mut(&mut self) -> Option<&mut GrantsScreen> {
        match &mut self.active {
            Active::Grants(s) => Some(s.as_mut()),
            _ => None,
        }
    }

    pub fn audit(&self) -> Option<&AuditScreen> {
        match &self.active {
            Active::Audit(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    pub fn audit_mut(&mut self) -> Option<&mut AuditScreen> {
        match &mut self.active {
            Active::Audit(s) => Some(s.as_mut()),
            _ => None,
        }
    }

    /// Shows the grants tab (the search results stay for the way back).
    pub fn show_grants(&mut self, grants: GrantsScreen) {
        self.active = Active::Grants(Box::new(grants));
    }

    /// Shows an audit review tab (the search results stay for the way back).
    pub fn show_audit(&mut self, audit: AuditScreen) {
        self.active = Active::Audit(Box::new(audit));
    }

    /// A new request number (see [`Ctx::next_seq`]).
    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Shows the transfers tab (the search results stay for the way back).
    pub fn show_transfers(&mut self, transfers: TransfersScreen) {
        self.active = Active::Transfers(Box::new(transfers));
    }

    /// Shows a review tab (the search results stay for the way back).
    pub fn show_review(&mut self, review: ReviewScreen) {
        self.active = Active::Review(review);
    }

    /// Shows a record screen (history, corrections, re-verification).
    pub fn show_records(&mut self, records: RecordsScreen) {
        self.active = Active::Records(records);
    }

    /// What the confirm popup waits to hear yes to.
    pub fn pending(&self) -> Option<&PendingAction> {
        self.popup.as_ref().map(ConfirmPopup::pending)
    }

    /// Where a session starts, fresh: the PIN change while a handed-over
    /// PIN is not changed, the purpose choice until it has one, then the
    /// search box if its role may search, else the notice; the login
    /// without a session.
    pub fn show_home(&mut self) {
        self.active = match &self.session {
            None => Active::Login(LoginScreen::new()),
            Some(s) if s.pin_change_required => Active::PinChange(PinChangeScreen::new(true)),
            Some(s) if s.purpose.is_none() => Active::Purpose(PurposeScreen::default()),
            Some(s) if s.permissions.contains(&Permission::SearchResidents) => Active::Search,
            Some(_) => Active::NoSearch(NoSearchScreen),
        };
    }

    /// Shows a record opened from the search results.
    pub fn show_record(&mut self, record: RecordScreen) {
        self.active = Active::Record(record);
    }

    /// Back to the search screen; an open record (and any revealed number)
    /// is dropped.
    pub fn show_search(&mut self, to_results: bool) {
        self.active = Active::Search;
        self.search.return_to(to_results);
    }

    /// Drops everything tied to a session: records, results, typed text.
    pub fn reset_session(&mut self) {
        self.drop_records();
        self.session = None;
        self.active = Active::Login(LoginScreen::new());
    }

    /// Locks the terminal: every record, result and typed search is dropped
    /// (revealed numbers wiped), and of the session only the user ID stays.
    /// Returns false when there is no open session to lock.
    pub fn lock_session(&mut self) -> bool {
        let Some(session) = self.session.take() else {
            return false;
        };
        self.drop_records();
        self.active = Active::Locked(LockScreen::new(session.staff.user_id));
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
        self.search = SearchScreen::new();
        self.current_batch = None;
        self.transfer_picks.clear();
        self.popup = None;
        self.help = false;
        self.log = None;
        self.status = None;
        self.messages.clear();
        self.needs_render = true;
    }

    /// What drawing may read.
    pub fn view(&self) -> View<'_> {
        View {
            i18n: &self.i18n,
            theme: &self.theme,
            keymap: &self.keymap,
            session: self.session.as_ref(),
            demo: self.demo.as_ref().map(|_| self.demo_accounts.as_slice()),
            messages: &self.messages,
            covered: self.popup.is_some() || self.help || self.log.is_some(),
            offline: self.service.is_down(),
        }
    }

    /// What the status line shows now: a noticeable wait (with its
    /// spinner), else an unreachable service (with the time to the next
    /// try), else the last message.
    pub fn shown_status(&self) -> Option<Status> {
        let local = |level, key, args| Status {
            level,
            note: Note::Local { key, args },
        };
        if let Some((what, spin)) = self.wait.shown(self.now) {
            let args = vec![
                ("spin", spin.to_string()),
                ("what", self.i18n.t(what).to_string()),
            ];
            return Some(local(Level::Info, "wait.indicator", args));
        }
        if self.service.is_down() {
            return Some(match self.service.retry_in(self.now) {
                Some(wait) => {
                    let secs = wait.as_millis().div_ceil(1000).max(1);
                    local(
                        Level::Error,
                        "service.unreachable",
                        vec![("n", secs.to_string())],
                    )
                }
                None => local(Level::Error, "service.probing", vec![]),
            });
        }
        self.status.clone()
    }

    /// Where the screens draw, at the terminal's size (less the rows the
    /// message area takes now).
    pub fn body(&self) -> Rect {
        let area = Rect::from((Position::ORIGIN, self.size));
        let status = self.shown_status();
        let rows = message::rows(&self.view(), status.as_ref(), area.width, area.height);
        frame_areas(area, rows)[1]
    }

    /// The active screen as a component.
    pub fn screen_component(&self) -> &dyn Component {
        match &self.active {
            Active::Login(s) => s,
            Active::Purpose(s) => s,
            Active::Search => &self.search,
            Active::Record(s) => s,
            Active::Locked(s) => s,
            Active::NoSearch(s) => s,
            Active::Entry(s) => s,
            Active::Review(s) => s,
            Active::Records(s) => s,
            Active::Transfers(s) => s.as_ref(),
            Active::Grants(s) => s.as_ref(),
            Active::Audit(s) => s.as_ref(),
            Active::PinChange(s) => s,
        }
    }

    /// Calls `f` with what has the keys: the confirm popup, else the
    /// message log, else the help over the screen, else the screen.
    pub fn top<R>(&self, f: impl FnOnce(&dyn Component) -> R) -> R {
        if let Some(popup) = &self.popup {
            return f(popup);
        }
        if let Some(log) = &self.log {
            return f(log);
        }
        let screen = self.screen_component();
        if self.help {
            return f(&HelpOverlay {
                screen,
                keymap: &self.keymap,
                scroll: self.help_scroll,
                body: self.body(),
            });
        }
        f(screen)
    }

    /// Like [`App::top`], mutably, with the context a component handles
    /// keys in.
    pub fn top_mut<R>(&mut self, f: impl FnOnce(&mut dyn Component, &mut Ctx<'_>) -> R) -> R {
        let body = self.body();
        let mut ctx = Ctx {
            keymap: &self.keymap,
            session: self.session.as_ref(),
            next_seq: &mut self.next_seq,
        };
        if let Some(popup) = self.popup.as_mut() {
            return f(popup, &mut ctx);
        }
        if let Some(log) = self.log.as_mut() {
            return f(log, &mut ctx);
        }
        let screen: &mut dyn Component = match &mut self.active {
            Active::Login(s) => s,
            Active::Purpose(s) => s,
            Active::Search => &mut self.search,
            Active::Record(s) => s,
            Active::Locked(s) => s,
            Active::NoSearch(s) => s,
            Active::Entry(s) => s,
            Active::Review(s) => s,
            Active::Records(s) => s,
            Active::Transfers(s) => s.as_mut(),
            Active::Grants(s) => s.as_mut(),
            Active::Audit(s) => s.as_mut(),
            Active::PinChange(s) => s,
        };
        if self.help {
            let mut help = HelpOverlay {
                screen,
                keymap: &self.keymap,
                scroll: self.help_scroll,
                body,
            };
            return f(&mut help, &mut ctx);
        }
        f(screen, &mut ctx)
    }
}
