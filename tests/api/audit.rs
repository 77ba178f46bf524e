//! The access log: hash-chained, append-only, fail-closed.

use bansho::api::ErrorCode;
use bansho::store::chain::verify_store;

use crate::common::app::*;

#[tokio::test]
async fn the_chain_verifies_after_a_working_session() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    clerk.search("タカハシ").await.expect("search");
    clerk.resident(Known::TAKAHASHI).await.expect("view");
    clerk
        .reveal(Known::TAKAHASHI, "counter")
        .await
        .expect("reveal");
    clerk.logout().await.expect("logout");
    let rows = verify_store(app.store.as_ref(), &app.keys.audit_chain_key())
        .expect("read")
        .expect("intact")
        .verified();
    assert!(rows >= 5, "{rows} rows");
}

#[tokio::test]
async fn the_log_refuses_updates_and_deletes_through_the_store() {
    let app = spawn_app().await;
    app.login(CLERK).await;
    assert!(!app.audit_tail(1).is_empty());
    let db = app.raw_db();
    let update = db.execute("UPDATE audit_log SET outcome = 'ok'", []);
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = db.execute("DELETE FROM audit_log", []);
    assert!(delete.is_err(), "DELETE must be refused");
}

#[tokio::test]
async fn when_the_log_cannot_be_written_no_data_is_returned() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    // The audit table starts refusing writes, as a full or failing disk would.
    app.raw_db()
        .execute_batch(
            "CREATE TRIGGER audit_log_broken BEFORE INSERT ON audit_log
             BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
        )
        .expect("trigger");
    for (path, body) in [
        (
            "/residents/search",
            Some(r#"{"query":"タカハシ"}"#.to_string()),
        ),
        (&*format!("/residents/{}", Known::TAKAHASHI), None),
    ] {
        let method = if body.is_some() {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let (status, text, _) = clerk.raw(method, path, body).await.expect("raw");
        assert_eq!(status, 503, "{path}: {text}");
        assert!(text.contains("audit_unavailable"), "{text}");
        assert!(!text.contains("髙橋"), "data leaked: {text}");
        assert!(!text.contains(Known::TAKAHASHI), "data leaked: {text}");
    }
    let error = clerk.reveal(Known::TAKAHASHI, "counter").await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::AuditUnavailable));

    // Logging in is refused too: an attempt that cannot be logged does not happen.
    app.next_step();
    let error = app.try_login(SUPERVISOR).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::AuditUnavailable));

    // Once the disk is fixed, service resumes.
    app.raw_db()
        .execute_batch("DROP TRIGGER audit_log_broken;")
        .expect("drop trigger");
    clerk.search("タカハシ").await.expect("search works again");
}
