//! A person's declaration history: the versions, newest first, each
//! naming who keyed it, who keyed it again (照合), who decided fields,
//! who corrected and who approved it, and when; below, the selected
//! version's fields, those changed from the version before first, with
//! the value before beside the new one. From here a clerk proposes a
//! correction of the newest version; opened from a re-verification item,
//! the item is marked verified or as needing a correction.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::api::Permission;
use crate::api::entry::{RecordHistory, RecordVersionView};
use crate::domain::entry::forms;
use crate::domain::entry::schema::FormSchema;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, RecordsCall};
use crate::tui::i18n::I18n;
use crate::tui::keymap::Layer;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, clean_fit};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::diff::{self, DiffRow, rank};
use crate::tui::widgets::line::fit_line;
use crate::tui::widgets::time::shown_time;

use super::list::why_text;
use super::propose::ProposeScreen;
use super::{Next, Origin, form_title};

/// The most version rows shown at once.
const VERSION_ROWS: usize = 5;

#[derive(Debug)]
pub struct HistoryScreen {
    pub person: String,
    pub form: String,
    schema: Option<&'static FormSchema>,
    /// Newest first.
    pub versions: Vec<RecordVersionView>,
    pub selected: usize,
    pub origin: Origin,
    /// The first field row shown.
    pub scroll: usize,
    /// The item's mark on its way (verified or not).
    resolving: Option<bool>,
    next: Option<Next>,
}

/// Who had a hand in a version, in the clerk's words.
pub fn hands(i18n: &I18n, v: &RecordVersionView) -> String {
    let mut parts = Vec::new();
    let mut add = |key: &str, who: &str| parts.push(i18n.tf(key, &[("who", &clean(who))]));
    match (&v.corrected_by, &v.approved_by) {
        (Some(by), approved) => {
            add("history.corrected_by", by);
            if let Some(sv) = approved {
                add("history.approved_by", sv);
            }
        }
        (None, _) => {
            add("history.keyed_by", &v.first_by);
            if let Some(second) = &v.second_by {
                add("history.verified_by", second);
            }
            let deciders: BTreeSet<&String> = v.decided.values().collect();
            for who in deciders {
                add("history.decided_by", who);
            }
        }
    }
    parts.join("  ")
}

