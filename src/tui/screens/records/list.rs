//! Two tabs of the work screen: the clerk's items of today's
//! re-verification list (person, form, why it was picked, due day, overdue
//! marked) and the supervisor's corrections waiting for review (person,
//! form, proposer, how many fields, paper). Enter opens the selected one:
//! an item's record history, or a correction's review.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

use crate::api::entry::{CorrectionList, CorrectionView, ReverifyItemView, ReverifyList};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::i18n::I18n;
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::screens::PAGE;
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::panel::panel;

use super::{Next, Origin, form_title};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Reverify,
    Corrections,
}

#[derive(Debug)]
pub struct WorkList {
    pub kind: ListKind,
    pub items: Vec<ReverifyItemView>,
    pub corrections: Vec<CorrectionView>,
    pub selected: usize,
    pub loading: bool,
    next: Option<Next>,
}

/// Why an item was picked, in the clerk's words (the code itself when the
/// locale has none).
pub fn why_text(i18n: &I18n, why: &[String]) -> String {
    why.iter()
        .map(|w| {
            let key = format!("reverify_why.{w}");
            if i18n.has(&key) {
                i18n.t(&key).to_string()
            } else {
                crate::tui::sanitize::clean(w)
            }
        })
        .collect::<Vec<_>>()
        .join(i18n.t("review.separator"))
}

impl WorkList {
    pub fn loading(kind: ListKind) -> WorkList {
        WorkList {
            kind,
            items: Vec::new(),
            corrections: Vec::new(),
            selected: 0,
            loading: true,
            next: None,
        }
    }

    pub fn tab(&self) -> Tab {
        match self.kind {
            ListKind::Reverify => Tab::Reverify,
            ListKind::Corrections => Tab::Corrections,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    fn len(&self) -> usize {
        match self.kind {
            ListKind::Reverify => self.items.len(),
            ListKind::Corrections => self.corrections.len(),
        }
    }

    pub fn reverify_loaded(&mut self, result: Result<ReverifyList, Failure>) -> Vec<Request> {
        self.loading = false;
        self.selected = 0;
        match result {
            Ok(list) => {
                self.items = list.items;
                Vec::new()
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    pub fn corrections_loaded(&mut self, result: Result<CorrectionList, Failure>) -> Vec<Request> {
        self.loading = false;
        self.selected = 0;
        match result {
            Ok(list) => {
                self.corrections = list.corrections;
                Vec::new()
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    fn open_selected(&mut self) {
        self.next = match self.kind {
            ListKind::Reverify => self
                .items
                .get(self.selected)
                .map(|item| Next::History(Origin::Reverify(Box::new(item.clone())))),
            ListKind::Corrections => self
                .corrections
                .get(self.selected)
                .map(|c| Next::Review(c.id.clone())),
        };
    }

    fn select(&mut self, command: Command) {
        let Some(last) = self.len().checked_sub(1) else {
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

    /// The rows of the table: cells by column, and whether the row is
    /// overdue.
    fn rows(&self, i18n: &I18n) -> (Vec<&'static str>, Vec<(Vec<String>, bool)>) {
        match self.kind {
            ListKind::Reverify => (
                vec![
                    "field.person_number",
                    "entry.column_form",
                    "reverify.column_why",
                    "reverify.column_due",
                ],
                self.items
                    .iter()
                    .map(|item| {
                        let due = if item.overdue {
                            i18n.tf("reverify.overdue", &[("due", &item.due)])
                        } else {
                            item.due.clone()
                        };
                        (
                            vec![
                                item.person.clone(),
                                form_title(i18n, &item.form),
                                why_text(i18n, &item.why),
                                due,
                            ],
                            item.overdue,
                        )
                    })
                    .collect(),
            ),
            ListKind::Corrections => (
                vec![
                    "field.person_number",
                    "entry.column_form",
                    "correction_review.column_by",
                    "correction_review.column_changes",
                ],
                self.corrections
                    .iter()
                    .map(|c| {
                        (
                            vec![
                                c.person.clone(),
                                form_title(i18n, &c.form),
                                c.proposed_by.clone(),
                                i18n.tf(
                                    "correction_review.changes",
                                    &[("n", &c.changes.len().to_string())],
                                ),
                            ],
                            false,
                        )
                    })
                    .collect(),
            ),
        }
    }
}

impl Component for WorkList {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Entries)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::NextTab | Command::PrevTab => {
                let to = tabs::switch(ctx.session, self.tab(), command);
                return Outcome::Consumed(to.into_iter().collect());
            }
            Command::Submit if !self.loading => self.open_selected(),
            Command::SelectNext
            | Command::SelectPrev
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last => self.select(command),
            Command::WorkList => self.next = Some(Next::Tab(self.tab())),
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
        let (title, empty) = match self.kind {
            ListKind::Reverify => ("reverify.title", "reverify.empty"),
            ListKind::Corrections => ("correction_review.list_title", "correction_review.empty"),
        };
        let area = tabs::draw_bar(view, frame, area, self.tab());
        let inner = panel(view, frame, area, title, Role::Border);
        if self.loading {
            return;
        }
        if self.len() == 0 {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    clean_fit(t.t(empty), usize::from(inner.width)),
                    view.style(Role::Muted),
                )),
                inner,
            );
            return;
        }
        let (headings, rows) = self.rows(t);
        let person_w = 12;
        let form_w = rows
            .iter()
            .map(|(cells, _)| display_width(&cells[1]))
            .max()
            .unwrap_or(8)
            .min(20);
        let last_w = rows
            .iter()
            .map(|(cells, _)| display_width(&cells[3]))
            .chain([display_width(t.t(headings[3]))])
            .max()
            .unwrap_or(10)
            .min(24);
        // Two columns go to the "> " marker, three to the gaps.
        let rest = usize::from(inner.width).saturating_sub(person_w + form_w + last_w + 5);
        let w = [person_w, form_w, rest, last_w];
        let header = Row::new(
            headings
                .iter()
                .enumerate()
                .map(|(i, key)| Cell::from(clean_fit(t.t(key), w[i]))),
        )
        .style(view.style(Role::Muted));
        let table_rows: Vec<Row> = rows
            .iter()
            .map(|(cells, overdue)| {
                let row = Row::new(
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| Cell::from(clean_fit(c, w[i]))),
                );
                if *overdue {
                    row.style(view.style(Role::Error))
                } else {
                    row
                }
            })
            .collect();
        let highlight = if view.covered {
            view.style(Role::Focus)
        } else {
            view.style(Role::Selection)
        };
        let widths = w.map(|c| Constraint::Length(u16::try_from(c).unwrap_or(0)));
        let table = Table::new(table_rows, widths)
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
