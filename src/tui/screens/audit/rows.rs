//! The access log tab (監査): a page of rows as the service sends them,
//! newest first (number, time, user, terminal, action, outcome, subjects
//! by internal ID, detail), under the filter shown on top. PageDown asks
//! for the next (older) page by the last page's `next_before`, PageUp goes
//! back by the cursors walked (kept as a stack), Home to the newest page:
//! only one page is ever held. F4 edits the filter, F5 clears it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::api::{AuditPage, AuditRow};
use crate::tui::action::{Command, Failure};
use crate::tui::audit_call::{AuditCall, AuditFilter};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::clean_fit;
use crate::tui::screens::review::{Align, Column, draw_table, list_command, moved, muted_line};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::fields::{self, Fields};
use crate::tui::widgets::panel::panel;
use crate::tui::widgets::time::{shown_seconds, shown_time};

use super::filter;
use super::refused;

/// A page asked for: its request number and the cursors once it is shown.
#[derive(Debug)]
struct Asked {
    seq: u64,
    cursors: Vec<Option<i64>>,
}

#[derive(Debug)]
pub struct RowsScreen {
    pub filter: AuditFilter,
    /// The page shown, newest first.
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page; None on the last.
    pub next_before: Option<i64>,
    /// The cursor of each page walked to from the newest (None); the last
    /// is the page shown.
    pub cursors: Vec<Option<i64>>,
    pub selected: usize,
    asked: Option<Asked>,
    pub form: Option<Fields>,
}

impl RowsScreen {
    /// The tab under `filter`, its newest page on the way.
    pub fn open(filter: AuditFilter, seq: u64) -> (RowsScreen, Vec<Request>) {
        let mut screen = RowsScreen {
            filter,
            rows: Vec::new(),
            next_before: None,
            cursors: vec![None],
            selected: 0,
            asked: None,
            form: None,
        };
        let request = screen.ask(seq, vec![None]);
        (screen, vec![request])
    }

    /// Asks for the page of the last of `cursors`.
    fn ask(&mut self, seq: u64, cursors: Vec<Option<i64>>) -> Request {
        let before = cursors.last().copied().flatten();
        self.asked = Some(Asked { seq, cursors });
        Request::Effect(Effect::Audit(AuditCall::Rows {
            seq,
            filter: self.filter.clone(),
            before,
        }))
    }

    pub fn loading(&self) -> bool {
        self.asked.is_some()
    }

    /// A page came: shown if it is the one asked for last.
    pub fn loaded(&mut self, seq: u64, result: Result<AuditPage, Failure>) -> Vec<Request> {
        if self.asked.as_ref().map(|a| a.seq) != Some(seq) {
            return result.err().map(Request::Failed).into_iter().collect();
        }
        let Some(asked) = self.asked.take() else {
            return Vec::new();
        };
        match result {
            Ok(page) => {
                self.rows = page.rows;
                self.next_before = page.next_before;
                self.cursors = asked.cursors;
                self.selected = 0;
                Vec::new()
            }
            Err(failure) => vec![refused(failure)],
        }
    }

