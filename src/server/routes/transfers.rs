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
    PrepareTransferRequest, PreviewView, ReconfirmRequest, SignOffRequest, TransferList,
    TransferReason, TransferSummary, TransferView,
};
use crate::domain::audit_event::{Action, Detail, Event, Outcome};
use crate::domain::transfer::destination::{Destination, DestinationKind};
use crate::domain::transfer::format::TransferFormat;
use crate::domain::transfer::machine::{Actor, Step, Transfer, TransferError};
use crate::server::AppState;
use crate::server::auth::{self, SessionCtx};
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::journal::{Change, Item};
use crate::store::{AuditEntry, DestinationRow, FormatRow, TransferQuery, TransferRow};

/// The most records one transfer sends.
const MAX_RECORDS: usize = 10_000;
/// The body limit of a request naming its persons: 10,000 internal numbers
/// are about 130 KB of JSON, over the service's default limit.
pub const PREPARE_BODY_LIMIT: usize = 256 * 1024;
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

fn seal(state: &AppState, id: &str, transfer: &Transfer) -> Result<Vec<u8>, AppError> {
    crate::server::transfer_seal::seal(&state.keys, id, transfer).map_err(|_| AppError::internal())
}

fn open(state: &AppState, row: &TransferRow) -> Result<Transfer, AppError> {
    crate::server::transfer_seal::open(&state.keys, row).map_err(|e| {
        tracing::error!(transfer = %row.id, "{e}");
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
    let (receipt, delivered_at) = match transfer {
        Transfer::Delivered { receipt, .. } => {
            (Some(receipt.id.clone()), Some(time_text(receipt.at)))
        }
        _ => (None, None),
    };
    let failure = match transfer {
        Transfer::Failed { error, .. } => Some(error.clone()),
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
        approved_at: transfer.approval().map(|a| time_text(a.at)),
        signed_off_by: sign_off.map(|s| s.officer.clone()),
        signed_off_at: sign_off.map(|s| time_text(s.at)),
        hash: sign_off.map(|s| s.hash.as_str().to_string()),
        fingerprint: sign_off.map(|s| s.hash.fingerprint()),
        receipt,
        delivered_at,
        failure,
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

/// The filters a history search takes, each at most once (`state` may
/// repeat); `from` and `to` are office dates, `to` included.
const SEARCH_PARAMETERS: [&str; 7] = [
    "preparer",
    "witness",
    "destination",
    "format",
    "state",
    "from",
    "to",
];

/// A history search as asked: what the store filters, and the witness,
/// which only the sealed transfer names.
fn search_of(
    state: &AppState,
    params: Vec<(String, String)>,
) -> Result<(TransferQuery, Option<String>), AppError> {
    let unknown: Vec<String> = params
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !SEARCH_PARAMETERS.contains(&k.as_str()))
        .map(|k| format!("`{}`", k.escape_debug()))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::bad_request(format!(
            "unknown query parameter {}: a search takes {}",
            unknown.join(", "),
            SEARCH_PARAMETERS.join(", ")
        )));
    }
    let date = |key: &str, value: &str| {
        let format = time::format_description::well_known::Iso8601::DATE;
        time::Date::parse(value, &format)
            .ok()
            .and_then(|d| state.config.time_zone.day_start(d))
            .ok_or_else(|| AppError::bad_request(format!("`{key}`: a date (2026-11-23)")))
    };
    let mut query = TransferQuery::default();
    let mut witness = None;
    for (key, value) in params {
        let once = |taken: bool| {
            if taken {
                Err(AppError::bad_request(format!("`{key}`: at most once")))
            } else {
                Ok(())
            }
        };
        match key.as_str() {
            "preparer" => {
                once(query.prepared_by.is_some())?;
                query.prepared_by = Some(value);
            }
            "witness" => {
                once(witness.is_some())?;
                witness = Some(value);
            }
            "destination" => {
                once(query.destination.is_some())?;
                query.destination = Some(value);
            }
            "format" => {
                once(query.format.is_some())?;
                query.format = Some(value);
            }
            "state" => query.states.push(value),
            "from" => {
                once(query.from.is_some())?;
                query.from = Some(date("from", &value)?);
            }
            _ => {
                once(query.to.is_some())?;
                query.to = Some(date("to", &value)? + time::Duration::days(1));
            }
        }
    }
    Ok((query, witness))
}

/// The transfers' history: supervisors, IT officers and auditors search
/// everyone's; a clerk sees their own only, filtered in the store.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<
        axum::extract::Query<Vec<(String, String)>>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Json<TransferList>, AppError> {
    let axum::extract::Query(params) =
        params.map_err(|_| AppError::bad_request("the query is not name=value pairs"))?;
    let (mut query, witness) = search_of(&state, params)?;
    let own_only = !reads_all(&caller);
    let rows = if own_only
        && query
            .prepared_by
            .as_ref()
            .is_some_and(|p| *p != caller.user_id)
    {
        Vec::new()
    } else {
        if own_only {
            query.prepared_by = Some(caller.user_id.clone());
        }
        state
            .store(move |s| s.transfers_in(&query, LIST_LIMIT))
            .await?
    };
    let mut transfers = Vec::new();
    for row in &rows {
        let transfer = open(&state, row)?;
        let header = transfer.header();
        let signed_off_by = transfer.sign_off().map(|s| s.officer.clone());
        if witness.is_some() && signed_off_by != witness {
            continue;
        }
        let view = view_of(&transfer);
        transfers.push(TransferSummary {
            id: header.id.clone(),
            state: transfer.state_name().to_string(),
            prepared_by: header.prepared_by.clone(),
            prepared_at: time_text(header.prepared_at),
            destination: header.request.destination.clone(),
            format: header.request.format.clone(),
            records: header.request.persons.len(),
            approved_by: view.approved_by,
            signed_off_by,
            receipt: view.receipt,
        });
    }
    let event = Event::ok(Action::TransferList).with(Detail::Rows(transfers.len()));
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Ok(Json(TransferList { transfers }))
}

// ---- preview, sign-off, sending -------------------------------------------------

/// The form whose committed record gives a transfer's tax figures.
const DECLARATION: &str = "juminzei_shinkoku";

fn manifest_label(id: &str) -> String {
    format!("manifest:{id}")
}

/// The registered format a request names, and its destination.
async fn registered(
    state: &AppState,
    request: &crate::domain::transfer::machine::Request,
) -> Result<(TransferFormat, Destination), AppError> {
    let (id, version) = request
        .format
        .split_once('@')
        .and_then(|(id, v)| Some((id.to_owned(), v.parse::<i64>().ok()?)))
        .ok_or_else(AppError::internal)?;
    let format = match state.store(move |s| s.format(&id, version)).await? {
        Some(row) => format_view(&row)?.format,
        None => return Err(AppError::internal()),
    };
    let key = request.destination.clone();
    let destination = match state.store(move |s| s.destination(&key)).await? {
        Some(row) => destination_view(&row)?.destination,
        None => return Err(AppError::internal()),
    };
    Ok((format, destination))
}

/// The manifest of a transfer as the store gives its records now: only
/// the format's fields; a record lacking a required one is named (422).
async fn build_manifest(
    state: &AppState,
    transfer: &Transfer,
    format: &TransferFormat,
) -> Result<crate::domain::transfer::manifest::Manifest, AppError> {
    use crate::domain::transfer::format::RecordField;
    use crate::domain::transfer::manifest::{Manifest, SourceRecord};
    use crate::secret::KeyedValue;
    let header = transfer.header();
    let schema = crate::domain::entry::forms::form(DECLARATION).ok_or_else(AppError::internal)?;
    let total = crate::domain::entry::schema::FieldPath::new("income", "total");
    let mut records = Vec::with_capacity(header.request.persons.len());
    for person in &header.request.persons {
        let number = crate::domain::person_number::PersonNumber::parse(person)
            .map_err(|_| AppError::internal())?;
        let Some(resident) = state.store(move |s| s.resident(&number)).await? else {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::TransferRefused,
                format!("`persons`: {person} is no longer a resident record"),
            ));
        };
        let mut values = std::collections::BTreeMap::new();
        let mut put = |field, value: String| {
            values.insert(field, KeyedValue::new(value));
        };
        put(RecordField::PersonNumber, person.clone());
        put(RecordField::Name, resident.name.clone());
        put(RecordField::Kana, resident.kana.clone());
        put(RecordField::Birth, resident.birth_date.to_string());
        put(
            RecordField::Sex,
            format!("{:?}", resident.sex).to_lowercase(),
        );
        put(RecordField::Address, resident.address.clone());
        if format.has(RecordField::MyNumber) {
            let number = state
                .keys
                .open_my_number(person, &resident.my_number_enc)
                .map_err(|_| AppError::internal())?;
            put(
                RecordField::MyNumber,
                String::from_utf8_lossy(number.as_slice()).into_owned(),
            );
        }
        let key = person.clone();
        let versions = state
            .store(move |s| s.tax_records(&key, DECLARATION))
            .await?;
        if let Some(latest) = versions.last() {
            let record = crate::server::entry::open_record(state, latest)?.record;
            put(RecordField::TaxYear, schema.income_year.to_string());
            put(
                RecordField::TotalIncome,
                record.amount_at(&total).to_string(),
            );
        }
        records.push(SourceRecord {
            person: person.clone(),
            sensitive: resident.support_measure,
            values,
        });
    }
    Manifest::build(&header.id, &header.request.destination, format, &records).map_err(|missing| {
        let named: Vec<String> = missing
            .iter()
            .map(|m| format!("{} {}", m.person, m.field.key()))
            .collect();
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TransferRefused,
            format!(
                "records lack what {} requires: {}",
                format.label(),
                named.join(", ")
            ),
        )
    })
}

