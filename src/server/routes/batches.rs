//! Batches of paper (束): opened with the header's count and control total,
//! entries filed under them, closed only when what was keyed matches.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::Caller;
use crate::api::entry::{BatchList, BatchView, OpenBatchRequest, Problem};
use crate::api::error::ErrorCode;
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::entry::batch::BatchHeader;
use crate::domain::entry::keying::Keying;
use crate::domain::entry::schema::{FieldKind, FieldPath};
use crate::server::AppState;
use crate::server::entry::{EntryFailure, EntryResult, open_record};
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::BatchRow;
use crate::store::journal::{Change, Item};

/// Letters, digits, `-`, `_`, `.`: a batch number travels in paths.
pub fn valid_batch_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn bad(message: &str) -> AppError {
    AppError::bad_request(message.to_owned())
}

pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<OpenBatchRequest>,
) -> Result<(StatusCode, Json<BatchView>), AppError> {
    if !valid_batch_id(&request.id) {
        return Err(bad(
            "`id`: 1 to 32 letters, digits, `-`, `_` or `.` (20260216-001)",
        ));
    }
    let schema = crate::domain::entry::forms::form(&request.form)
        .ok_or_else(|| bad("`form`: there is no such form"))?;
    let amount = FieldPath::parse(&request.control_field)
        .filter(|p| p.row.is_none())
        .and_then(|p| schema.field(&p))
        .is_some_and(|f| f.kind == FieldKind::Amount);
    if !amount {
        return Err(bad(
            "`control_field`: not an amount field of the form (income.total)",
        ));
    }
    if request.forms < 1 || request.forms > 10_000 {
        return Err(bad("`forms`: 1 to 10000"));
    }
    let at = state.clock.now();
    let row = BatchRow {
        id: request.id.clone(),
        form: request.form,
        forms: request.forms,
        control_field: request.control_field,
        control_total: request.control_total,
        opened_by: caller.user_id.clone(),
        opened_at: at,
        closed_by: None,
        closed_at: None,
    };
    let detail = Detail::Batch {
        id: row.id.clone(),
        committed: 0,
        forms: row.forms,
        total_matches: row.control_total == 0,
    };
    let log = caller.entry(at, Event::ok(Action::BatchOpen).with(detail));
    let committed = state
        .commit(Item::recorded(vec![Change::InsertBatch(row.clone())], log))
        .await?;
    if committed.effect.refusal().is_some() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            "a batch with that number is open already",
        ));
    }
    Ok((StatusCode::CREATED, Json(view(&row, (0, 0, 0)))))
}

fn view(row: &BatchRow, (committed, total, open): (i64, i64, i64)) -> BatchView {
    BatchView {
        id: row.id.clone(),
        form: row.form.clone(),
        forms: row.forms,
        control_field: row.control_field.clone(),
        control_total: row.control_total,
        committed,
        committed_total: total,
        open_entries: open,
        closed_by: row.closed_by.clone(),
    }
}

/// The batch, its committed records and how many entries are still open.
async fn tally(
    state: &AppState,
    id: &str,
) -> Result<Option<(BatchRow, Vec<Keying>, i64)>, AppError> {
    let key = id.to_owned();
    let Some(row) = state.store(move |s| s.batch(&key)).await? else {
        return Ok(None);
    };
    let (records, open) = keyed(state, &row).await?;
    Ok(Some((row, records, open)))
}

/// A batch's committed records and how many of its entries are still open.
async fn keyed(state: &AppState, row: &BatchRow) -> Result<(Vec<Keying>, i64), AppError> {
    let key = row.id.clone();
    let ids = state.store(move |s| s.batch_entries(&key)).await?;
    let mut records = Vec::new();
    let mut open = 0;
    for entry in ids {
        let key = entry.clone();
        let Some(stored) = state.store(move |s| s.entry(&key)).await? else {
            continue;
        };
        match stored.state.as_str() {
            "committed" => {
                let (person, form) = (stored.person.clone(), stored.form.clone());
                let versions = state.store(move |s| s.tax_records(&person, &form)).await?;
                if let Some(v) = versions.iter().find(|v| v.entry == entry) {
                    records.push(open_record(state, v)?.record);
                }
            }
            "discarded" => {}
            _ => open += 1,
        }
    }
    Ok((records, open))
}

