//! Double-keyed entry: thin handlers over [`crate::server::entry`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::Caller;
use crate::api::entry::{
    DecideRequest, DiscardRequest, EntryQueue, EntrySummary, EntryView, FieldsRequest,
    StartEntryRequest, SubmitRequest,
};
use crate::domain::audit_event::{Action, Detail, Event, Outcome};
use crate::domain::entry::machine::{Entry, Header, Submission};
use crate::domain::person_number::PersonNumber;
use crate::server::AppState;
use crate::server::entry::{
    self as service, EntryFailure, EntryResult, WORK_STATES, parse_paths, rules, view_for,
};
use crate::server::error::AppError;
use crate::server::json::ApiJson;

/// The most entries a work list or decision list shows.
const LIST_LIMIT: usize = 200;

fn view_of(
    state: &AppState,
    caller: &Caller,
    id: &str,
    entry: &Entry,
    version: Option<i64>,
    deciding: bool,
) -> EntryResult<EntryView> {
    let rules = rules(state, &entry.header().form).ok_or_else(AppError::internal)?;
    Ok(view_for(caller, id, entry, rules, version, deciding))
}

fn text_field(name: &str, value: &str, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > max
        || trimmed.chars().any(crate::text::is_unsafe_control)
    {
        return Err(AppError::bad_request(format!(
            "`{name}` must be 1 to {max} characters without control characters"
        )));
    }
    Ok(trimmed.to_owned())
}

pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<StartEntryRequest>,
) -> EntryResult<(StatusCode, Json<EntryView>)> {
    if rules(&state, &request.form).is_none() {
        return Err(
            AppError::bad_request(format!("`form`: there is no form `{}`", request.form)).into(),
        );
    }
    let paper = text_field("paper", &request.paper, 64)?;
    let person = PersonNumber::parse(&request.person)
        .map_err(|e| AppError::bad_request(format!("`person`: {e}")))?;
    let key = person.clone();
    if state.store(move |s| s.resident(&key)).await?.is_none() {
        let mut row = caller.entry(
            state.clock.now(),
            Event::new(Action::EntryStart, Outcome::NotFound, Detail::None),
        );
        row.subjects = vec![person.as_str().to_owned()];
        state.audit(row).await?;
        return Err(AppError::not_found("resident").into());
    }
    let header = Header {
        form: request.form,
        person: person.as_str().to_owned(),
        paper,
        identity: None,
    };
    let mut filed = Vec::new();
    if let Some(batch) = &request.batch {
        let key = batch.clone();
        let open = super::batches::valid_batch_id(batch)
            && state
                .store(move |s| s.batch(&key))
                .await?
                .is_some_and(|b| b.closed_by.is_none() && b.form == header.form);
        if !open {
            return Err(AppError::bad_request(format!(
                "`batch`: there is no open batch {batch} of this form"
            ))
            .into());
        }
        filed.push(batch.clone());
    }
    let id = service::new_id();
    let step = Entry::start(header, &caller.user_id, state.clock.now());
    let done = service::start(&state, &caller, &id, step, filed).await?;
    Ok((
        StatusCode::CREATED,
        Json(view_of(&state, &caller, &id, &done.entry, None, false)?),
    ))
}

pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> EntryResult<Json<EntryView>> {
    read(&state, &caller, &id, false).await
}

pub async fn decision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> EntryResult<Json<EntryView>> {
    read(&state, &caller, &id, true).await
}

/// A view of an entry; its row is durable before the view leaves.
async fn read(
    state: &AppState,
    caller: &Caller,
    id: &str,
    deciding: bool,
) -> EntryResult<Json<EntryView>> {
    let (row, entry) = service::load(state, caller, id, Action::EntryView).await?;
    let version = service::version_of(state, &row).await?;
    let view = view_of(state, caller, id, &entry, version, deciding)?;
    let mut log = caller.entry(
        state.clock.now(),
        Event::ok(Action::EntryView).with(Detail::Entry {
            id: id.to_owned(),
            state: entry.state_name(),
            counts: vec![
                ("to_key", view.to_key.len()),
                ("to_decide", view.to_decide.len()),
            ],
        }),
    );
    log.subjects = vec![row.person.clone()];
    log.sensitive = service::protected(state, &row.person).await?;
    state.audit(log).await?;
    Ok(Json(view))
}

