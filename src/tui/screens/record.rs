//! A resident's record as this session may see it. The My Number line exists
//! only when the service sent a masked number; a revealed number is held in
//! a `Secret` and dropped when the record is left.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::screens::search::{badges, sex_label};
use crate::tui::theme::Role;
use crate::tui::ui::{fit_line, panel, style};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.i18n;
    let Some(state) = &app.record else { return };
    let r = &state.record;
    let border = if r.support_measure {
        Role::SensitiveRecord
    } else {
        Role::Border
    };
    let inner = panel(app, frame, area, "record.title", border);

    let keys = [
        "field.person_number",
        "field.name",
        "field.kana",
        "field.birth_date",
        "field.sex",
        "field.postal_code",
        "field.address",
        "field.status",
        "field.my_number",
    ];
    let label_w = keys
        .iter()
        .map(|k| display_width(t.t(k)))
        .max()
        .unwrap_or(8)
        + 2;
    let text = style(app, Role::Text);
    let width = usize::from(inner.width);
    let line = |key: &str, value: Vec<Span<'static>>| -> Line<'static> {
        let mut spans = vec![Span::styled(
            pad_to_width(t.t(key), label_w),
            style(app, Role::Muted),
        )];
        spans.extend(value);
        fit_line(spans, width)
    };

    let mut lines = vec![
        line(
            "field.person_number",
            vec![Span::styled(clean(&r.person_number), text)],
        ),
        line("field.name", vec![Span::styled(clean(&r.name), text)]),
        line("field.kana", vec![Span::styled(clean(&r.kana), text)]),
        line(
            "field.birth_date",
            vec![Span::styled(birth_date_with_era(&r.birth_date), text)],
        ),
        line("field.sex", vec![Span::styled(sex_label(app, r.sex), text)]),
    ];
    if let Some(postal) = &r.postal_code {
        lines.push(line(
            "field.postal_code",
            vec![Span::styled(clean(postal), text)],
        ));
    }
    if r.address_hidden {
        lines.push(line(
            "field.address",
            vec![Span::styled(
                t.t("field.address_hidden").to_string(),
                style(app, Role::Masked),
            )],
        ));
    } else if let Some(address) = &r.address {
        lines.push(line(
            "field.address",
            vec![Span::styled(clean(address), text)],
        ));
    }
    let mut status = vec![Span::styled(
        t.t(&format!("status.{}", r.status.as_str())).to_string(),
        text,
    )];
    let marks = badges(app, r.status, r.support_measure);
    if !marks.is_empty() {
        status.push(Span::raw("  "));
        status.extend(marks);
    }
    lines.push(line("field.status", status));

    if let Some(masked) = &r.my_number_masked {
        let value = match &state.revealed {
            Some(full) => vec![
                Span::styled(clean(full.expose()), style(app, Role::SensitiveRecord)),
                Span::raw("  "),
                Span::styled(
                    t.t("record.revealed_note").to_string(),
                    style(app, Role::Warning),
                ),
            ],
            None => vec![Span::styled(clean(masked), style(app, Role::Masked))],
        };
        lines.push(line("field.my_number", value));
    }

    if r.can_reveal
        && state.revealed.is_none()
        && let Some(key) = app.keymap.key_for(Layer::Record, Command::Reveal)
    {
        lines.push(Line::default());
        lines.push(fit_line(
            vec![
                Span::styled(key.label(), style(app, Role::Key)),
                Span::styled(
                    format!(" {}", t.t("action.reveal")),
                    style(app, Role::Muted),
                ),
            ],
            width,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The date as sent, with its 和暦 form beside it, as clerks read dates on
/// paper forms: `1993-01-01 (平成5年1月1日)`.
fn birth_date_with_era(iso: &str) -> String {
    let shown = clean(iso);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&shown, &format) {
        Ok(date) if crate::domain::wareki::to_wareki(date).is_some() => {
            format!("{shown} ({})", crate::domain::wareki::format_wareki(date))
        }
        _ => shown,
    }
}
