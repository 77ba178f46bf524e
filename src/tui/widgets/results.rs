//! The search results as a table: name and kana as wide as the longest
//! value (up to a cap), the address gets the rest, the status column fixed
//! at the right edge so it stays in its place from one search to the next.
//! When the width is short, the least needed columns go first. The selected
//! row looks different when the list has the keys, and a scrollbar shows
//! where the selection is in a list longer than the screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Cell, HighlightSpacing, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, TableState,
};

use crate::api::ResidentSummary;
use crate::tui::sanitize::{clean, clean_fit, display_width};
use crate::tui::theme::Role;
use crate::tui::view::View;

use super::resident::{badges, sex_label};

/// The "> " before the selected row.
const MARKER: &str = "> ";
/// Columns no name or reading needs more of; longer ones are cut with "~".
const NAME_CAP: usize = 20;
const KANA_CAP: usize = 24;
/// Below these, a reading or an address is too cut to be of use.
const KANA_MIN: usize = 12;
const ADDRESS_MIN: usize = 10;
/// A date as sent: `1980-04-01`.
const DATE_WIDTH: usize = 10;
const NUMBER_CAP: usize = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Number,
    Name,
    Kana,
    Birth,
    Sex,
    Address,
    Status,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Number,
        Column::Name,
        Column::Kana,
        Column::Birth,
        Column::Sex,
        Column::Address,
        Column::Status,
    ];

    /// The order columns are left out in when the table is too narrow:
    /// name, date of birth and status always stay.
    const DROPPED_FIRST: [Column; 4] = [Column::Sex, Column::Address, Column::Number, Column::Kana];

    fn header_key(self) -> &'static str {
        match self {
            Column::Number => "field.person_number",
            Column::Name => "field.name",
            Column::Kana => "field.kana",
            Column::Birth => "field.birth_date",
            Column::Sex => "field.sex",
            Column::Address => "field.address",
            Column::Status => "field.status",
        }
    }
}

/// The columns shown at `total` columns and their widths, left to right.
pub fn columns(view: &View<'_>, rows: &[ResidentSummary], total: usize) -> Vec<(Column, usize)> {
    let t = view.i18n;
    let header = |c: Column| display_width(t.t(c.header_key()));
    // Measured as drawn: a control shows as a two-column marker.
    let longest = |c: Column, value: &dyn Fn(&ResidentSummary) -> &str| {
        rows.iter()
            .map(|r| display_width(&clean(value(r))))
            .chain([header(c)])
            .max()
            .unwrap_or(0)
    };
    let number = longest(Column::Number, &|r| &r.person_number).min(NUMBER_CAP);
    let name_want = longest(Column::Name, &|r| &r.name).min(NAME_CAP);
    let kana_want = longest(Column::Kana, &|r| &r.kana).min(KANA_CAP);
    // The least each column takes: the name all of itself (it is what the
    // clerk reads first), the reading and the address a few characters.
    let least = |c: Column| match c {
        Column::Number => number,
        Column::Name => name_want,
        Column::Kana => kana_want.min(KANA_MIN),
        Column::Birth => DATE_WIDTH.max(header(c)),
        Column::Sex => header(c)
            .max(display_width(t.t("sex.male")))
            .max(display_width(t.t("sex.female"))),
        Column::Address => ADDRESS_MIN.max(header(c)),
        Column::Status => status_width(view),
    };

    let mut shown: Vec<Column> = Column::ALL.to_vec();
    let need = |shown: &[Column]| -> usize {
        shown.iter().map(|c| least(*c)).sum::<usize>() + shown.len().saturating_sub(1)
    };
    for dropped in Column::DROPPED_FIRST {
        if need(&shown) <= total {
            break;
        }
        shown.retain(|c| *c != dropped);
    }

    // What the fixed columns and the gaps leave goes to the name, then the
    // reading (up to what they hold), and the rest to the address.
    let has = |c: Column| shown.contains(&c);
    let flexible = |c: &Column| matches!(c, Column::Name | Column::Kana | Column::Address);
    let fixed: usize = shown
        .iter()
        .filter(|c| !flexible(c))
        .map(|c| least(*c))
        .sum();
    let rest = total.saturating_sub(fixed + shown.len().saturating_sub(1));
    let address_floor = if has(Column::Address) {
        least(Column::Address)
    } else {
        0
    };
    let name = name_want.min(rest);
    let kana = if has(Column::Kana) {
        kana_want.min(rest.saturating_sub(name + address_floor))
    } else {
        0
    };
    let mut widths: Vec<(Column, usize)> = shown
        .iter()
        .map(|c| {
            let width = match c {
                Column::Name => name,
                Column::Kana => kana,
                Column::Address => address_floor,
                other => least(*other),
            };
            (*c, width)
        })
        .collect();
    // The spare goes to the address, or without one to the reading (else
    // the name), so the status column always ends at the right edge.
    let spare = rest.saturating_sub(name + kana + address_floor);
    let grows = [Column::Address, Column::Kana, Column::Name]
        .into_iter()
        .find(|c| has(*c));
    if let Some((_, width)) = widths.iter_mut().find(|(c, _)| Some(*c) == grows) {
        *width += spare;
    }
    widths
}

