//! Manual transfers: the registries IT officers keep (destinations,
//! format versions), and a transfer from the clerk's request to the
//! supervisor's approval or rejection. Every step commits through the
//! journal with its typed row; the persons a transfer names are the row's
//! subjects, 支援措置 persons marking it sensitive.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use time::format_description::well_known::Rfc3339;

use super::Caller;
use crate::api::Permission;
use crate::api::error::ErrorCode;
use crate::api::transfer::{
    ChangeDestinationRequest, DestinationList, DestinationView, FormatList, FormatView,
    PrepareTransferRequest, TransferList, TransferReason, TransferSummary, TransferView,
};
use crate::domain::audit_event::{Action, Detail, Event, Outcome};
use crate::domain::transfer::destination::Destination;
use crate::domain::transfer::format::TransferFormat;
use crate::domain::transfer::machine::{Actor, Step, Transfer, TransferError};
use crate::server::AppState;
use crate::server::auth::SessionCtx;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::journal::{Change, Item};
use crate::store::{AuditEntry, DestinationRow, FormatRow, TransferRow};

/// The most records one transfer sends.
const MAX_RECORDS: usize = 10_000;
/// The most transfers a list shows.
const LIST_LIMIT: usize = 200;

fn time_text(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::CONFLICT, ErrorCode::TransferRefused, message)
}

fn conflict_if_refused(
    committed: &crate::store::journal::Committed,
    what: &str,
) -> Result<(), AppError> {
    match committed.effect.refusal() {
        Some(_) => Err(refused(format!(
            "{what} changed since it was read, or is there already"
        ))),
        None => Ok(()),
    }
}

// ---- registries ---------------------------------------------------------------

fn destination_view(row: &DestinationRow) -> Result<DestinationView, AppError> {
    let destination: Destination = serde_json::from_str(&row.body).map_err(|_| {
        tracing::error!(destination = %row.id, "stored destination does not decode");
        AppError::internal()
    })?;
    Ok(DestinationView {
        destination,
        revision: row.revision,
        updated_by: row.updated_by.clone(),
        updated_at: time_text(row.updated_at),
    })
}

fn format_view(row: &FormatRow) -> Result<FormatView, AppError> {
    let format: TransferFormat = serde_json::from_str(&row.body).map_err(|_| {
        tracing::error!(format = %row.id, "stored format does not decode");
        AppError::internal()
    })?;
    Ok(FormatView {
        format,
        registered_by: row.registered_by.clone(),
        registered_at: time_text(row.registered_at),
    })
}

/// Every format named by a destination must be registered.
async fn check_formats(state: &AppState, destination: &Destination) -> Result<(), AppError> {
    let registered = state.store(|s| s.formats()).await?;
    for id in &destination.formats {
        if !registered.iter().any(|f| &f.id == id) {
            return Err(AppError::bad_request(format!(
                "`formats`: {id} is not a registered format"
            )));
        }
    }
    Ok(())
}

fn body_of<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|_| AppError::internal())
}

pub async fn register_destination(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(destination): ApiJson<Destination>,
) -> Result<(StatusCode, Json<DestinationView>), AppError> {
    destination
        .check()
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    check_formats(&state, &destination).await?;
    let at = state.clock.now();
    let row = DestinationRow {
        id: destination.id.clone(),
        revision: 1,
        body: body_of(&destination)?,
        updated_by: caller.user_id.clone(),
        updated_at: at,
    };
    let event = Event::ok(Action::DestinationRegister).with(Detail::Registry(row.id.clone()));
    let committed = state
        .commit(Item::recorded(
            vec![Change::InsertDestination(row.clone())],
            caller.entry(at, event),
        ))
        .await?;
    conflict_if_refused(&committed, "a destination of that id")?;
    Ok((StatusCode::CREATED, Json(destination_view(&row)?)))
}

