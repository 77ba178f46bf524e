//! The login screen: user ID, PIN, code; in `bansho demo` a clearly marked
//! panel of demo accounts and their current codes (`widgets::demo`). The business purpose is
//! chosen after login, from the department's own ([`super::purpose`]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::Span;

use crate::api::{LoginRequest, LoginResponse};
use crate::secret::{Pin, TotpCode};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::Effect;
use crate::tui::keymap::{Key, Layer};
use crate::tui::sanitize::{display_width, pad_to_width};
use crate::tui::status::{Level, Status};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::demo;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::layout::centred_columns;
use crate::tui::widgets::panel::panel;

const FORM_WIDTH: u16 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginField {
    UserId,
    Pin,
    Code,
}

impl LoginField {
    pub const ORDER: [LoginField; 3] = [LoginField::UserId, LoginField::Pin, LoginField::Code];
}

#[derive(Debug)]
pub struct LoginScreen {
    pub user_id: TextInput,
    /// The PIN as typed: a zeroizing buffer, drawn as `*`.
    pub pin: TextInput,
    /// The one-time code as typed: zeroizing too.
    pub code: TextInput,
    pub focus: LoginField,
    /// A login request is on its way.
    pub busy: bool,
}

impl Default for LoginScreen {
    fn default() -> Self {
        LoginScreen::new()
    }
}

impl LoginScreen {
    pub fn new() -> LoginScreen {
        LoginScreen {
            user_id: TextInput::new(64),
            pin: TextInput::secret(128),
            code: TextInput::new(8),
            focus: LoginField::UserId,
            busy: false,
        }
    }

    fn focused_input(&mut self) -> Option<&mut TextInput> {
        if self.busy {
            return None;
        }
        Some(match self.focus {
            LoginField::UserId => &mut self.user_id,
            LoginField::Pin => &mut self.pin,
            LoginField::Code => &mut self.code,
        })
    }

    fn move_focus(&mut self, forward: bool) {
        let order = LoginField::ORDER;
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward {
            (at + 1) % order.len()
        } else {
            (at + order.len() - 1) % order.len()
        };
        self.focus = order[next];
    }

    /// Enter: to the next field; from the code, the login request.
    fn submit(&mut self) -> Vec<Request> {
        if self.busy {
            return vec![];
        }
        if self.focus != LoginField::Code {
            self.move_focus(true);
            return vec![];
        }
        let user_id = self.user_id.text().trim().to_string();
        if user_id.is_empty() || self.pin.is_empty() || self.code.is_empty() {
            return vec![Request::note(Level::Warning, "login.missing_fields")];
        }
        let request = LoginRequest {
            user_id,
            pin: Pin::new(self.pin.text()),
            totp: TotpCode::new(self.code.text()),
            purpose: None,
        };
        self.busy = true;
        // The status line says "logging in" once the wait is noticeable.
        vec![
            Request::Status(None),
            Request::Effect(Effect::Login(Box::new(request))),
        ]
    }

    /// The service's answer to the login; dropped unless one is awaited.
    pub fn logged_in(&mut self, result: Result<Box<LoginResponse>, Failure>) -> Vec<Request> {
        if !self.busy {
            return vec![];
        }
        self.busy = false;
        match result {
            Ok(response) => vec![Request::OpenSession(response)],
            Err(failure) => {
                self.pin.clear();
                self.code.clear();
                self.focus = LoginField::Pin;
                vec![Request::Status(Some(Status::failure(&failure)))]
            }
        }
    }
}

impl Component for LoginScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Login)
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
                self.move_focus(command == Command::NextField);
                Outcome::consumed()
            }
            Command::Submit => Outcome::Consumed(self.submit()),
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
        self.busy.then_some("login.in_progress")
    }

    fn hints(&self) -> Vec<Hint> {
        vec![
            Hint::new(Command::NextField, "hint.next_field"),
            Hint::new(Command::Submit, "hint.submit_login"),
        ]
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let (form_area, demo_area) = match view.demo {
            Some(accounts) => {
                let demo_height = demo::height(accounts.len()).min(area.height / 2);
                let [form, demo] =
                    Layout::vertical([Constraint::Min(0), Constraint::Length(demo_height)])
                        .areas(area);
                (form, Some(demo))
            }
            None => (area, None),
        };
        // Three fields and the borders.
        let form_height = 5;
        let [_, form_area, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(form_height),
            Constraint::Fill(1),
        ])
        .areas(form_area);
        self.draw_form(view, frame, centred_columns(form_area, FORM_WIDTH));
        if let (Some(demo), Some(accounts)) = (demo_area, view.demo) {
            demo::draw(view, accounts, frame, centred_columns(demo, 76));
        }
    }
}

impl LoginScreen {
    fn draw_form(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let t = view.i18n;
        let inner = panel(view, frame, area, "login.title", Role::Border);
        if inner.height == 0 || inner.width < 4 {
            return;
        }
        let labels = [
            (LoginField::UserId, "login.user_id"),
            (LoginField::Pin, "login.pin"),
            (LoginField::Code, "login.code"),
        ];
        let label_width = labels
            .iter()
            .map(|(_, key)| display_width(t.t(key)))
            .max()
            .unwrap_or(0)
            + 3;
        let label_cols = u16::try_from(label_width)
            .unwrap_or(16)
            .min(inner.width / 2);
        let field_x = inner.x + label_cols;
        let field_width = inner.width.saturating_sub(label_cols + 1);

        for (y, (field, key)) in (inner.y..).zip(labels) {
            if y >= inner.bottom() {
                return;
            }
            let focused = self.focus == field && !self.busy && !view.covered;
            let marker = if focused { "> " } else { "  " };
            let label_style = if focused {
                view.style(Role::Focus)
            } else {
                view.style(Role::Text)
            };
            let label = pad_to_width(&format!("{marker}{}", t.t(key)), usize::from(label_cols));
            frame.render_widget(
                Span::styled(label, label_style),
                Rect::new(inner.x, y, label_cols, 1),
            );
            let field_area = Rect::new(field_x, y, field_width, 1);
            let input = match field {
                LoginField::UserId => &self.user_id,
                LoginField::Pin => &self.pin,
                LoginField::Code => &self.code,
            };
            // An underline shows where the field is, even when empty.
            let field_style = view.style(Role::Text).add_modifier(Modifier::UNDERLINED);
            frame.render_widget(
                Span::styled(" ".repeat(usize::from(field_width)), field_style),
                field_area,
            );
            input.draw(frame, field_area, field_style, focused);
        }
    }
}
