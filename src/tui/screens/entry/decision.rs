//! The supervisor's decision on an entry whose keyings still differ (or
//! whose agreed record failed its checks): both values of each field in
//! question, and for each one keyer's value kept or the field returned to
//! one keyer, with one reason for the whole decision. It goes to the
//! service only after the confirm popup's yes, and the service records it.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::api::entry::{DecideRequest, Decision, EntryView, Keyer, Problem};
use crate::domain::entry::schema::{FieldPath, FormSchema};
use crate::secret::KeyedValue;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, EntryCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, clean_fit, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{ShownProblem, path_label, problem_text, shown_canonical};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

use super::{EntryHeader, Next, form_title, note};

/// The most characters of a decision's reason.
const REASON_CHARS: usize = 200;

/// The decisions a field can get, in the order Right steps through them.
pub const CHOICES: [Decision; 4] = [
    Decision::Keep(Keyer::First),
    Decision::Keep(Keyer::Second),
    Decision::Return(Keyer::First),
    Decision::Return(Keyer::Second),
];

fn choice_key(choice: Option<Decision>) -> &'static str {
    match choice {
        None => "decision.undecided",
        Some(Decision::Keep(Keyer::First)) => "decision.keep_first",
        Some(Decision::Keep(Keyer::Second)) => "decision.keep_second",
        Some(Decision::Return(Keyer::First)) => "decision.return_first",
        Some(Decision::Return(Keyer::Second)) => "decision.return_second",
    }
}

