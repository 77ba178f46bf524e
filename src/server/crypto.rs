//! Every cryptographic choice of the service in one place (CRYPTREC list:
//! AES-256-GCM, HMAC-SHA-256, SHA-256), so a change of list is one change.
//!
//! One 256-bit master key, from the data directory (`keys/master.key`, mode
//! 0600) or the `BANSHO_MASTER_KEY` environment variable, derives a separate
//! key for each use.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

type HmacSha256 = Hmac<Sha256>;

pub const MASTER_KEY_ENV: &str = "BANSHO_MASTER_KEY";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the master key at {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the master key must be 64 hexadecimal characters (256 bits)")]
    Malformed,
    #[error("cannot write the master key at {path}: {reason}")]
    Write { path: String, reason: String },
}

#[derive(Debug, thiserror::Error)]
#[error("decryption failed: the data or the key is wrong")]
pub struct DecryptError;

#[derive(Zeroize, ZeroizeOnDrop)]
struct KeyBytes([u8; 32]);

/// The derived keys of one store.
pub struct Keys {
    my_number_aead: KeyBytes,
    my_number_index: KeyBytes,
    query_hmac: KeyBytes,
    totp_aead: KeyBytes,
    login_guard: KeyBytes,
    audit_chain: KeyBytes,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> KeyBytes {
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(b"bansho/v1/");
    mac.update(label.as_bytes());
    KeyBytes(mac.finalize().into_bytes().into())
}

fn parse_master(text: &str) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), key.as_mut()).map_err(|_| KeyError::Malformed)?;
    Ok(key)
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self {
            my_number_aead: derive(master, "my-number-aead"),
            my_number_index: derive(master, "my-number-index"),
            query_hmac: derive(master, "query-hmac"),
            totp_aead: derive(master, "totp-aead"),
            login_guard: derive(master, "login-guard"),
            audit_chain: derive(master, "audit-chain"),
        }
    }

    /// A fresh random master key, written to `path` with mode 0600.
    pub fn create(path: &Path) -> Result<Self, KeyError> {
        let mut master = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(master.as_mut());
        let text = Zeroizing::new(hex::encode(master.as_ref()));
        write_private(path, text.as_bytes()).map_err(|e| KeyError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(Self::from_master(&master))
    }

    /// The master key from the environment if set, else from `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            let text = Zeroizing::new(text);
            let master = parse_master(&text)?;
            return Ok(Self::from_master(&master));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| KeyError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?);
        let master = parse_master(&text)?;
        Ok(Self::from_master(&master))
    }

    /// Encrypts a My Number, bound to the record it belongs to.
    pub fn seal_my_number(&self, person_number: &str, digits: &str) -> Vec<u8> {
        seal(
            &self.my_number_aead,
            person_number.as_bytes(),
            digits.as_bytes(),
        )
    }

    pub fn open_my_number(
        &self,
        person_number: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        open(&self.my_number_aead, person_number.as_bytes(), sealed)
    }

    /// Blind index of a My Number: exact lookup without storing it in clear.
    pub fn my_number_index(&self, digits: &str) -> Vec<u8> {
        hmac(&self.my_number_index, digits.as_bytes())
    }

    /// Keyed HMAC of a search text, the only trace of it the access log keeps.
    /// The key of the access log's chain: derived here, never stored.
    pub fn audit_chain_key(&self) -> crate::store::chain::ChainKey {
        crate::store::chain::ChainKey::new(self.audit_chain.0)
    }

    pub fn query_hmac(&self, query: &str) -> String {
        hex::encode(hmac(&self.query_hmac, query.as_bytes()))
    }

    /// What login attempts for a user ID as typed are counted under: the
    /// store never holds a guessed ID in the clear.
    pub fn login_guard_key(&self, user_id: &str) -> Vec<u8> {
        hmac(&self.login_guard, user_id.as_bytes())
    }

    pub fn seal_totp_secret(&self, user_id: &str, secret: &[u8]) -> Vec<u8> {
        seal(&self.totp_aead, user_id.as_bytes(), secret)
    }

    pub fn open_totp_secret(
        &self,
        user_id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        open(&self.totp_aead, user_id.as_bytes(), sealed)
    }
}

fn hmac(key: &KeyBytes, data: &[u8]) -> Vec<u8> {
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&key.0).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn seal(key: &KeyBytes, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new((&key.0).into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    #[allow(
        clippy::expect_used,
        reason = "AES-GCM fails only past 64 GiB in one message; ours are a few bytes"
    )]
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of a short message cannot fail");
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

fn open(key: &KeyBytes, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    if sealed.len() < NONCE_LEN {
        return Err(DecryptError);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new((&key.0).into());
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| DecryptError)
}

/// SHA-256 of a session token: only the hash is stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random 256-bit token, URL-safe.
pub fn new_token() -> String {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(bytes.as_mut());
    hex::encode(bytes.as_ref())
}

/// Writes a new file readable by its owner only (0600, in a 0700 folder if
/// the folder is new).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::private_fs::write_new(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32])
    }

    #[test]
    fn my_numbers_round_trip_and_are_bound_to_their_record() {
        let k = keys();
        let sealed = k.seal_my_number("1000000001", "123456789018");
        assert!(!sealed.windows(12).any(|w| w == b"123456789018"));
        assert_eq!(
            k.open_my_number("1000000001", &sealed).unwrap().as_slice(),
            b"123456789018"
        );
        assert!(k.open_my_number("1000000002", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(k.open_my_number("1000000001", &tampered).is_err());
        assert!(k.open_my_number("1000000001", &sealed[..5]).is_err());
    }

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let a = keys().my_number_index("123456789018");
        assert_eq!(a, keys().my_number_index("123456789018"));
        assert_ne!(
            a,
            Keys::from_master(&[8u8; 32]).my_number_index("123456789018")
        );
        assert_ne!(a, keys().my_number_index("621498320257"));
    }

    #[test]
    fn master_key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let created = Keys::create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = Keys::load(&path).unwrap();
        assert_eq!(
            created.my_number_index("123456789018"),
            loaded.my_number_index("123456789018")
        );
        std::fs::write(dir.path().join("bad.key"), "zz").unwrap();
        assert!(matches!(
            Keys::load(&dir.path().join("bad.key")),
            Err(KeyError::Malformed)
        ));
    }

    #[test]
    fn tokens_are_256_bits_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 32);
    }
}
