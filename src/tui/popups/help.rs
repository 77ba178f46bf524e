//! The key help over a screen, generated from the keymap: the screen's own
//! commands that act now, then the global keys that act there.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::i18n::Lang;
use crate::tui::keymap::{Binding, Layer};
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::fit_line;

/// The help, open over `screen` (whose keys it lists).
pub struct HelpOverlay<'a> {
    pub screen: &'a dyn Component,
}

impl HelpOverlay<'_> {
    /// One line per command of `layer` that `acts`: its keys and what it
    /// does.
    fn entries(
        &self,
        view: &View<'_>,
        layer: Layer,
        acts: impl Fn(Command) -> bool,
    ) -> Vec<(String, String)> {
        let mut out: Vec<(Command, Vec<String>, String)> = Vec::new();
        for Binding { key, command, desc } in view.keymap.bindings(layer) {
            if let Some(entry) = out.iter_mut().find(|(c, _, _)| c == command) {
                entry.1.push(key.label());
                continue;
            }
            let text = match view.i18n.lang() {
                Lang::En if !desc.is_empty() => clean(desc),
                Lang::Ja | Lang::En => view
                    .i18n
                    .t(&format!("action.{}", command.name()))
                    .to_string(),
            };
            out.push((*command, vec![key.label()], text));
        }
        out.into_iter()
            .filter(|(c, _, _)| acts(*c))
            .map(|(_, keys, text)| (keys.join(", "), text))
            .collect()
    }
}

impl Component for HelpOverlay<'_> {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Help)
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Back => Outcome::Consumed(vec![Request::CloseHelp]),
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        vec![Hint::new(Command::Back, "hint.back")]
    }

    /// Help again closes it; quit and log out act as everywhere.
    fn takes_global(&self, command: Command) -> bool {
        matches!(command, Command::Quit | Command::Help | Command::Logout)
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let screen = self.screen;
        let mut rows = match screen.layer() {
            Some(layer) => self.entries(view, layer, |c| screen.offers(c)),
            None => Vec::new(), // a screen with no keys of its own
        };
        rows.extend(self.entries(view, Layer::Global, |c| screen.takes_global(c)));
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
        let width = u16::try_from(key_w + text_w + 4).unwrap_or(u16::MAX);
        let height = u16::try_from(rows.len() + 3).unwrap_or(u16::MAX);
        let popup = popup_area(area, width.max(30), height);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(view.style(Role::Focus))
            .title(Span::styled(
                format!(" {} ", t.t("help.title")),
                view.style(Role::Text),
            ))
            .title_bottom(Span::styled(
                format!(" {} ", t.t("help.close")),
                view.style(Role::Muted),
            ));
        let inner = block.inner(popup);
        clear_popup(view, frame, popup);
        frame.render_widget(block, popup);
        let width = usize::from(inner.width);
        let lines: Vec<Line> = rows
            .into_iter()
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
    }
}
