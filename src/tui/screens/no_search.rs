//! After login, for a role whose work needs no resident data (the IT
//! officer): a short notice in place of a search box the service would
//! refuse, with the keys that open the work screen (its transfers and the
//! day's erasure plan to approve) and that log out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome};
use crate::tui::keymap::Layer;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::centred;
use crate::tui::widgets::panel::panel;

const BOX_WIDTH: u16 = 64;
/// Border, notice (up to three rows), blank, the work screen's key, how to
/// log out, border.
const BOX_HEIGHT: u16 = 8;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoSearchScreen;

impl Component for NoSearchScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::NoSearch)
    }

    fn run(&mut self, _command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        Outcome::NotConsumed
    }

    fn hints(&self) -> Vec<Hint> {
        vec![Hint::new(Command::WorkList, "hint.work_screen")]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let area = centred(area, BOX_WIDTH, BOX_HEIGHT);
        let inner = panel(view, frame, area, "no_search.title", Role::Border);
        let mut lines = vec![
            Line::from(Span::styled(
                t.t("no_search.notice").to_string(),
                view.style(Role::Text),
            )),
            Line::default(),
        ];
        if let Some(key) = view.keymap.key_for(Layer::NoSearch, Command::WorkList) {
            lines.push(Line::from(Span::styled(
                t.tf("no_search.work", &[("key", &key.label())]),
                view.style(Role::Muted),
            )));
        }
        if let Some(key) = view.keymap.key_for(Layer::Global, Command::Logout) {
            lines.push(Line::from(Span::styled(
                t.tf("no_search.logout", &[("key", &key.label())]),
                view.style(Role::Muted),
            )));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}
