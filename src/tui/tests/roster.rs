//! The roster reconciliation tab (名簿照合): the IT officer types the path
//! of the HR roster file, Enter reads it and sends it; the findings or the
//! file's bad lines show; F8 asks, stating the count, then revokes all.

use crossterm::event::KeyCode;

use super::*;
use crate::api::ApiError;
use crate::api::roster::{
    BadLineView, FindingReason, FindingView, LatestReconciliation, ReconciliationView,
    RosterRefusal,
};
use crate::client::RosterAnswer;
use crate::tui::action::ReviewAnswer;
use crate::tui::effect::ReviewCall;
use crate::tui::screens::tabs::Tab;

const SHA: &str = "3d6b05cf264ba3b4a1c2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192";

fn finding(
    user: &str,
    grant: &str,
    role: Role,
    department: Department,
    reason: FindingReason,
) -> FindingView {
    FindingView {
        grant_id: grant.into(),
        user_id: user.into(),
        role,
        department,
        reason,
        roster_department: (reason == FindingReason::Moved).then_some(Department::Collections),
        status: "active".into(),
        revocable: true,
    }
}

fn reconciliation() -> ReconciliationView {
    let findings = vec![
        finding(
            "kazei01",
            "7f3a9c21d4e5b6a7",
            Role::Clerk,
            Department::Assessment,
            FindingReason::Left,
        ),
        finding(
            "kazei03",
            "0b1c2d3e4f5a6b7c",
            Role::Clerk,
            Department::Assessment,
            FindingReason::NotOnRoster,
        ),
        finding(
            "nozei01",
            "aa00bb11cc22dd33",
            Role::Clerk,
            Department::Collections,
            FindingReason::OnLeave,
        ),
        finding(
            "shunin01",
            "5e6f7a8b9c0d1e2f",
            Role::Supervisor,
            Department::Assessment,
            FindingReason::Moved,
        ),
    ];
    ReconciliationView {
        id: "r-2026-12-02".into(),
        made_at: "2026-12-02T01:30:00Z".into(),
        made_by: "joho01".into(),
        roster_sha256: SHA.into(),
        lines: 7,
        revocable: findings.len(),
        findings,
        latest: true,
        revoked_at: None,
        revoked_by: None,
        revoked: None,
    }
}

fn refusal() -> RosterRefusal {
    let bad = |line: u64, code: &str, message: &str| BadLineView {
        line,
        code: code.into(),
        message: message.into(),
    };
    RosterRefusal {
        error: ApiError {
            code: ErrorCode::RosterInvalid,
            message: "the roster has 3 bad lines: nothing was compared or applied".into(),
            search_refusal: None,
        },
        bad_lines: vec![
            bad(
                3,
                "unknown_department",
                "unknown department: assessment, collections, information_systems or audit",
            ),
            bad(4, "missing_field", "`name` is empty or missing"),
            bad(5, "duplicate_staff_id", "the staff_id is on line 2 already"),
        ],
        more: 0,
    }
}

/// The IT officer on the roster tab, the latest reconciliation `latest`.
fn on_roster(lang: Lang, latest: Option<ReconciliationView>) -> App {
    let mut app = new_app(lang, false);
    log_in_as(&mut app, it_officer_session());
    let calls = to_review_tab(&mut app, Tab::Roster);
    assert!(
        matches!(calls.as_slice(), [ReviewCall::LatestReconciliation]),
        "{calls:?}"
    );
    update(
        &mut app,
        Action::Review(ReviewAnswer::LatestReconciliation(Ok(
            LatestReconciliation {
                reconciliation: latest,
            },
        ))),
    );
    app
}

/// Types `path` and presses Enter: the file is read and sent.
fn send(app: &mut App, path: &str) {
    type_text(app, path);
    let calls = review_calls(press(app, KeyCode::Enter));
    assert!(
        matches!(calls.as_slice(), [ReviewCall::ReconcileRoster(p)] if p == std::path::Path::new(path)),
        "{calls:?}"
    );
}

