//! The entry screens, one component to `update`: the work list (or, for a
//! supervisor, the decision queue), an entry being opened, the keying form
//! (first keying, blind second keying, re-keying of the fields that
//! differ) and the supervisor's decision. Each step between them is the
//! service's answer: what an entry shows is what the service sent for this
//! caller, so a second keyer's screen never holds the first values.

pub mod decision;
pub mod intake;
pub mod keying;
pub mod list;
pub mod settle;
mod summary;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::api::Permission;
use crate::api::entry::{EntryView, StartEntryRequest};
use crate::domain::entry::forms;
use crate::domain::entry::schema::FormSchema;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, EntryCall};
use crate::tui::entry_call::EntryAnswer;
use crate::tui::i18n::{I18n, Lang};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::clean_fit;
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::centred;

use decision::DecisionScreen;
use intake::IntakeScreen;
use keying::{KeyingScreen, Stage};
use list::ListScreen;
use settle::SettleScreen;

/// The form a record's "key a form" starts: the 個人住民税申告書.
pub const DECLARATION: &str = "juminzei_shinkoku";

/// What identifies an entry on every entry screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub id: String,
    pub form: String,
    pub person: String,
    pub paper: String,
    pub state: String,
}

impl EntryHeader {
    pub fn of(view: &EntryView) -> EntryHeader {
        EntryHeader {
            id: view.id.clone(),
            form: view.form.clone(),
            person: view.person.clone(),
            paper: view.paper.clone(),
            state: view.state.clone(),
        }
    }
}

/// The title of a form in the UI language (its id when this build has no
/// such form).
pub fn form_title(i18n: &I18n, form: &str) -> String {
    match forms::form(form) {
        Some(schema) => match i18n.lang() {
            Lang::Ja => schema.title_ja.clone(),
            Lang::En => schema.title_en.clone(),
        },
        None => form.to_string(),
    }
}

/// Where a screen asks to go next.
#[derive(Debug)]
pub enum Next {
    /// The work list, or the decision queue, loaded again.
    List { decisions: bool },
    /// An entry to open.
    Open(Open),
    /// An entry the service just sent, on the screen its state asks for
    /// (after the intake: the keying form).
    Show(Box<EntryView>),
}

/// How an entry is opened.
#[derive(Debug)]
pub enum Open {
    /// As the caller may see it: a draft, or the fields to key again.
    View(String),
    /// Another clerk's form, to key blind.
    Second(String),
    /// For the supervisor's decision.
    Decision(String),
    /// A new first keying.
    Start(StartEntryRequest),
}

impl Open {
    fn asked(&self) -> Option<String> {
        match self {
            Open::View(id) | Open::Second(id) | Open::Decision(id) => Some(id.clone()),
            Open::Start(_) => None,
        }
    }

    fn call(self) -> EntryCall {
        match self {
            Open::View(id) => EntryCall::Open(id),
            Open::Second(id) => EntryCall::StartSecond(id),
            Open::Decision(id) => EntryCall::Decision(id),
            Open::Start(request) => EntryCall::Start(request),
        }
    }
}

/// An entry on its way from the service.
#[derive(Debug)]
pub struct Opening {
    asked: Option<String>,
    deciding: bool,
}

#[derive(Debug)]
pub enum EntryScreen {
    List(ListScreen),
    Opening(Opening),
    /// 本人確認 before a first keying.
    Intake(Box<IntakeScreen>),
    Keying(Box<KeyingScreen>),
    Decision(Box<DecisionScreen>),
    /// A supervisor settles an identity check's differences.
    Settle(Box<SettleScreen>),
}

/// A status line note from the locale with its arguments.
pub fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
}

/// Whether the session keys entries, decides them, or neither.
pub fn entry_work_of(permissions: &[Permission]) -> Option<bool> {
    if permissions.contains(&Permission::DecideEntries) {
        Some(true)
    } else if permissions.contains(&Permission::KeyEntries) {
        Some(false)
    } else {
        None
    }
}

