//! A change and its row are kept together or not at all: with a failure
//! point between a change and its row, or at the commit, the caller is
//! answered 503 and neither the change nor any row is stored.

use bansho::domain::audit_event::{Action, Outcome};
use bansho::store::journal::FailPoint;
use bansho::store::prelude::*;

use crate::common::app::*;

fn sessions(app: &TestApp) -> i64 {
    app.raw_db()
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .expect("count sessions")
}

fn rows(app: &TestApp) -> i64 {
    app.raw_db()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count rows")
}

#[tokio::test]
async fn a_failed_commit_keeps_neither_the_change_nor_its_row() {
    let app = spawn_app().await;
    for point in [FailPoint::AfterChange, FailPoint::AtCommit] {
        // A login: its attempt's count is the first change it commits.
        let (before_sessions, before_rows) = (sessions(&app), rows(&app));
        app.journal.fail_next(point);
        app.next_step();
        let error = app.try_login(CLERK).await.unwrap_err();
        assert_eq!(error.status(), Some(503), "{point:?}");
        assert_eq!(sessions(&app), before_sessions, "{point:?}: no session");
        assert_eq!(rows(&app), before_rows, "{point:?}: no row");

        // A logout: the session stays, with no row saying it ended.
        let clerk = app.login(CLERK).await;
        let (before_sessions, before_rows) = (sessions(&app), rows(&app));
        app.journal.fail_next(point);
        let error = clerk.logout().await.unwrap_err();
        assert_eq!(error.status(), Some(503), "{point:?}");
        assert_eq!(sessions(&app), before_sessions, "{point:?}: session kept");
        assert_eq!(rows(&app), before_rows, "{point:?}: no row");
        clerk.session().await.expect("the session is still open");
        clerk.logout().await.expect("a later logout works");
        assert_eq!(sessions(&app), before_sessions - 1);
    }
    let verified =
        bansho::store::chain::verify_store(app.store.as_ref(), &app.keys.audit_chain_key())
            .expect("read")
            .expect("intact");
    assert_eq!(verified.verified(), rows(&app));
}

#[tokio::test]
async fn each_login_attempt_is_counted_with_its_own_row_before_anything_is_checked() {
    let app = spawn_app().await;
    let mut wrong = app.login_request(CLERK, "assessment");
    wrong.pin = bansho::secret::Pin::new("wrong-pin-1234");
    let _ = app.client().login(&wrong).await.unwrap_err();
    app.next_step();
    app.try_login(CLERK).await.expect("login");
    let rows: Vec<(Action, Outcome, String)> = app
        .audit_tail(4)
        .into_iter()
        .rev()
        .map(|r| (r.entry.action, r.entry.outcome, r.entry.detail))
        .collect();
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, o, d)| (a.as_str(), o.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("login_attempt", "ok", "attempt=1"),
            ("login", "failure", "wrong_pin"),
            ("login_attempt", "ok", "attempt=2"),
            ("login", "ok", ""),
        ]
    );
    // The success cleared the count with its row.
    let guard = app
        .store
        .login_guard(&app.keys.login_guard_key(CLERK))
        .expect("guard");
    assert_eq!(guard, None);
}

#[tokio::test]
async fn a_totp_secret_that_does_not_open_is_the_services_fault_not_a_wrong_code() {
    let app = spawn_app().await;
    app.raw_db()
        .execute(
            "UPDATE staff SET totp_secret_enc = x'00010203' WHERE user_id = ?1",
            [CLERK],
        )
        .expect("break the sealed secret");
    app.next_step();
    let error = app.try_login(CLERK).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    let wrong_code = app
        .audit_tail(5)
        .into_iter()
        .any(|r| r.entry.detail.starts_with("wrong_code"));
    assert!(!wrong_code, "logged as the user's wrong code");
}
