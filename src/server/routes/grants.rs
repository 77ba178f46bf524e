//! Grants of roles: supervisors request them for their department, IT
//! officers apply, refuse, revoke and extend them, and disable accounts.
//! The rules are the grant machine's ([`crate::domain::grant`]); every step
//! commits with its row, and every refusal by a rule is logged.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Caller;
use crate::api::error::ErrorCode;
use crate::api::grant::{ExtendGrants, GrantList, GrantReason, GrantRequestBody, GrantView};
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::grant::{Grant, GrantError, GrantRequest, GrantState, GrantStatus, Member};
use crate::domain::roles::{Department, Permission};
use crate::server::AppState;
use crate::server::actor::printable_id;
use crate::server::auth::SessionCtx;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::chain::format_time;
use crate::store::journal::{Change, Item};
use crate::store::{GrantQuery, GrantRow};

const MAX_LISTED: usize = 1_000;
/// Enough for every grant of a department at once.
const MAX_EXTENDED: usize = 10_000;

fn show(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| format_time(at))
}

fn view(grant: &GrantRow, now: OffsetDateTime) -> GrantView {
    GrantView {
        id: grant.id.clone(),
        user_id: grant.user_id.clone(),
        role: grant.role,
        department: grant.department,
        from: show(grant.starts_at),
        until: grant.expires_at.map(show),
        state: grant.state.as_str().to_owned(),
        status: grant.status_at(now).as_str().to_owned(),
        requested_by: grant.requested_by.clone(),
        decided_by: grant.decided_by.clone(),
        revoked_by: grant.revoked_by.clone(),
        reason: grant.reason.clone(),
        end_reason: grant.end_reason.clone(),
        revision: grant.revision,
    }
}

fn detail(grant: &GrantRow) -> Detail {
    Detail::Grant {
        id: grant.id.clone(),
        user: grant.user_id.clone(),
        role: grant.role.as_str(),
        department: grant.department.as_str(),
        state: grant.state.as_str(),
        until: grant.expires_at.map(format_time),
    }
}

fn member(caller: &SessionCtx) -> Member {
    Member {
        user_id: caller.user_id.clone(),
        role: caller.role,
        department: caller.department,
    }
}

fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| {
        AppError::bad_request(format!(
            "`{field}`: an RFC 3339 time, such as 2027-03-31T15:00:00Z"
        ))
    })
}

fn check_reason(reason: &str) -> Result<(), AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::bad_request("`reason`: required"));
    }
    if reason.chars().any(char::is_control) || reason.chars().count() > 500 {
        return Err(AppError::bad_request(
            "`reason`: at most 500 characters, no control characters",
        ));
    }
    Ok(())
}

/// The answer to a step the machine refused, and the reason its row names.
fn refusal(error: &GrantError) -> (AppError, Reason) {
    let (status, reason) = match error {
        GrantError::NotRequester => (StatusCode::FORBIDDEN, Reason::NotRequester),
        GrantError::NotItOfficer => (StatusCode::FORBIDDEN, Reason::NotItOfficer),
        GrantError::SelfApplication => (StatusCode::FORBIDDEN, Reason::SelfApplication),
        GrantError::OwnGrant => (StatusCode::FORBIDDEN, Reason::OwnGrant),
        GrantError::WrongState { .. } => (StatusCode::CONFLICT, Reason::GrantState),
        GrantError::NoWork
        | GrantError::EmptyPeriod
        | GrantError::AlreadyOver
        | GrantError::TooLong { .. }
        | GrantError::NoReason => (StatusCode::BAD_REQUEST, Reason::GrantRule),
    };
    (
        AppError::new(status, ErrorCode::GrantRefused, error.to_string()),
        reason,
    )
}

/// Logs a refused step and answers it.
async fn refused(
    state: &AppState,
    caller: &SessionCtx,
    action: Action,
    id: Option<String>,
    error: &GrantError,
) -> AppError {
    let (answer, reason) = refusal(error);
    let event = Event::denied(action, reason).with(Detail::GrantRefused { reason, id });
    match state.audit(caller.entry(state.clock.now(), event)).await {
        Ok(_) => answer,
        Err(e) => e,
    }
}

