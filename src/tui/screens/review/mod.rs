//! The review tabs of the work screen, one component to `update`: a
//! supervisor's overdue re-verification items and the operators' quality
//! figures, and the clerks' batches (束). Each shows what the service sent
//! for this caller; the service decides again whether the caller may.

pub mod batches;
pub mod overdue;
pub mod quality;
pub mod retention;
pub mod roster;
pub mod staff;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

use crate::domain::entry::forms;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, ReviewCall};
use crate::tui::i18n::{I18n, Lang};
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::review_call::ReviewAnswer;
use crate::tui::sanitize::clean_fit;
use crate::tui::screens::PAGE;
use crate::tui::screens::tabs::Tab;
use crate::tui::theme::Role;
use crate::tui::view::View;

use batches::BatchesScreen;
use overdue::OverdueScreen;
use quality::QualityScreen;
use retention::RetentionScreen;
use roster::RosterScreen;
use staff::StaffScreen;

#[derive(Debug)]
pub enum ReviewScreen {
    Overdue(OverdueScreen),
    Quality(QualityScreen),
    Batches(Box<BatchesScreen>),
    Retention(RetentionScreen),
    Staff(Box<StaffScreen>),
    Roster(Box<RosterScreen>),
}

impl ReviewScreen {
    /// The tab's screen with its list on the way; `current` is the batch
    /// new keyings go into, if the clerk chose one.
    pub fn open(tab: Tab, current: Option<String>) -> Option<(ReviewScreen, Vec<Request>)> {
        let (screen, call) = match tab {
            Tab::Overdue => (
                ReviewScreen::Overdue(OverdueScreen::default()),
                ReviewCall::Overdue,
            ),
            Tab::Quality => (
                ReviewScreen::Quality(QualityScreen::default()),
                ReviewCall::Quality,
            ),
            Tab::Batches => (
                ReviewScreen::Batches(Box::new(BatchesScreen::new(current))),
                ReviewCall::Batches,
            ),
            Tab::Retention => (
                ReviewScreen::Retention(RetentionScreen::default()),
                ReviewCall::RetentionPlan,
            ),
            Tab::Staff => (ReviewScreen::Staff(Box::default()), ReviewCall::Staff),
            Tab::Roster => (
                ReviewScreen::Roster(Box::default()),
                ReviewCall::LatestReconciliation,
            ),
            _ => return None,
        };
        Some((screen, vec![Request::Effect(Effect::Review(call))]))
    }

    pub fn tab(&self) -> Tab {
        match self {
            ReviewScreen::Overdue(_) => Tab::Overdue,
            ReviewScreen::Quality(_) => Tab::Quality,
            ReviewScreen::Batches(_) => Tab::Batches,
            ReviewScreen::Retention(_) => Tab::Retention,
            ReviewScreen::Staff(_) => Tab::Staff,
            ReviewScreen::Roster(_) => Tab::Roster,
        }
    }

    pub fn overdue(&self) -> Option<&OverdueScreen> {
        match self {
            ReviewScreen::Overdue(s) => Some(s),
            _ => None,
        }
    }

    pub fn quality(&self) -> Option<&QualityScreen> {
        match self {
            ReviewScreen::Quality(s) => Some(s),
            _ => None,
        }
    }

    pub fn retention(&self) -> Option<&RetentionScreen> {
        match self {
            ReviewScreen::Retention(s) => Some(s),
            _ => None,
        }
    }

    pub fn staff(&self) -> Option<&StaffScreen> {
        match self {
            ReviewScreen::Staff(s) => Some(s),
            _ => None,
        }
    }

    pub fn roster(&self) -> Option<&RosterScreen> {
        match self {
            ReviewScreen::Roster(s) => Some(s),
            _ => None,
        }
    }

    pub fn batches(&self) -> Option<&BatchesScreen> {
        match self {
            ReviewScreen::Batches(s) => Some(s),
            _ => None,
        }
    }