impl EntryScreen {
    /// The work list (`decisions`: the supervisor's queue), being loaded.
    pub fn work_list(decisions: bool) -> (EntryScreen, Vec<Request>) {
        let mut screen = EntryScreen::List(ListScreen::new(decisions));
        let requests = screen.go(Next::List { decisions });
        (screen, requests)
    }

    /// A new first keying for a person, being started (filed under the
    /// clerk's current batch, if one is chosen).
    pub fn start(
        person: String,
        paper: String,
        batch: Option<String>,
    ) -> (EntryScreen, Vec<Request>) {
        let mut screen = EntryScreen::List(ListScreen::new(false));
        let request = StartEntryRequest {
            form: DECLARATION.to_string(),
            person,
            paper,
            batch,
        };
        let requests = screen.go(Next::Open(Open::Start(request)));
        (screen, requests)
    }

    pub fn list(&self) -> Option<&ListScreen> {
        match self {
            EntryScreen::List(s) => Some(s),
            _ => None,
        }
    }

    pub fn keying(&self) -> Option<&KeyingScreen> {
        match self {
            EntryScreen::Keying(s) => Some(s),
            _ => None,
        }
    }

    pub fn intake(&self) -> Option<&IntakeScreen> {
        match self {
            EntryScreen::Intake(s) => Some(s),
            _ => None,
        }
    }

    pub fn decision(&self) -> Option<&DecisionScreen> {
        match self {
            EntryScreen::Decision(s) => Some(s),
            _ => None,
        }
    }

    pub fn settle(&self) -> Option<&SettleScreen> {
        match self {
            EntryScreen::Settle(s) => Some(s),
            _ => None,
        }
    }

    /// At the idle lock: the draft of a first keying on screen, to send
    /// before the screen is dropped.
    pub fn draft_on_lock(&mut self) -> Option<EntryCall> {
        match self {
            EntryScreen::Keying(k) => k.draft_on_lock(),
            _ => None,
        }
    }

    pub fn is_opening(&self) -> bool {
        matches!(self, EntryScreen::Opening(_))
    }

    fn go(&mut self, next: Next) -> Vec<Request> {
        match next {
            Next::List { decisions } => {
                *self = EntryScreen::List(ListScreen::loading(decisions));
                let call = if decisions {
                    EntryCall::Decisions
                } else {
                    EntryCall::Work
                };
                vec![Request::Effect(Effect::Entry(call))]
            }
            Next::Open(open) => {
                let deciding = matches!(open, Open::Decision(_));
                *self = EntryScreen::Opening(Opening {
                    asked: open.asked(),
                    deciding,
                });
                vec![Request::Effect(Effect::Entry(open.call()))]
            }
            Next::Show(view) => {
                // The note of the step that led here stays.
                let mut requests = self.opened(*view, false);
                requests.retain(|r| !matches!(r, Request::Status(None)));
                requests
            }
        }
    }

    /// After a key or an answer: a screen that asked to go elsewhere goes.
    fn follow(&mut self, mut requests: Vec<Request>) -> Vec<Request> {
        let next = match self {
            EntryScreen::List(s) => s.take_next(),
            EntryScreen::Opening(_) => None,
            EntryScreen::Intake(s) => s.take_next(),
            EntryScreen::Keying(s) => s.take_next(),
            EntryScreen::Decision(s) => s.take_next(),
            EntryScreen::Settle(s) => s.take_next(),
        };
        if let Some(next) = next {
            requests.extend(self.go(next));
        }
        requests
    }

