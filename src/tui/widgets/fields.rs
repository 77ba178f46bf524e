//! A short form of labelled fields (a grant request, a bulk extension,
//! the access log's filter, an analysis period): each field a line of text
//! or a choice among a few options (Left and Right). The form keeps its
//! fields and the focus; the screen that owns it reads the values and
//! decides what they mean.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crossterm::event::{KeyCode, KeyModifiers};

use crate::tui::action::Command;
use crate::tui::keymap::Key;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;

/// What a field holds.
#[derive(Debug)]
pub enum Value {
    /// Typed text.
    Text(TextInput),
    /// One of `options` (locale keys), the `at`th chosen.
    Choice { options: Vec<String>, at: usize },
}

/// One field: its label's locale key and its value.
#[derive(Debug)]
pub struct Field {
    pub label: &'static str,
    pub value: Value,
    /// Columns the field takes on screen.
    cols: usize,
}

/// The widest a text field is drawn; longer text scrolls.
const MAX_COLS: usize = 40;

impl Field {
    /// A text field of at most `max_chars` characters, holding `text`.
    pub fn text(label: &'static str, max_chars: usize, text: &str) -> Field {
        let mut input = TextInput::new(max_chars);
        input.insert_str(text);
        Field {
            label,
            value: Value::Text(input),
            cols: max_chars.min(MAX_COLS) + 1,
        }
    }

    /// A choice among `options` (locale keys), the first chosen.
    pub fn choice(label: &'static str, options: Vec<String>) -> Field {
        Field {
            label,
            value: Value::Choice { options, at: 0 },
            cols: MAX_COLS,
        }
    }
}

/// The commands that act while a form is open: its moves, send and back.
pub fn offers(command: Command) -> bool {
    matches!(
        command,
        Command::NextField | Command::PrevField | Command::Send | Command::Back
    )
}

/// The global commands that act while a form is open: quit, help, the
/// message log and logout (a half-typed form is not dropped by a slip).
pub fn takes_global(command: Command) -> bool {
    matches!(
        command,
        Command::Quit | Command::Help | Command::MessageLog | Command::Logout
    )
}

#[derive(Debug)]
pub struct Fields {
    pub fields: Vec<Field>,
    pub focus: usize,
}

impl Fields {
    pub fn new(fields: Vec<Field>) -> Fields {
        Fields { fields, focus: 0 }
    }

    /// The trimmed text of field `i` (empty for a choice).
    pub fn text(&self, i: usize) -> &str {
        match self.fields.get(i).map(|f| &f.value) {
            Some(Value::Text(input)) => input.text().trim(),
            _ => "",
        }
    }

    /// The index of the option chosen in field `i`.
    pub fn chosen(&self, i: usize) -> usize {
        match self.fields.get(i).map(|f| &f.value) {
            Some(Value::Choice { at, .. }) => *at,
            _ => 0,
        }
    }

    /// Chooses option `at` of field `i` (when it is a choice that has it).
    pub fn set_chosen(&mut self, i: usize, to: usize) {
        if let Some(Value::Choice { options, at }) = self.fields.get_mut(i).map(|f| &mut f.value)
            && to < options.len()
        {
            *at = to;
        }
    }

    /// Replaces the text of field `i` (when it is a text field).
    pub fn set_text(&mut self, i: usize, text: &str) {
        if let Some(Value::Text(input)) = self.fields.get_mut(i).map(|f| &mut f.value) {
            input.clear();
            input.insert_str(text);
        }
    }

    /// Moves the focus for next field / previous field; whether the
    /// command was one of them.
    pub fn moves(&mut self, command: Command) -> bool {
        match command {
            Command::NextField | Command::PrevField => {
                self.step_focus(command == Command::NextField);
                true
            }
            _ => false,
        }
    }

    /// Tab and Shift-Tab: the next or previous field, round.
    pub fn step_focus(&mut self, forward: bool) {
        let n = self.fields.len().max(1);
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self.fields.get_mut(self.focus).map(|f| &mut f.value) {
            Some(Value::Text(input)) => Some(input),
            _ => None,
        }
    }

    /// A key for the focused field: text and editing keys in a text field,
    /// Left and Right on a choice. Whether it took the key.
    pub fn handle_key(&mut self, key: Key) -> bool {
        if let Some(Value::Choice { options, at }) =
            self.fields.get_mut(self.focus).map(|f| &mut f.value)
        {
            let n = options.len().max(1);
            return match (key.code, key.mods) {
                (KeyCode::Right, KeyModifiers::NONE) => {
                    *at = (*at + 1) % n;
                    true
                }
                (KeyCode::Left, KeyModifiers::NONE) => {
                    *at = (*at + n - 1) % n;
                    true
                }
                _ => false,
            };
        }
        self.input_mut().is_some_and(|input| input.edit(key))
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(input) = self.input_mut() {
            input.insert_str(text);
        }
    }

    /// Whether a text field has the focus.
    pub fn typing(&self) -> bool {
        matches!(
            self.fields.get(self.focus).map(|f| &f.value),
            Some(Value::Text(_))
        )
    }

    /// Draws the form in a panel titled `title`, with the muted `note`
    /// (a locale key) below the fields.
    pub fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect, title: &str, note: &str) {
        let t = view.i18n;
        let inner = panel(view, frame, area, title, Role::Focus);
        let label_w = self
            .fields
            .iter()
            .map(|f| display_width(t.t(f.label)))
            .max()
            .unwrap_or(8)
            + 2;
        let mut rows = Layout::vertical(
            self.fields
                .iter()
                .map(|_| Constraint::Length(1))
                .chain([Constraint::Length(1), Constraint::Min(0)]),
        )
        .split(inner)
        .to_vec();
        let note_area = rows.remove(self.fields.len() + 1);
        for (i, (field, row)) in self.fields.iter().zip(rows).enumerate() {
            let focused = self.focus == i;
            let label_role = if focused { Role::Focus } else { Role::Text };
            let label_cols = u16::try_from(label_w).unwrap_or(row.width).min(row.width);
            frame.render_widget(
                Span::styled(
                    pad_to_width(t.t(field.label), label_w),
                    view.style(label_role),
                ),
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
            match &field.value {
                Value::Text(input) => {
                    let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
                    let w = u16::try_from(field.cols).unwrap_or(value.width);
                    let field_rect = Rect {
                        width: value.width.min(w),
                        ..value
                    };
                    frame.render_widget(
                        Span::styled(" ".repeat(usize::from(field_rect.width)), style),
                        field_rect,
                    );
                    input.draw(frame, field_rect, style, focused && !view.covered);
                }
                Value::Choice { options, at } => {
                    let text = options.get(*at).map(|k| t.t(k)).unwrap_or_default();
                    let role = if focused { Role::Selection } else { Role::Text };
                    let spans = vec![
                        Span::styled("< ".to_string(), view.style(Role::Muted)),
                        Span::styled(text.to_string(), view.style(role)),
                        Span::styled(" >".to_string(), view.style(Role::Muted)),
                    ];
                    frame.render_widget(fit_line(spans, usize::from(value.width)), value);
                }
            }
        }
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                clean_fit(t.t(note), usize::from(inner.width)),
                view.style(Role::Muted),
            ))),
            note_area,
        );
    }
}
