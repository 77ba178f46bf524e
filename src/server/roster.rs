//! Roster reconciliation, for the API and the console alike: a roster file
//! read whole ([`crate::domain::roster::parse`]) and compared with every
//! grant in force or scheduled; the reconciliation stored with its row;
//! and one revocation of all its findings' grants still in force, in one
//! transaction with a row per grant, refused (and nothing revoked) unless
//! it is the newest reconciliation, not acted on, and the count the caller
//! confirmed is the count it would revoke.
//!
//! Only what the findings need is kept: user IDs, grant IDs, roles and
//! departments, reasons, the file's SHA-256; never a name from the roster.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::grant::{GrantError, GrantState, Member};
use crate::domain::roster::{self, BadLine, may_be_revoked};
use crate::server::actor::Actor;
use crate::store::chain::format_time;
use crate::store::journal::{Change, Item};
use crate::store::{AuditEntry, GrantQuery, GrantRow, ReconciliationRow, Store, StoreResult};

/// The largest roster file taken.
pub const ROSTER_BODY_LIMIT: usize = crate::api::roster::MAX_ROSTER_BYTES;
/// The most bad lines a refusal names (the rest are counted).
pub const BAD_LINES_NAMED: usize = 50;
/// The most grants a reconciliation reads: more than any office holds.
const GRANTS_READ: usize = 100_000;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a roster file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    Made(ReconciliationRow),
    /// Nothing compared: every bad line, in file order.
    Malformed {
        sha256: String,
        bad: Vec<BadLine>,
    },
}

/// Reads `bytes` as a roster and compares it with the grants of `store`
/// at `now`, as `made_by`. Stores nothing: [`made`] and [`refused`] make
/// what is committed.
pub fn reconcile(
    store: &dyn Store,
    bytes: &[u8],
    made_by: &str,
    id: String,
    now: OffsetDateTime,
) -> StoreResult<Reconciled> {
    let sha256 = sha256_hex(bytes);
    let roster = match roster::parse(bytes) {
        Ok(roster) => roster,
        Err(bad) => return Ok(Reconciled::Malformed { sha256, bad }),
    };
    let grants = store.grants(
        &GrantQuery {
            state: Some(GrantState::Active),
            ..GrantQuery::default()
        },
        GRANTS_READ,
    )?;
    Ok(Reconciled::Made(ReconciliationRow {
        id,
        made_at: now,
        made_by: made_by.to_string(),
        roster_sha256: sha256,
        lines: i64::try_from(roster.len()).unwrap_or(i64::MAX),
        findings: roster::compare(&roster, &grants, now),
        revoked_at: None,
        revoked_by: None,
        revoked: None,
    }))
}

/// The reconciliation stored with its row.
pub fn made(actor: &Actor, row: &ReconciliationRow, now: OffsetDateTime) -> Item {
    let entry = actor.entry(
        now,
        Event::ok(Action::RosterReconcile).with(Detail::Reconciliation {
            id: row.id.clone(),
            sha256: row.roster_sha256.clone(),
            lines: usize::try_from(row.lines).unwrap_or(0),
            findings: row.findings.len(),
        }),
    );
    Item::recorded(vec![Change::InsertReconciliation(row.clone())], entry)
}

/// The row of a roster refused as malformed: its hash and how many bad
/// lines, never what they held.
pub fn refused(actor: &Actor, sha256: &str, bad_lines: usize, now: OffsetDateTime) -> AuditEntry {
    actor.entry(
        now,
        Event::new(
            Action::RosterReconcile,
            Outcome::Invalid,
            Detail::RosterRefused {
                sha256: sha256.to_string(),
                bad_lines,
            },
        ),
    )
}

/// The grants of a reconciliation's findings as they stand now, in the
/// findings' order (one gone from the store is left out).
pub fn finding_grants(store: &dyn Store, row: &ReconciliationRow) -> StoreResult<Vec<GrantRow>> {
    let mut grants = Vec::with_capacity(row.findings.len());
    for finding in &row.findings {
        if let Some(grant) = store.grant(&finding.grant_id)? {
            grants.push(grant);
        }
    }
    Ok(grants)
}

