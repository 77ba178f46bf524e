//! Every cryptographic choice of the service in one place (CRYPTREC list:
//! AES-256-GCM, HMAC-SHA-256, SHA-256), so a change of list is one change.
//!
//! One 256-bit master key, from the data directory (`keys/master.key`, mode
//! 0600) or the `BANSHO_MASTER_KEY` environment variable, derives a separate
//! key for each use. How is a property of the store (`KeyDerivation`): a
//! store keeps the derivation it was created with, because its sealed My
//! Numbers, blind indexes and access-log chain are keyed by what it gave.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
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

/// The master key, only for as long as keys are derived from it.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
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
        Ok(Self(master))
    }

    /// The master key from the environment if set, else from `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            let text = Zeroizing::new(text);
            return parse_master(&text).map(Self);
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| KeyError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?);
        parse_master(&text).map(Self)
    }
}

/// How a store's keys come from the master key. Each key has a label
/// (`my-number-aead`, `my-number-index`, `query-hmac`, `totp-aead`,
/// `login-guard`, `audit-chain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDerivation {
    /// HMAC-SHA-256 keyed by the master key over `bansho/v1/<label>`: the
    /// keys of stores created before HKDF, which they keep.
    HmacLabelV1,
    /// HKDF-SHA-256 (RFC 5869) with the master key as input keying
    /// material, no salt, `bansho/v1/<label>` as info and 32 bytes of
    /// output: every new store.
    HkdfSha256V1,
}

impl KeyDerivation {
    /// The store's meta key that records the derivation.
    pub const META_KEY: &'static str = "key_derivation";
    /// What a new store uses.
    pub const NEW: KeyDerivation = KeyDerivation::HkdfSha256V1;

    /// The name recorded in the store.
    pub fn name(self) -> &'static str {
        match self {
            KeyDerivation::HmacLabelV1 => "hmac-label-v1",
            KeyDerivation::HkdfSha256V1 => "hkdf-sha256-v1",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [KeyDerivation::HmacLabelV1, KeyDerivation::HkdfSha256V1]
            .into_iter()
            .find(|d| d.name() == name)
    }

    fn derive(self, master: &[u8; 32], label: &str) -> KeyBytes {
        let info = format!("bansho/v1/{label}");
        match self {
            KeyDerivation::HmacLabelV1 => KeyBytes(hmac_bytes(master, info.as_bytes())),
            KeyDerivation::HkdfSha256V1 => {
                let mut key = [0u8; 32];
                #[allow(
                    clippy::expect_used,
                    reason = "HKDF-SHA-256 gives up to 8160 bytes; we ask for 32"
                )]
                Hkdf::<Sha256>::new(None, master)
                    .expand(info.as_bytes(), &mut key)
                    .expect("32 bytes are a valid HKDF-SHA-256 output length");
                KeyBytes(key)
            }
        }
    }
}

/// The derived keys of one store.
pub struct Keys {
    derivation: KeyDerivation,
    my_number_aead: KeyBytes,
    my_number_index: KeyBytes,
    query_hmac: KeyBytes,
    totp_aead: KeyBytes,
    login_guard: KeyBytes,
    audit_chain: KeyBytes,
    entry_aead: KeyBytes,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

fn parse_master(text: &str) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), key.as_mut()).map_err(|_| KeyError::Malformed)?;
    Ok(key)
}

impl Keys {
    /// The keys `derivation` gives from `master`.
    pub fn derive(master: &MasterKey, derivation: KeyDerivation) -> Self {
        let key = |label| derivation.derive(&master.0, label);
        Self {
            derivation,
            my_number_aead: key("my-number-aead"),
            my_number_index: key("my-number-index"),
            query_hmac: key("query-hmac"),
            totp_aead: key("totp-aead"),
            login_guard: key("login-guard"),
            audit_chain: key("audit-chain"),
            entry_aead: key("entry-aead"),
        }
    }

    /// The keys of a new store from raw master-key bytes.
    pub fn from_master(master: &[u8; 32]) -> Self {
        Self::derive(&MasterKey::new(*master), KeyDerivation::NEW)
    }

    pub fn derivation(&self) -> KeyDerivation {
        self.derivation
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

    /// Encrypts an entry's state or a committed record, bound to what it is
    /// (`entry:<id>`, `record:<person>:<form>:<entry>`).
    pub fn seal_entry(&self, label: &str, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.entry_aead, label.as_bytes(), plaintext)
    }

    pub fn open_entry(
        &self,
        label: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        open(&self.entry_aead, label.as_bytes(), sealed)
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
    hmac_bytes(&key.0, data).to_vec()
}

fn hmac_bytes(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
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
        let created = MasterKey::create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = MasterKey::load(&path).unwrap();
        assert_eq!(*created.0, *loaded.0);
        std::fs::write(dir.path().join("bad.key"), "zz").unwrap();
        assert!(matches!(
            MasterKey::load(&dir.path().join("bad.key")),
            Err(KeyError::Malformed)
        ));
    }

    /// Vectors computed apart from this code (Python's hmac and hashlib,
    /// RFC 5869 written out): HKDF-Extract with a zero salt, then one
    /// Expand block with info `bansho/v1/<label>`.
    #[test]
    fn new_stores_derive_their_keys_with_hkdf_sha256() {
        let master = MasterKey::new([7u8; 32]);
        let keys = Keys::derive(&master, KeyDerivation::HkdfSha256V1);
        assert_eq!(
            hex::encode(keys.my_number_aead.0),
            "277f616b1f649fe84d66396cf6c5df193259ff7944e7677d90fce9e60391d189"
        );
        assert_eq!(
            hex::encode(keys.audit_chain.0),
            "08d1bfef09158c20f482e5e5a040693b47f9b0986f7b641cfce5d1ae2aef0c5a"
        );
        assert_eq!(
            hex::encode(keys.my_number_index("123456789018")),
            "b3156389298807c73e8f43d04a81d7d1bda52f8a189d5b7c959399700a351104"
        );
        assert_eq!(KeyDerivation::NEW, KeyDerivation::HkdfSha256V1);
        assert_eq!(
            Keys::from_master(&[7u8; 32]).my_number_index("123456789018"),
            keys.my_number_index("123456789018")
        );
    }

    /// The derivation of stores made before HKDF must never change: their
    /// data is keyed by it.
    #[test]
    fn older_stores_keep_their_hmac_derived_keys() {
        let master = MasterKey::new([7u8; 32]);
        let keys = Keys::derive(&master, KeyDerivation::HmacLabelV1);
        assert_eq!(
            hex::encode(keys.my_number_aead.0),
            "cc7f9088162867015e3dbb57f53af1b43b74ce3ec4714006386cc7b8dab5a506"
        );
        assert_eq!(
            hex::encode(keys.audit_chain.0),
            "2ac799a363a9c7c2450f9c9f72ff5c7a29ba21f0424dae045cfc76fcf520910a"
        );
        assert_eq!(
            hex::encode(keys.my_number_index("123456789018")),
            "8f2d56be4e36a61c0a6472c625ec833a3f5f5299dc34c6d73fc2a9b2574004c9"
        );
    }

    #[test]
    fn derivation_names_round_trip_and_unknown_ones_are_none() {
        for d in [KeyDerivation::HmacLabelV1, KeyDerivation::HkdfSha256V1] {
            assert_eq!(KeyDerivation::from_name(d.name()), Some(d));
        }
        assert_eq!(KeyDerivation::from_name("hkdf-sha512-v9"), None);
    }

    #[test]
    fn tokens_are_256_bits_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 32);
    }
}
