//! A witness's cosignature of a checkpoint, as C2SP tlog-cosignature/v1
//! (Ed25519) defines it: a signed-note signature line
//!
//! ```text
//! — <witness name> base64(key ID (4) || timestamp (8, big-endian) || signature (64))
//! ```
//!
//! over `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's
//! note text. The key ID is SHA-256(name || '\n' || 0x04 || public key)[:4]
//! and the keys have the signed-note text forms with signature type 0x04,
//! so witnesses and verifiers of the witness network read them as they are.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use zeroize::Zeroizing;

use super::checkpoint::{PRIVATE_PREFIX, key_text, read_key, typed_key_id, valid_name};

/// The signed-note signature type of an Ed25519 cosignature/v1.
const COSIGNATURE_V1: u8 = 0x04;
/// Key ID, timestamp, signature.
const LINE_BYTES: usize = 4 + 8 + 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("not a witness key (signed-note form with signature type 0x04)")]
    Key,
    #[error("the key name is empty or holds a space or '+'")]
    KeyName,
    #[error("no valid cosignature of the witness key is on the checkpoint")]
    Missing,
}

/// What a cosignature signs.
fn message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A witness's own cosigning key. Redacted in Debug, zeroized on drop.
pub struct CosignerKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for CosignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CosignerKey({}, <redacted>)", self.name)
    }
}

impl CosignerKey {
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CosignatureError> {
        if !valid_name(name) {
            return Err(CosignatureError::KeyName);
        }
        Ok(Self {
            name: name.to_string(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// Reads `PRIVATE+KEY+<name>+<id>+<base64(0x04 || seed)>`.
    pub fn parse(text: &str) -> Result<Self, CosignatureError> {
        let rest = text
            .trim()
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(CosignatureError::Key)?;
        let (name, id, seed) = read_key(rest, COSIGNATURE_V1).map_err(|_| CosignatureError::Key)?;
        let key = Self::from_seed(name, &seed)?;
        if key.verifier().id() != id {
            return Err(CosignatureError::Key);
        }
        Ok(key)
    }

    /// The key's text form, for its file only.
    pub fn to_text(&self) -> Zeroizing<String> {
        let public = self.key.verifying_key();
        let text = key_text(
            &self.name,
            COSIGNATURE_V1,
            public.as_bytes(),
            self.key.as_bytes(),
        );
        Zeroizing::new(format!("{PRIVATE_PREFIX}{}", text.as_str()))
    }

    pub fn verifier(&self) -> WitnessKey {
        WitnessKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) of the checkpoint note
    /// text `text`, made at `timestamp` (seconds since the epoch).
    pub fn cosign(&self, text: &str, timestamp: u64) -> String {
        let signature = self.key.sign(message(text, timestamp).as_bytes());
        let mut bytes = self.verifier().id().to_vec();
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(bytes))
    }
}

/// The public key a witness's cosignatures are checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    key: VerifyingKey,
}

impl WitnessKey {
    /// Reads `<name>+<id>+<base64(0x04 || key)>`.
    pub fn parse(text: &str) -> Result<Self, CosignatureError> {
        let (name, id, public) =
            read_key(text, COSIGNATURE_V1).map_err(|_| CosignatureError::Key)?;
        if typed_key_id(name, COSIGNATURE_V1, &public) != id {
            return Err(CosignatureError::Key);
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| CosignatureError::Key)?;
        Ok(Self {
            name: name.to_string(),
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn id(&self) -> [u8; 4] {
        typed_key_id(&self.name, COSIGNATURE_V1, self.key.as_bytes())
    }

    pub fn to_text(&self) -> String {
        let public = self.key.as_bytes();
        key_text(&self.name, COSIGNATURE_V1, public, public).to_string()
    }

    /// The timestamp of this key's valid cosignature of the note text
    /// `text` among the signature `lines`; lines of other keys are skipped.
    pub fn check(&self, text: &str, lines: &str) -> Result<u64, CosignatureError> {
        for line in lines.lines() {
            let Some((name, blob)) = line
                .strip_prefix("\u{2014} ")
                .and_then(|rest| rest.split_once(' '))
            else {
                continue;
            };
            let Ok(bytes) = B64.decode(blob) else {
                continue;
            };
            if name != self.name || bytes.len() != LINE_BYTES || bytes[..4] != self.id() {
                continue;
            }
            let mut stamp = [0u8; 8];
            stamp.copy_from_slice(&bytes[4..12]);
            let timestamp = u64::from_be_bytes(stamp);
            let Ok(signature) = Signature::from_slice(&bytes[12..]) else {
                continue;
            };
            if timestamp < 1 << 63
                && self
                    .key
                    .verify(message(text, timestamp).as_bytes(), &signature)
                    .is_ok()
            {
                return Ok(timestamp);
            }
        }
        Err(CosignatureError::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn key() -> CosignerKey {
        CosignerKey::from_seed("witness.example/w1", &[7; 32]).unwrap()
    }

    #[test]
    fn a_cosignature_checks_with_its_key_only() {
        let line = key().cosign(TEXT, 1_679_315_147);
        assert!(line.starts_with("\u{2014} witness.example/w1 "));
        assert_eq!(key().verifier().check(TEXT, &line), Ok(1_679_315_147));
        // Another text, another key of the same name, a changed timestamp.
        let other_text = TEXT.replace("20852163", "20852164");
        assert_eq!(
            key().verifier().check(&other_text, &line),
            Err(CosignatureError::Missing)
        );
        let other = CosignerKey::from_seed("witness.example/w1", &[8; 32]).unwrap();
        assert_eq!(
            other.verifier().check(TEXT, &line),
            Err(CosignatureError::Missing)
        );
        let mut bytes = B64.decode(line.trim().rsplit(' ').next().unwrap()).unwrap();
        bytes[11] ^= 1;
        let moved = format!("\u{2014} witness.example/w1 {}\n", B64.encode(bytes));
        assert_eq!(
            key().verifier().check(TEXT, &moved),
            Err(CosignatureError::Missing)
        );
        // A log's own signature line beside it is skipped.
        let both = format!("\u{2014} example.com/behind-the-sofa AAAA\n{line}");
        assert_eq!(key().verifier().check(TEXT, &both), Ok(1_679_315_147));
    }

    #[test]
    fn keys_round_trip_and_other_types_are_refused() {
        let text = key().to_text();
        assert!(text.starts_with("PRIVATE+KEY+witness.example/w1+"));
        let again = CosignerKey::parse(&text).unwrap();
        assert_eq!(again.verifier(), key().verifier());
        let public = key().verifier().to_text();
        assert_eq!(WitnessKey::parse(&public).unwrap(), key().verifier());
        assert!(!format!("{:?}", key()).contains(&text[30..]));
        // A checkpoint (type 0x01) key is not a witness key.
        let log = super::super::checkpoint::SignerKey::from_seed("log", &[7; 32]).unwrap();
        assert_eq!(
            WitnessKey::parse(&log.verifier().to_text()),
            Err(CosignatureError::Key)
        );
        assert_eq!(
            CosignerKey::parse(&log.to_text()).unwrap_err(),
            CosignatureError::Key
        );
        assert_eq!(
            CosignerKey::from_seed("two words", &[1; 32]).unwrap_err(),
            CosignatureError::KeyName
        );
    }
}
