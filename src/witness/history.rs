//! What the witness has cosigned: every accepted checkpoint note with its
//! cosignature, one JSON line each in `history.jsonl`, appended and synced
//! before the answer. On start the file is read back (each line must carry
//! this witness's own cosignature) and the latest checkpoint of each log is
//! where it continues from.
//!
//! A log is its origin line; the first checkpoint accepted for an origin
//! binds it to the log key that signed it, and a log key to that one
//! origin, so a checkpoint of another log signed with the same key is not
//! taken for the next of this one.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::request::AddCheckpoint;
use crate::store::checkpoint::{Checkpoint, VerifierKey, note_text};
use crate::store::cosignature::CosignerKey;
use crate::store::merkle;

pub const HISTORY_FILE: &str = "history.jsonl";

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    origin: String,
    size: u64,
    /// The log key (verifier text) the note was checked with.
    log_key: String,
    /// The note as submitted.
    note: String,
    cosignature: String,
}

/// Why a checkpoint is not cosigned; each is one answer of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Malformed(String),
    #[error("no signature on the checkpoint is of a log key this witness trusts")]
    UnknownKey,
    #[error("this log key signs another log (origin); this checkpoint is not of it")]
    OtherLog,
    #[error("the old size is not the size of the latest checkpoint cosigned for this log ({0})")]
    Conflict(u64),
    #[error(
        "the checkpoint has the size of the latest one cosigned ({0}) but another root: the log was rewritten"
    )]
    Fork(u64),
    #[error(
        "the consistency proof does not show that this checkpoint extends the latest one cosigned: the log was rewritten"
    )]
    Inconsistent,
    #[error("the witness cannot write its history: {0}")]
    Io(String),
}

struct Latest {
    log_key: String,
    checkpoint: Checkpoint,
}

pub struct History {
    path: PathBuf,
    file: std::fs::File,
    /// By origin.
    latest: HashMap<String, Latest>,
    /// Log key text to the origin it is bound to.
    bound: HashMap<String, String>,
}

fn io(path: &Path, e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot use the witness history {}: {e}", path.display())
}