/// The transfer, loaded for its preparer only (anyone else: a recorded 404).
async fn load_own(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
) -> Result<(TransferRow, Transfer), AppError> {
    let (row, transfer) = load(state, caller, id, action).await?;
    if row.prepared_by != caller.user_id {
        let event = Event::new(action, Outcome::NotFound, Detail::None);
        state.audit(caller.entry(state.clock.now(), event)).await?;
        return Err(AppError::not_found("transfer"));
    }
    Ok((row, transfer))
}

/// Commits a step whose row (and maybe sealed manifest) the caller made.
async fn commit_with(
    state: &AppState,
    revision: i64,
    step: &Step,
    manifest: Option<Vec<u8>>,
    log: AuditEntry,
) -> Result<(), AppError> {
    let change = update_change(state, revision, step, manifest)?;
    let committed = state.commit(Item::recorded(vec![change], log)).await?;
    conflict_if_refused(&committed, "the transfer")
}

fn update_change(
    state: &AppState,
    revision: i64,
    step: &Step,
    manifest: Option<Vec<u8>>,
) -> Result<Change, AppError> {
    let transfer = &step.transfer;
    let header = transfer.header();
    Ok(Change::UpdateTransfer {
        row: TransferRow {
            id: header.id.clone(),
            state: transfer.state_name().to_string(),
            prepared_by: header.prepared_by.clone(),
            destination: header.request.destination.clone(),
            format: header.request.format.clone(),
            revision: revision + 1,
            body: seal(state, &header.id, transfer)?,
            manifest,
            updated_at: state.clock.now(),
        },
        expected_revision: revision,
    })
}

