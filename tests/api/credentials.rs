//! Credentials after enrolment: an IT officer issues an account a new PIN
//! and TOTP secret (sent once); the session that PIN opens may do nothing
//! but read itself, change the PIN and log out until the holder changes it;
//! a holder changes their own PIN with the current one and a fresh code,
//! under the PIN policy, and their other sessions end.

use bansho::api::ErrorCode;
use bansho::api::LoginRequest;
use bansho::api::staff::{IssuedCredentials, PinChange, ResetReason};
use bansho::client::ApiClient;
use bansho::secret::{Pin, TotpCode};
use bansho::server::clock::Clock;
use bansho::server::totp;
use bansho::testkit::code_at;
use reqwest::Method;

use crate::common::app::*;

const NEW_PIN: &str = "73914682";

/// What the holder of freshly issued credentials knows.
struct Issued {
    user: String,
    pin: Pin,
    secret: Vec<u8>,
}

impl Issued {
    fn of(issued: &IssuedCredentials) -> Self {
        Self {
            user: issued.user_id.clone(),
            pin: issued.pin.clone(),
            secret: totp::from_base32(issued.totp_secret.expose())
                .expect("base32 secret")
                .to_vec(),
        }
    }

    fn code(&self, app: &TestApp) -> TotpCode {
        code_at(&self.secret, app.clock.now())
    }

    fn login(&self, app: &TestApp, pin: &Pin) -> LoginRequest {
        LoginRequest {
            user_id: self.user.clone(),
            pin: pin.clone(),
            totp: self.code(app),
            purpose: Some(purpose_of(&self.user).into()),
        }
    }

    fn change(&self, app: &TestApp, current: &Pin, new: &str) -> PinChange {
        PinChange {
            current_pin: current.clone(),
            totp: self.code(app),
            new_pin: Pin::new(new),
        }
    }
}

async fn reset(app: &TestApp, user: &str) -> Issued {
    let it = app.login(IT).await;
    let issued = it
        .reset_credentials(user, ResetReason::ForgottenPin)
        .await
        .expect("credentials issued");
    Issued::of(&issued)
}

/// Logs in with the issued credentials at the next step: a session held to
/// the PIN change.
async fn first_login(app: &TestApp, issued: &Issued) -> ApiClient {
    app.next_step();
    let response = app
        .client()
        .login(&issued.login(app, &issued.pin))
        .await
        .expect("the issued credentials log in");
    assert!(response.session.pin_change_required);
    assert!(response.session.permissions.is_empty());
    app.client().with_token(response.token)
}

fn code_of(error: &bansho::client::ClientError) -> Option<ErrorCode> {
    error.code()
}

