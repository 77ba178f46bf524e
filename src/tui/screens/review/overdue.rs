//! The supervisor's overdue re-verification items: open past their due
//! day, or listed with nobody to give them to. Each row says the day it was
//! listed, whose record and which form, why it was picked, who has it, its
//! due day and how many days it is late; the selected row's reasons are
//! spelled out in full under the list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::api::entry::{ReverifyItemView, ReverifyList};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::i18n::I18n;
use crate::tui::keymap::Layer;
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, form_title, is_movement, list_command, moved, muted_line};

#[derive(Debug)]
pub struct OverdueScreen {
    pub items: Vec<ReverifyItemView>,
    pub selected: usize,
    pub loading: bool,
}

impl Default for OverdueScreen {
    fn default() -> OverdueScreen {
        OverdueScreen {
            items: Vec::new(),
            selected: 0,
            loading: true,
        }
    }
}

/// Why an item was picked, in the UI language (the code as sent when the
/// locale has no text for it).
pub fn why_text(i18n: &I18n, why: &[String]) -> String {
    why.iter()
        .map(|code| {
            let key = format!("reverify_why.{code}");
            if i18n.has(&key) {
                i18n.t(&key).to_string()
            } else {
                code.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(i18n.t("review.separator"))
}

impl OverdueScreen {
    pub fn loaded(&mut self, result: Result<ReverifyList, Failure>) -> Vec<Request> {
        self.loading = false;
        self.selected = 0;
        match result {
            Ok(list) => {
                self.items = list.items;
                Vec::new()
            }
            Err(failure) => {
                self.items.clear();
                vec![Request::Failed(failure)]
            }
        }
    }
}

impl Component for OverdueScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Entries)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(requests) = list_command(ctx, Tab::Overdue, command) {
            return Outcome::Consumed(requests);
        }
        if is_movement(command) {
            self.selected = moved(self.selected, self.items.len(), command);
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::SelectNext, "hint.select_next"),
            Hint::new(Command::WorkList, "hint.work_list_again"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        command != Command::Submit
    }

    fn waiting(&self) -> Option<&'static str> {
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let area = tabs::draw_bar(view, frame, area, Tab::Overdue);
        let inner = panel(view, frame, area, "review.overdue_title", Role::Border);
        if self.loading {
            return;
        }
        if self.items.is_empty() {
            muted_line(view, frame, inner, "review.no_overdue");
            return;
        }
        let [list, detail] =
            Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(inner);
        let columns = [
            Column {
                header: "review.column_list_day",
                align: Align::Left,
                max: Some(10),
            },
            Column {
                header: "field.person_number",
                align: Align::Left,
                max: Some(10),
            },
            Column {
                header: "entry.column_form",
                align: Align::Left,
                max: Some(12),
            },
            Column {
                header: "review.column_why",
                align: Align::Left,
                max: None,
            },
            Column {
                header: "review.column_assigned",
                align: Align::Left,
                max: Some(8),
            },
            Column {
                header: "review.column_due",
                align: Align::Left,
                max: Some(10),
            },
            Column {
                header: "review.column_days",
                align: Align::Right,
                max: Some(4),
            },
        ];
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|item| {
                vec![
                    item.list_day.clone(),
                    item.person.clone(),
                    form_title(t, &item.form),
                    why_text(t, &item.why),
                    item.assigned_to
                        .clone()
                        .unwrap_or_else(|| t.t("review.unassigned").to_string()),
                    item.due.clone(),
                    item.days_overdue.to_string(),
                ]
            })
            .collect();
        draw_table(view, frame, list, &columns, &rows, Some(self.selected));
        if let Some(item) = self.items.get(self.selected) {
            let text = t.tf("review.why_line", &[("why", &why_text(t, &item.why))]);
            frame.render_widget(
                ratatui::text::Span::styled(
                    crate::tui::sanitize::clean_fit(&text, usize::from(detail.width)),
                    view.style(Role::Muted),
                ),
                detail,
            );
        }
    }
}
