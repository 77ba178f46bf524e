//! A transfer's state is stored sealed (it names persons): the one place
//! that seals and opens it, for the routes and for the reports made at the
//! console.

use crate::domain::transfer::machine::Transfer;
use crate::server::crypto::Keys;
use crate::store::TransferRow;

/// The associated data a transfer's state is sealed under.
fn label(id: &str) -> String {
    format!("transfer:{id}")
}

/// Why a stored transfer could not be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("a transfer does not encode")]
    Encode,
    #[error("a stored transfer does not decrypt")]
    Decrypt,
    #[error("a stored transfer does not decode")]
    Decode,
}

pub fn seal(keys: &Keys, id: &str, transfer: &Transfer) -> Result<Vec<u8>, SealError> {
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(transfer).map_err(|_| SealError::Encode)?);
    Ok(keys.seal_entry(&label(id), &json))
}

pub fn open(keys: &Keys, row: &TransferRow) -> Result<Transfer, SealError> {
    let json = keys
        .open_entry(&label(&row.id), &row.body)
        .map_err(|_| SealError::Decrypt)?;
    serde_json::from_slice(&json).map_err(|_| SealError::Decode)
}
