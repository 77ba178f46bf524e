//! The summary shown before a keying is submitted: how many fields were
//! keyed, the fields the checks still refuse, and each warning of the last
//! refusal with the reason the clerk gives for it. Nothing goes to the
//! service until the clerk says yes here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::action::Command;
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::path_label;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::fit_line;

use super::keying::{KeyingScreen, shown_text};

const WIDTH: u16 = 70;

/// The open summary: which reason has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub focus: usize,
}

impl Summary {
    pub fn new(focus: usize) -> Summary {
        Summary { focus }
    }
}

/// Draws the summary over `area`.
pub fn draw(view: &View<'_>, frame: &mut Frame, area: Rect, screen: &KeyingScreen, s: &Summary) {
    let t = view.i18n;
    let form = &screen.form;
    let schema = form.schema();
    let errors = form.error_count();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let width = usize::from(WIDTH.min(area.width).saturating_sub(2));
    let text = |key: &str, args: &[(&str, &str)], role: Role| {
        fit_line(vec![Span::styled(t.tf(key, args), view.style(role))], width)
    };
    lines.push(text(
        "summary.keyed",
        &[
            ("n", &form.keyed_count().to_string()),
            ("of", &form.fields().len().to_string()),
        ],
        Role::Text,
    ));
    if errors > 0 {
        lines.push(text(
            "summary.errors",
            &[("n", &errors.to_string())],
            Role::Error,
        ));
        // The first few fields with errors, by label.
        for field in form
            .fields()
            .iter()
            .filter(|f| form.error_of(f).is_some())
            .take(3)
        {
            let label = path_label(t, schema, &field.path.to_string());
            lines.push(fit_line(
                vec![Span::styled(format!("  {label}"), view.style(Role::Error))],
                width,
            ));
        }
    } else {
        lines.push(text("summary.no_errors", &[], Role::Text));
    }
    let mut reason_rows = Vec::new();
    if !screen.reasons.is_empty() {
        lines.push(text(
            "summary.warnings",
            &[("n", &screen.reasons.len().to_string())],
            Role::Warning,
        ));
        for (i, reason) in screen.reasons.iter().enumerate() {
            let fields: Vec<String> = reason
                .problem
                .fields
                .iter()
                .map(|f| path_label(t, schema, f))
                .collect();
            let marker = if i == s.focus { "> " } else { "  " };
            lines.push(fit_line(
                vec![Span::styled(
                    format!(
                        "{marker}{} ({})",
                        shown_text(view, &reason.problem),
                        fields.join(", ")
                    ),
                    view.style(Role::Warning),
                )],
                width,
            ));
            reason_rows.push(lines.len());
            lines.push(Line::default());
        }
    }
    lines.push(Line::default());
    let mut keys = Vec::new();
    let confirm = if errors > 0 {
        "summary.to_errors"
    } else {
        "summary.submit"
    };
    for (command, label) in [
        (Command::Confirm, confirm),
        (Command::Cancel, "summary.back"),
    ] {
        if let Some(key) = view.keymap.key_for(Layer::Summary, command) {
            keys.push(Span::styled(key.label(), view.style(Role::Key)));
            keys.push(Span::styled(
                format!(" {}  ", t.t(label)),
                view.style(Role::Text),
            ));
        }
    }
    lines.push(fit_line(keys, width));

    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = popup_area(area, WIDTH, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(view.style(Role::Warning))
        .title(Span::styled(
            format!(" {} ", t.t("summary.title")),
            view.style(Role::Warning),
        ));
    let inner = block.inner(rect);
    clear_popup(view, frame, rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);

    // Each reason's input on the row under its warning.
    let label = t.t("summary.reason");
    let label_w = display_width(label) + 5;
    for (i, (row, reason)) in reason_rows.iter().zip(&screen.reasons).enumerate() {
        let Ok(row) = u16::try_from(*row) else {
            continue;
        };
        let y = inner.y + row;
        if y >= inner.bottom() {
            break;
        }
        let label_cols = u16::try_from(label_w).unwrap_or(0).min(inner.width);
        frame.render_widget(
            Span::styled(
                pad_to_width(&format!("    {label}"), label_w),
                view.style(Role::Muted),
            ),
            Rect::new(inner.x, y, label_cols, 1),
        );
        let field = Rect::new(
            inner.x + label_cols,
            y,
            inner.width.saturating_sub(label_cols),
            1,
        );
        let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(
                clean_fit(
                    &" ".repeat(usize::from(field.width)),
                    usize::from(field.width),
                ),
                style,
            ),
            field,
        );
        reason
            .input
            .draw(frame, field, style, i == s.focus && !view.covered);
    }
}
