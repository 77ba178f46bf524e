//! Staff accounts, the login guard and TOTP steps.

use ::postgres::types::ToSql;
use ::postgres::{GenericClient, Transaction};
use time::OffsetDateTime;

use super::PostgresStore;
use super::sql::{Cols, count, db_error, query_first, query_rows};
use crate::store::chain::format_time;
use crate::store::lockout::{self, GuardTable};
use crate::store::sql::ColumnReader;
use crate::store::{
    AttemptClaim, LockoutPolicy, LoginGuardRow, StaffRow, StaffStore, StoreResult, TotpClaim,
};

const STAFF_COLUMNS: &str = "user_id, display_name, role, department, pin_hash, totp_secret_enc, \
     last_totp_step, disabled, created_at, pin_change_required";

fn staff_from_row(r: &Cols<'_>) -> StoreResult<StaffRow> {
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

fn guard_from_row(r: &Cols<'_>) -> StoreResult<LoginGuardRow> {
    Ok(LoginGuardRow {
        attempts: r.get(0)?,
        locked_until: r.opt_time(1)?,
        last_at: r.time(2)?,
    })
}

pub(crate) fn insert_staff(c: &mut impl GenericClient, s: &StaffRow) -> StoreResult<()> {
    c.execute(
        &format!("INSERT INTO staff({STAFF_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"),
        &[
            &s.user_id,
            &s.display_name,
            &s.role.as_str(),
            &s.department.as_str(),
            &s.pin_hash,
            &s.totp_secret_enc,
            &s.last_totp_step,
            &s.disabled,
            &format_time(s.created_at),
            &s.pin_change_required,
        ],
    )
    .map(|_| ())
    .map_err(db_error)
}

/// False if there is no such account.
pub(crate) fn reset_credentials(
    c: &mut impl GenericClient,
    user_id: &str,
    pin_hash: &str,
    totp_secret_enc: &[u8],
    pin_change_required: bool,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET pin_hash = $2, totp_secret_enc = $3, last_totp_step = NULL,
         last_totp_terminal = NULL, pin_change_required = $4 WHERE user_id = $1",
        &[&user_id, &pin_hash, &totp_secret_enc, &pin_change_required],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

/// Replaces the PIN hash of an account and clears its PIN change
/// requirement; false if there is no such account.
pub(crate) fn change_pin(
    c: &mut impl GenericClient,
    user_id: &str,
    pin_hash: &str,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET pin_hash = $2, pin_change_required = FALSE WHERE user_id = $1",
        &[&user_id, &pin_hash],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

/// False if the account is disabled already or not there.
pub(crate) fn disable_staff(c: &mut impl GenericClient, user_id: &str) -> StoreResult<bool> {
    c.execute(
        "UPDATE staff SET disabled = TRUE WHERE user_id = $1 AND NOT disabled",
        &[&user_id],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

/// The login guard's SQL for the shared lockout rule, inside one
/// transaction.
struct Guard<'t, 'c>(&'t mut Transaction<'c>);

impl GuardTable for Guard<'_, '_> {
    /// The row exists before it is locked, so two first attempts on two
    /// instances cannot both insert; `FOR UPDATE` then makes every other
    /// claim of the key wait for this transaction.
    fn lock(&mut self, key: &[u8], now: OffsetDateTime) -> StoreResult<Option<LoginGuardRow>> {
        let inserted = self
            .0
            .execute(
                "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                 VALUES ($1, 0, NULL, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &format_time(now)],
            )
            .map_err(db_error)?;
        if inserted == 1 {
            // New, and locked by its insertion until commit.
            return Ok(None);
        }
        query_first(
            self.0,
            "login_guard",
            "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = $1 FOR UPDATE",
            &[&key],
            guard_from_row,
        )
    }

    fn forget_quiet(
        &mut self,
        key: &[u8],
        quiet_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.0
            .execute(
                "DELETE FROM login_guard WHERE key <> $1 AND last_at < $2
                 AND (locked_until IS NULL OR locked_until <= $3)",
                &[&key, &format_time(quiet_before), &format_time(now)],
            )
            .map(|_| ())
            .map_err(db_error)
    }

    fn tracked_besides(&mut self, key: &[u8]) -> StoreResult<u64> {
        count(
            self.0,
            "SELECT count(*) FROM login_guard WHERE key <> $1",
            &[&key],
        )
    }

    fn forget_oldest_unlocked(
        &mut self,
        key: &[u8],
        now: OffsetDateTime,
        count: u64,
    ) -> StoreResult<()> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        self.0
            .execute(
                "DELETE FROM login_guard WHERE key IN (
                     SELECT key FROM login_guard
                     WHERE key <> $1 AND (locked_until IS NULL OR locked_until <= $2)
                     ORDER BY last_at LIMIT $3)",
                &[&key as &(dyn ToSql + Sync), &format_time(now), &count],
            )
            .map(|_| ())
            .map_err(db_error)
    }

    fn write(&mut self, key: &[u8], row: &LoginGuardRow) -> StoreResult<()> {
        self.0
            .execute(
                "INSERT INTO login_guard(key, attempts, locked_until, last_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET attempts = EXCLUDED.attempts,
                     locked_until = EXCLUDED.locked_until, last_at = EXCLUDED.last_at",
                &[
                    &key,
                    &row.attempts,
                    &row.locked_until.map(format_time),
                    &format_time(row.last_at),
                ],
            )
            .map(|_| ())
            .map_err(db_error)
    }
}

/// Claims one login attempt under the shared lockout rule; racing claims
/// on any number of instances are counted one by one.
pub(crate) fn claim_login_attempt(
    tx: &mut Transaction<'_>,
    key: &[u8],
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<AttemptClaim> {
    lockout::claim_attempt(&mut Guard(tx), key, now, policy)
}

pub(crate) fn refund_login_attempt(c: &mut impl GenericClient, key: &[u8]) -> StoreResult<()> {
    c.execute(
        "UPDATE login_guard SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
        &[&key],
    )
    .map(|_| ())
    .map_err(db_error)
}

pub(crate) fn clear_login_attempts(c: &mut impl GenericClient, key: &[u8]) -> StoreResult<()> {
    c.execute("DELETE FROM login_guard WHERE key = $1", &[&key])
        .map(|_| ())
        .map_err(db_error)
}

/// One conditional UPDATE: a concurrent claimer waits for the row lock,
/// re-checks the condition on the committed row and loses.
pub(crate) fn claim_totp_step(
    c: &mut impl GenericClient,
    user_id: &str,
    step: i64,
    terminal: &str,
) -> StoreResult<TotpClaim> {
    let changed = c
        .execute(
            "UPDATE staff SET last_totp_step = $2, last_totp_terminal = $3
             WHERE user_id = $1 AND (last_totp_step IS NULL OR last_totp_step < $2)",
            &[&user_id, &step, &terminal],
        )
        .map_err(db_error)?;
    if changed == 1 {
        return Ok(TotpClaim::Claimed);
    }
    let (last_step, terminal) = query_first(
        c,
        "staff",
        "SELECT last_totp_step, last_totp_terminal FROM staff WHERE user_id = $1",
        &[&user_id],
        |r| Ok((r.get(0)?, r.opt_text(1)?)),
    )?
    .unwrap_or((None, None));
    Ok(TotpClaim::AlreadyUsed {
        last_step,
        terminal,
    })
}

pub(crate) fn staff(c: &mut impl GenericClient, user_id: &str) -> StoreResult<Option<StaffRow>> {
    query_first(
        c,
        "staff",
        &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE user_id = $1"),
        &[&user_id],
        staff_from_row,
    )
}

impl StaffStore for PostgresStore {
    fn insert_staff(&self, staff: &StaffRow) -> StoreResult<()> {
        self.with(|c| insert_staff(c, staff))
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
                &[],
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
        self.with(|c| reset_credentials(c, user_id, pin_hash, totp_secret_enc, pin_change_required))
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
        self.with(|c| refund_login_attempt(c, key))
    }

    fn clear_login_attempts(&self, key: &[u8]) -> StoreResult<()> {
        self.with(|c| clear_login_attempts(c, key))
    }

    fn login_guard(&self, key: &[u8]) -> StoreResult<Option<LoginGuardRow>> {
        self.with(|c| {
            query_first(
                c,
                "login_guard",
                "SELECT attempts, locked_until, last_at FROM login_guard WHERE key = $1",
                &[&key],
                guard_from_row,
            )
        })
    }

    fn login_guard_count(&self) -> StoreResult<u64> {
        self.with(|c| count(c, "SELECT count(*) FROM login_guard", &[]))
    }

    fn claim_totp_step(&self, user_id: &str, step: i64, terminal: &str) -> StoreResult<TotpClaim> {
        self.with(|c| claim_totp_step(c, user_id, step, terminal))
    }
}
