//! The form both entry screens key into, built from a [`FormSchema`]:
//! its sections and table rows with labels in the UI language, one field
//! focused, each field checked at every key by the same
//! [`field::check`](crate::domain::entry::field::check) the service runs
//! again on submit, the result beside the field. Amounts show right-aligned
//! with thousands separators once the field is left. Which fields it holds
//! is the caller's: all of them for a first keying, only the names the
//! service sent (`to_key`) for a second keying or a re-keying, which never
//! has the other keyer's values.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;

use crossterm::event::KeyCode;

use crate::api::entry::Problem;
use crate::domain::entry::field::{FieldError, FieldValue, check};
use crate::domain::entry::schema::{FieldKind, FieldPath, FieldSpec, FormSchema};
use crate::secret::KeyedValue;
use crate::tui::action::Command;
use crate::tui::i18n::{I18n, Lang};
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean, clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

/// Room past a field's limit, so that typing on shows "too long" rather
/// than keys that silently do nothing.
const SLACK: usize = 8;
/// The widest the value column gets: an amount up to 一兆円 fits.
const VALUE_COLUMNS: usize = 20;

/// One problem the service named on a field after a refused submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownProblem {
    pub code: String,
    pub warning: bool,
    pub expected: Option<i64>,
    /// The service's text, shown when the locale has none for the code.
    pub message: String,
}

impl ShownProblem {
    pub fn of(problem: &Problem) -> ShownProblem {
        ShownProblem {
            code: problem.code.clone(),
            warning: problem.severity == "warning",
            expected: problem.expected,
            message: problem.message.clone(),
        }
    }
}

/// One field on the form.
#[derive(Debug)]
pub struct FormField {
    pub path: FieldPath,
    pub spec: &'static FieldSpec,
    pub input: TextInput,
    checked: Result<Option<FieldValue>, FieldError>,
    /// The service's problems from the last refused submit; an edit of the
    /// field clears them.
    pub problems: Vec<ShownProblem>,
    /// Typed in or left once: only then is a missing value an error on
    /// screen (a fresh form is not a wall of "required").
    touched: bool,
    /// Changed since the draft was last sent.
    dirty: bool,
}

impl FormField {
    fn new(path: FieldPath, spec: &'static FieldSpec) -> FormField {
        let room = match spec.kind {
            FieldKind::Text | FieldKind::Kana => spec.max_chars.unwrap_or(40),
            FieldKind::Choice => spec.choices.iter().map(|c| c.len()).max().unwrap_or(8),
            _ => 24,
        };
        let input = TextInput::new(room + SLACK);
        FormField {
            checked: check(spec, ""),
            path,
            spec,
            input,
            problems: Vec::new(),
            touched: false,
            dirty: false,
        }
    }

    fn recheck(&mut self) {
        self.checked = check(self.spec, self.input.text());
    }

    /// A date that checks clean shows the way the form writes dates
    /// (`H5.1.1` and `1993-01-01` become `平成5年1月1日`): the same date the
    /// domain read, so what the clerk sees is what is stored.
    fn normalise(&mut self) {
        if let Ok(Some(FieldValue::Date(date))) = &self.checked {
            let shown = crate::domain::wareki::format_wareki(*date);
            if shown != self.input.text() {
                self.input.clear();
                self.input.insert_str(&shown);
                self.recheck();
            }
        }
    }

    fn edited(&mut self) {
        self.recheck();
        self.problems.clear();
        self.touched = true;
        self.dirty = true;
    }

    pub fn is_empty(&self) -> bool {
        self.input.text().trim().is_empty()
    }

    /// The value once checked, if it passes and is not empty.
    pub fn value(&self) -> Option<&FieldValue> {
        self.checked.as_ref().ok().and_then(Option::as_ref)
    }
}

/// A table of the form with the fields it asks for in each row.
#[derive(Debug)]
struct TableRows {
    key: String,
    fields: Vec<&'static FieldSpec>,
    rows: usize,
    max_rows: usize,
    /// Whether the clerk adds the rows (from the paper), or the service
    /// named them.
    addable: bool,
}

/// What a line of the drawn form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormLine {
    /// A section's or a table's heading (group index).
    Heading(usize),
    /// A table row's heading (table index, row).
    Row(usize, usize),
    /// A table without rows yet (table index).
    NoRows(usize),
    Field(usize),
}

