//! Login (user ID + PIN + TOTP), sessions and the per-request session check.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{HeaderMap, StatusCode};
use time::OffsetDateTime;

use super::error::AppError;
use super::{AppState, crypto, totp};
use crate::api::error::ErrorCode;
use crate::api::{LoginRequest, Purpose, SessionInfo, StaffInfo};
use crate::domain::roles::{Department, Permission, Role, permissions};
use crate::secret::{Pin, SessionToken};
use crate::store::{AuditEntry, PurposeRow, SessionRow, StaffRow};

/// Argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a PIN into a PHC string.
pub fn hash_pin(pin: &Pin) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(pin.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AppError::internal())
}

fn verify_pin(pin: &Pin, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => argon2()
            .verify_password(pin.expose().as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so an unknown
/// user costs the same time as a wrong PIN.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_pin(&Pin::new("bansho-dummy-pin-never-valid")).unwrap_or_default());

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct SessionCtx {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub department: Department,
    pub terminal: String,
    pub purpose: String,
    pub token_hash: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

impl SessionCtx {
    pub fn can(&self, permission: Permission) -> bool {
        permissions(self.role, self.department).contains(&permission)
    }

    /// An access-log entry by this session.
    pub fn entry(&self, at: OffsetDateTime, action: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            at,
            user_id: self.user_id.clone(),
            terminal: self.terminal.clone(),
            action: action.to_string(),
            subjects: Vec::new(),
            query_hmac: None,
            purpose: self.purpose.clone(),
            outcome: outcome.to_string(),
            detail: String::new(),
            sensitive: false,
        }
    }
}

fn login_failed() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::LoginFailed,
        "user ID, PIN or code is wrong",
    )
}

fn account_locked(until: OffsetDateTime) -> AppError {
    AppError::new(
        StatusCode::LOCKED,
        ErrorCode::AccountLocked,
        format!(
            "too many failed attempts: the account is locked until {} UTC",
            crate::store::chain::format_time(until)
                .get(..16)
                .unwrap_or_default()
                .replace('T', " ")
        ),
    )
}

/// A user ID as it may appear in the access log: printable ASCII, bounded.
fn loggable_user_id(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "(empty)".to_string()
    } else {
        cleaned
    }
}

fn staff_role(staff: &StaffRow) -> Result<(Role, Department), AppError> {
    match (
        Role::parse(&staff.role),
        Department::parse(&staff.department),
    ) {
        (Some(role), Some(department)) => Ok((role, department)),
        _ => Err(AppError::internal()),
    }
}

fn staff_info(staff: &StaffRow, role: Role, department: Department) -> StaffInfo {
    StaffInfo {
        user_id: staff.user_id.clone(),
        display_name: staff.display_name.clone(),
        role,
        department,
    }
}

/// Checks the PIN, then the code, and claims the code's step. Returns the
/// reason for a refusal, or `None` when both factors are right.
async fn check_factors(
    state: &AppState,
    staff: &StaffRow,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    now: OffsetDateTime,
) -> Result<Option<&'static str>, AppError> {
    let pin = pin.clone();
    let phc = staff.pin_hash.clone();
    let pin_ok = tokio::task::spawn_blocking(move || verify_pin(&pin, &phc))
        .await
        .map_err(|_| AppError::internal())?;
    if !pin_ok {
        return Ok(Some("wrong_pin"));
    }
    let secret = state
        .keys
        .open_totp_secret(&staff.user_id, &staff.totp_secret_enc)
        .map_err(|_| {
            tracing::error!(user = %staff.user_id, "TOTP secret does not decrypt");
            AppError::internal()
        })?;
    let Some(step) = totp::matching_step(&secret, code.expose(), now.unix_timestamp()) else {
        return Ok(Some("wrong_code"));
    };
    let uid = staff.user_id.clone();
    if state.store(move |s| s.claim_totp_step(&uid, step)).await? {
        Ok(None)
    } else {
        Ok(Some("code_reused"))
    }
}

