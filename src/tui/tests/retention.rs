//! The erasure plan tab (消去計画): the IT officer reaches it from the
//! work screen, sees the day's plan with its hash, rules and items, and
//! approves it after a question; an approval already given, an empty plan
//! and a plan that changed meanwhile are each said.

use crossterm::event::KeyCode;

use super::*;
use crate::api::ErrorCode;
use crate::api::retention::{ApprovalView, PlanItemView, RetentionPlanView, RuleView};
use crate::tui::action::ReviewAnswer;
use crate::tui::effect::ReviewCall;
use crate::tui::popups::confirm::PendingAction;
use crate::tui::screens::tabs::Tab;
use crate::tui::status::Note;

const HASH: &str = "9f2c41d07a3be6558c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d";

fn plan(approvals: &[(&str, &str)], awaiting: &[&str], items: usize) -> RetentionPlanView {
    RetentionPlanView {
        today: "2026-12-02".into(),
        hash: HASH.into(),
        items: (0..items)
            .map(|i| PlanItemView {
                kind: if i == 0 { "person" } else { "tax_record" }.into(),
                id: format!("10000003{i:02}"),
                rule: if i == 0 { "person" } else { "tax_record" }.into(),
                reason: "moved out 2019-03-31, kept 5 years".into(),
                due: "2024-03-31".into(),
            })
            .collect(),
        rules: vec![
            RuleView {
                rule: "tax_record".into(),
                basis: "地方税法第17条の5".into(),
                items: items.saturating_sub(1),
                note: None,
            },
            RuleView {
                rule: "access_log".into(),
                basis: "番号法第23条".into(),
                items: 0,
                note: Some("kept: archived by procedure".into()),
            },
        ],
        approvals: approvals
            .iter()
            .map(|(user, role)| ApprovalView {
                user_id: (*user).into(),
                role: (*role).into(),
                at: "2026-12-02T00:10:00Z".into(),
            })
            .collect(),
        awaiting: awaiting.iter().map(|r| r.to_string()).collect(),
    }
}

fn status_text(app: &App) -> String {
    let Some(status) = app.status.as_ref() else {
        return String::new();
    };
    match &status.note {
        Note::Local { key, args } => {
            let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.i18n.tf(key, &refs)
        }
        Note::Service(text) => text.clone(),
    }
}

/// The IT officer on the erasure plan tab, the plan `shown` loaded.
fn on_plan(lang: Lang, shown: RetentionPlanView) -> App {
    let mut app = new_app(lang, false);
    log_in_as(&mut app, it_officer_session());
    let calls = to_review_tab(&mut app, Tab::Retention);
    assert!(
        matches!(calls.as_slice(), [ReviewCall::RetentionPlan]),
        "{calls:?}"
    );
    update(
        &mut app,
        Action::Review(ReviewAnswer::RetentionPlan(Ok(shown))),
    );
    app
}

#[test]
fn the_plan_shows_its_day_hash_rules_items_and_who_is_awaited() {
    let app = on_plan(Lang::Ja, plan(&[], &["it_officer", "supervisor"], 3));
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("2026-12-02 の計画：消去 3 件"), "{text}");
    assert!(text.contains("9f2c41d0 7a3be655"), "{text}");
    assert!(text.contains("未承認"), "{text}");
    assert!(text.contains("承認待ち：情報システム、所属長"), "{text}");
    assert!(text.contains("地方税法第17条の5"), "{text}");
    assert!(text.contains("kept: archived by procedure"), "{text}");
    assert!(
        text.contains("1000000300") && text.contains("住民"),
        "{text}"
    );
    insta::assert_snapshot!("retention_plan_ja", draw(&app, 100, 30).backend());
    let app = on_plan(
        Lang::En,
        plan(&[("joho01", "it_officer")], &["supervisor"], 3),
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Approved by: joho01 (IT officer)"), "{text}");
    assert!(
        text.contains("Awaiting the approval of: supervisor"),
        "{text}"
    );
    insta::assert_snapshot!("retention_plan_en", draw(&app, 100, 30).backend());
}

#[test]
fn f8_asks_then_approves_the_plan_of_the_hash_shown() {
    let mut app = on_plan(Lang::Ja, plan(&[], &["it_officer", "supervisor"], 3));
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::ApproveRetention { hash: HASH.into() })
    );
    let calls = review_calls(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(calls.as_slice(), [ReviewCall::ApproveRetention(h)] if h == HASH),
        "{calls:?}"
    );
    // While it is on its way, F8 again sends nothing.
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    update(
        &mut app,
        Action::Review(ReviewAnswer::RetentionApproved(Ok(plan(
            &[("joho01", "it_officer")],
            &["supervisor"],
            3,
        )))),
    );
    assert_eq!(status_text(&app), app.i18n.t("retention.approved_awaiting"));
    // Approved once: F8 says so and asks nothing.
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(app.pending(), None);
    assert_eq!(status_text(&app), app.i18n.t("retention.already_approved"));
}

#[test]
fn a_plan_that_changed_is_said_and_read_again_and_an_empty_one_asks_nothing() {
    let mut app = on_plan(Lang::En, plan(&[], &["it_officer", "supervisor"], 2));
    press(&mut app, KeyCode::F(8));
    review_calls(press(&mut app, KeyCode::Enter));
    let effects = update(
        &mut app,
        Action::Review(ReviewAnswer::RetentionApproved(Err(Failure::service(
            ErrorCode::RetentionPlanChanged,
            409,
            "the plan changed",
        )))),
    );
    assert!(
        matches!(
            review_calls(effects).as_slice(),
            [ReviewCall::RetentionPlan]
        ),
        "the current plan is read again"
    );
    assert!(
        status_text(&app).contains("changed"),
        "{}",
        status_text(&app)
    );

    let mut app = on_plan(Lang::En, plan(&[], &["it_officer", "supervisor"], 0));
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("Nothing is due for erasure today"), "{text}");
    assert!(review_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(app.pending(), None);
}

#[test]
fn a_clerk_has_no_erasure_plan_tab() {
    let mut app = new_app(Lang::En, false);
    log_in_as(&mut app, session(Department::Assessment));
    let tabs = crate::tui::screens::tabs::tabs_of(app.session.as_ref());
    assert!(!tabs.contains(&Tab::Retention), "{tabs:?}");
}