#[derive(Debug)]
pub struct FormWidget {
    schema: &'static FormSchema,
    fields: Vec<FormField>,
    tables: Vec<TableRows>,
    focus: usize,
    /// A draft answer failed: the next leave sends the draft whatever changed.
    unsaved: bool,
    /// The first line drawn: the drawing's memory of where it scrolled to,
    /// so that moving up a line does not jump the page.
    scroll: Cell<usize>,
}

/// Why a row could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddRow {
    Added,
    /// The form asks for no table rows here.
    NoTable,
    Full,
}

impl FormWidget {
    /// Every field of the form, table rows added by the clerk.
    pub fn all(schema: &'static FormSchema) -> FormWidget {
        let fields = schema
            .section_fields()
            .map(|(path, spec)| FormField::new(path, spec))
            .collect();
        let tables = schema
            .tables
            .iter()
            .map(|t| TableRows {
                key: t.key.clone(),
                fields: t.fields.iter().collect(),
                rows: 0,
                max_rows: t.max_rows,
                addable: true,
            })
            .collect();
        FormWidget::with(schema, fields, tables)
    }

    /// Only the fields named (`section.field`, `table[].field` for a field
    /// of every row the clerk adds, `table[row].field` for one row's).
    /// Names the form does not have are left out.
    pub fn only(schema: &'static FormSchema, names: &[String]) -> FormWidget {
        let named: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        let fields = schema
            .section_fields()
            .filter(|(path, _)| named.contains(path.to_string().as_str()))
            .map(|(path, spec)| FormField::new(path, spec))
            .collect();
        let tables = schema
            .tables
            .iter()
            .map(|t| {
                let every_row: Vec<&'static FieldSpec> = t
                    .fields
                    .iter()
                    .filter(|f| named.contains(format!("{}[].{}", t.key, f.key).as_str()))
                    .collect();
                TableRows {
                    key: t.key.clone(),
                    addable: !every_row.is_empty(),
                    fields: every_row,
                    rows: 0,
                    max_rows: t.max_rows,
                }
            })
            .collect();
        let mut form = FormWidget::with(schema, fields, tables);
        // One row's fields named by the service, as a re-keying asks.
        for name in names {
            if let Some(path) = FieldPath::parse(name)
                && path.row.is_some()
                && let Some(spec) = schema.field(&path)
            {
                form.insert(FormField::new(path, spec));
            }
        }
        form.focus = 0;
        form
    }

    fn with(
        schema: &'static FormSchema,
        fields: Vec<FormField>,
        tables: Vec<TableRows>,
    ) -> FormWidget {
        FormWidget {
            schema,
            fields,
            tables,
            focus: 0,
            unsaved: false,
            scroll: Cell::new(0),
        }
    }

