//! The transfers tab of the work screen (移転・提供): the transfers the
//! caller may see, one transfer's detail (a supervisor approves or rejects
//! it there, each asking first), and a clerk's request, prepared from the
//! persons chosen on their records, and the preparer's execution of an
//! approved one ([`exec`]). The service decides again whether the caller
//! may; its refusals are said in words.

pub mod exec;
pub mod form;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::api::transfer::{TransferSummary, TransferView};
use crate::api::{ErrorCode, Permission, SessionInfo};
use crate::tui::action::{Command, Failure, FailureText};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, TransfersCall};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::clean;
use crate::tui::screens::review::{
    Align, Column, draw_table, is_movement, list_command, moved, muted_line,
};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::transfers_call::TransfersAnswer;
use crate::tui::view::View;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;

use exec::{Execution, PREVIEWABLE, SENDABLE, SignOffForm};
use form::PrepareForm;

/// The states a transfer's locale names.
const STATES: &[&str] = &[
    "prepared",
    "approved",
    "awaiting_sign_off",
    "paused",
    "signed_off",
    "sending",
    "failed",
    "delivered",
    "rejected",
];

/// A state in the terminal's language (the service's word if unknown).
pub fn state_text(view: &View<'_>, state: &str) -> String {
    match STATES.iter().find(|s| **s == state) {
        Some(s) => view.t(&format!("transfer_state.{s}")).to_string(),
        None => clean(state),
    }
}

fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
}

/// A refused step: a 400's words name the field, so they are shown; a
/// refusal of the step itself is said the same whatever the reason.
fn refused(failure: Failure) -> Request {
    match (&failure.code, &failure.message) {
        (Some(ErrorCode::BadRequest), FailureText::Service(text)) => note(
            Level::Error,
            "transfers.refused",
            vec![("msg", text.clone())],
        ),
        _ => Request::Failed(failure),
    }
}

/// A refused execution step: the service's own words (timed out, the
/// records changed, not this officer) are what the clerk needs.
fn refused_step(failure: Failure) -> Request {
    match (&failure.code, &failure.message) {
        (Some(ErrorCode::TransferRefused), FailureText::Service(text)) => note(
            Level::Error,
            "transfers.refused",
            vec![("msg", text.clone())],
        ),
        _ => refused(failure),
    }
}

#[derive(Debug)]
pub struct TransfersScreen {
    pub transfers: Vec<TransferSummary>,
    pub selected: usize,
    pub loading: bool,
    /// The transfer shown, and the one on its way.
    pub detail: Option<TransferView>,
    pub opening: Option<String>,
    /// A clerk's request being typed.
    pub form: Option<PrepareForm>,
    /// A request, approval or rejection is on its way.
    pub sending: bool,
    /// The persons chosen on their records (the app keeps them).
    pub picks: Vec<String>,
    pub can_prepare: bool,
    pub can_approve: bool,
    /// The caller, who executes only their own transfers.
    pub me: String,
    /// A transfer being executed.
    pub exec: Option<Execution>,
}

impl TransfersScreen {
    /// The tab with its list on the way.
    pub fn open(
        session: Option<&SessionInfo>,
        picks: Vec<String>,
    ) -> (TransfersScreen, Vec<Request>) {
        let may = |p| session.is_some_and(|s| s.permissions.contains(&p));
        let screen = TransfersScreen {
            transfers: Vec::new(),
            selected: 0,
            loading: true,
            detail: None,
            opening: None,
            form: None,
            sending: false,
            picks,
            can_prepare: may(Permission::PrepareTransfers),
            can_approve: may(Permission::ApproveTransfers),
            me: session.map(|s| s.staff.user_id.clone()).unwrap_or_default(),
            exec: None,
        };
        (screen, vec![list_call()])
    }

    fn reload(&mut self) -> Request {
        self.loading = true;
        list_call()
    }

