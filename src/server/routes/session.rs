//! Health, login, the session's purpose, logout and the current session.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use super::Caller;
use crate::api::staff::PinChange;
use crate::api::{
    ChoosePurposeRequest, Health, LoginRequest, LoginResponse, SessionInfo, UnlockRequest,
};
use crate::domain::session::Session;
use crate::server::AppState;
use crate::server::auth::{self, Terminal};
use crate::server::credentials;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::server::sessions;

pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

pub async fn choose_purpose(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<ChoosePurposeRequest>,
) -> Result<Json<SessionInfo>, AppError> {
    Ok(Json(
        auth::choose_purpose(&state, &caller, &request.purpose).await?,
    ))
}

pub async fn login(
    State(state): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let (token, session) = auth::login(&state, &terminal, request).await?;
    Ok(Json(LoginResponse { token, session }))
}

pub async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<UnlockRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let (token, session) = auth::unlock(&state, &caller, request).await?;
    Ok(Json(LoginResponse { token, session }))
}

pub async fn logout(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    let who = sessions::actor(&caller.user_id, &caller.terminal);
    match caller
        .state
        .clone()
        .logout(&who, now, &sessions::rules(&state))
    {
        Ok(Session::Ended(ended)) => {
            sessions::commit_end(&state, caller.token_hash.clone(), &ended, now).await?
        }
        _ => return Err(AppError::unauthenticated()),
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn current(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionInfo>, AppError> {
    Ok(Json(auth::session_info(&state, &caller)))
}

/// The holder's own PIN change (also the one a handed-over PIN requires).
pub async fn change_pin(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<PinChange>,
) -> Result<Json<SessionInfo>, AppError> {
    Ok(Json(
        credentials::change_pin(&state, &caller, request).await?,
    ))
}