impl History {
    /// Reads `dir/history.jsonl` (created if missing). A last line cut
    /// short by a crash was never answered and is dropped; any other line
    /// that is not a checkpoint cosigned by `cosigner` stops the start.
    pub fn open(dir: &Path, cosigner: &CosignerKey) -> anyhow::Result<Self> {
        let path = dir.join(HISTORY_FILE);
        let file = crate::private_fs::open_append(&path).map_err(|e| io(&path, e))?;
        let mut bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
        if let Some(end) = bytes.iter().rposition(|&b| b == b'\n') {
            bytes.truncate(end + 1);
        } else {
            bytes.clear();
        }
        file.set_len(bytes.len() as u64).map_err(|e| io(&path, e))?;
        let verifier = cosigner.verifier();
        let mut history = Self {
            path: path.clone(),
            file,
            latest: HashMap::new(),
            bound: HashMap::new(),
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8: the file was edited", path.display()))?;
        for (i, line) in text.lines().enumerate() {
            let edited = || {
                anyhow::anyhow!(
                    "{} line {}: not a checkpoint this witness cosigned (the file was edited); \
                     it is not started over it",
                    path.display(),
                    i + 1
                )
            };
            let record: Record = serde_json::from_str(line).map_err(|_| edited())?;
            let text = note_text(&record.note).ok_or_else(edited)?;
            let checkpoint = Checkpoint::parse(text).map_err(|_| edited())?;
            verifier
                .check(text, &record.cosignature)
                .map_err(|_| edited())?;
            if checkpoint.origin != record.origin || checkpoint.size != record.size {
                return Err(edited());
            }
            history
                .bound
                .insert(record.log_key.clone(), record.origin.clone());
            history.latest.insert(
                record.origin,
                Latest {
                    log_key: record.log_key,
                    checkpoint,
                },
            );
        }
        Ok(history)
    }

    /// How many logs it has cosigned for.
    pub fn logs(&self) -> usize {
        self.latest.len()
    }

    /// Checks `request` against the latest checkpoint of its log and, if it
    /// extends it, cosigns it at `timestamp` and keeps it (synced) before
    /// returning the cosignature line.
    pub fn add(
        &mut self,
        request: &AddCheckpoint,
        trusted: &[VerifierKey],
        cosigner: &CosignerKey,
        timestamp: u64,
    ) -> Result<String, Refusal> {
        let malformed = || {
            Refusal::Malformed(
                "the checkpoint is not a C2SP checkpoint (origin, size, base64 root) with signatures"
                    .into(),
            )
        };
        let text = note_text(&request.note).ok_or_else(malformed)?;
        let claimed = Checkpoint::parse(text).map_err(|_| malformed())?;
        let (key, checkpoint) = trusted
            .iter()
            .find_map(|key| Checkpoint::open(&request.note, key).ok().map(|c| (key, c)))
            .ok_or(Refusal::UnknownKey)?;
        debug_assert_eq!(claimed, checkpoint);
        let key_text = key.to_text();
        let latest = self.latest.get(&checkpoint.origin);
        match latest {
            Some(latest) if latest.log_key != key_text => return Err(Refusal::UnknownKey),
            None if self.bound.contains_key(&key_text) => return Err(Refusal::OtherLog),
            _ => {}
        }
        if request.old > checkpoint.size {
            return Err(Refusal::Malformed(format!(
                "the old size {} is larger than the checkpoint's size {}",
                request.old, checkpoint.size
            )));
        }
        let (known, known_root) = latest.map_or((0, merkle::empty_root()), |l| {
            (l.checkpoint.size, l.checkpoint.root)
        });
        if request.old != known {
            return Err(Refusal::Conflict(known));
        }
        if request.old == checkpoint.size && checkpoint.root != known_root {
            return Err(Refusal::Fork(known));
        }
        if !merkle::verify_consistency(
            request.old,
            checkpoint.size,
            &known_root,
            &checkpoint.root,
            &request.proof,
        ) {
            return Err(Refusal::Inconsistent);
        }
        let cosignature = cosigner.cosign(text, timestamp);
        let record = Record {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            log_key: key_text.clone(),
            note: request.note.clone(),
            cosignature: cosignature.clone(),
        };
        self.append(&record)
            .map_err(|e| Refusal::Io(format!("{}: {e}", self.path.display())))?;
        self.bound
            .insert(key_text.clone(), checkpoint.origin.clone());
        self.latest.insert(
            checkpoint.origin.clone(),
            Latest {
                log_key: key_text,
                checkpoint,
            },
        );
        Ok(cosignature)
    }

    fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::checkpoint::SignerKey;

    fn log_key() -> SignerKey {
        SignerKey::from_seed("bansho.audit", &[3; 32]).unwrap()
    }

    fn cosigner() -> CosignerKey {
        CosignerKey::from_seed("bansho.witness", &[4; 32]).unwrap()
    }

    /// A signed checkpoint of the first `n` of `leaves`.
    fn note(origin: &str, leaves: &[merkle::Hash], n: usize, key: &SignerKey) -> String {
        Checkpoint {
            origin: origin.into(),
            size: n as u64,
            root: merkle::root(&leaves[..n]),
        }
        .sign(key)
    }

    fn request(old: usize, leaves: &[merkle::Hash], n: usize, key: &SignerKey) -> AddCheckpoint {
        AddCheckpoint {
            old: old as u64,
            proof: merkle::consistency_proof(&leaves[..n], old),
            note: note("o/1", leaves, n, key),
        }
    }

    #[test]
    fn extensions_are_cosigned_kept_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let leaves: Vec<merkle::Hash> = (0..9u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let trusted = [log_key().verifier()];
        let mut history = History::open(tmp.path(), &cosigner()).unwrap();
        let first = history
            .add(
                &request(0, &leaves, 3, &log_key()),
                &trusted,
                &cosigner(),
                10,
            )
            .unwrap();
        assert!(first.starts_with("\u{2014} bansho.witness "));
        // Not from its latest size: the size it knows.
        assert_eq!(
            history.add(
                &request(0, &leaves, 7, &log_key()),
                &trusted,
                &cosigner(),
                11
            ),
            Err(Refusal::Conflict(3))
        );
        history
            .add(
                &request(3, &leaves, 7, &log_key()),
                &trusted,
                &cosigner(),
                12,
            )
            .unwrap();
        drop(history);
        let mut again = History::open(tmp.path(), &cosigner()).unwrap();
        assert_eq!(again.logs(), 1);
        // A rewritten leaf: the proof from 7 does not hold.
        let mut forked = leaves.clone();
        forked[2] = merkle::leaf_hash(b"x");
        assert_eq!(
            again.add(
                &request(7, &forked, 9, &log_key()),
                &trusted,
                &cosigner(),
                13
            ),
            Err(Refusal::Inconsistent)
        );
        assert_eq!(
            again.add(
                &request(7, &forked, 7, &log_key()),
                &trusted,
                &cosigner(),
                13
            ),
            Err(Refusal::Fork(7))
        );
        // Another log under the same key.
        let other = AddCheckpoint {
            old: 0,
            proof: vec![],
            note: note("o/2", &leaves, 2, &log_key()),
        };
        assert_eq!(
            again.add(&other, &trusted, &cosigner(), 14),
            Err(Refusal::OtherLog)
        );
        let rogue = SignerKey::from_seed("bansho.audit", &[9; 32]).unwrap();
        assert_eq!(
            again.add(&request(7, &leaves, 9, &rogue), &trusted, &cosigner(), 14),
            Err(Refusal::UnknownKey)
        );
        again
            .add(
                &request(7, &leaves, 9, &log_key()),
                &trusted,
                &cosigner(),
                15,
            )
            .unwrap();
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_an_edited_one_stops_the_start() {
        let tmp = tempfile::tempdir().unwrap();
        let leaves: Vec<merkle::Hash> = (0..4u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let trusted = [log_key().verifier()];
        let mut history = History::open(tmp.path(), &cosigner()).unwrap();
        history
            .add(
                &request(0, &leaves, 2, &log_key()),
                &trusted,
                &cosigner(),
                10,
            )
            .unwrap();
        drop(history);
        let path = tmp.path().join(HISTORY_FILE);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"origin\":\"o/1\",\"si").unwrap();
        drop(file);
        let mut history = History::open(tmp.path(), &cosigner()).unwrap();
        history
            .add(
                &request(2, &leaves, 4, &log_key()),
                &trusted,
                &cosigner(),
                11,
            )
            .unwrap();
        drop(history);
        History::open(tmp.path(), &cosigner()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"size\":4", "\"size\":5", 1)).unwrap();
        let err = History::open(tmp.path(), &cosigner()).err().unwrap();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
