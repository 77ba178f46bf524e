//! The access log's chain: each row's chain value is HMAC-SHA-256, under a
//! key derived from the master key and never kept in the store, over a
//! canonical, length-prefixed encoding of its fields and the previous row's
//! value. An edit, deletion or reordering breaks every value after it, and
//! someone with the store file (or a backup) but not the key cannot chain an
//! edited log again.
//!
//! Format `bansho-audit-v2` (keyed). Rows written before it, in the unkeyed
//! `bansho-audit-v1` (SHA-256 over the same encoding), stay verifiable: the
//! store's `audit_chain` record names the first keyed row, itself under the
//! key, and the first keyed row's MAC covers the last unkeyed row's hash.
//! `docs/architecture.md` describes both field by field.

use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use crate::domain::audit_event::{Action, Outcome};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The meta key of the record naming the first keyed row.
pub const CHAIN_RECORD: &str = "audit_chain";
const V1: &[u8] = b"bansho-audit-v1";
const V2: &[u8] = b"bansho-audit-v2";
const RECORD_LABEL: &[u8] = b"bansho-audit-chain-record-v2";

/// The key the chain is made with. Redacted in Debug, zeroized on drop.
#[derive(Clone)]
pub struct ChainKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(<redacted>)")
    }
}

impl ChainKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    fn mac(&self) -> Hmac<Sha256> {
        #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .expect("HMAC takes any key length");
        mac
    }

    /// The store's record that rows from `keyed_from` on are keyed.
    pub fn seal_record(&self, keyed_from: i64) -> String {
        let mut mac = self.mac();
        mac.update(RECORD_LABEL);
        mac.update(&keyed_from.to_be_bytes());
        format!(
            "v2;keyed_from={keyed_from};mac={}",
            hex::encode(mac.finalize().into_bytes())
        )
    }

    /// The first keyed row named by a record, if the record is this key's.
    pub fn open_record(&self, record: &str) -> Result<i64, ChainBreak> {
        let parsed = (|| {
            let rest = record.strip_prefix("v2;keyed_from=")?;
            let (from, mac) = rest.split_once(";mac=")?;
            Some((from.parse::<i64>().ok()?, hex::decode(mac).ok()?))
        })();
        let Some((keyed_from, tag)) = parsed else {
            return Err(ChainBreak::Record);
        };
        let mut mac = self.mac();
        mac.update(RECORD_LABEL);
        mac.update(&keyed_from.to_be_bytes());
        mac.verify_slice(&tag).map_err(|_| ChainBreak::WrongKey)?;
        Ok(keyed_from)
    }
}

/// The previous hash of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One access-log entry before it is chained. No names, no My Numbers, no
/// raw search text: subjects are internal person numbers, a query is kept
/// only as a keyed HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    pub user_id: String,
    pub terminal: String,
    pub action: Action,
    pub subjects: Vec<String>,
    pub query_hmac: Option<String>,
    pub purpose: String,
    pub outcome: Outcome,
    pub detail: String,
    /// The entry touches a 支援措置 person's record.
    pub sensitive: bool,
}

impl AuditEntry {
    /// The same row, recording `event` instead.
    pub fn event(mut self, event: crate::domain::audit_event::Event) -> Self {
        self.action = event.action;
        self.outcome = event.outcome;
        self.detail = event.detail.to_string();
        self
    }
}

/// A stored, chained row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// UTC timestamp as stored and hashed: RFC 3339 with microseconds.
pub fn format_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Feeds the canonical encoding of a row to `update`: each field as its
/// length (8 bytes, big-endian) and its bytes.
fn encode(
    format: &[u8],
    seq: i64,
    entry: &AuditEntry,
    prev_hash: &str,
    mut update: impl FnMut(&[u8]),
) {
    let mut field = |bytes: &[u8]| {
        update(&(bytes.len() as u64).to_be_bytes());
        update(bytes);
    };
    field(format);
    field(&seq.to_be_bytes());
    field(format_time(entry.at).as_bytes());
    field(entry.user_id.as_bytes());
    field(entry.terminal.as_bytes());
    field(entry.action.as_str().as_bytes());
    field(entry.subjects.join(",").as_bytes());
    field(entry.query_hmac.as_deref().unwrap_or("").as_bytes());
    field(entry.purpose.as_bytes());
    field(entry.outcome.as_str().as_bytes());
    field(entry.detail.as_bytes());
    field(&[u8::from(entry.sensitive)]);
    field(prev_hash.as_bytes());
}

/// The unkeyed (v1) hash of row `seq` holding `entry` after `prev_hash`:
/// only for verifying rows written before the keyed format.
pub fn entry_hash_v1(seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    encode(V1, seq, entry, prev_hash, |b| hasher.update(b));
    hex::encode(hasher.finalize())
}

/// The keyed (v2) chain value of row `seq` holding `entry` after `prev_hash`.
pub fn entry_mac(key: &ChainKey, seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut mac = key.mac();
    encode(V2, seq, entry, prev_hash, |b| mac.update(b));
    hex::encode(mac.finalize().into_bytes())
}

