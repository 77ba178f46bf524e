//! What a transfer's receiving end answers.

use serde::{Deserialize, Serialize};

/// A receiver's receipt: the SHA-256 of the bytes that arrived, so the
/// sender can check they are the bytes signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkReceipt {
    pub receipt: String,
    pub hash: String,
    pub received_at: String,
    pub records: usize,
}

/// A destination as registered, with who changed it last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationView {
    pub destination: crate::domain::transfer::destination::Destination,
    pub revision: i64,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationList {
    pub destinations: Vec<DestinationView>,
}

/// A change of a registered destination, against the revision read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeDestinationRequest {
    pub revision: i64,
    pub destination: crate::domain::transfer::destination::Destination,
}

/// One version of a format as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatView {
    pub format: crate::domain::transfer::format::TransferFormat,
    pub registered_by: String,
    pub registered_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatList {
    pub formats: Vec<FormatView>,
}

/// A clerk's transfer request (the persons by their internal numbers).
pub type PrepareTransferRequest = crate::domain::transfer::machine::Request;

/// A refusal's reason, or an approval's note.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferReason {
    pub reason: String,
}

/// A transfer as its preparer, a supervisor, an IT officer or an auditor
/// sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferView {
    pub id: String,
    pub state: String,
    pub prepared_by: String,
    pub prepared_at: String,
    pub request: crate::domain::transfer::machine::Request,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    /// The IT officer who signed off as witness, and when.
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<String>,
    /// The hash signed, and its fingerprint as read aloud.
    pub hash: Option<String>,
    pub fingerprint: Option<String>,
    /// The receiver's receipt, and when it came.
    pub receipt: Option<String>,
    pub delivered_at: Option<String>,
    /// Why the last attempt to send failed.
    pub failure: Option<String>,
    pub rejected_by: Option<String>,
    pub rejected_reason: Option<String>,
    pub rejected_at_step: Option<String>,
}

/// A transfer in a list: how many records, never whose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferSummary {
    pub id: String,
    pub state: String,
    pub prepared_by: String,
    pub prepared_at: String,
    pub destination: String,
    pub format: String,
    pub records: usize,
    pub approved_by: Option<String>,
    pub signed_off_by: Option<String>,
    /// The destination's receipt, once delivered.
    #[serde(default)]
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferList {
    pub transfers: Vec<TransferSummary>,
}

/// The preview at the preparer's terminal: what leaves, to be read aloud
/// before the IT officer signs off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewView {
    pub transfer: TransferView,
    pub destination_name: String,
    pub format: String,
    pub records: usize,
    /// The fields that leave, by name.
    pub fields: Vec<String>,
    /// The SHA-256 of the manifest, and its first 16 digits in groups.
    pub hash: String,
    pub fingerprint: String,
    /// 支援措置 records, each to reconfirm before the sign-off.
    pub to_reconfirm: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconfirmRequest {
    pub person: String,
}

/// The IT officer's sign-off at the preparer's terminal: their own user
/// ID, PIN and a fresh code, and the hash the preview showed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOffRequest {
    pub user_id: String,
    pub pin: crate::secret::Pin,
    pub totp: crate::secret::TotpCode,
    pub hash: String,
}
