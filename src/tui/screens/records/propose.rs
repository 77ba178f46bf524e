//! A clerk's proposal of a correction: the keying form holding the newest
//! version's values (a My Number shown only masked, so its field starts
//! empty and stays as it is unless typed), each field checked as the clerk
//! types by the same domain checks as the keying form; the fields typed
//! over are the correction. F8 shows the summary (each change before and
//! after, a reason and the paper it comes from); F8 there asks, and the
//! yes sends it. The service checks it all again and says why not.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::api::entry::{CorrectionView, Problem, ProposeCorrectionRequest, RecordVersionView};
use crate::domain::entry::schema::{FieldKind, FormSchema};
use crate::secret::KeyedValue;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, RecordsCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::diff::{self, DiffRow};
use crate::tui::widgets::form::{AddRow, FormWidget, ShownProblem, problem_text};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

use super::{Next, Origin, Tab, form_title, note, refused};

/// The most characters of a reason (the service keeps it with the record).
const REASON_CHARS: usize = 200;
/// The most characters of a paper reference.
const PAPER_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Typing over the fields to change.
    Form,
    /// The changes, the reason and the paper, before sending.
    Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFocus {
    Reason,
    Paper,
}

#[derive(Debug)]
pub struct ProposeScreen {
    pub person: String,
    pub form_id: String,
    schema: &'static FormSchema,
    pub base_version: i64,
    /// The newest version's values as sent (a My Number masked).
    baseline: BTreeMap<String, String>,
    pub form: FormWidget,
    pub stage: Stage,
    pub focus: SummaryFocus,
    pub reason: TextInput,
    pub paper: TextInput,
    pub sending: bool,
    /// Problems of a refused proposal that name no field on the form.
    problems: Vec<Problem>,
    origin: Origin,
    next: Option<Next>,
}

/// Whether a value is a My Number as the service shows it (masked).
fn masked(schema: &FormSchema, name: &str, value: &str) -> bool {
    let kind = crate::domain::entry::schema::FieldPath::parse(name)
        .and_then(|p| schema.field(&p))
        .map(|s| s.kind);
    kind == Some(FieldKind::MyNumber) && value.contains('*')
}

