//! Overlays: the key help (generated from the keymap) and confirm popups.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::app::{App, Popup, Screen};
use crate::tui::i18n::Lang;
use crate::tui::keymap::{Binding, Layer};
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::ui::{fit_line, style};
use crate::tui::update::{locked_global, screen_layer};

/// A box of `width` x `height` in the middle of `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
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

/// One line per command: its keys and what it does.
fn entries(app: &App, layer: Layer) -> Vec<(String, String)> {
    let mut out: Vec<(Command, Vec<String>, String)> = Vec::new();
    for Binding { key, command, desc } in app.keymap.bindings(layer) {
        if let Some(entry) = out.iter_mut().find(|(c, _, _)| c == command) {
            entry.1.push(key.label());
            continue;
        }
        let text = match app.i18n.lang() {
            Lang::Ja => app
                .i18n
                .t(&format!("action.{}", command.name()))
                .to_string(),
            Lang::En if desc.is_empty() => app
                .i18n
                .t(&format!("action.{}", command.name()))
                .to_string(),
            Lang::En => clean(desc),
        };
        out.push((*command, vec![key.label()], text));
    }
    out.into_iter()
        .filter(|(c, _, _)| *c != Command::Reveal || reveal_allowed(app))
        .filter(|(c, _, _)| {
            // On the lock screen only the global keys that act there.
            layer != Layer::Global || app.screen != Screen::Locked || locked_global(*c)
        })
        .map(|(_, keys, text)| (keys.join(", "), text))
        .collect()
}

fn reveal_allowed(app: &App) -> bool {
    app.record.as_ref().is_some_and(|r| r.record.can_reveal)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let layer = screen_layer(app.screen);
    let mut rows = if layer == Layer::Global {
        Vec::new() // a screen with no keys of its own
    } else {
        entries(app, layer)
    };
    rows.extend(entries(app, Layer::Global));
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
    let popup = centred(area, width.max(30), height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style(app, Role::Focus))
        .title(Span::styled(
            format!(" {} ", t.t("help.title")),
            style(app, Role::Text),
        ))
        .title_bottom(Span::styled(
            format!(" {} ", t.t("help.close")),
            style(app, Role::Muted),
        ));
    let inner = block.inner(popup);
    clear_popup(frame, popup);
    frame.render_widget(block, popup);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(keys, text)| {
            fit_line(
                vec![
                    Span::styled(pad_to_width(&keys, key_w), style(app, Role::Key)),
                    Span::styled(text, style(app, Role::Text)),
                ],
                width,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_confirm(app: &App, popup: Popup, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let message = match popup {
        Popup::ConfirmReveal => t.t("confirm.reveal"),
        Popup::ConfirmLogout => t.t("confirm.logout"),
    };
    let rect = centred(area, 56, 7);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style(app, Role::Warning))
        .title(Span::styled(
            format!(" {} ", t.t("confirm.title")),
            style(app, Role::Warning),
        ));
    let inner = block.inner(rect);
    clear_popup(frame, rect);
    frame.render_widget(block, rect);
    let mut hint = Vec::new();
    for command in [Command::Confirm, Command::Cancel] {
        if let Some(key) = app.keymap.key_for(Layer::Confirm, command) {
            hint.push(Span::styled(key.label(), style(app, Role::Key)));
            hint.push(Span::styled(
                format!(" {}  ", t.t(&format!("action.{}", command.name()))),
                style(app, Role::Text),
            ));
        }
    }
    let lines = vec![
        Line::from(Span::styled(message.to_string(), style(app, Role::Text))),
        Line::default(),
        fit_line(hint, usize::from(inner.width)),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
