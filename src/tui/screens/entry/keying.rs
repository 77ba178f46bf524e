//! Keying one paper form: the first keying (every field, a draft saved by
//! the service whenever a changed field is left), the blind second keying
//! of another clerk's form, and the re-keying of the fields the two
//! keyings differ on (named by the service, never with either value).
//! Submitting shows a summary first; the service's refusal puts each
//! problem beside its field, and a warning asks for a reason.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::api::entry::{DiscardRequest, EntryView, FieldsRequest, Problem, SubmitRequest};
use crate::domain::entry::schema::FormSchema;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, EntryCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{AddRow, FormWidget, ShownProblem, problem_text};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

use super::summary::{self, Summary};
use super::{EntryHeader, Next, form_title, note};

/// The most characters of a reason for a warning.
const REASON_CHARS: usize = 200;

/// Which keying of the form this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    First,
    /// Blind: the first keying's values are never on this screen.
    Second,
    /// The fields that differed, keyed again from the paper.
    Rekey,
}

impl Stage {
    fn label(self) -> &'static str {
        match self {
            Stage::First => "entry.stage_first",
            Stage::Second => "entry.stage_second",
            Stage::Rekey => "entry.stage_rekey",
        }
    }

    fn note(self) -> &'static str {
        match self {
            Stage::First => "entry.note_first",
            Stage::Second => "entry.note_second",
            Stage::Rekey => "entry.note_rekey",
        }
    }
}

/// What the call on its way does, so its answer is read right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    /// The keying (a submit, a second keying, a re-keying).
    Keying,
    /// A blind second keying released for another clerk.
    Release,
    /// The clerk's own first keying discarded.
    Discard,
}

/// A warning of the last refusal, and the clerk's reason for it.
#[derive(Debug)]
pub struct Reason {
    /// Where the reason goes in the submit (`code@field`).
    pub key: String,
    pub problem: Problem,
    pub input: TextInput,
}

#[derive(Debug)]
pub struct KeyingScreen {
    pub header: EntryHeader,
    pub stage: Stage,
    pub form: FormWidget,
    /// The summary before submit, when open.
    pub summary: Option<Summary>,
    pub reasons: Vec<Reason>,
    /// Problems of the last refusal that name no field on this form.
    pub elsewhere: Vec<Problem>,
    /// A draft is on its way; another waits for its answer (one at a time,
    /// so an older draft never lands after a newer one).
    saving: bool,
    save_again: bool,
    /// A submit that waits for the draft on its way.
    queued: Option<EntryCall>,
    /// Leaving once the draft on its way is answered.
    leaving: bool,
    pub sending: bool,
    sending_what: Sending,
    /// The identity check at intake found a difference no supervisor has
    /// settled yet: the service refuses the submit until one does.
    pub identity_unsettled: bool,
    next: Option<Next>,
}

