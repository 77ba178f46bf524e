//! The idle-lock screen: a notice, the locked session's user ID, and the PIN
//! and code fields that unlock it. Nothing else of the session is drawn (no
//! staff name, no purpose, no record); the state holds nothing else either.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::app::{App, LockField};
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::ui::{centred, style};

const BOX_WIDTH: u16 = 64;
/// Notice (two rows), prompt, blank, user ID, PIN, code, blank, other user.
const BOX_HEIGHT: u16 = 11;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let Some(lock) = &app.lock else { return };
    let t = &app.i18n;
    let area = centred(area, BOX_WIDTH, BOX_HEIGHT);
    let block = Block::default()
        .borders(Borders::ALL)
        .padding(Padding::horizontal(1))
        .border_style(style(app, Role::Warning))
        .title(Span::styled(
            format!(" {} ", t.t("lock.title")),
            style(app, Role::Warning),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let [notice, prompt, _, user, pin, code, _, other] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let text = |key: &str, role: Role| {
        Paragraph::new(Span::styled(t.t(key).to_string(), style(app, role)))
            .wrap(Wrap { trim: true })
    };
    frame.render_widget(text("lock.notice", Role::Text), notice);
    frame.render_widget(text("lock.prompt", Role::Muted), prompt);

    let labels = ["login.user_id", "login.pin", "login.code"];
    let label_width = labels
        .iter()
        .map(|key| display_width(t.t(key)))
        .max()
        .unwrap_or(0)
        + 3;
    let label_cols = u16::try_from(label_width)
        .unwrap_or(16)
        .min(inner.width / 2);
    let field = |row: Rect| Rect {
        x: row.x + label_cols,
        width: row.width.saturating_sub(label_cols + 1),
        ..row
    };
    let label = |frame: &mut Frame, row: Rect, key: &str, focused: bool| {
        let marker = if focused { "> " } else { "  " };
        let role = if focused { Role::Focus } else { Role::Text };
        frame.render_widget(
            Span::styled(
                pad_to_width(&format!("{marker}{}", t.t(key)), usize::from(label_cols)),
                style(app, role),
            ),
            Rect {
                width: label_cols,
                ..row
            },
        );
    };

    label(frame, user, "login.user_id", false);
    frame.render_widget(
        Span::styled(clean(&lock.user_id), style(app, Role::Text)),
        field(user),
    );
    let can_type = !lock.busy && app.popup.is_none() && !app.help;
    for (row, key, which, input) in [
        (pin, "login.pin", LockField::Pin, &lock.pin),
        (code, "login.code", LockField::Code, &lock.code),
    ] {
        let focused = can_type && lock.focus == which;
        label(frame, row, key, focused);
        let area = field(row);
        let field_style = style(app, Role::Text).add_modifier(Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(area.width)), field_style),
            area,
        );
        input.draw(frame, area, field_style, focused);
    }

    if let Some(key) = app.keymap.key_for(Layer::Lock, Command::SwitchUser) {
        let line = t.tf("lock.other_user", &[("key", &key.label())]);
        frame.render_widget(
            Paragraph::new(Span::styled(line, style(app, Role::Muted))).wrap(Wrap { trim: true }),
            other,
        );
    }
}
