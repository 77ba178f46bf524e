//! Credentials after enrolment. An IT officer issues an account a new PIN
//! and TOTP secret (a new authenticator and a forgotten PIN are the same
//! act), sent once; the PIN so handed over must be changed by its holder
//! before the session does anything else. Holders change their own PIN
//! with the current one and a fresh code, which count toward the lockout
//! like a login.

use axum::http::StatusCode;
use time::OffsetDateTime;

use super::AppState;
use super::auth::{self, SessionCtx, Unproven};
use super::data_dir::{self, NewStaff};
use super::error::AppError;
use super::login_gate::Busy;
use super::sessions;
use super::totp;
use crate::api::SessionInfo;
use crate::api::error::ErrorCode;
use crate::api::staff::{IssuedCredentials, PinChange, ResetReason};
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::pin_policy::check_pin;
use crate::domain::session::{EndReason, Ended};
use crate::secret::{Pin, Secret};
use crate::store::journal::{Change, Item};

/// The name authenticator apps show for bansho's codes.
pub const ISSUER: &str = "bansho";

/// Argon2id on the login gate's threads, never on the request's.
async fn hash_on_gate(state: &AppState, pin: &Pin) -> Result<String, AppError> {
    let pin = pin.clone();
    state
        .login_gate
        .run(move || auth::hash_pin(&pin))
        .await
        .map_err(|Busy| AppError::busy())?
}

fn refused(message: &str) -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::CredentialsRefused,
        message,
    )
}

/// New credentials for `user_id`, issued by `caller` (an IT officer; the
/// route table checks that): the lockout cleared, every session of the
/// account ended, the PIN to be changed at the next login.
pub async fn issue(
    state: &AppState,
    caller: &SessionCtx,
    user_id: &str,
    reason: ResetReason,
) -> Result<IssuedCredentials, AppError> {
    let now = state.clock.now();
    if user_id == caller.user_id {
        state
            .audit(caller.entry(
                now,
                Event::denied(Action::CredentialsReset, Reason::OwnCredentials),
            ))
            .await?;
        return Err(refused(
            "nobody issues their own credentials: another IT officer does, or the console",
        ));
    }
    let lookup = user_id.to_owned();
    let Some(account) = state.store(move |s| s.staff(&lookup)).await? else {
        return Err(unknown_account(state, caller, user_id, now).await);
    };
    let staff = NewStaff::generated(
        &account.user_id,
        &account.display_name,
        account.role,
        account.department,
    );
    let pin_hash = hash_on_gate(state, &staff.pin).await?;
    let row = caller.entry(now, Event::ok(Action::CredentialsReset));
    let user = account.user_id.clone();
    let item = Item::new(
        data_dir::reset_changes(&state.keys, &staff, pin_hash),
        move |effect| {
            if !effect.kept() {
                return Vec::new();
            }
            let detail = Detail::CredentialsReset {
                user,
                reason: reason.as_str(),
                sessions_ended: data_dir::sessions_ended(effect),
            };
            vec![row.event(Event::ok(Action::CredentialsReset).with(detail))]
        },
    );
    if !state.commit(item).await?.effect.kept() {
        return Err(unknown_account(state, caller, user_id, now).await);
    }
    tracing::info!(user = %staff.user_id, reason = reason.as_str(), "credentials issued");
    Ok(IssuedCredentials {
        user_id: staff.user_id.clone(),
        pin: staff.pin.clone(),
        totp_secret: Secret::new(totp::to_base32(&staff.totp_secret).as_str()),
        otpauth_uri: Secret::new(
            totp::otpauth_uri(ISSUER, &staff.user_id, &staff.totp_secret).as_str(),
        ),
    })
}

/// Logs a reset of an account nobody has and answers it.
async fn unknown_account(
    state: &AppState,
    caller: &SessionCtx,
    user_id: &str,
    now: OffsetDateTime,
) -> AppError {
    let event = Event::new(
        Action::CredentialsReset,
        Outcome::NotFound,
        Detail::User(crate::server::actor::printable_id(user_id)),
    );
    match state.audit(caller.entry(now, event)).await {
        Ok(_) => AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::CredentialsRefused,
            "there is no such account: see the staff list",
        ),
        Err(e) => e,
    }
}

