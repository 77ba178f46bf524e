//! Only registered terminals connect: mutual TLS against the service's own
//! CA, the registry checked on every connection and request.

use bansho::api::terminal_bundle::TerminalBundle;
use bansho::client::ApiClient;
use bansho::client::tls::TlsProblem;
use bansho::domain::audit_event::{Action, Outcome};
use bansho::server::data_dir;
use bansho::store::prelude::*;

use crate::common::app::*;

#[tokio::test]
async fn a_terminal_without_a_certificate_is_refused_at_the_handshake() {
    let app = spawn_app().await;
    let ca = reqwest::Certificate::from_pem(app.bundle.ca.as_bytes()).expect("ca");
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client");
    let client = ApiClient::with_http(&app.base, http);
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::NoClientCertificate);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let app = spawn_app().await;
    // Another office's service, with its own CA, issues a terminal.
    let other = tempfile::tempdir().expect("tmp");
    let (other_store, other_keys) = data_dir::init(other.path(), &[]).expect("other init");
    let foreign = data_dir::enroll_terminal(
        other_store.as_ref(),
        &other_keys,
        other.path(),
        "stranger",
        None,
    )
    .expect("foreign enroll");
    let bundle = TerminalBundle {
        ca: app.bundle.ca.clone(),
        ..foreign
    };
    let client = ApiClient::for_terminal(&app.base, &bundle).expect("client");
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::ForeignClientCertificate);
}

#[tokio::test]
async fn a_server_from_another_ca_is_refused_by_the_terminal() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    // Our terminal, pointed at a service whose certificate another CA signed.
    let client = ApiClient::for_terminal(&other.base, &app.bundle).expect("client");
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::ServerNotTrusted);
}

#[tokio::test]
async fn a_revoked_terminal_is_cut_off_at_once_without_a_restart() {
    let app = spawn_app().await;
    let (client, bundle) = app.enroll("counter-02");
    app.next_step();
    let login = client
        .login(&app.login_request(CLERK, "assessment"))
        .await
        .expect("login");
    let clerk = client.with_token(login.token);
    clerk
        .search("タカハシ")
        .await
        .expect("works before revocation");

    assert!(
        app.store
            .revoke_terminal("counter-02", time::OffsetDateTime::now_utc())
            .expect("revoke")
    );

    // The open connection's next request is refused...
    let error = clerk.search("タカハシ").await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    // ...and a new connection fails its handshake.
    let fresh = ApiClient::for_terminal(&app.base, &bundle).expect("client");
    let error = fresh.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::TerminalRevoked);
    // Other terminals carry on.
    app.client().health().await.expect("counter-01 unaffected");
}

#[tokio::test]
async fn a_token_carried_to_another_terminal_is_refused_and_logged() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let token = clerk.token().expect("token").clone();
    let (other, _) = app.enroll("counter-03");
    let stolen = other.with_token(token);
    let error = stolen.session().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.detail, "terminal_mismatch");
    assert_eq!(row.entry.terminal, "counter-03");
    assert_eq!(row.entry.user_id, CLERK);
    // The rightful terminal still works.
    clerk.session().await.expect("own terminal");
}

#[tokio::test]
async fn every_access_log_row_names_the_terminal() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    clerk.search("タカハシ").await.expect("search");
    clerk.resident(Known::TAKAHASHI).await.expect("view");
    for row in app.audit_tail(3) {
        assert_eq!(row.entry.terminal, TERMINAL, "{:?}", row.entry.action);
    }
}

#[tokio::test]
async fn a_burst_of_reads_is_refused_with_429_and_flagged() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let mut refused = None;
    for i in 0..200 {
        if let Err(error) = clerk.search("タカハシ").await {
            refused = Some((i, error));
            break;
        }
    }
    let (i, error) = refused.expect("the burst was never limited");
    assert!(i >= 20, "limited after only {i} searches");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.code(), Some(bansho::api::ErrorCode::RateLimited));
    assert!(error.to_string().contains("wait"), "{error}");
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("search", "rate_limited")
    );
    // Another user is not affected.
    let other = app.login(SUPERVISOR).await;
    other.search("タカハシ").await.expect("own allowance");
}

#[tokio::test]
async fn unlocking_needs_both_factors_and_replaces_the_token() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let mut wrong = bansho::api::UnlockRequest {
        pin: bansho::secret::Pin::new("wrong-pin-000"),
        totp: app.code(CLERK),
    };
    assert_eq!(
        clerk.unlock(&wrong).await.unwrap_err().code(),
        Some(bansho::api::ErrorCode::LoginFailed)
    );
    app.next_step();
    wrong.pin = app.pin(CLERK);
    wrong.totp = app.code(CLERK);
    let fresh = clerk.unlock(&wrong).await.expect("unlock");
    assert_eq!(
        clerk.session().await.unwrap_err().status(),
        Some(401),
        "old token ends"
    );
    let renewed = app.client().with_token(fresh.token);
    renewed.session().await.expect("new token works");
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("unlock", "ok")
    );
}

#[tokio::test]
async fn failed_unlocks_count_toward_the_lockout_and_the_lock_ends_the_session() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let wrong = bansho::api::UnlockRequest {
        pin: bansho::secret::Pin::new("wrong-pin-000"),
        totp: app.code(CLERK),
    };
    for _ in 0..4 {
        assert_eq!(
            clerk.unlock(&wrong).await.unwrap_err().code(),
            Some(bansho::api::ErrorCode::LoginFailed)
        );
    }
    // The fifth sets the lock: the waiting session ends with it.
    assert_eq!(
        clerk.unlock(&wrong).await.unwrap_err().code(),
        Some(bansho::api::ErrorCode::Unauthenticated)
    );
    assert_eq!(clerk.session().await.unwrap_err().status(), Some(401));
    // The attempt that set the lock, its refusal, and the session's end
    // with it, in that order.
    let rows: Vec<(Action, Outcome, String)> = app
        .audit_tail(3)
        .into_iter()
        .rev()
        .map(|r| (r.entry.action, r.entry.outcome, r.entry.detail))
        .collect();
    let expected = [
        ("login_attempt", "ok", "attempt=5;locked"),
        ("unlock", "failure", "wrong_pin;locked"),
        ("session_end", "expired", "locked"),
    ];
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, o, d)| (a.as_str(), o.as_str(), d.as_str()))
        .collect();
    assert_eq!(rows, expected);
    app.next_step();
    assert_eq!(
        app.try_login(CLERK).await.unwrap_err().code(),
        Some(bansho::api::ErrorCode::AccountLocked),
        "the account is locked for logins too"
    );
}
