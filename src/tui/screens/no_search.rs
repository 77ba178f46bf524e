//! After login, for a role whose work needs no resident data (the IT
//! officer): a short notice in place of a search box the service would
//! refuse, with the key that logs out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::keymap::Layer;
use crate::tui::theme::Role;
use crate::tui::ui::{centred, panel, style};

const BOX_WIDTH: u16 = 64;
/// Border, notice (up to three rows), blank, how to log out, border.
const BOX_HEIGHT: u16 = 7;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let area = centred(area, BOX_WIDTH, BOX_HEIGHT);
    let inner = panel(app, frame, area, "no_search.title", Role::Border);
    let mut lines = vec![
        Line::from(Span::styled(
            t.t("no_search.notice").to_string(),
            style(app, Role::Text),
        )),
        Line::default(),
    ];
    if let Some(key) = app.keymap.key_for(Layer::Global, Command::Logout) {
        lines.push(Line::from(Span::styled(
            t.tf("no_search.logout", &[("key", &key.label())]),
            style(app, Role::Muted),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