impl KeyingScreen {
    pub fn new(schema: &'static FormSchema, stage: Stage, view: EntryView) -> KeyingScreen {
        let form = match stage {
            Stage::First => {
                let mut form = FormWidget::all(schema);
                if let Some(draft) = &view.draft {
                    form.fill(draft);
                }
                form
            }
            Stage::Second | Stage::Rekey => FormWidget::only(schema, &view.to_key),
        };
        KeyingScreen {
            header: EntryHeader::of(&view),
            stage,
            form,
            summary: None,
            reasons: Vec::new(),
            elsewhere: Vec::new(),
            saving: false,
            save_again: false,
            queued: None,
            leaving: false,
            sending: false,
            sending_what: Sending::Keying,
            identity_unsettled: view
                .identity
                .as_ref()
                .is_some_and(|i| !i.differences.is_empty() && i.settled_by.is_none()),
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    fn id(&self) -> String {
        self.header.id.clone()
    }

    /// After the focus moved: a first keying's draft goes if a changed
    /// field was left.
    fn after_move(&mut self) -> Vec<Request> {
        if self.stage != Stage::First || !self.form.take_draft() {
            return Vec::new();
        }
        self.save_draft()
    }

    fn save_draft(&mut self) -> Vec<Request> {
        if self.saving {
            self.save_again = true;
            return Vec::new();
        }
        self.saving = true;
        let request = FieldsRequest {
            fields: self.form.typed(),
        };
        vec![Request::Effect(Effect::Entry(EntryCall::SaveDraft {
            id: self.id(),
            request,
        }))]
    }

    /// The service's answer to a draft.
    pub fn draft_saved(&mut self, result: Result<(), Failure>) -> Vec<Request> {
        self.saving = false;
        let mut requests = Vec::new();
        if let Err(failure) = result {
            self.form.draft_failed();
            self.save_again = false;
            requests.push(Request::Failed(failure));
        } else if std::mem::take(&mut self.save_again) {
            self.form.mark_sent();
            return self.save_draft();
        }
        if let Some(call) = self.queued.take() {
            requests.push(Request::Effect(Effect::Entry(call)));
        } else if self.leaving {
            self.next = Some(Next::List { decisions: false });
        }
        requests
    }

    /// Back to the work list: a first keying's last changes go as a draft
    /// first; a second keying or re-keying asks, since what was typed goes.
    fn leave(&mut self) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        match self.stage {
            Stage::First if self.form.is_dirty() => {
                self.form.mark_sent();
                self.leaving = true;
                self.save_draft()
            }
            Stage::First if self.saving => {
                self.leaving = true;
                Vec::new()
            }
            // A blind second keying left is released, so another clerk
            // can take it: always asked first.
            Stage::Second => vec![Request::Confirm(PendingAction::ReleaseSecond {
                entry: self.id(),
            })],
            Stage::Rekey if self.form.keyed_count() > 0 => {
                vec![Request::Confirm(PendingAction::LeaveEntry {
                    entry: self.id(),
                })]
            }
            _ => {
                self.next = Some(Next::List { decisions: false });
                Vec::new()
            }
        }
    }

    pub fn leave_confirmed(&mut self) -> Vec<Request> {
        self.next = Some(Next::List { decisions: false });
        Vec::new()
    }

    /// Yes to leaving a second keying: it is released at the service;
    /// nothing typed is sent.
    pub fn release_confirmed(&mut self) -> Vec<Request> {
        if self.sending || self.stage != Stage::Second {
            return Vec::new();
        }
        self.sending = true;
        self.sending_what = Sending::Release;
        vec![
            Request::Status(None),
            Request::Effect(Effect::Entry(EntryCall::ReleaseSecond(self.id()))),
        ]
    }

    /// F9 on a first keying: asks for the reason first.
    fn discard(&mut self) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        if self.stage != Stage::First {
            return vec![Request::note(Level::Info, "entry.discard_first_only")];
        }
        vec![Request::Confirm(PendingAction::DiscardEntry {
            entry: self.id(),
            reason: String::new(),
        })]
    }

    /// Yes, with a reason: the draft is discarded at the service (after a
    /// draft on its way, so it cannot land on a discarded entry).
    pub fn discard_confirmed(&mut self, reason: &str) -> Vec<Request> {
        if self.sending || self.stage != Stage::First || reason.trim().is_empty() {
            return Vec::new();
        }
        self.sending = true;
        self.sending_what = Sending::Discard;
        let call = EntryCall::Discard {
            id: self.id(),
            request: DiscardRequest {
                reason: reason.trim().to_string(),
            },
        };
        if self.saving {
            self.queued = Some(call);
            return vec![Request::Status(None)];
        }
        vec![Request::Status(None), Request::Effect(Effect::Entry(call))]
    }

    /// The draft typed so far, for the idle lock: sent whether or not the
    /// focused field was left, before the screen is dropped. None when
    /// nothing changed since the last draft (or this is not a first
    /// keying).
    pub fn draft_on_lock(&mut self) -> Option<EntryCall> {
        if self.stage != Stage::First || !(self.form.is_dirty() || self.saving) {
            return None;
        }
        self.form.mark_sent();
        Some(EntryCall::SaveDraft {
            id: self.id(),
            request: FieldsRequest {
                fields: self.form.typed(),
            },
        })
    }

