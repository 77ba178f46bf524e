//! Credentials at the workstation: a handed-over PIN sends the session to
//! the PIN change before anything else (and Esc does not leave it); F9
//! on the search screen opens the same form at any time; the IT officer's
//! staff tab lists the accounts, issues new credentials after a question
//! and shows them once (the QR code too), and disables an account.

use crossterm::event::KeyCode;

use super::*;
use crate::api::StaffList;
use crate::api::staff::{IssuedCredentials, StaffAccount};
use crate::tui::action::ReviewAnswer;
use crate::tui::effect::ReviewCall;
use crate::tui::screens::tabs::Tab;

/// A fixed test secret (RFC 4648's example alphabet), never a real one.
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn forced(department: Department) -> SessionInfo {
    SessionInfo {
        permissions: Vec::new(),
        pin_change_required: true,
        ..session(department)
    }
}

fn changes(effects: Vec<Effect>) -> Vec<crate::api::staff::PinChange> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::ChangePin(change) => Some(*change),
            _ => None,
        })
        .collect()
}

/// Fills the four fields and presses Enter on the last.
fn fill(app: &mut App, current: &str, code: &str, new: &str, again: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for (i, text) in [current, code, new, again].into_iter().enumerate() {
        type_text(app, text);
        effects = press(app, KeyCode::Enter);
        if i < 3 {
            assert!(effects.is_empty(), "{effects:?}");
        }
    }
    effects
}

fn status_key(app: &App) -> Option<&'static str> {
    match app.status.as_ref().map(|s| &s.note) {
        Some(crate::tui::status::Note::Local { key, .. }) => Some(key),
        _ => None,
    }
}

#[test]
fn a_handed_over_pin_is_changed_before_anything_else_ja_and_en() {
    for (lang, name) in [
        (Lang::Ja, "pin_change_forced_ja"),
        (Lang::En, "pin_change_forced_en"),
    ] {
        let mut app = new_app(lang, false);
        log_in_as(&mut app, forced(Department::Assessment));
        assert_eq!(app.screen(), Screen::PinChange);
        type_text(&mut app, "handed-over-1");
        insta::assert_snapshot!(name, draw(&app, 80, 24).backend());
        // Neither Esc nor F6 leaves it.
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::F(6));
        assert_eq!(app.screen(), Screen::PinChange);
        assert_eq!(status_key(&app), Some("pin.forced"));
    }
}

#[test]
fn the_form_checks_the_new_pin_here_then_sends_and_the_session_goes_on() {
    let mut app = new_app(Lang::En, false);
    log_in_as(&mut app, forced(Department::Assessment));
    // Two different new PINs, a PIN the policy refuses, the current PIN.
    for (new, again, key) in [
        ("73914682", "73914683", "pin.mismatch"),
        ("12345678", "12345678", "pin.rule.common"),
        ("4821593", "4821593", "pin.rule.too_short"),
        ("handed-over-1", "handed-over-1", "pin.same"),
    ] {
        let mut app = new_app(Lang::En, false);
        log_in_as(&mut app, forced(Department::Assessment));
        let effects = fill(&mut app, "handed-over-1", "654321", new, again);
        assert!(changes(effects).is_empty(), "{new}");
        assert_eq!(status_key(&app), Some(key), "{new}");
        let screen = app.pin_change().expect("still the form");
        assert!(screen.fields[2].is_empty() && screen.fields[3].is_empty());
    }
    let sent = changes(fill(
        &mut app,
        "handed-over-1",
        "654321",
        "73914682",
        "73914682",
    ));
    let [change] = sent.as_slice() else {
        panic!("one change sent: {sent:?}");
    };
    assert_eq!(
        (
            change.current_pin.expose(),
            change.totp.expose(),
            change.new_pin.expose()
        ),
        ("handed-over-1", "654321", "73914682")
    );
    let screen = app.pin_change().expect("waiting");
    assert!(screen.busy && screen.fields.iter().all(|f| f.is_empty()));

    // A refusal shows and the form is empty again.
    update(
        &mut app,
        Action::PinChanged(Err(Failure::service(
            ErrorCode::CodeJustUsed,
            401,
            "this code has just been used",
        ))),
    );
    assert_eq!(app.screen(), Screen::PinChange);
    assert!(screen_text(&draw(&app, 80, 24)).contains("wait for the next code"));

    update(
        &mut app,
        Action::PinChanged(Ok(session(Department::Assessment))),
    );
    assert_eq!(app.screen(), Screen::Search);
    assert_eq!(status_key(&app), Some("pin.changed"));
}

#[test]
fn f9_on_the_search_screen_opens_the_form_and_esc_leaves_it() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(9));
    assert_eq!(app.screen(), Screen::PinChange);
    assert!(!app.pin_change().expect("form").forced);
    press(&mut app, KeyCode::F(1));
    let help = screen_text(&draw(&app, 100, 30));
    assert!(help.contains("Esc"), "{help}");
    press(&mut app, KeyCode::F(1));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), Screen::Search);
}

fn account(user: &str, name: &str, role: Role, department: Department) -> StaffAccount {
    StaffAccount {
        user_id: user.into(),
        display_name: name.into(),
        role,
        department,
        disabled: false,
        pin_change_required: false,
    }
}