/// One field in question.
#[derive(Debug)]
pub struct DecisionRow {
    pub field: String,
    first: Option<KeyedValue>,
    second: Option<KeyedValue>,
    /// Checks of the agreed record that fail on this field.
    findings: Vec<String>,
    pub choice: Option<Decision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionFocus {
    Fields,
    Reason,
}

#[derive(Debug)]
pub struct DecisionScreen {
    pub header: EntryHeader,
    schema: &'static FormSchema,
    pub rows: Vec<DecisionRow>,
    pub selected: usize,
    pub focus: DecisionFocus,
    pub reason: TextInput,
    pub sending: bool,
    /// The problems of a refused decision, shown above the reason.
    problems: Vec<Problem>,
    next: Option<Next>,
}

impl DecisionScreen {
    pub fn new(schema: &'static FormSchema, view: EntryView) -> DecisionScreen {
        let rows = view
            .to_decide
            .iter()
            .map(|f| DecisionRow {
                field: f.field.clone(),
                first: f.first.clone(),
                second: f.second.clone(),
                findings: f.findings.clone(),
                choice: None,
            })
            .collect();
        DecisionScreen {
            header: EntryHeader::of(&view),
            schema,
            rows,
            selected: 0,
            focus: DecisionFocus::Fields,
            reason: TextInput::new(REASON_CHARS),
            sending: false,
            problems: Vec::new(),
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    fn step_choice(&mut self, forward: bool) {
        let Some(row) = self.rows.get_mut(self.selected) else {
            return;
        };
        let at = row
            .choice
            .and_then(|c| CHOICES.iter().position(|x| *x == c));
        let n = CHOICES.len();
        let next = match (at, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        row.choice = Some(CHOICES[next]);
    }

    /// F8: every field decided and a reason given, then the confirm popup.
    fn ask(&mut self) -> Vec<Request> {
        if self.sending {
            return Vec::new();
        }
        let undecided = self.rows.iter().filter(|r| r.choice.is_none()).count();
        if undecided > 0 {
            self.focus = DecisionFocus::Fields;
            if let Some(at) = self.rows.iter().position(|r| r.choice.is_none()) {
                self.selected = at;
            }
            return vec![note(
                Level::Warning,
                "entry.undecided",
                vec![("n", undecided.to_string())],
            )];
        }
        let returned_to = |keyer| {
            self.rows
                .iter()
                .any(|r| r.choice == Some(Decision::Return(keyer)))
        };
        if returned_to(Keyer::First) && returned_to(Keyer::Second) {
            return vec![Request::note(Level::Warning, "entry.returned_to_both")];
        }
        if self.reason.text().trim().is_empty() {
            self.focus = DecisionFocus::Reason;
            return vec![Request::note(Level::Warning, "entry.reason_required")];
        }
        vec![Request::Confirm(PendingAction::Decide {
            entry: self.header.id.clone(),
        })]
    }

    /// The supervisor said yes: the decision goes.
    pub fn decide_confirmed(&mut self) -> Vec<Request> {
        let decisions: BTreeMap<String, Decision> = self
            .rows
            .iter()
            .filter_map(|r| r.choice.map(|c| (r.field.clone(), c)))
            .collect();
        if decisions.len() != self.rows.len() || self.sending {
            return Vec::new();
        }
        self.sending = true;
        let request = DecideRequest {
            decisions,
            reason: self.reason.text().trim().to_string(),
        };
        vec![
            Request::Status(None),
            Request::Effect(Effect::Entry(EntryCall::Decide {
                id: self.header.id.clone(),
                request,
            })),
        ]
    }

    pub fn sent(&mut self, result: Result<EntryView, Refusal>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(view) => {
                let key = match view.state.as_str() {
                    "committed" => "entry.decided_committed",
                    "rekeying" => "entry.decided_returned",
                    _ => "entry.decided",
                };
                self.next = Some(Next::List { decisions: true });
                vec![Request::note(Level::Info, key)]
            }
            Err(refusal) if refusal.problems.is_empty() => vec![Request::Failed(refusal.failure)],
            Err(refusal) => {
                self.problems = refusal.problems;
                vec![note(
                    Level::Error,
                    "entry.refused",
                    vec![("n", self.problems.len().to_string())],
                )]
            }
        }
    }
}

impl Component for DecisionScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Decision)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.focus == DecisionFocus::Reason && self.reason.edit(key) {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        let last = self.rows.len().saturating_sub(1);
        match command {
            Command::SelectNext => {
                self.focus = DecisionFocus::Fields;
                self.selected = (self.selected + 1).min(last);
            }
            Command::SelectPrev => {
                self.focus = DecisionFocus::Fields;
                self.selected = self.selected.saturating_sub(1);
            }
            Command::NextChoice | Command::PrevChoice if self.focus == DecisionFocus::Fields => {
                self.step_choice(command == Command::NextChoice);
                // A note about what was undecided is stale now.
                return Outcome::Consumed(vec![Request::Status(None)]);
            }
            Command::NextField | Command::PrevField => {
                self.focus = match self.focus {
                    DecisionFocus::Fields => DecisionFocus::Reason,
                    DecisionFocus::Reason => DecisionFocus::Fields,
                };
            }
            Command::Send => return Outcome::Consumed(self.ask()),
            Command::Back if self.sending => {
                return Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")]);
            }
            Command::Back => self.next = Some(Next::List { decisions: true }),
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn paste(&mut self, text: &str) {
        if self.focus == DecisionFocus::Reason {
            self.reason.insert_str(text);
        }
    }

    fn typing(&self) -> bool {
        self.focus == DecisionFocus::Reason
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("entry.deciding")
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::SelectNext, "hint.select_next"),
            Hint::new(Command::NextChoice, "hint.next_choice"),
            Hint::new(Command::NextField, "hint.to_reason"),
            Hint::new(Command::Send, "hint.decide"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let [title_area, head_area, list_area, problem_area, reason_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let width = usize::from(area.width);
        let h = &self.header;
        frame.render_widget(
            fit_line(
                vec![
                    Span::styled(
                        format!(" {} ", form_title(t, &h.form)),
                        view.style(Role::Header),
                    ),
                    Span::raw(" "),
                    Span::styled(
                        t.t("entry.stage_decision").to_string(),
                        view.style(Role::Focus),
                    ),
                    Span::styled(
                        format!(
                            "  {} {}  {} {}",
                            t.t("entry.paper"),
                            clean(&h.paper),
                            t.t("field.person_number"),
                            clean(&h.person),
                        ),
                        view.style(Role::Muted),
                    ),
                ],
                width,
            ),
            title_area,
        );
        let columns = DecisionColumns::new(width);
        frame.render_widget(
            Span::styled(
                columns.line(
                    t.t("decision.field"),
                    (t.t("decision.first"), true),
                    (t.t("decision.second"), true),
                    t.t("decision.choice"),
                ),
                view.style(Role::Muted),
            ),
            head_area,
        );
        self.draw_rows(view, frame, list_area, &columns);

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
                problem_area,
            );
        }

        let focused = self.focus == DecisionFocus::Reason && !view.covered;
        let label = t.t("decision.reason");
        let label_w = display_width(label) + 3;
        let marker = if focused { "> " } else { "  " };
        let label_cols = u16::try_from(label_w).unwrap_or(0).min(reason_area.width);
        let label_style = if focused {
            view.style(Role::Focus)
        } else {
            view.style(Role::Text)
        };
        frame.render_widget(
            Span::styled(
                pad_to_width(&format!("{marker}{label}"), label_w),
                label_style,
            ),
            Rect {
                width: label_cols,
                ..reason_area
            },
        );
        let field = Rect {
            x: reason_area.x + label_cols,
            width: reason_area.width.saturating_sub(label_cols),
            ..reason_area
        };
        let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(field.width)), style),
            field,
        );
        self.reason.draw(frame, field, style, focused);
    }
}