    pub fn schema(&self) -> &'static FormSchema {
        self.schema
    }

    pub fn fields(&self) -> &[FormField] {
        &self.fields
    }

    pub fn focused(&self) -> Option<&FormField> {
        self.fields.get(self.focus)
    }

    pub fn focus_index(&self) -> usize {
        self.focus
    }

    /// Where a field sorts: the schema's group order, then row, then the
    /// field's place in its group.
    fn rank(&self, path: &FieldPath) -> (usize, usize, usize) {
        let schema = self.schema;
        let found = match path.row {
            None => schema
                .sections
                .iter()
                .position(|s| s.key == path.group)
                .map(|i| (i, &schema.sections[i].fields)),
            Some(_) => schema
                .tables
                .iter()
                .position(|t| t.key == path.group)
                .map(|i| (schema.sections.len() + i, &schema.tables[i].fields)),
        };
        let Some((group, fields)) = found else {
            return (usize::MAX, usize::MAX, usize::MAX);
        };
        let at = fields
            .iter()
            .position(|f| f.key == path.field)
            .unwrap_or(usize::MAX);
        (group, path.row.unwrap_or(0), at)
    }

    /// Puts a field in its place; a table row it names counts as there.
    fn insert(&mut self, field: FormField) -> usize {
        if let Some(row) = field.path.row
            && let Some(table) = self.tables.iter_mut().find(|t| t.key == field.path.group)
        {
            table.rows = table.rows.max(row + 1);
        }
        let rank = self.rank(&field.path);
        let at = self
            .fields
            .iter()
            .position(|f| self.rank(&f.path) > rank)
            .unwrap_or(self.fields.len());
        self.fields.insert(at, field);
        at
    }

    /// Whether the clerk may add table rows on this form.
    pub fn adds_rows(&self) -> bool {
        self.tables.iter().any(|t| t.addable && t.rows < t.max_rows)
    }

    /// Adds a row to the table the focus is in (or the form's first table
    /// the clerk adds rows to); the focus goes to its first field.
    pub fn add_row(&mut self) -> AddRow {
        let in_table = self
            .focused()
            .filter(|f| f.path.row.is_some())
            .map(|f| f.path.group.clone());
        let index = self
            .tables
            .iter()
            .position(|t| t.addable && Some(&t.key) == in_table.as_ref())
            .or_else(|| self.tables.iter().position(|t| t.addable));
        let Some(index) = index else {
            return AddRow::NoTable;
        };
        let table = &self.tables[index];
        if table.rows >= table.max_rows {
            return AddRow::Full;
        }
        let row = table.rows;
        let key = table.key.clone();
        let specs = table.fields.clone();
        let mut first = None;
        for spec in specs {
            let at = self.insert(FormField::new(FieldPath::row(&key, row, &spec.key), spec));
            if first.is_none_or(|f| at < f) {
                first = Some(at);
            }
        }
        if let Some(at) = first {
            self.move_to(at);
        }
        AddRow::Added
    }

    /// Fills the fields from what was typed before (a draft), adding the
    /// table rows it names.
    pub fn fill(&mut self, values: &BTreeMap<String, KeyedValue>) {
        for (name, value) in values {
            let Some(path) = FieldPath::parse(name) else {
                continue;
            };
            if path.row.is_some() {
                self.ensure_rows(&path);
            }
            if let Some(field) = self.fields.iter_mut().find(|f| f.path == path) {
                field.input.clear();
                field.input.insert_str(value.expose());
                field.recheck();
                field.normalise();
                field.touched = true;
            }
        }
        self.focus = 0;
    }

    /// Adds table rows up to the one `path` names.
    fn ensure_rows(&mut self, path: &FieldPath) {
        let Some(row) = path.row else { return };
        let Some(index) = self.tables.iter().position(|t| t.key == path.group) else {
            return;
        };
        while self.tables[index].rows <= row
            && self.tables[index].rows < self.tables[index].max_rows
        {
            let table = &self.tables[index];
            let (key, next, specs) = (table.key.clone(), table.rows, table.fields.clone());
            for spec in specs {
                self.insert(FormField::new(FieldPath::row(&key, next, &spec.key), spec));
            }
            self.tables[index].rows = self.tables[index].rows.max(next + 1);
        }
    }

    // ---- keys ------------------------------------------------------------------

    /// A key for the focused field: typing and line editing. In a choice
    /// field a digit picks that choice. Returns whether it was used.
    pub fn handle_key(&mut self, key: Key) -> bool {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return false;
        };
        if field.spec.kind == FieldKind::Choice
            && key.is_bare_char()
            && let KeyCode::Char(c) = key.code
            && let Some(n) = c.to_digit(10)
            && let Some(code) = (n as usize)
                .checked_sub(1)
                .and_then(|i| field.spec.choices.get(i))
        {
            field.input.clear();
            field.input.insert_str(code);
            field.edited();
            return true;
        }
        let before = field.input.text().to_string();
        if !field.input.edit(key) {
            return false;
        }
        if field.input.text() != before {
            field.edited();
        }
        true
    }

    /// Pasted text, into the focused field.
    pub fn paste(&mut self, text: &str) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.insert_str(text);
            field.edited();
        }
    }

    fn move_to(&mut self, at: usize) {
        if at == self.focus || at >= self.fields.len() {
            return;
        }
        if let Some(left) = self.fields.get_mut(self.focus) {
            left.touched = true;
            left.normalise();
        }
        self.focus = at;
    }

    /// The next field (the last stays).
    pub fn next(&mut self) {
        self.move_to((self.focus + 1).min(self.fields.len().saturating_sub(1)));
    }

    pub fn prev(&mut self) {
        self.move_to(self.focus.saturating_sub(1));
    }

    /// The block a field belongs to: its section, or its table row.
    fn block(&self, at: usize) -> Option<(String, Option<usize>)> {
        self.fields
            .get(at)
            .map(|f| (f.path.group.clone(), f.path.row))
    }

    /// The first field of the next section (or table row).
    pub fn next_section(&mut self) {
        let here = self.block(self.focus);
        if let Some(at) = (self.focus..self.fields.len()).find(|&i| self.block(i) != here) {
            self.move_to(at);
        }
    }

    /// The first field of this section, or of the one before when already
    /// there.
    pub fn prev_section(&mut self) {
        let start = |form: &FormWidget, at: usize| {
            let block = form.block(at);
            let mut i = at;
            while i > 0 && form.block(i - 1) == block {
                i -= 1;
            }
            i
        };
        let first = start(self, self.focus);
        let target = if first < self.focus || first == 0 {
            first
        } else {
            start(self, first - 1)
        };
        self.move_to(target);
    }

    /// Whether a draft should go now: a field changed since the last one
    /// (or the last one failed) and the focus is no longer in it. Marks
    /// everything sent.
    pub fn take_draft(&mut self) -> bool {
        let focus = self.focus;
        let changed = self
            .fields
            .iter()
            .enumerate()
            .any(|(i, f)| f.dirty && i != focus);
        if !(changed || self.unsaved && self.fields.iter().any(|f| !f.is_empty())) {
            return false;
        }
        self.mark_sent();
        true
    }

    /// Everything typed counts as sent (a draft or a keying left).
    pub fn mark_sent(&mut self) {
        for field in &mut self.fields {
            field.dirty = false;
        }
        self.unsaved = false;
    }

    /// Whether anything was typed since the last draft.
    pub fn is_dirty(&self) -> bool {
        self.unsaved || self.fields.iter().any(|f| f.dirty)
    }

    /// A draft did not reach the service: the next leave sends it again.
    pub fn draft_failed(&mut self) {
        self.unsaved = true;
    }

    // ---- what was keyed ---------------------------------------------------------

    /// Every field typed in, as typed (the service checks it again).
    pub fn typed(&self) -> BTreeMap<String, KeyedValue> {
        self.fields
            .iter()
            .filter(|f| !f.is_empty())
            .map(|f| (f.path.to_string(), KeyedValue::new(f.input.text())))
            .collect()
    }

    pub fn keyed_count(&self) -> usize {
        self.fields.iter().filter(|f| !f.is_empty()).count()
    }

    /// Whether a table row has anything typed in it.
    fn row_keyed(&self, group: &str, row: usize) -> bool {
        self.fields
            .iter()
            .any(|f| f.path.group == group && f.path.row == Some(row) && !f.is_empty())
    }

    /// The check's refusal of a field, as the service would see it: a
    /// required field of a table row nobody keyed is not missing.
    pub fn error_of<'a>(&self, field: &'a FormField) -> Option<&'a FieldError> {
        let error = field.checked.as_ref().err()?;
        if *error == FieldError::Required
            && let Some(row) = field.path.row
            && !self.row_keyed(&field.path.group, row)
        {
            return None;
        }
        Some(error)
    }

    /// How many fields the checks refuse now.
    pub fn error_count(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| self.error_of(f).is_some())
            .count()
    }

    /// Every field counts as visited (before a submit), so each missing
    /// value shows.
    pub fn touch_all(&mut self) {
        for field in &mut self.fields {
            field.touched = true;
        }
    }

    /// The focus goes to the first field with an error or a problem.
    pub fn focus_first_problem(&mut self) {
        let first = self
            .fields
            .iter()
            .position(|f| self.error_of(f).is_some() || !f.problems.is_empty());
        if let Some(at) = first {
            self.move_to(at);
        }
    }

    /// The focus goes to the field named (`section.field`,
    /// `table[row].field`); false when the form has no such field.
    pub fn focus_on(&mut self, name: &str) -> bool {
        match self.fields.iter().position(|f| f.path.to_string() == name) {
            Some(at) => {
                self.move_to(at);
                true
            }
            None => false,
        }
    }

    /// Puts the service's problems beside their fields; returns those that
    /// name no field on this form.
    pub fn set_problems(&mut self, problems: &[Problem]) -> Vec<Problem> {
        for field in &mut self.fields {
            field.problems.clear();
        }
        let mut elsewhere = Vec::new();
        for problem in problems {
            let mut shown = false;
            for name in &problem.fields {
                if let Some(field) = self.fields.iter_mut().find(|f| f.path.to_string() == *name) {
                    field.problems.push(ShownProblem::of(problem));
                    shown = true;
                }
            }
            if !shown {
                elsewhere.push(problem.clone());
            }
        }
        elsewhere
    }

    // ---- drawing ----------------------------------------------------------------

    fn lines(&self) -> Vec<FormLine> {
        let sections = self.schema.sections.len();
        let mut out = Vec::new();
        let mut last: Option<(usize, Option<usize>)> = None;
        let mut tables_seen = BTreeSet::new();
        for (i, field) in self.fields.iter().enumerate() {
            let (group, _, _) = self.rank(&field.path);
            if last.map(|(g, _)| g) != Some(group) {
                out.push(FormLine::Heading(group));
                if group >= sections {
                    tables_seen.insert(group - sections);
                }
            }
            if let Some(row) = field.path.row
                && last != Some((group, Some(row)))
            {
                out.push(FormLine::Row(group.saturating_sub(sections), row));
            }
            last = Some((group, field.path.row));
            out.push(FormLine::Field(i));
        }
        for (t, table) in self.tables.iter().enumerate() {
            if table.addable && table.rows == 0 && !tables_seen.contains(&t) {
                out.push(FormLine::Heading(sections + t));
                out.push(FormLine::NoRows(t));
            }
        }
        out
    }

    /// How far down the form the focus is: (field number, of how many).
    pub fn position(&self) -> (usize, usize) {
        ((self.focus + 1).min(self.fields.len()), self.fields.len())
    }

    /// Draws the form into `area`; with `focused`, the cursor goes to the
    /// focused field's text.
    pub fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect, focused: bool) {
        if area.height == 0 || area.width < 20 {
            return;
        }
        let lines = self.lines();
        let height = usize::from(area.height);
        let focus_line = lines
            .iter()
            .position(|l| *l == FormLine::Field(self.focus))
            .unwrap_or(0);
        let scroll = scrolled(self.scroll.get(), focus_line, height, &lines);
        self.scroll.set(scroll);

        let columns = Columns::new(view, self, area.width);
        for (y, line) in (area.y..area.bottom()).zip(lines.iter().skip(scroll)) {
            let row = Rect::new(area.x, y, area.width, 1);
            match *line {
                FormLine::Heading(group) => {
                    let text = view.i18n.tf(
                        "form.section",
                        &[("label", &self.group_label(view.i18n, group))],
                    );
                    frame.render_widget(
                        Span::styled(
                            clean_fit(&text, usize::from(area.width)),
                            view.style(Role::Header),
                        ),
                        row,
                    );
                }
                FormLine::Row(table, n) => {
                    let Some(table) = self.schema.tables.get(table) else {
                        continue;
                    };
                    let text = row_label(view.i18n, table, n);
                    frame.render_widget(
                        Span::styled(
                            clean_fit(&format!("  {text}"), usize::from(area.width)),
                            view.style(Role::Muted),
                        ),
                        row,
                    );
                }
                FormLine::NoRows(_) => {
                    let key = view
                        .keymap
                        .key_for(Layer::Entry, Command::AddRow)
                        .map(|k| k.label())
                        .unwrap_or_default();
                    let text = view.i18n.tf("form.no_rows", &[("key", &key)]);
                    frame.render_widget(
                        Span::styled(
                            clean_fit(&format!("  {text}"), usize::from(area.width)),
                            view.style(Role::Muted),
                        ),
                        row,
                    );
                }
                FormLine::Field(i) => {
                    self.draw_field(view, frame, row, &columns, i, focused && i == self.focus);
                }
            }
        }
    }

    fn group_label(&self, i18n: &I18n, group: usize) -> String {
        let sections = self.schema.sections.len();
        let (ja, en) = match self.schema.sections.get(group) {
            Some(s) => (&s.label_ja, &s.label_en),
            None => match self.schema.tables.get(group.saturating_sub(sections)) {
                Some(t) => (&t.label_ja, &t.label_en),
                None => return String::new(),
            },
        };
        match i18n.lang() {
            Lang::Ja => ja.clone(),
            Lang::En => en.clone(),
        }
    }

    fn draw_field(
        &self,
        view: &View<'_>,
        frame: &mut Frame,
        row: Rect,
        columns: &Columns,
        i: usize,
        focused: bool,
    ) {
        let field = &self.fields[i];
        let indent = if field.path.row.is_some() { "  " } else { "" };
        let marker = if focused { "> " } else { "  " };
        let label_style = if focused {
            view.style(Role::Focus)
        } else {
            view.style(Role::Text)
        };
        let label = format!("{marker}{indent}{}", spec_label(view.i18n, field.spec));
        let label = pad_to_width(&clean_fit(&label, columns.label), columns.label);
        frame.render_widget(
            Span::styled(label, label_style),
            Rect::new(row.x, row.y, columns.label_cols(), 1),
        );

        let spans = self.message(view, field, focused);
        // A field with nothing beside it may use the message column too
        // (addresses are long); amounts keep their column to align.
        let value_cols = if !spans.is_empty() || field.spec.kind == FieldKind::Amount {
            columns.value
        } else {
            columns.value + 1 + columns.message
        };
        let value_area = Rect::new(
            row.x + columns.value_x(),
            row.y,
            u16::try_from(value_cols).unwrap_or(0),
            1,
        );
        if focused {
            let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
            frame.render_widget(Span::styled(" ".repeat(value_cols), style), value_area);
            field.input.draw(frame, value_area, style, !view.covered);
        } else {
            let (text, right) = shown_typed(view.i18n, field);
            let text = if right {
                let text = clean_fit(&text, columns.value);
                format!("{}{text}", " ".repeat(columns.value - display_width(&text)))
            } else {
                clean_fit(&text, value_cols)
            };
            frame.render_widget(Span::styled(text, view.style(Role::Text)), value_area);
        }

        if columns.message == 0 || spans.is_empty() {
            return;
        }
        let message_area = Rect::new(
            row.x + columns.message_x(),
            row.y,
            u16::try_from(columns.message).unwrap_or(0),
            1,
        );
        frame.render_widget(fit_marked(spans, columns.message), message_area);
    }

    /// The whole message of the focused field, for a line wider than the
    /// column beside it; None when it has none.
    pub fn focused_message(&self, view: &View<'_>) -> Option<Vec<Span<'static>>> {
        let field = self.focused()?;
        let spans = self.message(view, field, true);
        (!spans.is_empty()).then_some(spans)
    }

    /// What shows beside a field: the service's problems, else the check's
    /// refusal (once the field was visited), else, while focused, what a
    /// choice field takes.
    fn message(&self, view: &View<'_>, field: &FormField, focused: bool) -> Vec<Span<'static>> {
        if let Some(problem) = field.problems.first() {
            let role = if problem.warning {
                Role::Warning
            } else {
                Role::Error
            };
            return vec![Span::styled(
                problem_text(view.i18n, problem),
                view.style(role),
            )];
        }
        if let Some(error) = self.error_of(field)
            && (field.touched || focused && *error != FieldError::Required)
        {
            return vec![Span::styled(
                field_error_text(view.i18n, error),
                view.style(Role::Error),
            )];
        }
        if focused && field.spec.kind == FieldKind::Choice {
            let choices: Vec<String> = field
                .spec
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} {}", i + 1, choice_label(view.i18n, c)))
                .collect();
            return vec![Span::styled(choices.join(" "), view.style(Role::Muted))];
        }
        Vec::new()
    }
}

