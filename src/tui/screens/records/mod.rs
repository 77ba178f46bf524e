//! The record screens, one component to `update`: the re-verification
//! list and the corrections waiting for review (tabs of the work screen),
//! a person's declaration history (versions and what each changed), a
//! correction being proposed, and a supervisor's review of one. What each
//! shows is what the service sent for this caller; every step between
//! them is the service's answer.

pub mod history;
pub mod list;
pub mod propose;
pub mod review;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::api::ResidentRecord;
use crate::api::entry::ReverifyItemView;
use crate::domain::entry::forms;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, RecordsCall};
use crate::tui::i18n::{I18n, Lang};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::records_call::RecordsAnswer;
use crate::tui::sanitize::clean_fit;
use crate::tui::screens::tabs::Tab;
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::centred;

use history::HistoryScreen;
use list::{ListKind, WorkList};
use propose::ProposeScreen;
use review::ReviewScreen;

/// The form whose history a record opens: the 個人住民税申告書.
pub const DECLARATION: &str = "juminzei_shinkoku";

/// Where a history was opened from, and so where Back goes.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A resident's record (shown again on the way back).
    Record(Box<ResidentRecord>),
    /// An item of the re-verification list.
    Reverify(Box<ReverifyItemView>),
}

impl Origin {
    pub fn person(&self) -> &str {
        match self {
            Origin::Record(r) => &r.person_number,
            Origin::Reverify(item) => &item.person,
        }
    }

    pub fn form(&self) -> &str {
        match self {
            Origin::Record(_) => DECLARATION,
            Origin::Reverify(item) => &item.form,
        }
    }

    /// Where Back goes from the history.
    fn back(&self) -> Next {
        match self {
            Origin::Record(r) => Next::Record(r.clone()),
            Origin::Reverify(_) => Next::Tab(Tab::Reverify),
        }
    }
}

/// Where a screen asks to go next.
#[derive(Debug)]
pub enum Next {
    /// A tab of the work screen, its list loaded afresh.
    Tab(Tab),
    /// The resident's record again.
    Record(Box<ResidentRecord>),
    /// The history of the origin's person, loaded afresh.
    History(Origin),
    /// A correction to propose (built from the history shown).
    Propose(Box<ProposeScreen>),
    /// A correction to review, loaded.
    Review(String),
}

/// What is on its way from the service.
#[derive(Debug)]
pub enum Loading {
    History(Origin),
    Review(String),
}

impl Loading {
    fn back(&self) -> Next {
        match self {
            Loading::History(origin) => origin.back(),
            Loading::Review(_) => Next::Tab(Tab::Corrections),
        }
    }
}

#[derive(Debug)]
pub enum RecordsScreen {
    Loading(Loading),
    List(WorkList),
    History(Box<HistoryScreen>),
    Propose(Box<ProposeScreen>),
    Review(Box<ReviewScreen>),
}

/// A status line note from the locale with its arguments.
pub fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
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

impl RecordsScreen {
    /// A tab's list (re-verification or corrections), being loaded.
    pub fn list(kind: ListKind) -> (RecordsScreen, Vec<Request>) {
        let screen = RecordsScreen::List(WorkList::loading(kind));
        let call = match kind {
            ListKind::Reverify => RecordsCall::Reverify,
            ListKind::Corrections => RecordsCall::Corrections,
        };
        (screen, vec![Request::Effect(Effect::Records(call))])
    }

    /// The declaration history of a record's person, being loaded.
    pub fn history_of(record: ResidentRecord) -> (RecordsScreen, Vec<Request>) {
        let mut screen =
            RecordsScreen::Loading(Loading::History(Origin::Record(Box::new(record.clone()))));
        let requests = screen.go(Next::History(Origin::Record(Box::new(record))));
        (screen, requests)
    }

    pub fn work_list(&self) -> Option<&WorkList> {
        match self {
            RecordsScreen::List(s) => Some(s),
            _ => None,
        }
    }

