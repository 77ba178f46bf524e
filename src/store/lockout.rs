//! The lockout policy, once for every backend: how an attempt is counted
//! ([`LoginGuardRow::claim`]) and how the table of tracked user IDs stays
//! bounded ([`claim_attempt`]'s pruning). A backend only supplies the SQL
//! for each step ([`GuardTable`]), run inside the transaction that claims.

use time::OffsetDateTime;

use super::StoreResult;

/// The lockout rules the store applies when a login attempt is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Attempts checked before the lock; the last of them sets it.
    pub threshold: i64,
    pub lock_for: time::Duration,
    /// A user ID's count is forgotten after this long without an attempt.
    pub forget_after: time::Duration,
    /// Most user IDs (known or not) tracked at once; past it the quietest
    /// unlocked ones are forgotten first.
    pub max_tracked: u64,
}

/// The answer to a claim of one login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClaim {
    /// The attempt may be checked. `locks` is set on the last attempt
    /// before the lock: the lock is already in place and stays unless this
    /// attempt succeeds.
    Granted { attempt: i64, locks: bool },
    /// Locked: the attempt must not be checked.
    Locked { until: OffsetDateTime },
}

/// One user ID's attempts as the store keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginGuardRow {
    pub attempts: i64,
    pub locked_until: Option<OffsetDateTime>,
    pub last_at: OffsetDateTime,
}

impl LoginGuardRow {
    /// The row after one more attempt at `now`, and what that attempt may
    /// do. [`claim_attempt`] runs this inside one locked transaction, so attempts
    /// racing on any number of service instances are counted one by one.
    pub fn claim(
        current: Option<LoginGuardRow>,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> (LoginGuardRow, AttemptClaim) {
        let fresh = LoginGuardRow {
            attempts: 0,
            locked_until: None,
            last_at: now,
        };
        let row = match current {
            Some(row) if row.locked_until.is_some_and(|until| until > now) => {
                let until = row.locked_until.unwrap_or(now);
                return (row, AttemptClaim::Locked { until });
            }
            // An ended lock, or a count gone quiet, starts again.
            Some(row) if row.locked_until.is_some() || now - row.last_at >= policy.forget_after => {
                fresh
            }
            Some(row) => row,
            None => fresh,
        };
        let attempts = row.attempts + 1;
        let locks = attempts >= policy.threshold;
        let next = LoginGuardRow {
            attempts,
            locked_until: locks.then(|| now + policy.lock_for),
            last_at: now,
        };
        (
            next,
            AttemptClaim::Granted {
                attempt: attempts,
                locks,
            },
        )
    }
}

/// The steps of a claim as a backend runs them, all inside the one
/// transaction of the claim.
pub(crate) trait GuardTable {
    /// The row of `key`, locked until the transaction ends so that racing
    /// claims of the key wait; `None` if the key was not tracked.
    fn lock(&mut self, key: &[u8], now: OffsetDateTime) -> StoreResult<Option<LoginGuardRow>>;
    /// Forgets every key but `key` whose last attempt was before
    /// `quiet_before` and that is not locked at `now`.
    fn forget_quiet(
        &mut self,
        key: &[u8],
        quiet_before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// How many keys other than `key` are tracked.
    fn tracked_besides(&mut self, key: &[u8]) -> StoreResult<u64>;
    /// Forgets the `count` keys other than `key`, not locked at `now`,
    /// attempted longest ago.
    fn forget_oldest_unlocked(
        &mut self,
        key: &[u8],
        now: OffsetDateTime,
        count: u64,
    ) -> StoreResult<()>;
    /// Stores the row of `key`.
    fn write(&mut self, key: &[u8], row: &LoginGuardRow) -> StoreResult<()>;
}

/// Claims one attempt for `key` (see [`LoginGuardRow::claim`]). A key not
/// yet tracked first makes room: quiet counts are forgotten, then, while
/// the table is at its cap, the unlocked keys attempted longest ago. A
/// locked key is never forgotten to make room, so flooding the table with
/// new user IDs cannot lift a lock.
pub(crate) fn claim_attempt(
    table: &mut impl GuardTable,
    key: &[u8],
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<AttemptClaim> {
    let current = table.lock(key, now)?;
    if current.is_none() {
        table.forget_quiet(key, now - policy.forget_after, now)?;
        let excess = room_needed(table.tracked_besides(key)?, policy);
        if excess > 0 {
            table.forget_oldest_unlocked(key, now, excess)?;
        }
    }
    let (next, claim) = LoginGuardRow::claim(current, now, policy);
    if current != Some(next) {
        table.write(key, &next)?;
    }
    Ok(claim)
}

/// How many other keys must go so that one more fits under the cap.
fn room_needed(tracked: u64, policy: &LockoutPolicy) -> u64 {
    let cap = policy.max_tracked.max(1);
    (tracked + 1).saturating_sub(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            threshold: 3,
            lock_for: time::Duration::minutes(15),
            forget_after: time::Duration::hours(1),
            max_tracked: 2,
        }
    }

    #[test]
    fn room_is_made_only_at_the_cap() {
        assert_eq!(room_needed(0, &policy()), 0);
        assert_eq!(room_needed(1, &policy()), 0);
        assert_eq!(room_needed(2, &policy()), 1);
        assert_eq!(room_needed(5, &policy()), 4);
        let one = LockoutPolicy {
            max_tracked: 0,
            ..policy()
        };
        assert_eq!(room_needed(1, &one), 1);
    }

    #[test]
    fn the_threshold_attempt_locks_and_a_quiet_count_starts_again() {
        let now = datetime!(2026-11-23 09:00 UTC);
        let p = policy();
        let (row, claim) = LoginGuardRow::claim(None, now, &p);
        assert_eq!(
            claim,
            AttemptClaim::Granted {
                attempt: 1,
                locks: false
            }
        );
        let (row, _) = LoginGuardRow::claim(Some(row), now, &p);
        let (row, claim) = LoginGuardRow::claim(Some(row), now, &p);
        assert_eq!(
            claim,
            AttemptClaim::Granted {
                attempt: 3,
                locks: true
            }
        );
        let (_, claim) = LoginGuardRow::claim(Some(row), now, &p);
        assert_eq!(
            claim,
            AttemptClaim::Locked {
                until: now + p.lock_for
            }
        );
        let quiet = LoginGuardRow {
            attempts: 2,
            locked_until: None,
            last_at: now,
        };
        let (_, claim) = LoginGuardRow::claim(Some(quiet), now + p.forget_after, &p);
        assert_eq!(
            claim,
            AttemptClaim::Granted {
                attempt: 1,
                locks: false
            }
        );
    }
}
