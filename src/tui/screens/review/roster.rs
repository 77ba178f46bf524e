//! Roster reconciliation (名簿照合), the IT officer's: the path of the HR
//! roster file on this workstation, Enter reads it and sends it; the
//! service answers the grants of people who left, are on leave, moved or
//! are not on the roster (account, grant, role, department, reason, the
//! grant's status), or the file's bad lines, of which nothing was applied.
//! F8 revokes every grant found still in force, after a question stating
//! how many. The tab opens on the latest reconciliation.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::roster::{ReconciliationView, RosterRefusal};
use crate::client::RosterAnswer;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, ReviewCall};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::review_call::ReviewAnswer;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::hash_groups;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, is_movement, list_command, moved, muted_line};

/// The most characters of a path typed.
const PATH_CHARS: usize = 400;
/// The characters of a grant ID shown (the rest is in the access log).
const GRANT_CHARS: usize = 8;

/// What the tab shows under the path.
#[derive(Debug)]
pub enum Shown {
    Findings(ReconciliationView),
    /// The file named had bad lines: nothing was compared or applied.
    Refused {
        file: String,
        refusal: RosterRefusal,
    },
}

#[derive(Debug)]
pub struct RosterScreen {
    pub path: TextInput,
    pub shown: Option<Shown>,
    pub selected: usize,
    /// The latest reconciliation is being read.
    pub loading: bool,
    /// A roster or a revocation is on its way.
    pub sending: bool,
}

impl Default for RosterScreen {
    fn default() -> RosterScreen {
        RosterScreen {
            path: TextInput::new(PATH_CHARS),
            shown: None,
            selected: 0,
            loading: true,
            sending: false,
        }
    }
}

fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
}

/// A code from the service in the UI language under `key` when the
/// locale has it, else as sent.
fn named(i18n: &I18n, key: &str, code: &str) -> String {
    if i18n.has(key) {
        i18n.t(key).to_string()
    } else {
        code.to_string()
    }
}

/// The path as typed, `~/` meaning the home directory.
fn path_of(typed: &str) -> PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(typed),
    }
}

impl RosterScreen {
    fn rows(&self) -> usize {
        match &self.shown {
            Some(Shown::Findings(v)) => v.findings.len(),
            Some(Shown::Refused { refusal, .. }) => refusal.bad_lines.len(),
            None => 0,
        }
    }

    fn show(&mut self, shown: Option<Shown>) {
        self.shown = shown;
        self.selected = self.selected.min(self.rows().saturating_sub(1));
    }

    fn reload(&mut self) -> Request {
        self.loading = true;
        Request::Effect(Effect::Review(ReviewCall::LatestReconciliation))
    }

    pub fn answered(&mut self, answer: ReviewAnswer) -> Vec<Request> {
        match answer {
            ReviewAnswer::LatestReconciliation(result) => {
                self.loading = false;
                match result {
                    Ok(latest) => {
                        self.show(latest.reconciliation.map(Shown::Findings));
                        Vec::new()
                    }
                    Err(failure) => vec![Request::Failed(failure)],
                }
            }
            ReviewAnswer::Reconciled(result) => {
                self.sending = false;
                self.reconciled(result)
            }
            ReviewAnswer::FindingsRevoked(result) => {
                self.sending = false;
                match result {
                    Ok(view) => {
                        let n = view.revoked.unwrap_or(0).to_string();
                        self.show(Some(Shown::Findings(view)));
                        vec![note(Level::Info, "roster.revoked", vec![("n", n)])]
                    }
                    Err(failure) => vec![Request::Failed(failure), self.reload()],
                }
            }
            answer => super::stray(answer),
        }
    }

