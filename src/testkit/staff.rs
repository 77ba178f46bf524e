//! Staff accounts as their holders know them (user ID, PIN, TOTP secret),
//! and the login a holder makes with the code their authenticator shows.

use std::collections::HashMap;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::api::LoginRequest;
use crate::secret::{Pin, TotpCode};
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, NewStaff, SetupError};
use crate::server::totp;
use crate::store::Store;

/// What the holder of an account knows.
pub struct Account {
    pub user_id: String,
    pub pin: Pin,
    pub totp_secret: Zeroizing<Vec<u8>>,
}

impl Account {
    pub fn of(staff: &NewStaff) -> Self {
        Self {
            user_id: staff.user_id.clone(),
            pin: staff.pin.clone(),
            totp_secret: staff.totp_secret.clone(),
        }
    }

    /// The code the authenticator shows at `at`.
    pub fn code_at(&self, at: OffsetDateTime) -> TotpCode {
        code_at(&self.totp_secret, at)
    }

    /// A login for `purpose` with the code shown at `at`.
    pub fn login_request(&self, purpose: &str, at: OffsetDateTime) -> LoginRequest {
        LoginRequest {
            user_id: self.user_id.clone(),
            pin: self.pin.clone(),
            totp: self.code_at(at),
            purpose: Some(purpose.into()),
        }
    }
}

/// The code an authenticator holding `secret` shows at `at`.
pub fn code_at(secret: &[u8], at: OffsetDateTime) -> TotpCode {
    let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    TotpCode::new(totp::code_at(secret, totp::DIGITS, seconds))
}

/// One second into the TOTP step after the one holding `at`: a code there
/// is fresh (the one-time rule has not seen it) and stays current a while.
pub fn next_step(at: OffsetDateTime) -> OffsetDateTime {
    let step = totp::STEP_SECONDS as i64;
    let next = (totp::step_of(at.unix_timestamp()) + 1) * step + 1;
    OffsetDateTime::from_unix_timestamp(next).unwrap_or(at)
}

/// The accounts made through the harness, by user ID.
#[derive(Default)]
pub struct Roster {
    accounts: HashMap<String, Account>,
}

impl Roster {
    /// Creates `staff` in the store (as `bansho admin user add` does) and
    /// keeps what its holder knows.
    pub fn create(
        &mut self,
        store: &dyn Store,
        keys: &Keys,
        staff: &NewStaff,
        at: OffsetDateTime,
    ) -> Result<(), SetupError> {
        data_dir::create_staff(store, keys, staff, at)?;
        self.accounts
            .insert(staff.user_id.clone(), Account::of(staff));
        Ok(())
    }

    pub fn get(&self, user_id: &str) -> Option<&Account> {
        self.accounts.get(user_id)
    }
}
