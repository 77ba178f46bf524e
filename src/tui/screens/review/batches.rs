//! The clerks' batches (束): the open ones first, then the recently
//! closed, each with what was keyed into it against its header. From the
//! list a clerk opens a new batch from its paper header (number, form,
//! form count, the amount field its control total sums, the total), closes
//! the selected one (the service refuses while count or total differ, and
//! its words name the batch and the difference), or makes the selected open
//! batch the current one: the next declaration keyed from a record (F4)
//! goes into it. Opening and closing ask first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::api::ErrorCode;
use crate::api::entry::{BatchList, BatchView, OpenBatchRequest};
use crate::domain::entry::forms;
use crate::domain::entry::schema::{FieldKind, FormSchema};
use crate::tui::action::{Command, Failure, FailureText};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, ReviewCall};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::review_call::ReviewAnswer;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{grouped, spec_label};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, form_title, is_movement, list_command, moved, muted_line};

/// The most characters of a batch number (the service takes 32).
const NUMBER_CHARS: usize = 32;
const COUNT_CHARS: usize = 5;
const TOTAL_CHARS: usize = 16;

/// A status line note from the locale with its arguments.
fn note(level: Level, key: &'static str, args: Vec<(&'static str, String)>) -> Request {
    Request::Status(Some(Status {
        level,
        note: Note::Local { key, args },
    }))
}

/// A refused batch step: the service's own words (they name the batch and
/// what differs) for a refusal of the batch itself; anything else as any
/// failure shows.
fn refused(failure: Failure) -> Request {
    let batch_refusal = matches!(
        failure.code,
        Some(ErrorCode::EntryInvalid | ErrorCode::EntryConflict | ErrorCode::BadRequest)
    );
    match &failure.message {
        FailureText::Service(text) if batch_refusal => note(
            Level::Error,
            "review.batch_refused",
            vec![("msg", text.clone())],
        ),
        _ => Request::Failed(failure),
    }
}

/// One of the header form's fields, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderField {
    Number,
    Form,
    Count,
    ControlField,
    ControlTotal,
}

impl HeaderField {
    const ALL: [HeaderField; 5] = [
        HeaderField::Number,
        HeaderField::Form,
        HeaderField::Count,
        HeaderField::ControlField,
        HeaderField::ControlTotal,
    ];

    fn label(self) -> &'static str {
        match self {
            HeaderField::Number => "review.batch_number",
            HeaderField::Form => "entry.column_form",
            HeaderField::Count => "review.batch_count",
            HeaderField::ControlField => "review.batch_control_field",
            HeaderField::ControlTotal => "review.batch_control_total",
        }
    }
}

/// A new batch's header as the clerk types it from the paper.
#[derive(Debug)]
pub struct HeaderForm {
    pub number: TextInput,
    /// Index into the forms of this build.
    pub form: usize,
    pub count: TextInput,
    /// Index into the chosen form's amount fields.
    pub control: usize,
    pub total: TextInput,
    pub focus: HeaderField,
}

/// The amount fields outside tables of a form: what a control total can sum.
pub fn amount_fields(
    schema: &FormSchema,
) -> Vec<(String, &crate::domain::entry::schema::FieldSpec)> {
    schema
        .sections
        .iter()
        .flat_map(|s| {
            s.fields
                .iter()
                .filter(|f| f.kind == FieldKind::Amount)
                .map(move |f| (format!("{}.{}", s.key, f.key), f))
        })
        .collect()
}

fn all_forms() -> &'static [FormSchema] {
    forms::forms().unwrap_or(&[])
}

