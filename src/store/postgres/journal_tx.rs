//! The journal's transaction on PostgreSQL: every writer, in every service
//! instance, takes the access log's advisory lock first and holds it to the
//! commit, so the tail read is the tail appended to and changes made in the
//! journal are serialised with their rows.

use ::postgres::Transaction;
use ::postgres::types::ToSql;
use time::OffsetDateTime;

use super::super::chain::{AuditRecord, format_time};
use super::super::journal::{Applied, Change, JournalTx, Tail};
use super::super::{LoginGuardRow, StoreResult, TotpClaim};
use super::{
    AUDIT_COLUMNS, AUDIT_LOCK, AUDIT_WIDTH, INSERT_CHUNK, STAFF_COLUMNS, db_error, get,
    guard_from_row, prune_login_guard, time_col, values_list,
};

pub(super) struct PgJournal<'a, 't>(pub &'a mut Transaction<'t>);

type Args<'a> = [&'a (dyn ToSql + Sync)];

impl PgJournal<'_, '_> {
    fn run(&mut self, sql: &str, args: &Args<'_>) -> StoreResult<u64> {
        self.0.execute(sql, args).map_err(db_error)
    }

    fn changed(&mut self, sql: &str, args: &Args<'_>) -> StoreResult<Applied> {
        Ok(match self.run(sql, args)? {
            0 => Applied::NothingToChange,
            _ => Applied::Done,
        })
    }