    /// The service's answer to an entry call this screen made; an answer
    /// for a screen no longer showing is dropped (a failure still shows).
    pub fn answered(&mut self, answer: EntryAnswer) -> Vec<Request> {
        let requests = match (&mut *self, answer) {
            (EntryScreen::List(list), EntryAnswer::Queue { decisions, result })
                if list.decisions == decisions && list.loading =>
            {
                list.loaded(result)
            }
            (EntryScreen::Opening(opening), EntryAnswer::Opened { asked, result })
                if opening.asked == asked =>
            {
                let deciding = opening.deciding;
                match result {
                    Ok(view) => return self.opened(view, deciding),
                    Err(failure) => {
                        let mut requests = vec![Request::Failed(failure)];
                        requests.extend(self.go(Next::List {
                            decisions: deciding,
                        }));
                        return requests;
                    }
                }
            }
            (EntryScreen::Keying(keying), EntryAnswer::DraftSaved { id, result })
                if keying.header.id == id =>
            {
                keying.draft_saved(result)
            }
            (EntryScreen::Intake(intake), EntryAnswer::Sent { id, result })
                if intake.header.id == id =>
            {
                intake.sent(result)
            }
            (EntryScreen::Keying(keying), EntryAnswer::Sent { id, result })
                if keying.header.id == id =>
            {
                keying.sent(result)
            }
            (EntryScreen::Decision(decision), EntryAnswer::Sent { id, result })
                if decision.header.id == id =>
            {
                decision.sent(result)
            }
            (EntryScreen::Settle(settle), EntryAnswer::Sent { id, result })
                if settle.header.id == id =>
            {
                settle.sent(result)
            }
            (_, answer) => return stray(answer),
        };
        self.follow(requests)
    }

    /// The entry the service sent, on the screen its state asks for.
    fn opened(&mut self, view: EntryView, deciding: bool) -> Vec<Request> {
        let Some(schema) = forms::form(&view.form) else {
            let mut requests = vec![Request::note(Level::Error, "entry.unknown_form")];
            requests.extend(self.go(Next::List {
                decisions: deciding,
            }));
            return requests;
        };
        match screen_for(schema, view, deciding) {
            Ok(screen) => {
                *self = screen;
                vec![Request::Status(None)]
            }
            Err(key) => {
                let mut requests = vec![Request::note(Level::Info, key)];
                requests.extend(self.go(Next::List {
                    decisions: deciding,
                }));
                requests
            }
        }
    }

    /// The user said yes to a step of these screens.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let requests = match (&mut *self, action) {
            (EntryScreen::Decision(d), PendingAction::Decide { entry })
                if d.header.id == *entry =>
            {
                d.decide_confirmed()
            }
            (EntryScreen::Keying(k), PendingAction::LeaveEntry { entry })
                if k.header.id == *entry =>
            {
                k.leave_confirmed()
            }
            (EntryScreen::Keying(k), PendingAction::ReleaseSecond { entry })
                if k.header.id == *entry =>
            {
                k.release_confirmed()
            }
            (EntryScreen::Keying(k), PendingAction::DiscardEntry { entry, reason })
                if k.header.id == *entry =>
            {
                k.discard_confirmed(reason)
            }
            (EntryScreen::Intake(i), PendingAction::DiscardEntry { entry, reason })
                if i.header.id == *entry =>
            {
                i.discard_confirmed(reason)
            }
            (EntryScreen::Settle(s), PendingAction::SettleIdentity { entry, reason })
                if s.header.id == *entry =>
            {
                s.settle_confirmed(reason)
            }
            _ => Vec::new(),
        };
        self.follow(requests)
    }

    fn component(&self) -> &dyn Component {
        match self {
            EntryScreen::List(s) => s,
            EntryScreen::Opening(s) => s,
            EntryScreen::Intake(s) => s.as_ref(),
            EntryScreen::Keying(s) => s.as_ref(),
            EntryScreen::Decision(s) => s.as_ref(),
            EntryScreen::Settle(s) => s.as_ref(),
        }
    }

    fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            EntryScreen::List(s) => s,
            EntryScreen::Opening(s) => s,
            EntryScreen::Intake(s) => s.as_mut(),
            EntryScreen::Keying(s) => s.as_mut(),
            EntryScreen::Decision(s) => s.as_mut(),
            EntryScreen::Settle(s) => s.as_mut(),
        }
    }
}