    /// F8: the summary, every field counted as visited so each missing
    /// value shows.
    fn open_summary(&mut self) -> Vec<Request> {
        if self.sending {
            return Vec::new();
        }
        self.form.touch_all();
        self.summary = Some(Summary::new(self.first_empty_reason()));
        Vec::new()
    }

    fn first_empty_reason(&self) -> usize {
        self.reasons
            .iter()
            .position(|r| r.input.text().trim().is_empty())
            .unwrap_or(0)
    }

    /// Yes in the summary: the keying goes, unless a field still has an
    /// error (the focus goes to it) or a warning has no reason yet.
    fn confirm_summary(&mut self) -> Vec<Request> {
        let errors = self.form.error_count();
        if errors > 0 {
            self.summary = None;
            self.form.focus_first_problem();
            return vec![note(
                Level::Warning,
                "entry.fix_errors",
                vec![("n", errors.to_string())],
            )];
        }
        if let Some(at) = self
            .reasons
            .iter()
            .position(|r| r.input.text().trim().is_empty())
        {
            if let Some(summary) = self.summary.as_mut() {
                summary.focus = at;
            }
            return vec![Request::note(Level::Warning, "entry.reason_required")];
        }
        self.summary = None;
        self.sending = true;
        let call = self.call();
        if self.saving {
            self.queued = Some(call);
            return vec![Request::Status(None)];
        }
        vec![Request::Status(None), Request::Effect(Effect::Entry(call))]
    }

    /// The call that sends this keying.
    fn call(&self) -> EntryCall {
        let id = self.id();
        let fields = self.form.typed();
        match self.stage {
            Stage::First => EntryCall::SubmitFirst {
                id,
                request: SubmitRequest {
                    fields,
                    reasons: self
                        .reasons
                        .iter()
                        .map(|r| (r.key.clone(), r.input.text().trim().to_string()))
                        .collect(),
                },
            },
            Stage::Second => EntryCall::SubmitSecond {
                id,
                request: FieldsRequest { fields },
            },
            Stage::Rekey => EntryCall::Rekey {
                id,
                request: FieldsRequest { fields },
            },
        }
    }

    /// The service's answer to the keying sent.
    pub fn sent(&mut self, result: Result<EntryView, Refusal>) -> Vec<Request> {
        self.sending = false;
        let what = std::mem::replace(&mut self.sending_what, Sending::Keying);
        let left = match what {
            Sending::Keying => None,
            Sending::Release => Some("entry.released"),
            Sending::Discard => Some("entry.discarded"),
        };
        if let (Some(key), Ok(_)) = (left, &result) {
            self.form.mark_sent();
            self.next = Some(Next::List { decisions: false });
            return vec![Request::note(Level::Info, key)];
        }
        match result {
            Ok(view) => self.accepted(view),
            Err(refusal) if refusal.problems.is_empty() => vec![Request::Failed(refusal.failure)],
            Err(refusal) => self.refused(refusal.problems),
        }
    }

    fn accepted(&mut self, view: EntryView) -> Vec<Request> {
        self.form.mark_sent();
        self.header = EntryHeader::of(&view);
        let to_list = |screen: &mut KeyingScreen, level, key, args| {
            screen.next = Some(Next::List { decisions: false });
            vec![note(level, key, args)]
        };
        match view.state.as_str() {
            // The fields that differ, to key again from the paper; never
            // with either value.
            "rekeying" if !view.to_key.is_empty() => {
                let n = view.to_key.len();
                self.stage = Stage::Rekey;
                self.form = FormWidget::only(self.form.schema(), &view.to_key);
                self.reasons.clear();
                self.elsewhere.clear();
                vec![note(
                    Level::Warning,
                    "entry.differ",
                    vec![("n", n.to_string())],
                )]
            }
            "committed" => {
                let version = view.version.map(|v| v.to_string()).unwrap_or_default();
                to_list(
                    self,
                    Level::Info,
                    "entry.committed",
                    vec![("version", version)],
                )
            }
            "awaiting_second" => to_list(self, Level::Info, "entry.awaiting_second", vec![]),
            "adjudication" => to_list(self, Level::Info, "entry.adjudication", vec![]),
            _ => to_list(self, Level::Info, "entry.sent", vec![]),
        }
    }

