//! Login (user ID + PIN + TOTP), sessions and the per-request session check.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{HeaderMap, StatusCode};
use time::OffsetDateTime;

use super::error::AppError;
use super::login_gate::Busy;
use super::settings::PurposeDef;
use super::{AppState, crypto, totp};
use crate::api::error::ErrorCode;
use crate::api::{LoginRequest, Purpose, SessionInfo, StaffInfo};
use crate::domain::roles::{Department, Permission, Role, permissions};
use crate::secret::{Pin, SessionToken};
use crate::store::{AttemptClaim, AuditEntry, SessionRow, StaffRow, TotpClaim};

/// Argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    #[allow(
        clippy::expect_used,
        reason = "constant parameters, checked by every test that logs in"
    )]
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
    /// `None` until the user has chosen one: until then the session may do
    /// nothing but choose.
    pub purpose: Option<String>,
    pub token_hash: Vec<u8>,
    pub expires_at: OffsetDateTime,
}

impl SessionCtx {
    pub fn can(&self, permission: Permission) -> bool {
        self.purpose.is_some() && permissions(self.role, self.department).contains(&permission)
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
            purpose: self.purpose.clone().unwrap_or_default(),
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

/// The same answer for a real account and for an ID nobody has: both are
/// counted and locked alike.
fn account_locked(state: &AppState, until: OffsetDateTime) -> AppError {
    AppError::new(
        StatusCode::LOCKED,
        ErrorCode::AccountLocked,
        format!(
            "too many failed attempts: the account is locked until {}",
            state.config.time_zone.show(until)
        ),
    )
}

fn code_just_used() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::LoginFailed,
        "this code has just been used to log in at this terminal: wait for the next code",
    )
}

fn terminal_login_limit() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        "too many login attempts from this terminal: wait a minute and try again",
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