/// Chains `entries` after the row (`last_seq`, `last_hash`).
pub fn chain(
    key: &ChainKey,
    entries: &[AuditEntry],
    last_seq: i64,
    last_hash: &str,
) -> Vec<AuditRecord> {
    let mut prev = last_hash.to_string();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let seq = last_seq + 1 + i as i64;
        let hash = entry_mac(key, seq, entry, &prev);
        out.push(AuditRecord {
            seq,
            entry: entry.clone(),
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

/// Why a chain does not verify, naming the first bad row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("row {found}: expected row {expected} (a row is missing or out of order)")]
    Sequence { expected: i64, found: i64 },
    #[error(
        "row {seq}: its previous-hash does not match row {prev}'s hash (rows deleted or reordered)"
    )]
    Link { seq: i64, prev: i64 },
    #[error("row {seq}: content does not match its hash (the row was edited)")]
    Content { seq: i64 },
    /// The record naming the first keyed row is not this key's: the log
    /// may be intact, but it was not made with this master key.
    #[error(
        "the access-log key does not match this store: the master key is wrong (or the log's key record was edited); the rows were not checked"
    )]
    WrongKey,
    #[error(
        "the access log's key record is missing, unreadable or not the one this service directory saw (it was removed or edited)"
    )]
    Record,
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Sequence { found, .. } => *found,
            ChainBreak::Link { seq, .. } | ChainBreak::Content { seq } => *seq,
            ChainBreak::WrongKey | ChainBreak::Record => 0,
        }
    }
}

/// Walks rows in order, carrying the state between pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    key: ChainKey,
    /// Rows before this one are in the unkeyed v1 format.
    keyed_from: i64,
    expected_seq: i64,
    prev_hash: String,
}

impl ChainVerifier {
    /// A verifier for a log whose rows from `keyed_from` on are keyed.
    pub fn new(key: ChainKey, keyed_from: i64) -> Self {
        Self {
            key,
            keyed_from,
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
        }
    }

    /// Rows verified in the unkeyed format (written before keyed chaining).
    pub fn unkeyed(&self) -> i64 {
        (self.keyed_from - 1).clamp(0, self.verified())
    }