/// The control field, how many records were committed and their total,
/// and the access log's detail of that.
fn counted(row: &BatchRow, records: &[Keying]) -> (FieldPath, i64, i64, Detail) {
    let at_field = field(row);
    let total: i64 = records.iter().map(|r| r.amount_at(&at_field)).sum();
    let committed = i64::try_from(records.len()).unwrap_or(i64::MAX);
    let detail = Detail::Batch {
        id: row.id.clone(),
        committed,
        forms: row.forms,
        total_matches: total == row.control_total,
    };
    (at_field, committed, total, detail)
}

fn field(row: &BatchRow) -> FieldPath {
    FieldPath::parse(&row.control_field).unwrap_or_else(|| FieldPath::new("income", "total"))
}

/// The clerks' list: open batches first, then the recently closed, each
/// with what was keyed into it so far.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BatchList>, AppError> {
    let rows = state.store(|s| s.batches(BatchList::LIMIT)).await?;
    let mut batches = Vec::with_capacity(rows.len());
    for row in &rows {
        let (records, open) = keyed(&state, row).await?;
        let (_, committed, total, _) = counted(row, &records);
        batches.push(view(row, (committed, total, open)));
    }
    let log = caller.entry(
        state.clock.now(),
        Event::ok(Action::BatchList).with(Detail::Rows(batches.len())),
    );
    state.audit(log).await?;
    Ok(Json(BatchList { batches }))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BatchView>, AppError> {
    let found = if valid_batch_id(&id) {
        tally(&state, &id).await?
    } else {
        None
    };
    let at = state.clock.now();
    let Some((row, records, open)) = found else {
        state
            .audit(caller.entry(
                at,
                Event::new(Action::BatchView, Outcome::NotFound, Detail::None),
            ))
            .await?;
        return Err(AppError::not_found("batch"));
    };
    let (_, committed, total, detail) = counted(&row, &records);
    state
        .audit(caller.entry(at, Event::ok(Action::BatchView).with(detail)))
        .await?;
    Ok(Json(view(&row, (committed, total, open))))
}

pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> EntryResult<Json<BatchView>> {
    let found = if valid_batch_id(&id) {
        tally(&state, &id).await?
    } else {
        None
    };
    let at = state.clock.now();
    let Some((row, records, open)) = found else {
        state
            .audit(caller.entry(
                at,
                Event::new(Action::BatchClose, Outcome::NotFound, Detail::None),
            ))
            .await?;
        return Err(AppError::not_found("batch").into());
    };
    let (at_field, committed, total, detail) = counted(&row, &records);
    if row.closed_by.is_some() {
        state
            .audit(caller.entry(at, Event::denied(Action::BatchClose, Reason::BatchClosed)))
            .await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            format!("batch {id} is closed already"),
        )
        .into());
    }
    if open > 0 {
        state
            .audit(caller.entry(
                at,
                Event::denied(Action::BatchClose, Reason::EntriesOpen).with(detail),
            ))
            .await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            format!("batch {id}: {open} of its entries are not committed yet"),
        )
        .into());
    }
    let header = BatchHeader {
        id: row.id.clone(),
        form: row.form.clone(),
        forms: usize::try_from(row.forms).unwrap_or(usize::MAX),
        control_field: at_field,
        control_total: row.control_total,
    };
    if let Err(mismatch) = header.close(records.iter()) {
        state
            .audit(caller.entry(at, Event::new(Action::BatchClose, Outcome::Invalid, detail)))
            .await?;
        let code = match mismatch {
            crate::domain::entry::batch::BatchError::Count { .. } => "batch_count",
            crate::domain::entry::batch::BatchError::Total { .. } => "batch_total",
        };
        return Err(EntryFailure::Invalid {
            message: mismatch.to_string(),
            problems: vec![Problem {
                code: code.to_owned(),
                fields: vec![row.control_field.clone()],
                severity: "error".to_owned(),
                key: None,
                expected: Some(row.control_total),
                message: mismatch.to_string(),
            }],
        });
    }
    let change = Change::CloseBatch {
        id: row.id.clone(),
        by: caller.user_id.clone(),
    };
    let log = caller.entry(at, Event::ok(Action::BatchClose).with(detail));
    let done = state.commit(Item::recorded(vec![change], log)).await?;
    if done.effect.refusal().is_some() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            format!("batch {id} is closed already"),
        )
        .into());
    }
    let mut closed = row.clone();
    closed.closed_by = Some(caller.user_id.clone());
    Ok(Json(view(&closed, (committed, total, 0))))
}