fn preview_of(
    transfer: &Transfer,
    destination: &Destination,
    format: &TransferFormat,
    manifest: &crate::domain::transfer::manifest::Manifest,
) -> PreviewView {
    let hash = manifest.hash();
    let to_reconfirm = match transfer {
        Transfer::AwaitingSignOff { preview, .. } => preview
            .sensitive
            .difference(&preview.reconfirmed)
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    PreviewView {
        transfer: view_of(transfer),
        destination_name: destination.name.clone(),
        format: format.label(),
        records: manifest.count,
        fields: format
            .fields
            .iter()
            .map(|f| f.field.key().to_string())
            .collect(),
        hash: hash.as_str().to_string(),
        fingerprint: hash.fingerprint(),
        to_reconfirm,
    }
}

/// The preparer opens the preview: the manifest as the records are now,
/// its hash fixed for the sign-off (a paused transfer resumes the same way).
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PreviewView>, AppError> {
    let (row, transfer) = load_own(&state, &caller, &id, Action::TransferPreview).await?;
    let (format, destination) = registered(&state, &transfer.header().request).await?;
    let manifest = build_manifest(&state, &transfer, &format).await?;
    let sensitive = manifest.sensitive_persons().into_iter().collect();
    let now = state.clock.now();
    let result = match &transfer {
        Transfer::Paused { .. } => {
            transfer.resume(&caller.user_id, manifest.hash(), sensitive, now)
        }
        _ => transfer.open_preview(&caller.user_id, manifest.hash(), sensitive, now),
    };
    let step = match result {
        Ok(step) => step,
        Err(error) => {
            return Err(refuse(&state, &caller, &transfer, Action::TransferPreview, &error).await);
        }
    };
    let log = transfer_row(
        &state,
        &caller,
        &step.transfer,
        Event::ok(Action::TransferPreview).with(detail(&step.transfer)),
    )
    .await?;
    commit_with(&state, row.revision, &step, None, log).await?;
    Ok(Json(preview_of(
        &step.transfer,
        &destination,
        &format,
        &manifest,
    )))
}

pub async fn reconfirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReconfirmRequest>,
) -> Result<Json<TransferView>, AppError> {
    let (row, transfer) = load_own(&state, &caller, &id, Action::TransferReconfirm).await?;
    match transfer.reconfirm(&caller.user_id, &request.person) {
        Ok(step) => {
            let log = transfer_row(
                &state,
                &caller,
                &step.transfer,
                Event::ok(Action::TransferReconfirm).with(detail(&step.transfer)),
            )
            .await?;
            commit_with(&state, row.revision, &step, None, log).await?;
            Ok(Json(view_of(&step.transfer)))
        }
        Err(error) => Err(refuse(
            &state,
            &caller,
            &transfer,
            Action::TransferReconfirm,
            &error,
        )
        .await),
    }
}

