//! The erasure plan the service makes daily (保存期間経過後の消去), for the
//! IT officer and a supervisor to approve: the day, the plan's hash (what
//! an approval names), who has approved and which role is still awaited,
//! each rule with its legal basis and how many items fall under it, and
//! the items (kind, internal ID, rule, due day; never a name or a number).
//! F8 approves the plan shown, after a question. Carrying it out is the
//! console's `bansho admin retention run --plan HASH`, once both approved.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::retention::RetentionPlanView;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, ReviewCall};
use crate::tui::i18n::I18n;
use crate::tui::keymap::Layer;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::clean_fit;
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::line::hash_groups;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, is_movement, list_command, moved, muted_line};

#[derive(Debug)]
pub struct RetentionScreen {
    pub plan: Option<RetentionPlanView>,
    pub selected: usize,
    pub loading: bool,
    /// An approval is on its way.
    pub sending: bool,
}

impl Default for RetentionScreen {
    fn default() -> RetentionScreen {
        RetentionScreen {
            plan: None,
            selected: 0,
            loading: true,
            sending: false,
        }
    }
}

/// A code from the service in the UI language under `key` when the
/// locale has it, else as sent.
fn named(i18n: &I18n, key: &str, code: &str) -> String {
    if i18n.has(key) {
        i18n.t(key).to_string()
    } else {
        code.to_string()
    }
}

impl RetentionScreen {
    pub fn loaded(&mut self, result: Result<RetentionPlanView, Failure>) -> Vec<Request> {
        self.loading = false;
        self.sending = false;
        match result {
            Ok(plan) => {
                let len = plan.items.len();
                self.plan = Some(plan);
                self.selected = self.selected.min(len.saturating_sub(1));
                Vec::new()
            }
            Err(failure) => {
                self.plan = None;
                vec![Request::Failed(failure)]
            }
        }
    }

    /// The answer to an approval: the plan as it now stands, or why not
    /// (a changed plan is read again, so the screen shows the current one).
    pub fn approved(&mut self, result: Result<RetentionPlanView, Failure>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(plan) => {
                let key = if plan.awaiting.is_empty() {
                    "retention.approved_ready"
                } else {
                    "retention.approved_awaiting"
                };
                self.plan = Some(plan);
                vec![Request::note(Level::Info, key)]
            }
            Err(failure) => {
                self.loading = true;
                vec![
                    Request::Failed(failure),
                    Request::Effect(Effect::Review(ReviewCall::RetentionPlan)),
                ]
            }
        }
    }

    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let PendingAction::ApproveRetention { hash } = action else {
            return Vec::new();
        };
        if self.plan.as_ref().map(|p| &p.hash) != Some(hash) {
            return Vec::new();
        }
        self.sending = true;
        vec![Request::Effect(Effect::Review(
            ReviewCall::ApproveRetention(hash.clone()),
        ))]
    }

    fn approve(&self, ctx: &Ctx<'_>) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        let me = ctx.session.map(|s| s.staff.user_id.as_str());
        if plan
            .approvals
            .iter()
            .any(|a| Some(a.user_id.as_str()) == me)
        {
            return vec![Request::note(Level::Info, "retention.already_approved")];
        }
        if plan.items.is_empty() {
            return vec![Request::note(Level::Info, "retention.nothing_due")];
        }
        vec![Request::Confirm(PendingAction::ApproveRetention {
            hash: plan.hash.clone(),
        })]
    }

    fn head_lines(
        &self,
        view: &View<'_>,
        plan: &RetentionPlanView,
        width: usize,
    ) -> Vec<Line<'static>> {
        let t = view.i18n;
        let line = |text: String, role: Role| {
            Line::from(Span::styled(clean_fit(&text, width), view.style(role)))
        };
        let approvals = if plan.approvals.is_empty() {
            t.t("retention.none_approved").to_string()
        } else {
            let who = plan
                .approvals
                .iter()
                .map(|a| {
                    format!(
                        "{} ({})",
                        a.user_id,
                        named(t, &format!("role.{}", a.role), &a.role)
                    )
                })
                .collect::<Vec<_>>()
                .join(t.t("review.separator"));
            t.tf("retention.approved_by", &[("who", &who)])
        };
        let next = if plan.items.is_empty() {
            t.t("retention.nothing_due").to_string()
        } else if plan.awaiting.is_empty() {
            t.tf(
                "retention.ready",
                &[("hash", &plan.hash[..plan.hash.len().min(16)])],
            )
        } else {
            let roles = plan
                .awaiting
                .iter()
                .map(|r| named(t, &format!("role.{r}"), r))
                .collect::<Vec<_>>()
                .join(t.t("review.separator"));
            t.tf("retention.awaiting", &[("roles", &roles)])
        };
        vec![
            line(
                t.tf(
                    "retention.plan_line",
                    &[("today", &plan.today), ("n", &plan.items.len().to_string())],
                ),
                Role::Text,
            ),
            line(
                format!("SHA-256  {}", hash_groups(&plan.hash).join(" ")),
                Role::Text,
            ),
            line(approvals, Role::Text),
            line(next, Role::Muted),
        ]
    }
}

