//! The access log as auditors read it.

use crate::domain::audit_event::{Action, Detail, Event};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::Caller;
use crate::api::{AuditList, AuditRow};
use crate::server::AppState;
use crate::server::error::AppError;
use crate::store::chain::format_time;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<usize>,
}

const MAX_ROWS: usize = 500;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditList>, AppError> {
    let Query(params) =
        params.map_err(|_| AppError::bad_request("the only parameter is limit, a number"))?;
    let limit = params.limit.unwrap_or(100).clamp(1, MAX_ROWS);
    let records = state.store(move |s| s.audit_tail(limit)).await?;
    let entry = caller.entry(
        state.clock.now(),
        Event::ok(Action::AuditRead).with(Detail::Rows(records.len())),
    );
    state.audit(entry).await?;
    Ok(Json(AuditList {
        rows: records
            .into_iter()
            .map(|r| AuditRow {
                seq: r.seq,
                at: format_time(r.entry.at),
                user_id: r.entry.user_id,
                terminal: r.entry.terminal,
                action: r.entry.action,
                subjects: r.entry.subjects,
                purpose: r.entry.purpose,
                outcome: r.entry.outcome,
                detail: r.entry.detail,
                sensitive: r.entry.sensitive,
            })
            .collect(),
    }))
}
