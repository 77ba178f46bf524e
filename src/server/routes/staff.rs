//! Staff accounts, for IT officers.

use crate::domain::audit_event::{Action, Event};
use axum::Json;
use axum::extract::State;

use super::Caller;
use crate::api::{StaffInfo, StaffList};
use crate::server::AppState;
use crate::server::error::AppError;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<StaffList>, AppError> {
    let rows = state.store(|s| s.list_staff()).await?;
    state
        .audit(caller.entry(state.clock.now(), Event::ok(Action::StaffList)))
        .await?;
    Ok(Json(StaffList {
        staff: rows
            .into_iter()
            .map(|s| StaffInfo {
                role: s.role,
                department: s.department,
                user_id: s.user_id,
                display_name: s.display_name,
            })
            .collect(),
    }))
}
