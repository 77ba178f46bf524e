//! The supervisor's quality view: per operator the fields keyed, the slips
//! found settling differences, and slips per 1,000 fields; Enter on an
//! operator shows the same by kind of field and by month (with a bar per
//! month), Esc goes back to the operators.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::api::entry::{OperatorQualityView, QualityReport, RateView};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::keymap::Layer;
use crate::tui::sanitize::clean_fit;
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::grouped;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, is_movement, list_command, moved, muted_line};

/// The widest a month's bar grows (at the operator's worst month).
const BAR: usize = 12;

#[derive(Debug)]
pub struct QualityScreen {
    pub operators: Vec<OperatorQualityView>,
    pub selected: usize,
    /// The operator whose figures by kind and month show.
    pub detail: Option<usize>,
    pub loading: bool,
}

impl Default for QualityScreen {
    fn default() -> QualityScreen {
        QualityScreen {
            operators: Vec::new(),
            selected: 0,
            detail: None,
            loading: true,
        }
    }
}

/// Slips per 1,000 fields with two decimals, as the service rounded it.
fn per_thousand(rate: &RateView) -> String {
    format!("{:.2}", rate.per_thousand)
}

fn count(n: u64) -> String {
    grouped(i64::try_from(n).unwrap_or(i64::MAX))
}

fn rate_cells(rate: &RateView) -> [String; 3] {
    [count(rate.fields), count(rate.slips), per_thousand(rate)]
}

fn rate_columns(first: &'static str, first_max: Option<usize>) -> Vec<Column> {
    vec![
        Column {
            header: first,
            align: Align::Left,
            max: first_max,
        },
        Column {
            header: "review.column_fields",
            align: Align::Right,
            max: Some(9),
        },
        Column {
            header: "review.column_slips",
            align: Align::Right,
            max: Some(6),
        },
        Column {
            header: "review.column_per_thousand",
            align: Align::Right,
            max: Some(8),
        },
    ]
}

impl QualityScreen {
    pub fn loaded(&mut self, result: Result<QualityReport, Failure>) -> Vec<Request> {
        self.loading = false;
        self.selected = 0;
        self.detail = None;
        match result {
            Ok(report) => {
                self.operators = report.operators;
                Vec::new()
            }
            Err(failure) => {
                self.operators.clear();
                vec![Request::Failed(failure)]
            }
        }
    }

    fn draw_operators(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let mut columns = rate_columns("review.column_staff", None);
        columns[0].max = Some(16);
        let rows: Vec<Vec<String>> = self
            .operators
            .iter()
            .map(|o| {
                let mut row = vec![o.staff.clone()];
                row.extend(rate_cells(&o.total));
                row
            })
            .collect();
        draw_table(view, frame, area, &columns, &rows, Some(self.selected));
    }

    fn draw_detail(
        &self,
        view: &View<'_>,
        frame: &mut Frame,
        area: Rect,
        op: &OperatorQualityView,
    ) {
        let t = view.i18n;
        let [head, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
        let total = t.tf(
            "review.operator_total",
            &[
                ("staff", &op.staff),
                ("fields", &count(op.total.fields)),
                ("slips", &count(op.total.slips)),
                ("rate", &per_thousand(&op.total)),
            ],
        );
        frame.render_widget(
            Span::styled(
                clean_fit(&total, usize::from(head.width)),
                view.style(Role::Text),
            ),
            head,
        );
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .spacing(1)
                .areas(body);
        // By kind of field.
        let [caption, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(left);
        caption_line(view, frame, caption, "review.by_kind");
        let rows: Vec<Vec<String>> = op
            .by_kind
            .iter()
            .map(|(kind, rate)| {
                let key = format!("field_kind.{kind}");
                let label = if t.has(&key) {
                    t.t(&key).to_string()
                } else {
                    kind.clone()
                };
                let mut row = vec![label];
                row.extend(rate_cells(rate));
                row
            })
            .collect();
        draw_table(
            view,
            frame,
            table,
            &rate_columns("review.column_kind", Some(10)),
            &rows,
            None,
        );
        // By month, the latest that fit, with a bar scaled to the worst.
        let [caption, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(right);
        caption_line(view, frame, caption, "review.by_month");
        let fit = usize::from(table.height.saturating_sub(1));
        let skip = op.by_month.len().saturating_sub(fit);
        let worst = op
            .by_month
            .values()
            .map(|r| r.per_thousand)
            .fold(0.0_f64, f64::max);
        let rows: Vec<Vec<String>> = op
            .by_month
            .iter()
            .skip(skip)
            .map(|(month, rate)| {
                let mut row = vec![month.clone()];
                row.extend(rate_cells(rate));
                row.push(bar(rate.per_thousand, worst));
                row
            })
            .collect();
        let mut columns = rate_columns("review.column_month", Some(7));
        columns.push(Column {
            header: "review.column_bar",
            align: Align::Left,
            max: None,
        });
        draw_table(view, frame, table, &columns, &rows, None);
    }
}

/// A month's bar: ASCII, so no terminal draws it at an ambiguous width.
fn bar(rate: f64, worst: f64) -> String {
    if worst <= 0.0 || rate <= 0.0 {
        return String::new();
    }
    let share = (rate / worst * BAR as f64).round();
    // At least one mark for any slip at all.
    let n = if share < 1.0 { 1 } else { share as usize };
    "#".repeat(n.min(BAR))
}

fn caption_line(view: &View<'_>, frame: &mut Frame, area: Rect, key: &str) {
    let text = view.t(key);
    let fitted = clean_fit(text, usize::from(area.width));
    frame.render_widget(
        Line::from(Span::styled(fitted, view.style(Role::Muted))),
        area,
    );
}

impl Component for QualityScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Entries)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.detail.is_some() && command == Command::Back {
            self.detail = None;
            return Outcome::consumed();
        }
        if let Some(requests) = list_command(ctx, Tab::Quality, command) {
            return Outcome::Consumed(requests);
        }
        match command {
            Command::Submit if !self.operators.is_empty() => {
                self.detail = Some(self.selected);
                Outcome::consumed()
            }
            c if is_movement(c) && self.detail.is_none() => {
                self.selected = moved(self.selected, self.operators.len(), c);
                Outcome::consumed()
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        if self.detail.is_some() {
            return vec![
                Hint::new(Command::Back, "hint.back"),
                Hint::new(Command::NextTab, "hint.next_tab"),
            ];
        }
        vec![
            Hint::new(Command::Submit, "hint.show_operator"),
            Hint::new(Command::SelectNext, "hint.select_next"),
            Hint::new(Command::WorkList, "hint.work_list_again"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        match command {
            Command::Submit => self.detail.is_none() && !self.operators.is_empty(),
            c if is_movement(c) => self.detail.is_none(),
            _ => true,
        }
    }

    fn waiting(&self) -> Option<&'static str> {
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Quality);
        let inner = panel(view, frame, area, "review.quality_title", Role::Border);
        if self.loading {
            return;
        }
        if self.operators.is_empty() {
            muted_line(view, frame, inner, "review.no_quality");
            return;
        }
        match self.detail.and_then(|i| self.operators.get(i)) {
            Some(op) => self.draw_detail(view, frame, inner, op),
            None => self.draw_operators(view, frame, inner),
        }
    }
}