    /// The service's answer to a review call this screen made; an answer
    /// for a tab no longer showing is dropped (a failure still shows).
    pub fn answered(&mut self, answer: ReviewAnswer) -> Vec<Request> {
        match (self, answer) {
            (ReviewScreen::Overdue(s), ReviewAnswer::Overdue(result)) => s.loaded(result),
            (ReviewScreen::Quality(s), ReviewAnswer::Quality(result)) => s.loaded(result),
            (ReviewScreen::Retention(s), ReviewAnswer::RetentionPlan(result)) => s.loaded(result),
            (ReviewScreen::Retention(s), ReviewAnswer::RetentionApproved(result)) => {
                s.approved(result)
            }
            (ReviewScreen::Staff(s), ReviewAnswer::Staff(result)) => s.loaded(result),
            (ReviewScreen::Staff(s), ReviewAnswer::CredentialsIssued(result)) => s.issued(result),
            (ReviewScreen::Staff(s), ReviewAnswer::StaffDisabled(result)) => s.disabled(result),
            (ReviewScreen::Batches(s), answer) => s.answered(answer),
            (ReviewScreen::Roster(s), answer) => s.answered(answer),
            (_, answer) => stray(answer),
        }
    }

    /// The user said yes to a step of these screens.
    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        match self {
            ReviewScreen::Batches(s) => s.confirmed(action),
            ReviewScreen::Retention(s) => s.confirmed(action),
            ReviewScreen::Staff(s) => s.confirmed(action),
            ReviewScreen::Roster(s) => s.confirmed(action),
            _ => Vec::new(),
        }
    }

    fn component(&self) -> &dyn Component {
        match self {
            ReviewScreen::Overdue(s) => s,
            ReviewScreen::Quality(s) => s,
            ReviewScreen::Batches(s) => s.as_ref(),
            ReviewScreen::Retention(s) => s,
            ReviewScreen::Staff(s) => s.as_ref(),
            ReviewScreen::Roster(s) => s.as_ref(),
        }
    }

    fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            ReviewScreen::Overdue(s) => s,
            ReviewScreen::Quality(s) => s,
            ReviewScreen::Batches(s) => s.as_mut(),
            ReviewScreen::Retention(s) => s,
            ReviewScreen::Staff(s) => s.as_mut(),
            ReviewScreen::Roster(s) => s.as_mut(),
        }
    }
}

/// A review answer with no screen waiting for it: only a failure shows.
pub fn stray(answer: ReviewAnswer) -> Vec<Request> {
    answer
        .into_failure()
        .map(Request::Failed)
        .into_iter()
        .collect()
}

impl Component for ReviewScreen {
    fn layer(&self) -> Option<Layer> {
        self.component().layer()
    }

    fn handle_key(&mut self, key: Key, ctx: &mut Ctx<'_>) -> Outcome {
        self.component_mut().handle_key(key, ctx)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        self.component_mut().run(command, ctx)
    }

    fn paste(&mut self, text: &str) {
        self.component_mut().paste(text);
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        self.component().draw(view, frame, area);
    }

    fn hints(&self) -> Vec<Hint> {
        self.component().hints()
    }

    fn offers(&self, command: Command) -> bool {
        self.component().offers(command)
    }

    fn takes_global(&self, command: Command) -> bool {
        self.component().takes_global(command)
    }

    fn typing(&self) -> bool {
        self.component().typing()
    }

    fn waiting(&self) -> Option<&'static str> {
        self.component().waiting()
    }
}

/// The title of a form in the UI language (its id when this build has no
/// such form).
pub fn form_title(i18n: &I18n, form: &str) -> String {
    match forms::form(form) {
        Some(schema) => match i18n.lang() {
            Lang::Ja => schema.title_ja.clone(),
            Lang::En => schema.title_en.clone(),
        },
        None => form.to_string(),
    }
}

/// Where a list's selection goes for a movement command (`at` otherwise).
pub fn moved(at: usize, len: usize, command: Command) -> usize {
    let Some(last) = len.checked_sub(1) else {
        return 0;
    };
    match command {
        Command::SelectNext => (at + 1).min(last),
        Command::SelectPrev => at.saturating_sub(1),
        Command::PageDown => (at + PAGE).min(last),
        Command::PageUp => at.saturating_sub(PAGE),
        Command::First => 0,
        Command::Last => last,
        _ => at,
    }
}