    /// Where PageDown, PageUp and Home go: the page's cursors, or the note
    /// that there is no such page.
    fn walk(&self, command: Command) -> Result<Vec<Option<i64>>, &'static str> {
        let mut cursors = self.cursors.clone();
        match command {
            Command::PageDown => {
                let next = self.next_before.ok_or("audit.last_page")?;
                cursors.push(Some(next));
            }
            Command::PageUp => {
                if cursors.len() < 2 {
                    return Err("audit.first_page");
                }
                cursors.pop();
            }
            _ => cursors = vec![None],
        }
        Ok(cursors)
    }

    fn run_list(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        // F6 reads the page shown again, under the same filter.
        if command == Command::WorkList {
            let cursors = self.cursors.clone();
            return Outcome::Consumed(vec![self.ask(ctx.next_seq(), cursors)]);
        }
        if let Some(requests) = list_command(ctx, Tab::Audit, command) {
            return Outcome::Consumed(requests);
        }
        let requests = match command {
            Command::SelectNext | Command::SelectPrev | Command::Last => {
                self.selected = moved(self.selected, self.rows.len(), command);
                Vec::new()
            }
            Command::PageDown | Command::PageUp | Command::First => match self.walk(command) {
                Ok(cursors) => vec![self.ask(ctx.next_seq(), cursors)],
                Err(key) => vec![Request::note(Level::Info, key)],
            },
            Command::Filter => {
                self.form = Some(filter::form(&self.filter));
                vec![Request::Status(None)]
            }
            Command::ClearFilter => {
                self.filter.clear();
                vec![self.ask(ctx.next_seq(), vec![None])]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    fn run_form(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        let Some(form) = self.form.as_mut() else {
            return Outcome::NotConsumed;
        };
        let requests = match command {
            c if form.moves(c) => Vec::new(),
            Command::Send => match filter::read(form, &self.filter) {
                Ok(filter) => {
                    self.filter = filter;
                    self.form = None;
                    vec![Request::Status(None), self.ask(ctx.next_seq(), vec![None])]
                }
                Err((key, field)) => {
                    form.focus = field;
                    vec![Request::note(Level::Warning, key)]
                }
            },
            Command::Back => {
                self.form = None;
                vec![Request::Status(None)]
            }
            _ => return Outcome::NotConsumed,
        };
        Outcome::Consumed(requests)
    }

    /// The filter in one line: `name=value` pairs, times in office time.
    fn filter_line(&self, view: &View<'_>) -> String {
        let t = view.i18n;
        if self.filter.is_empty() {
            return t.t("audit.no_filter").to_string();
        }
        let pairs: Vec<String> = self
            .filter
            .iter()
            .map(|(k, v)| match k.as_str() {
                "from" | "to" if v.len() > 10 => format!("{k}={}", shown_time(v)),
                _ => format!("{k}={v}"),
            })
            .collect();
        t.tf("audit.filter_line", &[("filter", &pairs.join("  "))])
    }

    fn page_line(&self, view: &View<'_>) -> String {
        let t = view.i18n;
        let more = if self.next_before.is_some() {
            t.t("audit.more_older")
        } else {
            t.t("audit.no_older")
        };
        t.tf(
            "audit.page_line",
            &[
                ("page", &self.cursors.len().to_string()),
                ("n", &self.rows.len().to_string()),
                ("more", more),
            ],
        )
    }

    fn draw_rows(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "audit.title", Role::Border);
        let [filter_row, page_row, table] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let width = usize::from(inner.width);
        frame.render_widget(
            Span::styled(
                clean_fit(&self.filter_line(view), width),
                view.style(Role::Text),
            ),
            filter_row,
        );
        frame.render_widget(
            Span::styled(
                clean_fit(&self.page_line(view), width),
                view.style(Role::Muted),
            ),
            page_row,
        );
        if self.loading() && self.rows.is_empty() {
            return;
        }
        if self.rows.is_empty() {
            muted_line(view, frame, table, "audit.empty");
            return;
        }
        let column = |header, align, max| Column { header, align, max };
        let columns = [
            column("audit.column_seq", Align::Right, Some(8)),
            column("audit.column_at", Align::Left, Some(19)),
            column("audit.column_user", Align::Left, Some(10)),
            column("audit.column_terminal", Align::Left, Some(12)),
            column("audit.column_action", Align::Left, Some(18)),
            column("audit.column_outcome", Align::Left, Some(8)),
            column("audit.column_subjects", Align::Left, Some(22)),
            column("audit.column_detail", Align::Left, None),
        ];
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let outcome_key = format!("audit.outcome.{}", r.outcome.as_str());
                let outcome = if t.has(&outcome_key) {
                    t.t(&outcome_key).to_string()
                } else {
                    r.outcome.as_str().to_string()
                };
                let mut subjects = r.subjects.join(",");
                if r.sensitive {
                    subjects = format!("{} {subjects}", t.t("audit.sensitive"));
                }
                vec![
                    r.seq.to_string(),
                    shown_seconds(&r.at),
                    r.user_id.clone(),
                    r.terminal.clone(),
                    r.action.as_str().to_string(),
                    outcome,
                    subjects,
                    r.detail.clone(),
                ]
            })
            .collect();
        draw_table(view, frame, table, &columns, &rows, Some(self.selected));
    }
}

impl Component for RowsScreen {
    fn layer(&self) -> Option<Layer> {
        if self.form.is_some() {
            Some(Layer::AuditForm)
        } else {
            Some(Layer::Audit)
        }
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.form.as_mut().is_some_and(|f| f.handle_key(key)) {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn paste(&mut self, text: &str) {
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
        }
    }

    fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(Fields::typing)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.form.is_some() {
            return self.run_form(command, ctx);
        }
        self.run_list(command, ctx)
    }

    fn hints(&self) -> Vec<Hint> {
        if self.form.is_some() {
            return vec![
                Hint::new(Command::NextField, "hint.next_field"),
                Hint::new(Command::Send, "hint.apply_filter"),
                Hint::new(Command::Back, "hint.back"),
            ];
        }
        vec![
            Hint::new(Command::Filter, "hint.filter"),
            Hint::new(Command::ClearFilter, "hint.clear_filter"),
            Hint::new(Command::PageDown, "hint.older_page"),
            Hint::new(Command::PageUp, "hint.newer_page"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        if self.form.is_some() {
            return fields::offers(command);
        }
        true
    }

    fn takes_global(&self, command: Command) -> bool {
        self.form.is_none() || fields::takes_global(command)
    }

    fn waiting(&self) -> Option<&'static str> {
        self.loading().then_some("audit.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let area = tabs::draw_bar(view, frame, area, Tab::Audit);
        match &self.form {
            Some(form) => form.draw(view, frame, area, "audit.filter_title", "audit.filter_note"),
            None => self.draw_rows(view, frame, area),
        }
    }
}