    pub fn answered(&mut self, answer: TransfersAnswer) -> Vec<Request> {
        match answer {
            TransfersAnswer::List(result) if self.loading => {
                self.loading = false;
                let keep = self.transfers.get(self.selected).map(|t| t.id.clone());
                match result {
                    Ok(list) => {
                        self.transfers = list.transfers;
                        self.selected = keep
                            .and_then(|id| self.transfers.iter().position(|t| t.id == id))
                            .unwrap_or(0);
                        Vec::new()
                    }
                    Err(failure) => {
                        self.transfers.clear();
                        self.selected = 0;
                        vec![Request::Failed(failure)]
                    }
                }
            }
            TransfersAnswer::View(result) if self.opening.is_some() => {
                self.opening = None;
                match result {
                    Ok(view) => {
                        if let Some(exec) = self.exec.as_mut().filter(|e| e.id() == view.id) {
                            exec.now(view.clone());
                            self.detail = Some(view);
                            return Vec::new();
                        }
                        self.detail = Some(view);
                        vec![Request::Status(None)]
                    }
                    Err(failure) => vec![Request::Failed(failure)],
                }
            }
            TransfersAnswer::Registries(result)
                if self.form.as_ref().is_some_and(|f| f.loading) =>
            {
                match result {
                    Ok((destinations, formats)) => {
                        if let Some(form) = self.form.as_mut() {
                            form.registries(destinations, formats);
                        }
                        Vec::new()
                    }
                    Err(failure) => {
                        self.form = None;
                        vec![Request::Failed(failure)]
                    }
                }
            }
            TransfersAnswer::Prepared(result) if self.sending && self.form.is_some() => {
                self.sending = false;
                match result {
                    Ok(view) => {
                        self.form = None;
                        self.picks.clear();
                        let n = view.request.persons.len().to_string();
                        vec![
                            Request::TransferPicks(Vec::new()),
                            note(Level::Info, "transfers.prepared", vec![("n", n)]),
                            self.reload(),
                        ]
                    }
                    Err(failure) => {
                        if let Some(form) = self.form.as_mut() {
                            form.summary = false;
                        }
                        vec![refused(failure)]
                    }
                }
            }
            TransfersAnswer::Decided { id, result }
                if self.sending && self.detail.as_ref().is_some_and(|d| d.id == id) =>
            {
                self.sending = false;
                match result {
                    Ok(view) => {
                        let key = if view.state == "rejected" {
                            "transfers.rejected"
                        } else {
                            "transfers.approved"
                        };
                        self.detail = Some(view);
                        vec![Request::note(Level::Info, key), self.reload()]
                    }
                    Err(failure) => vec![refused(failure)],
                }
            }
            answer @ (TransfersAnswer::Previewed { .. }
            | TransfersAnswer::Reconfirmed { .. }
            | TransfersAnswer::SignedOff { .. }
            | TransfersAnswer::Sent { .. }) => self.executed(answer),
            answer => stray(answer),
        }
    }

