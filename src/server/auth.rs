//! Login (user ID + PIN + TOTP), sessions and the per-request session check.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{HeaderMap, StatusCode};
use time::OffsetDateTime;

use super::actor::Actor;
use super::error::AppError;
use super::login_gate::Busy;
use super::sessions;
use super::settings::PurposeDef;
use super::{AppState, crypto, totp};
use crate::api::error::ErrorCode;
use crate::api::{LoginRequest, Purpose, SessionInfo, StaffInfo};
use crate::domain::audit_event::{Action, Detail, Event, FactorFailure, Outcome, Reason};
use crate::domain::roles::{Department, Permission, Role, permissions};
use crate::domain::session::{Account, Session, SessionError, UnlockProof};
use crate::secret::{Pin, SessionToken};
use crate::store::journal::{Applied, Change, Item};
use crate::store::{
    AttemptClaim, AuditEntry, CallerRows, GrantRow, SessionRow, StaffRow, TotpClaim,
};

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

/// Whether `pin` is the one `phc` was hashed from.
pub(crate) fn verify_pin(pin: &Pin, phc: &str) -> bool {
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
    pub token_hash: Vec<u8>,
    /// The session's state as of this request: always an open one (the
    /// route guard ends any other).
    pub state: Session,
    /// The account's PIN was handed over: the session may only read
    /// itself, change the PIN and log out until it is changed.
    pub pin_change_required: bool,
}

impl SessionCtx {
    /// `None` until the user has chosen one: until then the session may do
    /// nothing but choose.
    pub fn purpose(&self) -> Option<&str> {
        self.state.purpose()
    }

    fn expires_at(&self) -> OffsetDateTime {
        self.state
            .open_part()
            .map_or(OffsetDateTime::UNIX_EPOCH, |open| open.expires_at)
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.purpose().is_some()
            && !self.pin_change_required
            && permissions(self.role, self.department).contains(&permission)
    }

    /// Who this session's rows are about.
    pub fn actor(&self) -> Actor {
        Actor::new(self.user_id.clone(), self.terminal.clone()).with_purpose(self.purpose())
    }

    /// An access-log row of `event` by this session.
    pub fn entry(&self, at: OffsetDateTime, event: Event) -> AuditEntry {
        self.actor().entry(at, event)
    }
}

pub(crate) fn login_failed() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::LoginFailed,
        "user ID, PIN or code is wrong",
    )
}

/// The same answer for a real account and for an ID nobody has: both are
/// counted and locked alike.
pub(crate) fn account_locked(state: &AppState, until: OffsetDateTime) -> AppError {
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
        ErrorCode::CodeJustUsed,
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
    /// PIN and code hold; the code's step is claimed with whatever the
    /// proof opens.
    Accepted {
        step: i64,
    },
    Refused(FactorFailure),
}

/// Why the factors could not be checked.
enum Unchecked {
    /// Too many checks waiting.
    Busy,
    /// The account's TOTP secret does not open: the store's fault, not the
    /// user's, so it is neither counted as a wrong code nor shown as one.
    Internal,
}

/// Checks the PIN (against a dummy hash when there is no such account, so
/// both cost the same), then the code. Runs in one of the login gate's
/// slots; changes nothing.
async fn check_factors(
    state: &AppState,
    staff: Option<&StaffRow>,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    now: OffsetDateTime,
) -> Result<Verdict, Unchecked> {
    let pin = pin.clone();
    let phc = staff.map_or_else(|| DUMMY_HASH.clone(), |s| s.pin_hash.clone());
    let pin_ok = state
        .login_gate
        .run(move || verify_pin(&pin, &phc))
        .await
        .map_err(|Busy| Unchecked::Busy)?;
    let Some(staff) = staff else {
        return Ok(Verdict::Refused(FactorFailure::UnknownUser));
    };
    if !pin_ok {
        return Ok(Verdict::Refused(FactorFailure::WrongPin));
    }
    let Ok(secret) = state
        .keys
        .open_totp_secret(&staff.user_id, &staff.totp_secret_enc)
    else {
        tracing::error!(user = %staff.user_id, "TOTP secret does not decrypt");
        return Err(Unchecked::Internal);
    };
    Ok(
        match totp::matching_step(&secret, code.expose(), now.unix_timestamp()) {
            Some(step) => Verdict::Accepted { step },
            None => Verdict::Refused(FactorFailure::WrongCode),
        },
    )
}

