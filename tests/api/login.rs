use bansho::api::ErrorCode;
use bansho::domain::audit_event::{Action, Outcome};
use bansho::secret::{Pin, TotpCode};
use bansho::server::ServerConfig;
use bansho::server::clock::Clock;
use bansho::store::prelude::*;

use crate::common::app::*;

#[tokio::test]
async fn login_whoami_logout() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let me = clerk.session().await.expect("session");
    assert_eq!(me.staff.user_id, CLERK);
    assert_eq!(me.purpose.expect("purpose").code, "assessment");
    assert_eq!(me.idle_timeout_secs, 15 * 60);
    clerk.logout().await.expect("logout");
    let after = clerk.session().await.unwrap_err();
    assert_eq!(after.status(), Some(401));
    let actions: Vec<_> = app
        .audit_tail(3)
        .into_iter()
        .map(|r| (r.entry.action, r.entry.outcome))
        .collect();
    assert!(
        actions.contains(&(Action::Logout, Outcome::Ok)),
        "{actions:?}"
    );
    assert!(
        actions.contains(&(Action::Login, Outcome::Ok)),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_code_is_accepted_once_and_replays_are_logged() {
    let app = spawn_app().await;
    app.next_step();
    app.try_login(CLERK).await.expect("first use");
    // The same code from another terminal is a replay, and counts.
    let (elsewhere, _) = app.enroll("counter-02");
    let request = app.login_request(CLERK, "assessment");
    let replay = elsewhere.login(&request).await.unwrap_err();
    assert_eq!(replay.code(), Some(ErrorCode::LoginFailed));
    let last = &app.audit_tail(1)[0];
    assert_eq!(last.entry.action, "login");
    assert_eq!(last.entry.outcome, "failure");
    assert_eq!(last.entry.detail, "code_reused");
    assert_eq!(attempts_counted(&app, CLERK), 1);
}

#[tokio::test]
async fn a_double_submitted_login_form_is_refused_without_counting() {
    let app = spawn_app().await;
    app.next_step();
    app.try_login(CLERK).await.expect("first use");
    let again = app.try_login(CLERK).await.unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::CodeJustUsed));
    assert!(again.to_string().contains("just been used"), "{again}");
    let last = &app.audit_tail(1)[0];
    assert_eq!(
        (last.entry.outcome.as_str(), last.entry.detail.as_str()),
        ("failure", "code_reused_same_terminal")
    );
    assert_eq!(
        attempts_counted(&app, CLERK),
        0,
        "not counted toward lockout"
    );
    // Even five of them lock nothing.
    for _ in 0..5 {
        let _ = app.try_login(CLERK).await;
    }
    app.next_step();
    app.try_login(CLERK).await.expect("not locked");
}

/// Attempts the store is counting for a user ID.
fn attempts_counted(app: &TestApp, user_id: &str) -> i64 {
    app.store
        .login_guard(&app.keys.login_guard_key(user_id))
        .expect("guard")
        .map_or(0, |row| row.attempts)
}

#[tokio::test]
async fn ten_parallel_logins_with_one_code_let_exactly_one_in() {
    let app = spawn_app().await;
    app.next_step();
    let request = app.login_request(SUPERVISOR, "assessment");
    let attempts = (0..10).map(|_| {
        let client = app.client();
        let request = request.clone();
        tokio::spawn(async move { client.login(&request).await.is_ok() })
    });
    let mut wins = 0;
    for attempt in attempts {
        if attempt.await.expect("task") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

#[tokio::test]
async fn after_step_t_a_code_of_t_minus_1_is_refused() {
    let app = spawn_app().await;
    app.next_step();
    let earlier = app.code_at(CLERK, app.clock.now() - time::Duration::seconds(30));
    app.try_login(CLERK).await.expect("code of step T");
    let mut request = app.login_request(CLERK, "assessment");
    request.totp = earlier;
    let refused = app.client().login(&request).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::LoginFailed));
}

#[tokio::test]
async fn the_previous_step_is_accepted_but_not_two_back_or_the_next() {
    let app = spawn_app().await;
    app.next_step();
    let now = app.clock.now();
    let client = app.client();
    for (user, offset, ok) in [
        (CLERK, 60, false),
        (COLLECTIONS, 30, false),
        (SUPERVISOR, -30, true),
        (AUDITOR, -60, false),
    ] {
        let mut request = app.login_request(user, purpose_of(user));
        request.totp = app.code_at(user, now + time::Duration::seconds(offset));
        assert_eq!(client.login(&request).await.is_ok(), ok, "offset {offset}");
    }
}

