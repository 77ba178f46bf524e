//! Choosing the session's business purpose (業務) after login: only the
//! purposes of the user's department, as the service sent them, and none
//! chosen until the user picks one, so nobody is recorded under a purpose
//! they did not choose.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, purpose_choices};
use crate::tui::i18n::Lang;
use crate::tui::sanitize::{clean, clean_fit};
use crate::tui::theme::Role;
use crate::tui::ui::{centred, panel, style};

const WIDTH: u16 = 64;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let choices = purpose_choices(app);
    // The prompt, a blank line, the purposes (at most ten rows), borders.
    let rows = choices.len().clamp(1, 10);
    let height = u16::try_from(rows + 4).unwrap_or(14);
    let box_area = centred(area, WIDTH, height);
    let inner = panel(app, frame, box_area, "purpose.title", Role::Border);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let t = &app.i18n;
    let width = usize::from(inner.width);
    let mut lines = vec![
        Line::from(Span::styled(
            clean_fit(t.t("purpose.prompt"), width),
            style(app, Role::Text),
        )),
        Line::default(),
    ];
    if choices.is_empty() {
        lines.push(Line::from(Span::styled(
            clean_fit(t.t("purpose.none_configured"), width),
            style(app, Role::Error),
        )));
    }
    let visible = usize::from(inner.height.saturating_sub(2)).max(1);
    let first = app
        .purpose
        .selected
        .map_or(0, |i| i.saturating_sub(visible - 1));
    for (i, purpose) in choices.iter().enumerate().skip(first).take(visible) {
        let name = match t.lang() {
            Lang::Ja => &purpose.name_ja,
            Lang::En => &purpose.name_en,
        };
        let selected = app.purpose.selected == Some(i);
        let marker = if selected { "> " } else { "  " };
        let text = format!("{marker}{} ({})", clean(name), clean(&purpose.code));
        let role = if selected {
            Role::Selection
        } else {
            Role::Text
        };
        lines.push(Line::from(Span::styled(
            clean_fit(&text, width),
            style(app, role),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