/// Why a proof of identity was refused; its access-log row is written.
pub(crate) enum Unproven {
    /// The terminal tried too often this minute.
    TerminalLimit,
    /// Too many checks waiting; the attempt was taken back.
    Busy,
    /// Locked before anything was checked.
    Locked { until: OffsetDateTime },
    /// A double-submitted form; not counted.
    JustUsedHere,
    /// PIN or code wrong (or no such user, or the code already used);
    /// `now_locked` when this was the last attempt before the lock.
    Failed { now_locked: bool },
}

/// Factors that held. What the proof opens commits with the code's step
/// claimed and the count of attempts cleared ([`commit_proof`]).
pub(crate) struct Proof {
    pub(crate) staff: StaffRow,
    step: i64,
    guard_key: Vec<u8>,
    /// This attempt was the last before the lock.
    locks: bool,
}

/// Proves who is at `terminal` for login and unlock alike: the terminal's
/// limit, the attempt counted (with its row, before anything is checked)
/// for the user ID as typed, then PIN and code. Every refusal has written
/// its row, made for `actor` under `action`, before it is returned.
/// Unknown and disabled IDs take the same steps as accounts.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn prove_factors(
    state: &AppState,
    user_id: &str,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    actor: &Actor,
    action: Action,
    now: OffsetDateTime,
) -> Result<Result<Proof, Unproven>, AppError> {
    let row = |event: Event| actor.entry(now, event);
    if !state.terminal_logins.allow(&actor.terminal) {
        state
            .refusal(row(Event::new(
                action,
                Outcome::RateLimited,
                Detail::Reason(Reason::TerminalLogins),
            )))
            .await?;
        return Ok(Err(Unproven::TerminalLimit));
    }
    let guard_key = state.keys.login_guard_key(user_id);
    let locked = row(Event::denied(action, Reason::AccountLocked));
    let counted = row(Event::ok(Action::LoginAttempt));
    let claim = Item::new(
        vec![Change::ClaimLoginAttempt {
            key: guard_key.clone(),
            policy: state.config.lockout_policy(),
        }],
        move |effect| match effect.applied.first() {
            Some(Applied::Attempt(AttemptClaim::Granted { attempt, locks })) => {
                vec![
                    counted.event(Event::ok(Action::LoginAttempt).with(Detail::Attempt {
                        number: *attempt,
                        locks: *locks,
                    })),
                ]
            }
            _ => vec![locked],
        },
    );
    let locks = match state.commit(claim).await?.effect.applied.first() {
        Some(Applied::Attempt(AttemptClaim::Granted { locks, .. })) => *locks,
        Some(Applied::Attempt(AttemptClaim::Locked { until })) => {
            return Ok(Err(Unproven::Locked { until: *until }));
        }
        _ => return Err(AppError::internal()),
    };
    let uid = user_id.to_string();
    // An account without a grant in force is refused as a disabled one is:
    // the same steps, the same answer.
    let staff = state
        .store(move |s| {
            let staff = s.staff(&uid)?;
            let grant = s.active_grant(&uid, now)?;
            Ok(granted(staff, grant))
        })
        .await?;
    match check_factors(state, staff.as_ref(), pin, code, now).await {
        Err(Unchecked::Internal) => Err(AppError::internal()),
        Err(Unchecked::Busy) => {
            // Not checked: not counted.
            refund(state, guard_key, row(Event::denied(action, Reason::Busy))).await?;
            Ok(Err(Unproven::Busy))
        }
        Ok(Verdict::Refused(failure)) => {
            tracing::info!(reason = %failure, locks, "proof of identity refused");
            state
                .audit(row(Event::new(
                    action,
                    Outcome::Failure,
                    Detail::Factor { failure, locks },
                )))
                .await?;
            Ok(Err(Unproven::Failed { now_locked: locks }))
        }
        Ok(Verdict::Accepted { step }) => match staff {
            Some(staff) => Ok(Ok(Proof {
                staff,
                step,
                guard_key,
                locks,
            })),
            None => Err(AppError::internal()),
        },
    }
}