/// What the two factors came to.
enum Verdict {
    Accepted,
    /// The reason for the access log.
    Refused(&'static str),
    /// The code that just opened a session for this user at this terminal,
    /// sent again (a double-submitted form): refused, but not counted.
    JustUsedHere,
}

/// Checks the PIN (against a dummy hash when there is no such account, so
/// both cost the same), then the code, and claims the code's step. Runs in
/// one of the login gate's slots.
async fn check_factors(
    state: &AppState,
    staff: Option<&StaffRow>,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    terminal: &str,
    now: OffsetDateTime,
) -> Result<Verdict, AppError> {
    let pin = pin.clone();
    let phc = staff.map_or_else(|| DUMMY_HASH.clone(), |s| s.pin_hash.clone());
    let pin_ok = match state.login_gate.run(move || verify_pin(&pin, &phc)).await {
        Ok(ok) => ok,
        Err(Busy) => return Err(AppError::busy()),
    };
    let Some(staff) = staff else {
        return Ok(Verdict::Refused("unknown_user"));
    };
    if !pin_ok {
        return Ok(Verdict::Refused("wrong_pin"));
    }
    let secret = state
        .keys
        .open_totp_secret(&staff.user_id, &staff.totp_secret_enc)
        .map_err(|_| {
            tracing::error!(user = %staff.user_id, "TOTP secret does not decrypt");
            AppError::internal()
        })?;
    let Some(step) = totp::matching_step(&secret, code.expose(), now.unix_timestamp()) else {
        return Ok(Verdict::Refused("wrong_code"));
    };
    let uid = staff.user_id.clone();
    let here = terminal.to_string();
    Ok(
        match state
            .store(move |s| s.claim_totp_step(&uid, step, &here))
            .await?
        {
            TotpClaim::Claimed => Verdict::Accepted,
            TotpClaim::AlreadyUsed {
                last_step: Some(last),
                terminal: Some(used_at),
            } if last == step && used_at == terminal => Verdict::JustUsedHere,
            TotpClaim::AlreadyUsed { .. } => Verdict::Refused("code_reused"),
        },
    )
}

/// Why a proof of identity was refused; its access-log row is written.
enum Unproven {
    /// The terminal tried too often this minute.
    TerminalLimit,
    /// Too many checks waiting; the attempt was taken back.
    Busy,
    /// Locked before anything was checked.
    Locked { until: OffsetDateTime },
    /// A double-submitted form; not counted.
    JustUsedHere,
    /// PIN or code wrong (or no such user); `now_locked` when this was the
    /// last attempt before the lock.
    Failed { now_locked: bool },
}

/// Proves who is at `terminal` for login and unlock alike: the terminal's
/// limit, the attempt claimed (atomically, before anything is checked) for
/// the user ID as typed, PIN and code, the count cleared on success. Every
/// refusal has written its row, made by `row(outcome, detail)`, before it
/// is returned. Unknown and disabled IDs take the same steps as accounts.
async fn prove_factors(
    state: &AppState,
    user_id: &str,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    terminal: &str,
    now: OffsetDateTime,
    row: impl Fn(&str, &str) -> AuditEntry,
) -> Result<Result<StaffRow, Unproven>, AppError> {
    if !state.terminal_logins.allow(terminal) {
        state
            .refusal(row("rate_limited", "terminal_logins"))
            .await?;
        return Ok(Err(Unproven::TerminalLimit));
    }
    let key = state.keys.login_guard_key(user_id);
    let policy = state.config.lockout_policy();
    let lookup = key.clone();
    let locks = match state
        .store(move |s| s.claim_login_attempt(&lookup, now, &policy))
        .await?
    {
        AttemptClaim::Locked { until } => {
            state.audit(row("denied", "locked")).await?;
            return Ok(Err(Unproven::Locked { until }));
        }
        AttemptClaim::Granted { locks, .. } => locks,
    };
    let refund =
        |key: Vec<u8>| async move { state.store(move |s| s.refund_login_attempt(&key)).await };
    let uid = user_id.to_string();
    let staff = state
        .store(move |s| s.staff(&uid))
        .await?
        .filter(|s| !s.disabled);
    let verdict = match check_factors(state, staff.as_ref(), pin, code, terminal, now).await {
        Err(error) if error.code == ErrorCode::Busy => {
            // Not checked: not counted.
            refund(key).await?;
            state.refusal(row("denied", "busy")).await?;
            return Ok(Err(Unproven::Busy));
        }
        other => other?,
    };
    match (verdict, staff) {
        (Verdict::Accepted, Some(staff)) => {
            state.store(move |s| s.clear_login_attempts(&key)).await?;
            Ok(Ok(staff))
        }
        (Verdict::JustUsedHere, _) => {
            refund(key).await?;
            state
                .audit(row("failure", "code_reused_same_terminal"))
                .await?;
            Ok(Err(Unproven::JustUsedHere))
        }
        (Verdict::Refused(reason), _) => {
            let detail = if locks {
                format!("{reason};locked")
            } else {
                reason.to_string()
            };
            tracing::info!(detail = %detail, "proof of identity refused");
            state.audit(row("failure", &detail)).await?;
            Ok(Err(Unproven::Failed { now_locked: locks }))
        }
        (Verdict::Accepted, None) => Err(AppError::internal()),
    }
}

/// Stores a new session and logs `entry` for it; if the row cannot be
/// logged, the session is removed again and the caller fails.
async fn open_session(
    state: &AppState,
    staff: &StaffRow,
    purpose: Option<String>,
    terminal: &str,
    now: OffsetDateTime,
    entry: AuditEntry,
) -> Result<(SessionToken, SessionRow), AppError> {
    let token = SessionToken::new(crypto::new_token());
    let session = SessionRow {
        token_hash: crypto::token_hash(token.expose()),
        user_id: staff.user_id.clone(),
        terminal: terminal.to_string(),
        purpose,
        created_at: now,
        last_seen_at: now,
        expires_at: now + state.config.absolute_timeout,
    };
    let row = session.clone();
    state.store(move |s| s.insert_session(&row)).await?;
    if let Err(error) = state.audit(entry).await {
        // A login that cannot be logged does not happen.
        let gone = session.token_hash.clone();
        let _ = state.store(move |s| s.delete_session(&gone)).await;
        return Err(error);
    }
    Ok((token, session))
}

fn api_purpose(p: &PurposeDef) -> Purpose {
    Purpose {
        code: p.code.clone(),
        name_ja: p.name_ja.clone(),
        name_en: p.name_en.clone(),
    }
}

/// The session as the client may see it.
fn session_view(
    state: &AppState,
    staff: StaffInfo,
    purpose: Option<&str>,
    terminal: &str,
    expires_at: OffsetDateTime,
) -> SessionInfo {
    let choices = state.config.purposes_of(staff.department);
    let permissions = match purpose {
        Some(_) => permissions(staff.role, staff.department).to_vec(),
        None => Vec::new(),
    };
    SessionInfo {
        purpose: purpose.and_then(|code| {
            choices
                .iter()
                .find(|p| p.code == code)
                .map(|p| api_purpose(p))
        }),
        purposes: choices.iter().map(|p| api_purpose(p)).collect(),
        staff,
        terminal: terminal.to_string(),
        idle_timeout_secs: state.config.idle_timeout.whole_seconds().max(0) as u64,
        expires_at: crate::store::chain::format_time(expires_at),
        permissions,
    }
}

/// Checks PIN and code, applies the lockout, opens a session bound to the
/// terminal. Every attempt leaves an access-log row. Unknown user IDs are
/// counted, locked and answered exactly like real ones; the attempt is
/// counted before it is checked, atomically in the store, so however many
/// run at once only `lockout_threshold` are ever checked before the lock.
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

