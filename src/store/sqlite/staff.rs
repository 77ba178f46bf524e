//! Staff accounts, the login guard and TOTP steps.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::SqliteStore;
use super::sql::{Cols, count, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::lockout::{self, GuardTable};
use crate::store::sql::ColumnReader;
use crate::store::{
    AttemptClaim, LockoutPolicy, LoginGuardRow, StaffRow, StaffStore, StoreResult, TotpClaim,
};

const STAFF_COLUMNS: &str = "user_id, display_name, role, department, pin_hash, totp_secret_enc, \
     last_totp_step, disabled, created_at, pin_change_required";

fn staff_from_row(r: &Cols<'_, '_>) -> StoreResult<StaffRow> {
    Ok(StaffRow {
        user_id: r.text(0)?,
        display_name: r.text(1)?,
        role: r.role(2)?,
        department: r.department(3)?,
        pin_hash: r.text(4)?,
        totp_secret_enc: r.get(5)?,
        last_totp_step: r.get(6)?,
        disabled: r.get(7)?,
        created_at: r.time(8)?,
        pin_change_required: r.get(9)?,
    })
}

fn guard_from_row(r: &Cols<'_, '_>) -> StoreResult<LoginGuardRow> {
    Ok(LoginGuardRow {
        attempts: r.get(0)?,
        locked_until: r.opt_time(1)?,
        last_at: r.time(2)?,
    })
}

const GUARD_SELECT: &str = "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = ?1";

pub(crate) fn insert_staff(c: &Connection, s: &StaffRow) -> StoreResult<()> {
    c.execute(
        &format!("INSERT INTO staff({STAFF_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
        params![
            s.user_id,
            s.display_name,
            s.role.as_str(),
            s.department.as_str(),
            s.pin_hash,
            s.totp_secret_enc,
            s.last_totp_step,
            i64::from(s.disabled),
            format_time(s.created_at),
            i64::from(s.pin_change_required),
        ],
    )
    .map(|_| ())
    .map_err(unavailable)
}

/// False if there is no such account.
pub(crate) fn reset_credentials(
    c: &Connection,
    user_id: &str,
    pin_hash: &str,
    totp_secret_enc: &[u8],
    pin_change_required: bool,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET pin_hash = ?2, totp_secret_enc = ?3, last_totp_step = NULL,
         last_totp_terminal = NULL, pin_change_required = ?4 WHERE user_id = ?1",
        params![
            user_id,
            pin_hash,
            totp_secret_enc,
            i64::from(pin_change_required)
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// Replaces the PIN hash of an account and clears its PIN change
/// requirement; false if there is no such account.
pub(crate) fn change_pin(c: &Connection, user_id: &str, pin_hash: &str) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET pin_hash = ?2, pin_change_required = 0 WHERE user_id = ?1",
        params![user_id, pin_hash],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// False if the account is disabled already or not there.
pub(crate) fn disable_staff(c: &Connection, user_id: &str) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET disabled = 1 WHERE user_id = ?1 AND disabled = 0",
        [user_id],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// The login guard's SQL for the shared lockout rule. SQLite locks the whole
/// database for a write transaction, so `lock` needs no row lock: the
/// caller's transaction must be `IMMEDIATE`.
struct Guard<'c>(&'c Connection);

impl GuardTable for Guard<'_> {
    fn lock(&mut self, key: &[u8], _now: OffsetDateTime) -> StoreResult<Option<LoginGuardRow>> {
        query_first(self.0, "login_guard", GUARD_SELECT, [key], guard_from_row)
    }

    fn forget_quiet(
        &mut self,
        key: &[u8],
        quiet_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.0
            .execute(
                "DELETE FROM login_guard WHERE key <> ?1 AND last_at < ?2
                 AND (locked_until IS NULL OR locked_until <= ?3)",
                params![key, format_time(quiet_before), format_time(now)],
            )
            .map(|_| ())
            .map_err(unavailable)
    }

    fn tracked_besides(&mut self, key: &[u8]) -> StoreResult<u64> {
        self.0
            .query_row(
                "SELECT count(*) FROM login_guard WHERE key <> ?1",
                [key],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(unavailable)
    }

    fn forget_oldest_unlocked(
        &mut self,
        key: &[u8],
        now: OffsetDateTime,
        count: u64,
    ) -> StoreResult<()> {
        self.0
            .execute(
                "DELETE FROM login_guard WHERE key IN (
                     SELECT key FROM login_guard
                     WHERE key <> ?1 AND (locked_until IS NULL OR locked_until <= ?2)
                     ORDER BY last_at LIMIT ?3)",
                params![
                    key,
                    format_time(now),
                    i64::try_from(count).unwrap_or(i64::MAX)
                ],
            )
            .map(|_| ())
            .map_err(unavailable)
    }

    fn write(&mut self, key: &[u8], row: &LoginGuardRow) -> StoreResult<()> {
        self.0
            .execute(
                "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key) DO UPDATE SET attempts = excluded.attempts,
                     locked_until = excluded.locked_until, last_at = excluded.last_at",
                params![
                    key,
                    row.attempts,
                    row.locked_until.map(format_time),
                    format_time(row.last_at)
                ],
            )
            .map(|_| ())
            .map_err(unavailable)
    }
}

/// Claims one login attempt under the shared lockout rule. `c` must be an
/// `IMMEDIATE` transaction, so concurrent claims (from any process) are
/// counted one by one.
pub(crate) fn claim_login_attempt(
    c: &Connection,
    key: &[u8],
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<AttemptClaim> {
    lockout::claim_attempt(&mut Guard(c), key, now, policy)
}

pub(crate) fn refund_login_attempt(c: &Connection, key: &[u8]) -> StoreResult<()> {
    c.execute(
        "UPDATE login_guard SET attempts = attempts - 1 WHERE key = ?1 AND attempts > 0",
        [key],
    )
    .map(|_| ())
    .map_err(unavailable)
}

pub(crate) fn clear_login_attempts(c: &Connection, key: &[u8]) -> StoreResult<()> {
    c.execute("DELETE FROM login_guard WHERE key = ?1", [key])
        .map(|_| ())
        .map_err(unavailable)
}

/// One conditional UPDATE: of concurrent claims of a step exactly one
/// changes the row.
pub(crate) fn claim_totp_step(
    c: &Connection,
    user_id: &str,
    step: i64,
    terminal: &str,
) -> StoreResult<TotpClaim> {
    let changed = c
        .execute(
            "UPDATE staff SET last_totp_step = ?2, last_totp_terminal = ?3
             WHERE user_id = ?1 AND (last_totp_step IS NULL OR last_totp_step < ?2)",
            params![user_id, step, terminal],
        )
        .map_err(unavailable)?;
    if changed == 1 {
        return Ok(TotpClaim::Claimed);
    }
    let (last_step, terminal) = query_first(
        c,
        "staff",
        "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.opt_text(1)?)),
    )?
    .unwrap_or((None, None));
    Ok(TotpClaim::AlreadyUsed {
        last_step,
        terminal,
    })
}

pub(crate) fn staff(c: &Connection, user_id: &str) -> StoreResult<Option<StaffRow>> {
    query_first(
        c,
        "staff",
        &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE user_id = ?1"),
        [user_id],
        staff_from_row,
    )
}

impl StaffStore for SqliteStore {
    fn insert_staff(&self, staff: &StaffRow) -> StoreResult<()> {
        self.write(|tx| insert_staff(tx, staff))
    }

    fn staff(&self, user_id: &str) -> StoreResult<Option<StaffRow>> {
        self.with(|c| staff(c, user_id))
    }

    fn list_staff(&self) -> StoreResult<Vec<StaffRow>> {
        self.with(|c| {
            query_rows(
                c,
                "staff",
                &format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY user_id"),
                [],
                staff_from_row,
            )
        })
    }

    fn reset_credentials(
        &self,
        user_id: &str,
        pin_hash: &str,
        totp_secret_enc: &[u8],
        pin_change_required: bool,
    ) -> StoreResult<bool> {
        self.write(|tx| {
            reset_credentials(tx, user_id, pin_hash, totp_secret_enc, pin_change_required)
        })
    }

    fn claim_login_attempt(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> StoreResult<AttemptClaim> {
        self.write(|tx| claim_login_attempt(tx, key, now, policy))
    }

    fn refund_login_attempt(&self, key: &[u8]) -> StoreResult<()> {
        self.write(|tx| refund_login_attempt(tx, key))
    }

    fn clear_login_attempts(&self, key: &[u8]) -> StoreResult<()> {
        self.write(|tx| clear_login_attempts(tx, key))
    }

    fn login_guard(&self, key: &[u8]) -> StoreResult<Option<LoginGuardRow>> {
        self.with(|c| query_first(c, "login_guard", GUARD_SELECT, [key], guard_from_row))
    }

    fn login_guard_count(&self) -> StoreResult<u64> {
        self.with(|c| count(c, "SELECT count(*) FROM login_guard"))
    }

    fn claim_totp_step(&self, user_id: &str, step: i64, terminal: &str) -> StoreResult<TotpClaim> {
        self.write(|tx| claim_totp_step(tx, user_id, step, terminal))
    }
}
