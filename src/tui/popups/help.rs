//! The key help over a screen, generated from the keymap: the screen's own
//! commands that act now, then the global keys that act there. It scrolls
//! when the screen is too short for it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState,
};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::i18n::Lang;
use crate::tui::keymap::{Binding, Keymap, Layer};
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::fit_line;

/// The help, open over `screen` (whose keys it lists). A list longer than
/// the screen scrolls with the help's keys, which its bottom line names.
pub struct HelpOverlay<'a> {
    pub screen: &'a dyn Component,
    pub keymap: &'a Keymap,
    /// The first row shown, as last asked for (held to what fits).
    pub scroll: usize,
    /// The screen's body, where the help is drawn.
    pub body: Rect,
}

/// One line of the help: a command, its keys, and the keymap's `desc`.
struct Entry {
    command: Command,
    keys: Vec<String>,
    desc: String,
}

impl HelpOverlay<'_> {
    /// One entry per command of `layer` that `acts`.
    fn layer_entries(&self, layer: Layer, acts: impl Fn(Command) -> bool) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for Binding { key, command, desc } in self.keymap.bindings(layer) {
            if let Some(entry) = out.iter_mut().find(|e| e.command == *command) {
                entry.keys.push(key.label());
                continue;
            }
            out.push(Entry {
                command: *command,
                keys: vec![key.label()],
                desc: desc.clone(),
            });
        }
        out.retain(|e| acts(e.command));
        out
    }

    /// The screen's own commands that act now, then the global keys that
    /// act there.
    fn entries(&self) -> Vec<Entry> {
        let screen = self.screen;
        let mut rows = match screen.layer() {
            Some(layer) => self.layer_entries(layer, |c| screen.offers(c)),
            None => Vec::new(), // a screen with no keys of its own
        };
        rows.extend(self.layer_entries(Layer::Global, |c| screen.takes_global(c)));
        rows
    }

    /// The popup's height for `rows` lines in the body: a blank line under
    /// the list when there is room.
    fn height(&self, rows: usize) -> u16 {
        u16::try_from(rows + 3)
            .unwrap_or(u16::MAX)
            .min(self.body.height)
    }

    /// How many lines show at once.
    fn visible(&self, rows: usize) -> usize {
        usize::from(self.height(rows).saturating_sub(2)).min(rows)
    }

    /// The furthest the list scrolls: its last line at the bottom.
    fn max_scroll(&self, rows: usize) -> usize {
        rows.saturating_sub(self.visible(rows))
    }

    fn first_row(&self, rows: usize) -> usize {
        self.scroll.min(self.max_scroll(rows))
    }

    /// Whether the list is longer than the popup.
    fn overflows(&self) -> bool {
        self.max_scroll(self.entries().len()) > 0
    }

    /// Where a scroll command takes the list.
    fn scrolled(&self, command: Command) -> Option<usize> {
        let rows = self.entries().len();
        let max = self.max_scroll(rows);
        let page = self.visible(rows).max(1);
        let at = self.first_row(rows);
        Some(match command {
            Command::SelectNext => (at + 1).min(max),
            Command::SelectPrev => at.saturating_sub(1),
            Command::PageDown => (at + page).min(max),
            Command::PageUp => at.saturating_sub(page),
            Command::First => 0,
            Command::Last => max,
            _ => return None,
        })
    }

    /// "Down/Up to scroll", from the help's own keys.
    fn scroll_note(&self, view: &View<'_>) -> Option<String> {
        let keys: Vec<String> = [Command::SelectNext, Command::SelectPrev]
            .into_iter()
            .filter_map(|c| self.keymap.key_for(Layer::Help, c))
            .map(|k| k.label())
            .collect();
        (!keys.is_empty()).then(|| view.i18n.tf("help.scroll", &[("keys", &keys.join("/"))]))
    }
}

impl Component for HelpOverlay<'_> {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Help)
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        if command == Command::Back {
            return Outcome::Consumed(vec![Request::CloseHelp]);
        }
        match self.scrolled(command) {
            Some(to) => Outcome::Consumed(vec![Request::ScrollHelp(to)]),
            None => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![Hint::new(Command::Back, "hint.back")];
        if self.overflows() {
            hints.push(Hint::new(Command::SelectNext, "hint.scroll"));
        }
        hints
    }

    /// Help again closes it; quit and log out act as everywhere.
    fn takes_global(&self, command: Command) -> bool {
        matches!(command, Command::Quit | Command::Help | Command::Logout)
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let rows: Vec<(String, String)> = self
            .entries()
            .into_iter()
            .map(|e| {
                let text = match view.i18n.lang() {
                    Lang::En if !e.desc.is_empty() => clean(&e.desc),
                    Lang::Ja | Lang::En => t.t(&format!("action.{}", e.command.name())).to_string(),
                };
                (e.keys.join(", "), text)
            })
            .collect();
        let key_w = rows
            .iter()
            .map(|(k, _)| display_width(k))
            .max()
            .unwrap_or(0)
            + 2;
        let text_w = rows
            .iter()
            .map(|(_, d)| display_width(d))
            .max()
            .unwrap_or(0);
        let overflows = self.max_scroll(rows.len()) > 0;
        let close = format!(" {} ", t.t("help.close"));
        let mut bottom = vec![Span::styled(close, view.style(Role::Muted))];
        if overflows && let Some(note) = self.scroll_note(view) {
            bottom.push(Span::styled(format!(" {note} "), view.style(Role::Key)));
        }
        let bottom_w: usize = bottom.iter().map(|s| display_width(&s.content)).sum();
        let width = u16::try_from((key_w + text_w + 4).max(bottom_w + 2)).unwrap_or(u16::MAX);
        let popup = popup_area(area, width.max(30), self.height(rows.len()));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(view.style(Role::Focus))
            .title(Span::styled(
                format!(" {} ", t.t("help.title")),
                view.style(Role::Text),
            ))
            .title_bottom(Line::from(bottom));
        let inner = block.inner(popup);
        clear_popup(view, frame, popup);
        frame.render_widget(block, popup);
        let width = usize::from(inner.width);
        let count = rows.len();
        let first = self.first_row(count);
        let shown = self.visible(count);
        let lines: Vec<Line> = rows
            .into_iter()
            .skip(first)
            .take(shown)
            .map(|(keys, text)| {
                fit_line(
                    vec![
                        Span::styled(pad_to_width(&keys, key_w), view.style(Role::Key)),
                        Span::styled(text, view.style(Role::Text)),
                    ],
                    width,
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
        if overflows {
            // On the right border, beside the lines.
            let track = Rect {
                y: inner.y,
                height: inner.height,
                ..popup
            };
            let scrollbar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None)
                .track_symbol(Some("│"))
                .track_style(view.style(Role::Focus))
                .thumb_symbol("┃")
                .thumb_style(view.style(Role::Focus).add_modifier(Modifier::BOLD));
            let mut state = ScrollbarState::new(self.max_scroll(count) + 1)
                .position(first)
                .viewport_content_length(shown);
            frame.render_stateful_widget(scrollbar, track, &mut state);
        }
    }
}
