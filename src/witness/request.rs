//! The body of a C2SP tlog-witness `add-checkpoint` request:
//!
//! ```text
//! old <size>
//! <consistency proof hash, base64>   (zero to 63 lines)
//!
//! <signed checkpoint note>
//! ```
//!
//! Read here strictly (every line ends in a newline, sizes in canonical
//! decimal); a problem is named with the line it is on.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::store::merkle::Hash;

/// The most proof lines a request may carry (the protocol's limit).
pub const MAX_PROOF: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash>,
    /// The signed note, as sent.
    pub note: String,
}

/// A size as the protocol writes it: ASCII decimal, no leading zero.
pub fn parse_size(text: &str) -> Option<u64> {
    let canonical = text == "0" || (!text.starts_with('0') && !text.is_empty());
    if canonical && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

impl AddCheckpoint {
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let body = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
        let (first, mut rest) = body
            .split_once('\n')
            .ok_or("line 1: the `old <size>` line is missing or does not end in a newline")?;
        let old = first
            .strip_prefix("old ")
            .and_then(parse_size)
            .ok_or("line 1: expected `old <size>` in decimal without leading zeros")?;
        let mut proof = Vec::new();
        loop {
            let line_no = proof.len() + 2;
            let (line, after) = rest.split_once('\n').ok_or_else(|| {
                format!("line {line_no}: the empty line before the checkpoint is missing")
            })?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF {
                return Err(format!(
                    "line {line_no}: more than {MAX_PROOF} consistency proof lines"
                ));
            }
            let hash: Hash = B64
                .decode(line)
                .ok()
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| {
                    format!("line {line_no}: a proof line must be one 32-byte hash in base64")
                })?;
            proof.push(hash);
        }
        if old == 0 && !proof.is_empty() {
            return Err("the consistency proof must be empty when the old size is 0".into());
        }
        if rest.is_empty() {
            return Err("the checkpoint after the empty line is missing".into());
        }
        Ok(Self {
            old,
            proof,
            note: rest.to_string(),
        })
    }

    /// The body this request is sent as.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old);
        for hash in &self.proof {
            body.push_str(&B64.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "o\n5\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\n\u{2014} k AAAA\n";

    #[test]
    fn a_request_round_trips() {
        let request = AddCheckpoint {
            old: 3,
            proof: vec![[1; 32], [2; 32]],
            note: NOTE.into(),
        };
        let body = request.to_body();
        assert!(body.starts_with("old 3\nAQEB"));
        assert_eq!(AddCheckpoint::parse(body.as_bytes()), Ok(request));
        let first = AddCheckpoint::parse(format!("old 0\n\n{NOTE}").as_bytes()).unwrap();
        assert_eq!((first.old, first.proof.len()), (0, 0));
    }

    #[test]
    fn malformed_bodies_are_named_by_their_line() {
        let hash = B64.encode([1u8; 32]);
        let too_many = format!("old 1\n{}\n{NOTE}", format!("{hash}\n").repeat(64));
        for (body, says) in [
            ("".to_string(), "line 1"),
            ("old 1".to_string(), "line 1"),
            (format!("old 01\n\n{NOTE}"), "leading zeros"),
            (format!("old -1\n\n{NOTE}"), "line 1"),
            (format!("old +1\n\n{NOTE}"), "line 1"),
            (format!("new 1\n\n{NOTE}"), "line 1"),
            (format!("old 1\nnot base64\n\n{NOTE}"), "line 2"),
            (format!("old 1\n{hash}\nAAAA\n\n{NOTE}"), "line 3"),
            (format!("old 1\n{hash}"), "line 2: the empty line"),
            (format!("old 0\n{hash}\n\n{NOTE}"), "must be empty"),
            ("old 1\n\n".to_string(), "checkpoint after the empty line"),
            (too_many, "more than 63"),
        ] {
            let err = AddCheckpoint::parse(body.as_bytes()).unwrap_err();
            assert!(err.contains(says), "{body:?}: {err}");
        }
        assert!(
            AddCheckpoint::parse(b"old 1\n\n\xff\n")
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}