#[tokio::test]
async fn a_reset_answers_the_secrets_once_and_only_the_new_ones_log_in() {
    let app = spawn_app().await;
    let old_session = app.login(CLERK).await;
    let it = app.login(IT).await;
    let (status, body, headers) = it
        .raw(
            Method::POST,
            &format!("/admin/staff/{CLERK}/credentials"),
            Some(r#"{"reason":"lost_device"}"#.into()),
        )
        .await
        .expect("request");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let issued: IssuedCredentials = serde_json::from_str(&body).expect("issued");
    assert!(
        issued
            .otpauth_uri
            .expose()
            .starts_with("otpauth://totp/bansho:kazei01?secret=")
    );
    assert!(
        issued
            .otpauth_uri
            .expose()
            .contains(issued.totp_secret.expose())
    );
    let holder = Issued::of(&issued);

    // The old session ended at its next request.
    let ended = old_session.search("タカハシ").await.expect_err("ended");
    assert_eq!(ended.status(), Some(401));

    // The old PIN and code no longer log in.
    app.next_step();
    let old = app.try_login(CLERK).await.expect_err("old credentials");
    assert_eq!(code_of(&old), Some(ErrorCode::LoginFailed));
    // The new PIN with the old secret's code, neither.
    let mut mixed = app.login_request(CLERK, "assessment");
    mixed.pin = holder.pin.clone();
    let refused = app.client().login(&mixed).await.expect_err("old secret");
    assert_eq!(code_of(&refused), Some(ErrorCode::LoginFailed));

    // The new ones do, held to the PIN change.
    let session = first_login(&app, &holder).await;
    let search = session.search("タカハシ").await.expect_err("held");
    assert_eq!(search.status(), Some(403));
    assert_eq!(code_of(&search), Some(ErrorCode::PinChangeRequired));
    let purpose = session
        .choose_purpose("assessment")
        .await
        .expect_err("held");
    assert_eq!(code_of(&purpose), Some(ErrorCode::PinChangeRequired));
    let info = session.session().await.expect("the session reads itself");
    assert!(info.pin_change_required);

    // Changed: the same session goes on, with its permissions.
    app.next_step();
    let changed = session
        .change_pin(&holder.change(&app, &holder.pin, NEW_PIN))
        .await
        .expect("PIN changed");
    assert!(!changed.pin_change_required);
    assert!(!changed.permissions.is_empty());
    session
        .search("タカハシ")
        .await
        .expect("search after the change");
    let listed = it.staff().await.expect("staff list");
    let clerk = listed
        .staff
        .iter()
        .find(|s| s.user_id == CLERK)
        .expect("clerk");
    assert!(!clerk.pin_change_required);

    // Only the new PIN logs in now.
    app.next_step();
    let again = app
        .client()
        .login(&holder.login(&app, &Pin::new(NEW_PIN)))
        .await
        .expect("the new PIN");
    assert!(!again.session.pin_change_required);
    app.next_step();
    let handed = app.client().login(&holder.login(&app, &holder.pin)).await;
    assert_eq!(
        handed.expect_err("the handed-over PIN").code(),
        Some(ErrorCode::LoginFailed)
    );
}

#[tokio::test]
async fn a_reset_clears_the_lockout_of_the_account() {
    let app = spawn_app().await;
    for _ in 0..test_config().lockout_threshold {
        let mut wrong = app.login_request(CLERK, "assessment");
        wrong.pin = Pin::new("not-the-pin-1");
        let _ = app.client().login(&wrong).await;
    }
    app.next_step();
    let locked = app.try_login(CLERK).await.expect_err("locked");
    assert_eq!(code_of(&locked), Some(ErrorCode::AccountLocked));
    let holder = reset(&app, CLERK).await;
    first_login(&app, &holder).await;
}

#[tokio::test]
async fn the_pin_policy_and_the_factors_are_checked_and_refusals_say_which_rule_only() {
    let app = spawn_app().await;
    let holder = reset(&app, CLERK).await;
    let session = first_login(&app, &holder).await;

    // Each policy failure names its rule, never the PIN.
    for (pin, words) in [
        ("4821593", "too short"),
        ("12345678", "commonly used"),
        ("999999999", "repeats one character"),
        ("23456789", "consecutive digits"),
        ("13131313", "short pattern"),
        ("4821\t5937", "control character"),
    ] {
        app.next_step();
        let refused = session
            .change_pin(&holder.change(&app, &holder.pin, pin))
            .await
            .expect_err("policy");
        assert_eq!(refused.status(), Some(400), "{pin}");
        assert_eq!(code_of(&refused), Some(ErrorCode::PinRejected));
        let message = refused.to_string();
        assert!(message.contains(words), "{pin}: {message}");
        assert!(!message.contains(pin), "{message}");
    }
    app.next_step();
    let same = session
        .change_pin(&holder.change(&app, &holder.pin, holder.pin.expose()))
        .await
        .expect_err("same PIN");
    assert_eq!(code_of(&same), Some(ErrorCode::PinRejected));

    // A wrong current PIN and a wrong code answer alike.
    app.next_step();
    let wrong_pin = session
        .change_pin(&holder.change(&app, &Pin::new("not-the-pin-1"), NEW_PIN))
        .await
        .expect_err("wrong PIN");
    let mut bad_code = holder.change(&app, &holder.pin, NEW_PIN);
    bad_code.totp = TotpCode::new(if bad_code.totp.expose() == "000000" {
        "111111"
    } else {
        "000000"
    });
    let wrong_code = session.change_pin(&bad_code).await.expect_err("wrong code");
    assert_eq!(wrong_pin.status(), Some(401));
    assert_eq!(
        (wrong_pin.status(), wrong_pin.code(), wrong_pin.to_string()),
        (
            wrong_code.status(),
            wrong_code.code(),
            wrong_code.to_string()
        )
    );
    assert_eq!(code_of(&wrong_pin), Some(ErrorCode::LoginFailed));

    // A code already used (here: the one that just changed nothing, after
    // one that changed the PIN) is refused.
    app.next_step();
    let change = holder.change(&app, &holder.pin, NEW_PIN);
    session.change_pin(&change).await.expect("changed");
    let replay = PinChange {
        current_pin: Pin::new(NEW_PIN),
        totp: change.totp.clone(),
        new_pin: Pin::new("58203917"),
    };
    let reused = session.change_pin(&replay).await.expect_err("reused code");
    assert!(
        matches!(
            code_of(&reused),
            Some(ErrorCode::LoginFailed | ErrorCode::CodeJustUsed)
        ),
        "{reused}"
    );

    // Every refusal left its row, none the PIN.
    let rows = app.audit_tail(60);
    let changes: Vec<_> = rows
        .iter()
        .filter(|r| r.entry.action == "pin_change")
        .collect();
    assert!(
        changes
            .iter()
            .any(|r| r.entry.outcome == "invalid" && r.entry.detail == "pin_policy;rule=too_short")
    );
    assert!(
        changes
            .iter()
            .any(|r| r.entry.detail == "same_pin;rule=same_pin")
    );
    assert!(
        changes
            .iter()
            .any(|r| r.entry.detail.starts_with("wrong_pin"))
    );
    assert!(
        changes
            .iter()
            .any(|r| r.entry.detail.starts_with("wrong_code"))
    );
    assert!(changes.iter().any(|r| r.entry.outcome == "ok"));
}

#[tokio::test]
async fn a_reused_login_code_does_not_change_the_pin() {
    let app = spawn_app().await;
    let holder = reset(&app, CLERK).await;
    let session = first_login(&app, &holder).await;
    // The code that just opened the session, at this terminal.
    let refused = session
        .change_pin(&holder.change(&app, &holder.pin, NEW_PIN))
        .await
        .expect_err("the login's code");
    assert_eq!(code_of(&refused), Some(ErrorCode::CodeJustUsed));
    let info = session.session().await.expect("session kept");
    assert!(info.pin_change_required);
}

#[tokio::test]
async fn a_change_ends_the_users_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    let other = app.login(CLERK).await;
    let (elsewhere, _) = app.enroll("counter-02");
    app.next_step();
    let far = elsewhere
        .login(&app.login_request(CLERK, "assessment"))
        .await
        .expect("login at another terminal");
    let far = elsewhere.with_token(far.token);
    let someone_else = app.login(SUPERVISOR).await;
    let this = app.login(CLERK).await;
    app.next_step();
    let changed = this
        .change_pin(&PinChange {
            current_pin: app.pin(CLERK),
            totp: app.code(CLERK),
            new_pin: Pin::new(NEW_PIN),
        })
        .await
        .expect("PIN changed");
    assert!(!changed.pin_change_required);
    this.search("タカハシ").await.expect("this session goes on");
    for ended in [&other, &far] {
        let refused = ended.search("タカハシ").await.expect_err("ended");
        assert_eq!(refused.status(), Some(401));
    }
    someone_else
        .search("タカハシ")
        .await
        .expect("another user's session goes on");
    let row = app
        .audit_tail(20)
        .into_iter()
        .find(|r| r.entry.action == "pin_change" && r.entry.outcome == "ok")
        .expect("the change's row");
    assert_eq!(row.entry.detail, "sessions_ended=2");
}