pub async fn change_destination(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ChangeDestinationRequest>,
) -> Result<Json<DestinationView>, AppError> {
    let destination = request.destination;
    if destination.id != id {
        return Err(AppError::bad_request(
            "`destination.id`: a destination keeps its id",
        ));
    }
    destination
        .check()
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    check_formats(&state, &destination).await?;
    let at = state.clock.now();
    let row = DestinationRow {
        id: id.clone(),
        revision: request.revision + 1,
        body: body_of(&destination)?,
        updated_by: caller.user_id.clone(),
        updated_at: at,
    };
    let event = Event::ok(Action::DestinationChange).with(Detail::Registry(id));
    let committed = state
        .commit(Item::recorded(
            vec![Change::UpdateDestination {
                row: row.clone(),
                expected_revision: request.revision,
            }],
            caller.entry(at, event),
        ))
        .await?;
    conflict_if_refused(&committed, "the destination")?;
    Ok(Json(destination_view(&row)?))
}

pub async fn list_destinations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DestinationList>, AppError> {
    let rows = state.store(|s| s.destinations()).await?;
    let destinations = rows
        .iter()
        .map(destination_view)
        .collect::<Result<Vec<_>, _>>()?;
    let event = Event::ok(Action::DestinationList).with(Detail::Rows(destinations.len()));
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Ok(Json(DestinationList { destinations }))
}

pub async fn register_format(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(format): ApiJson<TransferFormat>,
) -> Result<(StatusCode, Json<FormatView>), AppError> {
    format
        .check()
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    let at = state.clock.now();
    let row = FormatRow {
        id: format.id.clone(),
        version: i64::from(format.version),
        body: body_of(&format)?,
        registered_by: caller.user_id.clone(),
        registered_at: at,
    };
    let event = Event::ok(Action::FormatRegister).with(Detail::Registry(format.label()));
    let committed = state
        .commit(Item::recorded(
            vec![Change::InsertFormat(row.clone())],
            caller.entry(at, event),
        ))
        .await?;
    conflict_if_refused(&committed, "that version of the format")?;
    Ok((StatusCode::CREATED, Json(format_view(&row)?)))
}

pub async fn list_formats(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<FormatList>, AppError> {
    let rows = state.store(|s| s.formats()).await?;
    let formats = rows
        .iter()
        .map(format_view)
        .collect::<Result<Vec<_>, _>>()?;
    let event = Event::ok(Action::FormatList).with(Detail::Rows(formats.len()));
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Ok(Json(FormatList { formats }))
}

// ---- transfers ----------------------------------------------------------------

fn label(id: &str) -> String {
    format!("transfer:{id}")
}

fn seal(state: &AppState, id: &str, transfer: &Transfer) -> Result<Vec<u8>, AppError> {
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(transfer).map_err(|_| AppError::internal())?);
    Ok(state.keys.seal_entry(&label(id), &json))
}

fn open(state: &AppState, row: &TransferRow) -> Result<Transfer, AppError> {
    let json = state
        .keys
        .open_entry(&label(&row.id), &row.body)
        .map_err(|_| {
            tracing::error!(transfer = %row.id, "stored transfer does not decrypt");
            AppError::internal()
        })?;
    serde_json::from_slice(&json).map_err(|_| {
        tracing::error!(transfer = %row.id, "stored transfer does not decode");
        AppError::internal()
    })
}

fn view_of(transfer: &Transfer) -> TransferView {
    let header = transfer.header();
    let (rejected_by, rejected_reason, rejected_at_step) = match transfer {
        Transfer::Rejected {
            by, reason, step, ..
        } => (Some(by.clone()), Some(reason.clone()), Some(step.clone())),
        _ => (None, None, None),
    };
    let receipt = match transfer {
        Transfer::Delivered { receipt, .. } => Some(receipt.id.clone()),
        _ => None,
    };
    let sign_off = transfer.sign_off();
    TransferView {
        id: header.id.clone(),
        state: transfer.state_name().to_string(),
        prepared_by: header.prepared_by.clone(),
        prepared_at: time_text(header.prepared_at),
        request: header.request.clone(),
        approved_by: transfer.approval().map(|a| a.by.clone()),
        signed_off_by: sign_off.map(|s| s.officer.clone()),
        hash: sign_off.map(|s| s.hash.as_str().to_string()),
        fingerprint: sign_off.map(|s| s.hash.fingerprint()),
        receipt,
        rejected_by,
        rejected_reason,
        rejected_at_step,
    }
}

