//! The holder's own PIN change: the current PIN, a fresh code, the new PIN
//! twice, every field drawn as `*` but the code. After a handed-over PIN
//! (a new account, a reset) it comes first and cannot be left but by
//! logging out; otherwise Esc leaves it. The new PIN is checked here
//! against the same policy the service applies, so the rule is named in
//! the terminal's language; the service checks again, and its refusal is
//! shown.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

use crate::api::SessionInfo;
use crate::api::staff::PinChange;
use crate::domain::pin_policy::{PinPolicyError, check_pin};
use crate::secret::{Pin, TotpCode};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::status::{Level, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::field_row;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::layout::centred;

const BOX_WIDTH: u16 = 66;
/// Notice (two rows), blank, four fields, blank, the rules (two rows).
const BOX_HEIGHT: u16 = 12;
const FIELDS: usize = 4;
const LABELS: [&str; FIELDS] = ["pin.current", "login.code", "pin.new", "pin.again"];

/// The locale key that says which rule a new PIN broke.
pub fn rule_key(rule: PinPolicyError) -> &'static str {
    match rule {
        PinPolicyError::TooShort => "pin.rule.too_short",
        PinPolicyError::TooLong => "pin.rule.too_long",
        PinPolicyError::ControlCharacter => "pin.rule.control_character",
        PinPolicyError::Common => "pin.rule.common",
        PinPolicyError::SameCharacter => "pin.rule.same_character",
        PinPolicyError::RepeatedPattern => "pin.rule.repeated_pattern",
        PinPolicyError::DigitSequence => "pin.rule.digit_sequence",
    }
}

#[derive(Debug)]
pub struct PinChangeScreen {
    /// The PIN was handed over: nothing else until it is changed.
    pub forced: bool,
    /// Current PIN, code, new PIN, new PIN again (zeroizing buffers).
    pub fields: [TextInput; FIELDS],
    pub focus: usize,
    /// A change is on its way.
    pub busy: bool,
}

impl PinChangeScreen {
    pub fn new(forced: bool) -> PinChangeScreen {
        PinChangeScreen {
            forced,
            fields: [
                TextInput::secret(128),
                TextInput::new(8),
                TextInput::secret(128),
                TextInput::secret(128),
            ],
            focus: 0,
            busy: false,
        }
    }

    fn clear(&mut self) {
        for field in &mut self.fields {
            field.clear();
        }
        self.focus = 0;
    }

    /// Enter: to the next field; from the last, the change (every field
    /// wiped once sent, or once refused here).
    fn submit(&mut self) -> Vec<Request> {
        if self.busy {
            return vec![];
        }
        if self.focus + 1 < FIELDS {
            self.focus += 1;
            return vec![];
        }
        if self.fields.iter().any(TextInput::is_empty) {
            return vec![Request::note(Level::Warning, "pin.missing_fields")];
        }
        let [current, code, new, again] = &self.fields;
        let refused = if new.text() != again.text() {
            Some("pin.mismatch")
        } else if let Err(rule) = check_pin(new.text()) {
            Some(rule_key(rule))
        } else if new.text() == current.text() {
            Some("pin.same")
        } else {
            None
        };
        if let Some(key) = refused {
            self.fields[2].clear();
            self.fields[3].clear();
            self.focus = 2;
            return vec![Request::note(Level::Warning, key)];
        }
        let change = PinChange {
            current_pin: Pin::new(current.text()),
            totp: TotpCode::new(code.text()),
            new_pin: Pin::new(new.text()),
        };
        self.clear();
        self.busy = true;
        vec![
            Request::Status(None),
            Request::Effect(Effect::ChangePin(Box::new(change))),
        ]
    }

    /// The service's answer: the session goes on where it starts, or the
    /// refusal is shown and the form is empty again.
    pub fn changed(&mut self, result: Result<SessionInfo, Failure>) -> Vec<Request> {
        self.busy = false;
        match result {
            Ok(session) => vec![
                Request::SessionChanged(session),
                Request::note(Level::Info, "pin.changed"),
            ],
            Err(failure) if failure.is_unauthenticated() => vec![Request::Failed(failure)],
            Err(failure) => {
                self.clear();
                vec![Request::Status(Some(Status::failure(&failure)))]
            }
        }
    }

    fn focused_input(&mut self) -> Option<&mut TextInput> {
        if self.busy {
            return None;
        }
        self.fields.get_mut(self.focus)
    }
}

impl Component for PinChangeScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::PinChange)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(input) = self.focused_input()
            && input.edit(key)
        {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::NextField => {
                self.focus = (self.focus + 1) % FIELDS;
                Outcome::consumed()
            }
            Command::PrevField => {
                self.focus = (self.focus + FIELDS - 1) % FIELDS;
                Outcome::consumed()
            }
            Command::Submit => Outcome::Consumed(self.submit()),
            Command::Back if self.forced => {
                Outcome::Consumed(vec![Request::note(Level::Warning, "pin.forced")])
            }
            Command::Back if !self.busy => match ctx.session {
                Some(session) => Outcome::Consumed(vec![Request::SessionChanged(session.clone())]),
                None => Outcome::consumed(),
            },
            _ => Outcome::NotConsumed,
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(input) = self.focused_input() {
            input.insert_str(text);
        }
    }

    fn typing(&self) -> bool {
        true
    }

    fn waiting(&self) -> Option<&'static str> {
        self.busy.then_some("pin.in_progress")
    }

    fn hints(&self) -> Vec<Hint> {
        let mut hints = vec![
            Hint::new(Command::NextField, "hint.next_field"),
            Hint::new(Command::Submit, "hint.submit_pin"),
        ];
        if !self.forced {
            hints.push(Hint::new(Command::Back, "hint.back"));
        }
        hints
    }

    fn offers(&self, command: Command) -> bool {
        command != Command::Back || !self.forced
    }

    /// A forced change takes only the global keys that need no work:
    /// quitting and logging out end the session.
    fn takes_global(&self, command: Command) -> bool {
        matches!(
            command,
            Command::Quit | Command::Logout | Command::Help | Command::MessageLog | Command::Noop
        )
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let area = centred(area, BOX_WIDTH, BOX_HEIGHT);
        let role = if self.forced {
            Role::Warning
        } else {
            Role::Border
        };
        let title = if self.forced {
            "pin.title_forced"
        } else {
            "pin.title"
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .border_style(view.style(role))
            .title(Span::styled(format!(" {} ", t.t(title)), view.style(role)));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let rows = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .split(inner);
        let notice = if self.forced {
            "pin.notice_forced"
        } else {
            "pin.notice"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                t.t(notice).to_string(),
                view.style(Role::Text),
            ))
            .wrap(Wrap { trim: true }),
            rows[0],
        );
        let label_cols = field_row::label_columns(view, &LABELS, inner.width);
        let can_type = !self.busy && !view.covered;
        for (i, (input, key)) in self.fields.iter().zip(LABELS).enumerate() {
            let focused = can_type && self.focus == i;
            field_row::draw(view, frame, rows[2 + i], label_cols, key, input, focused);
        }
        frame.render_widget(
            Paragraph::new(Span::styled(
                t.t("pin.rules").to_string(),
                view.style(Role::Muted),
            ))
            .wrap(Wrap { trim: true }),
            rows[7],
        );
    }
}
