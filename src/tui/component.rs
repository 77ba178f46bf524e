//! What a screen or popup is: a component with its own state, its own keys
//! (consumed or not), its drawing and its hints. `update` only routes: the
//! confirm popup first, then the help, then the active screen, then the
//! global keys; what a component asks of the rest of the terminal comes back
//! as [`Request`]s, which `update` carries out.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::api::{LoginResponse, ResidentRecord, SessionInfo};

use super::action::{Command, Failure};
use super::effect::Effect;
use super::keymap::{Key, Keymap, Layer};
use super::popups::confirm::{ConfirmedAction, PendingAction};
use super::screens::tabs::Tab;
use super::status::{Level, Status};
use super::view::View;
pub use super::widgets::bars::Hint;

/// Whether a component used a key or a command.
#[derive(Debug)]
#[must_use]
pub enum Outcome {
    /// Not this component's: the next in line (in the end the global
    /// keymap) gets it.
    NotConsumed,
    /// Used, with what should follow (often nothing).
    Consumed(Vec<Request>),
}

impl Outcome {
    /// Used, and nothing follows.
    pub fn consumed() -> Outcome {
        Outcome::Consumed(Vec::new())
    }
}

/// What a component asks of the terminal beyond its own state.
#[derive(Debug)]
pub enum Request {
    /// Work for the runtime.
    Effect(Effect),
    /// Put this in the status line (None clears it).
    Status(Option<Status>),
    /// Ask the user before doing this.
    Confirm(PendingAction),
    /// The user said yes in the confirm popup.
    Confirmed(ConfirmedAction),
    /// Close the confirm popup.
    ClosePopup,
    /// Close the help.
    CloseHelp,
    /// Close the message log.
    CloseLog,
    /// Scroll the help so that this row is its first.
    ScrollHelp(usize),
    /// Logged in or unlocked: the session and its token.
    OpenSession(Box<LoginResponse>),
    /// The session as the service sees it now (after the choice of a
    /// purpose): it starts on its home screen.
    SessionChanged(SessionInfo),
    /// The idle clock starts again now.
    RestartIdleClock,
    /// Show this record (opened from the search results).
    ShowRecord(Box<ResidentRecord>),
    /// Back to the search screen: to the results (when there are any) or
    /// to the search box.
    BackToSearch { results: bool },
    /// Another user at a locked terminal: the locked session ends.
    SwitchUser,
    /// A request failed: a 401 ends the session, anything else is shown.
    Failed(Failure),
    /// Show this tab of the work screen, its list loaded afresh.
    OpenTab(Tab),
    /// The batch the next keyings go into (None: no batch).
    CurrentBatch(Option<String>),
    /// The persons chosen for the transfer being prepared, now (a
    /// prepared transfer empties them).
    TransferPicks(Vec<String>),
    /// Show the access log tab filtered to these rows (a finding's).
    OpenAuditRows(super::audit_call::AuditFilter),
}

impl Request {
    /// A status note from the locale.
    pub fn note(level: Level, key: &'static str) -> Request {
        Request::Status(Some(Status::local(level, key)))
    }
}

/// What a component may read and use while it handles a key or a command.
pub struct Ctx<'a> {
    pub keymap: &'a Keymap,
    pub session: Option<&'a SessionInfo>,
    /// The next search request number: kept by the app and never reset, so
    /// an answer from before a logout can never match a later request.
    pub(super) next_seq: &'a mut u64,
}

impl Ctx<'_> {
    /// A new request number.
    pub fn next_seq(&mut self) -> u64 {
        let seq = *self.next_seq;
        *self.next_seq += 1;
        seq
    }
}

pub trait Component {
    /// The keymap section of this component's commands; None when it has
    /// only the global keys.
    fn layer(&self) -> Option<Layer>;

    /// A key before the keymap sees it: a focused text field takes
    /// printable and editing keys here.
    fn handle_key(&mut self, _key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        Outcome::NotConsumed
    }

    /// A command the keymap found for a key (or a test sent).
    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome;

    /// Pasted text: data for the focused field, never a command.
    fn paste(&mut self, _text: &str) {}

    /// Draws the component into `area`; changes nothing.
    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect);

    /// The hint bar's entries, from this component's layer.
    fn hints(&self) -> Vec<Hint>;

    /// Whether a command of its layer acts now (the help lists only those).
    fn offers(&self, _command: Command) -> bool {
        true
    }

    /// Whether a global command acts while this component has the keys.
    fn takes_global(&self, _command: Command) -> bool {
        true
    }

    /// Whether a text field has the focus: printable and editing keys go
    /// to it, so the key bar names only keys that still act.
    fn typing(&self) -> bool {
        false
    }

    /// What the component waits for from the service (a locale key naming
    /// it), if anything: the status line says so once the wait is noticeable.
    fn waiting(&self) -> Option<&'static str> {
        None
    }
}

/// The command a key means for `component`: its own layer first, then the
/// global keys it takes.
pub fn command_for(component: &dyn Component, keymap: &Keymap, key: Key) -> Option<Command> {
    if let Some(command) = component.layer().and_then(|l| keymap.lookup(l, key)) {
        return Some(command);
    }
    keymap
        .lookup(Layer::Global, key)
        .filter(|c| component.takes_global(*c))
}