/// Whether the command moves a list's selection.
pub fn is_movement(command: Command) -> bool {
    matches!(
        command,
        Command::SelectNext
            | Command::SelectPrev
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last
    )
}

/// How a column of a [`draw_table`] is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One column: its header's locale key, its alignment, its widest width
/// (None: what is left of the row).
pub struct Column {
    pub header: &'static str,
    pub align: Align,
    pub max: Option<usize>,
}

/// Draws a table of text cells (each fitted by display width, untrusted
/// text cleaned), `selected` marked with "> " when given. Columns are as
/// wide as their widest cell up to their `max`; the one without a max takes
/// the rest, and what it does not need widens the capped ones again.
pub fn draw_table(
    view: &View<'_>,
    frame: &mut Frame,
    area: Rect,
    columns: &[Column],
    rows: &[Vec<String>],
    selected: Option<usize>,
) {
    use crate::tui::sanitize::display_width;
    let marker = if selected.is_some() { 2 } else { 0 };
    let gaps = columns.len().saturating_sub(1);
    let natural: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|s| display_width(s))
                .chain([display_width(view.t(c.header))])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut widths: Vec<usize> = columns
        .iter()
        .zip(&natural)
        .map(|(c, n)| c.max.map_or(0, |m| (*n).min(m)))
        .collect();
    let room = usize::from(area.width).saturating_sub(gaps + marker);
    let flexible = columns.iter().position(|c| c.max.is_none());
    let wanted = flexible.map_or(0, |i| natural[i]);
    let mut spare = room.saturating_sub(widths.iter().sum::<usize>() + wanted);
    for (w, n) in widths.iter_mut().zip(&natural) {
        let more = n.saturating_sub(*w).min(spare);
        *w += more;
        spare -= more;
    }
    if let Some(i) = flexible {
        widths[i] = room.saturating_sub(widths.iter().sum::<usize>());
    }
    let cell = |text: &str, i: usize| {
        let w = widths[i];
        let fitted = clean_fit(text, w);
        let text = match columns[i].align {
            Align::Left => fitted,
            Align::Right => {
                let pad = w.saturating_sub(display_width(&fitted));
                format!("{}{fitted}", " ".repeat(pad))
            }
        };
        Cell::from(text)
    };
    let header = Row::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| cell(view.t(c.header), i)),
    )
    .style(view.style(Role::Muted));
    let body: Vec<Row> = rows
        .iter()
        .map(|r| Row::new(r.iter().enumerate().map(|(i, text)| cell(text, i))))
        .collect();
    let highlight = if view.covered {
        view.style(Role::Focus)
    } else {
        view.style(Role::Selection)
    };
    let constraints = widths
        .iter()
        .map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(0)));
    let mut table = Table::new(body, constraints)
        .header(header)
        .column_spacing(1)
        .style(view.style(Role::Text));
    if selected.is_some() {
        table = table
            .row_highlight_style(highlight)
            .highlight_symbol("> ")
            .highlight_spacing(HighlightSpacing::Always);
    }
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}

/// A muted line of text from the locale (an empty list, a loading list).
pub fn muted_line(view: &View<'_>, frame: &mut Frame, area: Rect, key: &str) {
    frame.render_widget(
        Paragraph::new(Span::styled(
            clean_fit(view.t(key), usize::from(area.width)),
            view.style(Role::Muted),
        )),
        area,
    );
}

/// The common commands of a review list: Tab and Shift-Tab to the other
/// tabs, F6 to load again, Esc and F3 back to the search.
pub fn list_command(ctx: &Ctx<'_>, tab: Tab, command: Command) -> Option<Vec<Request>> {
    use crate::tui::screens::tabs;
    match command {
        Command::NextTab | Command::PrevTab => Some(
            tabs::switch(ctx.session, tab, command)
                .into_iter()
                .collect(),
        ),
        Command::WorkList => Some(vec![Request::OpenTab(tab)]),
        Command::Back => Some(vec![Request::BackToSearch { results: true }]),
        Command::FocusSearch => Some(vec![Request::BackToSearch { results: false }]),
        _ => None,
    }
}
