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
