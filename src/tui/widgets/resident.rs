//! How a resident's status and sex are shown, in the results and the record.

use ratatui::text::Span;

use crate::domain::resident::{ResidentStatus, Sex};
use crate::tui::theme::Role;
use crate::tui::view::View;

/// The badges of a resident: text too, so they show without colour.
pub fn badges(view: &View<'_>, status: ResidentStatus, support: bool) -> Vec<Span<'static>> {
    let t = view.i18n;
    let mut spans = Vec::new();
    match status {
        ResidentStatus::MovedOut => spans.push(Span::styled(
            t.t("badge.moved_out").to_string(),
            view.style(Role::BadgeMovedOut),
        )),
        ResidentStatus::Deceased => spans.push(Span::styled(
            t.t("badge.deceased").to_string(),
            view.style(Role::BadgeDeceased),
        )),
        ResidentStatus::Resident => {}
    }
    if support {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            t.t("badge.support").to_string(),
            view.style(Role::BadgeSupport),
        ));
    }
    spans
}

pub fn sex_label(view: &View<'_>, sex: Sex) -> String {
    view.t(&format!("sex.{}", sex.as_str())).to_string()
}
