//! The entry work list (what this clerk has to key: own drafts, other
//! clerks' forms to key blind, fields asked again) and, for a supervisor,
//! the queue of entries to decide. Enter opens the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

use crate::api::entry::{EntryQueue, EntrySummary};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::screens::PAGE;
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::panel::panel;

use super::{Next, Open, form_title};

#[derive(Debug)]
pub struct ListScreen {
    /// The supervisor's decision queue rather than the keying work list.
    pub decisions: bool,
    pub entries: Vec<EntrySummary>,
    pub selected: usize,
    /// The list is on its way.
    pub loading: bool,
    next: Option<Next>,
}

impl ListScreen {
    pub fn new(decisions: bool) -> ListScreen {
        ListScreen {
            decisions,
            entries: Vec::new(),
            selected: 0,
            loading: false,
            next: None,
        }
    }

    pub fn loading(decisions: bool) -> ListScreen {
        ListScreen {
            loading: true,
            ..ListScreen::new(decisions)
        }
    }

    /// The work screen's tab this list is.
    pub fn tab(&self) -> Tab {
        if self.decisions {
            Tab::Decisions
        } else {
            Tab::Keying
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    pub fn loaded(&mut self, result: Result<EntryQueue, Failure>) -> Vec<Request> {
        self.loading = false;
        match result {
            Ok(queue) => {
                self.entries = queue.entries;
                self.selected = 0;
                Vec::new()
            }
            Err(failure) => {
                self.entries.clear();
                vec![Request::Failed(failure)]
            }
        }
    }

    /// How the selected entry opens: for a decision, for the second keying
    /// of another clerk's form, or as this clerk may see it.
    fn open_selected(&mut self) -> Vec<Request> {
        let Some(entry) = self.entries.get(self.selected) else {
            return Vec::new();
        };
        let id = entry.id.clone();
        let open = if self.decisions {
            Open::Decision(id)
        } else if entry.state == "awaiting_second" {
            Open::Second(id)
        } else {
            Open::View(id)
        };
        self.next = Some(Next::Open(open));
        vec![Request::Status(None)]
    }

    fn select(&mut self, command: Command) {
        let Some(last) = self.entries.len().checked_sub(1) else {
            return;
        };
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
}

impl Component for ListScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Entries)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::NextTab | Command::PrevTab => {
                let to = tabs::switch(ctx.session, self.tab(), command);
                return Outcome::Consumed(to.into_iter().collect());
            }
            Command::Submit if !self.loading => return Outcome::Consumed(self.open_selected()),
            Command::SelectNext
            | Command::SelectPrev
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last => self.select(command),
            Command::WorkList => {
                self.next = Some(Next::List {
                    decisions: self.decisions,
                })
            }
            Command::Back => {
                return Outcome::Consumed(vec![Request::BackToSearch { results: true }]);
            }
            Command::FocusSearch => {
                return Outcome::Consumed(vec![Request::BackToSearch { results: false }]);
            }
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Submit, "hint.open_entry"),
            Hint::new(Command::SelectNext, "hint.select_next"),
            Hint::new(Command::WorkList, "hint.work_list_again"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn waiting(&self) -> Option<&'static str> {
        self.loading.then_some("entry.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let title = if self.decisions {
            "entry.decisions_title"
        } else {
            "entry.work_title"
        };
        let area = tabs::draw_bar(view, frame, area, self.tab());
        let inner = panel(view, frame, area, title, Role::Border);
        if self.loading {
            return;
        }
        if self.entries.is_empty() {
            let text = if self.decisions {
                "entry.no_decisions"
            } else {
                "entry.no_work"
            };
            frame.render_widget(
                Paragraph::new(Span::styled(
                    clean_fit(t.t(text), usize::from(inner.width)),
                    view.style(Role::Muted),
                )),
                inner,
            );
            return;
        }
        let state_w = self
            .entries
            .iter()
            .map(|e| display_width(t.t(&state_key(e))))
            .chain([display_width(t.t("entry.column_state"))])
            .max()
            .unwrap_or(8);
        let form_w = self
            .entries
            .iter()
            .map(|e| display_width(&form_title(t, &e.form)))
            .max()
            .unwrap_or(8)
            .min(24);
        let person_w = 12;
        // Two columns go to the "> " marker, three to the gaps.
        let rest = usize::from(inner.width).saturating_sub(state_w + form_w + person_w + 5);
        let w = [state_w, form_w, person_w, rest];
        let fit = |text: &str, i: usize| clean_fit(text, w[i]);
        let header = Row::new(
            [
                "entry.column_state",
                "entry.column_form",
                "field.person_number",
                "entry.column_paper",
            ]
            .iter()
            .enumerate()
            .map(|(i, key)| Cell::from(fit(t.t(key), i))),
        )
        .style(view.style(Role::Muted));
        let rows: Vec<Row> = self
            .entries
            .iter()
            .map(|e| {
                Row::new(vec![
                    Cell::from(fit(t.t(&state_key(e)), 0)),
                    Cell::from(fit(&form_title(t, &e.form), 1)),
                    Cell::from(fit(&e.person, 2)),
                    Cell::from(fit(&e.paper, 3)),
                ])
            })
            .collect();
        let highlight = if view.covered {
            view.style(Role::Focus)
        } else {
            view.style(Role::Selection)
        };
        let widths = w.map(|c| Constraint::Length(u16::try_from(c).unwrap_or(0)));
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .style(view.style(Role::Text))
            .row_highlight_style(highlight)
            .highlight_symbol("> ")
            .highlight_spacing(HighlightSpacing::Always);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, inner, &mut state);
    }
}

/// What the state column says of an entry: in a supervisor's queue why it
/// is there (an identity difference to settle reads differently from a
/// mismatch to decide), else its state.
fn state_key(entry: &EntrySummary) -> String {
    match &entry.kind {
        Some(kind) => format!("entry_kind.{kind}"),
        None => format!("entry_state.{}", entry.state),
    }
}

impl ListScreen {
    /// A note for the status line when the list is asked for but the
    /// session may neither key nor decide.
    pub fn not_permitted() -> Request {
        Request::note(Level::Warning, "entry.not_permitted")
    }
}
