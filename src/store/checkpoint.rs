//! Signed checkpoints of the access log: the C2SP tlog-checkpoint text
//! (origin, size, base64 root hash of the Merkle tree over the first `size`
//! rows, [`super::merkle`]) as a C2SP signed note with an Ed25519
//! signature.
//!
//! ```text
//! bansho-audit/3f2a9c1d77e0b1c4
//! 1234
//! 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d (base64)
//!
//! — bansho.audit <base64 of key ID (4 bytes) || signature (64 bytes)>
//! ```
//!
//! Keys are in the signed-note text forms Go's `golang.org/x/mod/sumdb/note`
//! and the witness network read: `PRIVATE+KEY+<name>+<id>+<base64>` for the
//! signer (kept in a file apart from the store), `<name>+<id>+<base64>` for
//! the verifier (kept in the service directory and printed for the paper
//! record). A witness can check and cosign these notes as they are.
//!
//! The signature and note format are written here on `ed25519-dalek`
//! (the `signed_note` crate is young and single-user); the signed-note
//! specification's own example is a test below.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::merkle::Hash;
use crate::domain::audit_event::Reason;

/// The signed-note signature type of Ed25519.
const ED25519: u8 = 0x01;
pub(crate) const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";
/// The key name `bansho admin audit keygen` gives by default.
pub const DEFAULT_KEY_NAME: &str = "bansho.audit";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a signed-note key in the expected form")]
    Key,
    #[error("the key name is empty or holds a space or '+'")]
    KeyName,
    #[error("the checkpoint is not a signed note in the C2SP checkpoint form")]
    Format,
    #[error("the checkpoint carries no valid signature of the access log's checkpoint key")]
    Signature,
}

/// A key name as signed notes allow it: non-empty, no space, no '+'.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The 4-byte key ID of an Ed25519 key: SHA-256(name || '\n' || 0x01 || key).
fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    typed_key_id(name, ED25519, public)
}

/// The 4-byte key ID of a key of signature type `kind`:
/// SHA-256(name || '\n' || kind || key)[:4].
pub(crate) fn typed_key_id(name: &str, kind: u8, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([kind]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The key that signs checkpoints. Redacted in Debug, zeroized on drop.
pub struct SignerKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKey({}, <redacted>)", self.name)
    }
}

impl SignerKey {
    /// A key made from 32 random bytes.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        if !valid_name(name) {
            return Err(CheckpointError::KeyName);
        }
        Ok(Self {
            name: name.to_string(),
            key: SigningKey::from_bytes(seed),
        })
    }

    /// Reads `PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>`.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let rest = text
            .trim()
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(CheckpointError::Key)?;
        let (name, id, seed) = read_key(rest, ED25519)?;
        let key = Self::from_seed(name, &seed)?;
        if key_id(name, key.key.verifying_key().as_bytes()) != id {
            return Err(CheckpointError::Key);
        }
        Ok(key)
    }

    /// The key's text form, for its file only.
    pub fn to_text(&self) -> Zeroizing<String> {
        let public = self.key.verifying_key();
        let text = key_text(&self.name, ED25519, public.as_bytes(), self.key.as_bytes());
        Zeroizing::new(format!("{PRIVATE_PREFIX}{}", text.as_str()))
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The signed note of `text` (which ends in a newline).
    pub fn sign_note(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut sig = key_id(&self.name, self.key.verifying_key().as_bytes()).to_vec();
        sig.extend_from_slice(&signature.to_bytes());
        format!("{text}\n\u{2014} {} {}\n", self.name, B64.encode(sig))
    }
}

/// A key's text in its parts: name, key ID, the 32 key bytes.
pub(crate) type KeyParts<'t> = (&'t str, [u8; 4], Zeroizing<[u8; 32]>);

/// `<name>+<8 hex>+<base64(kind || 32 bytes)>` into the name, the ID and
/// the 32 bytes of a key of signature type `kind` (the caller checks the
/// ID, which needs the public key).
pub(crate) fn read_key(text: &str, kind: u8) -> Result<KeyParts<'_>, CheckpointError> {
    // The base64 may hold '+' itself.
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(bytes)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CheckpointError::Key);
    };
    if !valid_name(name) {
        return Err(CheckpointError::KeyName);
    }
    let id: [u8; 4] = hex::decode(id)
        .ok()
        .and_then(|id| id.try_into().ok())
        .ok_or(CheckpointError::Key)?;
    let bytes = Zeroizing::new(B64.decode(bytes).map_err(|_| CheckpointError::Key)?);
    match bytes.split_first() {
        Some((&k, key)) if k == kind => {
            let key: [u8; 32] = key.try_into().map_err(|_| CheckpointError::Key)?;
            Ok((name, id, Zeroizing::new(key)))
        }
        _ => Err(CheckpointError::Key),
    }
}

