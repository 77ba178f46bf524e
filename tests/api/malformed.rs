//! Bad input gets a clear error that says what is wrong, and never echoes a
//! secret back.

use bansho::api::ErrorCode;
use reqwest::Method;

use crate::common::app::*;

#[tokio::test]
async fn unknown_fields_wrong_types_and_broken_json_are_400_with_a_reason() {
    let app = spawn_app().await;
    let client = app.client();
    let cases = [
        (
            r#"{"user_id":"a","pin":"b","totp":"c","purpose":"d","admin":true}"#,
            "unknown field `admin`",
        ),
        (
            r#"{"user_id":"a","pin":"b","purpose":"d"}"#,
            "missing field `totp`",
        ),
        (
            r#"{"user_id":"a","pin":987654321,"totp":"c","purpose":"d"}"#,
            "wrong type",
        ),
        (r#"{"user_id":"a","#, "not valid JSON"),
    ];
    for (body, expected) in cases {
        let (status, text, _) = client
            .raw(Method::POST, "/login", Some(body.into()))
            .await
            .expect("raw");
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains(expected), "{body}: {text}");
        assert!(text.contains("\"code\":\"bad_request\""), "{text}");
        assert!(!text.contains("987654321"), "echoed a PIN: {text}");
    }
}

/// The message names the field by its path. No request nests objects today,
/// so each path is one name; `server::json`'s own tests show nested paths
/// (`items[1].name`).
#[tokio::test]
async fn a_field_of_the_wrong_type_is_named_by_its_path() {
    let app = spawn_app().await;
    let client = app.client();
    let clerk = app.login(CLERK).await;
    let reveal = format!("/residents/{}/reveal", Known::TAKAHASHI);
    let cases = [
        (
            &client,
            "/login",
            r#"{"user_id":"a","pin":"b","totp":"c","purpose":987654321}"#,
            "purpose",
        ),
        (
            &client,
            "/login",
            r#"{"user_id":"a","pin":987654321,"totp":"c"}"#,
            "pin",
        ),
        (
            &clerk,
            "/session/purpose",
            r#"{"purpose":["987654321"]}"#,
            "purpose",
        ),
        (
            &clerk,
            "/residents/search",
            r#"{"query":{"text":"髙橋987654321"}}"#,
            "query",
        ),
        (&clerk, reveal.as_str(), r#"{"reason":987654321}"#, "reason"),
    ];
    for (who, path, body, field) in cases {
        let (status, text, _) = who
            .raw(Method::POST, path, Some(body.into()))
            .await
            .expect("raw");
        assert_eq!(status, 400, "{path} {body}: {text}");
        let (code, message) = error_body(&text);
        assert_eq!(code, "bad_request", "{path} {body}");
        assert!(
            message.starts_with(&format!(
                "a field has the wrong type or value (in `{field}`, line 1 column"
            )),
            "{path} {body}: {message}"
        );
        assert!(!message.contains("987654321"), "{path}: echoed: {message}");
        assert!(!message.contains("髙橋"), "{path}: echoed: {message}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let huge = format!(r#"{{"query":"{}"}}"#, "ア".repeat(100_000));
    let (status, text, _) = clerk
        .raw(Method::POST, "/residents/search", Some(huge))
        .await
        .expect("raw");
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
}

#[tokio::test]
async fn search_text_that_means_nothing_says_what_the_box_understands() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for query in ["", "   ", "hello", "12345", "平成32年1月1日"] {
        let error = clerk.search(query).await.unwrap_err();
        assert_eq!(error.status(), Some(400), "{query:?}");
        assert!(!error.to_string().is_empty());
    }
}

#[tokio::test]
async fn every_response_forbids_caching() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for path in [
        "/health",
        &format!("/residents/{}", Known::TAKAHASHI),
        "/nowhere",
    ] {
        let (_, _, headers) = clerk.raw(Method::GET, path, None).await.expect("raw");
        assert_eq!(
            headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
}

/// The error body every refusal carries: `{"error":{"code":..,"message":..}}`.
fn error_body(text: &str) -> (String, String) {
    let body: bansho::api::error::ErrorBody =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not an error body ({e}): {text:?}"));
    let code = serde_json::to_value(body.error.code).expect("code");
    (
        code.as_str().expect("code text").to_owned(),
        body.error.message,
    )
}

#[tokio::test]
async fn every_request_body_must_be_a_json_object_not_a_list_or_a_value() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let reveal = format!("/residents/{}/reveal", Known::TAKAHASHI);
    // A list in field order would fill the form: serde's structs take both.
    // With a fresh code, so that the list form would be a valid login.
    app.next_step();
    let pin = app.pin(CLERK);
    let code = app.code(CLERK);
    let login_list = format!(
        r#"["{CLERK}","{}","{}","assessment"]"#,
        pin.expose(),
        code.expose()
    );
    let cases: Vec<(&str, String)> = vec![
        ("/login", r#"["nosuch","pin","123456","assessment"]"#.into()),
        ("/login", login_list.clone()),
        ("/login", r#""kazei01 secret-pin 123456""#.into()),
        ("/login", "123456".into()),
        ("/login", "null".into()),
        (
            "/unlock",
            format!(r#"["{}","{}"]"#, pin.expose(), code.expose()),
        ),
        ("/residents/search", r#"["髙橋"]"#.into()),
        ("/residents/search", r#""髙橋""#.into()),
        (&reveal, r#"["audit_check"]"#.into()),
    ];
    for (path, body) in &cases {
        let (status, text, _) = clerk
            .raw(Method::POST, path, Some(body.clone()))
            .await
            .expect("raw");
        assert_eq!(status, 400, "{path} {body}: {text}");
        let (code, message) = error_body(&text);
        assert_eq!(code, "bad_request", "{path} {body}");
        assert!(
            message.starts_with("the body must be a JSON object")
                && message.contains("line 1 column"),
            "{path} {body}: {message}"
        );
        for quoted in [
            "nosuch",
            "secret",
            "123456",
            "髙橋",
            "audit_check",
            pin.expose(),
        ] {
            assert!(
                !message.contains(quoted),
                "{path}: echoed {quoted:?}: {message}"
            );
        }
    }
}

#[tokio::test]
async fn refusals_axum_makes_itself_carry_the_json_error_body() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let cases = [
        (
            Method::DELETE,
            "/health".to_string(),
            405,
            "method_not_allowed",
            "GET",
        ),
        (
            Method::GET,
            "/login".to_string(),
            405,
            "method_not_allowed",
            "POST",
        ),
        (
            Method::PUT,
            format!("/residents/{}", Known::TAKAHASHI),
            405,
            "method_not_allowed",
            "GET",
        ),
        (
            Method::GET,
            "/nowhere".to_string(),
            404,
            "not_found",
            "no such route",
        ),
        (
            Method::GET,
            "/residents/9000000001/x/y".to_string(),
            404,
            "not_found",
            "no such route",
        ),
        // Not UTF-8 once percent-decoded: the path extractor refuses it.
        (
            Method::GET,
            "/residents/%FF%FE".to_string(),
            400,
            "bad_request",
            "path parameter",
        ),
        (
            Method::POST,
            "/residents/%C3%28/reveal".to_string(),
            400,
            "bad_request",
            "path parameter",
        ),
    ];
    for (method, path, status, code, says) in cases {
        let (got, text, headers) = clerk.raw(method.clone(), &path, None).await.expect("raw");
        assert_eq!(got, status, "{method} {path}: {text:?}");
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "{method} {path}"
        );
        let (got_code, message) = error_body(&text);
        assert_eq!(got_code, code, "{method} {path}");
        assert!(message.contains(says), "{method} {path}: {message}");
        assert!(
            !message.contains("%FF") && !message.contains("nowhere"),
            "{message}"
        );
        if status == 405 {
            assert!(headers.get("allow").is_some(), "{method} {path}: no Allow");
        }
    }

    // A body sent as something other than JSON, or no body at all: 415.
    let http = bansho::client::tls::http_client(&app.bundle).expect("client");
    let url = format!("{}{}/login", app.base, bansho::api::PREFIX);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = http.post(&url).body(r#"{"user_id":"a"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("send");
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let (code, message) = error_body(&response.text().await.expect("text"));
        assert_eq!(code, "unsupported_media_type", "{content_type:?}");
        assert!(message.contains("application/json"), "{message}");
    }
}

#[tokio::test]
async fn search_text_with_a_control_or_invisible_character_is_refused_at_its_position() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for (query, position) in [
        ("髙橋\r\n一郎", 3),
        ("髙橋\x1b[2J", 3),
        ("髙橋\u{202E}", 3),
        ("\u{200b}髙橋", 1),
        ("たかはし 19930101\u{7f}", 14),
        ("髙\u{85}橋", 2),
    ] {
        let error = clerk.search(query).await.expect_err(query);
        assert_eq!(error.status(), Some(400), "{query:?}");
        assert_eq!(error.code(), Some(ErrorCode::InvalidQuery), "{query:?}");
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("character {position} of the search is a control")),
            "{query:?}: {message}"
        );
        assert!(!message.contains("髙橋"), "{message}");
        let row = app.audit_tail(1).pop().expect("row");
        assert_eq!(
            (row.entry.action.as_str(), row.entry.outcome.as_str()),
            ("search", "invalid_query")
        );
        assert!(row.entry.subjects.is_empty(), "{query:?} searched");
    }
    // A tab from a pasted table separates terms like a space.
    let found = clerk.search("たかはし\t19930101").await.expect("tab");
    assert!(
        found
            .results
            .iter()
            .any(|r| r.person_number == Known::TAKAHASHI),
        "{found:?}"
    );
}
