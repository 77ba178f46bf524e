//! Grants of roles, with their start and expiry.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::SqliteStore;
use super::sql::{Cols, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{GrantQuery, GrantRow, GrantStore, StoreResult};

const GRANT_COLUMNS: &str = "id, user_id, role, department, starts_at, expires_at, state, \
     requested_by, requested_at, decided_by, decided_at, revoked_by, revoked_at, reason, \
     end_reason, revision";

fn grant_from_row(r: &Cols<'_, '_>) -> StoreResult<GrantRow> {
    Ok(GrantRow {
        id: r.text(0)?,
        user_id: r.text(1)?,
        role: r.role(2)?,
        department: r.department(3)?,
        starts_at: r.time(4)?,
        expires_at: r.opt_time(5)?,
        state: r.grant_state(6)?,
        requested_by: r.text(7)?,
        requested_at: r.time(8)?,
        decided_by: r.opt_text(9)?,
        decided_at: r.opt_time(10)?,
        revoked_by: r.opt_text(11)?,
        revoked_at: r.opt_time(12)?,
        reason: r.text(13)?,
        end_reason: r.opt_text(14)?,
        revision: r.get(15)?,
    })
}

/// An error (a conflict) if the id is taken or the user is unknown.
pub(crate) fn insert_grant(c: &Connection, g: &GrantRow) -> StoreResult<()> {
    c.execute(
        &format!(
            "INSERT INTO grants({GRANT_COLUMNS})
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
        ),
        params![
            g.id,
            g.user_id,
            g.role.as_str(),
            g.department.as_str(),
            format_time(g.starts_at),
            g.expires_at.map(format_time),
            g.state.as_str(),
            g.requested_by,
            format_time(g.requested_at),
            g.decided_by,
            g.decided_at.map(format_time),
            g.revoked_by,
            g.revoked_at.map(format_time),
            g.reason,
            g.end_reason,
            g.revision,
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

/// False if the grant is not at `expected_revision`. Who it is for, and
/// the role and department, never change.
pub(crate) fn update_grant(
    c: &Connection,
    g: &GrantRow,
    expected_revision: i64,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE grants SET starts_at = ?2, expires_at = ?3, state = ?4, decided_by = ?5,
         decided_at = ?6, revoked_by = ?7, revoked_at = ?8, end_reason = ?9, revision = ?10
         WHERE id = ?1 AND revision = ?11",
        params![
            g.id,
            format_time(g.starts_at),
            g.expires_at.map(format_time),
            g.state.as_str(),
            g.decided_by,
            g.decided_at.map(format_time),
            g.revoked_by,
            g.revoked_at.map(format_time),
            g.end_reason,
            g.revision,
            expected_revision,
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

pub(crate) fn active_grant(
    c: &Connection,
    user_id: &str,
    at: OffsetDateTime,
) -> StoreResult<Option<GrantRow>> {
    let sql = format!(
        "SELECT {GRANT_COLUMNS} FROM grants
         WHERE user_id = ?1 AND state = 'active' AND starts_at <= ?2
           AND (expires_at IS NULL OR expires_at > ?2)
         ORDER BY starts_at DESC, id LIMIT 1"
    );
    query_first(
        c,
        "grants",
        &sql,
        params![user_id, format_time(at)],
        grant_from_row,
    )
}

impl GrantStore for SqliteStore {
    fn grant(&self, id: &str) -> StoreResult<Option<GrantRow>> {
        let sql = format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = ?1");
        self.with(|c| query_first(c, "grants", &sql, [id], grant_from_row))
    }

    fn grants(&self, query: &GrantQuery, limit: usize) -> StoreResult<Vec<GrantRow>> {
        let sql = format!(
            "SELECT {GRANT_COLUMNS} FROM grants
             WHERE (?1 IS NULL OR user_id = ?1)
               AND (?2 IS NULL OR department = ?2)
               AND (?3 IS NULL OR state = ?3)
             ORDER BY requested_at DESC, id LIMIT ?4"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            query_rows(
                c,
                "grants",
                &sql,
                params![
                    query.user_id,
                    query.department.map(|d| d.as_str()),
                    query.state.map(|s| s.as_str()),
                    limit
                ],
                grant_from_row,
            )
        })
    }

    fn active_grant(&self, user_id: &str, at: OffsetDateTime) -> StoreResult<Option<GrantRow>> {
        self.with(|c| active_grant(c, user_id, at))
    }
}