    let proof = prove_factors(
        state,
        &request.user_id,
        &request.pin,
        &request.totp,
        &terminal.name,
        now,
        attempt,
    )
    .await?;
    let staff = match proof {
        Ok(staff) => staff,
        Err(Unproven::TerminalLimit) => return Err(terminal_login_limit()),
        Err(Unproven::Busy) => return Err(AppError::busy()),
        Err(Unproven::Locked { until }) => return Err(account_locked(state, until)),
        Err(Unproven::JustUsedHere) => return Err(code_just_used()),
        Err(Unproven::Failed { .. }) => return Err(login_failed()),
    };
    let choices = state.config.purposes_of(staff.department);
    let purpose = match &request.purpose {
        Some(code) => match choices.iter().find(|p| &p.code == code) {
            Some(p) => Some(p.code.clone()),
            None => {
                state
                    .audit(attempt("denied", "purpose_not_allowed"))
                    .await?;
                return Err(AppError::purpose_not_allowed());
            }
        },
        None if choices.len() == 1 => Some(choices[0].code.clone()),
        None => None,
    };
    tracing::info!(user = %user_id, purpose = purpose.as_deref().unwrap_or("-"), "login");
    let mut ok = attempt(
        "ok",
        if purpose.is_none() {
            "purpose_pending"
        } else {
            ""
        },
    );
    ok.purpose = purpose.clone().unwrap_or_default();
    let (token, session) = open_session(state, &staff, purpose, &terminal.name, now, ok).await?;
    let info = session_view(
        state,
        staff_info(&staff),
        session.purpose.as_deref(),
        &session.terminal,
        session.expires_at,
    );
    Ok((token, info))
}

fn staff_info(staff: &StaffRow) -> StaffInfo {
    StaffInfo {
        user_id: staff.user_id.clone(),
        display_name: staff.display_name.clone(),
        role: staff.role,
        department: staff.department,
    }
}