/// A whole number as typed: digits, with or without thousands separators.
fn number_of(text: &str) -> Option<i64> {
    let digits: String = text.trim().chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl HeaderForm {
    fn new() -> HeaderForm {
        HeaderForm {
            number: TextInput::new(NUMBER_CHARS),
            form: 0,
            count: TextInput::new(COUNT_CHARS),
            control: 0,
            total: TextInput::new(TOTAL_CHARS),
            focus: HeaderField::Number,
        }
    }

    pub fn schema(&self) -> Option<&'static FormSchema> {
        all_forms().get(self.form)
    }

    fn control_path(&self) -> Option<String> {
        let schema = self.schema()?;
        amount_fields(schema)
            .get(self.control)
            .map(|(path, _)| path.clone())
    }

    fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            HeaderField::Number => Some(&mut self.number),
            HeaderField::Count => Some(&mut self.count),
            HeaderField::ControlTotal => Some(&mut self.total),
            HeaderField::Form | HeaderField::ControlField => None,
        }
    }

    fn step_focus(&mut self, forward: bool) {
        let at = HeaderField::ALL
            .iter()
            .position(|f| *f == self.focus)
            .unwrap_or(0);
        let n = HeaderField::ALL.len();
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.focus = HeaderField::ALL[to];
    }

    /// Left or Right on a choice: the next or previous form or amount field.
    fn step_choice(&mut self, forward: bool) -> bool {
        let (at, n) = match self.focus {
            HeaderField::Form => (self.form, all_forms().len()),
            HeaderField::ControlField => (
                self.control,
                self.schema().map_or(0, |s| amount_fields(s).len()),
            ),
            _ => return false,
        };
        if n == 0 {
            return true;
        }
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        match self.focus {
            HeaderField::Form => {
                self.form = to;
                self.control = 0;
            }
            _ => self.control = to,
        }
        true
    }

    /// The request, or the locale key of what is missing or wrong.
    fn request(&self) -> Result<OpenBatchRequest, (&'static str, HeaderField)> {
        let id = self.number.text().trim().to_string();
        if id.is_empty() {
            return Err(("review.batch_need_number", HeaderField::Number));
        }
        let forms = number_of(self.count.text())
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(("review.batch_bad_count", HeaderField::Count))?;
        let control_total = number_of(self.total.text())
            .ok_or(("review.batch_bad_total", HeaderField::ControlTotal))?;
        let (Some(schema), Some(control_field)) = (self.schema(), self.control_path()) else {
            return Err(("review.batch_no_amount", HeaderField::ControlField));
        };
        Ok(OpenBatchRequest {
            id,
            form: schema.id.clone(),
            forms,
            control_field,
            control_total,
        })
    }
}

#[derive(Debug)]
pub struct BatchesScreen {
    pub batches: Vec<BatchView>,
    pub selected: usize,
    pub loading: bool,
    /// The batch new keyings go into (the app keeps it; this is its copy).
    pub current: Option<String>,
    /// The header of a new batch, while the clerk types it.
    pub form: Option<HeaderForm>,
    /// The batch an open or a close is on its way for.
    pub sending: Option<String>,
}

impl BatchesScreen {
    pub fn new(current: Option<String>) -> BatchesScreen {
        BatchesScreen {
            batches: Vec::new(),
            selected: 0,
            loading: true,
            current,
            form: None,
            sending: None,
        }
    }

    fn reload(&mut self) -> Request {
        self.loading = true;
        Request::Effect(Effect::Review(ReviewCall::Batches))
    }

    fn loaded(&mut self, result: Result<BatchList, Failure>) -> Vec<Request> {
        self.loading = false;
        let keep = self.batches.get(self.selected).map(|b| b.id.clone());
        match result {
            Ok(list) => {
                self.batches = list.batches;
                self.selected = keep
                    .and_then(|id| self.batches.iter().position(|b| b.id == id))
                    .unwrap_or(0);
                Vec::new()
            }
            Err(failure) => {
                self.batches.clear();
                self.selected = 0;
                vec![Request::Failed(failure)]
            }
        }
    }

    pub fn answered(&mut self, answer: ReviewAnswer) -> Vec<Request> {
        match answer {
            ReviewAnswer::Batches(result) if self.loading => self.loaded(result),
            ReviewAnswer::BatchOpened { id, result } if self.sending.as_ref() == Some(&id) => {
                self.sending = None;
                match result {
                    Ok(_) => {
                        self.form = None;
                        vec![
                            note(Level::Info, "review.batch_opened", vec![("id", id)]),
                            self.reload(),
                        ]
                    }
                    Err(failure) => vec![refused(failure)],
                }
            }
            ReviewAnswer::BatchClosed { id, result } if self.sending.as_ref() == Some(&id) => {
                self.sending = None;
                match result {
                    Ok(_) => {
                        let mut requests = vec![note(
                            Level::Info,
                            "review.batch_closed",
                            vec![("id", id.clone())],
                        )];
                        if self.current.as_ref() == Some(&id) {
                            self.current = None;
                            requests.push(Request::CurrentBatch(None));
                        }
                        requests.push(self.reload());
                        requests
                    }
                    Err(failure) => vec![refused(failure)],
                }
            }
            answer => super::stray(answer),
        }
    }