#[tokio::test]
async fn only_an_it_officer_resets_and_never_their_own_account() {
    let app = spawn_app().await;
    for user in [CLERK, SUPERVISOR, AUDITOR] {
        let caller = app.login(user).await;
        let refused = caller
            .reset_credentials(COLLECTIONS, ResetReason::Enrolment)
            .await
            .expect_err("not an IT officer");
        assert_eq!(refused.status(), Some(403), "{user}");
    }
    let it = app.login(IT).await;
    let own = it
        .reset_credentials(IT, ResetReason::ForgottenPin)
        .await
        .expect_err("own account");
    assert_eq!(own.status(), Some(403));
    assert_eq!(code_of(&own), Some(ErrorCode::CredentialsRefused));
    let unknown = it
        .reset_credentials("nobody99", ResetReason::Enrolment)
        .await
        .expect_err("unknown account");
    assert_eq!(unknown.status(), Some(404));
    assert_eq!(code_of(&unknown), Some(ErrorCode::CredentialsRefused));
    let unknown_reason = it
        .raw(
            Method::POST,
            &format!("/admin/staff/{COLLECTIONS}/credentials"),
            Some(r#"{"reason":"bored"}"#.into()),
        )
        .await
        .expect("request");
    assert_eq!(unknown_reason.0, 400);
    // The IT officer's own PIN still logs in.
    app.next_step();
    app.try_login(IT).await.expect("own credentials unchanged");

    let rows = app.audit_tail(40);
    let resets: Vec<_> = rows
        .iter()
        .filter(|r| r.entry.action == "credentials_reset")
        .collect();
    assert!(
        resets
            .iter()
            .any(|r| r.entry.user_id == IT && r.entry.detail == "own_credentials")
    );
    assert!(
        resets
            .iter()
            .any(|r| r.entry.outcome == "not_found" && r.entry.detail == "user=nobody99")
    );
    assert!(
        resets
            .iter()
            .filter(|r| r.entry.detail == "forbidden")
            .count()
            >= 3
    );
}

#[tokio::test]
async fn the_reset_row_names_the_account_and_no_log_row_holds_the_secrets() {
    let app = spawn_app().await;
    let _ = app.login(COLLECTIONS).await;
    let it = app.login(IT).await;
    let issued = it
        .reset_credentials(COLLECTIONS, ResetReason::LostDevice)
        .await
        .expect("issued");
    let holder = Issued::of(&issued);
    let session = first_login(&app, &holder).await;
    app.next_step();
    session
        .change_pin(&holder.change(&app, &holder.pin, NEW_PIN))
        .await
        .expect("changed");
    let rows = app.audit_tail(100);
    let reset = rows
        .iter()
        .find(|r| r.entry.action == "credentials_reset" && r.entry.outcome == "ok")
        .expect("the reset's row");
    assert_eq!(reset.entry.user_id, IT);
    assert_eq!(
        reset.entry.detail,
        "user=nozei01;reason=lost_device;sessions_ended=1"
    );
    let secret = issued.totp_secret.expose();
    for row in &rows {
        let text = format!("{:?}", row.entry);
        for leak in [issued.pin.expose(), secret, NEW_PIN] {
            assert!(!text.contains(leak), "a log row holds a secret: {text}");
        }
    }
    // Nor anywhere in the store's file.
    drop(app.raw_db());
    let bytes = std::fs::read(bansho::server::data_dir::db_path(app.dir.path())).expect("db");
    for leak in [issued.pin.expose(), secret, NEW_PIN] {
        assert!(
            !bytes.windows(leak.len()).any(|w| w == leak.as_bytes()),
            "the store holds a secret"
        );
    }
}