/// The row of a transfer step: its persons as subjects, sensitive when
/// any of them is under a support measure.
async fn transfer_row(
    state: &AppState,
    caller: &SessionCtx,
    transfer: &Transfer,
    event: Event,
) -> Result<AuditEntry, AppError> {
    let persons = transfer.header().request.persons.clone();
    let mut sensitive = false;
    for person in &persons {
        if crate::server::entry::protected(state, person).await? {
            sensitive = true;
            break;
        }
    }
    let mut row = caller.entry(state.clock.now(), event);
    row.subjects = persons;
    row.sensitive = sensitive;
    Ok(row)
}

fn detail(transfer: &Transfer) -> Detail {
    let header = transfer.header();
    Detail::Transfer {
        id: header.id.clone(),
        state: transfer.state_name(),
        records: header.request.persons.len(),
    }
}

/// Commits a step: the new state and one row, or a 409 if the transfer
/// changed since it was read.
async fn commit(
    state: &AppState,
    caller: &SessionCtx,
    revision: Option<i64>,
    step: &Step,
    action: Action,
) -> Result<(), AppError> {
    let transfer = &step.transfer;
    let header = transfer.header();
    let at = state.clock.now();
    let row = TransferRow {
        id: header.id.clone(),
        state: transfer.state_name().to_string(),
        prepared_by: header.prepared_by.clone(),
        destination: header.request.destination.clone(),
        format: header.request.format.clone(),
        revision: revision.map_or(1, |r| r + 1),
        body: seal(state, &header.id, transfer)?,
        manifest: None,
        updated_at: at,
    };
    let change = match revision {
        None => Change::InsertTransfer(row),
        Some(expected_revision) => Change::UpdateTransfer {
            row,
            expected_revision,
        },
    };
    let log = transfer_row(
        state,
        caller,
        transfer,
        Event::ok(action).with(detail(transfer)),
    )
    .await?;
    let committed = state.commit(Item::recorded(vec![change], log)).await?;
    conflict_if_refused(&committed, "the transfer")
}

