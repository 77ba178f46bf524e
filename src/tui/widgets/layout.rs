//! Where boxes go, and clearing the ground under a popup.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Clear;

use crate::tui::sanitize::display_width;

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

/// Clears `rect` for a popup, also blanking any double-width character cut
/// in half by its left or right edge (which would otherwise leave half a
/// character, or shift the border, on a real terminal).
pub fn clear_popup(frame: &mut Frame, rect: Rect) {
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
                buffer[(rect.right(), y)].set_symbol(" ");
            }
        }
    }
    frame.render_widget(Clear, rect);
}