    /// The user said yes to opening or closing a batch.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        match action {
            PendingAction::OpenBatch { batch } => {
                let Some(Ok(request)) = self.form.as_ref().map(HeaderForm::request) else {
                    return Vec::new();
                };
                if request.id != *batch {
                    return Vec::new();
                }
                self.sending = Some(request.id.clone());
                vec![Request::Effect(Effect::Review(ReviewCall::OpenBatch(
                    request,
                )))]
            }
            PendingAction::CloseBatch { batch } => {
                self.sending = Some(batch.clone());
                vec![Request::Effect(Effect::Review(ReviewCall::CloseBatch(
                    batch.clone(),
                )))]
            }
            _ => Vec::new(),
        }
    }

    /// The selected batch if it is open, else the note that says why not.
    fn selected_open(&self) -> Result<&BatchView, Box<Request>> {
        match self.batches.get(self.selected) {
            None => Err(Box::new(Request::note(
                Level::Info,
                "review.no_batch_selected",
            ))),
            Some(b) if b.closed_by.is_some() => Err(Box::new(note(
                Level::Warning,
                "review.batch_is_closed",
                vec![("id", b.id.clone())],
            ))),
            Some(b) => Ok(b),
        }
    }

    fn run_list(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(requests) = list_command(ctx, Tab::Batches, command) {
            return Outcome::Consumed(requests);
        }
        let busy = self.loading || self.sending.is_some();
        let requests = match command {
            c if is_movement(c) => {
                self.selected = moved(self.selected, self.batches.len(), c);
                Vec::new()
            }
            Command::NewBatch if !busy => {
                self.form = Some(HeaderForm::new());
                vec![Request::Status(None)]
            }
            Command::CloseBatch if !busy => match self.selected_open() {
                Ok(b) => vec![Request::Confirm(PendingAction::CloseBatch {
                    batch: b.id.clone(),
                })],
                Err(request) => vec![*request],
            },
            Command::CurrentBatch if !busy => match self.selected_open() {
                Ok(b) if self.current.as_ref() == Some(&b.id) => {
                    let id = b.id.clone();
                    self.current = None;
                    vec![
                        Request::CurrentBatch(None),
                        note(Level::Info, "review.current_cleared", vec![("id", id)]),
                    ]
                }
                Ok(b) => {
                    let id = b.id.clone();
                    self.current = Some(id.clone());
                    vec![
                        Request::CurrentBatch(Some(id.clone())),
                        note(Level::Info, "review.current_set", vec![("id", id)]),
                    ]
                }
                Err(request) => vec![*request],
            },
            Command::NewBatch | Command::CloseBatch | Command::CurrentBatch => {
                vec![Request::note(Level::Info, "entry.wait_sending")]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn run_form(&mut self, command: Command) -> Outcome {
        let Some(form) = self.form.as_mut() else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            Command::NextField => {
                form.step_focus(true);
                Vec::new()
            }
            Command::PrevField => {
                form.step_focus(false);
                Vec::new()
            }
            Command::Send if self.sending.is_some() => {
                vec![Request::note(Level::Info, "entry.wait_sending")]
            }
            Command::Send => match form.request() {
                Ok(request) => vec![Request::Confirm(PendingAction::OpenBatch {
                    batch: request.id,
                })],
                Err((key, field)) => {
                    form.focus = field;
                    vec![Request::note(Level::Warning, key)]
                }
            },
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
        let inner = panel(view, frame, area, "review.batches_title", Role::Border);
        let [current, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let (text, role) = match &self.current {
            Some(id) => (t.tf("review.current_batch", &[("id", id)]), Role::Focus),
            None => (t.t("review.no_current_batch").to_string(), Role::Muted),
        };
        frame.render_widget(
            Span::styled(
                clean_fit(&text, usize::from(current.width)),
                view.style(role),
            ),
            current,
        );
        if self.loading && self.batches.is_empty() {
            return;
        }
        if self.batches.is_empty() {
            muted_line(view, frame, list, "review.no_batches");
            return;
        }
        let columns = [
            Column {
                header: "review.batch_number",
                align: Align::Left,
                max: Some(14),
            },
            Column {
                header: "entry.column_form",
                align: Align::Left,
                max: Some(10),
            },
            Column {
                header: "review.column_count",
                align: Align::Right,
                max: Some(10),
            },
            Column {
                header: "review.column_open",
                align: Align::Right,
                max: Some(6),
            },
            Column {
                header: "review.column_total",
                align: Align::Right,
                max: Some(23),
            },
            Column {
                header: "review.column_state",
                align: Align::Left,
                max: None,
            },
        ];
        let rows: Vec<Vec<String>> = self
            .batches
            .iter()
            .map(|b| {
                let mark = if self.current.as_ref() == Some(&b.id) {
                    "*"
                } else {
                    " "
                };
                let state = match &b.closed_by {
                    Some(by) => t.tf("review.batch_closed_by", &[("by", by)]),
                    None => t.t("review.batch_open").to_string(),
                };
                vec![
                    format!("{mark}{}", b.id),
                    form_title(t, &b.form),
                    format!("{}/{}", b.committed, b.forms),
                    b.open_entries.to_string(),
                    format!(
                        "{}/{}",
                        grouped(b.committed_total),
                        grouped(b.control_total)
                    ),
                    state,
                ]
            })
            .collect();
        draw_table(view, frame, list, &columns, &rows, Some(self.selected));
    }

    fn draw_form(&self, view: &View<'_>, frame: &mut Frame, area: Rect, form: &HeaderForm) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "review.new_batch_title", Role::Focus);
        let label_w = HeaderField::ALL
            .iter()
            .map(|f| display_width(t.t(f.label())))
            .max()
            .unwrap_or(8)
            + 2;
        let width = usize::from(inner.width);
        let mut rows = Layout::vertical(
            HeaderField::ALL
                .iter()
                .map(|_| Constraint::Length(1))
                .chain([Constraint::Length(1), Constraint::Min(0)]),
        )
        .split(inner)
        .to_vec();
        let note_area = rows.remove(HeaderField::ALL.len() + 1);
        let covered = view.covered;
        for (field, row) in HeaderField::ALL.iter().zip(rows) {
            let focused = form.focus == *field;
            let label_role = if focused { Role::Focus } else { Role::Text };
            let label = pad_to_width(t.t(field.label()), label_w);
            let label_cols = u16::try_from(label_w).unwrap_or(row.width).min(row.width);
            frame.render_widget(
                Span::styled(label, view.style(label_role)),
                Rect {
                    width: label_cols,
                    ..row
                },
            );
            let value = Rect {
                x: row.x + label_cols,
                width: row.width.saturating_sub(label_cols),
                ..row
            };
            let style = view
                .style(Role::Text)
                .add_modifier(ratatui::style::Modifier::UNDERLINED);
            let input = match field {
                HeaderField::Number => Some(&form.number),
                HeaderField::Count => Some(&form.count),
                HeaderField::ControlTotal => Some(&form.total),
                _ => None,
            };
            if let Some(input) = input {
                let w = match field {
                    HeaderField::Number => NUMBER_CHARS + 1,
                    HeaderField::Count => COUNT_CHARS + 1,
                    _ => TOTAL_CHARS + 1,
                };
                let field_rect = Rect {
                    width: value.width.min(u16::try_from(w).unwrap_or(value.width)),
                    ..value
                };
                frame.render_widget(
                    Span::styled(" ".repeat(usize::from(field_rect.width)), style),
                    field_rect,
                );
                input.draw(frame, field_rect, style, focused && !covered);
                continue;
            }
            let text = match field {
                HeaderField::Form => form
                    .schema()
                    .map(|s| form_title(t, &s.id))
                    .unwrap_or_default(),
                _ => form
                    .schema()
                    .and_then(|s| {
                        amount_fields(s)
                            .get(form.control)
                            .map(|(_, spec)| spec_label(t, spec))
                    })
                    .unwrap_or_else(|| t.t("review.batch_no_amount").to_string()),
            };
            let spans = vec![
                Span::styled("< ".to_string(), view.style(Role::Muted)),
                Span::styled(
                    text,
                    view.style(if focused { Role::Selection } else { Role::Text }),
                ),
                Span::styled(" >".to_string(), view.style(Role::Muted)),
            ];
            frame.render_widget(fit_line(spans, usize::from(value.width)), value);
        }
        let note_text = t.t("review.new_batch_note");
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Line::from(Span::styled(
                clean_fit(note_text, width),
                view.style(Role::Muted),
            ))),
            note_area,
        );
    }
}

impl Component for BatchesScreen {
    fn layer(&self) -> Option<Layer> {
        if self.form.is_some() {
            Some(Layer::Entry)
        } else {
            Some(Layer::Batches)
        }
    }

    /// In the header form the focused field takes its keys first: text
    /// and editing keys in a text field, Left and Right on a choice.
    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        use crossterm::event::{KeyCode, KeyModifiers};
        let Some(form) = self.form.as_mut() else {
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
        if let Some(input) = self.form.as_mut().and_then(HeaderForm::input_mut) {
            input.insert_str(text);
        }
    }

    fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(|f| {
            matches!(
                f.focus,
                HeaderField::Number | HeaderField::Count | HeaderField::ControlTotal
            )
        })
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
                Hint::new(Command::Send, "hint.open_batch"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        vec![
            Hint::new(Command::CurrentBatch, "hint.current_batch"),
            Hint::new(Command::NewBatch, "hint.new_batch"),
            Hint::new(Command::CloseBatch, "hint.close_batch"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        if self.form.is_some() {
            return matches!(
                command,
                Command::NextField | Command::PrevField | Command::Send | Command::Back
            );
        }
        true
    }

    /// In the header form only quit, help and the message log of the
    /// global keys act (a half-typed header is not dropped by a slip).
    fn takes_global(&self, command: Command) -> bool {
        self.form.is_none()
            || matches!(
                command,
                Command::Quit | Command::Help | Command::MessageLog | Command::Logout
            )
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.sending.is_some() {
            return Some("entry.sending");
        }
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Batches);
        match &self.form {
            Some(form) => self.draw_form(view, frame, area, form),
            None => self.draw_list(view, frame, area),
        }
    }
}
