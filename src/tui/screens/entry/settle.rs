//! A supervisor settles the differences an identity check at intake found:
//! which of the 基本4情報 differ from the register (never either value),
//! the paper reference and who keys it, and F8 asks for the reason in the
//! confirm popup; only its yes sends it, and the service records it. Once
//! settled, the first keyer may submit the form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;

use crate::api::entry::{DiscardRequest, EntryView, Problem};
use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, EntryCall};
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::Layer;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean, clean_fit, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::form::{ShownProblem, problem_text};
use crate::tui::widgets::line::fit_line;

use super::intake::basic4_key;
use super::{EntryHeader, Next, form_title, note};

/// The 基本4情報 in the order the screen lists them.
const BASIC4: [&str; 4] = ["name", "birth", "sex", "address"];

#[derive(Debug)]
pub struct SettleScreen {
    pub header: EntryHeader,
    pub first_by: String,
    /// The service's names of the fields that differ.
    pub differences: Vec<String>,
    pub sending: bool,
    problems: Vec<Problem>,
    next: Option<Next>,
}

impl SettleScreen {
    pub fn new(view: &EntryView) -> SettleScreen {
        SettleScreen {
            header: EntryHeader::of(view),
            first_by: view.first_by.clone(),
            differences: view
                .identity
                .as_ref()
                .map(|i| i.differences.clone())
                .unwrap_or_default(),
            sending: false,
            problems: Vec::new(),
            next: None,
        }
    }

    pub fn take_next(&mut self) -> Option<Next> {
        self.next.take()
    }

    /// The supervisor said yes with a reason: the settling goes.
    pub fn settle_confirmed(&mut self, reason: &str) -> Vec<Request> {
        if self.sending || reason.trim().is_empty() {
            return Vec::new();
        }
        self.sending = true;
        self.problems.clear();
        vec![
            Request::Status(None),
            Request::Effect(Effect::Entry(EntryCall::SettleIdentity {
                id: self.header.id.clone(),
                request: DiscardRequest {
                    reason: reason.trim().to_string(),
                },
            })),
        ]
    }

    pub fn sent(&mut self, result: Result<EntryView, Refusal>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(_) => {
                self.next = Some(Next::List { decisions: true });
                vec![Request::note(Level::Info, "settle.done")]
            }
            Err(refusal) if refusal.problems.is_empty() => vec![Request::Failed(refusal.failure)],
            Err(refusal) => {
                self.problems = refusal.problems;
                vec![note(
                    Level::Error,
                    "entry.refused",
                    vec![("n", self.problems.len().to_string())],
                )]
            }
        }
    }
}

impl Component for SettleScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Decision)
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Send if self.sending => Outcome::consumed(),
            Command::Send => {
                Outcome::Consumed(vec![Request::Confirm(PendingAction::SettleIdentity {
                    entry: self.header.id.clone(),
                    reason: String::new(),
                })])
            }
            Command::Back if self.sending => {
                Outcome::Consumed(vec![Request::note(Level::Info, "entry.wait_sending")])
            }
            Command::Back => {
                self.next = Some(Next::List { decisions: true });
                Outcome::consumed()
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Send, "hint.settle"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        matches!(command, Command::Send | Command::Back)
    }

    fn waiting(&self) -> Option<&'static str> {
        self.sending.then_some("settle.sending")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let width = usize::from(area.width);
        let [title_area, note_area, _, body_area, problem_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        let h = &self.header;
        frame.render_widget(
            fit_line(
                vec![
                    Span::styled(
                        format!(" {} ", form_title(t, &h.form)),
                        view.style(Role::Header),
                    ),
                    Span::raw(" "),
                    Span::styled(t.t("settle.title").to_string(), view.style(Role::Focus)),
                    Span::styled(
                        format!("  {} {}", t.t("field.person_number"), clean(&h.person)),
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
                    t.t("settle.note").to_string(),
                    view.style(Role::Warning),
                )],
                width,
            ),
            note_area,
        );

        let label_w = [
            "settle.paper",
            "settle.first_by",
            "intake.name",
            "intake.birth",
            "intake.sex",
            "intake.address",
        ]
        .iter()
        .map(|k| display_width(t.t(k)))
        .max()
        .unwrap_or(8)
            + 4;
        let line = |label: &str, value: Span<'static>| {
            fit_line(
                vec![
                    Span::styled(
                        pad_to_width(&format!("  {label}"), label_w),
                        view.style(Role::Text),
                    ),
                    value,
                ],
                width,
            )
        };
        let mut lines = vec![
            line(
                t.t("settle.paper"),
                Span::styled(clean_fit(&h.paper, width), view.style(Role::Focus)),
            ),
            line(
                t.t("settle.first_by"),
                Span::styled(clean_fit(&self.first_by, width), view.style(Role::Text)),
            ),
            fit_line(vec![], width),
            fit_line(
                vec![Span::styled(
                    t.tf("form.section", &[("label", t.t("settle.compared"))]),
                    view.style(Role::Header),
                )],
                width,
            ),
        ];
        for field in BASIC4 {
            let label = basic4_key(field).map(|k| t.t(k)).unwrap_or(field);
            let value = if self.differences.iter().any(|d| d == field) {
                Span::styled(t.t("intake.differs").to_string(), view.style(Role::Error))
            } else {
                Span::styled(t.t("intake.matches").to_string(), view.style(Role::Muted))
            };
            lines.push(line(label, value));
        }
        lines.push(fit_line(vec![], width));
        lines.push(fit_line(
            vec![Span::styled(
                t.t("settle.what_follows").to_string(),
                view.style(Role::Muted),
            )],
            width,
        ));
        for (y, l) in (body_area.y..body_area.bottom()).zip(lines) {
            frame.render_widget(l, Rect::new(body_area.x, y, body_area.width, 1));
        }

        if !self.problems.is_empty() {
            let texts: Vec<String> = self
                .problems
                .iter()
                .map(|p| problem_text(t, &ShownProblem::of(p)))
                .collect();
            frame.render_widget(
                fit_line(
                    vec![Span::styled(texts.join(" / "), view.style(Role::Error))],
                    width,
                ),
                problem_area,
            );
        }
    }
}