fn staff_list() -> StaffList {
    let mut pending = account("kazei02", "課税 二郎", Role::Clerk, Department::Assessment);
    pending.pin_change_required = true;
    let mut gone = account("nozei09", "納税 九子", Role::Clerk, Department::Collections);
    gone.disabled = true;
    StaffList {
        staff: vec![
            account(
                "joho01",
                "情報 守",
                Role::ItOfficer,
                Department::InformationSystems,
            ),
            account("kazei01", "課税 一郎", Role::Clerk, Department::Assessment),
            pending,
            gone,
            account(
                "shunin01",
                "主任 健",
                Role::Supervisor,
                Department::Assessment,
            ),
        ],
    }
}

/// The IT officer on the staff tab, the list loaded.
fn on_staff(lang: Lang) -> App {
    let mut app = new_app(lang, false);
    log_in_as(&mut app, it_officer_session());
    press(&mut app, KeyCode::F(6));
    let mut calls = Vec::new();
    for _ in 0..6 {
        if app.review().map(|r| r.tab()) == Some(Tab::Staff) {
            break;
        }
        calls = review_calls(press(&mut app, KeyCode::Tab));
    }
    assert_eq!(app.review().map(|r| r.tab()), Some(Tab::Staff));
    assert!(matches!(calls.as_slice(), [ReviewCall::Staff]), "{calls:?}");
    update(
        &mut app,
        Action::Review(ReviewAnswer::Staff(Ok(staff_list()))),
    );
    app
}

fn issued() -> IssuedCredentials {
    IssuedCredentials {
        user_id: "kazei01".into(),
        pin: Pin::new("5820391746"),
        totp_secret: Secret::new(SECRET),
        otpauth_uri: Secret::new(format!(
            "otpauth://totp/bansho:kazei01?secret={SECRET}&issuer=bansho&algorithm=SHA1&digits=6&period=30"
        )),
    }
}

#[test]
fn the_staff_tab_lists_accounts_with_their_state_ja_and_en() {
    let app = on_staff(Lang::Ja);
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("職員"), "{text}");
    assert!(
        text.contains("課税 二郎") && text.contains("変更待ち"),
        "{text}"
    );
    assert!(text.contains("無効"), "{text}");
    insta::assert_snapshot!("staff_tab_ja", draw(&app, 100, 30).backend());
    let app = on_staff(Lang::En);
    let text = screen_text(&draw(&app, 100, 30));
    assert!(
        text.contains("change pending") && text.contains("disabled"),
        "{text}"
    );
    insta::assert_snapshot!("staff_tab_en", draw(&app, 100, 30).backend());
}

#[test]
fn f8_asks_then_shows_the_new_credentials_once_and_closing_drops_them() {
    for (lang, name) in [
        (Lang::Ja, "staff_secrets_ja"),
        (Lang::En, "staff_secrets_en"),
    ] {
        let mut app = on_staff(lang);
        // The caller's own account is refused here already.
        assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
        assert_eq!(app.pending(), None);
        assert_eq!(status_key(&app), Some("staff.own_account"));
        press(&mut app, KeyCode::Down);
        assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
        assert_eq!(
            app.pending(),
            Some(&PendingAction::ResetCredentials {
                user: "kazei01".into()
            })
        );
        let calls = review_calls(press(&mut app, KeyCode::Enter));
        assert!(
            matches!(calls.as_slice(), [ReviewCall::ResetCredentials(u)] if u == "kazei01"),
            "{calls:?}"
        );
        let calls = review_calls(update(
            &mut app,
            Action::Review(ReviewAnswer::CredentialsIssued(Ok(issued()))),
        ));
        assert!(matches!(calls.as_slice(), [ReviewCall::Staff]), "{calls:?}");
        let text = screen_text(&draw(&app, 100, 40));
        assert!(text.contains("5820391746"), "{text}");
        assert!(text.contains("JBSWY3DP EHPK3PXP"), "{text}");
        assert!(text.contains('\u{2588}'), "the QR code: {text}");
        insta::assert_snapshot!(name, draw(&app, 100, 40).backend());
        // Too small for the QR code: the secret as text, and a note.
        let small = screen_text(&draw(&app, 80, 24));
        assert!(
            small.contains("5820391746") && !small.contains('\u{2584}'),
            "{small}"
        );
        // Other keys do nothing while they show; Esc drops them.
        press(&mut app, KeyCode::F(9));
        assert_eq!(app.pending(), None);
        press(&mut app, KeyCode::Esc);
        let staff = app.review().and_then(|r| r.staff()).expect("staff tab");
        assert!(staff.issued.is_none());
        let text = screen_text(&draw(&app, 100, 40));
        assert!(
            !text.contains("5820391746") && !text.contains(SECRET),
            "{text}"
        );
    }
}

#[test]
fn f9_asks_then_disables_the_account_and_reads_the_list_again() {
    let mut app = on_staff(Lang::En);
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    // nozei09 is disabled already.
    assert!(review_calls(press(&mut app, KeyCode::F(9))).is_empty());
    assert_eq!(status_key(&app), Some("staff.already_disabled"));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::F(9));
    assert_eq!(
        app.pending(),
        Some(&PendingAction::DisableAccount {
            user: "kazei02".into()
        })
    );
    let calls = review_calls(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(calls.as_slice(), [ReviewCall::DisableStaff(u)] if u == "kazei02"),
        "{calls:?}"
    );
    let calls = review_calls(update(
        &mut app,
        Action::Review(ReviewAnswer::StaffDisabled(Ok(()))),
    ));
    assert!(matches!(calls.as_slice(), [ReviewCall::Staff]), "{calls:?}");
    assert_eq!(status_key(&app), Some("staff.disabled_done"));
}
