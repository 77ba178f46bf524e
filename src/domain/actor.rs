//! Who makes a workflow change. Every transition of a state machine takes
//! one: the machine checks the rules that concern them (a session is used
//! only by its own user at its own terminal), and the service that applies
//! the transition names them in the transition's audit row.

/// The one who causes a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A member of staff, through a session at a registered terminal.
    Staff { user_id: String, terminal: String },
    /// An IT officer's `bansho admin` command at the service's console.
    Console,
    /// The service itself, applying a rule: a timeout, a lockout.
    Service,
}

impl Actor {
    /// A member of staff at `terminal`.
    pub fn staff(user_id: impl Into<String>, terminal: impl Into<String>) -> Self {
        Self::Staff {
            user_id: user_id.into(),
            terminal: terminal.into(),
        }
    }

    /// Whether a person (not the service's own rules) is acting.
    pub fn is_person(&self) -> bool {
        !matches!(self, Self::Service)
    }
}
