//! Secrets and personal data in memory: wiped on drop, redacted when printed,
//! so neither `tracing` nor a panic message can show them.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself, for the one place that must use it.
            pub fn expose(&self) -> &str {
                &self.0
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("<redacted>")
            }
        }
    };
}

secret_string!(
    /// A staff member's PIN as typed.
    Pin
);
secret_string!(
    /// A one-time code from the authenticator.
    TotpCode
);
secret_string!(
    /// A session's bearer token (256 random bits, URL-safe base64).
    SessionToken
);
secret_string!(
    /// A value keyed on a form, in its canonical form: personal data
    /// (names, amounts, numbers) that no log may show.
    KeyedValue
);
impl AsRef<str> for KeyedValue {
    fn as_ref(&self) -> &str {
        self.expose()
    }
}

secret_string!(
    /// Any other secret or piece of personal data carried as text
    /// (a revealed My Number, a TOTP enrolment secret).
    Secret
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let pin = Pin::new("correct-horse-1");
        let token = SessionToken::new("tok-abcdef");
        let code = TotpCode::new("123456");
        let secret = Secret::new("123456789018");
        for shown in [
            format!("{pin:?} {pin}"),
            format!("{token:?} {token}"),
            format!("{code:?} {code}"),
            format!("{secret:?} {secret}"),
        ] {
            assert!(shown.contains("redacted"), "{shown}");
            for value in ["correct-horse-1", "tok-abcdef", "123456", "789018"] {
                assert!(!shown.contains(value), "{shown} leaks {value}");
            }
        }
    }

    #[test]
    fn serialises_transparently_for_the_wire() {
        let pin = Pin::new("abc");
        assert_eq!(serde_json::to_string(&pin).unwrap(), "\"abc\"");
        let back: Pin = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.expose(), "abc");
    }
}