/// A work list, or a supervisor's queue: entries in adjudication, and
/// first keyings whose identity check differs with nobody having settled
/// it. Whether it differs is inside the sealed entry, so the queue opens
/// each first keying it looks at: at most [`LIST_LIMIT`] of them, the
/// longest untouched first.
async fn list(state: &AppState, caller: &Caller, deciding: bool) -> EntryResult<Json<EntryQueue>> {
    let lists: Vec<Vec<&'static str>> = if deciding {
        vec![vec!["adjudication"], vec!["first_keying"]]
    } else {
        vec![WORK_STATES.to_vec()]
    };
    let mut entries = Vec::new();
    for states in lists {
        let rows = state
            .store(move |s| s.entries_in(&states, LIST_LIMIT))
            .await?;
        for row in rows {
            let kind = match (deciding, row.state.as_str()) {
                (true, "adjudication") => {
                    service::is_decision_of(caller, &row).then_some("adjudication")
                }
                (true, _) => {
                    let entry = service::load(state, caller, &row.id, Action::EntryQueue)
                        .await?
                        .1;
                    service::is_identity_settling_of(caller, &entry)
                        .then_some("identity_difference")
                }
                (false, _) => {
                    // Who is asked to re-key is inside the sealed state.
                    let entry = service::load(state, caller, &row.id, Action::EntryQueue)
                        .await?
                        .1;
                    service::is_work_of(caller, &entry).then_some("")
                }
            };
            if let Some(kind) = kind {
                entries.push(EntrySummary {
                    id: row.id,
                    form: row.form,
                    person: row.person,
                    paper: row.paper,
                    state: row.state,
                    kind: (!kind.is_empty()).then(|| kind.to_owned()),
                });
            }
        }
    }
    let mut log = caller.entry(
        state.clock.now(),
        Event::ok(Action::EntryQueue).with(Detail::Rows(entries.len())),
    );
    log.subjects = entries.iter().map(|e| e.person.clone()).collect();
    state.audit(log).await?;
    Ok(Json(EntryQueue { entries }))
}

pub async fn work(State(state): State<AppState>, caller: Caller) -> EntryResult<Json<EntryQueue>> {
    list(&state, &caller, false).await
}

pub async fn decisions(
    State(state): State<AppState>,
    caller: Caller,
) -> EntryResult<Json<EntryQueue>> {
    list(&state, &caller, true).await
}

/// Runs one transition and answers the entry as the caller now sees it.
async fn step(
    state: &AppState,
    caller: &Caller,
    id: &str,
    action: Action,
    deciding: bool,
    f: impl FnOnce(
        &Entry,
        crate::domain::entry::machine::FormRules<'_>,
    ) -> Result<
        crate::domain::entry::machine::Step,
        crate::domain::entry::machine::EntryError,
    >,
) -> EntryResult<Json<EntryView>> {
    let done = service::transition(state, caller, id, action, f).await?;
    Ok(Json(view_of(
        state,
        caller,
        id,
        &done.entry,
        done.version,
        deciding,
    )?))
}

pub async fn save_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<FieldsRequest>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    step(
        &state,
        &caller,
        &id,
        Action::EntryDraft,
        false,
        move |e, _| e.save_draft(&by, request.fields),
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SubmitRequest>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    let at = state.clock.now();
    let key = id.clone();
    let claimed_elsewhere = match state.store(move |s| s.entry(&key)).await? {
        Some(row) => {
            service::claimed_elsewhere(&state, &row.form, &row.person, &request.fields).await?
        }
        None => Default::default(),
    };
    let submission = Submission {
        typed: request.fields,
        reasons: request.reasons,
        claimed_elsewhere,
    };
    step(
        &state,
        &caller,
        &id,
        Action::EntrySubmit,
        false,
        move |e, rules| e.submit_first(rules, &by, &submission, at),
    )
    .await
}

pub async fn start_second(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    let at = state.clock.now();
    step(
        &state,
        &caller,
        &id,
        Action::EntrySecondStart,
        false,
        move |e, _| e.start_second(&by, at),
    )
    .await
}

pub async fn release_second(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    step(
        &state,
        &caller,
        &id,
        Action::EntrySecondRelease,
        false,
        move |e, _| e.release_second(&by, false),
    )
    .await
}