/// The widest the status column can need: its header, or the widest badge
/// with the support badge beside it. It does not depend on the results.
fn status_width(view: &View<'_>) -> usize {
    let t = view.i18n;
    let status = display_width(t.t("badge.moved_out")).max(display_width(t.t("badge.deceased")));
    let both = status + 1 + display_width(t.t("badge.support"));
    both.max(display_width(t.t("field.status")))
}

/// "12/50": where the selection is in the list.
pub fn position(view: &View<'_>, selected: usize, len: usize) -> String {
    view.i18n.tf(
        "search.position",
        &[
            ("at", &(selected + 1).min(len).to_string()),
            ("n", &len.to_string()),
        ],
    )
}

/// The results list, drawn from what the search screen holds.
pub struct ResultsTable<'a> {
    pub rows: &'a [ResidentSummary],
    pub selected: usize,
    /// The list has the keys (not the search box, no popup over it).
    pub focused: bool,
}

impl ResultsTable<'_> {
    pub fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        // The marker before, the scrollbar after: always kept, so the
        // columns do not move when the list grows longer than the screen.
        let marker = display_width(MARKER);
        let total = usize::from(area.width).saturating_sub(marker + 1);
        let columns = columns(view, self.rows, total);
        let header = Row::new(
            columns
                .iter()
                .map(|(c, w)| Cell::from(clean_fit(view.t(c.header_key()), *w))),
        )
        .style(view.style(Role::Muted));
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|r| Row::new(columns.iter().map(|(c, w)| cell(view, r, *c, *w))))
            .collect();
        let highlight = if self.focused {
            view.style(Role::Selection)
        } else {
            view.style(Role::SelectionUnfocused)
        };
        let widths = columns
            .iter()
            .map(|(_, w)| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX)));
        let table_area = Rect {
            width: area.width.saturating_sub(1),
            ..area
        };
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .style(view.style(Role::Text))
            .row_highlight_style(highlight)
            .highlight_symbol(MARKER)
            .highlight_spacing(HighlightSpacing::Always);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);

        let visible = usize::from(area.height.saturating_sub(1));
        if self.rows.len() > visible {
            self.draw_scrollbar(view, frame, area, visible);
        }
    }

    /// A scrollbar in the last column, beside the rows (not the header):
    /// the borders' lines, light for the track and heavy for the thumb, no
    /// arrows (they are ambiguous-width characters).
    fn draw_scrollbar(&self, view: &View<'_>, frame: &mut Frame, area: Rect, visible: usize) {
        let rows = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let thumb = if self.focused {
            Role::Focus
        } else {
            Role::Border
        };
        let scrollbar = Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .track_style(view.style(Role::Border))
            .thumb_symbol("┃")
            .thumb_style(view.style(thumb).add_modifier(Modifier::BOLD));
        let mut state = ScrollbarState::new(self.rows.len().saturating_sub(visible) + 1)
            .position(self.scroll_offset(visible))
            .viewport_content_length(visible);
        frame.render_stateful_widget(scrollbar, rows, &mut state);
    }

    /// The first row the table shows: the selection is kept in view at the
    /// bottom once it is past the first screen (as the table draws it).
    fn scroll_offset(&self, visible: usize) -> usize {
        (self.selected + 1).saturating_sub(visible)
    }
}

/// One cell of a row, cut to its column.
fn cell(view: &View<'_>, r: &ResidentSummary, column: Column, width: usize) -> Cell<'static> {
    let t = view.i18n;
    let fit = |text: &str| clean_fit(text, width);
    match column {
        Column::Number => Cell::from(fit(&r.person_number)),
        Column::Name => {
            let style = if r.support_measure {
                view.style(Role::SensitiveRecord)
            } else {
                view.style(Role::Text)
            };
            Cell::from(Span::styled(fit(&r.name), style))
        }
        Column::Kana => Cell::from(fit(&r.kana)),
        Column::Birth => Cell::from(fit(&r.birth_date)),
        Column::Sex => Cell::from(fit(&sex_label(view, r.sex))),
        Column::Address => match &r.address {
            Some(a) => Cell::from(fit(a)),
            None => Cell::from(Span::styled(
                fit(t.t("field.hidden")),
                view.style(Role::Masked),
            )),
        },
        Column::Status => Cell::from(Line::from(badges(view, r.status, r.support_measure))),
    }
}