impl HistoryScreen {
    pub fn new(history: RecordHistory, origin: Origin) -> HistoryScreen {
        let mut versions = history.versions;
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        HistoryScreen {
            schema: forms::form(&history.form),
            person: history.person,
            form: history.form,
            versions,
            selected: 0,
            origin,
            scroll: 0,
            resolving: None,
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    fn item_entry(&self) -> Option<&str> {
        match &self.origin {
            Origin::Reverify(item) => Some(&item.entry),
            Origin::Record(_) => None,
        }
    }

    /// The entry whose item is being marked, while the mark is on its way.
    pub fn resolving_entry(&self) -> Option<&str> {
        self.resolving.and(self.item_entry())
    }

    /// The selected version's fields: changed ones first (with the value
    /// before), then the rest, each group in form order.
    pub fn rows(&self) -> Vec<DiffRow> {
        let Some(v) = self.versions.get(self.selected) else {
            return Vec::new();
        };
        let before = self.versions.get(self.selected + 1);
        let changed: BTreeSet<&String> = v.changed.iter().collect();
        let mut names: Vec<&String> = v.values.keys().chain(v.changed.iter()).collect();
        names.sort();
        names.dedup();
        if let Some(schema) = self.schema {
            names.sort_by_key(|n| (!changed.contains(n), rank(schema, n)));
        }
        names
            .into_iter()
            .map(|name| {
                let is_changed = changed.contains(name);
                DiffRow {
                    field: name.clone(),
                    before: before
                        .filter(|_| is_changed)
                        .and_then(|b| b.values.get(name))
                        .map(|k| k.expose().to_string()),
                    after: v.values.get(name).map(|k| k.expose().to_string()),
                    changed: is_changed,
                }
            })
            .collect()
    }

    fn may(ctx: &Ctx<'_>, permission: Permission) -> bool {
        ctx.session
            .is_some_and(|s| s.permissions.contains(&permission))
    }

    /// F4: a proposal of the newest version, if the role may propose.
    fn propose(&mut self, ctx: &Ctx<'_>) -> Vec<Request> {
        if !HistoryScreen::may(ctx, Permission::ProposeCorrections) {
            return vec![Request::note(
                Level::Warning,
                "history.propose_not_permitted",
            )];
        }
        match self.proposal() {
            Some(screen) => {
                self.next = Some(Next::Propose(Box::new(screen)));
                vec![Request::Status(None)]
            }
            None => vec![Request::note(Level::Warning, "history.nothing_to_correct")],
        }
    }

    fn proposal(&self) -> Option<ProposeScreen> {
        let newest = self.versions.first()?;
        let schema = self.schema?;
        Some(ProposeScreen::new(
            schema,
            self.person.clone(),
            self.form.clone(),
            newest,
            self.origin.clone(),
        ))
    }

    /// F8 or F9 on a re-verification item: asks first.
    fn ask_resolve(&self, verified: bool) -> Vec<Request> {
        let Some(entry) = self.item_entry() else {
            return vec![Request::note(Level::Info, "history.not_an_item")];
        };
        if self.resolving.is_some() {
            return vec![];
        }
        if !verified && self.versions.is_empty() {
            return vec![Request::note(Level::Warning, "history.nothing_to_correct")];
        }
        let entry = entry.to_string();
        vec![Request::Confirm(if verified {
            PendingAction::MarkVerified { entry }
        } else {
            PendingAction::MarkNeedsCorrection { entry }
        })]
    }

    /// The clerk said yes: the mark goes.
    pub fn resolve_confirmed(&mut self, entry: &str, verified: bool) -> Vec<Request> {
        if self.item_entry() != Some(entry) || self.resolving.is_some() {
            return vec![];
        }
        self.resolving = Some(verified);
        vec![
            Request::Status(None),
            Request::Effect(Effect::Records(RecordsCall::Resolve {
                entry: entry.to_string(),
                verified,
            })),
        ]
    }

    /// The service's answer to the mark: verified goes back to the list;
    /// needing a correction opens the proposal.
    pub fn resolved(&mut self, verified: bool, result: Result<(), Failure>) -> Vec<Request> {
        self.resolving = None;
        if let Err(failure) = result {
            return vec![Request::Failed(failure)];
        }
        if verified {
            self.next = Some(Next::Tab(super::Tab::Reverify));
            return vec![Request::note(Level::Info, "history.marked_verified")];
        }
        match self.proposal() {
            Some(screen) => {
                self.next = Some(Next::Propose(Box::new(screen)));
                vec![Request::note(Level::Info, "history.marked_correction")]
            }
            None => vec![Request::note(Level::Warning, "history.nothing_to_correct")],
        }
    }
}

impl Component for HistoryScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::History)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        let last = self.versions.len().saturating_sub(1);
        match command {
            Command::SelectNext => {
                self.selected = (self.selected + 1).min(last);
                self.scroll = 0;
            }
            Command::SelectPrev => {
                self.selected = self.selected.saturating_sub(1);
                self.scroll = 0;
            }
            Command::PageDown => {
                let rows = self.rows().len();
                self.scroll = (self.scroll + super::super::PAGE).min(rows.saturating_sub(1));
            }
            Command::PageUp => self.scroll = self.scroll.saturating_sub(super::super::PAGE),
            Command::ProposeCorrection => return Outcome::Consumed(self.propose(ctx)),
            Command::MarkVerified => return Outcome::Consumed(self.ask_resolve(true)),
            Command::MarkNeedsCorrection => return Outcome::Consumed(self.ask_resolve(false)),
            Command::Back if self.resolving.is_some() => {
                return Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")]);
            }
            Command::Back => self.next = Some(self.origin.back()),
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn offers(&self, command: Command) -> bool {
        match command {
            Command::MarkVerified | Command::MarkNeedsCorrection => self.item_entry().is_some(),
            _ => true,
        }
    }

    fn waiting(&self) -> Option<&'static str> {
        self.resolving.map(|_| "history.marking")
    }

    fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![
            Hint::new(Command::SelectNext, "hint.select_version"),
            Hint::new(Command::PageDown, "hint.page_down"),
            Hint::new(Command::ProposeCorrection, "hint.propose_correction"),
        ];
        if self.item_entry().is_some() {
            hints.push(Hint::new(Command::MarkVerified, "hint.mark_verified"));
            hints.push(Hint::new(
                Command::MarkNeedsCorrection,
                "hint.mark_needs_correction",
            ));
        }
        hints.push(Hint::new(Command::Back, "hint.back"));
        hints
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let item = match &self.origin {
            Origin::Reverify(item) => Some(item),
            Origin::Record(_) => None,
        };
        let shown_versions = self.versions.len().clamp(1, VERSION_ROWS);
        let selected = self.versions.get(self.selected);
        let note_rows =
            u16::from(selected.is_some_and(|v| v.reason.is_some() || v.paper.is_some()));
        let [
            title_area,
            item_area,
            versions_area,
            note_area,
            gap,
            fields_area,
        ] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(item.is_some())),
            Constraint::Length(u16::try_from(shown_versions).unwrap_or(1)),
            Constraint::Length(note_rows),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        frame.render_widget(
            fit_line(
                vec![
                    Span::styled(
                        format!(" {} ", form_title(t, &self.form)),
                        view.style(Role::Header),
                    ),
                    Span::raw(" "),
                    Span::styled(t.t("history.title").to_string(), view.style(Role::Focus)),
                    Span::styled(
                        format!("  {} {}", t.t("field.person_number"), clean(&self.person)),
                        view.style(Role::Muted),
                    ),
                ],
                width,
            ),
            title_area,
        );
        if let Some(item) = item {
            let (due, role) = if item.overdue {
                (t.tf("reverify.overdue", &[("due", &item.due)]), Role::Error)
            } else {
                (t.tf("reverify.due", &[("due", &item.due)]), Role::Muted)
            };
            frame.render_widget(
                fit_line(
                    vec![
                        Span::styled(
                            format!(" {} ", t.t("reverify.item")),
                            view.style(Role::Warning),
                        ),
                        Span::styled(why_text(t, &item.why), view.style(Role::Text)),
                        Span::raw("  "),
                        Span::styled(due, view.style(role)),
                    ],
                    width,
                ),
                item_area,
            );
        }
        if self.versions.is_empty() {
            frame.render_widget(
                Span::styled(
                    clean_fit(&format!(" {}", t.t("history.empty")), width),
                    view.style(Role::Muted),
                ),
                versions_area,
            );
            return;
        }
        let skip = (self.selected + 1).saturating_sub(shown_versions);
        for (y, (i, v)) in (versions_area.y..versions_area.bottom())
            .zip(self.versions.iter().enumerate().skip(skip))
        {
            let focused = i == self.selected;
            let marker = if focused { "> " } else { "  " };
            let text = format!(
                "{marker}{}  {}  {}",
                t.tf("history.version", &[("n", &v.version.to_string())]),
                shown_time(&v.at),
                hands(t, v),
            );
            let style = if focused && !view.covered {
                view.style(Role::Selection)
            } else {
                view.style(Role::Text)
            };
            frame.render_widget(
                Span::styled(clean_fit(&text, width), style),
                Rect::new(area.x, y, area.width, 1),
            );
        }
        if let Some(v) = selected
            && note_rows > 0
        {
            let mut parts = Vec::new();
            if let Some(reason) = &v.reason {
                parts.push(t.tf("history.reason", &[("text", &clean(reason))]));
            }
            if let Some(paper) = &v.paper {
                parts.push(t.tf("history.paper", &[("text", &clean(paper))]));
            }
            frame.render_widget(
                Span::styled(
                    clean_fit(&format!("  {}", parts.join("  ")), width),
                    view.style(Role::Muted),
                ),
                note_area,
            );
        }
        let _ = gap;
        if let Some(schema) = self.schema {
            let rows = self.rows();
            diff::draw(
                view,
                frame,
                fields_area,
                schema,
                &rows,
                self.scroll,
                ["diff.field", "history.before", "history.this_version"],
            );
        }
    }
}