    fn reconciled(&mut self, result: Result<RosterAnswer, Failure>) -> Vec<Request> {
        match result {
            Ok(RosterAnswer::Reconciled(view)) => {
                let n = view.findings.len().to_string();
                self.selected = 0;
                self.show(Some(Shown::Findings(view)));
                vec![note(Level::Info, "roster.reconciled", vec![("n", n)])]
            }
            Ok(RosterAnswer::Refused(refusal)) => {
                let n = (refusal.bad_lines.len() + refusal.more).to_string();
                let file = self.path.text().trim().to_string();
                self.selected = 0;
                self.show(Some(Shown::Refused { file, refusal }));
                vec![note(Level::Warning, "roster.refused", vec![("n", n)])]
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    /// The user said yes to revoking the findings' grants.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let PendingAction::RevokeFindings { id, count } = action else {
            return Vec::new();
        };
        match &self.shown {
            Some(Shown::Findings(v)) if &v.id == id => {}
            _ => return Vec::new(),
        }
        self.sending = true;
        vec![Request::Effect(Effect::Review(
            ReviewCall::RevokeFindings {
                id: id.clone(),
                count: *count,
            },
        ))]
    }

    fn send(&mut self) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        let typed = self.path.text().trim();
        if typed.is_empty() {
            return vec![Request::note(Level::Warning, "roster.need_path")];
        }
        self.sending = true;
        vec![Request::Effect(Effect::Review(
            ReviewCall::ReconcileRoster(path_of(typed)),
        ))]
    }

    fn revoke(&self) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        let Some(Shown::Findings(view)) = &self.shown else {
            return vec![Request::note(Level::Info, "roster.nothing_shown")];
        };
        if view.revoked_at.is_some() || !view.latest {
            return vec![Request::note(Level::Info, "roster.acted_on")];
        }
        if view.revocable == 0 {
            return vec![Request::note(Level::Info, "roster.nothing_to_revoke")];
        }
        vec![Request::Confirm(PendingAction::RevokeFindings {
            id: view.id.clone(),
            count: view.revocable,
        })]
    }

    fn draw_path(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let [field, help] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let label = format!("{} ", t.t("roster.path"));
        let label_w = display_width(&label);
        let label_cols = u16::try_from(label_w)
            .unwrap_or(field.width)
            .min(field.width);
        frame.render_widget(
            Span::styled(pad_to_width(&label, label_w), view.style(Role::Focus)),
            Rect {
                width: label_cols,
                ..field
            },
        );
        let value = Rect {
            x: field.x + label_cols,
            width: field.width.saturating_sub(label_cols),
            ..field
        };
        let style = view
            .style(Role::Text)
            .add_modifier(ratatui::style::Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(value.width)), style),
            value,
        );
        self.path.draw(frame, value, style, !view.covered);
        frame.render_widget(
            Span::styled(
                clean_fit(t.t("roster.path_help"), usize::from(help.width)),
                view.style(Role::Muted),
            ),
            help,
        );
    }

    fn head_lines(
        &self,
        view: &View<'_>,
        v: &ReconciliationView,
        width: usize,
    ) -> Vec<Line<'static>> {
        let t = view.i18n;
        let line = |text: String, role: Role| {
            Line::from(Span::styled(clean_fit(&text, width), view.style(role)))
        };
        let n = v.findings.len().to_string();
        let lines = v.lines.to_string();
        let revocable = v.revocable.to_string();
        let state = match (v.revoked, &v.revoked_by) {
            (Some(done), Some(by)) => {
                t.tf("roster.revoked_by", &[("n", &done.to_string()), ("by", by)])
            }
            _ if !v.latest => t.t("roster.not_latest").to_string(),
            _ => t.tf("roster.revocable", &[("n", &revocable)]),
        };
        vec![
            line(
                t.tf(
                    "roster.made_line",
                    &[
                        ("at", &v.made_at),
                        ("by", &v.made_by),
                        ("lines", &lines),
                        ("n", &n),
                    ],
                ),
                Role::Text,
            ),
            line(
                format!("SHA-256  {}", hash_groups(&v.roster_sha256).join(" ")),
                Role::Muted,
            ),
            line(state, Role::Text),
        ]
    }

    fn draw_findings(
        &self,
        view: &View<'_>,
        frame: &mut Frame,
        area: Rect,
        v: &ReconciliationView,
    ) {
        let t = view.i18n;
        let head = self.head_lines(view, v, usize::from(area.width));
        let [head_area, _, list] = Layout::vertical([
            Constraint::Length(u16::try_from(head.len()).unwrap_or(3)),
            Constraint::Length(1),
            Constraint::Min(2),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(head), head_area);
        if v.findings.is_empty() {
            muted_line(view, frame, list, "roster.no_findings");
            return;
        }
        let columns = [
            Column {
                header: "roster.column_user",
                align: Align::Left,
                max: Some(16),
            },
            Column {
                header: "roster.column_grant",
                align: Align::Left,
                max: Some(GRANT_CHARS),
            },
            Column {
                header: "roster.column_role",
                align: Align::Left,
                max: Some(14),
            },
            Column {
                header: "roster.column_department",
                align: Align::Left,
                max: Some(20),
            },
            Column {
                header: "roster.column_status",
                align: Align::Left,
                max: Some(12),
            },
            Column {
                header: "roster.column_reason",
                align: Align::Left,
                max: None,
            },
        ];
        let rows: Vec<Vec<String>> = v
            .findings
            .iter()
            .map(|f| {
                let department = |d: crate::api::Department| {
                    named(t, &format!("department.{}", d.as_str()), d.as_str())
                };
                let reason = named(
                    t,
                    &format!("roster.reason.{}", f.reason.as_str()),
                    f.reason.as_str(),
                );
                let reason = match f.roster_department {
                    Some(to) => t.tf(
                        "roster.moved_to",
                        &[("reason", &reason), ("to", &department(to))],
                    ),
                    None => reason,
                };
                vec![
                    f.user_id.clone(),
                    f.grant_id.chars().take(GRANT_CHARS).collect(),
                    named(t, &format!("role.{}", f.role.as_str()), f.role.as_str()),
                    department(f.department),
                    named(t, &format!("roster.status.{}", f.status), &f.status),
                    reason,
                ]
            })
            .collect();
        draw_table(view, frame, list, &columns, &rows, Some(self.selected));
    }

    fn draw_refused(
        &self,
        view: &View<'_>,
        frame: &mut Frame,
        area: Rect,
        (file, refusal): (&str, &RosterRefusal),
    ) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let n = (refusal.bad_lines.len() + refusal.more).to_string();
        let mut head = vec![Line::from(Span::styled(
            clean_fit(
                &t.tf("roster.bad_file", &[("file", file), ("n", &n)]),
                width,
            ),
            view.style(Role::Error),
        ))];
        if refusal.more > 0 {
            head.push(Line::from(Span::styled(
                clean_fit(
                    &t.tf("roster.more_bad", &[("n", &refusal.more.to_string())]),
                    width,
                ),
                view.style(Role::Muted),
            )));
        }
        let [head_area, _, list] = Layout::vertical([
            Constraint::Length(u16::try_from(head.len()).unwrap_or(2)),
            Constraint::Length(1),
            Constraint::Min(2),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(head), head_area);
        let columns = [
            Column {
                header: "roster.column_line",
                align: Align::Right,
                max: Some(6),
            },
            Column {
                header: "roster.column_problem",
                align: Align::Left,
                max: Some(30),
            },
            Column {
                header: "roster.column_detail",
                align: Align::Left,
                max: None,
            },
        ];
        let rows: Vec<Vec<String>> = refusal
            .bad_lines
            .iter()
            .map(|b| {
                vec![
                    b.line.to_string(),
                    named(t, &format!("roster.problem.{}", b.code), &b.code),
                    b.message.clone(),
                ]
            })
            .collect();
        draw_table(view, frame, list, &columns, &rows, Some(self.selected));
    }
}