/// Whether revoking now would end `grant`, for `by`: in force or
/// scheduled, and not their own (nobody locks themselves out this way;
/// another IT officer or the console revokes it).
pub fn revocable_by(grant: &GrantRow, by: &str, now: OffsetDateTime) -> bool {
    may_be_revoked(grant, now) && grant.user_id != by
}

/// Why a revocation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevokeRefusal {
    #[error("a newer reconciliation exists: revoke from that one")]
    NotLatest,
    #[error("this reconciliation was acted on already")]
    ActedOn,
    #[error(
        "{revocable} grants would be revoked now, not the {confirmed} confirmed: read the reconciliation again"
    )]
    CountDiffers { confirmed: usize, revocable: usize },
    #[error("{0}")]
    Grant(GrantError),
}

/// The revocation of every finding's grant that `by` may revoke now, with
/// the mark that the reconciliation was acted on, and its rows: one
/// `grant_revoke` per grant and one `roster_revoke`. `latest` is the id of
/// the newest reconciliation; the store checks it again in the commit.
pub fn revocation(
    row: &ReconciliationRow,
    latest: Option<&str>,
    grants: Vec<GrantRow>,
    (by, actor): (&Member, &Actor),
    confirm: usize,
    now: OffsetDateTime,
) -> Result<(Item, Vec<GrantRow>), RevokeRefusal> {
    if latest != Some(row.id.as_str()) {
        return Err(RevokeRefusal::NotLatest);
    }
    if row.revoked_at.is_some() {
        return Err(RevokeRefusal::ActedOn);
    }
    let due: Vec<GrantRow> = grants
        .into_iter()
        .filter(|g| revocable_by(g, &by.user_id, now))
        .collect();
    if due.len() != confirm {
        return Err(RevokeRefusal::CountDiffers {
            confirmed: confirm,
            revocable: due.len(),
        });
    }
    let mut changes = Vec::with_capacity(due.len() + 1);
    let mut rows = Vec::with_capacity(due.len() + 1);
    let mut revoked = Vec::with_capacity(due.len());
    for grant in due {
        let why = row
            .findings
            .iter()
            .find(|f| f.grant_id == grant.id)
            .map_or("roster", |f| f.reason.as_str());
        let read_at = grant.revision;
        let next = grant
            .revoke(by, now, &format!("roster reconciliation {}: {why}", row.id))
            .map_err(RevokeRefusal::Grant)?;
        rows.push(actor.entry(
            now,
            Event::ok(Action::GrantRevoke).with(Detail::Grant {
                id: next.id.clone(),
                user: next.user_id.clone(),
                role: next.role.as_str(),
                department: next.department.as_str(),
                state: next.state.as_str(),
                until: next.expires_at.map(format_time),
            }),
        ));
        changes.push(Change::UpdateGrant {
            row: next.clone(),
            expected_revision: read_at,
        });
        revoked.push(next);
    }
    changes.push(Change::MarkReconciliationRevoked {
        id: row.id.clone(),
        by: by.user_id.clone(),
        revoked: i64::try_from(revoked.len()).unwrap_or(i64::MAX),
    });
    rows.push(actor.entry(
        now,
        Event::ok(Action::RosterRevoke).with(Detail::RosterRevoked {
            id: row.id.clone(),
            revoked: revoked.len(),
        }),
    ));
    let item = Item::new(
        changes,
        move |effect| {
            if effect.kept() { rows } else { Vec::new() }
        },
    );
    Ok((item, revoked))
}

/// The row of a refused revocation.
pub fn revoke_refused(actor: &Actor, id: &str, now: OffsetDateTime) -> AuditEntry {
    actor.entry(
        now,
        Event::denied(Action::RosterRevoke, Reason::StaleReconciliation).with(
            Detail::ReconciliationRefused {
                reason: Reason::StaleReconciliation,
                id: id.to_string(),
            },
        ),
    )
}