/// The account as its grant in force makes it: enabled, with the grant's
/// role and department; `None` if disabled, unknown, or without a grant.
fn granted(staff: Option<StaffRow>, grant: Option<GrantRow>) -> Option<StaffRow> {
    match (staff, grant) {
        (Some(staff), Some(grant)) if !staff.disabled => Some(StaffRow {
            role: grant.role,
            department: grant.department,
            ..staff
        }),
        _ => None,
    }
}

/// Takes a counted attempt back, with the row saying why.
async fn refund(state: &AppState, key: Vec<u8>, row: AuditEntry) -> Result<(), AppError> {
    state
        .commit(Item::new(
            vec![Change::RefundLoginAttempt { key }],
            move |_| vec![row],
        ))
        .await
        .map(drop)
}

/// Commits what a proof opens (`changes`, recorded by `ok`) together with
/// the code's step claimed and the attempts cleared. A code already used
/// (a replay, another window) refuses it all and its row says so; the code
/// that just opened a session here, sent again, is a double-submitted form:
/// refused, its attempt taken back.
pub(crate) async fn commit_proof(
    state: &AppState,
    proof: &Proof,
    actor: &Actor,
    action: Action,
    now: OffsetDateTime,
    changes: Vec<Change>,
    ok: impl FnOnce(&crate::store::journal::Effect) -> AuditEntry + Send + 'static,
) -> Result<Result<(), Unproven>, AppError> {
    let (step, terminal) = (proof.step, actor.terminal.clone());
    let just_used_here = move |applied: Option<&Applied>| {
        matches!(applied, Some(Applied::Totp(TotpClaim::AlreadyUsed {
            last_step: Some(last),
            terminal: Some(used_at),
        })) if *last == step && *used_at == terminal)
    };
    let check = just_used_here.clone();
    let reused = actor.entry(
        now,
        Event::new(
            action,
            Outcome::Failure,
            Detail::Factor {
                failure: FactorFailure::CodeReused,
                locks: proof.locks,
            },
        ),
    );
    let mut all = vec![
        Change::ClaimTotpStep {
            user_id: proof.staff.user_id.clone(),
            step: proof.step,
            terminal: actor.terminal.clone(),
        },
        Change::ClearLoginAttempts {
            key: proof.guard_key.clone(),
        },
    ];
    all.extend(changes);
    let effect = state
        .commit(Item::new(all, move |effect| {
            if effect.kept() {
                vec![ok(effect)]
            } else if matches!(effect.refusal(), Some(Applied::Totp(_))) && !check(effect.refusal())
            {
                vec![reused]
            } else {
                Vec::new()
            }
        }))
        .await?
        .effect;
    if effect.kept() {
        return Ok(Ok(()));
    }
    if just_used_here(effect.refusal()) {
        let row = actor.entry(
            now,
            Event::new(
                action,
                Outcome::Failure,
                Detail::Reason(Reason::CodeReusedSameTerminal),
            ),
        );
        refund(state, proof.guard_key.clone(), row).await?;
        return Ok(Err(Unproven::JustUsedHere));
    }
    match effect.refusal() {
        Some(Applied::Totp(_)) => Ok(Err(Unproven::Failed {
            now_locked: proof.locks,
        })),
        // A session that ended meanwhile, a token that collided.
        _ => Err(AppError::unauthenticated()),
    }
}

