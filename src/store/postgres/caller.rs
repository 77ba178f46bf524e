//! The route guard's reads, on one pooled connection.

use time::OffsetDateTime;

use super::{PostgresStore, grants, sessions, staff, terminals};
use crate::store::{CallerRows, CallerStore, StoreResult};

impl CallerStore for PostgresStore {
    fn caller(
        &self,
        fingerprint: &str,
        token_hash: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> StoreResult<CallerRows> {
        self.with(|c| {
            let mut rows = CallerRows {
                terminal: terminals::terminal_by_fingerprint(c, fingerprint)?,
                ..CallerRows::default()
            };
            if let Some(hash) = token_hash
                && let Some(session) = sessions::session(c, hash)?
            {
                rows.staff = staff::staff(c, &session.user_id)?;
                rows.grant = grants::active_grant(c, &session.user_id, at)?;
                rows.session = Some(session);
            }
            Ok(rows)
        })
    }
}