#[tokio::test]
async fn five_failures_lock_the_account_even_against_the_right_pin_and_code() {
    let app = spawn_app().await;
    let client = app.client();
    for _ in 0..5 {
        let mut request = app.login_request(CLERK, "assessment");
        request.pin = Pin::new("wrong-pin-1234");
        let error = client.login(&request).await.unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::LoginFailed));
    }
    app.next_step();
    let locked = app.try_login(CLERK).await.unwrap_err();
    assert_eq!(locked.code(), Some(ErrorCode::AccountLocked));
    assert_eq!(locked.status(), Some(423));

    app.clock.advance(time::Duration::minutes(14));
    app.next_step();
    assert!(
        app.try_login(CLERK).await.is_err(),
        "still locked at 14 min"
    );
    app.clock.advance(time::Duration::minutes(1));
    app.next_step();
    app.try_login(CLERK).await.expect("lock over after 15 min");
}

#[tokio::test]
async fn a_short_lockout_setting_is_honoured() {
    let config = ServerConfig {
        lockout_threshold: 2,
        lockout_duration: time::Duration::minutes(1),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, 10).await;
    for _ in 0..2 {
        let mut request = app.login_request(IT, "system_operation");
        request.totp = TotpCode::new("000000");
        let _ = app.client().login(&request).await;
    }
    app.next_step();
    assert_eq!(
        app.try_login(IT).await.unwrap_err().code(),
        Some(ErrorCode::AccountLocked)
    );
    app.clock.advance(time::Duration::minutes(2));
    app.try_login(IT).await.expect("unlocked");
}

#[tokio::test]
async fn unknown_user_and_wrong_pin_answer_alike() {
    let app = spawn_app().await;
    let client = app.client();
    let mut unknown = app.login_request(CLERK, "assessment");
    unknown.user_id = "nobody42".into();
    let mut wrong = app.login_request(CLERK, "assessment");
    wrong.pin = Pin::new("not-the-pin-99");
    let body = |r: &bansho::api::LoginRequest| serde_json::to_string(r).expect("json");
    let (s1, b1, _) = client
        .raw(reqwest::Method::POST, "/login", Some(body(&unknown)))
        .await
        .expect("raw");
    let (s2, b2, _) = client
        .raw(reqwest::Method::POST, "/login", Some(body(&wrong)))
        .await
        .expect("raw");
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(s1, 401);
    let rows = app.outcome_tail(2);
    assert_eq!(rows[0].entry.detail, "wrong_pin");
    assert_eq!(rows[1].entry.detail, "unknown_user");
}

#[tokio::test]
async fn idle_sessions_end_after_15_minutes() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    app.clock.advance(time::Duration::minutes(14));
    clerk.session().await.expect("14 min idle is fine");
    app.clock
        .advance(time::Duration::minutes(15) + time::Duration::seconds(1));
    let error = clerk.session().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    let last = &app.audit_tail(1)[0];
    assert_eq!(
        (last.entry.action.as_str(), last.entry.detail.as_str()),
        ("session_end", "idle_timeout")
    );
}

#[tokio::test]
async fn sessions_end_after_12_hours_however_busy() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for _ in 0..(12 * 6 - 1) {
        app.clock.advance(time::Duration::minutes(10));
        clerk.session().await.expect("active session");
    }
    app.clock.advance(time::Duration::minutes(10));
    assert_eq!(clerk.session().await.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = spawn_app().await;
    app.next_step();
    let response = app.try_login(CLERK).await.expect("login");
    let stored: Vec<Vec<u8>> = {
        let db = app.raw_db();
        let mut stmt = db
            .prepare("SELECT token_hash FROM sessions")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], response.token.expose().as_bytes());
    assert_eq!(
        stored[0],
        bansho::server::crypto::token_hash(response.token.expose())
    );
}

#[tokio::test]
async fn pins_are_argon2id_and_totp_secrets_are_never_plaintext() {
    let app = spawn_app().await;
    let db = app.raw_db();
    let hash: String = db
        .query_row(
            "SELECT pin_hash FROM staff WHERE user_id = ?1",
            [CLERK],
            |r| r.get(0),
        )
        .expect("pin hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    drop(db);
    let bytes = std::fs::read(bansho::server::data_dir::db_path(app.dir.path())).expect("db");
    for user in ALL_STAFF {
        let pin = app.pin(user);
        assert!(
            !contains(&bytes, pin.expose().as_bytes()),
            "PIN of {user} in store"
        );
    }
    let secret = bansho::server::totp::to_base32(&app.secret(CLERK));
    assert!(!contains(&bytes, secret.as_bytes()));
    assert!(!contains(&bytes, &app.secret(CLERK)));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