fn changed() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::GrantRefused,
        "the grant changed since it was read: read it again",
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    user: Option<String>,
    department: Option<String>,
    state: Option<String>,
}

/// IT officers see every grant; a supervisor those of their department.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GrantList>, AppError> {
    let Query(params) = params.map_err(|_| {
        AppError::bad_request("the parameters are user, department and state, each once")
    })?;
    let department = match params.department.as_deref() {
        None => None,
        Some(d) => Some(Department::parse(d).ok_or_else(|| {
            AppError::bad_request(
                "`department`: assessment, collections, information_systems or audit",
            )
        })?),
    };
    let grant_state = match params.state.as_deref() {
        None => None,
        Some(s) => Some(GrantState::parse(s).ok_or_else(|| {
            AppError::bad_request("`state`: requested, active, refused or revoked")
        })?),
    };
    let department = if caller.can(Permission::ManageStaff) {
        department
    } else {
        match department {
            Some(d) if d != caller.department => {
                state
                    .audit(caller.entry(
                        state.clock.now(),
                        Event::denied(Action::GrantList, Reason::Forbidden),
                    ))
                    .await?;
                return Err(AppError::forbidden());
            }
            _ => Some(caller.department),
        }
    };
    let query = GrantQuery {
        user_id: params.user,
        department,
        state: grant_state,
    };
    let rows = state.store(move |s| s.grants(&query, MAX_LISTED)).await?;
    let now = state.clock.now();
    state
        .audit(caller.entry(
            now,
            Event::ok(Action::GrantList).with(Detail::Rows(rows.len())),
        ))
        .await?;
    Ok(Json(GrantList {
        grants: rows.iter().map(|g| view(g, now)).collect(),
    }))
}

pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<GrantRequestBody>,
) -> Result<Json<GrantView>, AppError> {
    check_reason(&body.reason)?;
    let now = state.clock.now();
    let from = match body.from.as_deref() {
        Some(text) => parse_time("from", text)?,
        None => now,
    };
    let until = parse_time("until", &body.until)?;
    let user = body.user.trim().to_owned();
    let lookup = user.clone();
    if state.store(move |s| s.staff(&lookup)).await?.is_none() {
        return Err(AppError::bad_request(format!(
            "`user`: there is no account {user}"
        )));
    }
    let asked = GrantRequest {
        id: crate::server::entry::new_id(),
        user_id: user,
        role: body.role,
        department: body.department,
        from,
        until,
        reason: body.reason,
    };
    let grant = match Grant::request(&member(&caller), asked, now, &state.config.grant_rules) {
        Ok(grant) => grant,
        Err(e) => return Err(refused(&state, &caller, Action::GrantRequest, None, &e).await),
    };
    let row = caller.entry(now, Event::ok(Action::GrantRequest).with(detail(&grant)));
    let committed = state
        .commit(Item::recorded(
            vec![Change::InsertGrant(grant.clone())],
            row,
        ))
        .await?;
    if !committed.effect.kept() {
        return Err(changed());
    }
    Ok(Json(view(&grant, now)))
}

/// One step on one grant: load, transition, commit with its row.
async fn step(
    state: &AppState,
    caller: &SessionCtx,
    id: String,
    action: Action,
    transition: impl FnOnce(Grant, &Member, OffsetDateTime) -> Result<Grant, GrantError>,
) -> Result<Json<GrantView>, AppError> {
    let lookup = id.clone();
    let Some(grant) = state.store(move |s| s.grant(&lookup)).await? else {
        let event = Event::new(
            action,
            Outcome::NotFound,
            Detail::GrantRefused {
                reason: Reason::UnknownGrant,
                id: Some(printable_id(&id)),
            },
        );
        state.audit(caller.entry(state.clock.now(), event)).await?;
        return Err(AppError::not_found("grant"));
    };
    let now = state.clock.now();
    let read_at = grant.revision;
    let next = match transition(grant, &member(caller), now) {
        Ok(next) => next,
        Err(e) => return Err(refused(state, caller, action, Some(id), &e).await),
    };
    let row = caller.entry(now, Event::ok(action).with(detail(&next)));
    let committed = state
        .commit(Item::recorded(
            vec![Change::UpdateGrant {
                row: next.clone(),
                expected_revision: read_at,
            }],
            row,
        ))
        .await?;
    if !committed.effect.kept() {
        return Err(changed());
    }
    Ok(Json(view(&next, now)))
}

