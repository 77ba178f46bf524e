//! The analyses tab (分析): the seven ready-made analyses of the access
//! log on the left, the findings of the one run on the right, over the
//! last 30 days or the period set with F4. Enter on an analysis runs it;
//! Enter on a finding opens the access log tab filtered to the rows behind
//! it. F5 and F7 save the analysis as a CSV or PDF report in the reports
//! folder (the service logs the making of each).

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::{AuditFinding, AuditFindings};
use crate::tui::action::{Command, Failure};
use crate::tui::audit_call::{AuditCall, Period, ReportFormat};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::i18n::I18n;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, clean_fit};
use crate::tui::screens::review::{Align, Column, draw_table, is_movement, list_command, moved};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::fields::{self, Field, Fields};
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::time::{shown_time, typed_date};

use super::refused;

/// The analyses the service makes, by the name its route takes.
pub const KINDS: [&str; 7] = [
    "after_hours",
    "volume",
    "no_follow_up",
    "support_measure",
    "my_number_reveals",
    "refused",
    "shared_terminals",
];

const DATE_CHARS: usize = 10;
/// Columns of the list of analyses.
const LIST_COLS: u16 = 26;

/// Which list has the arrow keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Kinds,
    Findings,
}

#[derive(Debug)]
pub struct AnalysesScreen {
    /// Index into [`KINDS`] of the analysis chosen.
    pub kind: usize,
    pub period: Period,
    /// What the last run found (for `findings.kind`).
    pub findings: Option<AuditFindings>,
    pub selected: usize,
    pub focus: Focus,
    /// The run on its way.
    asked: Option<u64>,
    /// A report on its way.
    pub saving: bool,
    /// The period being typed.
    pub form: Option<Fields>,
    /// Where reports are saved.
    reports: PathBuf,
}

/// The day (office time) a finding's period starts.
fn day(at: &str) -> String {
    shown_time(at).chars().take(10).collect()
}

/// What a finding says, in the UI language, from its fields (never the
/// service's English sentence).
pub fn finding_text(t: &I18n, kind: &str, f: &AuditFinding) -> String {
    let baseline = f.baseline.map(|b| format!("{b:.1}")).unwrap_or_default();
    let reason = match f.reason.as_deref() {
        Some("") | None => "-".to_string(),
        Some(r) => r.to_string(),
    };
    let outcome = match f.filter.get("outcome") {
        Some(code) if t.has(&format!("audit.outcome.{code}")) => {
            t.t(&format!("audit.outcome.{code}")).to_string()
        }
        Some(code) => code.clone(),
        None => String::new(),
    };
    let args = [
        ("rows", f.rows.to_string()),
        ("users", f.users.to_string()),
        ("person", f.person.clone().unwrap_or_default()),
        ("terminal", f.terminal.clone().unwrap_or_default()),
        ("day", day(&f.from)),
        ("from", shown_time(&f.from)),
        ("to", shown_time(&f.to)),
        ("baseline", baseline),
        ("reason", reason),
        ("outcome", outcome),
    ];
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    clean(&t.tf(&format!("analyses.finding.{kind}"), &refs))
}

impl AnalysesScreen {
    /// The tab with its first analysis on the way, over the default period.
    pub fn open(seq: u64, reports: PathBuf) -> (AnalysesScreen, Vec<Request>) {
        let mut screen = AnalysesScreen {
            kind: 0,
            period: Period::default(),
            findings: None,
            selected: 0,
            focus: Focus::Kinds,
            asked: None,
            saving: false,
            form: None,
            reports,
        };
        let request = screen.run_kind(seq);
        (screen, vec![request])
    }

    fn run_kind(&mut self, seq: u64) -> Request {
        self.asked = Some(seq);
        Request::Effect(Effect::Audit(AuditCall::Analysis {
            seq,
            kind: KINDS[self.kind],
            period: self.period.clone(),
        }))
    }

    pub fn loading(&self) -> bool {
        self.asked.is_some()
    }

    pub fn loaded(&mut self, seq: u64, result: Result<AuditFindings, Failure>) -> Vec<Request> {
        if self.asked != Some(seq) {
            return result.err().map(Request::Failed).into_iter().collect();
        }
        self.asked = None;
        match result {
            Ok(findings) => {
                self.selected = 0;
                self.findings = Some(findings);
                Vec::new()
            }
            Err(failure) => {
                self.findings = None;
                vec![refused(failure)]
            }
        }
    }

