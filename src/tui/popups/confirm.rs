//! The one confirm popup. A dangerous step does not happen when its key is
//! pressed: the screen asks for a [`PendingAction`], this popup shows what
//! it will do, and only a yes here turns it into a [`ConfirmedAction`],
//! which `update` carries out. Nothing else can make a `ConfirmedAction`,
//! so no step can skip the question. A question that needs one line of
//! text (the paper reference of a new entry) asks for it here, and the
//! yes carries it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::action::Command;
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{clean, display_width, pad_to_width};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::fit_line;

const WIDTH: u16 = 56;
const HEIGHT: u16 = 7;
/// The most characters of a paper reference (the service takes 64).
const PAPER_CHARS: usize = 64;
/// The most characters of a reason typed in the popup.
const REASON_CHARS: usize = 200;

/// A step that waits for the user's yes. Each dangerous step the
/// workstation offers is one variant, holding what it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingAction {
    /// Show this person's full My Number (the service logs it).
    Reveal { person: String },
    /// End the session.
    Logout,
    /// Start keying a declaration for this person from the paper named
    /// (typed in the popup).
    StartEntry { person: String, paper: String },
    /// Send the supervisor's decision on this entry (the service logs it).
    Decide { entry: String },
    /// Leave a re-keying unsent: what was typed goes.
    LeaveEntry { entry: String },
    /// Leave a blind second keying unsent and release it, so another
    /// clerk can take it: what was typed goes.
    ReleaseSecond { entry: String },
    /// Discard the caller's own first keying, with the reason typed.
    DiscardEntry { entry: String, reason: String },
    /// Settle an identity check's differences, with the reason typed.
    SettleIdentity { entry: String, reason: String },
    /// Open a batch with the header typed on the batches tab.
    OpenBatch { batch: String },
    /// Close this batch (the service checks its count and total).
    CloseBatch { batch: String },
    /// Send the correction proposed for this person's record.
    ProposeCorrection { person: String },
    /// Leave a correction unsent: what was typed goes.
    LeaveCorrection { person: String },
    /// Approve this correction: it becomes the record's next version.
    ApproveCorrection { id: String },
    /// Reject this correction (kept, with the reason).
    RejectCorrection { id: String },
    /// The re-verification item of this entry matches the paper.
    MarkVerified { entry: String },
    /// The re-verification item of this entry needs a correction.
    MarkNeedsCorrection { entry: String },
    /// Send the transfer request summarised (to this destination).
    PrepareTransfer { destination: String },
    /// Approve this transfer (the service logs it).
    ApproveTransfer { id: String },
    /// Reject this transfer, with the reason typed (kept).
    RejectTransfer { id: String, reason: String },
    /// Approve the erasure plan of this hash (the service logs it).
    ApproveRetention { hash: String },
    /// Send the grant request typed on the grants tab, for this user.
    RequestGrant { user: String },
    /// Apply this requested grant of `user` (the service logs it).
    ApplyGrant { id: String, user: String },
    /// Refuse this requested grant, with the reason typed (kept).
    RefuseGrant {
        id: String,
        user: String,
        reason: String,
    },
    /// Revoke this grant, with the reason typed (kept): its holder's
    /// sessions end at their next request.
    RevokeGrant {
        id: String,
        user: String,
        reason: String,
    },
    /// Extend the grants of this department to the date typed.
    ExtendGrants { department: String, until: String },
    /// Save the analysis shown as a report file (the service logs it).
    SaveReport { kind: String, format: String },
    /// New credentials for this account (shown once; its sessions end).
    ResetCredentials { user: String },
    /// Disable this account (its sessions end).
    DisableAccount { user: String },
    /// Revoke the `count` grants this reconciliation found still in force.
    RevokeFindings { id: String, count: usize },
}