/// Records and answers a step the workflow refused.
async fn refuse(
    state: &AppState,
    caller: &SessionCtx,
    transfer: &Transfer,
    action: Action,
    error: &TransferError,
) -> AppError {
    let event = Event::new(action, Outcome::Denied, detail(transfer));
    match transfer_row(state, caller, transfer, event).await {
        Ok(row) => match state.audit(row).await {
            Ok(_) => refused(error.to_string()),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// Who may read any transfer (not only their own).
fn reads_all(caller: &SessionCtx) -> bool {
    caller.can(Permission::ApproveTransfers)
        || caller.can(Permission::ManageTransferRegistry)
        || caller.can(Permission::ReadAuditLog)
}

/// The transfer `id` as this caller may see it, or a recorded 404: one
/// that is not there and another clerk's look the same.
async fn load(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
) -> Result<(TransferRow, Transfer), AppError> {
    let key = id.to_owned();
    let found = if crate::server::entry::valid_id(id) {
        state.store(move |s| s.transfer(&key)).await?
    } else {
        None
    };
    if let Some(row) = found
        && (reads_all(caller) || row.prepared_by == caller.user_id)
    {
        let transfer = open(state, &row)?;
        return Ok((row, transfer));
    }
    let event = Event::new(action, Outcome::NotFound, Detail::None);
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Err(AppError::not_found("transfer"))
}

pub async fn prepare(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<PrepareTransferRequest>,
) -> Result<(StatusCode, Json<TransferView>), AppError> {
    if request.persons.len() > MAX_RECORDS {
        return Err(AppError::bad_request(format!(
            "`persons`: at most {MAX_RECORDS} records in one transfer"
        )));
    }
    let Some((format_id, version)) = request
        .format
        .split_once('@')
        .and_then(|(id, v)| Some((id.to_owned(), v.parse::<i64>().ok()?)))
    else {
        return Err(AppError::bad_request(
            "`format`: a registered format as id@version (tax_certificate@1)",
        ));
    };
    let format_key = format_id.clone();
    if state
        .store(move |s| s.format(&format_key, version))
        .await?
        .is_none()
    {
        return Err(AppError::bad_request(format!(
            "`format`: {} is not a registered format",
            request.format
        )));
    }
    let key = request.destination.clone();
    let destination = match state.store(move |s| s.destination(&key)).await? {
        Some(row) => destination_view(&row)?.destination,
        None => {
            return Err(AppError::bad_request(format!(
                "`destination`: {} is not a registered destination",
                request.destination
            )));
        }
    };
    if !destination.receives(&format_id) {
        return Err(AppError::bad_request(format!(
            "`destination`: {} does not receive {} (or is not active)",
            destination.id, format_id
        )));
    }
    for person in &request.persons {
        let number = crate::domain::person_number::PersonNumber::parse(person).map_err(|_| {
            AppError::bad_request(format!("`persons`: {person} is not a person number"))
        })?;
        if state.store(move |s| s.resident(&number)).await?.is_none() {
            return Err(AppError::bad_request(format!(
                "`persons`: there is no resident {person}"
            )));
        }
    }
    let id = crate::server::entry::new_id();
    let step = Transfer::prepare(&id, &caller.user_id, request, state.clock.now())
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    commit(&state, &caller, None, &step, Action::TransferPrepare).await?;
    Ok((StatusCode::CREATED, Json(view_of(&step.transfer))))
}

/// Loads the transfer, runs `f` and commits its step.
async fn transition(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
    f: impl FnOnce(&Transfer) -> Result<Step, TransferError>,
) -> Result<Json<TransferView>, AppError> {
    let (row, transfer) = load(state, caller, id, action).await?;
    match f(&transfer) {
        Ok(step) => {
            commit(state, caller, Some(row.revision), &step, action).await?;
            Ok(Json(view_of(&step.transfer)))
        }
        Err(error) => Err(refuse(state, caller, &transfer, action, &error).await),
    }
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TransferView>, AppError> {
    let at = state.clock.now();
    let actor = Actor {
        staff: &caller.user_id,
        role: caller.role,
    };
    transition(&state, &caller, &id, Action::TransferApprove, |t| {
        t.approve(actor, at)
    })
    .await
}

pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(reason): ApiJson<TransferReason>,
) -> Result<Json<TransferView>, AppError> {
    if reason.reason.chars().any(char::is_control) || reason.reason.chars().count() > 500 {
        return Err(AppError::bad_request(
            "`reason`: at most 500 characters, no control characters",
        ));
    }
    let at = state.clock.now();
    let by = caller.user_id.clone();
    transition(&state, &caller, &id, Action::TransferReject, |t| {
        t.reject(&by, &reason.reason, at)
    })
    .await
}

pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TransferView>, AppError> {
    let (_, transfer) = load(&state, &caller, &id, Action::TransferView).await?;
    let row = transfer_row(
        &state,
        &caller,
        &transfer,
        Event::ok(Action::TransferView).with(detail(&transfer)),
    )
    .await?;
    state.audit(row).await?;
    Ok(Json(view_of(&transfer)))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TransferList>, AppError> {
    let rows = state.store(|s| s.transfers_in(&[], LIST_LIMIT)).await?;
    let mut transfers = Vec::new();
    for row in rows
        .iter()
        .filter(|r| reads_all(&caller) || r.prepared_by == caller.user_id)
    {
        let transfer = open(&state, row)?;
        let header = transfer.header();
        transfers.push(TransferSummary {
            id: header.id.clone(),
            state: transfer.state_name().to_string(),
            prepared_by: header.prepared_by.clone(),
            prepared_at: time_text(header.prepared_at),
            destination: header.request.destination.clone(),
            format: header.request.format.clone(),
            records: header.request.persons.len(),
            approved_by: transfer.approval().map(|a| a.by.clone()),
            signed_off_by: transfer.sign_off().map(|s| s.officer.clone()),
        });
    }
    let event = Event::ok(Action::TransferList).with(Detail::Rows(transfers.len()));
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Ok(Json(TransferList { transfers }))
}