/// The manifest's records changed (its hash is now `current`): the
/// preview or sign-off is void, recorded, and the caller told `why`.
async fn void(
    state: &AppState,
    caller: &SessionCtx,
    row: &TransferRow,
    transfer: &Transfer,
    current: crate::domain::transfer::manifest::ManifestHash,
    why: &str,
) -> AppError {
    let voided = async {
        let step = transfer.void(current).map_err(|_| AppError::internal())?;
        let log = transfer_row(
            state,
            caller,
            &step.transfer,
            Event::ok(Action::TransferVoid).with(detail(&step.transfer)),
        )
        .await?;
        commit_with(state, row.revision, &step, None, log).await
    };
    match voided.await {
        Ok(()) => refused(why),
        Err(error) => error,
    }
}

/// The IT officer signs off at the preparer's terminal, with their own
/// user ID, PIN and a fresh code, on the hash the preview showed. The
/// manifest is built again: one that changed since the preview voids it.
/// A sign-off too late pauses the transfer. The signed manifest is stored
/// sealed: it is exactly what is sent.
pub async fn sign_off(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SignOffRequest>,
) -> Result<Json<TransferView>, AppError> {
    use crate::domain::transfer::manifest::ManifestHash;
    let action = Action::TransferSignOff;
    let (row, transfer) = load_own(&state, &caller, &id, action).await?;
    let Transfer::AwaitingSignOff { preview, .. } = &transfer else {
        return Err(refuse(
            &state,
            &caller,
            &transfer,
            action,
            &TransferError::State(transfer.state_name()),
        )
        .await);
    };
    let now = state.clock.now();
    if now - preview.opened_at > state.config.transfer_sign_off_timeout {
        let step = transfer
            .expire(state.config.transfer_sign_off_timeout, now)
            .map_err(|_| AppError::internal())?;
        let log = transfer_row(
            &state,
            &caller,
            &step.transfer,
            Event::ok(Action::TransferPause).with(detail(&step.transfer)),
        )
        .await?;
        commit_with(&state, row.revision, &step, None, log).await?;
        return Err(refused(TransferError::TimedOut.to_string()));
    }
    let (format, _) = registered(&state, &transfer.header().request).await?;
    let manifest = build_manifest(&state, &transfer, &format).await?;
    let current = manifest.hash();
    if current != preview.hash {
        return Err(void(
            &state,
            &caller,
            &row,
            &transfer,
            current,
            "the records changed since the preview: open the preview again",
        )
        .await);
    }
    let seen = ManifestHash::from_hex(&request.hash)
        .ok_or_else(|| AppError::bad_request("`hash`: the 64 hex digits the preview showed"))?;
    let bytes = zeroize::Zeroizing::new(manifest.bytes());
    let sealed = state.keys.seal_entry(&manifest_label(&id), &bytes);
    let mut refusal: Option<TransferError> = None;
    let signed = {
        let state = &state;
        let caller = &caller;
        let transfer = &transfer;
        let refusal = &mut refusal;
        let rows = transfer_row(
            state,
            caller,
            transfer,
            Event::ok(action).with(detail(transfer)),
        )
        .await?;
        auth::prove_witness(
            state,
            caller,
            &request.user_id,
            &request.pin,
            &request.totp,
            action,
            now,
            move |officer| {
                let actor = Actor {
                    staff: &officer.user_id,
                    role: officer.role,
                };
                match transfer.sign(
                    actor,
                    &seen,
                    &current,
                    state.config.transfer_sign_off_timeout,
                    now,
                ) {
                    Ok(step) => {
                        let mut log = rows;
                        log.user_id = officer.user_id.clone();
                        log.detail = detail(&step.transfer).to_string();
                        let change = update_change(state, row.revision, &step, Some(sealed))?;
                        Ok((vec![change], log))
                    }
                    Err(error) => {
                        *refusal = Some(error);
                        Err(refused("refused"))
                    }
                }
            },
        )
        .await
    };
    if let Some(error) = refusal {
        // The witness proved who they are: the refusal is theirs, so its
        // row names them, not the clerk whose terminal it is.
        let event = Event::new(action, Outcome::Denied, detail(&transfer));
        let mut row = transfer_row(&state, &caller, &transfer, event).await?;
        row.user_id = request.user_id.clone();
        state.audit(row).await?;
        return Err(refused(error.to_string()));
    }
    signed?;
    let (_, now_transfer) = load(&state, &caller, &id, Action::TransferView).await?;
    Ok(Json(view_of(&now_transfer)))
}

