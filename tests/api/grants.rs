//! Grants: requested by the department's supervisor, applied by an IT
//! officer (never the same person), in force from their start to their
//! expiry; a login and every request take the role from the grant in
//! force, and a session whose grant ended (or whose account was disabled)
//! ends at its next request.

use bansho::client::ApiClient;
use bansho::domain::grant::Grant;
use bansho::domain::roles::{Department, Role};
use bansho::server::actor::Actor;
use bansho::server::clock::Clock;
use bansho::server::data_dir;
use bansho::store::journal::Change;
use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::common::app::*;

async fn call(client: &ApiClient, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, text, _) = client
        .raw(method, path, body.map(|b| b.to_string()))
        .await
        .expect("request");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn rfc(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).expect("time")
}

/// A supervisor's request for `user` as `role` in assessment until `until`.
async fn request(
    app: &TestApp,
    by: &ApiClient,
    user: &str,
    role: &str,
    until: OffsetDateTime,
) -> (u16, Value) {
    let body = json!({
        "user": user,
        "role": role,
        "department": "assessment",
        "from": rfc(app.clock.now()),
        "until": rfc(until),
        "reason": "filing season",
    });
    call(by, Method::POST, "/admin/grants", Some(body)).await
}

async fn apply(it: &ApiClient, id: &str) -> (u16, Value) {
    call(it, Method::POST, &format!("/admin/grants/{id}/apply"), None).await
}

fn id_of(grant: &Value) -> String {
    grant["id"].as_str().expect("grant id").to_owned()
}

/// The grant `user` was given with the account (no expiry).
async fn account_grant(it: &ApiClient, user: &str) -> String {
    let (status, list) = call(it, Method::GET, &format!("/admin/grants?user={user}"), None).await;
    assert_eq!(status, 200, "{list}");
    let grants = list["grants"].as_array().expect("grants");
    let first = grants
        .iter()
        .find(|g| g["until"].is_null())
        .expect("the account's grant");
    id_of(first)
}