/// A new token and the row of `session` under it, not yet stored.
fn new_session(session: &Session) -> Result<(SessionToken, SessionRow), AppError> {
    let token = SessionToken::new(crypto::new_token());
    let row = sessions::row_of(crypto::token_hash(token.expose()), session)
        .ok_or_else(AppError::internal)?;
    Ok((token, row))
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
    pin_change_required: bool,
) -> SessionInfo {
    let choices = state.config.purposes_of(staff.department);
    let permissions = match purpose {
        Some(_) if !pin_change_required => permissions(staff.role, staff.department).to_vec(),
        _ => Vec::new(),
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
        pin_change_required,
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
    let actor = Actor::new(loggable_user_id(&request.user_id), terminal.name.clone());
    let proof = prove_factors(
        state,
        &request.user_id,
        &request.pin,
        &request.totp,
        &actor,
        Action::Login,
        now,
    )
    .await?;
    let proof = match proof {
        Ok(proof) => proof,
        Err(unproven) => return Err(refused_login(state, unproven)),
    };
    let offered = offered_purposes(state, proof.staff.department);
    let opened = Session::open(
        &sessions::actor(&proof.staff.user_id, &terminal.name),
        now,
        &sessions::rules(state),
        &offered,
        request.purpose.as_deref(),
    );
    let opened = match opened {
        Ok(session) => session,
        Err(SessionError::PurposeNotAllowed { .. }) => {
            let denied = actor.entry(now, Event::denied(Action::Login, Reason::PurposeNotAllowed));
            if let Err(unproven) = commit_proof(
                state,
                &proof,
                &actor,
                Action::Login,
                now,
                Vec::new(),
                move |_| denied,
            )
            .await?
            {
                return Err(refused_login(state, unproven));
            }
            return Err(AppError::purpose_not_allowed());
        }
        Err(_) => return Err(AppError::internal()),
    };
    let purpose = opened.purpose().map(str::to_string);
    tracing::info!(user = %actor.user_id, purpose = purpose.as_deref().unwrap_or("-"), "login");
    let event = match purpose {
        None => Event::ok(Action::Login).with(Detail::Reason(Reason::PurposePending)),
        Some(_) => Event::ok(Action::Login),
    };
    let ok = actor
        .clone()
        .with_purpose(purpose.as_deref())
        .entry(now, event);
    let (token, session) = new_session(&opened)?;
    let changes = vec![Change::InsertSession(session.clone())];
    if let Err(unproven) = commit_proof(
        state,
        &proof,
        &actor,
        Action::Login,
        now,
        changes,
        move |_| ok,
    )
    .await?
    {
        return Err(refused_login(state, unproven));
    }
    let info = session_view(
        state,
        staff_info(&proof.staff),
        session.purpose.as_deref(),
        &session.terminal,
        session.expires_at,
        proof.staff.pin_change_required,
    );
    Ok((token, info))
}

/// A second person proving who they are at another user's terminal (the
/// IT officer signing off a transfer) without ending that user's session:
/// the same steps as a login (the terminal's limit, the attempt counted
/// with its row, PIN, then code). `open` makes, from the proven account,
/// what the proof opens and its row, or refuses; what it opens commits
/// with the code's step claimed, so a code signs off once.
#[allow(clippy::too_many_arguments)]
pub async fn prove_witness(
    state: &AppState,
    ctx: &SessionCtx,
    user_id: &str,
    pin: &Pin,
    code: &crate::secret::TotpCode,
    action: Action,
    now: OffsetDateTime,
    open: impl FnOnce(&StaffRow) -> Result<(Vec<Change>, AuditEntry), AppError>,
) -> Result<(), AppError> {
    let actor = Actor::new(loggable_user_id(user_id), ctx.terminal.clone());
    let proof = match prove_factors(state, user_id, pin, code, &actor, action, now).await? {
        Ok(proof) => proof,
        Err(unproven) => return Err(refused_login(state, unproven)),
    };
    let (changes, ok) = open(&proof.staff)?;
    match commit_proof(state, &proof, &actor, action, now, changes, move |_| ok).await? {
        Ok(()) => Ok(()),
        Err(unproven) => Err(refused_login(state, unproven)),
    }
}

/// The answer to a login whose proof was refused (its row is written).
pub(crate) fn refused_login(state: &AppState, unproven: Unproven) -> AppError {
    match unproven {
        Unproven::TerminalLimit => terminal_login_limit(),
        Unproven::Busy => AppError::busy(),
        Unproven::Locked { until } => account_locked(state, until),
        Unproven::JustUsedHere => code_just_used(),
        Unproven::Failed { .. } => login_failed(),
    }
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
    let offered = offered_purposes(state, ctx.department);
    let chosen = ctx.state.clone().choose_purpose(
        &sessions::actor(&ctx.user_id, &ctx.terminal),
        now,
        &sessions::rules(state),
        &offered,
        code,
    );
    let next = match chosen {
        Ok(next) => next,
        Err(SessionError::PurposeAlreadyChosen { .. }) => {
            state
                .audit(ctx.entry(
                    now,
                    Event::denied(Action::PurposeChoose, Reason::AlreadyChosen),
                ))
                .await?;
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::PurposeAlreadyChosen,
                "this session's purpose is already chosen: log in again to work under another",
            ));
        }
        Err(SessionError::PurposeNotAllowed { .. }) => {
            state
                .audit(ctx.entry(
                    now,
                    Event::denied(Action::PurposeChoose, Reason::PurposeNotAllowed),
                ))
                .await?;
            return Err(AppError::purpose_not_allowed());
        }
        Err(_) => return Err(AppError::unauthenticated()),
    };
    let purpose = next
        .purpose()
        .map(str::to_string)
        .ok_or_else(AppError::internal)?;
    let chosen = ctx
        .actor()
        .with_purpose(Some(&purpose))
        .entry(now, Event::ok(Action::PurposeChoose));
    let item = Item::recorded(
        vec![Change::ChooseSessionPurpose {
            token_hash: ctx.token_hash.clone(),
            purpose: purpose.clone(),
        }],
        chosen,
    );
    if !state.commit(item).await?.effect.kept() {
        return Err(AppError::unauthenticated());
    }
    let mut ctx = ctx.clone();
    ctx.state = next;
    Ok(session_info(state, &ctx))
}