    pub fn history(&self) -> Option<&HistoryScreen> {
        match self {
            RecordsScreen::History(s) => Some(s),
            _ => None,
        }
    }

    pub fn propose(&self) -> Option<&ProposeScreen> {
        match self {
            RecordsScreen::Propose(s) => Some(s),
            _ => None,
        }
    }

    pub fn review(&self) -> Option<&ReviewScreen> {
        match self {
            RecordsScreen::Review(s) => Some(s),
            _ => None,
        }
    }

    fn go(&mut self, next: Next) -> Vec<Request> {
        match next {
            Next::Tab(tab) => vec![Request::OpenTab(tab)],
            Next::Record(record) => vec![Request::ShowRecord(record)],
            Next::History(origin) => {
                let call = RecordsCall::History {
                    person: origin.person().to_string(),
                    form: origin.form().to_string(),
                };
                *self = RecordsScreen::Loading(Loading::History(origin));
                vec![Request::Effect(Effect::Records(call))]
            }
            Next::Propose(screen) => {
                *self = RecordsScreen::Propose(screen);
                vec![]
            }
            Next::Review(id) => {
                *self = RecordsScreen::Loading(Loading::Review(id.clone()));
                vec![Request::Effect(Effect::Records(RecordsCall::Correction(
                    id,
                )))]
            }
        }
    }

    /// After a key or an answer: a screen that asked to go elsewhere goes.
    fn follow(&mut self, mut requests: Vec<Request>) -> Vec<Request> {
        let next = match self {
            RecordsScreen::Loading(_) => None,
            RecordsScreen::List(s) => s.take_next(),
            RecordsScreen::History(s) => s.take_next(),
            RecordsScreen::Propose(s) => s.take_next(),
            RecordsScreen::Review(s) => s.take_next(),
        };
        if let Some(next) = next {
            requests.extend(self.go(next));
        }
        requests
    }

    /// The service's answer to a call this screen made; an answer for a
    /// screen no longer showing is dropped (a failure still shows).
    pub fn answered(&mut self, answer: RecordsAnswer) -> Vec<Request> {
        let requests = match (&mut *self, answer) {
            (RecordsScreen::List(list), RecordsAnswer::Reverify(result))
                if list.kind == ListKind::Reverify && list.loading =>
            {
                list.reverify_loaded(result)
            }
            (RecordsScreen::List(list), RecordsAnswer::Corrections(result))
                if list.kind == ListKind::Corrections && list.loading =>
            {
                list.corrections_loaded(result)
            }
            (
                RecordsScreen::Loading(Loading::History(origin)),
                RecordsAnswer::History { person, result },
            ) if origin.person() == person => match result {
                Ok(history) => {
                    let origin = origin.clone();
                    *self = RecordsScreen::History(Box::new(HistoryScreen::new(history, origin)));
                    vec![Request::Status(None)]
                }
                Err(failure) => {
                    let back = origin.back();
                    let mut requests = vec![Request::Failed(failure)];
                    requests.extend(self.go(back));
                    return requests;
                }
            },
            (
                RecordsScreen::Loading(Loading::Review(id)),
                RecordsAnswer::Correction {
                    id: answered,
                    result,
                },
            ) if *id == answered => match result {
                Ok(view) => match ReviewScreen::new(view) {
                    Some(screen) => {
                        *self = RecordsScreen::Review(Box::new(screen));
                        vec![Request::Status(None)]
                    }
                    None => {
                        let mut requests =
                            vec![Request::note(Level::Error, "records.unknown_form")];
                        requests.extend(self.go(Next::Tab(Tab::Corrections)));
                        return requests;
                    }
                },
                Err(failure) => {
                    let mut requests = vec![Request::Failed(failure)];
                    requests.extend(self.go(Next::Tab(Tab::Corrections)));
                    return requests;
                }
            },
            (
                RecordsScreen::History(h),
                RecordsAnswer::Resolved {
                    entry,
                    verified,
                    result,
                },
            ) if h.resolving_entry() == Some(entry.as_str()) => h.resolved(verified, result),
            (RecordsScreen::Propose(p), RecordsAnswer::Proposed { person, result })
                if p.person == person && p.sending =>
            {
                p.sent(result)
            }
            (
                RecordsScreen::Review(r),
                RecordsAnswer::Reviewed {
                    id,
                    approve,
                    result,
                },
            ) if r.view.id == id && r.sending => r.reviewed(approve, result),
            (_, answer) => return stray(answer),
        };
        self.follow(requests)
    }

