//! What the DEMO panel shows of each demo account: its PIN, the code of the
//! current step, and whether the service has already accepted that code
//! (from the store's record of the account's last accepted step, the same
//! record the login checks), so a newcomer is never shown a code that fails.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::server::data_dir::NewStaff;
use crate::server::totp;
use crate::store::Store;
use crate::tui::DemoAccount;

/// The demo accounts and the store that knows which codes were used.
pub struct StaffPanel {
    accounts: Vec<NewStaff>,
    store: Arc<dyn Store>,
}

impl StaffPanel {
    pub fn new(accounts: Vec<NewStaff>, store: Arc<dyn Store>) -> StaffPanel {
        StaffPanel { accounts, store }
    }

    /// The accounts as they stand now.
    pub fn current(&self) -> Vec<DemoAccount> {
        self.at(OffsetDateTime::now_utc().unix_timestamp())
    }

    /// The accounts at `now` (Unix seconds).
    pub fn at(&self, now: i64) -> Vec<DemoAccount> {
        let now = now.max(0);
        let step = totp::step_of(now);
        let left = totp::STEP_SECONDS - now as u64 % totp::STEP_SECONDS;
        self.accounts
            .iter()
            .map(|s| DemoAccount {
                user_id: s.user_id.clone(),
                role: s.role,
                department: s.department,
                pin: s.pin.clone(),
                code: totp::code_at(&s.totp_secret, totp::DIGITS, now as u64),
                seconds_left: left,
                used: self.last_step(&s.user_id).is_some_and(|last| last >= step),
            })
            .collect()
    }

    /// The last step the service accepted for `user_id`; None if none yet
    /// (or the store cannot say, when the panel shows the code unmarked).
    fn last_step(&self, user_id: &str) -> Option<i64> {
        self.store.staff(user_id).ok().flatten()?.last_totp_step
    }
}
