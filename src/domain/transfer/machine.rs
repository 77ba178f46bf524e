//! One manual transfer, from the clerk's request to the destination's
//! receipt.
//!
//! ```text
//! Prepared ──approve──▶ Approved ──open──▶ AwaitingSignOff ──sign──▶ SignedOff ──start──▶ Sending
//!    ▲  ▲                  ▲  ▲              │ ▲   │ (time out)              ▲                │
//!    │  └──── revise ──────┘  └──── void ────┘ │   ▼                         │        delivered│failed
//!    │                                         └─resume── Paused              └──retry── Failed ◀┘
//!    └──── revise (before any attempt) ─────────────────────────┘                        Delivered
//! any step before the first attempt ──reject──▶ Rejected (kept, with its reason)
//! ```
//!
//! The request is approved by a supervisor who did not prepare it; the
//! sign-off is by an IT officer who is neither the preparer nor the
//! approver, at the preparer's terminal, over the SHA-256 of the exact
//! manifest the preview showed, after every 支援措置 record has been
//! reconfirmed. A changed manifest voids the sign-off; a changed request
//! voids the approval too. Once an attempt to send has started the content
//! is frozen: a retry sends the same bytes under the same idempotency key,
//! so the destination receives it once. Transitions take `&self` and
//! return the next state with its typed events; a refused step changes
//! nothing. Time is passed in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

use super::manifest::ManifestHash;
use crate::domain::roles::Role;

/// What the clerk asks to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub destination: String,
    /// `id@version`.
    pub format: String,
    pub purpose: String,
    pub legal_basis: String,
    /// Internal person numbers, in the order chosen.
    pub persons: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub id: String,
    pub prepared_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub prepared_at: OffsetDateTime,
    pub request: Request,
}

