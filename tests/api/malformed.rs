//! Bad input gets a clear error that says what is wrong, and never echoes a
//! secret back.

use reqwest::Method;

use crate::helpers::*;

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
