//! Roster reconciliation for the IT officer: post the HR roster (CSV),
//! read the newest reconciliation, revoke its findings' grants in one
//! confirmed step. The rules are [`crate::server::roster`]'s.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Caller;
use crate::api::error::{ApiError, ErrorCode};
use crate::api::roster::{
    BadLineView, FindingView, LatestReconciliation, ReconciliationView, RevokeFindings,
    RosterRefusal,
};
use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::grant::Member;
use crate::server::AppState;
use crate::server::auth::SessionCtx;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::server::roster::{
    self, BAD_LINES_NAMED, ROSTER_BODY_LIMIT, Reconciled, RevokeRefusal, revocable_by,
};
use crate::store::{GrantRow, ReconciliationRow};

fn show(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The reconciliation as `caller` sees it now, with its grants as they
/// stand (`grants`, in any order).
pub fn view(
    row: &ReconciliationRow,
    grants: &[GrantRow],
    latest: bool,
    caller: &str,
    now: OffsetDateTime,
) -> ReconciliationView {
    let findings: Vec<FindingView> = row
        .findings
        .iter()
        .map(|f| {
            let grant = grants.iter().find(|g| g.id == f.grant_id);
            FindingView {
                grant_id: f.grant_id.clone(),
                user_id: f.user_id.clone(),
                role: f.role,
                department: f.department,
                reason: f.reason,
                roster_department: f.roster_department,
                status: grant
                    .map_or("unknown", |g| g.status_at(now).as_str())
                    .to_owned(),
                revocable: row.revoked_at.is_none()
                    && latest
                    && grant.is_some_and(|g| revocable_by(g, caller, now)),
            }
        })
        .collect();
    ReconciliationView {
        id: row.id.clone(),
        made_at: show(row.made_at),
        made_by: row.made_by.clone(),
        roster_sha256: row.roster_sha256.clone(),
        lines: row.lines,
        revocable: findings.iter().filter(|f| f.revocable).count(),
        findings,
        latest,
        revoked_at: row.revoked_at.map(show),
        revoked_by: row.revoked_by.clone(),
        revoked: row.revoked,
    }
}

/// The reconciliation `id` (the newest when `None`) with its grants now,
/// and whether it is the newest.
async fn load(
    state: &AppState,
    id: Option<String>,
) -> Result<Option<(ReconciliationRow, Vec<GrantRow>, bool)>, AppError> {
    state
        .store(move |s| {
            let latest = s.latest_reconciliation()?;
            let row = match id {
                None => latest.clone(),
                Some(id) => s.reconciliation(&id)?,
            };
            let Some(row) = row else {
                return Ok(None);
            };
            let is_latest = latest.is_some_and(|l| l.id == row.id);
            let grants = roster::finding_grants(s, &row)?;
            Ok(Some((row, grants, is_latest)))
        })
        .await
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/csv"))
}

fn refusal_body(bad: &[crate::domain::roster::BadLine]) -> Response {
    let named: Vec<BadLineView> = bad
        .iter()
        .take(BAD_LINES_NAMED)
        .map(|b| BadLineView {
            line: b.line,
            code: b.problem.code().to_owned(),
            message: b.problem.to_string(),
        })
        .collect();
    let body = RosterRefusal {
        error: ApiError {
            code: ErrorCode::RosterInvalid,
            message: format!(
                "the roster has {} bad lines: nothing was compared or applied",
                bad.len()
            ),
            search_refusal: None,
        },
        more: bad.len().saturating_sub(named.len()),
        bad_lines: named,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `POST /admin/roster/reconciliations`: the roster as `text/csv`.
pub async fn reconcile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    if !is_csv(&headers) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the roster as CSV with Content-Type: text/csv",
        ));
    }
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "the roster is larger than the {} KiB the service takes",
                    ROSTER_BODY_LIMIT / 1024
                ),
            )
        } else {
            AppError::bad_request("the roster could not be read")
        }
    })?;
    let now = state.clock.now();
    let user = caller.user_id.clone();
    let id = crate::server::entry::new_id();
    let made = state
        .store(move |s| roster::reconcile(s, &bytes, &user, id, now))
        .await?;
    let actor = caller.actor();
    let row = match made {
        Reconciled::Malformed { sha256, bad } => {
            state
                .audit(roster::refused(&actor, &sha256, bad.len(), now))
                .await?;
            return Ok(refusal_body(&bad));
        }
        Reconciled::Made(row) => row,
    };
    let committed = state.commit(roster::made(&actor, &row, now)).await?;
    if !committed.effect.kept() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::RosterStale,
            "the grants changed while the roster was compared: send it again",
        ));
    }
    let Some((row, grants, latest)) = load(&state, Some(row.id)).await? else {
        return Err(AppError::internal());
    };
    Ok(Json(view(&row, &grants, latest, &caller.user_id, now)).into_response())
}

/// `GET /admin/roster/reconciliations/latest`.
pub async fn latest(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<LatestReconciliation>, AppError> {
    let loaded = load(&state, None).await?;
    let now = state.clock.now();
    let detail = match &loaded {
        Some((row, _, _)) => Detail::Reconciliation {
            id: row.id.clone(),
            sha256: row.roster_sha256.clone(),
            lines: usize::try_from(row.lines).unwrap_or(0),
            findings: row.findings.len(),
        },
        None => Detail::Rows(0),
    };
    state
        .audit(caller.entry(now, Event::ok(Action::RosterView).with(detail)))
        .await?;
    Ok(Json(LatestReconciliation {
        reconciliation: loaded
            .map(|(row, grants, latest)| view(&row, &grants, latest, &caller.user_id, now)),
    }))
}

fn member(caller: &SessionCtx) -> Member {
    Member {
        user_id: caller.user_id.clone(),
        role: caller.role,
        department: caller.department,
    }
}

fn stale(message: String) -> AppError {
    AppError::new(StatusCode::CONFLICT, ErrorCode::RosterStale, message)
}

/// `POST /admin/roster/reconciliations/{id}/revoke` with `{"confirm": N}`.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeFindings>,
) -> Result<Json<ReconciliationView>, AppError> {
    let Some((row, grants, latest)) = load(&state, Some(id.clone())).await? else {
        return Err(AppError::not_found("reconciliation"));
    };
    let now = state.clock.now();
    let actor = caller.actor();
    let latest_id = latest.then_some(row.id.as_str());
    let planned = roster::revocation(
        &row,
        latest_id,
        grants,
        (&member(&caller), &actor),
        body.confirm,
        now,
    );
    let (item, _) = match planned {
        Ok(planned) => planned,
        Err(refusal) => {
            state
                .audit(roster::revoke_refused(&actor, &id, now))
                .await?;
            return Err(match refusal {
                RevokeRefusal::Grant(e) => AppError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::GrantRefused,
                    e.to_string(),
                ),
                other => stale(other.to_string()),
            });
        }
    };
    let committed = state.commit(item).await?;
    if !committed.effect.kept() {
        state
            .audit(roster::revoke_refused(&actor, &id, now))
            .await?;
        return Err(stale(
            "a grant or the reconciliation changed meanwhile: nothing was revoked; read it again"
                .into(),
        ));
    }
    let Some((row, grants, latest)) = load(&state, Some(id)).await? else {
        return Err(AppError::internal());
    };
    Ok(Json(view(&row, &grants, latest, &caller.user_id, now)))
}
