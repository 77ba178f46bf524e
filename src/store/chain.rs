//! The access log's hash chain: each row's hash is SHA-256 over a canonical,
//! length-prefixed encoding of its fields and the previous row's hash, so an
//! edit, deletion or reordering breaks every hash after it.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

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
    pub action: String,
    pub subjects: Vec<String>,
    pub query_hmac: Option<String>,
    pub purpose: String,
    pub outcome: String,
    pub detail: String,
    /// The entry touches a 支援措置 person's record.
    pub sensitive: bool,
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

/// The hash of row `seq` holding `entry` after `prev_hash`.
pub fn entry_hash(seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(b"bansho-audit-v1");
    field(&seq.to_be_bytes());
    field(format_time(entry.at).as_bytes());
    field(entry.user_id.as_bytes());
    field(entry.terminal.as_bytes());
    field(entry.action.as_bytes());
    field(entry.subjects.join(",").as_bytes());
    field(entry.query_hmac.as_deref().unwrap_or("").as_bytes());
    field(entry.purpose.as_bytes());
    field(entry.outcome.as_bytes());
    field(entry.detail.as_bytes());
    field(&[u8::from(entry.sensitive)]);
    field(prev_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// Chains `entries` after the row (`last_seq`, `last_hash`).
pub fn chain(entries: &[AuditEntry], last_seq: i64, last_hash: &str) -> Vec<AuditRecord> {
    let mut prev = last_hash.to_string();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let seq = last_seq + 1 + i as i64;
        let hash = entry_hash(seq, entry, &prev);
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
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Sequence { found, .. } => *found,
            ChainBreak::Link { seq, .. } | ChainBreak::Content { seq } => *seq,
        }
    }
}

/// Walks rows in order, carrying the state between pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_string(),
        }
    }
}

impl ChainVerifier {
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
        if entry_hash(row.seq, &row.entry, &row.prev_hash) != row.hash {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            user_id: "clerk1".into(),
            terminal: "t1".into(),
            action: action.into(),
            subjects: vec!["1000000001".into()],
            query_hmac: None,
            purpose: "assessment".into(),
            outcome: "ok".into(),
            detail: String::new(),
            sensitive: false,
        }
    }

    fn verify(rows: &[AuditRecord]) -> Result<(), ChainBreak> {
        let mut v = ChainVerifier::default();
        rows.iter().try_for_each(|r| v.check(r))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let rows = chain(&[entry("a"), entry("b"), entry("c")], 0, GENESIS);
        assert_eq!(verify(&rows), Ok(()));
        let more = chain(&[entry("d")], 3, &rows[2].hash);
        let all: Vec<_> = rows.into_iter().chain(more).collect();
        assert_eq!(verify(&all), Ok(()));
    }

    #[test]
    fn edits_deletions_and_reordering_name_the_first_bad_row() {
        let rows = chain(
            &[entry("a"), entry("b"), entry("c"), entry("d")],
            0,
            GENESIS,
        );

        let mut edited = rows.clone();
        edited[1].entry.outcome = "denied".into();
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

    #[test]
    fn time_format_round_trips() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_000).unwrap();
        assert_eq!(format_time(at), "2023-11-14T22:13:20.123456Z");
        assert_eq!(parse_time(&format_time(at)), Some(at));
    }
}
