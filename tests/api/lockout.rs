//! The lockout: unknown user IDs are counted and locked exactly like real
//! ones, attempts are counted before they are checked (atomically, so
//! parallel attempts never get past the threshold), PIN checks are bounded,
//! and each terminal may try only so often.

use bansho::api::ErrorCode;
use bansho::secret::Pin;
use bansho::server::ServerConfig;
use bansho::store::prelude::*;

use crate::common::app::*;

/// What a client sees of a refused login.
async fn attempt(app: &TestApp, request: &bansho::api::LoginRequest) -> (u16, String) {
    let body = serde_json::to_string(request).expect("json");
    let (status, text, _) = app
        .client()
        .raw(reqwest::Method::POST, "/login", Some(body))
        .await
        .expect("raw");
    (status, text)
}

#[tokio::test]
async fn an_unknown_id_locks_and_answers_exactly_like_a_real_one() {
    let app = spawn_app().await;
    let mut real = app.login_request(CLERK, "assessment");
    real.pin = Pin::new("wrong-pin-1234");
    let mut unknown = real.clone();
    unknown.user_id = "kazei99".into();
    let mut answers = Vec::new();
    for request in [&real, &unknown] {
        let mut seen = Vec::new();
        for _ in 0..7 {
            seen.push(attempt(&app, request).await);
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1], "the same answers, one by one");
    let statuses: Vec<u16> = answers[0].iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 423, 423]);
    // The lock time in the office's zone: 00:00:10 UTC + 15 min = 09:15 JST.
    let locked = &answers[1][5].1;
    assert!(locked.contains("2026-11-23 09:15 (Asia/Tokyo)"), "{locked}");
    // The log tells them apart; the caller cannot.
    let details: Vec<String> = app
        .outcome_tail(14)
        .into_iter()
        .rev()
        .map(|r| r.entry.detail)
        .collect();
    assert_eq!(details[4], "wrong_pin;locked");
    assert_eq!(details[5], "locked");
    assert_eq!(details[7], "unknown_user");
    assert_eq!(details[11], "unknown_user;locked");
    // The guessed ID is kept only as a keyed hash.
    let db = app.raw_db();
    let keys: Vec<Vec<u8>> = db
        .prepare("SELECT key FROM login_guard")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.windows(7).all(|w| w != b"kazei99")));
}

#[tokio::test]
async fn thirty_parallel_wrong_pins_check_at_most_five() {
    let app = spawn_app().await;
    let mut request = app.login_request(SUPERVISOR, "assessment");
    request.pin = Pin::new("wrong-pin-1234");
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let client = app.client();
            let request = request.clone();
            tokio::spawn(async move { client.login(&request).await.unwrap_err().code() })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.expect("task"));
    }
    let failed = codes
        .iter()
        .filter(|c| **c == Some(ErrorCode::LoginFailed))
        .count();
    let locked = codes
        .iter()
        .filter(|c| **c == Some(ErrorCode::AccountLocked))
        .count();
    assert_eq!((failed, locked), (5, 25), "{codes:?}");
    let checked = app
        .audit_tail(30)
        .into_iter()
        .filter(|r| r.entry.detail.starts_with("wrong_pin"))
        .count();
    assert_eq!(checked, 5, "only five PINs were ever checked");
}

#[tokio::test]
async fn a_full_verification_queue_answers_busy_and_logs_it() {
    let config = ServerConfig {
        login_verifications: 1,
        login_queue: 0,
        ..test_config()
    };
    let app = spawn_app_with(config, 10).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let client = app.client();
            let mut request = app.login_request(CLERK, "assessment");
            request.user_id = format!("guess{i:03}");
            tokio::spawn(async move { client.login(&request).await.unwrap_err() })
        })
        .collect();
    let mut busy = 0;
    for task in tasks {
        let error = task.await.expect("task");
        match error.code() {
            Some(ErrorCode::Busy) => {
                assert_eq!(error.status(), Some(503));
                busy += 1;
            }
            other => assert_eq!(other, Some(ErrorCode::LoginFailed)),
        }
    }
    assert!(busy > 0, "twenty at once with one slot and no queue");
    let logged = app
        .outcome_tail(20)
        .into_iter()
        .filter(|r| r.entry.outcome == "denied" && r.entry.detail == "busy")
        .count();
    assert_eq!(logged, busy);
}

#[tokio::test]
async fn each_terminal_may_try_only_so_often() {
    let config = ServerConfig {
        terminal_logins_per_minute: 3,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, 10).await;
    let mut request = app.login_request(CLERK, "assessment");
    request.pin = Pin::new("wrong-pin-1234");
    for _ in 0..3 {
        let error = app.client().login(&request).await.unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::LoginFailed));
    }
    let limited = app.client().login(&request).await.unwrap_err();
    assert_eq!(limited.status(), Some(429));
    let row = &app.audit_tail(1)[0].entry;
    assert_eq!(
        (row.outcome.as_str(), row.detail.as_str()),
        ("rate_limited", "terminal_logins")
    );
    assert_eq!(
        app.store
            .login_guard(&app.keys.login_guard_key(CLERK))
            .expect("guard")
            .map(|g| g.attempts),
        Some(3),
        "a refused attempt is not counted against the account"
    );
    // Another terminal has its own allowance.
    let (other, _) = app.enroll("counter-02");
    app.next_step();
    let ok = app.login_request(CLERK, "assessment");
    other.login(&ok).await.expect("another terminal");
}
