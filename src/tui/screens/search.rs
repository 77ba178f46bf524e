//! The search screen: one box (the service works out what was typed) and
//! the results, with strong badges for moved-out, deceased and 支援措置.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table, TableState};

use crate::api::{Permission, ReadTerm, ResidentRecord, ResidentSummary, SearchResponse};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::read_as::read_as;
use crate::tui::widgets::resident::{badges, sex_label};

use super::PAGE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchFocus {
    Input,
    Results,
}

#[derive(Debug)]
pub struct SearchScreen {
    pub input: TextInput,
    pub focus: SearchFocus,
    pub results: Vec<ResidentSummary>,
    /// How the service read the box for these results.
    pub read_as: Vec<ReadTerm>,
    pub truncated: bool,
    pub limit: usize,
    pub selected: usize,
    /// Whether a search has completed (to tell "no results" from "not yet").
    pub searched: bool,
    /// The number of the search whose answer is awaited; older answers are
    /// dropped.
    pub pending: Option<u64>,
    /// The person whose record is being fetched.
    pub opening: Option<String>,
}

impl Default for SearchScreen {
    fn default() -> Self {
        SearchScreen::new()
    }
}

impl SearchScreen {
    pub fn new() -> SearchScreen {
        SearchScreen {
            input: TextInput::new(128),
            focus: SearchFocus::Input,
            results: Vec::new(),
            read_as: Vec::new(),
            truncated: false,
            limit: 0,
            selected: 0,
            searched: false,
            pending: None,
            opening: None,
        }
    }

    /// Back from a record: to the results if asked and there are any.
    pub fn return_to(&mut self, results: bool) {
        self.focus = if results && !self.results.is_empty() {
            SearchFocus::Results
        } else {
            SearchFocus::Input
        };
    }

    fn submit(&mut self, ctx: &mut Ctx<'_>) -> Vec<Request> {
        match self.focus {
            SearchFocus::Input => {
                let query = self.input.text().trim().to_string();
                if query.is_empty() {
                    return vec![];
                }
                let seq = ctx.next_seq();
                self.pending = Some(seq);
                vec![
                    Request::note(Level::Info, "search.in_progress"),
                    Request::Effect(Effect::Search { seq, query }),
                ]
            }
            SearchFocus::Results => {
                let Some(row) = self.results.get(self.selected) else {
                    return vec![];
                };
                let person = row.person_number.clone();
                self.opening = Some(person.clone());
                vec![
                    Request::note(Level::Info, "search.opening"),
                    Request::Effect(Effect::OpenRecord(person)),
                ]
            }
        }
    }

    fn select(&mut self, command: Command) {
        if self.results.is_empty() {
            return;
        }
        if self.focus == SearchFocus::Input {
            // The first move only leaves the search box.
            self.focus = SearchFocus::Results;
            return;
        }
        let last = self.results.len() - 1;
        let at = self.selected;
        self.selected = match command {
            Command::SelectNext => (at + 1).min(last),
            Command::SelectPrev => at.saturating_sub(1),
            Command::PageDown => (at + PAGE).min(last),
            Command::PageUp => at.saturating_sub(PAGE),
            Command::First => 0,
            Command::Last => last,
            _ => at,
        };
    }

    /// A search's answer; only the newest request's is shown.
    pub fn searched(&mut self, seq: u64, result: Result<SearchResponse, Failure>) -> Vec<Request> {
        if self.pending != Some(seq) {
            return vec![]; // an older search
        }
        self.pending = None;
        match result {
            Ok(response) => {
                self.results = response.results;
                self.read_as = response.read_as;
                self.truncated = response.truncated;
                self.limit = response.limit;
                self.selected = 0;
                self.searched = true;
                // The focus stays in the box: Enter there always searches,
                // and a record opens only from the list (Down, then Enter),
                // so a second Enter is never an accidental, logged view.
                if self.results.is_empty() {
                    vec![Request::note(Level::Info, "search.no_results")]
                } else {
                    // A truncated result says so beside the count.
                    vec![Request::Status(None)]
                }
            }
            Err(failure) => {
                // The last results belong to another query: they go, so
                // nobody opens the wrong person under the error.
                self.clear_results();
                vec![Request::Failed(failure)]
            }
        }
    }

    fn clear_results(&mut self) {
        self.results.clear();
        self.read_as.clear();
        self.truncated = false;
        self.limit = 0;
        self.selected = 0;
        self.searched = false;
        self.focus = SearchFocus::Input;
    }

    /// The record asked for from the results; dropped unless it is the one
    /// being opened.
    pub fn record_loaded(
        &mut self,
        person: &str,
        result: Result<Box<ResidentRecord>, Failure>,
    ) -> Vec<Request> {
        if self.opening.as_deref() != Some(person) {
            return vec![];
        }
        self.opening = None;
        match result {
            Ok(record) => vec![Request::Status(None), Request::ShowRecord(record)],
            Err(failure) => vec![Request::Failed(failure)],
        }
    }
}

