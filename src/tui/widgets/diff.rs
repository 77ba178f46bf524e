//! A field-by-field comparison of a form's values: the field's label from
//! the form schema, a value before and after (amounts right-aligned with
//! thousands separators, choices by label, as the keying form shows
//! them), changed fields marked. The history, the proposal's summary and
//! the supervisor's review draw their changes with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::domain::entry::schema::{FieldPath, FormSchema};
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{path_label, shown_canonical};
use crate::tui::widgets::line::fit_line;

/// One field compared: its name as sent (`section.field`,
/// `table[row].field`) and its value before and after, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Marked as changed (the values differ).
    pub changed: bool,
}

/// Where a field sorts on its form: its section (tables after the
/// sections), its row, its place in the section; unknown names last.
pub fn rank(schema: &FormSchema, name: &str) -> (usize, usize, usize, String) {
    let unknown = (usize::MAX, usize::MAX, usize::MAX, name.to_string());
    let Some(path) = FieldPath::parse(name) else {
        return unknown;
    };
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
        return unknown;
    };
    let at = fields
        .iter()
        .position(|f| f.key == path.field)
        .unwrap_or(usize::MAX);
    (group, path.row.unwrap_or(0), at, String::new())
}

/// The columns at a width: marker, label, before, after.
struct Columns {
    label: usize,
    value: usize,
}

impl Columns {
    fn new(width: usize) -> Columns {
        let label = width.saturating_sub(2) * 40 / 100;
        let value = width.saturating_sub(2 + label + 2) / 2;
        Columns { label, value }
    }

    fn cell((text, right): (String, bool), width: usize) -> String {
        let text = clean_fit(&text, width);
        if right {
            format!("{}{text}", " ".repeat(width - display_width(&text)))
        } else {
            pad_to_width(&text, width)
        }
    }

    fn line(
        &self,
        marker: &str,
        label: &str,
        before: (String, bool),
        after: (String, bool),
    ) -> String {
        format!(
            "{marker}{} {} {}",
            pad_to_width(&clean_fit(label, self.label), self.label),
            Columns::cell(before, self.value),
            Columns::cell(after, self.value),
        )
    }
}

/// How many rows of `area` the changes get below the heading.
pub fn page(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1)).max(1)
}

/// Draws the heading (`headings`: locale keys of the field, before and
/// after columns) and the rows from `scroll` on.
pub fn draw(
    view: &View<'_>,
    frame: &mut Frame,
    area: Rect,
    schema: &FormSchema,
    rows: &[DiffRow],
    scroll: usize,
    headings: [&str; 3],
) {
    if area.height == 0 {
        return;
    }
    let t = view.i18n;
    let width = usize::from(area.width);
    let columns = Columns::new(width);
    let heading = columns.line(
        "  ",
        t.t(headings[0]),
        (t.t(headings[1]).to_string(), false),
        (t.t(headings[2]).to_string(), false),
    );
    frame.render_widget(
        fit_line(vec![Span::styled(heading, view.style(Role::Muted))], width),
        Rect { height: 1, ..area },
    );
    let value = |field: &str, v: &Option<String>| -> (String, bool) {
        let spec = FieldPath::parse(field).and_then(|p| schema.field(&p));
        match v {
            Some(v) => shown_canonical(t, spec, v),
            None => (String::new(), false),
        }
    };
    for (y, row) in (area.y + 1..area.bottom()).zip(rows.iter().skip(scroll)) {
        let marker = if row.changed { "* " } else { "  " };
        let before = match (&row.before, row.changed) {
            (None, true) => (t.t("diff.blank").to_string(), false),
            _ => value(&row.field, &row.before),
        };
        let after = match (&row.after, row.changed) {
            (None, true) => (t.t("diff.blank").to_string(), false),
            _ => value(&row.field, &row.after),
        };
        let text = columns.line(marker, &path_label(t, schema, &row.field), before, after);
        let role = if row.changed {
            Role::Warning
        } else {
            Role::Text
        };
        frame.render_widget(
            fit_line(vec![Span::styled(text, view.style(role))], width),
            Rect::new(area.x, y, area.width, 1),
        );
    }
}
