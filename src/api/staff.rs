//! Staff accounts as IT officers manage them, credentials issued to an
//! account, and a holder's change of their own PIN.

use serde::{Deserialize, Serialize};

use crate::domain::roles::{Department, Role};
use crate::secret::{Pin, Secret, TotpCode};

/// An account in the IT officer's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffAccount {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub department: Department,
    pub disabled: bool,
    /// The PIN was handed over and its holder has not changed it yet.
    pub pin_change_required: bool,
}

/// Why an IT officer issues new credentials: a new PIN and a new TOTP
/// secret either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The authenticator was lost or replaced.
    LostDevice,
    ForgottenPin,
    /// A first or renewed enrolment of an authenticator.
    Enrolment,
}

impl ResetReason {
    pub const ALL: [ResetReason; 3] = [Self::LostDevice, Self::ForgottenPin, Self::Enrolment];

    /// The stable code the access log and the wire use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LostDevice => "lost_device",
            Self::ForgottenPin => "forgotten_pin",
            Self::Enrolment => "enrolment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetCredentials {
    pub reason: ResetReason,
}

/// New credentials, sent once: the service keeps only the PIN's hash and
/// the sealed secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedCredentials {
    pub user_id: String,
    pub pin: Pin,
    /// Base32, as authenticator apps take it typed.
    pub totp_secret: Secret,
    /// `otpauth://` URI, as a QR code shows it.
    pub otpauth_uri: Secret,
}

/// A holder's change of their own PIN.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinChange {
    pub current_pin: Pin,
    pub totp: TotpCode,
    pub new_pin: Pin,
}