/// Logs a new PIN refused before any factor is checked, and answers it.
async fn pin_rejected(
    state: &AppState,
    ctx: &SessionCtx,
    reason: Reason,
    rule: &'static str,
    message: String,
) -> AppError {
    let event = Event::new(
        Action::PinChange,
        Outcome::Invalid,
        Detail::PinRefused { reason, rule },
    );
    match state.audit(ctx.entry(state.clock.now(), event)).await {
        Ok(_) => AppError::new(StatusCode::BAD_REQUEST, ErrorCode::PinRejected, message),
        Err(e) => e,
    }
}

/// The holder's own change: the new PIN checked against the policy, then
/// the current PIN and a fresh code proven as at login (counted, locked
/// alike, one answer whichever factor was wrong); on success the hash is
/// replaced, the requirement to change it cleared and every other session
/// of the user ended, with the row, in one commit.
pub async fn change_pin(
    state: &AppState,
    ctx: &SessionCtx,
    request: PinChange,
) -> Result<SessionInfo, AppError> {
    if let Err(rule) = check_pin(request.new_pin.expose()) {
        return Err(pin_rejected(
            state,
            ctx,
            Reason::PinPolicy,
            rule.code(),
            format!("`new_pin`: {rule}"),
        )
        .await);
    }
    if request.new_pin == request.current_pin {
        return Err(pin_rejected(
            state,
            ctx,
            Reason::SamePin,
            "same_pin",
            "`new_pin`: the new PIN must differ from the current one".into(),
        )
        .await);
    }
    let pin_hash = hash_on_gate(state, &request.new_pin).await?;
    let now = state.clock.now();
    let actor = ctx.actor();
    let proof = match auth::prove_factors(
        state,
        &ctx.user_id,
        &request.current_pin,
        &request.totp,
        &actor,
        Action::PinChange,
        now,
    )
    .await?
    {
        Ok(proof) => proof,
        Err(unproven) => return Err(refused_change(state, ctx, unproven, now).await),
    };
    let changes = vec![
        Change::ChangePin {
            user_id: ctx.user_id.clone(),
            pin_hash,
        },
        Change::EndSessionsOf {
            user_id: ctx.user_id.clone(),
            keep: Some(ctx.token_hash.clone()),
        },
    ];
    let row = actor.entry(now, Event::ok(Action::PinChange));
    let ok = move |effect: &crate::store::journal::Effect| {
        row.event(Event::ok(Action::PinChange).with(Detail::PinChanged {
            sessions_ended: data_dir::sessions_ended(effect),
        }))
    };
    if let Err(unproven) =
        auth::commit_proof(state, &proof, &actor, Action::PinChange, now, changes, ok).await?
    {
        return Err(refused_change(state, ctx, unproven, now).await);
    }
    tracing::info!(user = %ctx.user_id, "PIN changed");
    let mut changed = ctx.clone();
    changed.pin_change_required = false;
    Ok(auth::session_info(state, &changed))
}

/// The answer to a change whose proof was refused (its row is written). A
/// lockout ends the session, as at unlock: whoever is guessing at this
/// terminal is cut off.
async fn refused_change(
    state: &AppState,
    ctx: &SessionCtx,
    unproven: Unproven,
    now: OffsetDateTime,
) -> AppError {
    if !matches!(
        unproven,
        Unproven::Locked { .. } | Unproven::Failed { now_locked: true }
    ) {
        return auth::refused_login(state, unproven);
    }
    let ended = Ended {
        user_id: ctx.user_id.clone(),
        terminal: ctx.terminal.clone(),
        purpose: ctx.purpose().map(str::to_string),
        ended_at: now,
        reason: EndReason::LockedOut,
    };
    match sessions::commit_end(state, ctx.token_hash.clone(), &ended, now).await {
        Ok(()) => AppError::unauthenticated(),
        Err(e) => e,
    }
}
