//! One row of a small form of text fields (the lock screen, the PIN
//! change): a label marked `> ` when its field has the focus, then the
//! field, underlined, with what was typed (a secret as `*`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::tui::sanitize::{display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;

/// The columns the labels of `keys` take (with their marker and a gap),
/// at most half of `width`.
pub fn label_columns(view: &View<'_>, keys: &[&str], width: u16) -> u16 {
    let widest = keys
        .iter()
        .map(|key| display_width(view.t(key)))
        .max()
        .unwrap_or(0)
        + 3;
    u16::try_from(widest).unwrap_or(16).min(width / 2)
}

/// The label of the locale key `key` in the first `label_cols` of `row`.
pub fn label(
    view: &View<'_>,
    frame: &mut Frame,
    row: Rect,
    label_cols: u16,
    key: &str,
    focused: bool,
) {
    let marker = if focused { "> " } else { "  " };
    let role = if focused { Role::Focus } else { Role::Text };
    frame.render_widget(
        Span::styled(
            pad_to_width(&format!("{marker}{}", view.t(key)), usize::from(label_cols)),
            view.style(role),
        ),
        Rect {
            width: label_cols,
            ..row
        },
    );
}

/// The rest of `row` after the label.
pub fn field_area(row: Rect, label_cols: u16) -> Rect {
    Rect {
        x: row.x + label_cols,
        width: row.width.saturating_sub(label_cols + 1),
        ..row
    }
}

/// A labelled text field: the label, then the input on an underlined field.
pub fn draw(
    view: &View<'_>,
    frame: &mut Frame,
    row: Rect,
    label_cols: u16,
    key: &str,
    input: &TextInput,
    focused: bool,
) {
    label(view, frame, row, label_cols, key, focused);
    let area = field_area(row, label_cols);
    let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
    frame.render_widget(
        Span::styled(" ".repeat(usize::from(area.width)), style),
        area,
    );
    input.draw(frame, area, style, focused);
}
