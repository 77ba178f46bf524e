//! Canary secrets planted in a working session never reach the log output,
//! and untrusted text cannot forge log lines.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bansho::secret::{Pin, TotpCode};
use common::app::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut out) = self.0.lock() {
            out.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_pin_code_token_or_my_number_reaches_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let app = spawn_app().await;
    let client = app.client();

    // A wrong PIN and a wrong code, both canaries.
    let mut request = app.login_request(CLERK, "assessment");
    request.pin = Pin::new("canary-PIN-73519");
    assert!(client.login(&request).await.is_err());
    let mut request = app.login_request(CLERK, "assessment");
    request.totp = TotpCode::new("735190");
    assert!(client.login(&request).await.is_err());

    // A real session, whose PIN, code and token are canaries too.
    app.next_step();
    let request = app.login_request(CLERK, "assessment");
    let (pin, code) = (request.pin.clone(), request.totp.clone());
    let response = client.login(&request).await.expect("login");
    let token = response.token.clone();
    let clerk = client.with_token(response.token);
    clerk
        .search(Known::TAKAHASHI_MY_NUMBER)
        .await
        .expect("search");
    clerk
        .search("123456789019")
        .await
        .expect_err("bad check digit");
    clerk.resident(Known::TAKAHASHI).await.expect("view");
    let shown = clerk
        .reveal(Known::TAKAHASHI, "counter")
        .await
        .expect("reveal");
    assert_eq!(shown.my_number.expose(), Known::TAKAHASHI_MY_NUMBER);

    // Untrusted text trying to forge a log line.
    let mut forged = app.login_request(CLERK, "assessment");
    forged.user_id = "evil\n2026-01-01T00:00:00Z  INFO FORGED login\x1b[2J".into();
    assert!(client.login(&forged).await.is_err());

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        log.contains("login"),
        "the capture saw the service's log:\n{log}"
    );
    for (what, canary) in [
        ("wrong PIN", "canary-PIN-73519"),
        ("wrong code", "735190"),
        ("PIN", pin.expose()),
        ("code", code.expose()),
        ("token", token.expose()),
        ("My Number", Known::TAKAHASHI_MY_NUMBER),
        ("mistyped My Number", "123456789019"),
        ("name", "髙橋"),
    ] {
        assert!(!log.contains(canary), "the {what} reached the log");
    }
    assert!(!log.contains('\x1b'), "an escape sequence reached the log");
    assert!(
        !log.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z")),
        "a forged line reached the log"
    );
}