/// `user` left with only a grant requested by the supervisor and applied
/// by the IT officer, expiring at `until`; returns its id.
async fn only_grant_until(app: &TestApp, user: &str, until: OffsetDateTime) -> String {
    let supervisor = app.login(SUPERVISOR).await;
    let it = app.login(IT).await;
    let (status, grant) = request(app, &supervisor, user, "clerk", until).await;
    assert_eq!(status, 200, "{grant}");
    let id = id_of(&grant);
    let (status, applied) = apply(&it, &id).await;
    assert_eq!(status, 200, "{applied}");
    let old = account_grant(&it, user).await;
    let (status, body) = call(
        &it,
        Method::POST,
        &format!("/admin/grants/{old}/revoke"),
        Some(json!({"reason": "replaced by a limited grant"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

/// The newest row of `action`.
fn last_row(app: &TestApp, action: &str) -> bansho::store::AuditRecord {
    app.audit_tail(60)
        .into_iter()
        .find(|r| r.entry.action == action)
        .unwrap_or_else(|| panic!("no {action} row"))
}

#[tokio::test]
async fn a_requested_grant_applied_by_an_it_officer_gives_its_role_at_login() {
    let app = spawn_app().await;
    let supervisor = app.login(SUPERVISOR).await;
    let until = app.clock.now() + Duration::days(30);
    let (status, grant) = request(&app, &supervisor, CLERK, "supervisor", until).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["status"], "requested");
    assert_eq!(last_row(&app, "grant_request").entry.outcome, "ok");
    // Requested is not yet in force.
    let session = app.login(CLERK).await.session().await.expect("session");
    assert_eq!(session.staff.role, Role::Clerk);

    let it = app.login(IT).await;
    let (status, applied) = apply(&it, &id_of(&grant)).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["status"], "active");
    assert_eq!(applied["decided_by"], IT);
    let row = last_row(&app, "grant_apply");
    assert_eq!(row.entry.user_id, IT);
    assert!(
        row.entry.detail.contains("role=supervisor"),
        "{}",
        row.entry.detail
    );

    let session = app.login(CLERK).await.session().await.expect("session");
    assert_eq!(session.staff.role, Role::Supervisor);
    assert_eq!(session.staff.department, Department::Assessment);
}

#[tokio::test]
async fn the_requester_may_not_apply_their_own_request_and_it_is_logged() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let body = json!({
        "user": MISFIT,
        "role": "it_officer",
        "department": "information_systems",
        "until": rfc(app.clock.now() + Duration::days(10)),
        "reason": "second officer for the night shift",
    });
    let (status, grant) = call(&it, Method::POST, "/admin/grants", Some(body)).await;
    assert_eq!(status, 200, "{grant}");
    let (status, refused) = apply(&it, &id_of(&grant)).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused.to_string().contains("grant_refused"), "{refused}");
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.action, "grant_apply");
    assert_eq!(row.entry.outcome, "denied");
    assert!(
        row.entry.detail.starts_with("self_application"),
        "{}",
        row.entry.detail
    );
    // Still only requested.
    let (_, list) = call(
        &it,
        Method::GET,
        &format!("/admin/grants?user={MISFIT}&state=requested"),
        None,
    )
    .await;
    assert_eq!(list["grants"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_clerk_cannot_request_and_a_supervisor_only_for_their_department() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let until = app.clock.now() + Duration::days(10);
    let (status, _) = request(&app, &clerk, "kazei02", "clerk", until).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit_tail(1)[0].entry.action, "grant_request");
    assert_eq!(app.audit_tail(1)[0].entry.outcome, "denied");

    let supervisor = app.login(SUPERVISOR).await;
    let elsewhere = json!({
        "user": COLLECTIONS,
        "role": "clerk",
        "department": "collections",
        "until": rfc(until),
        "reason": "help with arrears",
    });
    let (status, body) = call(&supervisor, Method::POST, "/admin/grants", Some(elsewhere)).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        app.audit_tail(1)[0]
            .entry
            .detail
            .starts_with("not_requester")
    );

    // Bad input names its field.
    let (status, body) = call(
        &supervisor,
        Method::POST,
        "/admin/grants",
        Some(json!({"user": CLERK, "role": "clerk", "department": "assessment", "until": "soon", "reason": "x"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("`until`"), "{body}");
    let (status, _) = call(
        &supervisor,
        Method::POST,
        "/admin/grants",
        Some(json!({"user": CLERK, "role": "clerk", "department": "assessment", "until": rfc(until), "reason": "x", "extra": 1})),
    )
    .await;
    assert_eq!(status, 400);
    // Longer than the longest grant.
    let (status, body) = request(
        &app,
        &supervisor,
        CLERK,
        "clerk",
        app.clock.now() + Duration::days(400),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn an_expired_grant_refuses_the_login_and_ends_a_live_session() {
    let app = spawn_app().await;
    let expires = app.clock.now() + Duration::minutes(10);
    only_grant_until(&app, CLERK, expires).await;
    let clerk = app.login(CLERK).await;
    clerk
        .search("タカハシ")
        .await
        .expect("search while in force");

    app.clock.set(expires + Duration::seconds(1));
    let refused = clerk.search("タカハシ").await.expect_err("grant expired");
    assert_eq!(refused.status(), Some(401));
    let end = last_row(&app, "session_end");
    assert_eq!(end.entry.user_id, CLERK);
    assert_eq!(end.entry.detail, "grant_ended");

    // A login now is refused as a disabled account's is.
    app.next_step();
    let login = app.try_login(CLERK).await.expect_err("no grant in force");
    app.next_step();
    let mut nobody = app.login_request(CLERK, purpose_of(CLERK));
    nobody.user_id = "nobody01".into();
    let unknown = app.client().login(&nobody).await.expect_err("no such user");
    assert_eq!(login.status(), Some(401));
    assert_eq!(login.code(), unknown.code());
    assert_eq!(login.to_string(), unknown.to_string());
}

#[tokio::test]
async fn a_revoked_grant_ends_the_session_at_its_next_request() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    clerk.search("タカハシ").await.expect("search");
    let it = app.login(IT).await;
    let id = account_grant(&it, CLERK).await;
    let (status, body) = call(
        &it,
        Method::POST,
        &format!("/admin/grants/{id}/revoke"),
        Some(json!({"reason": "left the department"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "revoked");
    assert_eq!(last_row(&app, "grant_revoke").entry.outcome, "ok");

    let refused = clerk.search("タカハシ").await.expect_err("revoked");
    assert_eq!(refused.status(), Some(401));
    let end = last_row(&app, "session_end");
    assert_eq!(
        (end.entry.user_id.as_str(), end.entry.detail.as_str()),
        (CLERK, "grant_ended")
    );
    // Revoked is final.
    let (status, _) = call(
        &it,
        Method::POST,
        &format!("/admin/grants/{id}/revoke"),
        Some(json!({"reason": "again"})),
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_step_on_an_unknown_grant_or_account_is_refused_and_logged() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let (status, body) = apply(&it, "no-such-grant").await;
    assert_eq!(status, 404, "{body}");
    let row = last_row(&app, "grant_apply");
    assert_eq!(row.entry.outcome.as_str(), "not_found");
    assert_eq!(row.entry.detail, "unknown_grant;grant=no-such-grant");
    let (status, body) = call(&it, Method::POST, "/admin/staff/nobody/disable", None).await;
    assert_eq!(status, 404, "{body}");
    let row = last_row(&app, "staff_disable");
    assert_eq!(
        (row.entry.outcome.as_str(), row.entry.detail.as_str()),
        ("not_found", "user=nobody")
    );
}

#[tokio::test]
async fn a_disabled_account_ends_its_session_at_its_next_request() {
    let app = spawn_app().await;
    let collections = app.login(COLLECTIONS).await;
    collections.search("タカハシ").await.expect("search");
    let it = app.login(IT).await;
    let (status, body) = call(
        &it,
        Method::POST,
        &format!("/admin/staff/{COLLECTIONS}/disable"),
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        last_row(&app, "staff_disable").entry.detail,
        format!("user={COLLECTIONS}")
    );

    let refused = collections.search("タカハシ").await.expect_err("disabled");
    assert_eq!(refused.status(), Some(401));
    let end = last_row(&app, "session_end");
    assert_eq!(
        (end.entry.user_id.as_str(), end.entry.detail.as_str()),
        (COLLECTIONS, "staff_disabled")
    );
    // Nobody disables their own account; twice is a conflict.
    let (status, _) = call(
        &it,
        Method::POST,
        &format!("/admin/staff/{IT}/disable"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(
        &it,
        Method::POST,
        &format!("/admin/staff/{COLLECTIONS}/disable"),
        None,
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_bulk_extension_extends_only_that_departments_active_grants_that_end_sooner() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let supervisor = app.login(SUPERVISOR).await;
    let it = app.login(IT).await;
    let mut ids = Vec::new();
    for (user, days) in [("kazei02", 10), ("kazei03", 40)] {
        let (status, grant) =
            request(&app, &supervisor, user, "clerk", now + Duration::days(days)).await;
        assert_eq!(status, 200, "{grant}");
        let (status, _) = apply(&it, &id_of(&grant)).await;
        assert_eq!(status, 200);
        ids.push(id_of(&grant));
    }
    // A requested one (not applied) of the department stays as it is.
    let (_, pending) = request(&app, &supervisor, CLERK, "clerk", now + Duration::days(5)).await;
    // Another department's grant ending sooner is not this extension's.
    let other = Grant::bootstrap(
        "c".repeat(32),
        COLLECTIONS,
        Role::Clerk,
        Department::Collections,
        now,
        "admin-cli",
    );
    let other = Grant {
        expires_at: Some(now + Duration::days(3)),
        ..other
    };
    let store = app.store.clone();
    let keys = app.keys.clone();
    tokio::task::spawn_blocking(move || {
        data_dir::commit(
            store.as_ref(),
            &keys,
            vec![Change::InsertGrant(other)],
            Actor::console("admin-cli").entry(
                now,
                bansho::domain::audit_event::Event::ok(
                    bansho::domain::audit_event::Action::GrantApply,
                ),
            ),
        )
    })
    .await
    .expect("join")
    .expect("grant");

    let until = now + Duration::days(30);
    let (status, body) = call(
        &it,
        Method::POST,
        "/admin/grants/extend",
        Some(json!({"department": "assessment", "until": rfc(until), "reason": "season runs longer"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let extended: Vec<&str> = body["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["id"].as_str())
        .collect();
    assert_eq!(extended, [ids[0].as_str()]);
    let rows: Vec<_> = app
        .audit_tail(5)
        .into_iter()
        .filter(|r| r.entry.action == "grant_extend")
        .collect();
    assert_eq!(rows.len(), 1);

    let grant = |id: String| {
        let store = app.store.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                use bansho::store::prelude::*;
                store.grant(&id).expect("grant").expect("there")
            })
            .await
            .expect("join")
        }
    };
    assert_eq!(grant(ids[0].clone()).await.expires_at, Some(until));
    assert_eq!(
        grant(ids[1].clone()).await.expires_at,
        Some(now + Duration::days(40))
    );
    assert_eq!(
        grant("c".repeat(32)).await.expires_at,
        Some(now + Duration::days(3))
    );
    assert_eq!(
        grant(id_of(&pending)).await.expires_at,
        Some(now + Duration::days(5))
    );
    // A supervisor may not extend.
    let (status, _) = call(
        &supervisor,
        Method::POST,
        "/admin/grants/extend",
        Some(json!({"department": "assessment", "until": rfc(until), "reason": "x"})),
    )
    .await;
    assert_eq!(status, 403);
}
