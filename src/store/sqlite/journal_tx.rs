//! The journal's transaction on SQLite: `BEGIN IMMEDIATE` holds the file's
//! write lock from the tail read to the commit, across processes too.

use rusqlite::{OptionalExtension, Transaction, params};
use time::OffsetDateTime;

use super::super::chain::{AuditRecord, format_time};
use super::super::journal::{Applied, Change, JournalTx, Tail};
use super::super::{LoginGuardRow, StoreResult, TotpClaim};
use super::{
    AUDIT_COLUMNS, finish_guard, guard_from_row, prune_login_guard, time_col, unavailable,
};

pub(super) struct SqliteJournal<'c, 't>(pub &'t Transaction<'c>);

impl SqliteJournal<'_, '_> {
    fn run(&self, sql: &str, args: impl rusqlite::Params) -> StoreResult<usize> {
        self.0
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(args))
            .map_err(unavailable)
    }

    /// `Done` if a row changed, else nothing was there to change.
    fn changed(&self, sql: &str, args: impl rusqlite::Params) -> StoreResult<Applied> {
        Ok(match self.run(sql, args)? {
            0 => Applied::NothingToChange,
            _ => Applied::Done,
        })
    }
}

impl JournalTx for SqliteJournal<'_, '_> {
    fn tail(&mut self) -> StoreResult<Tail> {
        let last: Option<(i64, String, String)> = self
            .0
            .query_row(
                "SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(unavailable)?;
        match last {
            None => Ok(Tail::empty()),
            Some((seq, hash, at)) => Ok(Tail {
                seq,
                hash,
                at: Some(time_col(at)?),
            }),
        }
    }

    fn ensure_chain_record(&mut self, record: &str) -> StoreResult<()> {
        self.run(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
            params![super::super::chain::CHAIN_RECORD, record],
        )
        .map(drop)
    }

    fn savepoint(&mut self) -> StoreResult<()> {
        self.0.execute_batch("SAVEPOINT item").map_err(unavailable)
    }

    fn release(&mut self) -> StoreResult<()> {
        self.0.execute_batch("RELEASE item").map_err(unavailable)
    }

    fn roll_back(&mut self) -> StoreResult<()> {
        self.0
            .execute_batch("ROLLBACK TO item; RELEASE item")
            .map_err(unavailable)
    }

    fn apply(&mut self, change: &Change, at: OffsetDateTime) -> StoreResult<Applied> {
        match change {
            Change::InsertStaff(s) => {
                super::insert_staff_row(self.0, s)?;
                Ok(Applied::Done)
            }
            Change::ResetCredentials {
                user_id,
                pin_hash,
                totp_secret_enc,
            } => self.changed(
                "UPDATE staff SET pin_hash = ?2, totp_secret_enc = ?3, last_totp_step = NULL,
                 last_totp_terminal = NULL WHERE user_id = ?1",
                params![user_id, pin_hash, totp_secret_enc],
            ),
            Change::ClaimLoginAttempt { key, policy } => {
                let current = self
                    .0
                    .prepare_cached(
                        "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = ?1",
                    )
                    .and_then(|mut s| s.query_row([key], guard_from_row).optional())
                    .map_err(unavailable)?
                    .map(finish_guard)
                    .transpose()?;
                if current.is_none() {
                    prune_login_guard(self.0, at, policy).map_err(unavailable)?;
                }
                let (next, claim) = LoginGuardRow::claim(current, at, policy);
                if current != Some(next) {
                    self.run(
                        "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                         VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(key) DO UPDATE SET attempts = excluded.attempts,
                             locked_until = excluded.locked_until, last_at = excluded.last_at",
                        params![
                            key,
                            next.attempts,
                            next.locked_until.map(format_time),
                            format_time(next.last_at)
                        ],
                    )?;
                }
                Ok(Applied::Attempt(claim))
            }
            Change::RefundLoginAttempt { key } => self.changed(
                "UPDATE login_guard SET attempts = attempts - 1 WHERE key = ?1 AND attempts > 0",
                [key],
            ),
            Change::ClearLoginAttempts { key } => {
                self.run("DELETE FROM login_guard WHERE key = ?1", [key])?;
                Ok(Applied::Done)
            }
            Change::ClaimTotpStep {
                user_id,
                step,
                terminal,
            } => {
                let changed = self.run(
                    "UPDATE staff SET last_totp_step = ?2, last_totp_terminal = ?3
                     WHERE user_id = ?1 AND (last_totp_step IS NULL OR last_totp_step < ?2)",
                    params![user_id, step, terminal],
                )?;
                if changed == 1 {
                    return Ok(Applied::Totp(TotpClaim::Claimed));
                }
                let (last_step, terminal) = self
                    .0
                    .query_row(
                        "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = ?1",
                        [user_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(unavailable)?
                    .unwrap_or((None, None));
                Ok(Applied::Totp(TotpClaim::AlreadyUsed {
                    last_step,
                    terminal,
                }))
            }
            Change::InsertTerminal(t) => {
                self.run(
                    "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        t.name,
                        t.fingerprint,
                        format_time(t.created_at),
                        t.revoked_at.map(format_time)
                    ],
                )?;
                Ok(Applied::Done)
            }
            Change::RevokeTerminal { name } => self.changed(
                "UPDATE terminals SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, format_time(at)],
            ),
            Change::InsertSession(s) => {
                self.run(
                    "INSERT INTO sessions(token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        s.token_hash,
                        s.user_id,
                        s.terminal,
                        s.purpose,
                        format_time(s.created_at),
                        format_time(s.last_seen_at),
                        format_time(s.expires_at),
                    ],
                )?;
                Ok(Applied::Done)
            }
            Change::TouchSession { token_hash } => self.changed(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                params![token_hash, format_time(at)],
            ),
            Change::DeleteSession { token_hash } => {
                self.changed("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            }
            Change::ChooseSessionPurpose {
                token_hash,
                purpose,
            } => self.changed(
                "UPDATE sessions SET purpose = ?2 WHERE token_hash = ?1 AND purpose IS NULL",
                params![token_hash, purpose],
            ),
        }
    }

    fn insert_rows(&mut self, rows: &[AuditRecord]) -> StoreResult<()> {
        let mut stmt = self
            .0
            .prepare_cached(&format!(
                "INSERT INTO audit_log({AUDIT_COLUMNS})
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
            ))
            .map_err(unavailable)?;
        for r in rows {
            let e = &r.entry;
            stmt.execute(params![
                r.seq,
                format_time(e.at),
                e.user_id,
                e.terminal,
                e.action,
                e.subjects.join(","),
                e.query_hmac,
                e.purpose,
                e.outcome,
                e.detail,
                i64::from(e.sensitive),
                r.prev_hash,
                r.hash,
            ])
            .map_err(unavailable)?;
        }
        Ok(())
    }
}