/// Who acts, as the service authenticated them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    pub staff: &'a str,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The preview as shown: its hash, and the 支援措置 records in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub hash: ManifestHash,
    pub sensitive: BTreeSet<String>,
    pub reconfirmed: BTreeSet<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub officer: String,
    pub hash: ManifestHash,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What the destination answered: the hash of what arrived, and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    pub hash: ManifestHash,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Transfer {
    Prepared {
        header: Header,
    },
    Approved {
        header: Header,
        approval: Approval,
    },
    AwaitingSignOff {
        header: Header,
        approval: Approval,
        preview: Preview,
    },
    /// The sign-off was not completed in time: nothing is sent.
    Paused {
        header: Header,
        approval: Approval,
        preview: Preview,
        #[serde(with = "time::serde::rfc3339")]
        since: OffsetDateTime,
    },
    SignedOff {
        header: Header,
        approval: Approval,
        sign_off: SignOff,
    },
    /// An attempt is under way (or the service stopped during one).
    Sending {
        header: Header,
        approval: Approval,
        sign_off: SignOff,
        attempt: u32,
    },
    Failed {
        header: Header,
        approval: Approval,
        sign_off: SignOff,
        attempt: u32,
        error: String,
    },
    Delivered {
        header: Header,
        approval: Approval,
        sign_off: SignOff,
        attempt: u32,
        receipt: Receipt,
    },
    /// Refused at some step; kept with its reason, never deleted.
    Rejected {
        header: Header,
        by: String,
        reason: String,
        /// The state it was refused in.
        step: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// A transition, as the access log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TransferEvent {
    Prepared {
        by: String,
        records: usize,
    },
    /// The request changed: `voided` names what no longer holds.
    Revised {
        by: String,
        voided: Vec<String>,
    },
    Approved {
        by: String,
    },
    Rejected {
        by: String,
        step: String,
    },
    PreviewOpened {
        hash: ManifestHash,
        sensitive: usize,
    },
    Reconfirmed {
        by: String,
        person: String,
    },
    SignedOff {
        officer: String,
        hash: ManifestHash,
    },
    /// The manifest changed after the preview or the sign-off.
    SignOffVoided {
        was: ManifestHash,
        now: ManifestHash,
    },
    Paused,
    Resumed {
        by: String,
        hash: ManifestHash,
    },
    AttemptStarted {
        attempt: u32,
    },
    Delivered {
        attempt: u32,
        receipt: String,
    },
    AttemptFailed {
        attempt: u32,
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub transfer: Transfer,
    pub events: Vec<TransferEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransferError {
    #[error("this step is not possible while the transfer is {0}")]
    State(&'static str),
    #[error("a transfer sends at least one record, each once")]
    Records,
    #[error("`purpose`, `legal_basis`: both are needed")]
    Basis,
    #[error("only the preparer may do this")]
    NotPreparer,
    #[error("the request is approved by a supervisor")]
    NotSupervisor,
    #[error("nobody approves their own request")]
    OwnRequest,
    #[error("the sign-off is by an IT officer")]
    NotItOfficer,
    #[error("the IT officer who signs off is neither the preparer nor the approver")]
    NotIndependent,
    #[error("the sign-off is for another manifest than the one shown")]
    HashMismatch,
    #[error("{0} 支援措置 record(s) are not reconfirmed")]
    NotReconfirmed(usize),
    #[error("that person is not a 支援措置 record of this transfer")]
    NotSensitive,
    #[error("the sign-off was not completed in time")]
    TimedOut,
    #[error("a reason is needed")]
    NoReason,
    #[error("the receipt is for other content than was sent")]
    ReceiptMismatch,
}

impl TransferError {
    /// The stable code the workstation words.
    pub fn code(&self) -> &'static str {
        match self {
            TransferError::State(_) => "transfer_state",
            TransferError::Records => "transfer_records",
            TransferError::Basis => "transfer_basis",
            TransferError::NotPreparer => "not_preparer",
            TransferError::NotSupervisor => "not_supervisor",
            TransferError::OwnRequest => "own_request",
            TransferError::NotItOfficer => "not_it_officer",
            TransferError::NotIndependent => "not_independent",
            TransferError::HashMismatch => "hash_mismatch",
            TransferError::NotReconfirmed(_) => "not_reconfirmed",
            TransferError::NotSensitive => "not_sensitive",
            TransferError::TimedOut => "sign_off_timed_out",
            TransferError::NoReason => "no_reason",
            TransferError::ReceiptMismatch => "receipt_mismatch",
        }
    }
}

fn step(transfer: Transfer, events: Vec<TransferEvent>) -> Result<Step, TransferError> {
    Ok(Step { transfer, events })
}

fn check_request(request: &Request) -> Result<(), TransferError> {
    let distinct: BTreeSet<&String> = request.persons.iter().collect();
    if request.persons.is_empty() || distinct.len() != request.persons.len() {
        return Err(TransferError::Records);
    }
    if request.purpose.trim().is_empty() || request.legal_basis.trim().is_empty() {
        return Err(TransferError::Basis);
    }
    Ok(())
}

impl Transfer {
    pub fn state_name(&self) -> &'static str {
        match self {
            Transfer::Prepared { .. } => "prepared",
            Transfer::Approved { .. } => "approved",
            Transfer::AwaitingSignOff { .. } => "awaiting_sign_off",
            Transfer::Paused { .. } => "paused",
            Transfer::SignedOff { .. } => "signed_off",
            Transfer::Sending { .. } => "sending",
            Transfer::Failed { .. } => "failed",
            Transfer::Delivered { .. } => "delivered",
            Transfer::Rejected { .. } => "rejected",
        }
    }

    pub fn header(&self) -> &Header {
        match self {
            Transfer::Prepared { header }
            | Transfer::Approved { header, .. }
            | Transfer::AwaitingSignOff { header, .. }
            | Transfer::Paused { header, .. }
            | Transfer::SignedOff { header, .. }
            | Transfer::Sending { header, .. }
            | Transfer::Failed { header, .. }
            | Transfer::Delivered { header, .. }
            | Transfer::Rejected { header, .. } => header,
        }
    }

    fn refused(&self) -> TransferError {
        TransferError::State(self.state_name())
    }

    /// The approval, where one stands.
    pub fn approval(&self) -> Option<&Approval> {
        match self {
            Transfer::Approved { approval, .. }
            | Transfer::AwaitingSignOff { approval, .. }
            | Transfer::Paused { approval, .. }
            | Transfer::SignedOff { approval, .. }
            | Transfer::Sending { approval, .. }
            | Transfer::Failed { approval, .. }
            | Transfer::Delivered { approval, .. } => Some(approval),
            _ => None,
        }
    }

    /// The sign-off, where one stands.
    pub fn sign_off(&self) -> Option<&SignOff> {
        match self {
            Transfer::SignedOff { sign_off, .. }
            | Transfer::Sending { sign_off, .. }
            | Transfer::Failed { sign_off, .. }
            | Transfer::Delivered { sign_off, .. } => Some(sign_off),
            _ => None,
        }
    }

    /// A clerk's new request.
    pub fn prepare(
        id: &str,
        by: &str,
        request: Request,
        now: OffsetDateTime,
    ) -> Result<Step, TransferError> {
        check_request(&request)?;
        let records = request.persons.len();
        let header = Header {
            id: id.to_string(),
            prepared_by: by.to_string(),
            prepared_at: now,
            request,
        };
        step(
            Transfer::Prepared { header },
            vec![TransferEvent::Prepared {
                by: by.to_string(),
                records,
            }],
        )
    }

    /// The preparer changes the request before anything was sent: the
    /// approval and any sign-off no longer hold.
    pub fn revise(&self, by: &str, request: Request) -> Result<Step, TransferError> {
        let voided: &[&str] = match self {
            Transfer::Prepared { .. } => &[],
            Transfer::Approved { .. } => &["approval"],
            Transfer::AwaitingSignOff { .. } | Transfer::Paused { .. } => &["approval", "preview"],
            Transfer::SignedOff { .. } => &["approval", "sign_off"],
            _ => return Err(self.refused()),
        };
        let header = self.header();
        if header.prepared_by != by {
            return Err(TransferError::NotPreparer);
        }
        check_request(&request)?;
        let header = Header {
            request,
            ..header.clone()
        };
        step(
            Transfer::Prepared { header },
            vec![TransferEvent::Revised {
                by: by.to_string(),
                voided: voided.iter().map(|v| v.to_string()).collect(),
            }],
        )
    }

    /// The department's supervisor approves the request (the prior
    /// procedure); never the preparer.
    pub fn approve(&self, by: Actor<'_>, now: OffsetDateTime) -> Result<Step, TransferError> {
        let Transfer::Prepared { header } = self else {
            return Err(self.refused());
        };
        if by.role != Role::Supervisor {
            return Err(TransferError::NotSupervisor);
        }
        if by.staff == header.prepared_by {
            return Err(TransferError::OwnRequest);
        }
        step(
            Transfer::Approved {
                header: header.clone(),
                approval: Approval {
                    by: by.staff.to_string(),
                    at: now,
                },
            },
            vec![TransferEvent::Approved {
                by: by.staff.to_string(),
            }],
        )
    }

    /// Refused at this step, with a reason; kept as it was.
    pub fn reject(
        &self,
        by: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Step, TransferError> {
        match self {
            Transfer::Prepared { .. }
            | Transfer::Approved { .. }
            | Transfer::AwaitingSignOff { .. }
            | Transfer::Paused { .. }
            | Transfer::SignedOff { .. } => {}
            _ => return Err(self.refused()),
        }
        if reason.trim().is_empty() {
            return Err(TransferError::NoReason);
        }
        let step_name = self.state_name().to_string();
        step(
            Transfer::Rejected {
                header: self.header().clone(),
                by: by.to_string(),
                reason: reason.to_string(),
                step: step_name.clone(),
                at: now,
            },
            vec![TransferEvent::Rejected {
                by: by.to_string(),
                step: step_name,
            }],
        )
    }

    /// The preparer opens the preview at the terminal: the manifest's hash
    /// is fixed, and its 支援措置 records wait to be reconfirmed.
    pub fn open_preview(
        &self,
        by: &str,
        hash: ManifestHash,
        sensitive: BTreeSet<String>,
        now: OffsetDateTime,
    ) -> Result<Step, TransferError> {
        let Transfer::Approved { header, approval } = self else {
            return Err(self.refused());
        };
        if header.prepared_by != by {
            return Err(TransferError::NotPreparer);
        }
        let event = TransferEvent::PreviewOpened {
            hash: hash.clone(),
            sensitive: sensitive.len(),
        };
        step(
            Transfer::AwaitingSignOff {
                header: header.clone(),
                approval: approval.clone(),
                preview: Preview {
                    hash,
                    sensitive,
                    reconfirmed: BTreeSet::new(),
                    opened_at: now,
                },
            },
            vec![event],
        )
    }

    /// The preparer reconfirms one 支援措置 record of the preview.
    pub fn reconfirm(&self, by: &str, person: &str) -> Result<Step, TransferError> {
        let Transfer::AwaitingSignOff {
            header,
            approval,
            preview,
        } = self
        else {
            return Err(self.refused());
        };
        if header.prepared_by != by {
            return Err(TransferError::NotPreparer);
        }
        if !preview.sensitive.contains(person) {
            return Err(TransferError::NotSensitive);
        }
        let mut preview = preview.clone();
        preview.reconfirmed.insert(person.to_string());
        step(
            Transfer::AwaitingSignOff {
                header: header.clone(),
                approval: approval.clone(),
                preview,
            },
            vec![TransferEvent::Reconfirmed {
                by: by.to_string(),
                person: person.to_string(),
            }],
        )
    }

    /// The IT officer signs off at the terminal on the manifest they were
    /// shown (`seen`); `current` is the manifest as the service builds it
    /// now. Either differing from the preview's refuses the sign-off (the
    /// service then voids the preview with [`Transfer::void`]).
    pub fn sign(
        &self,
        officer: Actor<'_>,
        seen: &ManifestHash,
        current: &ManifestHash,
        timeout: Duration,
        now: OffsetDateTime,
    ) -> Result<Step, TransferError> {
        let Transfer::AwaitingSignOff {
            header,
            approval,
            preview,
        } = self
        else {
            return Err(self.refused());
        };
        if officer.role != Role::ItOfficer {
            return Err(TransferError::NotItOfficer);
        }
        if officer.staff == header.prepared_by || officer.staff == approval.by {
            return Err(TransferError::NotIndependent);
        }
        if now - preview.opened_at > timeout {
            return Err(TransferError::TimedOut);
        }
        if *seen != preview.hash || *current != preview.hash {
            return Err(TransferError::HashMismatch);
        }
        let missing = preview.sensitive.difference(&preview.reconfirmed).count();
        if missing > 0 {
            return Err(TransferError::NotReconfirmed(missing));
        }
        step(
            Transfer::SignedOff {
                header: header.clone(),
                approval: approval.clone(),
                sign_off: SignOff {
                    officer: officer.staff.to_string(),
                    hash: preview.hash.clone(),
                    at: now,
                },
            },
            vec![TransferEvent::SignedOff {
                officer: officer.staff.to_string(),
                hash: preview.hash.clone(),
            }],
        )
    }

    /// The manifest changed after the preview or the sign-off, before any
    /// attempt: back to the approved request, to be previewed again.
    pub fn void(&self, now_hash: ManifestHash) -> Result<Step, TransferError> {
        let (header, approval, was) = match self {
            Transfer::AwaitingSignOff {
                header,
                approval,
                preview,
            }
            | Transfer::Paused {
                header,
                approval,
                preview,
                ..
            } => (header, approval, &preview.hash),
            Transfer::SignedOff {
                header,
                approval,
                sign_off,
            } => (header, approval, &sign_off.hash),
            _ => return Err(self.refused()),
        };
        if *was == now_hash {
            return Err(self.refused());
        }
        step(
            Transfer::Approved {
                header: header.clone(),
                approval: approval.clone(),
            },
            vec![TransferEvent::SignOffVoided {
                was: was.clone(),
                now: now_hash,
            }],
        )
    }

    /// A sign-off not completed within `timeout` of the preview pauses the
    /// transfer: nothing is sent, nobody waits on anybody.
    pub fn expire(&self, timeout: Duration, now: OffsetDateTime) -> Result<Step, TransferError> {
        let Transfer::AwaitingSignOff {
            header,
            approval,
            preview,
        } = self
        else {
            return Err(self.refused());
        };
        if now - preview.opened_at <= timeout {
            return Err(self.refused());
        }
        step(
            Transfer::Paused {
                header: header.clone(),
                approval: approval.clone(),
                preview: preview.clone(),
                since: now,
            },
            vec![TransferEvent::Paused],
        )
    }

    /// The preparer resumes a paused transfer: a fresh preview of the
    /// manifest as it is now, its 支援措置 records to reconfirm again.
    pub fn resume(
        &self,
        by: &str,
        hash: ManifestHash,
        sensitive: BTreeSet<String>,
        now: OffsetDateTime,
    ) -> Result<Step, TransferError> {
        let Transfer::Paused {
            header, approval, ..
        } = self
        else {
            return Err(self.refused());
        };
        if header.prepared_by != by {
            return Err(TransferError::NotPreparer);
        }
        let event = TransferEvent::Resumed {
            by: by.to_string(),
            hash: hash.clone(),
        };
        step(
            Transfer::AwaitingSignOff {
                header: header.clone(),
                approval: approval.clone(),
                preview: Preview {
                    hash,
                    sensitive,
                    reconfirmed: BTreeSet::new(),
                    opened_at: now,
                },
            },
            vec![event],
        )
    }

    /// An attempt to send starts, committed before the request leaves:
    /// the first after the sign-off, a retry after a failure, or again
    /// after the service stopped during one. The content is the signed
    /// manifest, under the same idempotency key every time.
    pub fn start_attempt(&self) -> Result<Step, TransferError> {
        let (header, approval, sign_off, attempt) = match self {
            Transfer::SignedOff {
                header,
                approval,
                sign_off,
            } => (header, approval, sign_off, 0),
            Transfer::Sending {
                header,
                approval,
                sign_off,
                attempt,
            }
            | Transfer::Failed {
                header,
                approval,
                sign_off,
                attempt,
                ..
            } => (header, approval, sign_off, *attempt),
            _ => return Err(self.refused()),
        };
        let attempt = attempt + 1;
        step(
            Transfer::Sending {
                header: header.clone(),
                approval: approval.clone(),
                sign_off: sign_off.clone(),
                attempt,
            },
            vec![TransferEvent::AttemptStarted { attempt }],
        )
    }

    /// The destination's receipt for the attempt under way: it must name
    /// the hash of what was signed.
    pub fn delivered(&self, receipt: Receipt) -> Result<Step, TransferError> {
        let Transfer::Sending {
            header,
            approval,
            sign_off,
            attempt,
        } = self
        else {
            return Err(self.refused());
        };
        if receipt.hash != sign_off.hash {
            return Err(TransferError::ReceiptMismatch);
        }
        let event = TransferEvent::Delivered {
            attempt: *attempt,
            receipt: receipt.id.clone(),
        };
        step(
            Transfer::Delivered {
                header: header.clone(),
                approval: approval.clone(),
                sign_off: sign_off.clone(),
                attempt: *attempt,
                receipt,
            },
            vec![event],
        )
    }

    /// The attempt under way failed (refused, unreachable, a wrong
    /// receipt): recorded, and open to a retry with the same content.
    pub fn failed(&self, error: &str) -> Result<Step, TransferError> {
        let Transfer::Sending {
            header,
            approval,
            sign_off,
            attempt,
        } = self
        else {
            return Err(self.refused());
        };
        step(
            Transfer::Failed {
                header: header.clone(),
                approval: approval.clone(),
                sign_off: sign_off.clone(),
                attempt: *attempt,
                error: error.to_string(),
            },
            vec![TransferEvent::AttemptFailed {
                attempt: *attempt,
                error: error.to_string(),
            }],
        )
    }
}

#[cfg(test)]
mod tests;