impl PendingAction {
    /// The locale key of the question.
    fn question(&self) -> &'static str {
        match self {
            PendingAction::Reveal { .. } => "confirm.reveal",
            PendingAction::Logout => "confirm.logout",
            PendingAction::StartEntry { .. } => "confirm.start_entry",
            PendingAction::Decide { .. } => "confirm.decide",
            PendingAction::LeaveEntry { .. } => "confirm.leave_entry",
            PendingAction::ReleaseSecond { .. } => "confirm.release_second",
            PendingAction::DiscardEntry { .. } => "confirm.discard_entry",
            PendingAction::SettleIdentity { .. } => "confirm.settle_identity",
            PendingAction::OpenBatch { .. } => "confirm.open_batch",
            PendingAction::CloseBatch { .. } => "confirm.close_batch",
            PendingAction::ProposeCorrection { .. } => "confirm.propose_correction",
            PendingAction::LeaveCorrection { .. } => "confirm.leave_correction",
            PendingAction::ApproveCorrection { .. } => "confirm.approve_correction",
            PendingAction::RejectCorrection { .. } => "confirm.reject_correction",
            PendingAction::MarkVerified { .. } => "confirm.mark_verified",
            PendingAction::MarkNeedsCorrection { .. } => "confirm.mark_needs_correction",
            PendingAction::PrepareTransfer { .. } => "confirm.prepare_transfer",
            PendingAction::ApproveTransfer { .. } => "confirm.approve_transfer",
            PendingAction::RejectTransfer { .. } => "confirm.reject_transfer",
            PendingAction::ApproveRetention { .. } => "confirm.approve_retention",
            PendingAction::RequestGrant { .. } => "confirm.request_grant",
            PendingAction::ApplyGrant { .. } => "confirm.apply_grant",
            PendingAction::RefuseGrant { .. } => "confirm.refuse_grant",
            PendingAction::RevokeGrant { .. } => "confirm.revoke_grant",
            PendingAction::ExtendGrants { .. } => "confirm.extend_grants",
            PendingAction::SaveReport { .. } => "confirm.save_report",
            PendingAction::ResetCredentials { .. } => "confirm.reset_credentials",
            PendingAction::DisableAccount { .. } => "confirm.disable_account",
            PendingAction::RevokeFindings { .. } => "confirm.revoke_findings",
        }
    }

    /// What the question names (who, until when, which file format).
    fn question_args(&self, t: &I18n) -> Vec<(&'static str, String)> {
        match self {
            PendingAction::RequestGrant { user }
            | PendingAction::ApplyGrant { user, .. }
            | PendingAction::RefuseGrant { user, .. }
            | PendingAction::RevokeGrant { user, .. } => vec![("user", user.clone())],
            PendingAction::ExtendGrants { department, until } => vec![
                (
                    "department",
                    t.t(&format!("department.{department}")).to_string(),
                ),
                ("until", until.clone()),
            ],
            PendingAction::SaveReport { format, .. } => vec![("format", format.to_uppercase())],
            PendingAction::RevokeFindings { count, .. } => vec![("n", count.to_string())],
            _ => Vec::new(),
        }
    }

    /// The locale key of the line the question asks for, if it asks.
    fn asks(&self) -> Option<&'static str> {
        match self {
            PendingAction::StartEntry { .. } => Some("confirm.paper"),
            PendingAction::DiscardEntry { .. }
            | PendingAction::SettleIdentity { .. }
            | PendingAction::RejectTransfer { .. }
            | PendingAction::RefuseGrant { .. }
            | PendingAction::RevokeGrant { .. } => Some("confirm.reason"),
            _ => None,
        }
    }

    /// The most characters of the line it asks for.
    fn line_chars(&self) -> usize {
        match self {
            PendingAction::StartEntry { .. } => PAPER_CHARS,
            _ => REASON_CHARS,
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
    /// The line the question asks for, when it asks for one.
    input: Option<TextInput>,
}

impl ConfirmPopup {
    pub fn new(pending: PendingAction) -> ConfirmPopup {
        let input = pending.asks().map(|_| TextInput::new(pending.line_chars()));
        ConfirmPopup { pending, input }
    }

    pub fn pending(&self) -> &PendingAction {
        &self.pending
    }

    pub fn input(&self) -> Option<&TextInput> {
        self.input.as_ref()
    }

    /// The action with what was typed, or None while a line it asks for
    /// is empty.
    fn answered(&self) -> Option<PendingAction> {
        let typed = self.input.as_ref().map(|i| i.text().trim().to_string());
        match (&self.pending, typed) {
            (_, Some(text)) if text.is_empty() => None,
            (PendingAction::StartEntry { person, .. }, Some(paper)) => {
                Some(PendingAction::StartEntry {
                    person: person.clone(),
                    paper,
                })
            }
            (PendingAction::DiscardEntry { entry, .. }, Some(reason)) => {
                Some(PendingAction::DiscardEntry {
                    entry: entry.clone(),
                    reason,
                })
            }
            (PendingAction::SettleIdentity { entry, .. }, Some(reason)) => {
                Some(PendingAction::SettleIdentity {
                    entry: entry.clone(),
                    reason,
                })
            }
            (PendingAction::RejectTransfer { id, .. }, Some(reason)) => {
                Some(PendingAction::RejectTransfer {
                    id: id.clone(),
                    reason,
                })
            }
            (PendingAction::RefuseGrant { id, user, .. }, Some(reason)) => {
                Some(PendingAction::RefuseGrant {
                    id: id.clone(),
                    user: user.clone(),
                    reason,
                })
            }
            (PendingAction::RevokeGrant { id, user, .. }, Some(reason)) => {
                Some(PendingAction::RevokeGrant {
                    id: id.clone(),
                    user: user.clone(),
                    reason,
                })
            }
            (pending, _) => Some(pending.clone()),
        }
    }
}

impl Component for ConfirmPopup {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Confirm)
    }

    /// Yes carries the pending action out; no (or back) drops it; every
    /// other command waits, except quit.
    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        match self.input.as_mut() {
            Some(input) => {
                if input.edit(key) {
                    Outcome::consumed()
                } else {
                    Outcome::NotConsumed
                }
            }
            None => Outcome::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(input) = self.input.as_mut() {
            input.insert_str(text);
        }
    }

    fn typing(&self) -> bool {
        self.input.is_some()
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::Confirm => match self.answered() {
                Some(action) => Outcome::Consumed(vec![
                    Request::ClosePopup,
                    Request::Confirmed(ConfirmedAction(action)),
                ]),
                None => {
                    Outcome::Consumed(vec![Request::note(Level::Warning, "confirm.line_required")])
                }
            },
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
        let height = HEIGHT + u16::from(self.input.is_some()) * 2;
        let rect = popup_area(area, WIDTH, height);
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
        let question = Line::from(Span::styled(
            clean(
                &t.tf(
                    self.pending.question(),
                    &self
                        .pending
                        .question_args(t)
                        .iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .collect::<Vec<_>>(),
                ),
            ),
            view.style(Role::Text),
        ));
        let hint = fit_line(hint, usize::from(inner.width));
        let (Some(input), Some(label)) = (&self.input, self.pending.asks()) else {
            let lines = vec![question, Line::default(), hint];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
            return;
        };
        // The question above, the line asked for, a blank row, the keys.
        if inner.height < 4 {
            return;
        }
        let asked_row = inner.bottom() - 3;
        let above = Rect {
            height: asked_row - inner.y,
            ..inner
        };
        frame.render_widget(Paragraph::new(question).wrap(Wrap { trim: true }), above);
        self.draw_input(
            view,
            frame,
            Rect {
                y: asked_row,
                height: 1,
                ..inner
            },
            input,
            t.t(label),
        );
        frame.render_widget(
            Paragraph::new(hint),
            Rect {
                y: inner.bottom() - 1,
                height: 1,
                ..inner
            },
        );
    }
}

impl ConfirmPopup {
    /// The line asked for, labelled, in the one-row `row`.
    fn draw_input(
        &self,
        view: &View<'_>,
        frame: &mut Frame,
        row: Rect,
        input: &TextInput,
        label: &str,
    ) {
        let label_w = display_width(label) + 1;
        let label_cols = u16::try_from(label_w).unwrap_or(row.width).min(row.width);
        frame.render_widget(
            Span::styled(pad_to_width(label, label_w), view.style(Role::Focus)),
            Rect {
                width: label_cols,
                ..row
            },
        );
        let field = Rect {
            x: row.x + label_cols,
            width: row.width.saturating_sub(label_cols),
            ..row
        };
        let style = view
            .style(Role::Text)
            .add_modifier(ratatui::style::Modifier::UNDERLINED);
        frame.render_widget(
            Span::styled(" ".repeat(usize::from(field.width)), style),
            field,
        );
        input.draw(frame, field, style, true);
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