    /// The user said yes to a step of these screens.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let requests = match (&mut *self, action) {
            (RecordsScreen::History(h), PendingAction::MarkVerified { entry })
            | (RecordsScreen::History(h), PendingAction::MarkNeedsCorrection { entry }) => {
                let verified = matches!(action, PendingAction::MarkVerified { .. });
                h.resolve_confirmed(entry, verified)
            }
            (RecordsScreen::Propose(p), PendingAction::ProposeCorrection { person })
                if p.person == *person =>
            {
                p.send_confirmed()
            }
            (RecordsScreen::Propose(p), PendingAction::LeaveCorrection { person })
                if p.person == *person =>
            {
                p.leave_confirmed()
            }
            (RecordsScreen::Review(r), PendingAction::ApproveCorrection { id })
                if r.view.id == *id =>
            {
                r.review_confirmed(true)
            }
            (RecordsScreen::Review(r), PendingAction::RejectCorrection { id })
                if r.view.id == *id =>
            {
                r.review_confirmed(false)
            }
            _ => Vec::new(),
        };
        self.follow(requests)
    }

    fn component(&self) -> &dyn Component {
        match self {
            RecordsScreen::Loading(s) => s,
            RecordsScreen::List(s) => s,
            RecordsScreen::History(s) => s.as_ref(),
            RecordsScreen::Propose(s) => s.as_ref(),
            RecordsScreen::Review(s) => s.as_ref(),
        }
    }

    fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            RecordsScreen::Loading(s) => s,
            RecordsScreen::List(s) => s,
            RecordsScreen::History(s) => s.as_mut(),
            RecordsScreen::Propose(s) => s.as_mut(),
            RecordsScreen::Review(s) => s.as_mut(),
        }
    }
}

/// A record answer with no screen waiting for it: only a failure shows.
pub fn stray(answer: RecordsAnswer) -> Vec<Request> {
    answer
        .into_failure()
        .map(Request::Failed)
        .into_iter()
        .collect()
}

/// How a refusal of the service reads on these screens: a stale record,
/// an own correction, a review already made have words of their own; the
/// rest as anywhere else.
pub fn refused(failure: Failure, stale: &'static str) -> Request {
    use crate::api::ErrorCode;
    match failure.code {
        Some(ErrorCode::EntryConflict) => Request::note(Level::Error, stale),
        Some(ErrorCode::EntryNotYours) => Request::note(Level::Error, "records.own_correction"),
        Some(ErrorCode::EntryInvalid) => Request::note(Level::Error, "records.invalid"),
        _ => Request::Failed(failure),
    }
}

impl Component for RecordsScreen {
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
        if let RecordsScreen::Loading(loading) = self
            && command == Command::Back
        {
            // The wait ends here; the late answer is dropped.
            let back = loading.back();
            let mut requests = vec![Request::note(Level::Info, "wait.stopped")];
            requests.extend(self.go(back));
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

impl Component for Loading {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::History)
    }

    /// Back is taken by [`RecordsScreen`], which knows where it goes.
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
        Some(match self {
            Loading::History(_) => "history.loading",
            Loading::Review(_) => "correction_review.loading",
        })
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let text = view.t(self.waiting().unwrap_or("history.loading"));
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
