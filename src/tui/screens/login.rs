//! The login screen: user ID, PIN, code; in `bansho demo` a clearly marked
//! panel of demo accounts and their current codes. The business purpose is
//! chosen after login, from the department's own ([`super::purpose`]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::app::{App, LoginField};
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::ui::{fit_line, panel, style};

const FORM_WIDTH: u16 = 64;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let (form_area, demo_area) = match &app.demo {
        Some(_) => {
            let want = u16::try_from(app.demo_accounts.len())
                .unwrap_or(u16::MAX)
                .saturating_add(4);
            let demo_height = want.min(area.height / 2);
            let [form, demo] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(demo_height)]).areas(area);
            (form, Some(demo))
        }
        None => (area, None),
    };
    // Three fields and the borders.
    let form_height = 5;
    let [_, form_area, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(form_height),
        Constraint::Fill(1),
    ])
    .areas(form_area);
    draw_form(app, frame, centre(form_area, FORM_WIDTH));
    if let Some(demo) = demo_area {
        draw_demo(app, frame, centre(demo, 76));
    }
}

fn centre(area: Rect, width: u16) -> Rect {
    let width = width.min(area.width);
    Rect {
        x: area.x + (area.width - width) / 2,
        width,
        ..area
    }
}

fn draw_form(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let login = &app.login;
    let inner = panel(app, frame, area, "login.title", Role::Border);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let labels = [
        (LoginField::UserId, "login.user_id"),
        (LoginField::Pin, "login.pin"),
        (LoginField::Code, "login.code"),
    ];
    let label_width = labels
        .iter()
        .map(|(_, key)| display_width(t.t(key)))
        .max()
        .unwrap_or(0)
        + 3;
    let label_cols = u16::try_from(label_width)
        .unwrap_or(16)
        .min(inner.width / 2);
    let field_x = inner.x + label_cols;
    let field_width = inner.width.saturating_sub(label_cols + 1);

    for (y, (field, key)) in (inner.y..).zip(labels) {
        if y >= inner.bottom() {
            return;
        }
        let focused = login.focus == field && !login.busy && app.popup.is_none() && !app.help;
        let marker = if focused { "> " } else { "  " };
        let label_style = if focused {
            style(app, Role::Focus)
        } else {
            style(app, Role::Text)
        };
        let label = pad_to_width(&format!("{marker}{}", t.t(key)), usize::from(label_cols));
        frame.render_widget(
            Span::styled(label, label_style),
            Rect::new(inner.x, y, label_cols, 1),
        );
        let field_area = Rect::new(field_x, y, field_width, 1);
        let input = match field {
            LoginField::UserId => &login.user_id,
            LoginField::Pin => &login.pin,
            LoginField::Code => &login.code,
        };
        // An underline shows where the field is, even when empty.
        let field_style = style(app, Role::Text).add_modifier(ratatui::style::Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(field_width)), field_style),
            field_area,
        );
        input.draw(frame, field_area, field_style, focused);
    }
}

fn draw_demo(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let demo = style(app, Role::Demo);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(demo)
        .title(Span::styled(format!(" {} ", t.t("login.demo_title")), demo));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let columns = [12usize, 24, 14, 12, 10];
    let row = |cells: [String; 5]| -> String {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(columns) {
            // One column always left free between cells.
            out.push_str(&pad_to_width(&clean_fit(cell, w - 1), w));
        }
        out
    };
    let mut lines = vec![Line::from(Span::styled(
        clean_fit(
            &row([
                t.t("login.user_id").to_string(),
                String::new(),
                t.t("login.pin").to_string(),
                t.t("login.code").to_string(),
                String::new(),
            ]),
            width,
        ),
        style(app, Role::Muted),
    ))];
    for account in &app.demo_accounts {
        let text = row([
            account.user_id.clone(),
            account.label.clone(),
            account.pin.expose().to_string(),
            account.code.clone(),
            t.tf(
                "login.demo_seconds",
                &[("n", &account.seconds_left.to_string())],
            ),
        ]);
        lines.push(fit_line(
            vec![Span::styled(text, style(app, Role::Text))],
            width,
        ));
    }
    lines.push(Line::from(Span::styled(
        clean_fit(t.t("login.demo_note"), width),
        demo,
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
