//! The route guard's reads, in one read transaction.

use time::OffsetDateTime;

use super::sql::unavailable;
use super::{SqliteStore, grants, sessions, staff, terminals};
use crate::store::{CallerRows, CallerStore, StoreResult};

impl CallerStore for SqliteStore {
    fn caller(
        &self,
        fingerprint: &str,
        token_hash: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> StoreResult<CallerRows> {
        self.with(|c| {
            // Deferred: a read transaction, one snapshot for all four.
            let tx = c.transaction().map_err(unavailable)?;
            let mut rows = CallerRows {
                terminal: terminals::terminal_by_fingerprint(&tx, fingerprint)?,
                ..CallerRows::default()
            };
            if let Some(hash) = token_hash
                && let Some(session) = sessions::session(&tx, hash)?
            {
                rows.staff = staff::staff(&tx, &session.user_id)?;
                rows.grant = grants::active_grant(&tx, &session.user_id, at)?;
                rows.session = Some(session);
            }
            tx.commit().map_err(unavailable)?;
            Ok(rows)
        })
    }
}