impl ProposeScreen {
    pub fn new(
        schema: &'static FormSchema,
        person: String,
        form_id: String,
        newest: &RecordVersionView,
        origin: Origin,
    ) -> ProposeScreen {
        let baseline: BTreeMap<String, String> = newest
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_string()))
            .collect();
        let fill: BTreeMap<String, KeyedValue> = newest
            .values
            .iter()
            .filter(|(k, v)| !masked(schema, k, v.expose()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut form = FormWidget::all(schema);
        form.fill(&fill);
        let mut paper = TextInput::new(PAPER_CHARS);
        if let Origin::Reverify(_) = &origin
            && let Some(p) = &newest.paper
        {
            paper.insert_str(p);
        }
        ProposeScreen {
            person,
            form_id,
            schema,
            base_version: newest.version,
            baseline,
            form,
            stage: Stage::Form,
            focus: SummaryFocus::Reason,
            reason: TextInput::new(REASON_CHARS),
            paper,
            sending: false,
            problems: Vec::new(),
            origin,
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    /// The fields typed over: their text as typed (an emptied field
    /// removes the value), and whether the check refuses it.
    pub fn changes(&self) -> Vec<(String, String, bool)> {
        self.form
            .fields()
            .iter()
            .filter_map(|f| {
                let name = f.path.to_string();
                let typed = f.input.text().trim();
                let base = self.baseline.get(&name).map(String::as_str);
                let hidden = base.is_some_and(|b| masked(self.schema, &name, b));
                let same = match base {
                    _ if hidden => typed.is_empty(),
                    None => typed.is_empty(),
                    Some(b) => typed == b || f.value().is_some_and(|v| v.canonical() == b),
                };
                if same {
                    return None;
                }
                let refused = !typed.is_empty() && self.form.error_of(f).is_some();
                Some((name, typed.to_string(), refused))
            })
            .collect()
    }

    /// The summary's rows: each change, before and after.
    pub fn rows(&self) -> Vec<DiffRow> {
        self.changes()
            .into_iter()
            .map(|(name, typed, _)| {
                let after = self
                    .form
                    .fields()
                    .iter()
                    .find(|f| f.path.to_string() == name)
                    .and_then(|f| f.value())
                    .map(|v| v.canonical())
                    .or((!typed.is_empty()).then_some(typed));
                DiffRow {
                    before: self.baseline.get(&name).cloned(),
                    field: name,
                    after,
                    changed: true,
                }
            })
            .collect()
    }

    /// F8 on the form: the summary, once something changed and every
    /// change passes its check.
    fn open_summary(&mut self) -> Vec<Request> {
        let changes = self.changes();
        if changes.is_empty() {
            return vec![Request::note(Level::Warning, "correction.nothing_changed")];
        }
        let refused = changes.iter().filter(|(_, _, r)| *r).count();
        if let Some((first, _, _)) = changes.iter().find(|(_, _, r)| *r) {
            self.form.focus_on(first);
            return vec![note(
                Level::Warning,
                "correction.fields_refused",
                vec![("n", refused.to_string())],
            )];
        }
        self.stage = Stage::Summary;
        self.focus = SummaryFocus::Reason;
        vec![Request::Status(None)]
    }

    /// F8 on the summary: a reason and the paper, then the question.
    fn ask(&mut self) -> Vec<Request> {
        if self.sending {
            return vec![];
        }
        if self.reason.text().trim().is_empty() {
            self.focus = SummaryFocus::Reason;
            return vec![Request::note(Level::Warning, "correction.reason_required")];
        }
        if self.paper.text().trim().is_empty() {
            self.focus = SummaryFocus::Paper;
            return vec![Request::note(Level::Warning, "correction.paper_required")];
        }
        vec![Request::Confirm(PendingAction::ProposeCorrection {
            person: self.person.clone(),
        })]
    }

    /// The clerk said yes: the proposal goes.
    pub fn send_confirmed(&mut self) -> Vec<Request> {
        if self.sending || self.stage != Stage::Summary {
            return vec![];
        }
        let fields: BTreeMap<String, KeyedValue> = self
            .changes()
            .into_iter()
            .map(|(name, typed, _)| (name, KeyedValue::new(typed)))
            .collect();
        if fields.is_empty() {
            return vec![];
        }
        self.sending = true;
        let request = ProposeCorrectionRequest {
            base_version: self.base_version,
            fields,
            reason: self.reason.text().trim().to_string(),
            paper: self.paper.text().trim().to_string(),
        };
        vec![
            Request::Status(None),
            Request::Effect(Effect::Records(RecordsCall::Propose {
                person: self.person.clone(),
                form: self.form_id.clone(),
                request,
            })),
        ]
    }

    /// The service's answer: proposed (back where the history came from),
    /// or why not, with problems beside their fields.
    pub fn sent(&mut self, result: Result<CorrectionView, Refusal>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(_) => {
                self.next = Some(match &self.origin {
                    Origin::Reverify(_) => Next::Tab(Tab::Reverify),
                    origin @ Origin::Record(_) => Next::History(origin.clone()),
                });
                vec![Request::note(Level::Info, "correction.proposed")]
            }
            Err(refusal) if refusal.problems.is_empty() => {
                vec![refused(refusal.failure, "correction.stale")]
            }
            Err(refusal) => {
                self.problems = self.form.set_problems(&refusal.problems);
                self.stage = Stage::Form;
                if let Some(name) = refusal.problems.iter().flat_map(|p| &p.fields).next() {
                    self.form.focus_on(name);
                }
                vec![note(
                    Level::Error,
                    "correction.refused",
                    vec![("n", refusal.problems.len().to_string())],
                )]
            }
        }
    }

    /// The clerk said yes to leaving: back to the history.
    pub fn leave_confirmed(&mut self) -> Vec<Request> {
        self.next = Some(self.back());
        vec![]
    }

    fn back(&self) -> Next {
        Next::History(self.origin.clone())
    }

    fn input_mut(&mut self) -> &mut TextInput {
        match self.focus {
            SummaryFocus::Reason => &mut self.reason,
            SummaryFocus::Paper => &mut self.paper,
        }
    }
}

impl Component for ProposeScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Correction)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        let used = match self.stage {
            Stage::Form => self.form.handle_key(key),
            Stage::Summary => self.input_mut().edit(key),
        };
        if used {
            // A note about what was missing or refused is stale now.
            Outcome::Consumed(vec![Request::Status(None)])
        } else {
            Outcome::NotConsumed
        }
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.sending {
            return match command {
                Command::Back | Command::Send => {
                    Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")])
                }
                _ => Outcome::NotConsumed,
            };
        }
        let requests = match (self.stage, command) {
            (Stage::Form, Command::NextField) => {
                self.form.next();
                vec![]
            }
            (Stage::Form, Command::PrevField) => {
                self.form.prev();
                vec![]
            }
            (Stage::Form, Command::PageDown) => {
                self.form.next_section();
                vec![]
            }
            (Stage::Form, Command::PageUp) => {
                self.form.prev_section();
                vec![]
            }
            (Stage::Form, Command::AddRow) => match self.form.add_row() {
                AddRow::Added => vec![],
                AddRow::NoTable => vec![Request::note(Level::Info, "entry.no_table")],
                AddRow::Full => vec![Request::note(Level::Warning, "entry.rows_full")],
            },
            (Stage::Form, Command::Send) => self.open_summary(),
            (Stage::Form, Command::Back) => {
                if self.changes().is_empty() {
                    self.next = Some(self.back());
                    vec![]
                } else {
                    vec![Request::Confirm(PendingAction::LeaveCorrection {
                        person: self.person.clone(),
                    })]
                }
            }
            (Stage::Summary, Command::NextField | Command::PrevField) => {
                self.focus = match self.focus {
                    SummaryFocus::Reason => SummaryFocus::Paper,
                    SummaryFocus::Paper => SummaryFocus::Reason,
                };
                vec![]
            }
            (Stage::Summary, Command::Send) => self.ask(),
            (Stage::Summary, Command::Back) => {
                self.stage = Stage::Form;
                vec![]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn paste(&mut self, text: &str) {
        match self.stage {
            Stage::Form => self.form.paste(text),
            Stage::Summary => self.input_mut().insert_str(text),
        }
    }

    fn typing(&self) -> bool {
        true
    }

    fn offers(&self, command: Command) -> bool {
        match command {
            Command::AddRow | Command::PageDown | Command::PageUp => self.stage == Stage::Form,
            _ => true,
        }
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("correction.sending")
    }

    fn hints(&self) -> Vec<Hint> {
        match self.stage {
            Stage::Form => vec![
                Hint::new(Command::NextField, "hint.next_field"),
                Hint::new(Command::PageDown, "hint.page_down"),
                Hint::new(Command::AddRow, "hint.add_row"),
                Hint::new(Command::Send, "hint.correction_summary"),
                Hint::new(Command::Back, "hint.back"),
            ],
            Stage::Summary => vec![
                Hint::new(Command::NextField, "hint.reason_or_paper"),
                Hint::new(Command::Send, "hint.propose"),
                Hint::new(Command::Back, "hint.back_to_form"),
            ],
        }
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let [title_area, body, note_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        let stage = match self.stage {
            Stage::Form => "correction.stage_form",
            Stage::Summary => "correction.stage_summary",
        };
        frame.render_widget(
            fit_line(
                vec![
                    Span::styled(
                        format!(" {} ", form_title(t, &self.form_id)),
                        view.style(Role::Header),
                    ),
                    Span::raw(" "),
                    Span::styled(t.t(stage).to_string(), view.style(Role::Focus)),
                    Span::styled(
                        format!(
                            "  {} {}  {}",
                            t.t("field.person_number"),
                            clean(&self.person),
                            t.tf("correction.base", &[("n", &self.base_version.to_string())]),
                        ),
                        view.style(Role::Muted),
                    ),
                ],
                width,
            ),
            title_area,
        );
        match self.stage {
            Stage::Form => {
                self.form.draw(view, frame, body, !view.covered);
                let hidden = self.form.focused().and_then(|f| {
                    let name = f.path.to_string();
                    let base = self.baseline.get(&name)?;
                    (f.is_empty() && masked(self.schema, &name, base)).then(|| base.clone())
                });
                let line = match (hidden, self.form.focused_message(view)) {
                    (Some(base), _) => vec![Span::styled(
                        t.tf("correction.masked", &[("value", &clean(&base))]),
                        view.style(Role::Muted),
                    )],
                    (None, Some(spans)) => spans,
                    (None, None) => {
                        let n = self.changes().len();
                        vec![Span::styled(
                            t.tf("correction.changed", &[("n", &n.to_string())]),
                            view.style(Role::Muted),
                        )]
                    }
                };
                frame.render_widget(fit_line(line, width), note_area);
            }
            Stage::Summary => self.draw_summary(view, frame, body, note_area),
        }
    }
}

impl ProposeScreen {
    fn draw_summary(&self, view: &View<'_>, frame: &mut Frame, body: Rect, note_area: Rect) {
        let t = view.i18n;
        let width = usize::from(body.width);
        let [changes, problem, reason, paper] = Layout::vertical([
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(body);
        diff::draw(
            view,
            frame,
            changes,
            self.schema,
            &self.rows(),
            0,
            ["diff.field", "diff.before", "diff.after"],
        );
        if !self.problems.is_empty() {
            let texts: Vec<String> = self
                .problems
                .iter()
                .map(|p| problem_text(t, &ShownProblem::of(p)))
                .collect();
            frame.render_widget(
                fit_line(
                    vec![Span::styled(texts.join(" / "), view.style(Role::Error))],
                    width,
                ),
                problem,
            );
        }
        let label_w = [t.t("correction.reason"), t.t("correction.paper")]
            .iter()
            .map(|l| display_width(l))
            .max()
            .unwrap_or(8)
            + 3;
        for (row, focus, label, input) in [
            (
                reason,
                SummaryFocus::Reason,
                "correction.reason",
                &self.reason,
            ),
            (paper, SummaryFocus::Paper, "correction.paper", &self.paper),
        ] {
            let focused = self.focus == focus && !view.covered;
            let marker = if focused { "> " } else { "  " };
            let label_cols = u16::try_from(label_w).unwrap_or(0).min(row.width);
            let style = if focused {
                view.style(Role::Focus)
            } else {
                view.style(Role::Text)
            };
            frame.render_widget(
                Span::styled(
                    pad_to_width(&format!("{marker}{}", t.t(label)), label_w),
                    style,
                ),
                Rect {
                    width: label_cols,
                    ..row
                },
            );
            let field = Rect {
                x: row.x + label_cols,
                width: row.width.saturating_sub(label_cols),
                ..row
            };
            let underline = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
            frame.render_widget(
                Span::styled(" ".repeat(usize::from(field.width)), underline),
                field,
            );
            input.draw(frame, field, underline, focused);
        }
        frame.render_widget(
            fit_line(
                vec![Span::styled(
                    t.t("correction.summary_note").to_string(),
                    view.style(Role::Muted),
                )],
                width,
            ),
            note_area,
        );
    }
}