/// The text form of a key of signature type `kind` named `name` whose
/// public half is `public`: `key` is that public key, or the private seed
/// (the caller puts [`PRIVATE_PREFIX`] before it).
pub(crate) fn key_text(
    name: &str,
    kind: u8,
    public: &[u8; 32],
    key: &[u8; 32],
) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(vec![kind]);
    bytes.extend_from_slice(key);
    Zeroizing::new(format!(
        "{name}+{}+{}",
        hex::encode(typed_key_id(name, kind, public)),
        B64.encode(bytes.as_slice())
    ))
}

/// The public key checkpoints are checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: VerifyingKey,
}

impl VerifierKey {
    /// Reads `<name>+<id>+<base64(0x01 || key)>`.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let (name, id, public) = read_key(text, ED25519)?;
        if key_id(name, &public) != id {
            return Err(CheckpointError::Key);
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| CheckpointError::Key)?;
        Ok(Self {
            name: name.to_string(),
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn id(&self) -> [u8; 4] {
        key_id(&self.name, self.key.as_bytes())
    }

    pub fn to_text(&self) -> String {
        let public = self.key.as_bytes();
        key_text(&self.name, ED25519, public, public).to_string()
    }

    /// The text of `note` if one of its signatures is this key's and valid.
    /// Signatures of other keys (a witness's cosignature) are skipped.
    pub fn open_note<'n>(&self, note: &'n str) -> Result<&'n str, CheckpointError> {
        let split = note.rfind("\n\n").ok_or(CheckpointError::Format)?;
        let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
        if !sigs.ends_with('\n') {
            return Err(CheckpointError::Format);
        }
        let mut found = false;
        for line in sigs.lines() {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or(CheckpointError::Format)?;
            let (name, sig) = rest.split_once(' ').ok_or(CheckpointError::Format)?;
            let sig = B64.decode(sig).map_err(|_| CheckpointError::Format)?;
            if name != self.name || sig.len() < 4 || sig[..4] != self.id() {
                continue;
            }
            let signature =
                Signature::from_slice(&sig[4..]).map_err(|_| CheckpointError::Signature)?;
            self.key
                .verify(text.as_bytes(), &signature)
                .map_err(|_| CheckpointError::Signature)?;
            found = true;
        }
        if found {
            Ok(text)
        } else {
            Err(CheckpointError::Signature)
        }
    }
}

/// A tree head: the log named `origin` had `size` rows, whose tree's root
/// is `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The access log's origin line: the log's name, from the store's
    /// access-log key record (different in every store, and under the
    /// log's key), so a checkpoint of another store is not taken for one of
    /// this.
    pub fn origin_of(chain_record: &str) -> String {
        let d = Sha256::digest(chain_record.as_bytes());
        format!("bansho-audit/{}", hex::encode(&d[..8]))
    }

    /// The note text: origin, size and base64 root, each on its line.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Reads a note text (extension lines after the root are allowed, and
    /// ignored).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Format);
        };
        let canonical = size == "0" || (!size.starts_with('0') && !size.starts_with('+'));
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| canonical)
            .ok_or(CheckpointError::Format)?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(CheckpointError::Format)?;
        if origin.is_empty() || !text.ends_with('\n') {
            return Err(CheckpointError::Format);
        }
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    pub fn sign(&self, key: &SignerKey) -> String {
        key.sign_note(&self.text())
    }

    /// The checkpoint in `note` if `verifier` signed it.
    pub fn open(note: &str, verifier: &VerifierKey) -> Result<Self, CheckpointError> {
        Self::parse(verifier.open_note(note)?)
    }

    /// A short form of the root for the paper record (業務日誌): its first
    /// 8 bytes in four groups, written beside the size.
    pub fn fingerprint(&self) -> String {
        let hex = hex::encode(&self.root[..8]);
        let groups: Vec<&str> = (0..4).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        groups.join("-")
    }
}

