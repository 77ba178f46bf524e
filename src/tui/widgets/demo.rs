//! The DEMO panel of `bansho demo`: accounts with their PINs and live codes,
//! on the login screen (every account), the lock screen (the locked
//! user's) and a transfer's sign-off form (the IT officers'). A code the service has already accepted is not shown: its cell
//! says it was used, with the time until the next one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::DemoAccount;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::theme::Role;
use crate::tui::view::View;

use super::line::fit_line;

/// Rows the panel needs for `accounts`: borders, heading, note.
pub fn height(accounts: usize) -> u16 {
    u16::try_from(accounts)
        .unwrap_or(u16::MAX)
        .saturating_add(4)
}

/// The role and department of a demo account, as the header names them.
pub fn role_label(view: &View<'_>, account: &DemoAccount) -> String {
    let t = view.i18n;
    format!(
        "{} {}",
        t.t(&format!("department.{}", account.department.as_str())),
        t.t(&format!("role.{}", account.role.as_str()))
    )
}

/// The panel, framed and marked DEMO, in `area`.
pub fn draw(view: &View<'_>, accounts: &[DemoAccount], frame: &mut Frame, area: Rect) {
    let t = view.i18n;
    let demo = view.style(Role::Demo);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(demo)
        .title(Span::styled(format!(" {} ", t.t("login.demo_title")), demo));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);

    let rows: Vec<[String; 4]> = accounts
        .iter()
        .map(|a| {
            let code = match a.used {
                true => t.t("login.demo_used").to_string(),
                false => a.code.clone(),
            };
            [
                a.user_id.clone(),
                role_label(view, a),
                a.pin.expose().to_string(),
                code,
            ]
        })
        .collect();
    let heading = [
        t.t("login.user_id").to_string(),
        String::new(),
        t.t("login.pin").to_string(),
        t.t("login.code").to_string(),
    ];
    // Each column as wide as its widest cell, one column free after it.
    let mut columns = [0usize; 4];
    for row in rows.iter().chain(std::iter::once(&heading)) {
        for (w, cell) in columns.iter_mut().zip(row) {
            *w = (*w).max(display_width(cell) + 1);
        }
    }
    let heading: String = heading
        .iter()
        .zip(columns)
        .map(|(cell, w)| pad_to_width(&clean_fit(cell, w - 1), w))
        .collect();
    let mut lines = vec![Line::from(Span::styled(
        clean_fit(&heading, width),
        view.style(Role::Muted),
    ))];
    for (account, row) in accounts.iter().zip(&rows) {
        let seconds = account.seconds_left.to_string();
        let (when, role) = match account.used {
            true => (t.tf("login.demo_next", &[("n", &seconds)]), Role::Warning),
            false => (t.tf("login.demo_seconds", &[("n", &seconds)]), Role::Text),
        };
        let [user, label, pin, code] = row;
        let lead: String = [user, label, pin]
            .iter()
            .zip(columns)
            .map(|(cell, w)| pad_to_width(&clean_fit(cell, w - 1), w))
            .collect();
        lines.push(fit_line(
            vec![
                Span::styled(lead, view.style(Role::Text)),
                Span::styled(pad_to_width(code, columns[3]), view.style(role)),
                Span::styled(when, view.style(role)),
            ],
            width,
        ));
    }
    lines.push(Line::from(Span::styled(
        clean_fit(t.t("login.demo_note"), width),
        demo,
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