    pub fn saved(&mut self, result: Result<PathBuf, Failure>) -> Vec<Request> {
        self.saving = false;
        match result {
            Ok(path) => vec![Request::Status(Some(Status {
                level: Level::Info,
                note: Note::Local {
                    key: "analyses.saved",
                    args: vec![("path", path.display().to_string())],
                },
            }))],
            Err(failure) => vec![refused(failure)],
        }
    }

    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let PendingAction::SaveReport { kind, format } = action else {
            return Vec::new();
        };
        let Some(kind) = KINDS.iter().find(|k| **k == kind.as_str()) else {
            return Vec::new();
        };
        let format = match format.as_str() {
            "pdf" => ReportFormat::Pdf,
            _ => ReportFormat::Csv,
        };
        self.saving = true;
        vec![Request::Effect(Effect::Audit(AuditCall::Report {
            kind,
            period: self.period.clone(),
            format,
            dir: self.reports.clone(),
        }))]
    }

    fn shown_findings(&self) -> &[AuditFinding] {
        match &self.findings {
            Some(f) if f.kind == KINDS[self.kind] => &f.findings,
            _ => &[],
        }
    }

    fn save(&self, format: ReportFormat) -> Vec<Request> {
        if self.saving {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        vec![Request::Confirm(PendingAction::SaveReport {
            kind: KINDS[self.kind].to_string(),
            format: format.as_str().to_string(),
        })]
    }

    fn run_list(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if command == Command::WorkList {
            return Outcome::Consumed(vec![self.run_kind(ctx.next_seq())]);
        }
        if command == Command::Back && self.focus == Focus::Findings {
            self.focus = Focus::Kinds;
            return Outcome::consumed();
        }
        if let Some(requests) = list_command(ctx, Tab::Analyses, command) {
            return Outcome::Consumed(requests);
        }
        let requests = match (command, self.focus) {
            (Command::NextChoice, _) if !self.shown_findings().is_empty() => {
                self.focus = Focus::Findings;
                Vec::new()
            }
            (Command::PrevChoice, _) => {
                self.focus = Focus::Kinds;
                Vec::new()
            }
            (c, Focus::Kinds) if is_movement(c) => {
                self.kind = moved(self.kind, KINDS.len(), command);
                Vec::new()
            }
            (c, Focus::Findings) if is_movement(c) => {
                self.selected = moved(self.selected, self.shown_findings().len(), command);
                Vec::new()
            }
            (Command::Submit, Focus::Kinds) => {
                if self.shown_findings().is_empty()
                    || self.findings.as_ref().map(|f| f.kind.as_str()) != Some(KINDS[self.kind])
                {
                    vec![self.run_kind(ctx.next_seq())]
                } else {
                    self.focus = Focus::Findings;
                    Vec::new()
                }
            }
            (Command::Submit, Focus::Findings) => match self.shown_findings().get(self.selected) {
                Some(f) => vec![Request::OpenAuditRows(f.filter.clone())],
                None => vec![Request::note(Level::Info, "analyses.no_finding")],
            },
            (Command::Filter, _) => {
                let text = |v: &Option<String>| v.clone().unwrap_or_default();
                self.form = Some(Fields::new(vec![
                    Field::text("analyses.field_from", DATE_CHARS, &text(&self.period.from)),
                    Field::text("analyses.field_to", DATE_CHARS, &text(&self.period.to)),
                ]));
                vec![Request::Status(None)]
            }
            (Command::SaveCsv, _) => self.save(ReportFormat::Csv),
            (Command::SavePdf, _) => self.save(ReportFormat::Pdf),
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn run_form(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        let Some(form) = self.form.as_mut() else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            c if form.moves(c) => Vec::new(),
            Command::Send => {
                let read = |i: usize| match form.text(i) {
                    "" => Ok(None),
                    text if typed_date(text).is_some() => Ok(Some(text.to_string())),
                    _ => Err(i),
                };
                match (read(0), read(1)) {
                    (Ok(from), Ok(to)) => {
                        self.period = Period { from, to };
                        self.form = None;
                        vec![Request::Status(None), self.run_kind(ctx.next_seq())]
                    }
                    (Err(i), _) | (_, Err(i)) => {
                        form.focus = i;
                        vec![Request::note(Level::Warning, "analyses.bad_date")]
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

    fn period_line(&self, view: &View<'_>) -> String {
        let t = view.i18n;
        match &self.findings {
            Some(f) if f.kind == KINDS[self.kind] => t.tf(
                "analyses.period_line",
                &[
                    ("from", &shown_time(&f.from)),
                    ("to", &shown_time(&f.to)),
                    ("n", &f.findings.len().to_string()),
                ],
            ),
            _ if self.period == Period::default() => t.t("analyses.default_period").to_string(),
            _ => t.tf(
                "analyses.asked_period",
                &[
                    ("from", self.period.from.as_deref().unwrap_or("-")),
                    ("to", self.period.to.as_deref().unwrap_or("-")),
                ],
            ),
        }
    }

    fn draw_lists(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "analyses.title", Role::Border);
        let [kinds_area, findings_area] =
            Layout::horizontal([Constraint::Length(LIST_COLS), Constraint::Min(0)]).areas(inner);
        let kinds_width = usize::from(kinds_area.width.saturating_sub(1));
        let lines: Vec<Line> = KINDS
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let chosen = i == self.kind;
                let role = match (chosen, self.focus) {
                    (true, Focus::Kinds) if !view.covered => Role::Selection,
                    (true, _) => Role::Focus,
                    _ => Role::Text,
                };
                let mark = if chosen { "> " } else { "  " };
                let text = format!("{mark}{}", t.t(&format!("analyses.kind.{k}")));
                Line::from(Span::styled(
                    clean_fit(&text, kinds_width),
                    view.style(role),
                ))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), kinds_area);

        let [period_row, _, table] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(findings_area);
        let width = usize::from(findings_area.width);
        frame.render_widget(
            Span::styled(
                clean_fit(&self.period_line(view), width),
                view.style(Role::Muted),
            ),
            period_row,
        );
        if self.loading() {
            return;
        }
        let findings = self.shown_findings();
        if findings.is_empty() {
            let key = if self.findings.is_some() {
                "analyses.nothing_found"
            } else {
                "analyses.not_run"
            };
            frame.render_widget(
                Span::styled(clean_fit(t.t(key), width), view.style(Role::Muted)),
                table,
            );
            return;
        }
        let kind = KINDS[self.kind];
        let columns = [
            Column {
                header: "analyses.column_who",
                align: Align::Left,
                max: Some(12),
            },
            Column {
                header: "analyses.column_rows",
                align: Align::Right,
                max: Some(7),
            },
            Column {
                header: "analyses.column_finding",
                align: Align::Left,
                max: None,
            },
        ];
        let rows: Vec<Vec<String>> = findings
            .iter()
            .map(|f| {
                let who = f
                    .user
                    .clone()
                    .or_else(|| f.terminal.clone())
                    .unwrap_or_default();
                vec![who, f.rows.to_string(), finding_text(t, kind, f)]
            })
            .collect();
        let selected = (self.focus == Focus::Findings).then_some(self.selected);
        draw_table(view, frame, table, &columns, &rows, selected);
    }
}

impl Component for AnalysesScreen {
    fn layer(&self) -> Option<Layer> {
        if self.form.is_some() {
            Some(Layer::AuditForm)
        } else {
            Some(Layer::Analyses)
        }
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.form.as_mut().is_some_and(|f| f.handle_key(key)) {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn paste(&mut self, text: &str) {
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
        }
    }

    fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(Fields::typing)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.form.is_some() {
            return self.run_form(command, ctx);
        }
        self.run_list(command, ctx)
    }

    fn hints(&self) -> Vec<Hint> {
        if self.form.is_some() {
            return vec![
                Hint::new(Command::NextField, "hint.next_field"),
                Hint::new(Command::Send, "hint.apply_period"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        let enter = match self.focus {
            Focus::Kinds => "hint.run_analysis",
            Focus::Findings => "hint.finding_rows",
        };
        vec![
            Hint::new(Command::Submit, enter),
            Hint::new(Command::Filter, "hint.period"),
            Hint::new(Command::SaveCsv, "hint.save_csv"),
            Hint::new(Command::SavePdf, "hint.save_pdf"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        if self.form.is_some() {
            return fields::offers(command);
        }
        true
    }

    fn takes_global(&self, command: Command) -> bool {
        self.form.is_none() || fields::takes_global(command)
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.saving {
            return Some("analyses.saving");
        }
        self.loading().then_some("analyses.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Analyses);
        match &self.form {
            Some(form) => form.draw(
                view,
                frame,
                area,
                "analyses.period_title",
                "analyses.period_note",
            ),
            None => self.draw_lists(view, frame, area),
        }
    }
}
