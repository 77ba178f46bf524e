//! The journal's transaction on PostgreSQL. The commit takes the access
//! log's advisory lock first (every writer in every instance does), so the
//! tail read is the tail appended to and the journal's changes are ordered
//! with their rows. Each change runs the same function its
//! single-operation method runs.

use ::postgres::Transaction;
use time::OffsetDateTime;

use super::sql::{db_error, get};
use super::{audit, entries, grants, retention, roster, sessions, staff, terminals, transfers};
use crate::store::chain::{self, AuditRecord, parse_time};
use crate::store::journal::{Applied, Change, JournalTx, Tail};
use crate::store::{StoreError, StoreResult};

pub(super) struct PgJournal<'a, 't>(pub &'a mut Transaction<'t>);

fn done_if(changed: bool) -> Applied {
    if changed {
        Applied::Done
    } else {
        Applied::NothingToChange
    }
}

impl JournalTx for PgJournal<'_, '_> {
    fn tail(&mut self) -> StoreResult<Tail> {
        let row = self
            .0
            .query_opt(
                "SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .map_err(db_error)?;
        let Some(row) = row else {
            return Ok(Tail::empty());
        };
        let at: String = get(&row, 2)?;
        Ok(Tail {
            seq: get(&row, 0)?,
            hash: get(&row, 1)?,
            at: Some(parse_time(&at).ok_or_else(|| StoreError::Corrupt {
                table: "audit_log",
                column: "at".into(),
                problem: "not a timestamp".into(),
            })?),
        })
    }

    fn ensure_chain_record(&mut self, record: &str) -> StoreResult<()> {
        self.0
            .execute(
                "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&chain::CHAIN_RECORD, &record],
            )
            .map(drop)
            .map_err(db_error)
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        self.0.batch_execute("SAVEPOINT item").map_err(db_error)
    }

    fn release(&mut self) -> StoreResult<()> {
        self.0
            .batch_execute("RELEASE SAVEPOINT item")
            .map_err(db_error)
    }

    fn roll_back(&mut self) -> StoreResult<()> {
        self.0
            .batch_execute("ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item")
            .map_err(db_error)
    }

    fn apply(&mut self, change: &Change, at: OffsetDateTime) -> StoreResult<Applied> {
        let c = &mut *self.0;
        Ok(match change {
            Change::InsertStaff(s) => staff::insert_staff(c, s).map(|()| Applied::Done)?,
            Change::DisableStaff { user_id } => done_if(staff::disable_staff(c, user_id)?),
            Change::InsertGrant(g) => grants::insert_grant(c, g).map(|()| Applied::Done)?,
            Change::UpdateGrant {
                row,
                expected_revision,
            } => {
                if grants::update_grant(c, row, *expected_revision)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the grant changed since it was read".into())
                }
            }
            Change::InsertReconciliation(row) => {
                roster::insert_reconciliation(c, row).map(|()| Applied::Done)?
            }
            Change::MarkReconciliationRevoked { id, by, revoked } => {
                if roster::mark_revoked(c, id, by, *revoked, at)? {
                    Applied::Done
                } else {
                    Applied::Conflict(
                        "a newer reconciliation exists, or this one was acted on".into(),
                    )
                }
            }
            Change::ResetCredentials {
                user_id,
                pin_hash,
                totp_secret_enc,
                pin_change_required,
            } => done_if(staff::reset_credentials(
                c,
                user_id,
                pin_hash,
                totp_secret_enc,
                *pin_change_required,
            )?),
            Change::ChangePin { user_id, pin_hash } => {
                done_if(staff::change_pin(c, user_id, pin_hash)?)
            }
            Change::ClaimLoginAttempt { key, policy } => {
                Applied::Attempt(staff::claim_login_attempt(c, key, at, policy)?)
            }
            Change::RefundLoginAttempt { key } => {
                staff::refund_login_attempt(c, key).map(|()| Applied::Done)?
            }
            Change::ClearLoginAttempts { key } => {
                staff::clear_login_attempts(c, key).map(|()| Applied::Done)?
            }
            Change::ClaimTotpStep {
                user_id,
                step,
                terminal,
            } => Applied::Totp(staff::claim_totp_step(c, user_id, *step, terminal)?),
            Change::InsertTerminal(t) => {
                terminals::insert_terminal(c, t).map(|()| Applied::Done)?
            }
            Change::RevokeTerminal { name } => done_if(terminals::revoke_terminal(c, name, at)?),
            Change::InsertSession(s) => sessions::insert_session(c, s).map(|()| Applied::Done)?,
            Change::TouchSession { token_hash } => {
                done_if(sessions::touch_session(c, token_hash, at)?)
            }
            Change::DeleteSession { token_hash } => {
                done_if(sessions::delete_session(c, token_hash)?)
            }
            Change::EndSessionsOf { user_id, keep } => {
                Applied::Count(sessions::end_sessions_of(c, user_id, keep.as_deref())?)
            }
            Change::ChooseSessionPurpose {
                token_hash,
                purpose,
            } => done_if(sessions::choose_session_purpose(c, token_hash, purpose)?),
            Change::InsertEntry(e) => entries::insert_entry(c, e).map(|()| Applied::Done)?,
            Change::UpdateEntry {
                row,
                expected_revision,
            } => {
                if entries::update_entry(c, row, *expected_revision)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the entry changed since it was read".into())
                }
            }
            Change::InsertTaxRecord { row, after } => {
                match entries::insert_tax_record(c, row, *after)? {
                    Some(version) => Applied::Version(version),
                    None => Applied::Conflict("the record changed since it was read".into()),
                }
            }
            Change::InsertClaims(claims) => {
                entries::insert_claims(c, claims).map(|()| Applied::Done)?
            }
            Change::InsertBatch(batch) => {
                entries::insert_batch(c, batch).map(|()| Applied::Done)?
            }
            Change::AddToBatch { batch, entry } => {
                if entries::add_to_batch(c, batch, entry)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the batch is closed or not there".into())
                }
            }
            Change::CloseBatch { id, by } => done_if(entries::close_batch(c, id, by, at)?),
            Change::InsertReverifyItems(items) => {
                entries::insert_reverify_items(c, items).map(|()| Applied::Done)?
            }
            Change::ResolveReverifyItem { entry, by, state } => {
                done_if(entries::resolve_reverify_item(c, entry, by, state, at)?)
            }
            Change::InsertCorrection(r) => {
                entries::insert_correction(c, r).map(|()| Applied::Done)?
            }
            Change::UpdateCorrection {
                row,
                expected_revision,
            } => {
                if entries::update_correction(c, row, *expected_revision)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the correction changed since it was read".into())
                }
            }
            Change::InsertSlips(slips) => {
                entries::insert_slips(c, slips).map(|()| Applied::Done)?
            }
            Change::InsertDestination(d) => {
                if transfers::insert_destination(c, d)? {
                    Applied::Done
                } else {
                    Applied::Conflict("a destination of that id is registered".into())
                }
            }
            Change::UpdateDestination {
                row,
                expected_revision,
            } => {
                if transfers::update_destination(c, row, *expected_revision)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the destination changed since it was read".into())
                }
            }
            Change::InsertFormat(f) => {
                if transfers::insert_format(c, f)? {
                    Applied::Done
                } else {
                    Applied::Conflict("that version of the format is registered".into())
                }
            }
            Change::InsertTransfer(t) => {
                transfers::insert_transfer(c, t).map(|()| Applied::Done)?
            }
            Change::UpdateTransfer {
                row,
                expected_revision,
            } => {
                if transfers::update_transfer(c, row, *expected_revision)? {
                    Applied::Done
                } else {
                    Applied::Conflict("the transfer changed since it was read".into())
                }
            }
            Change::InsertCheckpoint(row) => {
                audit::insert_checkpoint(c, row).map(|()| Applied::Done)?
            }
            Change::InsertRetentionApproval(row) => {
                if retention::insert_approval(c, row)? {
                    Applied::Done
                } else {
                    Applied::Conflict("that plan is approved by that person already".into())
                }
            }
            Change::EraseResident { person } => done_if(retention::erase_resident(c, person)?),
            Change::EraseTaxRecord {
                person,
                form,
                version,
            } => done_if(retention::erase_tax_record(c, person, form, *version)?),
            Change::EraseDraft { entry } => done_if(retention::erase_draft(c, entry)?),
            Change::InsertCosignature(row) => {
                audit::insert_cosignature(c, row).map(|()| Applied::Done)?
            }
        })
    }

    fn insert_rows(&mut self, rows: &[AuditRecord]) -> StoreResult<()> {
        audit::insert_audit_records(self.0, rows)
    }
}
