//! Who a row is about: the person (or "unknown"), the terminal, the purpose
//! they work under. Every access-log row is made here from an [`Event`], so
//! no handler spells an action or an outcome.

use time::OffsetDateTime;

use crate::domain::audit_event::Event;
use crate::store::AuditEntry;

/// The `user_id` of rows made before anyone logged in.
pub const UNKNOWN_USER: &str = "(unknown)";
/// The `terminal` of administrative commands run on the service's host.
pub const CONSOLE_TERMINAL: &str = "console";
/// The `user_id` and `terminal` of rows the service writes on its own
/// schedule (the day's erasure plan).
pub const SERVICE: &str = "(service)";
/// The purpose of administrative commands.
pub const SYSTEM_OPERATION: &str = "system_operation";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub terminal: String,
    /// Empty until a purpose is chosen.
    pub purpose: String,
}

impl Actor {
    pub fn new(user_id: impl Into<String>, terminal: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            terminal: terminal.into(),
            purpose: String::new(),
        }
    }

    /// Someone at `terminal` (or only a connection) who has not logged in.
    pub fn anonymous(terminal: impl Into<String>) -> Self {
        Self::new(UNKNOWN_USER, terminal)
    }

    /// An administrative command run as `user` on the service's host.
    pub fn console(user: impl Into<String>) -> Self {
        Self {
            purpose: SYSTEM_OPERATION.into(),
            ..Self::new(user, CONSOLE_TERMINAL)
        }
    }

    /// The service itself, doing its scheduled work.
    pub fn service() -> Self {
        Self {
            purpose: SYSTEM_OPERATION.into(),
            ..Self::new(SERVICE, SERVICE)
        }
    }

    pub fn with_purpose(mut self, purpose: Option<&str>) -> Self {
        self.purpose = purpose.unwrap_or_default().to_string();
        self
    }

    /// The row recording `event` by this actor. `at` is when it was asked
    /// for; the journal stamps the row with the time it commits.
    pub fn entry(&self, at: OffsetDateTime, event: Event) -> AuditEntry {
        AuditEntry {
            at,
            user_id: self.user_id.clone(),
            terminal: self.terminal.clone(),
            action: event.action,
            subjects: Vec::new(),
            query_hmac: None,
            purpose: self.purpose.clone(),
            outcome: event.outcome,
            detail: event.detail.to_string(),
            sensitive: false,
        }
    }
}

/// An identifier from a request path as a row may name it: printable
/// ASCII only, at most 64 characters (the rest of what was sent is not
/// worth keeping, and must not break the row's format).
pub fn printable_id(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}
