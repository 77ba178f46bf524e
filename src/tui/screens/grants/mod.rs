//! The grants tab (権限): who holds which role in which department, from
//! when until when, its state now, who requested it and which IT officer
//! applied or refused it, newest first. A supervisor (an IT officer for
//! information systems) requests a grant with F4; an IT officer applies
//! (F8) or refuses (F9) a requested one, revokes (F5) one in force and
//! extends a department's grants to a new expiry (F7). Each step asks
//! first; the service decides again, and its refusal is shown as it says.

mod form;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::api::grant::{GrantList, GrantView};
use crate::api::{ErrorCode, Permission};
use crate::domain::roles::Department;
use crate::tui::action::{Command, Failure, FailureText};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, GrantsCall};
use crate::tui::grants_call::{GrantStep, GrantsAnswer};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::screens::review::{
    Align, Column, draw_table, is_movement, list_command, moved, muted_line,
};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::fields;
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::time::shown_time;

pub use form::GrantForm;

fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
}

/// A refused step: the rules of grants and a malformed field are said in
/// the service's own words (they name the rule or the field); anything
/// else as any failure shows.
fn refused(failure: Failure) -> Request {
    match (&failure.code, &failure.message) {
        (Some(ErrorCode::GrantRefused | ErrorCode::BadRequest), FailureText::Service(text)) => {
            note(Level::Error, "grants.refused", vec![("msg", text.clone())])
        }
        _ => Request::Failed(failure),
    }
}

#[derive(Debug)]
pub struct GrantsScreen {
    /// Newest first, as the service sends them.
    pub grants: Vec<GrantView>,
    pub selected: usize,
    pub loading: bool,
    /// A step is on its way.
    pub sending: bool,
    pub form: Option<GrantForm>,
    /// The caller's department: requests are made in it.
    department: Department,
    /// Whether the caller is an IT officer (apply, refuse, revoke,
    /// extend); the service checks again.
    manages: bool,
}

impl GrantsScreen {
    /// The tab with its list on the way.
    pub fn open(session: Option<&crate::api::SessionInfo>) -> (GrantsScreen, Vec<Request>) {
        let screen = GrantsScreen {
            grants: Vec::new(),
            selected: 0,
            loading: true,
            sending: false,
            form: None,
            department: session.map_or(Department::Assessment, |s| s.staff.department),
            manages: session.is_some_and(|s| s.permissions.contains(&Permission::ManageStaff)),
        };
        (
            screen,
            vec![Request::Effect(Effect::Grants(GrantsCall::List))],
        )
    }

    fn reload(&mut self) -> Request {
        self.loading = true;
        Request::Effect(Effect::Grants(GrantsCall::List))
    }

    fn loaded(&mut self, result: Result<GrantList, Failure>) -> Vec<Request> {
        self.loading = false;
        let keep = self.grants.get(self.selected).map(|g| g.id.clone());
        match result {
            Ok(list) => {
                self.grants = list.grants;
                self.selected = keep
                    .and_then(|id| self.grants.iter().position(|g| g.id == id))
                    .unwrap_or(0);
                Vec::new()
            }
            Err(failure) => {
                self.grants.clear();
                self.selected = 0;
                vec![Request::Failed(failure)]
            }
        }
    }

    pub fn answered(&mut self, answer: GrantsAnswer) -> Vec<Request> {
        match answer {
            GrantsAnswer::List(result) if self.loading => self.loaded(result),
            GrantsAnswer::Stepped { step, result } if self.sending => {
                self.sending = false;
                match result {
                    Ok(grant) => {
                        if step == GrantStep::Request {
                            self.form = None;
                        }
                        vec![
                            note(Level::Info, step.done_key(), vec![("user", grant.user_id)]),
                            self.reload(),
                        ]
                    }
                    Err(failure) => vec![refused(failure), self.reload()],
                }
            }
            GrantsAnswer::Extended(result) if self.sending => {
                self.sending = false;
                match result {
                    Ok(list) => {
                        self.form = None;
                        vec![
                            note(
                                Level::Info,
                                "grants.extended",
                                vec![("n", list.grants.len().to_string())],
                            ),
                            self.reload(),
                        ]
                    }
                    Err(failure) => vec![refused(failure)],
                }
            }
            answer => answer
                .into_failure()
                .map(Request::Failed)
                .into_iter()
                .collect(),
        }
    }

