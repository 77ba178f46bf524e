//! The message area above the key hints: the status line's message in full,
//! wrapped by display width (a run of Japanese breaks at the column where
//! it no longer fits, English at spaces), on as many rows as it needs up to
//! a cap. Only a message longer than the cap is cut, with "~"; the message
//! log shows it whole.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::sanitize::{clean, clean_fit, display_width};
use crate::tui::status::{Level, Note, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;

/// At most this many rows, and never more than a third of the screen.
pub const MAX_ROWS: u16 = 4;

/// The text of a note in the terminal's language, sanitized.
pub fn note_text(view: &View<'_>, note: &Note) -> String {
    match note {
        Note::Local { key, args } => {
            let cleaned: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, clean(v))).collect();
            let refs: Vec<(&str, &str)> = cleaned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            clean(&view.i18n.tf(key, &refs))
        }
        Note::Service(text) => clean(text),
    }
}

/// The theme role a message of `level` is drawn in.
pub fn level_role(level: Level) -> Role {
    match level {
        Level::Info => Role::Info,
        Level::Warning => Role::Warning,
        Level::Error => Role::Error,
    }
}

/// `text` (already sanitized) in rows of at most `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    if width == 0 {
        return Vec::new();
    }
    let options = textwrap::Options::new(width).break_words(true);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|row| row.into_owned())
        .collect()
}

/// The rows the message area takes on a screen `screen_height` rows high:
/// one when there is no message (the line stays, so screens do not jump).
pub fn rows(view: &View<'_>, status: Option<&Status>, width: u16, screen_height: u16) -> u16 {
    let Some(status) = status else { return 1 };
    let cap = MAX_ROWS.min(screen_height / 3).max(1);
    let needed = wrap(&note_text(view, &status.note), usize::from(width)).len();
    u16::try_from(needed).unwrap_or(u16::MAX).clamp(1, cap)
}

pub fn draw(view: &View<'_>, status: Option<&Status>, frame: &mut Frame, area: Rect) {
    let Some(status) = status else { return };
    let style = view.style(level_role(status.level));
    let width = usize::from(area.width);
    let mut rows = wrap(&note_text(view, &status.note), width);
    let fits = usize::from(area.height);
    if rows.len() > fits {
        rows.truncate(fits);
        if let Some(last) = rows.last_mut() {
            // One column more than fits forces the "~" onto the cut row.
            let forced = format!("{last}{}", " ".repeat(width + 1 - display_width(last)));
            *last = clean_fit(&forced, width);
        }
    }
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|row| Line::from(Span::styled(row, style)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}
