//! Deny by default: every route in the table, called by a role lacking its
//! permission, is refused; without a session, every non-public route is 401.

use bansho::domain::roles::{Department, Permission, Role, has_permission};
use bansho::server::routes::{Access, ROUTES};
use reqwest::Method;

use crate::common::app::*;

fn role_of(user: &str) -> (Role, Department) {
    match user {
        CLERK => (Role::Clerk, Department::Assessment),
        COLLECTIONS => (Role::Clerk, Department::Collections),
        SUPERVISOR => (Role::Supervisor, Department::Assessment),
        IT => (Role::ItOfficer, Department::InformationSystems),
        AUDITOR => (Role::Auditor, Department::Audit),
        _ => (Role::Clerk, Department::Audit),
    }
}

fn concrete(path: &str) -> String {
    path.replace("{person}", Known::TAKAHASHI)
        .replace("{id}", &"0".repeat(32))
}

fn body_for(path: &str) -> Option<String> {
    match path {
        "/residents/search" => Some(r#"{"query":"タカハシ"}"#.into()),
        "/residents/{person}/reveal" => Some(r#"{"reason":"test"}"#.into()),
        _ => None,
    }
}

#[tokio::test]
async fn every_route_refuses_a_role_without_its_permission() {
    let app = spawn_app().await;
    let mut checked = 0;
    for route in ROUTES {
        let Access::Permission(permission) = route.access else {
            continue;
        };
        let lacking: Vec<&str> = ALL_STAFF
            .into_iter()
            .filter(|u| {
                let (role, dept) = role_of(u);
                !has_permission(role, dept, permission)
            })
            .collect();
        assert!(
            !lacking.is_empty(),
            "{permission:?} is held by every role: the test cannot check {}",
            route.path
        );
        for user in lacking {
            let client = app.login(user).await;
            let method = Method::from_bytes(route.method.as_bytes()).expect("method");
            let (status, body, _) = client
                .raw(method, &concrete(route.path), body_for(route.path))
                .await
                .expect("raw");
            assert_eq!(
                status, 403,
                "{user} {} {}: {body}",
                route.method, route.path
            );
            let row = &app.audit_tail(1)[0];
            assert_eq!(row.entry.outcome, "denied");
            assert_eq!(row.entry.action, route.action.as_str());
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} refusals checked");
}

#[tokio::test]
async fn every_non_public_route_needs_a_session() {
    let app = spawn_app().await;
    let client = app.client();
    for route in ROUTES {
        if route.access == Access::Public {
            continue;
        }
        let method = Method::from_bytes(route.method.as_bytes()).expect("method");
        let (status, _, _) = client
            .raw(method.clone(), &concrete(route.path), body_for(route.path))
            .await
            .expect("raw");
        assert_eq!(status, 401, "{} {}", route.method, route.path);
        let forged = client.with_token(bansho::secret::SessionToken::new("f".repeat(64)));
        let (status, _, _) = forged
            .raw(method, &concrete(route.path), body_for(route.path))
            .await
            .expect("raw");
        assert_eq!(status, 401, "forged token on {}", route.path);
    }
}

#[tokio::test]
async fn every_table_entry_is_served_and_unknown_paths_are_404() {
    let app = spawn_app().await;
    let supervisor = app.login(SUPERVISOR).await;
    for route in ROUTES {
        let method = Method::from_bytes(route.method.as_bytes()).expect("method");
        let (status, _, _) = supervisor
            .raw(method, &concrete(route.path), body_for(route.path))
            .await
            .expect("raw");
        assert!(
            status != 404 && status != 405,
            "{} {} not served ({status})",
            route.method,
            route.path
        );
    }
    let (status, _, _) = supervisor
        .raw(Method::GET, "/residents", None)
        .await
        .expect("raw");
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_auditor_reads_the_log_and_clerks_cannot() {
    let app = spawn_app().await;
    let auditor = app.login(AUDITOR).await;
    let log = auditor.audit(20).await.expect("audit");
    assert!(log.rows.iter().any(|r| r.action == "login"));
    let clerk = app.login(CLERK).await;
    assert_eq!(clerk.audit(20).await.unwrap_err().status(), Some(403));
    assert!(has_permission(
        Role::Auditor,
        Department::Audit,
        Permission::ReadAuditLog
    ));
}

/// The My Number as a search key, role by role: served where the work needs
/// the number, refused (403, a `denied` row) everywhere else, including the
/// roles that may not search at all.
#[tokio::test]
async fn a_my_number_search_is_served_only_to_roles_holding_its_permission() {
    let app = spawn_app().await;
    let body = format!(r#"{{"query":"{}"}}"#, Known::TAKAHASHI_MY_NUMBER);
    let mut served = Vec::new();
    for user in ALL_STAFF {
        let client = app.login(user).await;
        let (status, text, _) = client
            .raw(Method::POST, "/residents/search", Some(body.clone()))
            .await
            .expect("raw");
        let (role, dept) = role_of(user);
        let row = &app.audit_tail(1)[0];
        assert_eq!(row.entry.action, "search", "{user}");
        if has_permission(role, dept, Permission::SearchByMyNumber) {
            assert_eq!(status, 200, "{user}: {text}");
            assert_eq!(row.entry.subjects, [Known::TAKAHASHI], "{user}");
            served.push(user);
        } else {
            assert_eq!(status, 403, "{user}: {text}");
            assert!(!text.contains(Known::TAKAHASHI), "{user}: {text}");
            assert_eq!(row.entry.outcome, "denied", "{user}");
            assert!(row.entry.subjects.is_empty(), "{user}");
        }
    }
    assert_eq!(served, [CLERK, SUPERVISOR]);
}

/// Terminals, grants and sign-off need no resident data: the IT officer
/// neither searches nor opens a record, and keeps the log and staff work.
#[tokio::test]
async fn the_it_officer_neither_searches_nor_opens_records() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let search = it.search("タカハシ").await.unwrap_err();
    assert_eq!(search.status(), Some(403), "{search}");
    assert_eq!(
        (
            app.audit_tail(1)[0].entry.action.as_str(),
            app.audit_tail(1)[0].entry.outcome.as_str()
        ),
        ("search", "denied")
    );
    let view = it.resident(Known::TAKAHASHI).await.unwrap_err();
    assert_eq!(view.status(), Some(403), "{view}");
    assert_eq!(app.audit_tail(1)[0].entry.action, "view");
    assert!(it.audit(5).await.is_ok());
    let (status, _, _) = it
        .raw(Method::GET, "/admin/staff", None)
        .await
        .expect("raw");
    assert_eq!(status, 200);
}