    /// The user said yes to a step of this tab.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let call = match action {
            PendingAction::RequestGrant { .. } => {
                match self.form.as_ref().map(GrantForm::request_body) {
                    Some(Ok(body)) => GrantsCall::Request(body),
                    _ => return Vec::new(),
                }
            }
            PendingAction::ExtendGrants { .. } => {
                match self.form.as_ref().map(GrantForm::extend_body) {
                    Some(Ok(body)) => GrantsCall::Extend(body),
                    _ => return Vec::new(),
                }
            }
            PendingAction::ApplyGrant { id, .. } => GrantsCall::Apply(id.clone()),
            PendingAction::RefuseGrant { id, reason, .. } => GrantsCall::Refuse {
                id: id.clone(),
                reason: reason.clone(),
            },
            PendingAction::RevokeGrant { id, reason, .. } => GrantsCall::Revoke {
                id: id.clone(),
                reason: reason.clone(),
            },
            _ => return Vec::new(),
        };
        self.sending = true;
        vec![Request::Effect(Effect::Grants(call))]
    }

    /// The selected grant if its state now is `status`, else the note
    /// that says why the step does not apply.
    fn selected_in(&self, status: &[&str]) -> Result<&GrantView, Box<Request>> {
        match self.grants.get(self.selected) {
            None => Err(Box::new(Request::note(Level::Info, "grants.none_selected"))),
            Some(g) if status.contains(&g.status.as_str()) => Ok(g),
            Some(g) => Err(Box::new(note(
                Level::Warning,
                "grants.not_in_state",
                vec![("status", g.status.clone())],
            ))),
        }
    }

    /// A step of an IT officer on the selected grant: the question, or why not.
    fn officer_step(&self, command: Command) -> Vec<Request> {
        if !self.manages {
            return vec![Request::note(Level::Warning, "grants.it_officer_only")];
        }
        let status: &[&str] = match command {
            Command::Revoke => &["active", "scheduled"],
            _ => &["requested"],
        };
        let grant = match self.selected_in(status) {
            Ok(g) => g,
            Err(request) => return vec![*request],
        };
        let (id, user) = (grant.id.clone(), grant.user_id.clone());
        let pending = match command {
            Command::Approve => PendingAction::ApplyGrant { id, user },
            Command::Reject => PendingAction::RefuseGrant {
                id,
                user,
                reason: String::new(),
            },
            _ => PendingAction::RevokeGrant {
                id,
                user,
                reason: String::new(),
            },
        };
        vec![Request::Confirm(pending)]
    }

    fn run_list(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(requests) = list_command(ctx, Tab::Grants, command) {
            return Outcome::Consumed(requests);
        }
        if is_movement(command) {
            self.selected = moved(self.selected, self.grants.len(), command);
            return Outcome::consumed();
        }
        let acts = matches!(
            command,
            Command::NewGrant
                | Command::Extend
                | Command::Approve
                | Command::Reject
                | Command::Revoke
        );
        if !acts {
            return Outcome::NotConsumed;
        }
        if self.sending {
            return Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")]);
        }
        let requests = match command {
            Command::NewGrant => {
                self.form = Some(GrantForm::request(self.department));
                vec![Request::Status(None)]
            }
            Command::Extend if !self.manages => {
                vec![Request::note(Level::Warning, "grants.it_officer_only")]
            }
            Command::Extend => {
                self.form = Some(GrantForm::extend(self.department));
                vec![Request::Status(None)]
            }
            command => self.officer_step(command),
        };
        Outcome::Consumed(requests)
    }

    fn run_form(&mut self, command: Command) -> Outcome {
        let Some(form) = self.form.as_mut() else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            c if form.fields_mut().moves(c) => Vec::new(),
            Command::Send if self.sending => {
                vec![Request::note(Level::Info, "entry.wait_sending")]
            }
            Command::Send => {
                let asked = match form {
                    GrantForm::Request { .. } => form
                        .request_body()
                        .map(|b| PendingAction::RequestGrant { user: b.user }),
                    GrantForm::Extend { .. } => {
                        form.extend_body().map(|b| PendingAction::ExtendGrants {
                            department: b.department.as_str().to_string(),
                            until: b.until.get(..10).unwrap_or_default().to_string(),
                        })
                    }
                };
                match asked {
                    Ok(pending) => vec![Request::Confirm(pending)],
                    Err((key, field)) => {
                        form.fields_mut().focus = field;
                        vec![Request::note(Level::Warning, key)]
                    }
                }
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
        let inner = panel(view, frame, area, "grants.title", Role::Border);
        if self.loading && self.grants.is_empty() {
            return;
        }
        if self.grants.is_empty() {
            muted_line(view, frame, inner, "grants.empty");
            return;
        }
        let column = |header, max| Column {
            header,
            align: Align::Left,
            max,
        };
        let columns = [
            column("grants.column_user", Some(10)),
            column("grants.column_role", Some(12)),
            column("grants.column_department", Some(14)),
            column("grants.column_status", Some(8)),
            column("grants.column_from", Some(16)),
            column("grants.column_until", Some(16)),
            column("grants.column_requested_by", Some(10)),
            column("grants.column_decided_by", None),
        ];
        let named = |key: String, code: &str| {
            if t.has(&key) {
                t.t(&key).to_string()
            } else {
                code.to_string()
            }
        };
        let rows: Vec<Vec<String>> = self
            .grants
            .iter()
            .map(|g| {
                vec![
                    g.user_id.clone(),
                    named(format!("role.{}", g.role.as_str()), g.role.as_str()),
                    named(
                        format!("department.{}", g.department.as_str()),
                        g.department.as_str(),
                    ),
                    named(format!("grants.status.{}", g.status), &g.status),
                    shown_time(&g.from),
                    g.until
                        .as_deref()
                        .map(shown_time)
                        .unwrap_or_else(|| t.t("grants.no_expiry").to_string()),
                    g.requested_by.clone(),
                    g.decided_by.clone().unwrap_or_default(),
                ]
            })
            .collect();
        draw_table(view, frame, inner, &columns, &rows, Some(self.selected));
    }
}