/// A client that trusts only the destination's own CA.
fn pinned_client(
    destination: &Destination,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, String> {
    let pem = destination.ca_pem.as_deref().ok_or("no CA to pin")?;
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}

/// One attempt: the signed bytes to the destination under the transfer's
/// id as idempotency key; the receipt, or why there is none.
async fn deliver(
    destination: &Destination,
    id: &str,
    bytes: Vec<u8>,
    timeout: std::time::Duration,
) -> Result<crate::domain::transfer::machine::Receipt, String> {
    use crate::domain::transfer::manifest::ManifestHash;
    let endpoint = destination.endpoint.as_deref().ok_or("no endpoint")?;
    let client = pinned_client(destination, timeout)?;
    let answer = client
        .post(endpoint)
        .header("idempotency-key", id)
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .map_err(|e| {
            if e.is_connect() {
                "the destination could not be reached, or its certificate is not from the pinned CA"
                    .to_string()
            } else if e.is_timeout() {
                "the destination did not answer in time".to_string()
            } else {
                "the request to the destination failed".to_string()
            }
        })?;
    let status = answer.status();
    if !status.is_success() {
        return Err(format!("the destination answered {}", status.as_u16()));
    }
    let receipt: crate::api::transfer::SinkReceipt = answer
        .json()
        .await
        .map_err(|_| "the destination's receipt is not one".to_string())?;
    let hash = ManifestHash::from_hex(&receipt.hash).ok_or("the receipt carries no hash")?;
    Ok(crate::domain::transfer::machine::Receipt {
        id: receipt.receipt,
        hash,
        at: time::OffsetDateTime::now_utc(),
    })
}

/// The preparer sends a signed-off transfer (or tries again after a
/// failure): the attempt is committed first, then the signed bytes go to
/// the destination, then its receipt or the failure is committed.
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TransferView>, AppError> {
    let (row, transfer) = load_own(&state, &caller, &id, Action::TransferSend).await?;
    if let Transfer::SignedOff { sign_off, .. } = &transfer {
        // Nothing has left yet: records changed since the sign-off void it.
        // A retry sends the sealed bytes unchanged (they may have arrived).
        let (format, _) = registered(&state, &transfer.header().request).await?;
        let current = build_manifest(&state, &transfer, &format).await?.hash();
        if current != sign_off.hash {
            return Err(void(
                &state,
                &caller,
                &row,
                &transfer,
                current,
                "the records changed since the sign-off: nothing was sent; open the preview again",
            )
            .await);
        }
    }
    let step = match transfer.start_attempt() {
        Ok(step) => step,
        Err(error) => {
            return Err(refuse(&state, &caller, &transfer, Action::TransferSend, &error).await);
        }
    };
    let Some(sealed) = row.manifest.clone() else {
        return Err(AppError::internal());
    };
    let (format, destination) = registered(&state, &transfer.header().request).await?;
    if destination.kind == DestinationKind::Print
        && let Err(message) = crate::server::print::ready(&state.config.print)
    {
        let event = Event::new(Action::TransferSend, Outcome::Denied, detail(&transfer));
        state
            .audit(transfer_row(&state, &caller, &transfer, event).await?)
            .await?;
        return Err(refused(message));
    }
    let log = transfer_row(
        &state,
        &caller,
        &step.transfer,
        Event::ok(Action::TransferSend).with(detail(&step.transfer)),
    )
    .await?;
    commit_with(&state, row.revision, &step, Some(sealed.clone()), log).await?;
    let bytes = state
        .keys
        .open_entry(&manifest_label(&id), &sealed)
        .map_err(|_| AppError::internal())?;
    let outcome = match destination.kind {
        DestinationKind::Print => {
            let print = state.config.print.clone();
            let name = destination.name.clone();
            let key = id.clone();
            tokio::task::spawn_blocking(move || {
                crate::server::print::spool(&print, &format, &name, &key, &bytes)
            })
            .await
            .map_err(|_| AppError::internal())?
        }
        _ => {
            deliver(
                &destination,
                &id,
                bytes.to_vec(),
                state.config.transfer_send_timeout,
            )
            .await
        }
    };
    let (next, action) = match outcome {
        Ok(receipt) => match step.transfer.delivered(receipt) {
            Ok(next) => (next, Action::TransferDelivered),
            Err(error) => (
                step.transfer
                    .failed(&error.to_string())
                    .map_err(|_| AppError::internal())?,
                Action::TransferFailed,
            ),
        },
        Err(error) => (
            step.transfer
                .failed(&error)
                .map_err(|_| AppError::internal())?,
            Action::TransferFailed,
        ),
    };
    let outcome_row = if action == Action::TransferDelivered {
        Outcome::Ok
    } else {
        Outcome::Failure
    };
    let log = transfer_row(
        &state,
        &caller,
        &next.transfer,
        Event::new(action, outcome_row, detail(&next.transfer)),
    )
    .await?;
    commit_with(&state, row.revision + 1, &next, Some(sealed), log).await?;
    Ok(Json(view_of(&next.transfer)))
}