/// Spans cut to `width` columns, ending in `~` where something was cut
/// (the whole text shows on the screen's note line while focused).
fn fit_marked(spans: Vec<Span<'static>>, width: usize) -> ratatui::text::Line<'static> {
    let total: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    if total <= width || width == 0 {
        return fit_line(spans, width);
    }
    let style = spans.last().map(|s| s.style).unwrap_or_default();
    let mut line = fit_line(spans, width - 1);
    line.spans.push(Span::styled("~", style));
    line
}

/// The first line to draw so that the focused line shows: the page stays
/// where it was while the focus is on it, and a section heading just above
/// the focus comes into view with it.
fn scrolled(was: usize, focus: usize, height: usize, lines: &[FormLine]) -> usize {
    let mut top = was.min(lines.len().saturating_sub(height));
    if focus < top {
        top = focus;
        while top > 0 && !matches!(lines[top - 1], FormLine::Field(_)) && focus - top < 2 {
            top -= 1;
        }
    } else if focus >= top + height {
        top = focus + 1 - height;
    }
    top
}

/// The columns of a form line at a width.
struct Columns {
    label: usize,
    value: usize,
    message: usize,
}

impl Columns {
    fn new(view: &View<'_>, form: &FormWidget, width: u16) -> Columns {
        let width = usize::from(width);
        let widest = form
            .fields
            .iter()
            .map(|f| {
                display_width(&spec_label(view.i18n, f.spec))
                    + if f.path.row.is_some() { 4 } else { 2 }
            })
            .max()
            .unwrap_or(10);
        let label = widest.min(width * 36 / 100);
        let value = VALUE_COLUMNS.min(width.saturating_sub(label + 1));
        let message = width.saturating_sub(label + 1 + value + 1);
        Columns {
            label,
            value,
            message,
        }
    }

    fn label_cols(&self) -> u16 {
        u16::try_from(self.label).unwrap_or(0)
    }

    fn value_x(&self) -> u16 {
        u16::try_from(self.label + 1).unwrap_or(0)
    }

    fn message_x(&self) -> u16 {
        u16::try_from(self.label + 1 + self.value + 1).unwrap_or(0)
    }
}

/// A field's label in the UI language.
pub fn spec_label(i18n: &I18n, spec: &FieldSpec) -> String {
    match i18n.lang() {
        Lang::Ja => spec.label_ja.clone(),
        Lang::En => spec.label_en.clone(),
    }
}

fn row_label(i18n: &I18n, table: &crate::domain::entry::schema::Table, row: usize) -> String {
    let label = match i18n.lang() {
        Lang::Ja => &table.label_ja,
        Lang::En => &table.label_en,
    };
    i18n.tf(
        "form.row",
        &[("table", label), ("n", &(row + 1).to_string())],
    )
}

/// A field named by its place, as a supervisor or a summary names it:
/// `扶養親族 1 個人番号`, or the name as sent when the form has no such field.
pub fn path_label(i18n: &I18n, schema: &FormSchema, name: &str) -> String {
    let Some(path) = FieldPath::parse(name) else {
        return clean(name);
    };
    let Some(spec) = schema.field(&path) else {
        return clean(name);
    };
    let label = spec_label(i18n, spec);
    match (path.row, schema.table(&path.group)) {
        (Some(row), Some(table)) => format!("{} {label}", row_label(i18n, table, row)),
        _ => label,
    }
}

/// Whole yen with thousands separators: `1,234,000`, `-120,000`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A choice's label in the UI language (the code when the locale has none).
pub fn choice_label(i18n: &I18n, code: &str) -> String {
    let key = format!("choice.{code}");
    if i18n.has(&key) {
        i18n.t(&key).to_string()
    } else {
        clean(code)
    }
}

/// A left field as shown: an amount that passes its check grouped and
/// right-aligned, a choice by its label, anything else as typed.
fn shown_typed(i18n: &I18n, field: &FormField) -> (String, bool) {
    match field.value() {
        Some(FieldValue::Amount(n)) => (grouped(*n), true),
        Some(FieldValue::Choice(code)) => (choice_label(i18n, code), false),
        _ => (clean(field.input.text()), false),
    }
}

/// A value the service sent in its canonical form, shown the way the form
/// shows it (amounts grouped and right-aligned, choices by label).
pub fn shown_canonical(i18n: &I18n, spec: Option<&FieldSpec>, value: &str) -> (String, bool) {
    match spec.map(|s| s.kind) {
        Some(FieldKind::Amount) => match value.parse::<i64>() {
            Ok(n) => (grouped(n), true),
            Err(_) => (clean(value), false),
        },
        Some(FieldKind::Choice) => (choice_label(i18n, value), false),
        _ => (clean(value), false),
    }
}

/// The check's refusal in the clerk's language, by its code.
pub fn field_error_text(i18n: &I18n, error: &FieldError) -> String {
    let key = format!("field_error.{}", error.code());
    match error {
        FieldError::TooLong { max } => i18n.tf(&key, &[("max", &max.to_string())]),
        FieldError::TooLarge { max } => i18n.tf(&key, &[("max", &grouped(*max))]),
        _ => i18n.t(&key).to_string(),
    }
}

/// A problem the service named, in the clerk's language by its code (the
/// service's own text, sanitized, for a code the locale does not know),
/// with the amount a calculation expected.
pub fn problem_text(i18n: &I18n, problem: &ShownProblem) -> String {
    let code = &problem.code;
    let text = [format!("problem.{code}"), format!("field_error.{code}")]
        .into_iter()
        .find(|k| i18n.has(k))
        .map(|k| i18n.t(&k).to_string())
        .unwrap_or_else(|| clean(&problem.message));
    match problem.expected {
        Some(expected) => i18n.tf(
            "form.expected",
            &[("text", &text), ("amount", &grouped(expected))],
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::forms;

    fn declaration() -> &'static FormSchema {
        forms::form("juminzei_shinkoku").unwrap()
    }

    fn key(c: char) -> Key {
        Key::new(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
    }

    fn type_in(form: &mut FormWidget, text: &str) {
        for c in text.chars() {
            assert!(form.handle_key(key(c)));
        }
    }

    #[test]
    fn amounts_group_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(3_000_000), "3,000,000");
        assert_eq!(grouped(-120_000), "-120,000");
        assert_eq!(grouped(999_999_999_999), "999,999,999,999");
    }

    #[test]
    fn every_key_checks_the_field_with_the_domain_check() {
        let mut form = FormWidget::only(declaration(), &["taxpayer.my_number".to_string()]);
        type_in(&mut form, "12345678901");
        let field = form.focused().unwrap();
        assert_eq!(
            form.error_of(field).map(FieldError::code),
            Some("not_a_my_number")
        );
        type_in(&mut form, "2");
        let field = form.focused().unwrap();
        assert_eq!(
            form.error_of(field).map(FieldError::code),
            Some("my_number_check_digit")
        );
        form.handle_key(Key::new(
            KeyCode::Backspace,
            crossterm::event::KeyModifiers::NONE,
        ));
        type_in(&mut form, "8");
        assert_eq!(form.error_count(), 0);
    }

    #[test]
    fn only_the_named_fields_and_rows_are_on_a_blind_form() {
        let names = [
            "revenue.salary".to_string(),
            "dependents[].my_number".to_string(),
            "dependents[1].birth".to_string(),
            "taxpayer.no_such".to_string(),
        ];
        let mut form = FormWidget::only(declaration(), &names);
        let paths: Vec<String> = form.fields().iter().map(|f| f.path.to_string()).collect();
        assert_eq!(paths, ["revenue.salary", "dependents[1].birth"]);
        assert_eq!(form.add_row(), AddRow::Added);
        let paths: Vec<String> = form.fields().iter().map(|f| f.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "revenue.salary",
                "dependents[1].birth",
                "dependents[2].my_number"
            ]
        );
        assert_eq!(
            form.focused().unwrap().path.to_string(),
            "dependents[2].my_number"
        );
    }

    #[test]
    fn a_draft_fills_its_fields_and_rows_and_a_leave_asks_for_the_next() {
        let mut form = FormWidget::all(declaration());
        let draft: BTreeMap<String, KeyedValue> = [
            ("taxpayer.name", "高橋 一郎"),
            ("dependents[1].name", "高橋 二郎"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), KeyedValue::new(v)))
        .collect();
        form.fill(&draft);
        assert_eq!(form.typed().len(), 2);
        assert!(
            form.fields()
                .iter()
                .any(|f| f.path.to_string() == "dependents[0].my_number")
        );
        assert!(!form.take_draft(), "nothing changed since the draft");
        type_in(&mut form, "番所市");
        assert!(!form.take_draft(), "the field is still being typed");
        form.next();
        assert!(form.take_draft());
        assert!(!form.take_draft());
        form.draft_failed();
        assert!(
            form.take_draft(),
            "a failed draft goes again at the next leave"
        );
    }

    #[test]
    fn a_digit_picks_a_choice_and_sections_are_a_page_apart() {
        let mut form = FormWidget::all(declaration());
        form.next_section();
        assert_eq!(form.focused().unwrap().path.to_string(), "revenue.business");
        form.prev_section();
        assert_eq!(form.focused().unwrap().path.to_string(), "taxpayer.address");
        form.next_section();
        form.next();
        form.prev_section();
        assert_eq!(form.focused().unwrap().path.to_string(), "revenue.business");
        for _ in 0..5 {
            form.next_section();
        }
        assert_eq!(
            form.focused().unwrap().path.to_string(),
            "collection.method"
        );
        type_in(&mut form, "2");
        assert_eq!(form.focused().unwrap().input.text(), "ordinary");
        assert_eq!(form.error_count(), 7, "the required fields still empty");
    }

    #[test]
    fn a_date_left_clean_shows_as_the_form_writes_it_and_reads_back_the_same() {
        let mut form = FormWidget::all(declaration());
        let at = form
            .fields()
            .iter()
            .position(|f| f.path.to_string() == "taxpayer.birth")
            .unwrap();
        form.move_to(at);
        type_in(&mut form, "H5.1.1");
        form.next();
        assert_eq!(form.fields()[at].input.text(), "平成5年1月1日");
        assert!(matches!(
            form.fields()[at].value(),
            Some(FieldValue::Date(d)) if d.to_string() == "1993-01-01"
        ));
        // A date that does not check stays as typed, for the clerk to fix.
        form.move_to(at);
        form.fields[at].input.clear();
        type_in(&mut form, "H5.2.30");
        form.next();
        assert_eq!(form.fields()[at].input.text(), "H5.2.30");
        // Every era's display reads back as the same date (元年 included).
        for iso in [
            "1989-01-08",
            "2019-05-01",
            "1926-12-25",
            "1912-07-30",
            "2026-02-16",
        ] {
            let date = crate::domain::wareki::parse_date(iso).unwrap();
            let shown = crate::domain::wareki::format_wareki(date);
            assert_eq!(
                crate::domain::wareki::parse_date(&shown),
                Ok(date),
                "{shown}"
            );
        }
    }
}
