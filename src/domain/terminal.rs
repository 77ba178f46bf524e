//! A terminal's life: enrolled by a person with a name never used before,
//! revoked by a person, and never back. A revoked terminal is refused at its
//! next request, on open connections too. Diagram:
//! `docs/state-machines/terminal.md`.
//!
//! Pure: the certificate is issued and the registry searched by the
//! service; this decides what may happen.

use time::OffsetDateTime;

use super::actor::Actor;

/// A terminal's name: 3 to 32 letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TerminalName(String);

impl TerminalName {
    pub fn parse(name: &str) -> Result<Self, TerminalError> {
        let ok = (3..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(name.to_string()))
        } else {
            Err(TerminalError::BadName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Registered: its certificate is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    pub name: TerminalName,
    /// SHA-256 of its client certificate, as the registry matches it.
    pub fingerprint: String,
    pub enrolled_at: OffsetDateTime,
}

/// Refused for good; the name stays taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub name: TerminalName,
    pub fingerprint: String,
    pub enrolled_at: OffsetDateTime,
    pub revoked_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terminal {
    Enrolled(Enrolled),
    Revoked(Revoked),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalError {
    #[error("a terminal name has 3 to 32 characters: letters, digits, '-', '_' or '.'")]
    BadName,
    #[error("terminal {name} is already registered; revoked names are not reused")]
    NameTaken { name: String },
    #[error("terminals are enrolled and revoked by a person, not by the service")]
    NotByAPerson,
    #[error("terminal {name} was revoked at {revoked_at}")]
    Revoked {
        name: String,
        revoked_at: OffsetDateTime,
    },
}

impl Terminal {
    /// Registers a terminal under `name` with the certificate whose
    /// fingerprint is given. `existing` is the registry's terminal of that
    /// name, if it has one: enrolled or revoked, the name is taken.
    pub fn enroll(
        actor: &Actor,
        at: OffsetDateTime,
        name: TerminalName,
        fingerprint: String,
        existing: Option<&Terminal>,
    ) -> Result<Terminal, TerminalError> {
        if !actor.is_person() {
            return Err(TerminalError::NotByAPerson);
        }
        if existing.is_some() {
            return Err(TerminalError::NameTaken {
                name: name.as_str().to_string(),
            });
        }
        Ok(Terminal::Enrolled(Enrolled {
            name,
            fingerprint,
            enrolled_at: at,
        }))
    }

    pub fn name(&self) -> &TerminalName {
        match self {
            Terminal::Enrolled(t) => &t.name,
            Terminal::Revoked(t) => &t.name,
        }
    }

    /// Revokes an enrolled terminal; once only.
    pub fn revoke(self, actor: &Actor, at: OffsetDateTime) -> Result<Terminal, TerminalError> {
        if !actor.is_person() {
            return Err(TerminalError::NotByAPerson);
        }
        match self {
            Terminal::Enrolled(t) => Ok(Terminal::Revoked(Revoked {
                name: t.name,
                fingerprint: t.fingerprint,
                enrolled_at: t.enrolled_at,
                revoked_at: at,
            })),
            Terminal::Revoked(t) => Err(revoked(&t)),
        }
    }

    /// Whether the terminal may be served (at a handshake and at every
    /// request): enrolled, not revoked.
    pub fn admit(&self) -> Result<&Enrolled, TerminalError> {
        match self {
            Terminal::Enrolled(t) => Ok(t),
            Terminal::Revoked(t) => Err(revoked(t)),
        }
    }
}

fn revoked(t: &Revoked) -> TerminalError {
    TerminalError::Revoked {
        name: t.name.as_str().to_string(),
        revoked_at: t.revoked_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const ENROLLED: OffsetDateTime = datetime!(2026-04-01 09:00 UTC);
    const LATER: OffsetDateTime = datetime!(2026-04-02 17:30 UTC);

    fn name(s: &str) -> TerminalName {
        TerminalName::parse(s).unwrap()
    }

    fn enrolled() -> Terminal {
        Terminal::enroll(
            &Actor::Console,
            ENROLLED,
            name("counter-01"),
            "ab12".into(),
            None,
        )
        .unwrap()
    }

    #[test]
    fn names_are_checked_once_at_the_edge() {
        for good in ["abc", "counter-01", "kazei_2.east", &"a".repeat(32)] {
            assert_eq!(TerminalName::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "ab",
            &"a".repeat(33),
            "counter 01",
            "窓口01",
            "a/b",
            "a\u{202E}bc",
        ] {
            assert_eq!(
                TerminalName::parse(bad),
                Err(TerminalError::BadName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_person_enrolls_a_new_name() {
        let Terminal::Enrolled(t) = enrolled() else {
            panic!("not enrolled");
        };
        assert_eq!(t.name.as_str(), "counter-01");
        assert_eq!(t.fingerprint, "ab12");
        assert_eq!(t.enrolled_at, ENROLLED);
        // An IT officer at a terminal is a person too.
        let by_staff = Terminal::enroll(
            &Actor::staff("it01", "it-desk"),
            ENROLLED,
            name("counter-02"),
            "cd34".into(),
            None,
        );
        assert!(matches!(by_staff, Ok(Terminal::Enrolled(_))));
    }

    #[test]
    fn a_name_is_enrolled_once_even_after_revocation() {
        let first = enrolled();
        let again = |existing: &Terminal| {
            Terminal::enroll(
                &Actor::Console,
                LATER,
                name("counter-01"),
                "ef56".into(),
                Some(existing),
            )
        };
        let taken = Err(TerminalError::NameTaken {
            name: "counter-01".into(),
        });
        assert_eq!(again(&first), taken);
        let revoked = first.revoke(&Actor::Console, LATER).unwrap();
        assert_eq!(again(&revoked), taken);
    }

    #[test]
    fn the_service_neither_enrolls_nor_revokes() {
        let refused = Terminal::enroll(
            &Actor::Service,
            ENROLLED,
            name("counter-01"),
            "ab12".into(),
            None,
        );
        assert_eq!(refused, Err(TerminalError::NotByAPerson));
        assert_eq!(
            enrolled().revoke(&Actor::Service, LATER),
            Err(TerminalError::NotByAPerson)
        );
    }

    #[test]
    fn revocation_keeps_the_enrolment_and_adds_its_time() {
        let revoked = enrolled().revoke(&Actor::Console, LATER).unwrap();
        assert_eq!(
            revoked,
            Terminal::Revoked(Revoked {
                name: name("counter-01"),
                fingerprint: "ab12".into(),
                enrolled_at: ENROLLED,
                revoked_at: LATER,
            })
        );
        assert_eq!(revoked.name().as_str(), "counter-01");
    }

    #[test]
    fn a_terminal_is_revoked_once() {
        let revoked = enrolled().revoke(&Actor::Console, LATER).unwrap();
        assert_eq!(
            revoked.revoke(&Actor::Console, LATER),
            Err(TerminalError::Revoked {
                name: "counter-01".into(),
                revoked_at: LATER,
            })
        );
    }

    #[test]
    fn only_an_enrolled_terminal_is_admitted() {
        let terminal = enrolled();
        assert_eq!(terminal.admit().map(|t| t.name.as_str()), Ok("counter-01"));
        let revoked = terminal.revoke(&Actor::Console, LATER).unwrap();
        assert!(matches!(
            revoked.admit(),
            Err(TerminalError::Revoked { revoked_at, .. }) if revoked_at == LATER
        ));
    }
}