#[test]
fn the_findings_show_user_grant_role_department_and_reason() {
    for (lang, name, words) in [
        (
            Lang::Ja,
            "roster_findings_ja",
            ["退職", "名簿にない", "休職", "異動：現在 納税課"],
        ),
        (
            Lang::En,
            "roster_findings_en",
            ["Left", "Not on the roster", "On leave", "Moved: now"],
        ),
    ] {
        let mut app = on_roster(lang, None);
        send(&mut app, "/srv/hr/roster-2026-12.csv");
        update(
            &mut app,
            Action::Review(ReviewAnswer::Reconciled(Ok(RosterAnswer::Reconciled(
                reconciliation(),
            )))),
        );
        let text = screen_text(&draw(&app, 100, 30));
        for word in words {
            assert!(text.contains(word), "{word}:\n{text}");
        }
        assert!(
            text.contains("shunin01") && text.contains("7f3a9c21"),
            "{text}"
        );
        assert!(text.contains("3d6b05cf 264ba3b4"), "{text}");
        insta::assert_snapshot!(name, draw(&app, 100, 30).backend());
    }
}

#[test]
fn a_broken_file_shows_its_bad_lines_and_offers_nothing_to_revoke() {
    for (lang, name, word) in [
        (Lang::Ja, "roster_broken_ja", "不明な所属"),
        (Lang::En, "roster_broken_en", "Unknown department"),
    ] {
        let mut app = on_roster(lang, None);
        send(&mut app, "roster.csv");
        update(
            &mut app,
            Action::Review(ReviewAnswer::Reconciled(Ok(RosterAnswer::Refused(
                refusal(),
            )))),
        );
        let text = screen_text(&draw(&app, 100, 30));
        assert!(text.contains(word), "{text}");
        assert!(text.contains("the staff_id is on line 2 already"), "{text}");
        insta::assert_snapshot!(name, draw(&app, 100, 30).backend());
        assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
        assert_eq!(app.pending(), None);
    }
}

#[test]
fn f8_asks_with_the_count_then_revokes_them_all() {
    let mut app = on_roster(Lang::Ja, Some(reconciliation()));
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::RevokeFindings {
            id: "r-2026-12-02".into(),
            count: 4
        })
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("有効な権限 4"), "{text}");
    let calls = review_calls(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(calls.as_slice(), [ReviewCall::RevokeFindings { id, count: 4 }] if id == "r-2026-12-02"),
        "{calls:?}"
    );
    // While it is on its way, F8 again sends nothing.
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    let mut done = reconciliation();
    done.revoked = Some(4);
    done.revoked_by = Some("joho01".into());
    done.revoked_at = Some("2026-12-02T01:31:00Z".into());
    done.revocable = 0;
    for f in &mut done.findings {
        f.status = "revoked".into();
        f.revocable = false;
    }
    update(
        &mut app,
        Action::Review(ReviewAnswer::FindingsRevoked(Ok(done))),
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("joho01 が権限 4 件を失効済み"), "{text}");
    // Acted on: F8 says so and asks nothing.
    press(&mut app, KeyCode::F(8));
    assert_eq!(app.pending(), None);
}

#[test]
fn a_stale_revocation_is_said_and_the_latest_read_again() {
    let mut app = on_roster(Lang::En, Some(reconciliation()));
    press(&mut app, KeyCode::F(8));
    review_calls(press(&mut app, KeyCode::Enter));
    let effects = update(
        &mut app,
        Action::Review(ReviewAnswer::FindingsRevoked(Err(Failure::service(
            ErrorCode::RosterStale,
            409,
            "a newer reconciliation exists",
        )))),
    );
    assert!(
        matches!(
            review_calls(effects).as_slice(),
            [ReviewCall::LatestReconciliation]
        ),
        "the latest is read again"
    );
    // An empty path is not sent.
    let mut app = on_roster(Lang::En, None);
    assert!(review_calls(press(&mut app, KeyCode::Enter)).is_empty());
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("No reconciliation yet"), "{text}");
}

#[test]
fn only_the_it_officer_has_the_roster_tab() {
    let mut app = new_app(Lang::En, false);
    log_in_as(&mut app, session(Department::Assessment));
    let tabs = crate::tui::screens::tabs::tabs_of(app.session.as_ref());
    assert!(!tabs.contains(&Tab::Roster), "{tabs:?}");
}