impl DecisionScreen {
    fn draw_rows(&self, view: &View<'_>, frame: &mut Frame, area: Rect, columns: &DecisionColumns) {
        let t = view.i18n;
        // A row and, under it, the checks that fail on it.
        let mut lines: Vec<(usize, Option<String>)> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            lines.push((i, None));
            for code in &row.findings {
                let shown = ShownProblem {
                    code: code.clone(),
                    warning: false,
                    expected: None,
                    message: code.clone(),
                };
                lines.push((i, Some(problem_text(t, &shown))));
            }
        }
        let height = usize::from(area.height);
        let selected_line = lines
            .iter()
            .position(|(i, f)| *i == self.selected && f.is_none())
            .unwrap_or(0);
        let skip = (selected_line + 1).saturating_sub(height);
        for (y, (i, finding)) in (area.y..area.bottom()).zip(lines.iter().skip(skip)) {
            let row_area = Rect::new(area.x, y, area.width, 1);
            let row = &self.rows[*i];
            if let Some(text) = finding {
                frame.render_widget(
                    fit_line(
                        vec![Span::styled(
                            format!("    ! {text}"),
                            view.style(Role::Warning),
                        )],
                        usize::from(area.width),
                    ),
                    row_area,
                );
                continue;
            }
            let focused =
                *i == self.selected && self.focus == DecisionFocus::Fields && !view.covered;
            let spec = FieldPath::parse(&row.field).and_then(|p| self.schema.field(&p));
            let value = |v: &Option<KeyedValue>| match v {
                Some(v) => shown_canonical(t, spec, v.expose()),
                None => (t.t("decision.empty").to_string(), false),
            };
            let marker = if focused { "> " } else { "  " };
            let label = format!("{marker}{}", path_label(t, self.schema, &row.field));
            let style = if focused {
                view.style(Role::Selection)
            } else if row.choice.is_none() {
                view.style(Role::Warning)
            } else {
                view.style(Role::Text)
            };
            let (first, second) = (value(&row.first), value(&row.second));
            let text = columns.line(
                &label,
                (&first.0, first.1),
                (&second.0, second.1),
                t.t(choice_key(row.choice)),
            );
            frame.render_widget(Span::styled(text, style), row_area);
        }
    }
}

/// The columns of the decision list at a width: field, first value,
/// second value, decision.
struct DecisionColumns {
    widths: [usize; 4],
}

impl DecisionColumns {
    fn new(width: usize) -> DecisionColumns {
        let label = width * 34 / 100;
        let value = width * 20 / 100;
        let choice = width.saturating_sub(label + value * 2 + 3);
        DecisionColumns {
            widths: [label, value, value, choice],
        }
    }

    /// One line of the list: values right-aligned where they are amounts.
    fn line(&self, label: &str, first: (&str, bool), second: (&str, bool), choice: &str) -> String {
        let [lw, vw, _, cw] = self.widths;
        let cell = |(text, right): (&str, bool), w: usize| {
            let text = clean_fit(text, w);
            if right {
                format!("{}{text}", " ".repeat(w - display_width(&text)))
            } else {
                pad_to_width(&text, w)
            }
        };
        format!(
            "{} {} {} {}",
            pad_to_width(&clean_fit(label, lw), lw),
            cell(first, vw),
            cell(second, vw),
            pad_to_width(&clean_fit(choice, cw), cw),
        )
    }
}
