//! Roster reconciliations and their findings.

use ::postgres::GenericClient;
use time::OffsetDateTime;

use super::PostgresStore;
use super::sql::{Cols, db_error, query_first, query_rows};
use crate::store::chain::format_time;
use crate::store::sql::{ColumnReader, finding_from_row};
use crate::store::{ReconciliationRow, RosterStore, StoreResult};

const COLUMNS: &str = "id, made_at, made_by, roster_sha256, lines, revoked_at, revoked_by, revoked";

fn reconciliation_from_row(r: &Cols<'_>) -> StoreResult<ReconciliationRow> {
    Ok(ReconciliationRow {
        id: r.text(0)?,
        made_at: r.time(1)?,
        made_by: r.text(2)?,
        roster_sha256: r.text(3)?,
        lines: r.get(4)?,
        findings: Vec::new(),
        revoked_at: r.opt_time(5)?,
        revoked_by: r.opt_text(6)?,
        revoked: r.get(7)?,
    })
}

/// A conflict if the id is taken or a finding names an unknown grant.
pub(crate) fn insert_reconciliation(
    c: &mut impl GenericClient,
    row: &ReconciliationRow,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO roster_reconciliations(id, made_at, made_by, roster_sha256, lines)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &row.id,
            &format_time(row.made_at),
            &row.made_by,
            &row.roster_sha256,
            &row.lines,
        ],
    )
    .map_err(db_error)?;
    let stmt = c
        .prepare(
            "INSERT INTO roster_findings(reconciliation, grant_id, user_id, role, department,
             reason, roster_department) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .map_err(db_error)?;
    for f in &row.findings {
        c.execute(
            &stmt,
            &[
                &row.id,
                &f.grant_id,
                &f.user_id,
                &f.role.as_str(),
                &f.department.as_str(),
                &f.reason.as_str(),
                &f.roster_department.map(|d| d.as_str()),
            ],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

/// False unless `id` is the newest reconciliation and not acted on yet.
pub(crate) fn mark_revoked(
    c: &mut impl GenericClient,
    id: &str,
    by: &str,
    revoked: i64,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE roster_reconciliations SET revoked_at = $2, revoked_by = $3, revoked = $4
         WHERE id = $1 AND revoked_at IS NULL
           AND seq = (SELECT max(seq) FROM roster_reconciliations)",
        &[&id, &format_time(at), &by, &revoked],
    )
    .map(|n| n == 1)
    .map_err(db_error)
}

impl PostgresStore {
    fn with_findings(
        &self,
        row: Option<ReconciliationRow>,
    ) -> StoreResult<Option<ReconciliationRow>> {
        let Some(mut row) = row else {
            return Ok(None);
        };
        row.findings = self.with(|c| {
            query_rows(
                c,
                "roster_findings",
                "SELECT grant_id, user_id, role, department, reason, roster_department
                 FROM roster_findings WHERE reconciliation = $1 ORDER BY user_id, grant_id",
                &[&row.id],
                |r| finding_from_row(r),
            )
        })?;
        Ok(Some(row))
    }
}

impl RosterStore for PostgresStore {
    fn latest_reconciliation(&self) -> StoreResult<Option<ReconciliationRow>> {
        let sql = format!("SELECT {COLUMNS} FROM roster_reconciliations ORDER BY seq DESC LIMIT 1");
        let row = self.with(|c| {
            query_first(
                c,
                "roster_reconciliations",
                &sql,
                &[],
                reconciliation_from_row,
            )
        })?;
        self.with_findings(row)
    }

    fn reconciliation(&self, id: &str) -> StoreResult<Option<ReconciliationRow>> {
        let sql = format!("SELECT {COLUMNS} FROM roster_reconciliations WHERE id = $1");
        let row = self.with(|c| {
            query_first(
                c,
                "roster_reconciliations",
                &sql,
                &[&id],
                reconciliation_from_row,
            )
        })?;
        self.with_findings(row)
    }
}
