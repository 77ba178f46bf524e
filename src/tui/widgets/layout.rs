//! Where boxes go, painting the ground, and clearing it under a popup.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Clear;

use crate::tui::sanitize::display_width;
use crate::tui::view::View;

/// The rows of the frame: header, body (the screen), the message area
/// (`message_rows` high), hints.
pub fn frame_areas(area: Rect, message_rows: u16) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(message_rows),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Paints `area` with the theme's background and text colour, so nothing
/// drawn on it depends on the terminal's own colours (a dark theme on a
/// white terminal stays light on dark).
pub fn paint_ground(view: &View<'_>, frame: &mut Frame, area: Rect) {
    frame.buffer_mut().set_style(area, view.theme.base());
}

/// A box of `width` x `height` in the middle of `area` (smaller if `area`
/// is): where the login, purpose, lock and notice panels go.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let [_, row, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    centred_columns(row, width)
}

/// `area` narrowed to `width` columns in its middle, every row kept.
pub fn centred_columns(area: Rect, width: u16) -> Rect {
    let width = width.min(area.width);
    Rect {
        x: area.x + (area.width - width) / 2,
        width,
        ..area
    }
}

/// A popup of `width` x `height` in the middle of `area`, rounding up and
/// left (smaller if `area` is).
pub fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Clears `rect` for a popup and paints it with the theme's ground, also
/// blanking any double-width character cut in half by its left or right
/// edge (which would otherwise leave half a character, or shift the border,
/// on a real terminal).
pub fn clear_popup(view: &View<'_>, frame: &mut Frame, rect: Rect) {
    let ground = view.theme.base();
    let buffer = frame.buffer_mut();
    let bounds = buffer.area;
    for y in rect.top()..rect.bottom() {
        if rect.left() > bounds.left() {
            let cell = &mut buffer[(rect.left() - 1, y)];
            if display_width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
        if rect.right() > rect.left() && rect.right() < bounds.right() {
            let last = rect.right() - 1;
            if display_width(buffer[(last, y)].symbol()) > 1 {
                // The hidden half behind it, shown now: in the ground's colours.
                buffer[(rect.right(), y)].set_symbol(" ").set_style(ground);
            }
        }
    }
    frame.render_widget(Clear, rect);
    paint_ground(view, frame, rect);
}
