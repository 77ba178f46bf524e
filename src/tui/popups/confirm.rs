//! The one confirm popup. A dangerous step does not happen when its key is
//! pressed: the screen asks for a [`PendingAction`], this popup shows what
//! it will do, and only a yes here turns it into a [`ConfirmedAction`],
//! which `update` carries out. Nothing else can make a `ConfirmedAction`,
//! so no step can skip the question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::keymap::Layer;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::fit_line;

const WIDTH: u16 = 56;
const HEIGHT: u16 = 7;

/// A step that waits for the user's yes. Each dangerous step the
/// workstation offers is one variant, holding what it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingAction {
    /// Show this person's full My Number (the service logs it).
    Reveal { person: String },
    /// End the session.
    Logout,
}

impl PendingAction {
    /// The locale key of the question.
    fn question(&self) -> &'static str {
        match self {
            PendingAction::Reveal { .. } => "confirm.reveal",
            PendingAction::Logout => "confirm.logout",
        }
    }
}

/// A [`PendingAction`] the user said yes to; only the popup makes one.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfirmedAction(PendingAction);

impl ConfirmedAction {
    pub fn action(&self) -> &PendingAction {
        &self.0
    }

    pub fn into_action(self) -> PendingAction {
        self.0
    }
}

#[derive(Debug)]
pub struct ConfirmPopup {
    pending: PendingAction,
}

impl ConfirmPopup {
    pub fn new(pending: PendingAction) -> ConfirmPopup {
        ConfirmPopup { pending }
    }

    pub fn pending(&self) -> &PendingAction {
        &self.pending
    }
}

impl Component for ConfirmPopup {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Confirm)
    }

    /// Yes carries the pending action out; no (or back) drops it; every
    /// other command waits, except quit.
    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Confirm => Outcome::Consumed(vec![
                Request::ClosePopup,
                Request::Confirmed(ConfirmedAction(self.pending.clone())),
            ]),
            Command::Cancel | Command::Back => Outcome::Consumed(vec![Request::ClosePopup]),
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::Confirm, "hint.confirm"),
            Hint::new(Command::Cancel, "hint.cancel"),
        ]
    }

    /// The popup is modal: of the global keys only quit acts.
    fn takes_global(&self, command: Command) -> bool {
        command == Command::Quit
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let rect = popup_area(area, WIDTH, HEIGHT);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(view.style(Role::Warning))
            .title(Span::styled(
                format!(" {} ", t.t("confirm.title")),
                view.style(Role::Warning),
            ));
        let inner = block.inner(rect);
        clear_popup(view, frame, rect);
        frame.render_widget(block, rect);
        let mut hint = Vec::new();
        for command in [Command::Confirm, Command::Cancel] {
            if let Some(key) = view.keymap.key_for(Layer::Confirm, command) {
                hint.push(Span::styled(key.label(), view.style(Role::Key)));
                hint.push(Span::styled(
                    format!(" {}  ", t.t(&format!("action.{}", command.name()))),
                    view.style(Role::Text),
                ));
            }
        }
        let lines = vec![
            Line::from(Span::styled(
                t.t(self.pending.question()).to_string(),
                view.style(Role::Text),
            )),
            Line::default(),
            fit_line(hint, usize::from(inner.width)),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Keymap;

    fn run(popup: &mut ConfirmPopup, command: Command) -> Outcome {
        let keymap = Keymap::defaults();
        let mut seq = 1;
        let mut ctx = Ctx {
            keymap: &keymap,
            session: None,
            next_seq: &mut seq,
        };
        popup.run(command, &mut ctx)
    }

    fn reveal() -> PendingAction {
        PendingAction::Reveal {
            person: "1000000001".into(),
        }
    }

    #[test]
    fn yes_yields_the_action_it_carries() {
        for pending in [reveal(), PendingAction::Logout] {
            let mut popup = ConfirmPopup::new(pending.clone());
            let Outcome::Consumed(requests) = run(&mut popup, Command::Confirm) else {
                panic!("confirm not consumed");
            };
            let confirmed: Vec<&PendingAction> = requests
                .iter()
                .filter_map(|r| match r {
                    Request::Confirmed(c) => Some(c.action()),
                    _ => None,
                })
                .collect();
            assert_eq!(confirmed, [&pending]);
            assert!(matches!(requests.first(), Some(Request::ClosePopup)));
        }
    }

    #[test]
    fn no_closes_and_confirms_nothing() {
        for command in [Command::Cancel, Command::Back] {
            let mut popup = ConfirmPopup::new(reveal());
            let Outcome::Consumed(requests) = run(&mut popup, command) else {
                panic!("{command:?} not consumed");
            };
            assert!(matches!(requests.as_slice(), [Request::ClosePopup]));
        }
    }

    #[test]
    fn other_commands_are_not_its_own_and_only_quit_passes() {
        let mut popup = ConfirmPopup::new(PendingAction::Logout);
        for command in [
            Command::Submit,
            Command::Reveal,
            Command::Help,
            Command::Quit,
        ] {
            assert!(matches!(run(&mut popup, command), Outcome::NotConsumed));
        }
        assert!(popup.takes_global(Command::Quit));
        for command in [Command::Help, Command::Logout, Command::Noop] {
            assert!(!popup.takes_global(command), "{command:?}");
        }
        assert_eq!(popup.pending(), &PendingAction::Logout);
    }
}
