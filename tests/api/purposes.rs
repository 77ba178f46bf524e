//! Business purposes belong to departments: the service offers and accepts
//! only the caller's department's, and a session may do nothing until it has
//! one.

use bansho::api::ErrorCode;

use crate::common::app::*;

#[tokio::test]
async fn a_department_with_one_purpose_gets_it_without_asking() {
    let app = spawn_app().await;
    app.next_step();
    let mut request = app.login_request(COLLECTIONS, "collection");
    request.purpose = None;
    let response = app.client().login(&request).await.expect("login");
    let session = response.session;
    assert_eq!(session.purpose.expect("chosen").code, "collection");
    let offered: Vec<_> = session.purposes.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(offered, ["collection"], "only the department's purposes");
}

#[tokio::test]
async fn with_several_purposes_none_is_chosen_until_the_user_chooses() {
    let app = spawn_app().await;
    app.next_step();
    let mut request = app.login_request(CLERK, "assessment");
    request.purpose = None;
    let response = app.client().login(&request).await.expect("login");
    assert_eq!(response.session.purpose, None, "nothing preselected");
    assert!(response.session.permissions.is_empty());
    let offered: Vec<_> = response
        .session
        .purposes
        .iter()
        .map(|p| p.code.clone())
        .collect();
    assert_eq!(offered, ["assessment", "certificate"]);
    let clerk = app.client().with_token(response.token);

    // Nothing but the choice until then, refused and logged.
    let refused = clerk.search("サトウ").await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(refused.code(), Some(ErrorCode::PurposeRequired));
    let row = &app.audit_tail(1)[0].entry;
    assert_eq!(
        (
            row.action.as_str(),
            row.outcome.as_str(),
            row.detail.as_str()
        ),
        ("search", "denied", "no_purpose")
    );

    // Another department's purpose is refused and logged.
    let refused = clerk.choose_purpose("collection").await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(refused.code(), Some(ErrorCode::PurposeNotAllowed));
    let row = &app.audit_tail(1)[0].entry;
    assert_eq!(
        (
            row.action.as_str(),
            row.outcome.as_str(),
            row.detail.as_str()
        ),
        ("purpose_choose", "denied", "purpose_not_allowed")
    );

    let session = clerk.choose_purpose("certificate").await.expect("choose");
    assert_eq!(session.purpose.expect("chosen").code, "certificate");
    assert!(!session.permissions.is_empty());
    clerk
        .search("サトウ")
        .await
        .expect("search under the purpose");
    let row = &app.audit_tail(1)[0].entry;
    assert_eq!(
        (row.action.as_str(), row.purpose.as_str()),
        ("search", "certificate")
    );

    // Chosen once: another purpose needs another login.
    let again = clerk.choose_purpose("assessment").await.unwrap_err();
    assert_eq!(again.status(), Some(409));
    assert_eq!(again.code(), Some(ErrorCode::PurposeAlreadyChosen));
}

#[tokio::test]
async fn a_login_under_another_departments_purpose_is_refused_and_logged() {
    let app = spawn_app().await;
    app.next_step();
    // A collections clerk who leaves the old preselected first purpose.
    let request = app.login_request(COLLECTIONS, "assessment");
    let refused = app.client().login(&request).await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(refused.code(), Some(ErrorCode::PurposeNotAllowed));
    let row = &app.audit_tail(1)[0].entry;
    assert_eq!(
        (
            row.action.as_str(),
            row.outcome.as_str(),
            row.detail.as_str()
        ),
        ("login", "denied", "purpose_not_allowed")
    );
    // An unknown purpose is refused the same way, after the factors, so it
    // tells nothing about the account.
    app.next_step();
    let request = app.login_request(COLLECTIONS, "fishing");
    let refused = app.client().login(&request).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::PurposeNotAllowed));
}

#[tokio::test]
async fn the_purpose_list_is_no_longer_public() {
    let app = spawn_app().await;
    let (status, body, _) = app
        .client()
        .raw(reqwest::Method::GET, "/purposes", None)
        .await
        .expect("raw");
    assert_eq!(status, 404, "{body}");
}