pub async fn submit_second(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<FieldsRequest>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    let at = state.clock.now();
    step(
        &state,
        &caller,
        &id,
        Action::EntrySecondSubmit,
        false,
        move |e, rules| e.submit_second(rules, &by, &request.fields, at),
    )
    .await
}

pub async fn rekey(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<FieldsRequest>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    let at = state.clock.now();
    step(
        &state,
        &caller,
        &id,
        Action::EntryRekey,
        false,
        move |e, rules| e.rekey(rules, &by, &request.fields, at),
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DecideRequest>,
) -> EntryResult<Json<EntryView>> {
    let decisions = parse_paths(request.decisions)?;
    let by = caller.user_id.clone();
    let at = state.clock.now();
    let reason = request.reason;
    step(
        &state,
        &caller,
        &id,
        Action::EntryDecide,
        true,
        move |e, rules| e.decide(rules, &by, &decisions, &reason, at),
    )
    .await
}

async fn discard_as(
    state: AppState,
    caller: Caller,
    id: String,
    reason: String,
    supervisor: bool,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    let at = state.clock.now();
    step(
        &state,
        &caller,
        &id,
        Action::EntryDiscard,
        supervisor,
        move |e, _| e.discard(&by, supervisor, &reason, at),
    )
    .await
}

/// The first keyer drops their own draft.
pub async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DiscardRequest>,
) -> EntryResult<Json<EntryView>> {
    discard_as(state, caller, id, request.reason, false).await
}

/// A supervisor who keyed nothing of it discards an entry.
pub async fn discard_decision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DiscardRequest>,
) -> EntryResult<Json<EntryView>> {
    discard_as(state, caller, id, request.reason, true).await
}

impl From<EntryFailure> for AppError {
    fn from(f: EntryFailure) -> Self {
        match f {
            EntryFailure::App(e) => e,
            EntryFailure::Invalid { message, .. } => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                crate::api::error::ErrorCode::EntryInvalid,
                message,
            ),
        }
    }
}

fn invalid(code: &str, message: String) -> EntryFailure {
    EntryFailure::Invalid {
        message: message.clone(),
        problems: vec![crate::api::entry::Problem {
            code: code.to_owned(),
            fields: vec![],
            severity: "error".to_owned(),
            key: None,
            expected: None,
            message,
        }],
    }
}

/// The identity check at intake: the documents presented and the 基本4情報
/// as they show them, compared with the registered ones. A difference
/// keeps the form from being submitted until a supervisor settles it.
pub async fn record_identity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<crate::api::entry::IdentityRequest>,
) -> EntryResult<Json<EntryView>> {
    use crate::domain::entry::identity::{Basic4, IdentityCheck, differences};
    if let Err(e) = request.intake.check() {
        return Err(invalid(e.code(), e.to_string()));
    }
    let presented = &request.presented;
    let birth = crate::domain::wareki::parse_date(presented.birth.expose())
        .map_err(|e| invalid("presented_birth", format!("presented date of birth: {e}")))?;
    let (stored, _) = service::load(&state, &caller, &id, Action::EntryIdentity).await?;
    let key = PersonNumber::parse(&stored.person).map_err(|_| AppError::internal())?;
    let resident = state
        .store(move |s| s.resident(&key))
        .await?
        .ok_or_else(AppError::internal)?;
    let registered = Basic4 {
        name: resident.name.clone(),
        birth: resident.birth_date,
        sex: resident.sex,
        address: resident.address.clone(),
    };
    let shown = Basic4 {
        name: presented.name.expose().to_owned(),
        birth,
        sex: presented.sex,
        address: presented.address.expose().to_owned(),
    };
    let check = IdentityCheck {
        intake: request.intake,
        differences: differences(&shown, &registered),
        settled_by: None,
        settled_reason: None,
    };
    let by = caller.user_id.clone();
    step(
        &state,
        &caller,
        &id,
        Action::EntryIdentity,
        false,
        move |e, _| e.record_identity(&by, check),
    )
    .await
}

/// A supervisor settles an identity check's differences, with a reason.
pub async fn settle_identity(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DiscardRequest>,
) -> EntryResult<Json<EntryView>> {
    let by = caller.user_id.clone();
    step(
        &state,
        &caller,
        &id,
        Action::EntryIdentitySettle,
        true,
        move |e, _| e.settle_identity(&by, &request.reason),
    )
    .await
}
