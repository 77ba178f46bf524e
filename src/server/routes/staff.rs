//! Staff accounts, for IT officers: the list, and new credentials for an
//! account.

use axum::Json;
use axum::extract::{Path, State};

use super::Caller;
use crate::api::StaffList;
use crate::api::staff::{IssuedCredentials, ResetCredentials, StaffAccount};
use crate::domain::audit_event::{Action, Detail, Event};
use crate::server::AppState;
use crate::server::credentials;
use crate::server::error::AppError;
use crate::server::json::ApiJson;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<StaffList>, AppError> {
    let rows = state.store(|s| s.list_staff()).await?;
    state
        .audit(caller.entry(
            state.clock.now(),
            Event::ok(Action::StaffList).with(Detail::Rows(rows.len())),
        ))
        .await?;
    Ok(Json(StaffList {
        staff: rows
            .into_iter()
            .map(|s| StaffAccount {
                role: s.role,
                department: s.department,
                disabled: s.disabled,
                pin_change_required: s.pin_change_required,
                user_id: s.user_id,
                display_name: s.display_name,
            })
            .collect(),
    }))
}

/// A new PIN and TOTP secret for the account, answered once.
pub async fn reset_credentials(
    State(state): State<AppState>,
    caller: Caller,
    Path(user): Path<String>,
    ApiJson(body): ApiJson<ResetCredentials>,
) -> Result<Json<IssuedCredentials>, AppError> {
    Ok(Json(
        credentials::issue(&state, &caller, &user, body.reason).await?,
    ))
}
