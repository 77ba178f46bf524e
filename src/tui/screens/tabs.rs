//! The tabs of the work screen (F6): each is a list of one kind of work,
//! shown to a session whose role has the permission the service checks
//! for it. Tab and Shift-Tab go round the tabs the session has; the bar
//! on top names them all and marks the one showing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::api::{Permission, SessionInfo};
use crate::tui::action::Command;
use crate::tui::component::Request;
use crate::tui::sanitize::{clean_fit, display_width};
use crate::tui::theme::Role;
use crate::tui::view::View;

/// One tab of the work screen, in the order the bar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Own drafts, other clerks' forms to key blind, fields asked again.
    Keying,
    /// The supervisor's queue of entries to decide.
    Decisions,
    /// The clerk's items of today's re-verification list.
    Reverify,
    /// Batches of paper (束): open, close, choose the current one.
    Batches,
    /// The corrections waiting for a supervisor's review.
    Corrections,
    /// Re-verification items open past their due day or unassigned.
    Overdue,
    /// Slips per 1,000 fields per operator, by kind and month.
    Quality,
    /// The transfers the caller may see (移転・提供).
    Transfers,
    /// Today's erasure plan, to approve (消去計画).
    Retention,
    /// Grants of roles: requested, applied, refused, revoked (権限).
    Grants,
    /// The access log, filtered and paged (監査).
    Audit,
    /// The ready-made analyses of the access log (分析).
    Analyses,
    /// The staff accounts: credentials and disabling (職員).
    Staff,
    /// The HR roster against the grants (名簿照合).
    Roster,
}

impl Tab {
    pub const ALL: &'static [Tab] = &[
        Tab::Keying,
        Tab::Reverify,
        Tab::Batches,
        Tab::Decisions,
        Tab::Corrections,
        Tab::Overdue,
        Tab::Quality,
        Tab::Transfers,
        Tab::Retention,
        Tab::Grants,
        Tab::Audit,
        Tab::Analyses,
        Tab::Staff,
        Tab::Roster,
    ];

    /// The permission the service checks for this tab's list.
    pub fn permission(self) -> Permission {
        match self {
            Tab::Keying | Tab::Batches => Permission::KeyEntries,
            Tab::Decisions | Tab::Overdue | Tab::Quality => Permission::DecideEntries,
            Tab::Reverify => Permission::Reverify,
            Tab::Corrections => Permission::ReviewCorrections,
            Tab::Transfers => Permission::ViewTransfers,
            Tab::Retention => Permission::ApproveRetention,
            Tab::Grants => Permission::RequestGrants,
            Tab::Audit | Tab::Analyses => Permission::ReadAuditLog,
            Tab::Staff => Permission::ManageStaff,
            Tab::Roster => Permission::ManageStaff,
        }
    }

    /// The tab's label in the locale files.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Keying => "tab.keying",
            Tab::Decisions => "tab.decisions",
            Tab::Batches => "tab.batches",
            Tab::Overdue => "tab.overdue",
            Tab::Quality => "tab.quality",
            Tab::Reverify => "tab.reverify",
            Tab::Corrections => "tab.corrections",
            Tab::Transfers => "tab.transfers",
            Tab::Retention => "tab.retention",
            Tab::Grants => "tab.grants",
            Tab::Audit => "tab.audit",
            Tab::Analyses => "tab.analyses",
            Tab::Staff => "tab.staff",
            Tab::Roster => "tab.roster",
        }
    }
}

/// The tabs a session has, in the bar's order.
pub fn tabs_of(session: Option<&SessionInfo>) -> Vec<Tab> {
    let Some(session) = session else {
        return Vec::new();
    };
    Tab::ALL
        .iter()
        .copied()
        .filter(|t| session.permissions.contains(&t.permission()))
        .collect()
}

/// The tab F6 opens: the session's first.
pub fn first_of(session: Option<&SessionInfo>) -> Option<Tab> {
    tabs_of(session).first().copied()
}

/// Where Tab (`NextTab`) or Shift-Tab (`PrevTab`) goes from `current`,
/// round the session's tabs; None for any other command or a single tab.
pub fn switch(session: Option<&SessionInfo>, current: Tab, command: Command) -> Option<Request> {
    let tabs = tabs_of(session);
    let at = tabs.iter().position(|t| *t == current)?;
    let n = tabs.len();
    let to = match command {
        Command::NextTab => (at + 1) % n,
        Command::PrevTab => (at + n - 1) % n,
        _ => return None,
    };
    (to != at).then(|| Request::OpenTab(tabs[to]))
}

/// Draws the bar on the first row of `area` and returns the rows below it.
/// With a single tab the bar still names it, so the screen says what it is.
/// When the tabs do not fit, the first ones give way (a `<` says so) until
/// the one showing does.
pub fn draw_bar(view: &View<'_>, frame: &mut Frame, area: Rect, current: Tab) -> Rect {
    let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let tabs = tabs_of(view.session);
    let texts: Vec<String> = tabs
        .iter()
        .map(|tab| format!(" {} ", view.t(tab.label())))
        .collect();
    let room = usize::from(bar.width);
    let upto = tabs.iter().position(|t| *t == current).unwrap_or(0);
    let width_of = |from: usize| -> usize {
        let marker = if from > 0 { 2 } else { 0 };
        marker
            + texts[from..=upto.min(texts.len().saturating_sub(1))]
                .iter()
                .map(|t| display_width(t) + 1)
                .sum::<usize>()
    };
    let mut first = 0;
    while first < upto && width_of(first) > room {
        first += 1;
    }
    let mut spans = Vec::new();
    let mut left = room;
    if first > 0 {
        spans.push(Span::styled("< ", view.style(Role::Muted)));
        left = left.saturating_sub(2);
    }
    for (tab, text) in tabs.iter().zip(&texts).skip(first) {
        let text = clean_fit(text, left);
        left = left.saturating_sub(display_width(&text) + 1);
        let role = if *tab == current {
            Role::Selection
        } else {
            Role::Muted
        };
        spans.push(Span::styled(text, view.style(role)));
        spans.push(Span::raw(" "));
        if left == 0 {
            break;
        }
    }
    frame.render_widget(Line::from(spans), bar);
    rest
}
