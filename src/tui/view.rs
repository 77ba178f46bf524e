//! What drawing may read: the shared, read-only part of the terminal's
//! state. Screens, popups and widgets draw from a [`View`] and their own
//! state, never from the whole `App`.

use ratatui::style::Style;

use crate::api::{Purpose, SessionInfo};

use super::DemoAccount;
use super::i18n::I18n;
use super::keymap::Keymap;
use super::status::MessageLog;
use super::theme::{Role, Theme};

pub struct View<'a> {
    pub i18n: &'a I18n,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub session: Option<&'a SessionInfo>,
    /// Some only in `bansho demo`: the accounts the login screen lists.
    pub demo: Option<&'a [DemoAccount]>,
    /// The status line's last messages, for the message log.
    pub messages: &'a MessageLog,
    /// A popup or the help lies over the screen: nothing under it draws as
    /// focused (no cursor, no focus marker).
    pub covered: bool,
    /// The service cannot be reached: the header says so.
    pub offline: bool,
}

impl View<'_> {
    /// The style of a theme role.
    pub fn style(&self, role: Role) -> Style {
        self.theme.style(role)
    }

    /// The text of a locale key.
    pub fn t<'b>(&'b self, key: &'b str) -> &'b str {
        self.i18n.t(key)
    }

    /// The purposes the session may choose from (its department's).
    pub fn purposes(&self) -> &[Purpose] {
        self.session.map_or(&[], |s| s.purposes.as_slice())
    }
}