/// Sets the business purpose of a session opened without one: once, and
/// only one of the caller's department's.
pub async fn choose_purpose(
    state: &AppState,
    ctx: &SessionCtx,
    code: &str,
) -> Result<SessionInfo, AppError> {
    let now = state.clock.now();
    let mut entry = ctx.entry(now, "purpose_choose", "ok");
    if ctx.purpose.is_some() {
        entry.outcome = "denied".into();
        entry.detail = "already_chosen".into();
        state.audit(entry).await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::PurposeAlreadyChosen,
            "this session's purpose is already chosen: log in again to work under another",
        ));
    }
    let Some(purpose) = state
        .config
        .purposes_of(ctx.department)
        .into_iter()
        .find(|p| p.code == code)
        .map(|p| p.code.clone())
    else {
        entry.outcome = "denied".into();
        entry.detail = "purpose_not_allowed".into();
        state.audit(entry).await?;
        return Err(AppError::purpose_not_allowed());
    };
    let token = ctx.token_hash.clone();
    let chosen = purpose.clone();
    if !state
        .store(move |s| s.choose_session_purpose(&token, &chosen))
        .await?
    {
        return Err(AppError::unauthenticated());
    }
    entry.purpose = purpose.clone();
    state.audit(entry).await?;
    let mut ctx = ctx.clone();
    ctx.purpose = Some(purpose);
    Ok(session_info(state, &ctx))
}

/// Unlocks a locked terminal: the session's own user proves both factors
/// again; the old token ends and a new one is issued. Attempts count toward
/// the lockout like logins, and a lockout ends the session.
pub async fn unlock(
    state: &AppState,
    ctx: &SessionCtx,
    request: crate::api::UnlockRequest,
) -> Result<(SessionToken, SessionInfo), AppError> {
    let now = state.clock.now();
    let old = ctx.token_hash.clone();
    let row = |outcome: &str, detail: &str| {
        let mut entry = ctx.entry(now, "unlock", outcome);
        entry.detail = detail.to_string();
        entry
    };
    let proof = prove_factors(
        state,
        &ctx.user_id,
        &request.pin,
        &request.totp,
        &ctx.terminal,
        now,
        row,
    )
    .await?;
    let staff = match proof {
        Ok(staff) => staff,
        Err(Unproven::TerminalLimit) => return Err(terminal_login_limit()),
        Err(Unproven::Busy) => return Err(AppError::busy()),
        Err(Unproven::JustUsedHere) => return Err(code_just_used()),
        Err(Unproven::Failed { now_locked: false }) => return Err(login_failed()),
        // A lockout ends the locked session.
        Err(Unproven::Locked { .. } | Unproven::Failed { now_locked: true }) => {
            state.store(move |s| s.delete_session(&old)).await?;
            return Err(AppError::unauthenticated());
        }
    };
    state.store(move |s| s.delete_session(&old)).await?;
    let (token, session) = open_session(
        state,
        &staff,
        ctx.purpose.clone(),
        &ctx.terminal,
        now,
        ctx.entry(now, "unlock", "ok"),
    )
    .await?;
    let info = session_view(
        state,
        staff_info(&staff),
        session.purpose.as_deref(),
        &session.terminal,
        session.expires_at,
    );
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
    let refusal = |terminal: String, detail: String| {
        super::refusals::anonymous(state.clock.now(), terminal, action, detail)
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
    state.refusal(entry).await?;
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
                purpose: session.purpose.clone().unwrap_or_default(),
                outcome: "expired".into(),
                detail: reason.into(),
                sensitive: false,
            })
            .await?;
        return Err(AppError::unauthenticated());
    }
    let staff = staff.ok_or_else(AppError::unauthenticated)?;

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
                purpose: session.purpose.clone().unwrap_or_default(),
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
        role: staff.role,
        department: staff.department,
        terminal: session.terminal,
        purpose: session.purpose,
        token_hash: hash,
        expires_at: session.expires_at,
    })
}

/// The session as the client may see it.
pub fn session_info(state: &AppState, ctx: &SessionCtx) -> SessionInfo {
    session_view(
        state,
        StaffInfo {
            user_id: ctx.user_id.clone(),
            display_name: ctx.display_name.clone(),
            role: ctx.role,
            department: ctx.department,
        },
        ctx.purpose.as_deref(),
        &ctx.terminal,
        ctx.expires_at,
    )
}