    /// Takes the access log's lock: the first thing a journal transaction does.
    pub(super) fn lock(&mut self) -> StoreResult<()> {
        self.0
            .batch_execute(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
            .map_err(db_error)
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
        match row {
            None => Ok(Tail::empty()),
            Some(row) => Ok(Tail {
                seq: get(&row, 0)?,
                hash: get(&row, 1)?,
                at: Some(time_col(&get::<String>(&row, 2)?)?),
            }),
        }
    }

    fn ensure_chain_record(&mut self, record: &str) -> StoreResult<()> {
        self.run(
            "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&super::super::chain::CHAIN_RECORD, &record],
        )
        .map(drop)
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
        match change {
            Change::InsertStaff(s) => {
                self.run(
                    &format!(
                        "INSERT INTO staff({STAFF_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
                    ),
                    &[
                        &s.user_id,
                        &s.display_name,
                        &s.role,
                        &s.department,
                        &s.pin_hash,
                        &s.totp_secret_enc,
                        &s.last_totp_step,
                        &s.disabled,
                        &format_time(s.created_at),
                    ],
                )?;
                Ok(Applied::Done)
            }
            Change::ResetCredentials {
                user_id,
                pin_hash,
                totp_secret_enc,
            } => self.changed(
                "UPDATE staff SET pin_hash = $2, totp_secret_enc = $3, last_totp_step = NULL,
                 last_totp_terminal = NULL WHERE user_id = $1",
                &[user_id, pin_hash, totp_secret_enc],
            ),
            Change::ClaimLoginAttempt { key, policy } => {
                // The row exists before it is locked, so two first attempts
                // cannot both insert; FOR UPDATE then orders the claims.
                let inserted = self.run(
                    "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                     VALUES ($1, 0, NULL, $2) ON CONFLICT (key) DO NOTHING",
                    &[key, &format_time(at)],
                )?;
                if inserted == 1 {
                    prune_login_guard(self.0, at, policy)?;
                }
                let current = self
                    .0
                    .query_opt(
                        "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = $1 FOR UPDATE",
                        &[key],
                    )
                    .map_err(db_error)?
                    .as_ref()
                    .map(guard_from_row)
                    .transpose()?
                    .filter(|_| inserted == 0);
                let (next, claim) = LoginGuardRow::claim(current, at, policy);
                self.run(
                    "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (key) DO UPDATE SET attempts = EXCLUDED.attempts,
                         locked_until = EXCLUDED.locked_until, last_at = EXCLUDED.last_at",
                    &[
                        key,
                        &next.attempts,
                        &next.locked_until.map(format_time),
                        &format_time(next.last_at),
                    ],
                )?;
                Ok(Applied::Attempt(claim))
            }
            Change::RefundLoginAttempt { key } => self.changed(
                "UPDATE login_guard SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
                &[key],
            ),
            Change::ClearLoginAttempts { key } => {
                self.run("DELETE FROM login_guard WHERE key = $1", &[key])?;
                Ok(Applied::Done)
            }
            Change::ClaimTotpStep {
                user_id,
                step,
                terminal,
            } => {
                let changed = self.run(
                    "UPDATE staff SET last_totp_step = $2, last_totp_terminal = $3
                     WHERE user_id = $1 AND (last_totp_step IS NULL OR last_totp_step < $2)",
                    &[user_id, step, terminal],
                )?;
                if changed == 1 {
                    return Ok(Applied::Totp(TotpClaim::Claimed));
                }
                let row = self
                    .0
                    .query_opt(
                        "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = $1",
                        &[user_id],
                    )
                    .map_err(db_error)?;
                Ok(Applied::Totp(match row {
                    Some(r) => TotpClaim::AlreadyUsed {
                        last_step: get(&r, 0)?,
                        terminal: get(&r, 1)?,
                    },
                    None => TotpClaim::AlreadyUsed {
                        last_step: None,
                        terminal: None,
                    },
                }))
            }
            Change::InsertTerminal(t) => {
                self.run(
                    "INSERT INTO terminals(name, fingerprint, created_at, revoked_at) VALUES ($1, $2, $3, $4)",
                    &[
                        &t.name,
                        &t.fingerprint,
                        &format_time(t.created_at),
                        &t.revoked_at.map(format_time),
                    ],
                )?;
                Ok(Applied::Done)
            }
            Change::RevokeTerminal { name } => self.changed(
                "UPDATE terminals SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[name, &format_time(at)],
            ),
            Change::InsertSession(s) => {
                self.run(
                    "INSERT INTO sessions(token_hash, user_id, terminal, purpose, created_at, last_seen_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &s.token_hash,
                        &s.user_id,
                        &s.terminal,
                        &s.purpose,
                        &format_time(s.created_at),
                        &format_time(s.last_seen_at),
                        &format_time(s.expires_at),
                    ],
                )?;
                Ok(Applied::Done)
            }
            Change::TouchSession { token_hash } => self.changed(
                "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                &[token_hash, &format_time(at)],
            ),
            Change::DeleteSession { token_hash } => {
                self.changed("DELETE FROM sessions WHERE token_hash = $1", &[token_hash])
            }
            Change::ChooseSessionPurpose {
                token_hash,
                purpose,
            } => self.changed(
                "UPDATE sessions SET purpose = $2 WHERE token_hash = $1 AND purpose IS NULL",
                &[token_hash, purpose],
            ),
        }
    }

    fn insert_rows(&mut self, rows: &[AuditRecord]) -> StoreResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO audit_log({AUDIT_COLUMNS}) VALUES {}",
                values_list(chunk.len(), AUDIT_WIDTH)
            );
            let texts: Vec<(String, String)> = chunk
                .iter()
                .map(|r| (format_time(r.entry.at), r.entry.subjects.join(",")))
                .collect();
            let mut params: Vec<&(dyn ToSql + Sync)> =
                Vec::with_capacity(chunk.len() * AUDIT_WIDTH);
            for (r, (at, subjects)) in chunk.iter().zip(&texts) {
                let e = &r.entry;
                params.extend_from_slice(&[
                    &r.seq,
                    at,
                    &e.user_id,
                    &e.terminal,
                    &e.action,
                    subjects,
                    &e.query_hmac,
                    &e.purpose,
                    &e.outcome,
                    &e.detail,
                    &e.sensitive,
                    &r.prev_hash,
                    &r.hash,
                ]);
            }
            self.0.execute(&sql, &params).map_err(db_error)?;
        }
        Ok(())
    }
}