    pub fn check(&mut self, row: &AuditRecord) -> Result<(), ChainBreak> {
        if row.seq != self.expected_seq {
            return Err(ChainBreak::Sequence {
                expected: self.expected_seq,
                found: row.seq,
            });
        }
        if row.prev_hash != self.prev_hash {
            return Err(ChainBreak::Link {
                seq: row.seq,
                prev: row.seq - 1,
            });
        }
        let expected = if row.seq < self.keyed_from {
            entry_hash_v1(row.seq, &row.entry, &row.prev_hash)
        } else {
            entry_mac(&self.key, row.seq, &row.entry, &row.prev_hash)
        };
        // Constant time: a verifier answering over a network must not
        // tell how much of a forged value was right.
        if !bool::from(expected.as_bytes().ct_eq(row.hash.as_bytes())) {
            return Err(ChainBreak::Content { seq: row.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = row.hash.clone();
        Ok(())
    }

    /// Rows verified so far.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

/// Walks the whole chain of `store` with `key`. Returns the verifier (rows
/// verified, of which unkeyed) or the first break.
pub fn verify_store(
    store: &dyn super::Store,
    key: &ChainKey,
) -> super::StoreResult<Result<ChainVerifier, ChainBreak>> {
    verify_store_anchored(store, key, None)
}

/// [`verify_store`], also checking the store's key record against `anchor`,
/// the record as the service directory last saw it: outside the store, so
/// removing the record (and chaining the rows again unkeyed) from a copy of
/// the store cannot pass for a log written before keyed chaining.
pub fn verify_store_anchored(
    store: &dyn super::Store,
    key: &ChainKey,
    anchor: Option<&str>,
) -> super::StoreResult<Result<ChainVerifier, ChainBreak>> {
    const PAGE: usize = 10_000;
    let first = store.audit_rows(0, 1)?;
    let record = store.get_meta(CHAIN_RECORD)?;
    if let Some(anchor) = anchor
        && record.as_deref() != Some(anchor)
    {
        return Ok(Err(ChainBreak::Record));
    }
    let keyed_from = match record {
        Some(record) => match key.open_record(&record) {
            Ok(from) => from,
            Err(broken) => return Ok(Err(broken)),
        },
        None if first.is_empty() => 1,
        None => return Ok(Err(ChainBreak::Record)),
    };
    let mut verifier = ChainVerifier::new(key.clone(), keyed_from);
    let mut after = 0;
    loop {
        let rows = store.audit_rows(after, PAGE)?;
        if rows.is_empty() {
            return Ok(Ok(verifier));
        }
        for row in &rows {
            if let Err(broken) = verifier.check(row) {
                return Ok(Err(broken));
            }
        }
        after = rows.last().map(|r| r.seq).unwrap_or(after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row told apart from the others by its detail.
    fn entry(tag: &str) -> AuditEntry {
        AuditEntry {
            at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            user_id: "clerk1".into(),
            terminal: "t1".into(),
            action: Action::Search,
            subjects: vec!["1000000001".into()],
            query_hmac: None,
            purpose: "assessment".into(),
            outcome: Outcome::Ok,
            detail: tag.to_string(),
            sensitive: false,
        }
    }

    fn key() -> ChainKey {
        ChainKey::new([7; 32])
    }

    fn verify(rows: &[AuditRecord]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::new(key(), 1);
        rows.iter().try_for_each(|r| v.check(r))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(&key(), &[entry("a"), entry("b"), entry("c")], 0, GENESIS);
        assert_eq!(verify(&rows), Ok(()));
        let more = chain(&key(), &[entry("d")], 3, &rows[2].hash);
        let all: Vec<_> = rows.into_iter().chain(more).collect();
        assert_eq!(verify(&all), Ok(()));
    }

    #[test]
    fn edits_deletions_and_reordering_name_the_first_bad_row() {
        let rows = chain(
            &key(),
            &[entry("a"), entry("b"), entry("c"), entry("d")],
            0,
            GENESIS,
        );

        let mut edited = rows.clone();
        edited[1].entry.outcome = Outcome::Denied;
        assert_eq!(verify(&edited), Err(ChainBreak::Content { seq: 2 }));

        let mut deleted = rows.clone();
        deleted.remove(2);
        assert_eq!(verify(&deleted).map_err(|e| e.seq()), Err(4));

        let mut reordered = rows.clone();
        reordered.swap(1, 2);
        assert_eq!(verify(&reordered).map_err(|e| e.seq()), Err(3));

        // Swapping contents but keeping sequence numbers breaks the links.
        let mut swapped = rows.clone();
        let (a, b) = (swapped[1].entry.clone(), swapped[2].entry.clone());
        swapped[1].entry = b;
        swapped[2].entry = a;
        assert_eq!(verify(&swapped), Err(ChainBreak::Content { seq: 2 }));
    }

    /// The attack the key stops: edit a row and chain everything again
    /// without the key (SHA-256, the unkeyed format, or a guessed key).
    #[test]
    fn a_log_chained_again_without_the_key_does_not_verify() {
        let rows = chain(&key(), &[entry("a"), entry("b"), entry("c")], 0, GENESIS);
        let mut forged = rows.clone();
        forged[1].entry.outcome = Outcome::Denied;
        let mut prev = GENESIS.to_string();
        for row in &mut forged {
            row.prev_hash = prev.clone();
            row.hash = entry_hash_v1(row.seq, &row.entry, &prev);
            prev = row.hash.clone();
        }
        assert_eq!(verify(&forged), Err(ChainBreak::Content { seq: 1 }));
        let other = chain(&ChainKey::new([8; 32]), &[entry("a")], 0, GENESIS);
        assert_eq!(verify(&other), Err(ChainBreak::Content { seq: 1 }));
    }

    #[test]
    fn unkeyed_rows_before_the_record_verify_and_are_counted() {
        let mut prev = GENESIS.to_string();
        let mut rows = Vec::new();
        for (i, e) in [entry("a"), entry("b")].into_iter().enumerate() {
            let seq = i as i64 + 1;
            let hash = entry_hash_v1(seq, &e, &prev);
            rows.push(AuditRecord {
                seq,
                entry: e,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
        }
        rows.extend(chain(&key(), &[entry("c")], 2, &prev));
        let mut v = ChainVerifier::new(key(), 3);
        assert!(rows.iter().try_for_each(|r| v.check(r)).is_ok());
        assert_eq!((v.verified(), v.unkeyed()), (3, 2));
        // The keyed row's MAC covers the last unkeyed hash: editing an
        // unkeyed row and chaining them again breaks the link.
        let mut edited = rows.clone();
        edited[0].entry.outcome = Outcome::Denied;
        edited[0].hash = entry_hash_v1(1, &edited[0].entry, GENESIS);
        edited[1].prev_hash = edited[0].hash.clone();
        edited[1].hash = entry_hash_v1(2, &edited[1].entry, &edited[1].prev_hash);
        let mut v = ChainVerifier::new(key(), 3);
        assert_eq!(
            edited.iter().try_for_each(|r| v.check(r)),
            Err(ChainBreak::Link { seq: 3, prev: 2 })
        );
    }

    #[test]
    fn the_key_record_tells_a_wrong_key_from_a_broken_log() {
        let record = key().seal_record(42);
        assert_eq!(key().open_record(&record), Ok(42));
        assert_eq!(
            ChainKey::new([9; 32]).open_record(&record),
            Err(ChainBreak::WrongKey)
        );
        let moved = record.replace("keyed_from=42", "keyed_from=43");
        assert_eq!(key().open_record(&moved), Err(ChainBreak::WrongKey));
        assert_eq!(key().open_record("v1"), Err(ChainBreak::Record));
        assert!(!format!("{:?}", key()).contains('7'));
    }

    #[test]
    fn time_format_round_trips() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        assert_eq!(format_time(at), "2023-11-14T22:13:20.123456Z");
        assert_eq!(parse_time(&format_time(at)), Some(at));
    }
}