impl Component for RosterScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Roster)
    }

    /// The path field has the keys it takes (text and editing keys).
    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.path.edit(key) {
            Outcome::consumed()
        } else {
            Outcome::NotConsumed
        }
    }

    fn paste(&mut self, text: &str) {
        self.path.insert_str(text);
    }

    fn typing(&self) -> bool {
        true
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if command == Command::WorkList && !self.sending {
            return Outcome::Consumed(vec![self.reload()]);
        }
        if let Some(requests) = list_command(ctx, Tab::Roster, command) {
            return Outcome::Consumed(requests);
        }
        if is_movement(command) {
            self.selected = moved(self.selected, self.rows(), command);
            return Outcome::consumed();
        }
        match command {
            Command::Submit => Outcome::Consumed(self.send()),
            Command::Revoke => Outcome::Consumed(self.revoke()),
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Submit, "hint.reconcile_roster"),
            Hint::new(Command::Revoke, "hint.revoke"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.sending {
            return Some("entry.sending");
        }
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Roster);
        let inner = panel(view, frame, area, "roster.title", Role::Border);
        let [path_area, _, body] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        self.draw_path(view, frame, path_area);
        match &self.shown {
            _ if self.loading => {}
            None => muted_line(view, frame, body, "roster.none_yet"),
            Some(Shown::Findings(v)) => self.draw_findings(view, frame, body, v),
            Some(Shown::Refused { file, refusal }) => {
                self.draw_refused(view, frame, body, (file, refusal))
            }
        }
    }
}