/// Why the access log does not extend its latest checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    #[error(
        "the latest checkpoint (size {size}) has no valid signature of the checkpoint key: it was forged or swapped"
    )]
    Signature { size: i64 },
    #[error(
        "the latest checkpoint (size {size}) is of another log, not of this store: it was swapped"
    )]
    Origin { size: i64 },
    #[error(
        "the latest checkpoint covers {size} rows but the log has {rows}: rows were cut from its end"
    )]
    Truncated { size: u64, rows: u64 },
    #[error(
        "the first {size} rows do not have the root the latest checkpoint signed: rows were rewritten"
    )]
    Root { size: u64 },
    #[error(
        "the service directory has a checkpoint key but the store has no checkpoint: checkpoints were removed"
    )]
    Missing,
    #[error(
        "the latest cosigned checkpoint (size {size}) carries no valid cosignature of the witness key: it was forged or swapped"
    )]
    Cosignature { size: i64 },
    #[error(
        "the latest cosigned checkpoint covers {size} rows but the log has {rows}: rows the witness saw were cut from its end"
    )]
    CosignedTruncated { size: u64, rows: u64 },
    #[error(
        "the store has no checkpoint cosigned by the witness key given: cosignatures were removed, or none was ever made"
    )]
    CosignatureMissing,
}

impl CheckpointBreak {
    /// The finding, as the access log records it.
    pub fn reason(&self) -> Reason {
        match self {
            CheckpointBreak::Signature { .. } => Reason::CheckpointSignature,
            CheckpointBreak::Origin { .. } => Reason::CheckpointOrigin,
            CheckpointBreak::Truncated { .. } => Reason::CheckpointTruncated,
            CheckpointBreak::Root { .. } => Reason::CheckpointRoot,
            CheckpointBreak::Missing => Reason::CheckpointMissing,
            CheckpointBreak::Cosignature { .. } => Reason::CosignatureInvalid,
            CheckpointBreak::CosignedTruncated { .. } => Reason::CheckpointTruncated,
            CheckpointBreak::CosignatureMissing => Reason::CosignatureMissing,
        }
    }
}

/// The tree over the first `limit` rows of the log (all of them without a
/// limit), read page by page.
pub fn log_tree(
    store: &dyn super::Store,
    limit: Option<u64>,
) -> super::StoreResult<super::merkle::TreeBuilder> {
    const PAGE: usize = 10_000;
    let mut tree = super::merkle::TreeBuilder::new();
    let mut after = 0;
    loop {
        let want = match limit {
            Some(limit) => PAGE.min((limit - tree.size()) as usize),
            None => PAGE,
        };
        if want == 0 {
            return Ok(tree);
        }
        let rows = store.audit_rows(after, want)?;
        let Some(last) = rows.last() else {
            return Ok(tree);
        };
        after = last.seq;
        for row in &rows {
            // A value that is not a chain value still makes a leaf (of its
            // text): the root then differs, and the chain names the row.
            let leaf = super::merkle::row_leaf(&row.hash)
                .unwrap_or_else(|| super::merkle::leaf_hash(row.hash.as_bytes()));
            tree.push(leaf);
        }
    }
}

/// The consistency proof from the log's first `m` rows to its first `n`
/// (RFC 6962 §2.1.2), what a witness that saw a checkpoint of size `m` needs
/// to accept one of size `n` without the rows; `None` if the log has fewer
/// than `n` rows or `m > n`. Holds the `n` leaf hashes in memory (32 bytes
/// a row).
pub fn log_consistency_proof(
    store: &dyn super::Store,
    m: u64,
    n: u64,
) -> super::StoreResult<Option<Vec<Hash>>> {
    if m > n {
        return Ok(None);
    }
    const PAGE: usize = 10_000;
    let mut leaves = Vec::new();
    let mut after = 0;
    while (leaves.len() as u64) < n {
        let want = PAGE.min((n - leaves.len() as u64) as usize);
        let rows = store.audit_rows(after, want)?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        after = last.seq;
        leaves.extend(rows.iter().map(|row| {
            super::merkle::row_leaf(&row.hash)
                .unwrap_or_else(|| super::merkle::leaf_hash(row.hash.as_bytes()))
        }));
    }
    Ok(Some(super::merkle::consistency_proof(&leaves, m as usize)))
}

