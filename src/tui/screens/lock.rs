//! The idle-lock screen: a notice, the locked session's user ID, and the PIN
//! and code fields that unlock it. Nothing else of the session is drawn (no
//! staff name, no purpose, no record); the state holds nothing else either.
//! In `bansho demo` the locked user's DEMO row (PIN and live code, marked
//! when already used) sits under it, so a newcomer can unlock.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

use crate::api::{LoginResponse, UnlockRequest};
use crate::secret::{Pin, TotpCode};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::clean;
use crate::tui::status::{Level, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::demo;
use crate::tui::widgets::field_row;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::layout::{centred, centred_columns};

const BOX_WIDTH: u16 = 64;
/// Notice (two rows), prompt, blank, user ID, PIN, code, blank, other user.
const BOX_HEIGHT: u16 = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockField {
    Pin,
    Code,
}

/// A locked terminal: whose session waits, and the PIN and code typed to
/// unlock it (zeroizing buffers, the PIN drawn as `*`).
#[derive(Debug)]
pub struct LockScreen {
    pub user_id: String,
    pub pin: TextInput,
    pub code: TextInput,
    pub focus: LockField,
    /// An unlock request is on its way.
    pub busy: bool,
}

/// The answer to an unlock nobody waits for any more (the user left the
/// lock screen): a new token would keep a session alive that nobody sees.
pub fn unwanted_unlock(result: Result<Box<LoginResponse>, Failure>) -> Vec<Request> {
    match result {
        Ok(response) => vec![Request::Effect(Effect::DiscardSession(response.token))],
        Err(_) => vec![],
    }
}

impl LockScreen {
    pub fn new(user_id: String) -> LockScreen {
        LockScreen {
            user_id,
            pin: TextInput::secret(128),
            code: TextInput::new(8),
            focus: LockField::Pin,
            busy: false,
        }
    }

    fn focused_input(&mut self) -> Option<&mut TextInput> {
        if self.busy {
            return None;
        }
        Some(match self.focus {
            LockField::Pin => &mut self.pin,
            LockField::Code => &mut self.code,
        })
    }

    /// Enter: from the PIN to the code; from the code, the unlock request
    /// (PIN and code wiped from the fields once sent).
    fn submit(&mut self) -> Vec<Request> {
        if self.busy {
            return vec![];
        }
        if self.focus == LockField::Pin {
            self.focus = LockField::Code;
            return vec![];
        }
        if self.pin.is_empty() || self.code.is_empty() {
            return vec![Request::note(Level::Warning, "lock.missing_fields")];
        }
        let request = UnlockRequest {
            pin: Pin::new(self.pin.text()),
            totp: TotpCode::new(self.code.text()),
        };
        self.pin.clear();
        self.code.clear();
        self.focus = LockField::Pin;
        self.busy = true;
        // The status line says "unlocking" once the wait is noticeable.
        vec![
            Request::Status(None),
            Request::Effect(Effect::Unlock(Box::new(request))),
        ]
    }

    /// The service's answer to an unlock.
    pub fn unlocked(&mut self, result: Result<Box<LoginResponse>, Failure>) -> Vec<Request> {
        if !self.busy {
            return unwanted_unlock(result);
        }
        match result {
            Ok(response) => vec![Request::RestartIdleClock, Request::OpenSession(response)],
            Err(failure) if failure.is_unauthenticated() => vec![Request::Failed(failure)],
            Err(failure) => {
                self.busy = false;
                self.pin.clear();
                self.code.clear();
                self.focus = LockField::Pin;
                vec![Request::Status(Some(Status::failure(&failure)))]
            }
        }
    }
}

impl Component for LockScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Lock)
    }

    fn handle_key(&mut self, key: Key, _ctx: &mut Ctx<'_>) -> Outcome {
        if let Some(input) = self.focused_input()
            && input.edit(key)
        {
            return Outcome::consumed();
        }
        Outcome::NotConsumed
    }

    fn run(&mut self, command: Command, _ctx: &mut Ctx<'_>) -> Outcome {
        match command {
            Command::NextField | Command::PrevField => {
                self.focus = match self.focus {
                    LockField::Pin => LockField::Code,
                    LockField::Code => LockField::Pin,
                };
                Outcome::consumed()
            }
            Command::Submit => Outcome::Consumed(self.submit()),
            Command::SwitchUser => Outcome::Consumed(vec![Request::SwitchUser]),
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
        self.busy.then_some("lock.in_progress")
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::NextField, "hint.next_field"),
            Hint::new(Command::Submit, "hint.submit_unlock"),
            Hint::new(Command::SwitchUser, "hint.switch_user"),
        ]
    }

    /// Only the global commands that need no session act here.
    fn takes_global(&self, command: Command) -> bool {
        matches!(
            command,
            Command::Quit | Command::Help | Command::MessageLog | Command::Noop
        )
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let accounts = view.demo.map(|all| {
            // The locked user's row; every row if the user is not a demo one.
            let mine: Vec<_> = all
                .iter()
                .filter(|a| a.user_id == self.user_id)
                .cloned()
                .collect();
            if mine.is_empty() { all.to_vec() } else { mine }
        });
        let demo_height = accounts.as_ref().map_or(0, |a| demo::height(a.len()));
        let both = centred(area, area.width, BOX_HEIGHT.saturating_add(demo_height));
        let [lock_area, demo_area] = Layout::vertical([
            Constraint::Length(BOX_HEIGHT),
            Constraint::Length(demo_height),
        ])
        .areas(both);
        if let Some(accounts) = &accounts {
            demo::draw(view, accounts, frame, centred_columns(demo_area, 76));
        }
        self.draw_box(view, frame, centred(lock_area, BOX_WIDTH, BOX_HEIGHT));
    }
}

impl LockScreen {
    fn draw_box(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let block = Block::default()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .border_style(view.style(Role::Warning))
            .title(Span::styled(
                format!(" {} ", t.t("lock.title")),
                view.style(Role::Warning),
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let [notice, prompt, _, user, pin, code, _, other] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let text = |key: &str, role: Role| {
            Paragraph::new(Span::styled(t.t(key).to_string(), view.style(role)))
                .wrap(Wrap { trim: true })
        };
        frame.render_widget(text("lock.notice", Role::Text), notice);
        frame.render_widget(text("lock.prompt", Role::Muted), prompt);

        let labels = ["login.user_id", "login.pin", "login.code"];
        let label_cols = field_row::label_columns(view, &labels, inner.width);
        field_row::label(view, frame, user, label_cols, "login.user_id", false);
        frame.render_widget(
            Span::styled(clean(&self.user_id), view.style(Role::Text)),
            field_row::field_area(user, label_cols),
        );
        let can_type = !self.busy && !view.covered;
        for (row, key, which, input) in [
            (pin, "login.pin", LockField::Pin, &self.pin),
            (code, "login.code", LockField::Code, &self.code),
        ] {
            let focused = can_type && self.focus == which;
            field_row::draw(view, frame, row, label_cols, key, input, focused);
        }

        if let Some(key) = view.keymap.key_for(Layer::Lock, Command::SwitchUser) {
            let line = t.tf("lock.other_user", &[("key", &key.label())]);
            frame.render_widget(
                Paragraph::new(Span::styled(line, view.style(Role::Muted)))
                    .wrap(Wrap { trim: true }),
                other,
            );
        }
    }
}
