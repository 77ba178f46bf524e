//! Transfer destinations, formats and transfers.

use rusqlite::{Connection, params};

use super::SqliteStore;
use super::sql::{Cols, query_first, query_rows, unavailable};
use crate::store::chain::format_time;
use crate::store::sql::ColumnReader;
use crate::store::{
    DestinationRow, FormatRow, StoreResult, TransferQuery, TransferRow, TransferStore,
};

const DESTINATION_COLUMNS: &str = "id, revision, body, updated_by, updated_at";

fn destination_from_row(r: &Cols<'_, '_>) -> StoreResult<DestinationRow> {
    Ok(DestinationRow {
        id: r.text(0)?,
        revision: r.get(1)?,
        body: r.text(2)?,
        updated_by: r.text(3)?,
        updated_at: r.time(4)?,
    })
}

/// False if the id is taken.
pub(crate) fn insert_destination(c: &Connection, d: &DestinationRow) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO transfer_destinations(id, revision, body, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
        params![
            d.id,
            d.revision,
            d.body,
            d.updated_by,
            format_time(d.updated_at)
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

/// False if the destination is not at `expected_revision`.
pub(crate) fn update_destination(
    c: &Connection,
    d: &DestinationRow,
    expected_revision: i64,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE transfer_destinations SET revision = ?2, body = ?3, updated_by = ?4, updated_at = ?5
         WHERE id = ?1 AND revision = ?6",
        params![
            d.id,
            d.revision,
            d.body,
            d.updated_by,
            format_time(d.updated_at),
            expected_revision
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

const FORMAT_COLUMNS: &str = "id, version, body, registered_by, registered_at";

fn format_from_row(r: &Cols<'_, '_>) -> StoreResult<FormatRow> {
    Ok(FormatRow {
        id: r.text(0)?,
        version: r.get(1)?,
        body: r.text(2)?,
        registered_by: r.text(3)?,
        registered_at: r.time(4)?,
    })
}

/// False if that version of the format exists.
pub(crate) fn insert_format(c: &Connection, f: &FormatRow) -> StoreResult<bool> {
    c.execute(
        "INSERT INTO transfer_formats(id, version, body, registered_by, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id, version) DO NOTHING",
        params![
            f.id,
            f.version,
            f.body,
            f.registered_by,
            format_time(f.registered_at)
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

const TRANSFER_COLUMNS: &str =
    "id, state, prepared_by, destination, format, revision, body, manifest, updated_at";

fn transfer_from_row(r: &Cols<'_, '_>) -> StoreResult<TransferRow> {
    Ok(TransferRow {
        id: r.text(0)?,
        state: r.text(1)?,
        prepared_by: r.text(2)?,
        destination: r.text(3)?,
        format: r.text(4)?,
        revision: r.get(5)?,
        body: r.get(6)?,
        manifest: r.get(7)?,
        updated_at: r.time(8)?,
    })
}

pub(crate) fn insert_transfer(c: &Connection, t: &TransferRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO transfers(id, state, prepared_by, destination, format, revision, body, manifest, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.id,
            t.state,
            t.prepared_by,
            t.destination,
            t.format,
            t.revision,
            t.body,
            t.manifest,
            format_time(t.updated_at)
        ],
    )
    .map(drop)
    .map_err(unavailable)
}

/// False if the transfer is not at `expected_revision`.
pub(crate) fn update_transfer(
    c: &Connection,
    t: &TransferRow,
    expected_revision: i64,
) -> StoreResult<bool> {
    c.execute(
        "UPDATE transfers SET state = ?2, destination = ?3, format = ?4, revision = ?5, body = ?6,
         manifest = ?7, updated_at = ?8
         WHERE id = ?1 AND revision = ?9",
        params![
            t.id,
            t.state,
            t.destination,
            t.format,
            t.revision,
            t.body,
            t.manifest,
            format_time(t.updated_at),
            expected_revision
        ],
    )
    .map(|n| n == 1)
    .map_err(unavailable)
}

impl TransferStore for SqliteStore {
    fn destination(&self, id: &str) -> StoreResult<Option<DestinationRow>> {
        let sql = format!("SELECT {DESTINATION_COLUMNS} FROM transfer_destinations WHERE id = ?1");
        self.with(|c| query_first(c, "transfer_destinations", &sql, [id], destination_from_row))
    }

    fn destinations(&self) -> StoreResult<Vec<DestinationRow>> {
        let sql = format!("SELECT {DESTINATION_COLUMNS} FROM transfer_destinations ORDER BY id");
        self.with(|c| query_rows(c, "transfer_destinations", &sql, [], destination_from_row))
    }

    fn format(&self, id: &str, version: i64) -> StoreResult<Option<FormatRow>> {
        let sql =
            format!("SELECT {FORMAT_COLUMNS} FROM transfer_formats WHERE id = ?1 AND version = ?2");
        self.with(|c| {
            query_first(
                c,
                "transfer_formats",
                &sql,
                params![id, version],
                format_from_row,
            )
        })
    }

    fn formats(&self) -> StoreResult<Vec<FormatRow>> {
        let sql = format!("SELECT {FORMAT_COLUMNS} FROM transfer_formats ORDER BY id, version");
        self.with(|c| query_rows(c, "transfer_formats", &sql, [], format_from_row))
    }

    fn transfer(&self, id: &str) -> StoreResult<Option<TransferRow>> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = ?1");
        self.with(|c| query_first(c, "transfers", &sql, [id], transfer_from_row))
    }

    fn transfers_in(&self, query: &TransferQuery, limit: usize) -> StoreResult<Vec<TransferRow>> {
        let states = serde_json::to_string(&query.states).unwrap_or_default();
        // Times are fixed-width UTC text: they compare as they sort.
        let sql = format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers
             WHERE (?1 = '[]' OR state IN (SELECT value FROM json_each(?1)))
               AND (?2 IS NULL OR prepared_by = ?2)
               AND (?3 IS NULL OR destination = ?3)
               AND (?4 IS NULL OR format = ?4)
               AND (?5 IS NULL OR updated_at >= ?5)
               AND (?6 IS NULL OR updated_at < ?6)
             ORDER BY updated_at DESC, id LIMIT ?7"
        );
        let from = query.from.map(format_time);
        let to = query.to.map(format_time);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            query_rows(
                c,
                "transfers",
                &sql,
                params![
                    states,
                    query.prepared_by,
                    query.destination,
                    query.format,
                    from,
                    to,
                    limit
                ],
                transfer_from_row,
            )
        })
    }
}