/// The origin line of this store's log; `None` before its first row.
pub fn store_origin(store: &dyn super::Store) -> super::StoreResult<Option<String>> {
    Ok(store
        .get_meta(super::chain::CHAIN_RECORD)?
        .map(|record| Checkpoint::origin_of(&record)))
}

/// A checkpoint of the whole log as it is now, signed, and its row.
pub fn make(
    store: &dyn super::Store,
    key: &SignerKey,
    now: time::OffsetDateTime,
) -> super::StoreResult<Option<(Checkpoint, super::CheckpointRow)>> {
    let Some(origin) = store_origin(store)? else {
        return Ok(None);
    };
    let tree = log_tree(store, None)?;
    let checkpoint = Checkpoint {
        origin,
        size: tree.size(),
        root: tree.root(),
    };
    let row = super::CheckpointRow {
        size: checkpoint.size as i64,
        note: checkpoint.sign(key),
        verifier: key.verifier().to_text(),
        made_at: now,
    };
    Ok(Some((checkpoint, row)))
}

/// Checks the store's latest checkpoint with `verifier`: its signature,
/// that it is of this log, and that the log still extends it (at least its
/// size, and the same root over its first rows). `Ok(None)`: no checkpoint
/// yet (and `expected` false: none was ever made with this directory).
pub fn check_latest(
    store: &dyn super::Store,
    verifier: &VerifierKey,
    expected: bool,
) -> super::StoreResult<Result<Option<Checkpoint>, CheckpointBreak>> {
    let Some(row) = store.checkpoints(1)?.pop() else {
        return Ok(if expected {
            Err(CheckpointBreak::Missing)
        } else {
            Ok(None)
        });
    };
    // The note says what was signed; the row's size column is only an index.
    let Ok(checkpoint) = Checkpoint::open(&row.note, verifier) else {
        return Ok(Err(CheckpointBreak::Signature { size: row.size }));
    };
    if checkpoint.size != row.size as u64 {
        return Ok(Err(CheckpointBreak::Signature { size: row.size }));
    }
    Ok(
        extended_by_log(store, checkpoint, |size, rows| CheckpointBreak::Truncated {
            size,
            rows,
        })?
        .map(Some),
    )
}

/// Whether the log is of `checkpoint`'s origin and still extends it: at
/// least its size, and the same root over its first rows. `cut` names a
/// log with fewer rows.
fn extended_by_log(
    store: &dyn super::Store,
    checkpoint: Checkpoint,
    cut: fn(u64, u64) -> CheckpointBreak,
) -> super::StoreResult<Result<Checkpoint, CheckpointBreak>> {
    if store_origin(store)?.as_deref() != Some(checkpoint.origin.as_str()) {
        return Ok(Err(CheckpointBreak::Origin {
            size: checkpoint.size as i64,
        }));
    }
    let tree = log_tree(store, Some(checkpoint.size))?;
    if tree.size() < checkpoint.size {
        return Ok(Err(cut(checkpoint.size, tree.size())));
    }
    if tree.root() != checkpoint.root {
        return Ok(Err(CheckpointBreak::Root {
            size: checkpoint.size,
        }));
    }
    Ok(Ok(checkpoint))
}

/// The note's text, what its signatures sign.
pub fn note_text(note: &str) -> Option<&str> {
    note.rfind("\n\n").map(|end| &note[..end + 1])
}

