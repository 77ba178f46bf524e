//! A supervisor's review of a proposed correction: each field before and
//! after, who proposed it, their reason and the paper; the supervisor's
//! own reason, then approve (the record's next version) or reject (kept,
//! with the reason), each asking first. Nobody reviews their own proposal:
//! the service refuses it, and the screen says so before anyone tries.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::api::entry::{CorrectionView, ReviewRequest};
use crate::domain::entry::forms;
use crate::domain::entry::schema::FormSchema;
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, RecordsCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::{Key, Layer};
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::diff::{self, DiffRow, rank};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::line::fit_line;

use super::{Next, Tab, form_title, note, refused};

/// The most characters of a review's reason.
const REASON_CHARS: usize = 200;

#[derive(Debug)]
pub struct ReviewScreen {
    pub view: CorrectionView,
    schema: &'static FormSchema,
    pub reason: TextInput,
    pub scroll: usize,
    pub sending: bool,
    next: Option<Next>,
}

impl ReviewScreen {
    /// None when this build has no such form.
    pub fn new(view: CorrectionView) -> Option<ReviewScreen> {
        let schema = forms::form(&view.form)?;
        Some(ReviewScreen {
            view,
            schema,
            reason: TextInput::new(REASON_CHARS),
            scroll: 0,
            sending: false,
            next: None,
        })
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    pub fn rows(&self) -> Vec<DiffRow> {
        let mut rows: Vec<DiffRow> = self
            .view
            .changes
            .iter()
            .map(|c| DiffRow {
                field: c.field.clone(),
                before: c.before.as_ref().map(|v| v.expose().to_string()),
                after: c.after.as_ref().map(|v| v.expose().to_string()),
                changed: true,
            })
            .collect();
        rows.sort_by_key(|r| rank(self.schema, &r.field));
        rows
    }

    fn own(&self, ctx: &Ctx<'_>) -> bool {
        ctx.session
            .is_some_and(|s| s.staff.user_id == self.view.proposed_by)
    }

    /// F8 or F9: a reason first, then the question.
    fn ask(&self, approve: bool, ctx: &Ctx<'_>) -> Vec<Request> {
        if self.sending {
            return vec![];
        }
        if self.own(ctx) {
            return vec![Request::note(Level::Warning, "records.own_correction")];
        }
        if self.reason.text().trim().is_empty() {
            return vec![Request::note(
                Level::Warning,
                "correction_review.reason_required",
            )];
        }
        let id = self.view.id.clone();
        vec![Request::Confirm(if approve {
            PendingAction::ApproveCorrection { id }
        } else {
            PendingAction::RejectCorrection { id }
        })]
    }

    /// The supervisor said yes: the review goes.
    pub fn review_confirmed(&mut self, approve: bool) -> Vec<Request> {
        let reason = self.reason.text().trim().to_string();
        if self.sending || reason.is_empty() {
            return vec![];
        }
        self.sending = true;
        vec![
            Request::Status(None),
            Request::Effect(Effect::Records(RecordsCall::Review {
                id: self.view.id.clone(),
                approve,
                request: ReviewRequest { reason },
            })),
        ]
    }

    pub fn reviewed(
        &mut self,
        approve: bool,
        result: Result<CorrectionView, Refusal>,
    ) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(view) => {
                self.next = Some(Next::Tab(Tab::Corrections));
                match (approve, view.version) {
                    (true, Some(n)) => vec![note(
                        Level::Info,
                        "correction_review.approved_version",
                        vec![("n", n.to_string())],
                    )],
                    (true, None) => vec![Request::note(Level::Info, "correction_review.approved")],
                    (false, _) => vec![Request::note(Level::Info, "correction_review.rejected")],
                }
            }
            Err(refusal) => vec![refused(refusal.failure, "correction_review.changed")],
        }
    }
}

impl Component for ReviewScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Review)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if self.reason.edit(key) {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        let last = self.view.changes.len().saturating_sub(1);
        match command {
            Command::SelectNext => self.scroll = (self.scroll + 1).min(last),
            Command::SelectPrev => self.scroll = self.scroll.saturating_sub(1),
            Command::Approve => return Outcome::Consumed(self.ask(true, ctx)),
            Command::Reject => return Outcome::Consumed(self.ask(false, ctx)),
            Command::Back if self.sending => {
                return Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")]);
            }
            Command::Back => self.next = Some(Next::Tab(Tab::Corrections)),
            _ => return Outcome::NotConsumed,
        }
        Outcome::consumed()
    }

    fn paste(&mut self, text: &str) {
        self.reason.insert_str(text);
    }

    fn typing(&self) -> bool {
        true
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("correction_review.sending")
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::SelectNext, "hint.scroll"),
            Hint::new(Command::Approve, "hint.approve"),
            Hint::new(Command::Reject, "hint.reject"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let c = &self.view;
        let own = view
            .session
            .is_some_and(|s| s.staff.user_id == c.proposed_by);
        let [
            title_area,
            by_area,
            why_area,
            own_area,
            changes_area,
            reason_area,
        ] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(u16::from(own)),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        frame.render_widget(
            fit_line(
                vec![
                    Span::styled(
                        format!(" {} ", form_title(t, &c.form)),
                        view.style(Role::Header),
                    ),
                    Span::raw(" "),
                    Span::styled(
                        t.t("correction_review.title").to_string(),
                        view.style(Role::Focus),
                    ),
                    Span::styled(
                        format!(
                            "  {} {}  {}",
                            t.t("field.person_number"),
                            clean(&c.person),
                            t.tf("correction.base", &[("n", &c.base_version.to_string())]),
                        ),
                        view.style(Role::Muted),
                    ),
                ],
                width,
            ),
            title_area,
        );
        frame.render_widget(
            fit_line(
                vec![Span::styled(
                    format!(
                        "  {}  {}",
                        t.tf(
                            "correction_review.proposed_by",
                            &[("who", &clean(&c.proposed_by))]
                        ),
                        t.tf("history.paper", &[("text", &clean(&c.paper))]),
                    ),
                    view.style(Role::Text),
                )],
                width,
            ),
            by_area,
        );
        frame.render_widget(
            fit_line(
                vec![Span::styled(
                    format!(
                        "  {}",
                        t.tf("history.reason", &[("text", &clean(&c.reason))])
                    ),
                    view.style(Role::Text),
                )],
                width,
            ),
            why_area,
        );
        if own {
            frame.render_widget(
                fit_line(
                    vec![Span::styled(
                        format!("  {}", t.t("records.own_correction")),
                        view.style(Role::Warning),
                    )],
                    width,
                ),
                own_area,
            );
        }
        diff::draw(
            view,
            frame,
            changes_area,
            self.schema,
            &self.rows(),
            self.scroll,
            ["diff.field", "diff.before", "diff.after"],
        );

        let focused = !view.covered;
        let label = t.t("correction_review.reason");
        let label_w = display_width(label) + 3;
        let marker = if focused { "> " } else { "  " };
        let label_cols = u16::try_from(label_w).unwrap_or(0).min(reason_area.width);
        frame.render_widget(
            Span::styled(
                pad_to_width(&format!("{marker}{label}"), label_w),
                view.style(Role::Focus),
            ),
            Rect {
                width: label_cols,
                ..reason_area
            },
        );
        let field = Rect {
            x: reason_area.x + label_cols,
            width: reason_area.width.saturating_sub(label_cols),
            ..reason_area
        };
        let style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(field.width)), style),
            field,
        );
        self.reason.draw(frame, field, style, focused);
    }
}