/// The screen for an entry as the service sent it, or the locale key of
/// why there is nothing to do with it.
fn screen_for(
    schema: &'static FormSchema,
    view: EntryView,
    deciding: bool,
) -> Result<EntryScreen, &'static str> {
    if deciding {
        let unsettled = view
            .identity
            .as_ref()
            .is_some_and(|i| !i.differences.is_empty() && i.settled_by.is_none());
        if view.to_decide.is_empty() && view.state == "first_keying" && unsettled {
            return Ok(EntryScreen::Settle(Box::new(SettleScreen::new(&view))));
        }
        if view.to_decide.is_empty() {
            return Err("entry.nothing_to_decide");
        }
        return Ok(EntryScreen::Decision(Box::new(DecisionScreen::new(
            schema, view,
        ))));
    }
    // A first keying whose identity check is not recorded yet starts with
    // the intake.
    if view.state == "first_keying" && view.draft.is_some() && view.identity.is_none() {
        return Ok(EntryScreen::Intake(Box::new(IntakeScreen::new(&view))));
    }
    let stage = match view.state.as_str() {
        "first_keying" if view.draft.is_some() => Stage::First,
        "second_keying" if !view.to_key.is_empty() => Stage::Second,
        "rekeying" if !view.to_key.is_empty() => Stage::Rekey,
        _ => return Err("entry.nothing_to_key"),
    };
    Ok(EntryScreen::Keying(Box::new(KeyingScreen::new(
        schema, stage, view,
    ))))
}

/// An entry answer with no screen waiting for it: only a failure shows
/// (a draft that did not reach the service must not go unnoticed).
pub fn stray(answer: EntryAnswer) -> Vec<Request> {
    let failure = match answer {
        EntryAnswer::Queue { result, .. } => result.err(),
        EntryAnswer::Opened { result, .. } => result.err(),
        EntryAnswer::DraftSaved { result, .. } => result.err(),
        EntryAnswer::Sent { result, .. } => result.err().map(|r| r.failure),
    };
    failure.map(Request::Failed).into_iter().collect()
}

impl Component for EntryScreen {
    fn layer(&self) -> Option<Layer> {
        self.component().layer()
    }

    fn handle_key(&mut self, key: Key, ctx: &mut Ctx<'_>) -> Outcome {
        match self.component_mut().handle_key(key, ctx) {
            Outcome::Consumed(requests) => Outcome::Consumed(self.follow(requests)),
            Outcome::NotConsumed => Outcome::NotConsumed,
        }
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let EntryScreen::Opening(opening) = self
            && command == Command::Back
        {
            // The wait ends here; the late answer is dropped.
            let decisions = opening.deciding;
            let mut requests = vec![Request::note(Level::Info, "wait.stopped")];
            requests.extend(self.go(Next::List { decisions }));
            return Outcome::Consumed(requests);
        }
        match self.component_mut().run(command, ctx) {
            Outcome::Consumed(requests) => Outcome::Consumed(self.follow(requests)),
            Outcome::NotConsumed => Outcome::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str) {
        self.component_mut().paste(text);
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        self.component().draw(view, frame, area);
    }

    fn hints(&self) -> Vec<Hint> {
        self.component().hints()
    }

    fn offers(&self, command: Command) -> bool {
        self.component().offers(command)
    }

    fn takes_global(&self, command: Command) -> bool {
        self.component().takes_global(command)
    }

    fn typing(&self) -> bool {
        self.component().typing()
    }

    fn waiting(&self) -> Option<&'static str> {
        self.component().waiting()
    }
}

impl Component for Opening {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Entries)
    }

    /// Back is taken by [`EntryScreen`], which knows where it goes.
    fn run(&mut self, _command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        Outcome::NotConsumed
    }

    fn hints(&self) -> Vec<Hint> {
        vec![Hint::new(Command::Back, "wait.stop_hint")]
    }

    fn offers(&self, command: Command) -> bool {
        command == Command::Back
    }

    fn waiting(&self) -> Option<&'static str> {
        Some("entry.opening")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let text = view.t("entry.opening");
        let rect = centred(area, 40, 1);
        frame.render_widget(
            Span::styled(
                clean_fit(text, usize::from(rect.width)),
                view.style(Role::Muted),
            ),
            rect,
        );
    }
}