/// The codes of `department`'s purposes.
fn offered_purposes(state: &AppState, department: Department) -> Vec<&str> {
    state
        .config
        .purposes_of(department)
        .into_iter()
        .map(|p| p.code.as_str())
        .collect()
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
    let actor = ctx.actor();
    let old = ctx.token_hash.clone();
    let proof = prove_factors(
        state,
        &ctx.user_id,
        &request.pin,
        &request.totp,
        &actor,
        Action::Unlock,
        now,
    )
    .await?;
    let refused = |unproven| match unproven {
        Unproven::TerminalLimit => Ok(terminal_login_limit()),
        Unproven::Busy => Ok(AppError::busy()),
        Unproven::JustUsedHere => Ok(code_just_used()),
        Unproven::Failed { now_locked: false } => Ok(login_failed()),
        // A lockout ends the locked session.
        Unproven::Locked { .. } | Unproven::Failed { now_locked: true } => Err(()),
    };
    let outcome = match &proof {
        Ok(_) => UnlockProof::Proven,
        Err(Unproven::Locked { .. } | Unproven::Failed { now_locked: true }) => {
            UnlockProof::LockedOut
        }
        Err(_) => UnlockProof::Failed,
    };
    let rules = sessions::rules(state);
    let who = sessions::actor(&ctx.user_id, &ctx.terminal);
    let next = ctx.state.clone().unlock(&who, now, &rules, outcome);
    let proof = match (proof, next) {
        (Ok(proof), Ok(renewed)) => (proof, renewed),
        (_, Ok(Session::Ended(ended))) => {
            // A lockout ends the locked session.
            sessions::commit_end(state, old, &ended, now).await?;
            return Err(AppError::unauthenticated());
        }
        (Err(unproven), _) => {
            return Err(refused(unproven).unwrap_or_else(|()| AppError::unauthenticated()));
        }
        (Ok(_), Err(_)) => return Err(AppError::unauthenticated()),
    };
    let (proof, renewed) = proof;
    let (token, session) = new_session(&renewed)?;
    let changes = vec![
        Change::DeleteSession { token_hash: old },
        Change::InsertSession(session.clone()),
    ];
    let ok = actor.entry(now, Event::ok(Action::Unlock));
    if let Err(unproven) = commit_proof(
        state,
        &proof,
        &actor,
        Action::Unlock,
        now,
        changes,
        move |_| ok,
    )
    .await?
    {
        return Err(match refused(unproven) {
            Ok(answer) => answer,
            Err(()) => AppError::unauthenticated(),
        });
    }
    let info = session_view(
        state,
        staff_info(&proof.staff),
        session.purpose.as_deref(),
        &session.terminal,
        session.expires_at,
        proof.staff.pin_change_required,
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

/// What the guard reads for a request, in one trip to the store: the
/// terminal of its certificate and, when it carries a token, the session,
/// account and grant behind it. No certificate: nothing is read.
pub async fn read_caller(
    state: &AppState,
    peer: Option<&super::transport::PeerCertificate>,
    headers: Option<&HeaderMap>,
) -> Result<CallerRead, AppError> {
    let token_hash = headers.and_then(bearer).map(crypto::token_hash);
    let now = state.clock.now();
    let Some(peer) = peer else {
        return Ok(CallerRead {
            token_hash,
            rows: CallerRows::default(),
            now,
        });
    };
    let fingerprint = peer.fingerprint.clone();
    let lookup = token_hash.clone();
    let rows = state
        .read(move |s| s.caller(&fingerprint, lookup.as_deref(), now))
        .await?;
    Ok(CallerRead {
        token_hash,
        rows,
        now,
    })
}

/// The rows of one request's caller and the time they were read at.
#[derive(Debug)]
pub struct CallerRead {
    token_hash: Option<Vec<u8>>,
    rows: CallerRows,
    now: OffsetDateTime,
}

/// The terminal of a request, if the registry has it and it is not revoked.
/// A refusal is written to the access log (through `refusals`, so a
/// terminal hammering the service leaves a bounded number of rows) under the
/// refused route's `action`: the terminal's name if the registry knows it,
/// else the certificate's fingerprint, and the reason.
pub async fn resolve_terminal(
    state: &AppState,
    peer: Option<&super::transport::PeerCertificate>,
    caller: &mut CallerRead,
    action: Action,
) -> Result<Terminal, AppError> {
    let refusal = |terminal: String, detail: Detail| {
        Actor::anonymous(terminal).entry(
            state.clock.now(),
            Event::new(action, Outcome::Denied, detail),
        )
    };
    let entry = match peer {
        None => refusal(
            super::refusals::NO_CERTIFICATE.into(),
            Detail::Reason(Reason::NoCertificate),
        ),
        Some(peer) => {
            let fingerprint = peer.fingerprint.clone();
            match caller.rows.terminal.take() {
                Some(t) if t.revoked_at.is_none() => return Ok(Terminal { name: t.name }),
                Some(t) => refusal(
                    t.name,
                    Detail::Terminal {
                        reason: Reason::TerminalRevoked,
                        fingerprint,
                    },
                ),
                None => refusal(
                    fingerprint.clone(),
                    Detail::Terminal {
                        reason: Reason::TerminalUnregistered,
                        fingerprint,
                    },
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
    caller: CallerRead,
    terminal: &Terminal,
) -> Result<SessionCtx, AppError> {
    let CallerRead {
        token_hash,
        rows,
        now,
    } = caller;
    let hash = token_hash.ok_or_else(AppError::unauthenticated)?;
    let CallerRows {
        session,
        staff,
        grant,
        ..
    } = rows;
    let session = session.ok_or_else(AppError::unauthenticated)?;

    let account = match (&staff, &grant) {
        (Some(s), _) if s.disabled => Account::Disabled,
        (None, _) => Account::Disabled,
        (Some(_), None) => Account::NoGrant,
        (Some(_), Some(_)) => Account::Enabled,
    };
    let seen = sessions::state_of(&session).request(
        &sessions::actor(&session.user_id, &terminal.name),
        now,
        &sessions::rules(state),
        account,
    );
    let seen = match seen {
        Ok(Session::Ended(ended)) => {
            sessions::commit_end(state, hash, &ended, now).await?;
            return Err(AppError::unauthenticated());
        }
        Ok(open) => open,
        // A session belongs to the terminal it was opened on: a token
        // carried to another terminal is refused and the attempt logged.
        Err(SessionError::OtherTerminal { .. }) => {
            let elsewhere = Actor::new(session.user_id.clone(), terminal.name.clone())
                .with_purpose(session.purpose.as_deref());
            state
                .audit(elsewhere.entry(
                    now,
                    Event::denied(Action::SessionUse, Reason::TerminalMismatch),
                ))
                .await?;
            return Err(AppError::unauthenticated());
        }
        Err(_) => return Err(AppError::unauthenticated()),
    };
    let staff = granted(staff, grant).ok_or_else(AppError::unauthenticated)?;

    // The idle clock is the one write that is not a change anyone answers
    // for: it goes straight to the store, without a row of its own.
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
        token_hash: hash,
        state: seen,
        pin_change_required: staff.pin_change_required,
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
        ctx.purpose(),
        &ctx.terminal,
        ctx.expires_at(),
        ctx.pin_change_required,
    )
}