impl Component for RetentionScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Retention)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(requests) = list_command(ctx, Tab::Retention, command) {
            return Outcome::Consumed(requests);
        }
        if is_movement(command) {
            let len = self.plan.as_ref().map_or(0, |p| p.items.len());
            self.selected = moved(self.selected, len, command);
            return Outcome::consumed();
        }
        if command == Command::Approve {
            return Outcome::Consumed(self.approve(ctx));
        }
        Outcome::NotConsumed
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Approve, "hint.approve"),
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
        let area = tabs::draw_bar(view, frame, area, Tab::Retention);
        let inner = panel(view, frame, area, "retention.title", Role::Border);
        if self.loading {
            return;
        }
        let Some(plan) = &self.plan else {
            muted_line(view, frame, inner, "retention.unavailable");
            return;
        };
        let head = self.head_lines(view, plan, usize::from(inner.width));
        let rules_height = u16::try_from(plan.rules.len() + 1).unwrap_or(u16::MAX);
        let [head_area, _, rules_area, _, items_area] = Layout::vertical([
            Constraint::Length(u16::try_from(head.len()).unwrap_or(4)),
            Constraint::Length(1),
            Constraint::Length(rules_height),
            Constraint::Length(1),
            Constraint::Min(2),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(head), head_area);

        let t = view.i18n;
        let rule_columns = [
            Column {
                header: "retention.column_rule",
                align: Align::Left,
                max: Some(20),
            },
            Column {
                header: "retention.column_items",
                align: Align::Right,
                max: Some(6),
            },
            Column {
                header: "retention.column_basis",
                align: Align::Left,
                max: None,
            },
        ];
        let rules: Vec<Vec<String>> = plan
            .rules
            .iter()
            .map(|r| {
                let basis = match &r.note {
                    Some(note) => format!("{}  ({note})", r.basis),
                    None => r.basis.clone(),
                };
                vec![r.rule.clone(), r.items.to_string(), basis]
            })
            .collect();
        draw_table(view, frame, rules_area, &rule_columns, &rules, None);

        if plan.items.is_empty() {
            muted_line(view, frame, items_area, "retention.nothing_due");
            return;
        }
        let item_columns = [
            Column {
                header: "retention.column_kind",
                align: Align::Left,
                max: Some(12),
            },
            Column {
                header: "retention.column_id",
                align: Align::Left,
                max: Some(24),
            },
            Column {
                header: "retention.column_due",
                align: Align::Left,
                max: Some(10),
            },
            Column {
                header: "retention.column_reason",
                align: Align::Left,
                max: None,
            },
        ];
        let items: Vec<Vec<String>> = plan
            .items
            .iter()
            .map(|i| {
                vec![
                    named(t, &format!("retention.kind.{}", i.kind), &i.kind),
                    i.id.clone(),
                    i.due.clone(),
                    i.reason.clone(),
                ]
            })
            .collect();
        draw_table(
            view,
            frame,
            items_area,
            &item_columns,
            &items,
            Some(self.selected),
        );
    }
}