/// Checks the store's latest checkpoint cosigned by `witness`: the
/// witness's cosignature, the log's signature, that it is of this log and
/// that the log still extends it. Rows cut after a checkpoint the witness
/// saw are found even if the store's own checkpoints were cut with them.
pub fn check_cosigned(
    store: &dyn super::Store,
    verifier: &VerifierKey,
    witness: &super::cosignature::WitnessKey,
) -> super::StoreResult<Result<(Checkpoint, u64), CheckpointBreak>> {
    let Some(row) = store.cosignatures(&witness.to_text(), 1)?.pop() else {
        return Ok(Err(CheckpointBreak::CosignatureMissing));
    };
    let forged = CheckpointBreak::Cosignature { size: row.size };
    let Some(text) = note_text(&row.note) else {
        return Ok(Err(forged));
    };
    let Ok(timestamp) = witness.check(text, &row.note[text.len()..]) else {
        return Ok(Err(forged));
    };
    let Ok(checkpoint) = Checkpoint::open(&row.note, verifier) else {
        return Ok(Err(CheckpointBreak::Signature { size: row.size }));
    };
    if checkpoint.size != row.size as u64 {
        return Ok(Err(forged));
    }
    Ok(extended_by_log(store, checkpoint, |size, rows| {
        CheckpointBreak::CosignedTruncated { size, rows }
    })?
    .map(|checkpoint| (checkpoint, timestamp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SignerKey {
        SignerKey::from_seed("bansho.audit", &[5; 32]).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: Checkpoint::origin_of("v2;keyed_from=1;mac=00"),
            size: 1234,
            root: [9; 32],
        }
    }

    /// The example of the C2SP signed-note specification (and of Go's
    /// note package): our keys read its key and sign its note alike.
    #[test]
    fn the_specifications_example_signs_and_verifies() {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let want = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let signer = SignerKey::parse(skey).unwrap();
        assert_eq!(signer.verifier().to_text(), vkey);
        assert_eq!(signer.to_text().as_str(), skey);
        assert_eq!(signer.sign_note(text), want);
        let verifier = VerifierKey::parse(vkey).unwrap();
        assert_eq!(verifier.open_note(want), Ok(text));
    }

    #[test]
    fn a_checkpoint_round_trips_through_its_signed_note() {
        let note = checkpoint().sign(&key());
        assert!(note.starts_with("bansho-audit/"));
        assert!(note.contains("\n1234\nCQkJ"));
        assert_eq!(Checkpoint::open(&note, &key().verifier()), Ok(checkpoint()));
        assert_eq!(checkpoint().fingerprint(), "0909-0909-0909-0909");
        let text = key().to_text();
        let again = SignerKey::parse(&text).unwrap();
        assert_eq!(again.verifier(), key().verifier());
        assert!(!format!("{:?}", key()).contains(&text[20..]));
    }

    #[test]
    fn a_changed_note_or_another_key_does_not_verify() {
        let note = checkpoint().sign(&key());
        let other = SignerKey::from_seed("bansho.audit", &[6; 32]).unwrap();
        // Another key of the same name: its ID differs, no signature is its.
        assert_eq!(
            Checkpoint::open(&note, &other.verifier()),
            Err(CheckpointError::Signature)
        );
        // The size changed after signing.
        let moved = note.replace("\n1234\n", "\n1235\n");
        assert_eq!(
            Checkpoint::open(&moved, &key().verifier()),
            Err(CheckpointError::Signature)
        );
        // A signature forged from another note's.
        let forged = {
            let text = &note[..note.rfind("\n\n").unwrap() + 1];
            let mut sig = key_id("bansho.audit", key().verifier().key.as_bytes()).to_vec();
            sig.extend_from_slice(&other.key.sign(text.as_bytes()).to_bytes());
            format!("{text}\n\u{2014} bansho.audit {}\n", B64.encode(sig))
        };
        assert_eq!(
            Checkpoint::open(&forged, &key().verifier()),
            Err(CheckpointError::Signature)
        );
        // A cosignature of someone else is skipped, not an error.
        let cosigned = format!("{note}\u{2014} witness.example AAAAAAAA\n");
        assert_eq!(
            Checkpoint::open(&cosigned, &key().verifier()),
            Ok(checkpoint())
        );
        assert_eq!(
            Checkpoint::open("no signatures\n", &key().verifier()),
            Err(CheckpointError::Format)
        );
    }

    #[test]
    fn malformed_texts_and_keys_are_refused() {
        for text in [
            "origin\n01\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "origin\n-1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "origin\n1\nCQkJ\n",
            "\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            "origin\n1\n",
        ] {
            assert_eq!(
                Checkpoint::parse(text),
                Err(CheckpointError::Format),
                "{text}"
            );
        }
        assert_eq!(
            SignerKey::from_seed("two words", &[1; 32]).unwrap_err(),
            CheckpointError::KeyName
        );
        let vkey = key().verifier().to_text();
        assert!(VerifierKey::parse(&vkey).is_ok());
        let wrong_id = format!(
            "bansho.audit+00000000+{}",
            vkey.splitn(3, '+').nth(2).unwrap()
        );
        assert_eq!(VerifierKey::parse(&wrong_id), Err(CheckpointError::Key));
        assert_eq!(SignerKey::parse(&vkey).unwrap_err(), CheckpointError::Key);
    }
}