    /// A refusal with problems: each beside its field; warnings ask for a
    /// reason (kept if one was typed), and with only warnings left the
    /// summary opens again for them.
    fn refused(&mut self, problems: Vec<Problem>) -> Vec<Request> {
        self.elsewhere = self.form.set_problems(&problems);
        let mut typed: BTreeMap<String, TextInput> = std::mem::take(&mut self.reasons)
            .into_iter()
            .map(|r| (r.key, r.input))
            .collect();
        if self.stage == Stage::First {
            self.reasons = problems
                .iter()
                .filter(|p| p.severity == "warning")
                .filter_map(|p| {
                    let key = p.key.clone()?;
                    let input = typed
                        .remove(&key)
                        .unwrap_or_else(|| TextInput::new(REASON_CHARS));
                    Some(Reason {
                        key,
                        problem: p.clone(),
                        input,
                    })
                })
                .collect();
        }
        let errors: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.severity != "warning")
            .collect();
        if errors.is_empty() && !self.reasons.is_empty() {
            self.summary = Some(Summary::new(self.first_empty_reason()));
            return vec![Request::note(Level::Warning, "entry.give_reasons")];
        }
        // What names no field here shows on the note line.
        self.form.focus_first_problem();
        vec![note(
            Level::Error,
            "entry.refused",
            vec![("n", errors.len().to_string())],
        )]
    }

    fn summary_run(&mut self, command: Command) -> Outcome {
        let count = self.reasons.len();
        match command {
            Command::Confirm => return Outcome::Consumed(self.confirm_summary()),
            Command::Cancel | Command::Back => self.summary = None,
            Command::NextField | Command::PrevField if count > 0 => {
                if let Some(summary) = self.summary.as_mut() {
                    summary.focus = if command == Command::NextField {
                        (summary.focus + 1) % count
                    } else {
                        (summary.focus + count - 1) % count
                    };
                }
            }
            Command::NextField | Command::PrevField => {}
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn focused_reason(&mut self) -> Option<&mut TextInput> {
        let at = self.summary.as_ref()?.focus;
        self.reasons.get_mut(at).map(|r| &mut r.input)
    }
}

impl Component for KeyingScreen {
    fn layer(&self) -> Option<Layer> {
        Some(if self.summary.is_some() {
            Layer::Summary
        } else {
            Layer::Entry
        })
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.summary.is_some() {
            let used = self.focused_reason().is_some_and(|input| input.edit(key));
            return if used {
                Outcome::consumed()
            } else {
                Outcome::NotConsumed
            };
        }
        if self.form.handle_key(key) {
            Outcome::consumed()
        } else {
            Outcome::NotConsumed
        }
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.summary.is_some() {
            return self.summary_run(command);
        }
        match command {
            Command::NextField | Command::SelectNext => self.form.next(),
            Command::PrevField | Command::SelectPrev => self.form.prev(),
            Command::PageDown => self.form.next_section(),
            Command::PageUp => self.form.prev_section(),
            Command::AddRow => match self.form.add_row() {
                AddRow::Added => {}
                AddRow::Full => {
                    return Outcome::Consumed(vec![Request::note(
                        Level::Warning,
                        "entry.rows_full",
                    )]);
                }
                AddRow::NoTable => {
                    return Outcome::Consumed(vec![Request::note(Level::Info, "entry.no_table")]);
                }
            },
            Command::Send => return Outcome::Consumed(self.open_summary()),
            Command::Discard => return Outcome::Consumed(self.discard()),
            Command::Back => return Outcome::Consumed(self.leave()),
            _ => return Outcome::NotConsumed,
        }
        Outcome::Consumed(self.after_move())
    }

    fn paste(&mut self, text: &str) {
        if self.summary.is_some() {
            if let Some(input) = self.focused_reason() {
                input.insert_str(text);
            }
            return;
        }
        self.form.paste(text);
    }

    fn hints(&self) -> Vec<Hint> {
        if self.summary.is_some() {
            // With errors left, yes goes to the first of them.
            let confirm = if self.form.error_count() > 0 {
                "summary.to_errors"
            } else {
                "hint.submit_entry"
            };
            let mut hints = vec![
                Hint::new(Command::Confirm, confirm),
                Hint::new(Command::Cancel, "hint.cancel"),
            ];
            if !self.reasons.is_empty() {
                hints.push(Hint::new(Command::NextField, "hint.next_reason"));
            }
            return hints;
        }
        let mut hints = vec![
            Hint::new(Command::NextField, "hint.next_field"),
            Hint::new(Command::Send, "hint.send"),
        ];
        if self.form.adds_rows() {
            hints.push(Hint::new(Command::AddRow, "hint.add_row"));
        }
        hints.push(Hint::new(Command::Back, "hint.back"));
        hints
    }

    fn offers(&self, command: Command) -> bool {
        match command {
            Command::AddRow => self.form.adds_rows(),
            Command::Discard => self.stage == Stage::First,
            _ => true,
        }
    }

    /// Over the summary only quit and the help act.
    fn takes_global(&self, command: Command) -> bool {
        self.summary.is_none() || matches!(command, Command::Quit | Command::Help)
    }

    fn typing(&self) -> bool {
        self.summary.is_none() || !self.reasons.is_empty()
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("entry.sending")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let [title_area, note_area, form_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        let (at, of) = self.form.position();
        let h = &self.header;
        // Which sheet of paper stays in view at 80 columns, then whose.
        let title = vec![
            Span::styled(
                format!(" {} ", form_title(t, &h.form)),
                view.style(Role::Header),
            ),
            Span::raw(" "),
            Span::styled(t.t(self.stage.label()).to_string(), view.style(Role::Focus)),
            Span::styled(
                format!(
                    "  {}  {} {}  {} {}",
                    t.tf(
                        "entry.position",
                        &[("at", &at.to_string()), ("of", &of.to_string())]
                    ),
                    t.t("entry.paper"),
                    h.paper,
                    t.t("field.person_number"),
                    h.person,
                ),
                view.style(Role::Muted),
            ),
        ];
        let width = usize::from(area.width);
        frame.render_widget(fit_line(clean_spans(title), width), title_area);
        // The note line: problems that name no field on the form, else the
        // focused field's whole message, else what this keying is.
        let note_line = if !self.elsewhere.is_empty() {
            let texts: Vec<String> = self.elsewhere.iter().map(|p| shown_text(view, p)).collect();
            vec![Span::styled(texts.join(" / "), view.style(Role::Error))]
        } else if let Some(message) = self
            .summary
            .is_none()
            .then(|| self.form.focused_message(view))
            .flatten()
        {
            message
        } else if self.identity_unsettled && self.stage == Stage::First {
            vec![Span::styled(
                t.t("entry.note_identity").to_string(),
                view.style(Role::Warning),
            )]
        } else {
            vec![Span::styled(
                t.t(self.stage.note()).to_string(),
                view.style(Role::Muted),
            )]
        };
        frame.render_widget(fit_line(note_line, width), note_area);
        let focused = self.summary.is_none() && !view.covered;
        self.form.draw(view, frame, form_area, focused);
        if let Some(s) = &self.summary {
            summary::draw(view, frame, area, self, s);
        }
    }
}

/// Spans whose text came partly from the service (person, paper), made
/// safe to draw.
fn clean_spans(spans: Vec<Span<'static>>) -> Vec<Span<'static>> {
    spans
        .into_iter()
        .map(|s| Span::styled(crate::tui::sanitize::clean(&s.content), s.style))
        .collect()
}

/// The text of a problem in the clerk's language (for the summary).
pub fn shown_text(view: &View<'_>, problem: &Problem) -> String {
    problem_text(view.i18n, &ShownProblem::of(problem))
}