impl Component for SearchScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Search)
    }

    fn handle_key(&mut self, key: Key, ctx: &mut Ctx<'_>) -> Outcome {
        match self.focus {
            SearchFocus::Input if self.input.edit(key) => Outcome::consumed(),
            // Typing in the results list goes back to the search box, unless
            // the key means something there.
            SearchFocus::Results
                if key.is_bare_char()
                    && ctx.keymap.lookup(Layer::Search, key).is_none()
                    && ctx.keymap.lookup(Layer::Global, key).is_none() =>
            {
                self.focus = SearchFocus::Input;
                self.input.edit(key);
                Outcome::consumed()
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Submit => return Outcome::Consumed(self.submit(ctx)),
            Command::SelectNext
            | Command::SelectPrev
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last => self.select(command),
            Command::NextField | Command::PrevField => {
                self.focus = match self.focus {
                    SearchFocus::Input if !self.results.is_empty() => SearchFocus::Results,
                    _ => SearchFocus::Input,
                }
            }
            Command::Back | Command::FocusSearch => self.focus = SearchFocus::Input,
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn paste(&mut self, text: &str) {
        self.focus = SearchFocus::Input;
        self.input.insert_str(text);
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Submit, "hint.submit_search"),
            Hint::new(Command::SelectNext, "hint.select_next"),
        ]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let read_as_rows = u16::from(!self.read_as.is_empty());
        let [input_area, read_as_area, count_area, table_area] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(read_as_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);

        let focused = self.focus == SearchFocus::Input && !view.covered;
        let border = if focused { Role::Focus } else { Role::Border };
        let inner = panel(view, frame, input_area, "search.title", border);
        if self.input.is_empty() {
            // Only roles that may search by My Number are told they can.
            let by_number = view
                .session
                .is_some_and(|s| s.permissions.contains(&Permission::SearchByMyNumber));
            let placeholder = if by_number {
                "search.placeholder"
            } else {
                "search.placeholder_no_my_number"
            };
            let hint = clean_fit(t.t(placeholder), usize::from(inner.width));
            frame.render_widget(Span::styled(hint, view.style(Role::Muted)), inner);
            if focused {
                frame.set_cursor_position((inner.x, inner.y));
            }
        } else {
            self.input
                .draw(frame, inner, view.style(Role::Text), focused);
        }

        read_as(view, frame, read_as_area, &self.read_as);
        if self.searched {
            let count = t.tf("search.count", &[("n", &self.results.len().to_string())]);
            let mut spans = vec![Span::styled(count, view.style(Role::Muted))];
            if self.truncated {
                // Kept beside the count, so it stays while the clerk looks.
                spans.push(Span::raw("  "));
                spans.push(Span::styled(
                    t.tf("search.truncated", &[("n", &self.limit.to_string())]),
                    view.style(Role::Warning),
                ));
            }
            frame.render_widget(fit_line(spans, usize::from(count_area.width)), count_area);
        }
        if !self.results.is_empty() {
            self.draw_table(view, frame, table_area);
        }
    }
}

/// Column widths for the table at this width: fixed columns first, what is
/// left shared by name, kana and address.
fn widths(view: &View<'_>, rows: &[ResidentSummary], total: u16) -> [u16; 7] {
    let t = view.i18n;
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
    let badges = rows.iter().map(|r| badge_width(view, r)).max().unwrap_or(0);
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

fn badge_width(view: &View<'_>, row: &ResidentSummary) -> usize {
    badges(view, row.status, row.support_measure)
        .iter()
        .map(|s| display_width(&s.content))
        .sum()
}

impl SearchScreen {
    fn draw_table(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        // Two columns go to the "> " marker of the selected row.
        let w = widths(view, &self.results, area.width.saturating_sub(2));
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
        .style(view.style(Role::Muted));
        let rows: Vec<Row> = self
            .results
            .iter()
            .map(|r| {
                let name_style = if r.support_measure {
                    view.style(Role::SensitiveRecord)
                } else {
                    view.style(Role::Text)
                };
                let address = match &r.address {
                    Some(a) => Cell::from(fit(a, 5)),
                    None => Cell::from(Span::styled(
                        fit(t.t("field.hidden"), 5),
                        view.style(Role::Masked),
                    )),
                };
                Row::new(vec![
                    Cell::from(fit(&r.person_number, 0)),
                    Cell::from(Span::styled(fit(&r.name, 1), name_style)),
                    Cell::from(fit(&r.kana, 2)),
                    Cell::from(fit(&r.birth_date, 3)),
                    Cell::from(fit(&sex_label(view, r.sex), 4)),
                    address,
                    Cell::from(Line::from(badges(view, r.status, r.support_measure))),
                ])
            })
            .collect();
        let focused = self.focus == SearchFocus::Results && !view.covered;
        let highlight = if focused {
            view.style(Role::Selection)
        } else {
            view.style(Role::Focus)
        };
        let table = Table::new(rows, w.map(Constraint::Length))
            .header(header)
            .column_spacing(1)
            .style(view.style(Role::Text))
            .row_highlight_style(highlight)
            .highlight_symbol("> ")
            .highlight_spacing(HighlightSpacing::Always);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }
}
