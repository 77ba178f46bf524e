//! The "read as" line above the search results: how the service read each
//! term of the box (`カナ ヤマダ、生年月日 1993-01-01 で検索`), so a clerk sees
//! at once when, say, a name was taken for an address.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use crate::api::{ReadTerm, TermKind};
use crate::tui::sanitize::clean;
use crate::tui::theme::Role;
use crate::tui::view::View;

use super::line::fit_line;

/// The locale key naming a kind of term.
pub fn kind_key(kind: TermKind) -> &'static str {
    match kind {
        TermKind::MyNumber => "read_as.my_number",
        TermKind::PersonNumber => "read_as.person_number",
        TermKind::BirthDate => "read_as.birth_date",
        TermKind::Reading => "read_as.reading",
        TermKind::Name => "read_as.name",
        TermKind::Address => "read_as.address",
    }
}

/// The spans of the line: the sentence around the terms (`read_as.line`,
/// with `{terms}` where they go), each kind highlighted and each value as
/// the service sent it, made safe to draw.
pub fn read_as_spans(view: &View<'_>, terms: &[ReadTerm]) -> Vec<Span<'static>> {
    let muted = view.style(Role::Muted);
    let sentence = view.t("read_as.line");
    let (before, after) = sentence.split_once("{terms}").unwrap_or((sentence, ""));
    let mut spans = vec![Span::styled(before.to_owned(), muted)];
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(view.t("read_as.separator").to_owned(), muted));
        }
        spans.push(Span::styled(
            view.t(kind_key(term.kind)).to_owned(),
            view.style(Role::Info),
        ));
        if let Some(shown) = &term.shown {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(clean(shown), view.style(Role::Text)));
        }
    }
    spans.push(Span::styled(after.to_owned(), muted));
    spans
}

/// Draws the line in `area`, cut to its width.
pub fn read_as(view: &View<'_>, frame: &mut Frame, area: Rect, terms: &[ReadTerm]) {
    let line = fit_line(read_as_spans(view, terms), usize::from(area.width));
    frame.render_widget(line, area);
}
