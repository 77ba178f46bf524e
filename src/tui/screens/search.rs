//! The search screen: one box (the service works out what was typed) and
//! the results, with strong badges for moved-out, deceased and 支援措置.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use crate::api::{Permission, ResidentSummary};
use crate::domain::resident::{ResidentStatus, Sex};
use crate::tui::app::{App, SearchFocus};
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::theme::Role;
use crate::tui::ui::{fit_line, panel, style};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let search = &app.search;
    let [input_area, count_area, table_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);

    let focused = search.focus == SearchFocus::Input && app.popup.is_none() && !app.help;
    let border = if focused { Role::Focus } else { Role::Border };
    let inner = panel(app, frame, input_area, "search.title", border);
    if search.input.is_empty() {
        // Only roles that may search by My Number are told they can.
        let by_number = app
            .session
            .as_ref()
            .is_some_and(|s| s.permissions.contains(&Permission::SearchByMyNumber));
        let placeholder = if by_number {
            "search.placeholder"
        } else {
            "search.placeholder_no_my_number"
        };
        let hint = clean_fit(t.t(placeholder), usize::from(inner.width));
        frame.render_widget(Span::styled(hint, style(app, Role::Muted)), inner);
        if focused {
            frame.set_cursor_position((inner.x, inner.y));
        }
    } else {
        search
            .input
            .draw(frame, inner, style(app, Role::Text), focused);
    }

    if search.searched {
        let count = t.tf("search.count", &[("n", &search.results.len().to_string())]);
        let mut spans = vec![Span::styled(count, style(app, Role::Muted))];
        if search.truncated {
            // Kept beside the count, so it stays while the clerk looks.
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                t.tf("search.truncated", &[("n", &search.limit.to_string())]),
                style(app, Role::Warning),
            ));
        }
        frame.render_widget(fit_line(spans, usize::from(count_area.width)), count_area);
    }
    if !search.results.is_empty() {
        draw_table(app, frame, table_area);
    }
}

/// Column widths for the table at this width: fixed columns first, what is
/// left shared by name, kana and address.
fn widths(app: &App, rows: &[ResidentSummary], total: u16) -> [u16; 7] {
    let t = &app.i18n;
    let header_w = |key: &str| display_width(t.t(key));
    let number = rows
        .iter()
        .map(|r| display_width(&r.person_number))
        .chain([header_w("field.person_number")])
        .max()
        .unwrap_or(10)
        .min(14);
    let birth = 10usize.max(header_w("field.birth_date"));
    let sex = header_w("field.sex")
        .max(display_width(t.t("sex.male")))
        .max(display_width(t.t("sex.female")));
    let badges = rows.iter().map(|r| badge_width(app, r)).max().unwrap_or(0);
    let fixed = number + birth + sex + badges + 6; // six gaps of one column
    let rest = usize::from(total).saturating_sub(fixed);
    let name = (rest * 3 / 10).max(4);
    let kana = (rest * 3 / 10).max(4);
    let address = rest.saturating_sub(name + kana);
    let c = |w: usize| u16::try_from(w).unwrap_or(u16::MAX);
    [
        c(number),
        c(name),
        c(kana),
        c(birth),
        c(sex),
        c(address),
        c(badges),
    ]
}

/// The badges of a row: text too, so they show without colour.
pub fn badges(app: &App, status: ResidentStatus, support: bool) -> Vec<Span<'static>> {
    let t = &app.i18n;
    let mut spans = Vec::new();
    match status {
        ResidentStatus::MovedOut => spans.push(Span::styled(
            t.t("badge.moved_out").to_string(),
            style(app, Role::BadgeMovedOut),
        )),
        ResidentStatus::Deceased => spans.push(Span::styled(
            t.t("badge.deceased").to_string(),
            style(app, Role::BadgeDeceased),
        )),
        ResidentStatus::Resident => {}
    }
    if support {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            t.t("badge.support").to_string(),
            style(app, Role::BadgeSupport),
        ));
    }
    spans
}

fn badge_width(app: &App, row: &ResidentSummary) -> usize {
    badges(app, row.status, row.support_measure)
        .iter()
        .map(|s| display_width(&s.content))
        .sum()
}

pub fn sex_label(app: &App, sex: Sex) -> String {
    app.i18n.t(&format!("sex.{}", sex.as_str())).to_string()
}

fn draw_table(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let search = &app.search;
    // Two columns go to the "> " marker of the selected row.
    let w = widths(app, &search.results, area.width.saturating_sub(2));
    let fit = |text: &str, i: usize| clean_fit(text, usize::from(w[i]));
    let header = Row::new(
        [
            "field.person_number",
            "field.name",
            "field.kana",
            "field.birth_date",
            "field.sex",
            "field.address",
            "field.status",
        ]
        .iter()
        .enumerate()
        .map(|(i, key)| Cell::from(fit(t.t(key), i))),
    )
    .style(style(app, Role::Muted));
    let rows: Vec<Row> = search
        .results
        .iter()
        .map(|r| {
            let name_style = if r.support_measure {
                style(app, Role::SensitiveRecord)
            } else {
                style(app, Role::Text)
            };
            let address = match &r.address {
                Some(a) => Cell::from(fit(a, 5)),
                None => Cell::from(Span::styled(
                    fit(t.t("field.hidden"), 5),
                    style(app, Role::Masked),
                )),
            };
            Row::new(vec![
                Cell::from(fit(&r.person_number, 0)),
                Cell::from(Span::styled(fit(&r.name, 1), name_style)),
                Cell::from(fit(&r.kana, 2)),
                Cell::from(fit(&r.birth_date, 3)),
                Cell::from(fit(&sex_label(app, r.sex), 4)),
                address,
                Cell::from(Line::from(badges(app, r.status, r.support_measure))),
            ])
        })
        .collect();
    let focused = search.focus == SearchFocus::Results && app.popup.is_none() && !app.help;
    let highlight = if focused {
        style(app, Role::Selection)
    } else {
        style(app, Role::Focus)
    };
    let table = Table::new(rows, w.map(Constraint::Length))
        .header(header)
        .column_spacing(1)
        .style(style(app, Role::Text))
        .row_highlight_style(highlight)
        .highlight_symbol("> ")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(search.selected));
    frame.render_stateful_widget(table, area, &mut state);
}