impl Component for GrantsScreen {
    fn layer(&self) -> Option<Layer> {
        if self.form.is_some() {
            Some(Layer::GrantForm)
        } else {
            Some(Layer::Grants)
        }
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self
            .form
            .as_mut()
            .is_some_and(|f| f.fields_mut().handle_key(key))
        {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn paste(&mut self, text: &str) {
        if let Some(form) = self.form.as_mut() {
            form.fields_mut().paste(text);
        }
    }

    fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.fields().typing())
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.form.is_some() {
            return self.run_form(command);
        }
        self.run_list(command, ctx)
    }

    fn hints(&self) -> Vec<Hint> {
        if self.form.is_some() {
            return vec![
                Hint::new(Command::NextField, "hint.next_field"),
                Hint::new(Command::Send, "hint.send_grant_form"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        let mut hints = vec![Hint::new(Command::NewGrant, "hint.new_grant")];
        if self.manages {
            hints.extend([
                Hint::new(Command::Approve, "hint.apply_grant"),
                Hint::new(Command::Reject, "hint.refuse_grant"),
                Hint::new(Command::Revoke, "hint.revoke"),
                Hint::new(Command::Extend, "hint.extend"),
            ]);
        }
        hints.extend([
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]);
        hints
    }

    fn offers(&self, command: Command) -> bool {
        if self.form.is_some() {
            return fields::offers(command);
        }
        self.manages
            || !matches!(
                command,
                Command::Approve | Command::Reject | Command::Revoke | Command::Extend
            )
    }

    fn takes_global(&self, command: Command) -> bool {
        self.form.is_none() || fields::takes_global(command)
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.sending {
            return Some("entry.sending");
        }
        self.loading.then_some("grants.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Grants);
        match &self.form {
            Some(form) => {
                let (title, note) = form.title_and_note();
                form.fields().draw(view, frame, area, title, note);
            }
            None => self.draw_list(view, frame, area),
        }
    }
}
