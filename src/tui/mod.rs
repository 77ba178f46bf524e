//! The terminal workstation: ratatui + crossterm on tokio.
//!
//! Shape: one [`action::Action`] type (the keymap's commands and the results
//! of background work); each screen a [`component::Component`] owning its
//! state, keys, drawing and hints (`screens/`), with the confirm popup and
//! the help over them (`popups/`) and shared drawing in `widgets/`;
//! `update::update(&mut App, Action) -> Vec<Effect>` routing keys and
//! results to them; `ui::render(&App, &mut Frame)` without side effects; and
//! `runtime` for the event loop and the HTTP tasks. The TUI is untrusted: it
//! renders what the service sent, after stripping controls.

pub mod action;
pub mod app;
pub mod audit_call;
pub mod component;
pub mod config_error;
pub mod effect;
pub mod entry_call;
pub mod grants_call;
pub mod i18n;
pub mod keymap;
pub mod popups;
pub mod records_call;
pub mod review_call;
pub mod runtime;
pub mod sanitize;
pub mod screens;
pub mod search_refusal;
pub mod service;
pub mod status;
pub mod terminal;
pub mod theme;
pub mod transfers_call;
pub mod ui;
pub mod update;
pub mod view;
pub mod wait;
pub mod widgets;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

pub use i18n::Lang;

/// How long the terminal may sit without a key or a paste before it locks
/// (the service ends an idle session later, at 15 minutes or less).
pub const DEFAULT_IDLE_LOCK: Duration = Duration::from_secs(5 * 60);

/// How `bansho tui` and `bansho demo` start the workstation.
pub struct TuiConfig {
    /// A client of the records service, not yet logged in.
    pub client: crate::client::ApiClient,
    pub lang: Lang,
    /// Some only in `bansho demo`.
    pub demo: Option<DemoPanel>,
    /// The user's keymap file, laid over the defaults key by key (or the name
    /// of a shipped keymap: `function-keys`, `vim`).
    pub keymap_file: Option<std::path::PathBuf>,
    /// "dark" | "light" | "high-contrast" | "mono" | "terminal", or the path of a theme file.
    pub theme: String,
    /// Idle time after which an open session locks: every record is dropped
    /// from memory and the screen, and only PIN + code of the same user
    /// unlock it. [`DEFAULT_IDLE_LOCK`] unless set (`--idle-lock SECS`).
    /// The lock comes no later than the service's idle timeout for the
    /// session, whatever this says.
    pub idle_lock: Duration,
}

/// Demo accounts shown on the login screen, marked DEMO. The closure computes
/// the current TOTP codes (the TUI build has no TOTP code of its own).
#[derive(Clone)]
pub struct DemoPanel {
    pub accounts: Arc<dyn Fn() -> Vec<DemoAccount> + Send + Sync>,
}

impl std::fmt::Debug for DemoPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DemoPanel")
    }
}

/// One demo account as the login and lock screens show it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub user_id: String,
    /// Drawn in the terminal's language, like the header's role.
    pub role: crate::api::Role,
    pub department: crate::api::Department,
    pub pin: crate::secret::Pin,
    /// The code of the current 30-second step.
    pub code: String,
    /// Seconds until the next step's code.
    pub seconds_left: u64,
    /// The service has already accepted this code (its record of the
    /// user's last accepted step), so only the next one logs in.
    pub used: bool,
}

/// Runs the workstation until the user quits; the terminal is restored on
/// every way out (return, error, panic).
pub async fn run(config: TuiConfig) -> anyhow::Result<()> {
    runtime::run(config).await
}
