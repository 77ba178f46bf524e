//! The message log over the screen: the last messages of the status line,
//! newest at the bottom, each wrapped in full. Up/Down and PageUp/PageDown
//! scroll it (it is a list, like the help: no text field under it gets the
//! keys); the help's close keys or the log key again close it.

use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::display_width;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::message::{level_role, note_text, wrap};

/// Rows moved by PageUp/PageDown.
const PAGE: usize = 5;
/// No full log is taller than this many rows; drawing stops at its top.
const MAX_SCROLL: usize =
    crate::tui::status::LOG_CAPACITY * super::super::widgets::message::MAX_ROWS as usize;

/// The open log and how far it is scrolled up from the newest message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogPopup {
    pub scroll: usize,
}

impl LogPopup {
    /// The popup's box in `area` for `rows` rows of messages: as tall as
    /// they are, up to most of the area, which it leaves the edges of.
    fn area(area: Rect, rows: usize) -> Rect {
        let width = area.width.saturating_sub(4).max(20);
        let tall = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
        let height = tall.clamp(5, area.height.saturating_sub(2).max(5));
        popup_area(area, width, height)
    }

    /// Every message as rows of `width` columns: a level label, then the
    /// text wrapped under it with an indent.
    fn rows(view: &View<'_>, width: usize) -> Vec<Line<'static>> {
        let t = view.i18n;
        let mut out = Vec::new();
        for status in view.messages.entries() {
            let label = t.t(match status.level {
                crate::tui::status::Level::Info => "messages.info",
                crate::tui::status::Level::Warning => "messages.warning",
                crate::tui::status::Level::Error => "messages.error",
            });
            let indent = display_width(label) + 1;
            let style = view.style(level_role(status.level));
            let text = wrap(&note_text(view, &status.note), width.saturating_sub(indent));
            for (i, row) in text.into_iter().enumerate() {
                let lead = if i == 0 {
                    Span::styled(format!("{label} "), style)
                } else {
                    Span::raw(" ".repeat(indent))
                };
                out.push(Line::from(vec![
                    lead,
                    Span::styled(row, view.style(Role::Text)),
                ]));
            }
        }
        out
    }
}

impl Component for LogPopup {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Help)
    }

    /// Scrolling keys, before the keymap: the log is a list.
    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if !key.mods.is_empty() {
            return Outcome::NotConsumed;
        }
        let scroll = match key.code {
            KeyCode::Up => self.scroll.saturating_add(1),
            KeyCode::Down => self.scroll.saturating_sub(1),
            KeyCode::PageUp => self.scroll.saturating_add(PAGE),
            KeyCode::PageDown => self.scroll.saturating_sub(PAGE),
            KeyCode::End => 0,
            _ => return Outcome::NotConsumed,
        };
        self.scroll = scroll.min(MAX_SCROLL);
        Outcome::consumed()
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Back => Outcome::Consumed(vec![Request::CloseLog]),
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        vec![Hint::new(Command::Back, "hint.back")]
    }

    /// The log key again closes it; quit and log out act as everywhere.
    fn takes_global(&self, command: Command) -> bool {
        matches!(
            command,
            Command::Quit | Command::Logout | Command::MessageLog
        )
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        // The rows' width is the popup's less its borders.
        let width = usize::from(LogPopup::area(area, 0).width.saturating_sub(2));
        let mut rows = LogPopup::rows(view, width);
        if rows.is_empty() {
            rows.push(Line::from(Span::styled(
                t.t("messages.empty").to_string(),
                view.style(Role::Muted),
            )));
        }
        let popup = LogPopup::area(area, rows.len());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(view.style(Role::Focus))
            .title(Span::styled(
                format!(" {} ", t.t("messages.title")),
                view.style(Role::Text),
            ))
            .title_bottom(Span::styled(
                format!(" {} ", t.t("messages.keys")),
                view.style(Role::Muted),
            ));
        let inner = block.inner(popup);
        clear_popup(view, frame, popup);
        frame.render_widget(block, popup);
        // Newest at the bottom; scrolled up by `scroll` rows, never past
        // the oldest.
        let height = usize::from(inner.height);
        let top_most = rows.len().saturating_sub(height);
        let first = top_most.saturating_sub(self.scroll.min(top_most));
        let shown: Vec<Line> = rows.into_iter().skip(first).take(height).collect();
        frame.render_widget(Paragraph::new(shown), inner);
    }
}
