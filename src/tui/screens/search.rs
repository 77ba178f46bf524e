//! The search screen: one box (the service works out what was typed) and
//! the results, with strong badges for moved-out, deceased and 支援措置.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::api::{Permission, ReadTerm, ResidentRecord, ResidentSummary, SearchResponse};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::history::History;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::read_as::read_as;
use crate::tui::widgets::results::{ResultsTable, position};

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
    /// This session's searches, for Up in the empty box; dropped with the
    /// screen at lock and logout.
    pub history: History,
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
            history: History::default(),
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
                self.history.record(&query);
                // The status line says "searching" once the wait is
                // noticeable; the last search's message goes now.
                vec![
                    Request::Status(None),
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
                    Request::Status(None),
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

    /// Up/Down in the search box walk this session's searches: Up from an
    /// empty box, and on while the box shows one. Returns whether it did.
    fn recall(&mut self, command: Command) -> bool {
        if self.focus != SearchFocus::Input {
            return false;
        }
        let shown = self.input.text();
        let recalled = match command {
            Command::SelectPrev => self.history.older(shown),
            Command::SelectNext => self.history.newer(shown),
            _ => None,
        };
        let Some(text) = recalled else {
            return false;
        };
        self.input.clear();
        self.input.insert_str(text);
        true
    }

    /// Esc while a search or a record is awaited: the wait ends here and
    /// the late answer is dropped (the service still did the work, and its
    /// access log says so).
    fn stop_waiting(&mut self) {
        self.pending = None;
        self.opening = None;
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
            Command::SelectNext | Command::SelectPrev if self.recall(command) => {}
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
            Command::Back if self.waiting().is_some() => {
                self.stop_waiting();
                return Outcome::Consumed(vec![Request::note(Level::Info, "wait.stopped")]);
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
        let mut hints = Vec::new();
        if self.waiting().is_some() {
            hints.push(Hint::new(Command::Back, "wait.stop_hint"));
        }
        hints.extend([
            Hint::new(Command::Submit, "hint.submit_search"),
            Hint::new(Command::SelectNext, "hint.select_next"),
        ]);
        hints
    }

    fn typing(&self) -> bool {
        self.focus == SearchFocus::Input
    }

    fn waiting(&self) -> Option<&'static str> {
        if self.opening.is_some() {
            Some("search.opening")
        } else if self.pending.is_some() {
            Some("search.in_progress")
        } else {
            None
        }
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
            self.draw_count(view, frame, count_area);
        }
        if !self.results.is_empty() {
            ResultsTable {
                rows: &self.results,
                selected: self.selected,
                focused: self.focus == SearchFocus::Results && !view.covered,
            }
            .draw(view, frame, table_area);
        }
    }
}

impl SearchScreen {
    /// The count (and the truncation warning beside it) on the left, the
    /// position of the selection ("12/50") at the right edge, where it is
    /// kept when the warning has to be cut.
    fn draw_count(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
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
        let width = usize::from(area.width);
        let at = if self.results.is_empty() {
            String::new()
        } else {
            position(view, self.selected, self.results.len())
        };
        // One column short of the edge: the scrollbar's column below.
        let at_w = display_width(&at) + 1;
        let left = fit_line(spans, width.saturating_sub(at_w + 2));
        let pad = width.saturating_sub(left.width() + at_w);
        let mut spans = left.spans;
        if !at.is_empty() && width >= at_w {
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(at, view.style(Role::Muted)));
        }
        frame.render_widget(Line::from(spans), area);
    }
}