pub async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<GrantView>, AppError> {
    step(&state, &caller, id, Action::GrantApply, |g, by, at| {
        g.apply(by, at)
    })
    .await
}

pub async fn refuse(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GrantReason>,
) -> Result<Json<GrantView>, AppError> {
    check_reason(&body.reason)?;
    step(
        &state,
        &caller,
        id,
        Action::GrantRefuse,
        move |g, by, at| g.refuse(by, at, &body.reason),
    )
    .await
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GrantReason>,
) -> Result<Json<GrantView>, AppError> {
    check_reason(&body.reason)?;
    step(
        &state,
        &caller,
        id,
        Action::GrantRevoke,
        move |g, by, at| g.revoke(by, at, &body.reason),
    )
    .await
}

/// Every active (or scheduled) grant of the department that expires
/// before `until` is extended to it, in one transaction with a row per
/// grant. The caller's own grant is left out: nobody extends their own.
pub async fn extend(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ExtendGrants>,
) -> Result<Json<GrantList>, AppError> {
    check_reason(&body.reason)?;
    let until = parse_time("until", &body.until)?;
    let now = state.clock.now();
    let query = GrantQuery {
        user_id: None,
        department: Some(body.department),
        state: Some(GrantState::Active),
    };
    let rows = state.store(move |s| s.grants(&query, MAX_EXTENDED)).await?;
    let by = member(&caller);
    let mut extended = Vec::new();
    for grant in rows {
        let due = matches!(
            grant.status_at(now),
            GrantStatus::Active | GrantStatus::Scheduled
        ) && grant.extends_to(until)
            && grant.user_id != by.user_id;
        if !due {
            continue;
        }
        let read_at = grant.revision;
        match grant.extend(&by, now, until, &state.config.grant_rules) {
            Ok(next) => extended.push((next, read_at)),
            Err(e) => return Err(refused(&state, &caller, Action::GrantExtend, None, &e).await),
        }
    }
    let changes = extended
        .iter()
        .map(|(row, read_at)| Change::UpdateGrant {
            row: row.clone(),
            expected_revision: *read_at,
        })
        .collect();
    let rows: Vec<_> = extended
        .iter()
        .map(|(g, _)| caller.entry(now, Event::ok(Action::GrantExtend).with(detail(g))))
        .collect();
    if !rows.is_empty() {
        let committed = state
            .commit(Item::new(changes, move |effect| {
                if effect.kept() { rows } else { Vec::new() }
            }))
            .await?;
        if !committed.effect.kept() {
            return Err(changed());
        }
    } else {
        state
            .audit(caller.entry(now, Event::ok(Action::GrantExtend).with(Detail::Rows(0))))
            .await?;
    }
    Ok(Json(GrantList {
        grants: extended.iter().map(|(g, _)| view(g, now)).collect(),
    }))
}

/// Disables an account: its sessions end at their next request. Nobody
/// disables their own (the last IT officer would lock everyone out).
pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    if user == caller.user_id {
        state
            .audit(caller.entry(now, Event::denied(Action::StaffDisable, Reason::OwnGrant)))
            .await?;
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::GrantRefused,
            "nobody may disable their own account",
        ));
    }
    let lookup = user.clone();
    if state.store(move |s| s.staff(&lookup)).await?.is_none() {
        let event = Event::new(
            Action::StaffDisable,
            Outcome::NotFound,
            Detail::User(printable_id(&user)),
        );
        state.audit(caller.entry(now, event)).await?;
        return Err(AppError::not_found("account"));
    }
    let row = caller.entry(
        now,
        Event::ok(Action::StaffDisable).with(Detail::User(user.clone())),
    );
    let committed = state
        .commit(Item::recorded(
            vec![Change::DisableStaff { user_id: user }],
            row,
        ))
        .await?;
    if !committed.effect.kept() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::GrantRefused,
            "the account is disabled already",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
