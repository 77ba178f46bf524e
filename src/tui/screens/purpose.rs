//! Choosing the session's business purpose (業務) after login: only the
//! purposes of the user's department, as the service sent them, and none
//! chosen until the user picks one, so nobody is recorded under a purpose
//! they did not choose.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::SessionInfo;
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::i18n::Lang;
use crate::tui::keymap::Layer;
use crate::tui::sanitize::{clean, clean_fit};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::centred;
use crate::tui::widgets::panel::panel;

use super::PAGE;

const WIDTH: u16 = 64;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurposeScreen {
    /// Nothing is chosen until the user picks a purpose.
    pub selected: Option<usize>,
    /// The choice is on its way to the service.
    pub busy: bool,
}

impl PurposeScreen {
    /// Moves the selection; the first move picks the first (or last)
    /// purpose.
    fn select(&mut self, command: Command, len: usize) -> Vec<Request> {
        if self.busy || len == 0 {
            return vec![];
        }
        let last = len - 1;
        self.selected = Some(match (self.selected, command) {
            (None, Command::SelectPrev | Command::PageUp | Command::Last) => last,
            (None, _) => 0,
            (Some(i), Command::SelectNext) => (i + 1).min(last),
            (Some(i), Command::SelectPrev) => i.saturating_sub(1),
            (Some(i), Command::PageDown) => (i + PAGE).min(last),
            (Some(i), Command::PageUp) => i.saturating_sub(PAGE),
            (Some(_), Command::First) => 0,
            (Some(_), Command::Last) => last,
            (Some(i), _) => i,
        });
        vec![Request::Status(None)]
    }

    /// Enter: sends the chosen purpose; with none chosen yet, says so.
    fn submit(&mut self, ctx: &Ctx<'_>) -> Vec<Request> {
        if self.busy {
            return vec![];
        }
        let purposes = ctx.session.map_or(&[][..], |s| s.purposes.as_slice());
        let chosen = self.selected.and_then(|i| purposes.get(i));
        let Some(purpose) = chosen else {
            return vec![Request::note(Level::Warning, "purpose.none_chosen")];
        };
        self.busy = true;
        // The status line says so once the wait is noticeable.
        vec![
            Request::Status(None),
            Request::Effect(Effect::ChoosePurpose(purpose.code.clone())),
        ]
    }

    /// The service's answer to the choice; dropped unless one is awaited.
    pub fn chosen(&mut self, result: Result<SessionInfo, Failure>) -> Vec<Request> {
        if !self.busy {
            return vec![];
        }
        self.busy = false;
        match result {
            Ok(session) => vec![Request::SessionChanged(session)],
            Err(failure) => vec![Request::Failed(failure)],
        }
    }
}

impl Component for PurposeScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Login)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Submit => Outcome::Consumed(self.submit(ctx)),
            Command::SelectNext
            | Command::SelectPrev
            | Command::PageDown
            | Command::PageUp
            | Command::First
            | Command::Last => {
                let len = ctx.session.map_or(0, |s| s.purposes.len());
                Outcome::Consumed(self.select(command, len))
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn waiting(&self) -> Option<&'static str> {
        self.busy.then_some("purpose.in_progress")
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::SelectNext, "hint.select_purpose"),
            Hint::new(Command::Submit, "hint.submit_purpose"),
        ]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let choices = view.purposes();
        // The prompt, a blank line, the purposes (at most ten rows), borders.
        let rows = choices.len().clamp(1, 10);
        let height = u16::try_from(rows + 4).unwrap_or(14);
        let box_area = centred(area, WIDTH, height);
        let inner = panel(view, frame, box_area, "purpose.title", Role::Border);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let t = view.i18n;
        let width = usize::from(inner.width);
        let mut lines = vec![
            Line::from(Span::styled(
                clean_fit(t.t("purpose.prompt"), width),
                view.style(Role::Text),
            )),
            Line::default(),
        ];
        if choices.is_empty() {
            lines.push(Line::from(Span::styled(
                clean_fit(t.t("purpose.none_configured"), width),
                view.style(Role::Error),
            )));
        }
        let visible = usize::from(inner.height.saturating_sub(2)).max(1);
        let first = self.selected.map_or(0, |i| i.saturating_sub(visible - 1));
        for (i, purpose) in choices.iter().enumerate().skip(first).take(visible) {
            let name = match t.lang() {
                Lang::Ja => &purpose.name_ja,
                Lang::En => &purpose.name_en,
            };
            let selected = self.selected == Some(i);
            let marker = if selected { "> " } else { "  " };
            let text = format!("{marker}{} ({})", clean(name), clean(&purpose.code));
            let role = if selected {
                Role::Selection
            } else {
                Role::Text
            };
            lines.push(Line::from(Span::styled(
                clean_fit(&text, width),
                view.style(role),
            )));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