    /// An answer of the execution: dropped unless its transfer is the one
    /// being executed and a call is awaited.
    fn executed(&mut self, answer: TransfersAnswer) -> Vec<Request> {
        let waiting = self.sending;
        let Some(exec) = self.exec.as_mut() else {
            return stray(answer);
        };
        let id = exec.id().to_string();
        match answer {
            TransfersAnswer::Previewed { id: of, result } if waiting && of == id => {
                self.sending = false;
                match result {
                    Ok(preview) => {
                        exec.previewed(*preview);
                        vec![Request::Status(None)]
                    }
                    Err(failure) => {
                        self.exec = None;
                        vec![refused_step(failure)]
                    }
                }
            }
            TransfersAnswer::Reconfirmed {
                id: of,
                person,
                result,
            } if waiting && of == id => {
                self.sending = false;
                match result {
                    Ok(view) => {
                        exec.view = view;
                        exec.reconfirmed.push(person);
                        let n = exec.remaining().to_string();
                        vec![note(Level::Info, "transfers.reconfirmed", vec![("n", n)])]
                    }
                    Err(failure) => vec![refused_step(failure)],
                }
            }
            TransfersAnswer::SignedOff { id: of, result } if waiting && of == id => {
                self.sending = false;
                // What the officer typed goes, whatever the answer.
                if let Some(form) = exec.form.as_mut() {
                    form.clear();
                }
                exec.form = None;
                match result {
                    Ok(view) => {
                        let by = view.signed_off_by.clone().unwrap_or_default();
                        exec.now(view);
                        vec![note(Level::Info, "transfers.signed_off", vec![("by", by)])]
                    }
                    Err(failure) => {
                        // Paused, voided or still awaiting: the state says.
                        self.opening = Some(id.clone());
                        vec![
                            refused_step(failure),
                            Request::Effect(Effect::Transfers(TransfersCall::View(id))),
                        ]
                    }
                }
            }
            TransfersAnswer::Sent { id: of, result } if waiting && of == id => {
                self.sending = false;
                match result {
                    Ok(view) => {
                        let request = match (&view.receipt, &view.failure) {
                            (Some(receipt), _) => note(
                                Level::Info,
                                "transfers.delivered",
                                vec![("receipt", receipt.clone())],
                            ),
                            (None, failure) => note(
                                Level::Error,
                                "transfers.failed",
                                vec![("reason", failure.clone().unwrap_or_default())],
                            ),
                        };
                        exec.now(view);
                        vec![request]
                    }
                    Err(failure) => vec![refused_step(failure)],
                }
            }
            answer => stray(answer),
        }
    }

    /// The detail's execute key: the preview of an approved (or paused)
    /// transfer, or the sending of a signed-off (or failed) one.
    fn execute(&mut self, detail: TransferView) -> Vec<Request> {
        if detail.prepared_by != self.me {
            return vec![Request::note(Level::Warning, "transfers.not_yours")];
        }
        let state = detail.state.as_str();
        if SENDABLE.contains(&state) {
            self.exec = Some(Execution::new(detail));
            return vec![Request::Status(None)];
        }
        if !PREVIEWABLE.contains(&state) {
            return vec![Request::note(Level::Warning, "transfers.cannot_execute")];
        }
        let id = detail.id.clone();
        self.exec = Some(Execution::new(detail));
        self.sending = true;
        vec![Request::Effect(Effect::Transfers(TransfersCall::Preview(
            id,
        )))]
    }

