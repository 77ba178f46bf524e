//! The staff tab (職員), an IT officer's: every account with its role,
//! department, whether it is disabled and whether a handed-over PIN is
//! still to be changed. F8 issues the selected account a new PIN and TOTP
//! secret after a question, then shows them once, with the secret as a
//! QR code for the authenticator app; closing that popup drops them
//! (zeroized). F9 disables the account after a question. The service
//! refuses the caller's own account either way.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};
use zeroize::Zeroizing;

use crate::api::StaffList;
use crate::api::staff::{IssuedCredentials, StaffAccount};
use crate::tui::action::{Command, Failure};
use crate::tui::component::{Component, Ctx, Hint, Outcome, Request};
use crate::tui::effect::{Effect, ReviewCall};
use crate::tui::keymap::Layer;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::sanitize::{clean_fit, display_width, pad_to_width};
use crate::tui::screens::tabs::{self, Tab};
use crate::tui::status::Level;
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::widgets::layout::{clear_popup, popup_area};
use crate::tui::widgets::line::hash_groups;
use crate::tui::widgets::panel::panel;

use super::{Align, Column, draw_table, is_movement, list_command, moved, muted_line};

/// Credentials as they were issued, shown once: the QR code's lines carry
/// the secret too, and zeroize with the rest when the popup closes.
#[derive(Debug)]
pub struct Issued {
    pub credentials: IssuedCredentials,
    pub qr: Option<Zeroizing<Vec<String>>>,
}

impl Issued {
    pub fn new(credentials: IssuedCredentials) -> Issued {
        let qr = crate::qr::lines(credentials.otpauth_uri.expose());
        Issued { credentials, qr }
    }
}

#[derive(Debug)]
pub struct StaffScreen {
    pub staff: Vec<StaffAccount>,
    pub selected: usize,
    pub loading: bool,
    /// A reset or a disabling is on its way.
    pub sending: bool,
    /// New credentials, until the popup is closed.
    pub issued: Option<Issued>,
}

impl Default for StaffScreen {
    fn default() -> StaffScreen {
        StaffScreen {
            staff: Vec::new(),
            selected: 0,
            loading: true,
            sending: false,
            issued: None,
        }
    }
}