/// Counts a failed proof of identity; returns the detail for the access log
/// and whether the account is now locked.
async fn count_failure(
    state: &AppState,
    user_id: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(String, bool), AppError> {
    let uid = user_id.to_string();
    let (threshold, lock_for) = (
        state.config.lockout_threshold,
        state.config.lockout_duration,
    );
    let outcome = state
        .store(move |s| s.record_login_failure(&uid, now, threshold, lock_for))
        .await?;
    Ok(match outcome.locked_until {
        Some(_) => (format!("{reason};locked"), true),
        None => (reason.to_string(), false),
    })
}

/// Stores a new session and logs `entry` for it; if the row cannot be
/// logged, the session is removed again and the caller fails.
async fn open_session(
    state: &AppState,
    staff: &StaffRow,
    purpose: &str,
    terminal: &str,
    now: OffsetDateTime,
    entry: AuditEntry,
) -> Result<(SessionToken, SessionRow), AppError> {
    let token = SessionToken::new(crypto::new_token());
    let session = SessionRow {
        token_hash: crypto::token_hash(token.expose()),
        user_id: staff.user_id.clone(),
        terminal: terminal.to_string(),
        purpose: purpose.to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + state.config.absolute_timeout,
    };
    let uid = staff.user_id.clone();
    let row = session.clone();
    state
        .store(move |s| {
            s.reset_login_failures(&uid)?;
            s.insert_session(&row)
        })
        .await?;
    if let Err(error) = state.audit(entry).await {
        // A login that cannot be logged does not happen.
        let gone = session.token_hash.clone();
        let _ = state.store(move |s| s.delete_session(&gone)).await;
        return Err(error);
    }
    Ok((token, session))
}

fn session_view(
    state: &AppState,
    staff: &StaffRow,
    role: Role,
    department: Department,
    purpose: PurposeRow,
    session: &SessionRow,
) -> SessionInfo {
    SessionInfo {
        staff: staff_info(staff, role, department),
        purpose: Purpose {
            code: purpose.code,
            name_ja: purpose.name_ja,
            name_en: purpose.name_en,
        },
        terminal: session.terminal.clone(),
        idle_timeout_secs: state.config.idle_timeout.whole_seconds().max(0) as u64,
        expires_at: crate::store::chain::format_time(session.expires_at),
        permissions: permissions(role, department).to_vec(),
    }
}

/// Checks PIN and code, applies the lockout, opens a session bound to the
/// terminal. Every attempt leaves an access-log row; unknown users and wrong
/// PINs answer alike.
pub async fn login(
    state: &AppState,
    terminal: &Terminal,
    request: LoginRequest,
) -> Result<(SessionToken, SessionInfo), AppError> {
    let now = state.clock.now();
    let user_id = loggable_user_id(&request.user_id);
    let attempt = |outcome: &str, detail: &str| AuditEntry {
        at: now,
        user_id: user_id.clone(),
        terminal: terminal.name.clone(),
        action: "login".to_string(),
        subjects: Vec::new(),
        query_hmac: None,
        purpose: String::new(),
        outcome: outcome.to_string(),
        detail: detail.to_string(),
        sensitive: false,
    };

    let purposes = state.store(|s| s.purposes()).await?;
    let Some(purpose) = purposes.into_iter().find(|p| p.code == request.purpose) else {
        state.audit(attempt("denied", "unknown_purpose")).await?;
        return Err(AppError::bad_request(
            "choose a business purpose from the list",
        ));
    };

    let lookup = request.user_id.clone();
    let staff = state.store(move |s| s.staff(&lookup)).await?;
    let Some(staff) = staff.filter(|s| !s.disabled) else {
        // Same work and answer as a wrong PIN.
        let pin = request.pin.clone();
        let _ = tokio::task::spawn_blocking(move || verify_pin(&pin, &DUMMY_HASH)).await;
        tracing::info!(user = %user_id, "login refused: unknown user");
        state.audit(attempt("failure", "unknown_user")).await?;
        return Err(login_failed());
    };

    if let Some(until) = staff.locked_until.filter(|until| *until > now) {
        state.audit(attempt("denied", "locked")).await?;
        return Err(account_locked(until));
    }

    if let Some(reason) = check_factors(state, &staff, &request.pin, &request.totp, now).await? {
        let (detail, _) = count_failure(state, &staff.user_id, reason, now).await?;
        tracing::info!(user = %user_id, detail = %detail, "login refused");
        state.audit(attempt("failure", &detail)).await?;
        return Err(login_failed());
    }

    let (role, department) = staff_role(&staff)?;
    tracing::info!(user = %user_id, purpose = %purpose.code, "login");
    let mut ok = attempt("ok", "");
    ok.purpose = purpose.code.clone();
    let (token, session) =
        open_session(state, &staff, &purpose.code, &terminal.name, now, ok).await?;
    let info = session_view(state, &staff, role, department, purpose, &session);
    Ok((token, info))
}

/// Unlocks a locked terminal: the session's own user proves both factors
/// again; the old token ends and a new one is issued. Failures count toward
/// the lockout, and a lockout ends the session.
pub async fn unlock(
    state: &AppState,
    ctx: &SessionCtx,
    request: crate::api::UnlockRequest,
) -> Result<(SessionToken, SessionInfo), AppError> {
    let now = state.clock.now();
    let uid = ctx.user_id.clone();
    let staff = state
        .store(move |s| s.staff(&uid))
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let old = ctx.token_hash.clone();
    if let Some(reason) = check_factors(state, &staff, &request.pin, &request.totp, now).await? {
        let (detail, locked) = count_failure(state, &staff.user_id, reason, now).await?;
        let mut entry = ctx.entry(now, "unlock", "failure");
        entry.detail = detail;
        state.audit(entry).await?;
        if locked {
            state.store(move |s| s.delete_session(&old)).await?;
            return Err(AppError::unauthenticated());
        }
        return Err(login_failed());
    }
    let purpose = state
        .store(|s| s.purposes())
        .await?
        .into_iter()
        .find(|p| p.code == ctx.purpose)
        .ok_or_else(AppError::internal)?;
    state.store(move |s| s.delete_session(&old)).await?;
    let (token, session) = open_session(
        state,
        &staff,
        &ctx.purpose,
        &ctx.terminal,
        now,
        ctx.entry(now, "unlock", "ok"),
    )
    .await?;
    let info = session_view(state, &staff, ctx.role, ctx.department, purpose, &session);
    Ok((token, info))
}

/// The registered terminal a request came from (from its TLS client
/// certificate, checked against the registry on every request so that a
/// revoked terminal is cut off at once, even on an open connection).
#[derive(Debug, Clone)]
pub struct Terminal {
    pub name: String,
}

/// The terminal of a request, if the registry has it and it is not revoked.
/// A refusal is written to the access log (through `refusals`, so a
/// terminal hammering the service leaves a bounded number of rows) under the
/// refused route's `action`: the terminal's name if the registry knows it,
/// else the certificate's fingerprint, and the reason.
pub async fn resolve_terminal(
    state: &AppState,
    peer: Option<&super::transport::PeerCertificate>,
    action: &str,
) -> Result<Terminal, AppError> {
    let refusal = |terminal: String, detail: String| AuditEntry {
        at: state.clock.now(),
        user_id: super::refusals::UNKNOWN_USER.into(),
        terminal,
        action: action.to_string(),
        subjects: Vec::new(),
        query_hmac: None,
        purpose: String::new(),
        outcome: "denied".into(),
        detail,
        sensitive: false,
    };
    let entry = match peer {
        None => refusal(
            super::refusals::NO_CERTIFICATE.into(),
            "no_certificate".into(),
        ),
        Some(peer) => {
            let fingerprint = peer.fingerprint.clone();
            let found = state
                .store(move |s| s.terminal_by_fingerprint(&fingerprint))
                .await?;
            let fingerprint = &peer.fingerprint;
            match found {
                Some(t) if t.revoked_at.is_none() => return Ok(Terminal { name: t.name }),
                Some(t) => refusal(
                    t.name,
                    format!("terminal_revoked;fingerprint={fingerprint}"),
                ),
                None => refusal(
                    fingerprint.clone(),
                    format!("terminal_unregistered;fingerprint={fingerprint}"),
                ),
            }
        }
    };
    state
        .refusals
        .record(entry)
        .await
        .map_err(|_| AppError::audit_unavailable())?;
    Err(AppError::terminal_refused())
}

/// How often a session's last-seen time is written: finer than this adds a
/// write to every request for no gain in the idle check.
const TOUCH_GRANULARITY: time::Duration = time::Duration::seconds(15);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// The session of a request, if it is valid now. Expired sessions are
/// removed and their end logged.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    terminal: &Terminal,
) -> Result<SessionCtx, AppError> {
    let token = bearer(headers).ok_or_else(AppError::unauthenticated)?;
    let hash = crypto::token_hash(token);
    let now = state.clock.now();
    let lookup = hash.clone();
    // Session and account in one trip to the store's threads.
    let (session, staff) = state
        .store(move |s| {
            let Some(session) = s.session(&lookup)? else {
                return Ok((None, None));
            };
            let staff = s.staff(&session.user_id)?;
            Ok((Some(session), staff))
        })
        .await?;
    let session = session.ok_or_else(AppError::unauthenticated)?;

    let idle_end = session.last_seen_at + state.config.idle_timeout;
    let ended = if now >= session.expires_at {
        Some("absolute_timeout")
    } else if now >= idle_end {
        Some("idle_timeout")
    } else {
        None
    };
    let ended = ended.or(match &staff {
        Some(s) if !s.disabled => None,
        _ => Some("staff_disabled"),
    });
    if let Some(reason) = ended {
        let gone = hash.clone();
        state.store(move |s| s.delete_session(&gone)).await?;
        state
            .audit(AuditEntry {
                at: now,
                user_id: session.user_id.clone(),
                terminal: session.terminal.clone(),
                action: "session_end".into(),
                subjects: Vec::new(),
                query_hmac: None,
                purpose: session.purpose.clone(),
                outcome: "expired".into(),
                detail: reason.into(),
                sensitive: false,
            })
            .await?;
        return Err(AppError::unauthenticated());
    }
    let staff = staff.ok_or_else(AppError::unauthenticated)?;
    let (role, department) = staff_role(&staff)?;

    // A session belongs to the terminal it was opened on: a token carried
    // to another terminal is refused and the attempt logged.
    if session.terminal != terminal.name {
        state
            .audit(AuditEntry {
                at: now,
                user_id: session.user_id.clone(),
                terminal: terminal.name.clone(),
                action: "session_use".into(),
                subjects: Vec::new(),
                query_hmac: None,
                purpose: session.purpose.clone(),
                outcome: "denied".into(),
                detail: "terminal_mismatch".into(),
                sensitive: false,
            })
            .await?;
        return Err(AppError::unauthenticated());
    }

    if now - session.last_seen_at >= TOUCH_GRANULARITY {
        let touched = hash.clone();
        state.store(move |s| s.touch_session(&touched, now)).await?;
    }

    Ok(SessionCtx {
        user_id: staff.user_id,
        display_name: staff.display_name,
        role,
        department,
        terminal: session.terminal,
        purpose: session.purpose,
        token_hash: hash,
        expires_at: session.expires_at,
    })
}

/// The session as the client may see it.
pub async fn session_info(state: &AppState, ctx: &SessionCtx) -> Result<SessionInfo, AppError> {
    let purposes = state.store(|s| s.purposes()).await?;
    let purpose = purposes
        .into_iter()
        .find(|p| p.code == ctx.purpose)
        .map(|p| Purpose {
            code: p.code,
            name_ja: p.name_ja,
            name_en: p.name_en,
        })
        .ok_or_else(AppError::internal)?;
    Ok(SessionInfo {
        staff: StaffInfo {
            user_id: ctx.user_id.clone(),
            display_name: ctx.display_name.clone(),
            role: ctx.role,
            department: ctx.department,
        },
        purpose,
        terminal: ctx.terminal.clone(),
        idle_timeout_secs: state.config.idle_timeout.whole_seconds().max(0) as u64,
        expires_at: crate::store::chain::format_time(ctx.expires_at),
        permissions: permissions(ctx.role, ctx.department).to_vec(),
    })
}