    fn run_exec(&mut self, command: Command) -> Outcome {
        let sending = self.sending;
        let Some(exec) = self.exec.as_mut() else {
            return Outcome::NotConsumed;
        };
        let id = exec.id().to_string();
        let call = |c| vec![Request::Effect(Effect::Transfers(c))];
        if let Some(form) = exec.form.as_mut() {
            let requests = match command {
                Command::NextField | Command::Submit => {
                    form.step_focus(true);
                    Vec::new()
                }
                Command::PrevField => {
                    form.step_focus(false);
                    Vec::new()
                }
                Command::Send if sending => {
                    vec![Request::note(Level::Info, "entry.wait_sending")]
                }
                Command::Send => {
                    let hash = exec.preview.as_ref().map(|p| p.hash.clone());
                    match hash.map(|h| form.request(&h)) {
                        Some(Ok(request)) => {
                            self.sending = true;
                            call(TransfersCall::SignOff {
                                id,
                                request: Box::new(request),
                            })
                        }
                        Some(Err(key)) => vec![Request::note(Level::Warning, key)],
                        None => Vec::new(),
                    }
                }
                Command::Back => {
                    form.clear();
                    exec.form = None;
                    vec![Request::Status(None)]
                }
                _ => return Outcome::NotConsumed,
            };
            return Outcome::Consumed(requests);
        }
        let requests = match command {
            Command::Back => {
                self.exec = None;
                self.opening = Some(id.clone());
                vec![
                    Request::Status(None),
                    call(TransfersCall::View(id)).remove(0),
                ]
            }
            _ if sending
                && matches!(
                    command,
                    Command::Reconfirm | Command::SignOff | Command::Send
                ) =>
            {
                vec![Request::note(Level::Info, "entry.wait_sending")]
            }
            c @ (Command::SelectNext | Command::SelectPrev) if exec.preview.is_some() => {
                exec.selected = moved(exec.selected, exec.sensitive.len(), c);
                Vec::new()
            }
            Command::Reconfirm if exec.preview.is_some() => match exec.to_reconfirm() {
                Some(person) => {
                    let person = person.clone();
                    self.sending = true;
                    call(TransfersCall::Reconfirm { id, person })
                }
                None => Vec::new(),
            },
            Command::SignOff if exec.preview.is_some() => {
                let n = exec.remaining();
                if n > 0 {
                    vec![note(
                        Level::Warning,
                        "transfers.reconfirm_first",
                        vec![("n", n.to_string())],
                    )]
                } else {
                    exec.form = Some(SignOffForm::new());
                    vec![Request::Status(None)]
                }
            }
            Command::Send if exec.sendable() => {
                self.sending = true;
                call(TransfersCall::Send(id))
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    /// The user said yes to a step of this screen.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        if self.sending {
            return Vec::new();
        }
        let call = match action {
            PendingAction::PrepareTransfer { destination } => {
                let Some(Ok(request)) = self.form.as_ref().map(PrepareForm::request) else {
                    return Vec::new();
                };
                if request.destination != *destination {
                    return Vec::new();
                }
                TransfersCall::Prepare(request)
            }
            PendingAction::ApproveTransfer { id } if self.shown(id) => {
                TransfersCall::Approve(id.clone())
            }
            PendingAction::RejectTransfer { id, reason } if self.shown(id) => {
                TransfersCall::Reject {
                    id: id.clone(),
                    reason: reason.clone(),
                }
            }
            _ => return Vec::new(),
        };
        self.sending = true;
        vec![Request::Effect(Effect::Transfers(call))]
    }

    /// The preparer on their own transfer that may be executed now.
    fn may_execute(&self) -> bool {
        self.can_prepare
            && self.detail.as_ref().is_some_and(|d| {
                d.prepared_by == self.me
                    && (PREVIEWABLE.contains(&d.state.as_str())
                        || SENDABLE.contains(&d.state.as_str()))
            })
    }

    fn shown(&self, id: &str) -> bool {
        self.form.is_none() && self.detail.as_ref().is_some_and(|d| d.id == id)
    }

    fn run_list(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(requests) = list_command(ctx, Tab::Transfers, command) {
            return Outcome::Consumed(requests);
        }
        let requests = match command {
            c if is_movement(c) => {
                self.selected = moved(self.selected, self.transfers.len(), c);
                Vec::new()
            }
            Command::Submit => match self.transfers.get(self.selected) {
                Some(t) => {
                    self.opening = Some(t.id.clone());
                    vec![Request::Effect(Effect::Transfers(TransfersCall::View(
                        t.id.clone(),
                    )))]
                }
                None => Vec::new(),
            },
            Command::NewTransfer if self.can_prepare => {
                self.form = Some(PrepareForm::new(self.picks.clone()));
                vec![
                    Request::Status(None),
                    Request::Effect(Effect::Transfers(TransfersCall::Registries)),
                ]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn run_detail(&mut self, command: Command) -> Outcome {
        let Some(detail) = &self.detail else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            Command::Back => {
                self.detail = None;
                vec![Request::Status(None), self.reload()]
            }
            Command::Approve | Command::Reject if self.sending => {
                vec![Request::note(Level::Info, "entry.wait_sending")]
            }
            Command::Approve if self.can_approve => {
                vec![Request::Confirm(PendingAction::ApproveTransfer {
                    id: detail.id.clone(),
                })]
            }
            Command::Reject if self.can_approve => {
                vec![Request::Confirm(PendingAction::RejectTransfer {
                    id: detail.id.clone(),
                    reason: String::new(),
                })]
            }
            Command::Execute if self.can_prepare && !self.sending => {
                let detail = detail.clone();
                self.execute(detail)
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn run_form(&mut self, command: Command) -> Outcome {
        let sending = self.sending;
        let Some(form) = self.form.as_mut() else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            Command::NextField if !form.summary => {
                form.step_focus(true);
                Vec::new()
            }
            Command::PrevField if !form.summary => {
                form.step_focus(false);
                Vec::new()
            }
            Command::Send if sending => vec![Request::note(Level::Info, "entry.wait_sending")],
            Command::Send if form.loading => Vec::new(),
            Command::Send => match form.request() {
                Ok(request) if form.summary => {
                    vec![Request::Confirm(PendingAction::PrepareTransfer {
                        destination: request.destination,
                    })]
                }
                Ok(_) => {
                    form.summary = true;
                    vec![Request::Status(None)]
                }
                Err((key, field)) => {
                    form.focus = field;
                    vec![Request::note(Level::Warning, key)]
                }
            },
            Command::Back if form.summary => {
                form.summary = false;
                vec![Request::Status(None)]
            }
            Command::Back => {
                self.form = None;
                vec![Request::Status(None)]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn draw_list(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "transfers.title", Role::Border);
        let [picks, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        if self.can_prepare {
            let n = self.picks.len().to_string();
            frame.render_widget(
                fit_line(
                    vec![Span::styled(
                        t.tf("transfers.picks", &[("n", &n)]),
                        view.style(Role::Muted),
                    )],
                    usize::from(picks.width),
                ),
                picks,
            );
        }
        if self.loading && self.transfers.is_empty() {
            return;
        }
        if self.transfers.is_empty() {
            muted_line(view, frame, list, "transfers.none");
            return;
        }
        let column = |header, align, max| Column { header, align, max };
        let columns = [
            column("transfers.column_state", Align::Left, Some(12)),
            column("transfers.destination", Align::Left, Some(14)),
            column("transfers.format", Align::Left, Some(18)),
            column("transfers.column_records", Align::Right, Some(6)),
            column("transfers.column_prepared", Align::Left, Some(10)),
            column("transfers.column_approved", Align::Left, None),
        ];
        let rows: Vec<Vec<String>> = self
            .transfers
            .iter()
            .map(|s| {
                vec![
                    state_text(view, &s.state),
                    s.destination.clone(),
                    s.format.clone(),
                    s.records.to_string(),
                    s.prepared_by.clone(),
                    s.approved_by.clone().unwrap_or_default(),
                ]
            })
            .collect();
        draw_table(view, frame, list, &columns, &rows, Some(self.selected));
    }

    fn draw_detail(&self, view: &View<'_>, frame: &mut Frame, area: Rect, d: &TransferView) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "transfers.detail_title", Role::Border);
        let keys = [
            "transfers.column_state",
            "transfers.destination",
            "transfers.format",
            "transfers.purpose",
            "transfers.legal_basis",
            "transfers.note",
            "transfers.column_prepared",
            "transfers.column_approved",
            "transfers.column_signed_off",
            "transfers.fingerprint",
            "transfers.receipt",
            "transfers.failure",
            "transfers.rejected_by",
            "transfers.rejected_reason",
        ];
        let width = usize::from(inner.width);
        let text = view.style(Role::Text);
        let line = exec::labelled(view, width, &keys);
        let r = &d.request;
        let mut lines = vec![
            line(
                "transfers.column_state",
                format!("{}  ({})", state_text(view, &d.state), d.id),
            ),
            line("transfers.destination", r.destination.clone()),
            line("transfers.format", r.format.clone()),
            line("transfers.purpose", r.purpose.clone()),
            line("transfers.legal_basis", r.legal_basis.clone()),
            line("transfers.note", r.note.clone()),
            line(
                "transfers.column_prepared",
                format!("{}  {}", d.prepared_by, d.prepared_at),
            ),
        ];
        let by_at = |by: &String, at: &Option<String>| match at {
            Some(at) => t.tf("transfers.by_at", &[("by", by), ("at", at)]),
            None => by.clone(),
        };
        if let Some(by) = &d.approved_by {
            lines.push(line("transfers.column_approved", by_at(by, &d.approved_at)));
        }
        if let Some(by) = &d.signed_off_by {
            lines.push(line(
                "transfers.column_signed_off",
                by_at(by, &d.signed_off_at),
            ));
        }
        if let Some(fp) = &d.fingerprint {
            lines.push(line("transfers.fingerprint", fp.clone()));
        }
        if let Some(receipt) = &d.receipt {
            lines.push(line("transfers.receipt", by_at(receipt, &d.delivered_at)));
        }
        if let Some(failure) = &d.failure {
            lines.push(line("transfers.failure", failure.clone()));
        }
        if let Some(by) = &d.rejected_by {
            let value = match d.rejected_at_step.as_deref() {
                Some(s) => t.tf(
                    "transfers.by_at_step",
                    &[("by", by), ("step", &state_text(view, s))],
                ),
                None => by.clone(),
            };
            lines.push(line("transfers.rejected_by", value));
            lines.push(line(
                "transfers.rejected_reason",
                d.rejected_reason.clone().unwrap_or_default(),
            ));
        }
        let n = r.persons.len().to_string();
        lines.push(fit_line(
            vec![Span::styled(
                t.tf("transfers.persons_count", &[("n", &n)]),
                view.style(Role::Muted),
            )],
            width,
        ));
        lines.push(Line::from(Span::styled(
            r.persons
                .iter()
                .map(|p| clean(p))
                .collect::<Vec<_>>()
                .join("  "),
            text,
        )));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

fn list_call() -> Request {
    Request::Effect(Effect::Transfers(TransfersCall::List))
}

/// A transfer answer with no screen waiting for it: only a failure shows.
pub fn stray(answer: TransfersAnswer) -> Vec<Request> {
    answer
        .into_failure()
        .map(Request::Failed)
        .into_iter()
        .collect()
}

impl Component for TransfersScreen {
    fn layer(&self) -> Option<Layer> {
        if self.exec.is_some() {
            Some(Layer::TransferExec)
        } else if self.form.is_some() {
            Some(Layer::TransferForm)
        } else {
            Some(Layer::Transfers)
        }
    }

    /// In the form the focused row takes its keys first: text and editing
    /// keys in a text row, Left and Right on a choice.
    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        use crossterm::event::{KeyCode, KeyModifiers};
        if let Some(form) = self.exec.as_mut().and_then(|e| e.form.as_mut()) {
            return if !self.sending && form.input_mut().edit(key) {
                Outcome::consumed()
            } else {
                Outcome::NotConsumed
            };
        }
        let Some(form) = self.form.as_mut().filter(|f| !f.summary && !f.loading) else {
            return Outcome::NotConsumed;
        };
        if key.mods == KeyModifiers::NONE
            && matches!(key.code, KeyCode::Left | KeyCode::Right)
            && form.step_choice(key.code == KeyCode::Right)
        {
            return Outcome::consumed();
        }
        match form.input_mut() {
            Some(input) => {
                if input.edit(key) {
                    Outcome::consumed()
                } else {
                    Outcome::NotConsumed
                }
            }
            None => Outcome::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(form) = self.exec.as_mut().and_then(|e| e.form.as_mut()) {
            form.input_mut().insert_str(text);
            return;
        }
        if let Some(input) = self
            .form
            .as_mut()
            .filter(|f| !f.summary)
            .and_then(PrepareForm::input_mut)
        {
            input.insert_str(text);
        }
    }

    fn typing(&self) -> bool {
        self.exec.as_ref().is_some_and(|e| e.form.is_some())
            || self.form.as_ref().is_some_and(PrepareForm::typing)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.exec.is_some() {
            return self.run_exec(command);
        }
        if self.form.is_some() {
            return self.run_form(command);
        }
        if self.detail.is_some() {
            return self.run_detail(command);
        }
        self.run_list(command, ctx)
    }

    fn hints(&self) -> Vec<Hint> {
        if let Some(exec) = &self.exec {
            let mut hints = Vec::new();
            if exec.form.is_some() {
                hints.push(Hint::new(Command::NextField, "hint.next_field"));
                hints.push(Hint::new(Command::Send, "hint.sign_off_send"));
            } else if exec.preview.is_some() {
                if exec.remaining() > 0 {
                    hints.push(Hint::new(Command::Reconfirm, "hint.reconfirm"));
                }
                hints.push(Hint::new(Command::SignOff, "hint.sign_off"));
            } else if exec.view.state == "failed" {
                hints.push(Hint::new(Command::Send, "hint.retry_transfer"));
            } else if exec.sendable() {
                hints.push(Hint::new(Command::Send, "hint.send_transfer"));
            }
            hints.push(Hint::new(Command::Back, "hint.back"));
            return hints;
        }
        if let Some(form) = &self.form {
            if form.summary {
                return vec![
                    Hint::new(Command::Send, "hint.prepare_transfer"),
                    Hint::new(Command::Back, "hint.back"),
                ];
            }
            return vec![
                Hint::new(Command::NextField, "hint.next_field"),
                Hint::new(Command::Send, "hint.transfer_summary"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        if self.detail.is_some() {
            let mut hints = Vec::new();
            if self.can_approve {
                hints.push(Hint::new(Command::Approve, "hint.approve"));
                hints.push(Hint::new(Command::Reject, "hint.reject"));
            }
            if self.may_execute() {
                hints.push(Hint::new(Command::Execute, "hint.execute"));
            }
            hints.push(Hint::new(Command::Back, "hint.back"));
            return hints;
        }
        let mut hints = vec![Hint::new(Command::Submit, "hint.open_transfer")];
        if self.can_prepare {
            hints.push(Hint::new(Command::NewTransfer, "hint.new_transfer"));
        }
        hints.push(Hint::new(Command::NextTab, "hint.next_tab"));
        hints.push(Hint::new(Command::Back, "hint.back"));
        hints
    }

    fn offers(&self, command: Command) -> bool {
        if let Some(exec) = &self.exec {
            return match command {
                Command::NextField | Command::PrevField | Command::Submit => exec.form.is_some(),
                Command::SelectNext | Command::SelectPrev | Command::Reconfirm => {
                    exec.form.is_none() && exec.preview.is_some()
                }
                Command::SignOff => exec.form.is_none() && exec.preview.is_some(),
                Command::Send => exec.form.is_some() || exec.sendable(),
                Command::Back => true,
                _ => false,
            };
        }
        if let Some(form) = &self.form {
            return match command {
                Command::NextField | Command::PrevField => !form.summary,
                Command::Send | Command::Back => true,
                _ => false,
            };
        }
        if self.detail.is_some() {
            return match command {
                Command::Approve | Command::Reject => self.can_approve,
                Command::Execute => self.may_execute(),
                Command::Back => true,
                _ => false,
            };
        }
        match command {
            Command::Approve | Command::Reject | Command::Execute => false,
            Command::NewTransfer => self.can_prepare,
            _ => true,
        }
    }

    /// In the form only quit, help, the message log and logout of the
    /// global keys act (a half-typed request is not dropped by a slip).
    fn takes_global(&self, command: Command) -> bool {
        (self.form.is_none() && self.exec.is_none())
            || matches!(
                command,
                Command::Quit | Command::Help | Command::MessageLog | Command::Logout
            )
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.sending {
            return Some("entry.sending");
        }
        if self.opening.is_some() || self.form.as_ref().is_some_and(|f| f.loading) {
            return Some("review.loading");
        }
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Transfers);
        if let Some(exec) = &self.exec {
            let title = if exec.form.is_some() {
                "transfers.sign_off_title"
            } else if exec.preview.is_some() {
                "transfers.exec_title"
            } else {
                "transfers.send_title"
            };
            let inner = panel(view, frame, area, title, Role::Focus);
            exec.draw(view, frame, inner);
            return;
        }
        if let Some(form) = &self.form {
            let title = if form.summary {
                "transfers.summary_title"
            } else {
                "transfers.form_title"
            };
            let inner = panel(view, frame, area, title, Role::Focus);
            form.draw(view, frame, inner);
            return;
        }
        match &self.detail {
            Some(d) => self.draw_detail(view, frame, area, d),
            None => self.draw_list(view, frame, area),
        }
    }
}