impl StaffScreen {
    pub fn loaded(&mut self, result: Result<StaffList, Failure>) -> Vec<Request> {
        self.loading = false;
        match result {
            Ok(list) => {
                self.selected = self.selected.min(list.staff.len().saturating_sub(1));
                self.staff = list.staff;
                Vec::new()
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    /// New credentials: shown once, the list read again (the account now
    /// has a PIN change pending).
    pub fn issued(&mut self, result: Result<IssuedCredentials, Failure>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(credentials) => {
                self.issued = Some(Issued::new(credentials));
                self.loading = true;
                vec![
                    Request::Status(None),
                    Request::Effect(Effect::Review(ReviewCall::Staff)),
                ]
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    pub fn disabled(&mut self, result: Result<(), Failure>) -> Vec<Request> {
        self.sending = false;
        match result {
            Ok(()) => {
                self.loading = true;
                vec![
                    Request::note(Level::Info, "staff.disabled_done"),
                    Request::Effect(Effect::Review(ReviewCall::Staff)),
                ]
            }
            Err(failure) => vec![Request::Failed(failure)],
        }
    }

    pub fn confirmed(&mut self, action: &PendingAction) -> Vec<Request> {
        let call = match action {
            PendingAction::ResetCredentials { user } => ReviewCall::ResetCredentials(user.clone()),
            PendingAction::DisableAccount { user } => ReviewCall::DisableStaff(user.clone()),
            _ => return Vec::new(),
        };
        self.sending = true;
        vec![Request::Effect(Effect::Review(call))]
    }

    fn selected_account(&self) -> Option<&StaffAccount> {
        self.staff.get(self.selected)
    }

    /// The question before a step on the selected account; the caller's
    /// own account is refused here too (the service refuses it anyway).
    fn ask(&self, ctx: &Ctx<'_>, command: Command) -> Vec<Request> {
        if self.sending {
            return vec![Request::note(Level::Info, "entry.wait_sending")];
        }
        let Some(account) = self.selected_account() else {
            return Vec::new();
        };
        if ctx.session.map(|s| s.staff.user_id.as_str()) == Some(account.user_id.as_str()) {
            return vec![Request::note(Level::Warning, "staff.own_account")];
        }
        let user = account.user_id.clone();
        match command {
            Command::ResetCredentials => {
                vec![Request::Confirm(PendingAction::ResetCredentials { user })]
            }
            _ if account.disabled => vec![Request::note(Level::Info, "staff.already_disabled")],
            _ => vec![Request::Confirm(PendingAction::DisableAccount { user })],
        }
    }

    fn rows(&self, view: &View<'_>) -> Vec<Vec<String>> {
        let t = view.i18n;
        self.staff
            .iter()
            .map(|s| {
                vec![
                    s.user_id.clone(),
                    s.display_name.clone(),
                    t.t(&format!("role.{}", s.role.as_str())).to_string(),
                    t.t(&format!("department.{}", s.department.as_str()))
                        .to_string(),
                    if s.disabled {
                        t.t("staff.is_disabled").to_string()
                    } else {
                        t.t("staff.is_active").to_string()
                    },
                    if s.pin_change_required {
                        t.t("staff.pin_pending").to_string()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect()
    }
}

impl Component for StaffScreen {
    fn layer(&self) -> Option<Layer> {
        Some(Layer::Staff)
    }

    fn run(&mut self, command: Command, ctx: &mut Ctx<'_>) -> Outcome {
        if self.issued.is_some() {
            // Nothing else while the secrets show; closing drops them.
            if matches!(command, Command::Back | Command::Submit) {
                self.issued = None;
                return Outcome::Consumed(vec![Request::note(Level::Info, "staff.secrets_closed")]);
            }
            return Outcome::consumed();
        }
        if let Some(requests) = list_command(ctx, Tab::Staff, command) {
            return Outcome::Consumed(requests);
        }
        if is_movement(command) {
            self.selected = moved(self.selected, self.staff.len(), command);
            return Outcome::consumed();
        }
        match command {
            Command::ResetCredentials | Command::DisableAccount => {
                Outcome::Consumed(self.ask(ctx, command))
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn hints(&self) -> Vec<Hint> {
        if self.issued.is_some() {
            return vec![Hint::new(Command::Back, "hint.close_secrets")];
        }
        vec![
            Hint::new(Command::ResetCredentials, "hint.reset_credentials"),
            Hint::new(Command::DisableAccount, "hint.disable_account"),
            Hint::new(Command::SelectNext, "hint.select_next"),
            Hint::new(Command::NextTab, "hint.next_tab"),
            Hint::new(Command::Back, "hint.back"),
        ]
    }

    fn offers(&self, command: Command) -> bool {
        self.issued.is_some() || command != Command::Submit
    }

    /// While the secrets show, only quitting and the help act.
    fn takes_global(&self, command: Command) -> bool {
        self.issued.is_none() || matches!(command, Command::Quit | Command::Help | Command::Noop)
    }

    fn waiting(&self) -> Option<&'static str> {
        self.loading.then_some("review.loading")
    }

    fn draw(&self, view: &View<'_>, frame: &mut Frame, area: Rect) {
        let body = tabs::draw_bar(view, frame, area, Tab::Staff);
        let inner = panel(view, frame, body, "staff.title", Role::Border);
        if !self.loading || !self.staff.is_empty() {
            if self.staff.is_empty() {
                muted_line(view, frame, inner, "staff.empty");
            } else {
                let columns = [
                    Column {
                        header: "staff.column_user",
                        align: Align::Left,
                        max: Some(16),
                    },
                    Column {
                        header: "staff.column_name",
                        align: Align::Left,
                        max: Some(16),
                    },
                    Column {
                        header: "staff.column_role",
                        align: Align::Left,
                        max: Some(14),
                    },
                    Column {
                        header: "staff.column_department",
                        align: Align::Left,
                        max: Some(16),
                    },
                    Column {
                        header: "staff.column_state",
                        align: Align::Left,
                        max: Some(10),
                    },
                    Column {
                        header: "staff.column_pin",
                        align: Align::Left,
                        max: None,
                    },
                ];
                draw_table(
                    view,
                    frame,
                    inner,
                    &columns,
                    &self.rows(view),
                    Some(self.selected),
                );
            }
        }
        if let Some(issued) = &self.issued {
            draw_issued(view, frame, area, issued);
        }
    }
}

/// The popup with the new credentials: the account, the PIN, the secret
/// in groups of four, and the QR code drawn dark on light whatever the
/// theme (a scanner needs that), or a note when the terminal is too small
/// for it.
fn draw_issued(view: &View<'_>, frame: &mut Frame, area: Rect, issued: &Issued) {
    let t = view.i18n;
    let qr = issued.qr.as_deref().map(Vec::as_slice).unwrap_or_default();
    let qr_width = qr
        .first()
        .map_or(0, |l| u16::try_from(l.chars().count()).unwrap_or(u16::MAX));
    // The account, PIN and secret, a blank row, the note (three rows).
    let text_rows: u16 = 7;
    let wanted = text_rows + 2 + u16::try_from(qr.len()).unwrap_or(u16::MAX);
    let show_qr = !qr.is_empty() && area.height >= wanted && area.width >= qr_width + 4;
    let height = if show_qr { wanted } else { text_rows + 3 };
    let width = 64.max(qr_width + 4).min(area.width);
    let rect = popup_area(area, width, height);
    clear_popup(view, frame, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .padding(Padding::horizontal(1))
        .border_style(view.style(Role::Warning))
        .title(Span::styled(
            format!(" {} ", t.t("staff.secrets_title")),
            view.style(Role::Warning),
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, qr_area] =
        Layout::vertical([Constraint::Length(text_rows), Constraint::Min(0)]).areas(inner);
    let c = &issued.credentials;
    let width = usize::from(text_area.width);
    let labels = ["staff.secret_user", "staff.secret_pin", "staff.secret_totp"];
    let label_width = labels
        .iter()
        .map(|k| display_width(t.t(k)))
        .max()
        .unwrap_or(0)
        + 2;
    let line = |label: &str, value: &str, role: Role| {
        Line::from(vec![
            Span::styled(
                pad_to_width(t.t(label), label_width),
                view.style(Role::Muted),
            ),
            Span::styled(
                clean_fit(value, width.saturating_sub(label_width)),
                view.style(role),
            ),
        ])
    };
    let secret = hash_groups(c.totp_secret.expose()).join(" ");
    let mut lines = vec![
        line("staff.secret_user", &c.user_id, Role::Text),
        line("staff.secret_pin", c.pin.expose(), Role::Focus),
        line("staff.secret_totp", &secret, Role::Focus),
    ];
    let note = if show_qr || qr.is_empty() {
        "staff.secrets_once"
    } else {
        "staff.qr_too_small"
    };
    lines.push(Line::default());
    frame.render_widget(Paragraph::new(lines), text_area);
    let [_, note_area] =
        Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(text_area);
    frame.render_widget(
        Paragraph::new(Span::styled(t.t(note).to_string(), view.style(Role::Muted)))
            .wrap(Wrap { trim: true }),
        note_area,
    );
    if show_qr {
        let ink = Style::default().fg(Color::White).bg(Color::Black);
        let qr_rect = Rect {
            x: qr_area.x + qr_area.width.saturating_sub(qr_width) / 2,
            width: qr_width.min(qr_area.width),
            ..qr_area
        };
        let rows: Vec<Line> = qr
            .iter()
            .map(|l| Line::from(Span::styled(l.clone(), ink)))
            .collect();
        frame.render_widget(Paragraph::new(rows), qr_rect);
    }
}
