//! The grants tab against a real service: a supervisor requests a grant
//! from the tab, an IT officer applies it (the service then holds it
//! active), extends the department's grants, revokes one and refuses
//! another, each after a question; a refusal of the service is shown in
//! its own words, and the form stays.

use crossterm::event::KeyCode;

use super::live::Live;
use super::*;
use crate::api::grant::GrantView;
use crate::client::ApiClient;
use crate::tui::screens::tabs::Tab;
use crate::tui::status::Note;

/// The status line's text in the app's language.
pub(super) fn status_text(app: &App) -> String {
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

/// The work screen opened (F6) and Tab pressed until `tab` shows, its
/// calls run against the service.
pub(super) async fn open_tab(app: &mut App, client: &ApiClient, tab: Tab) {
    let effects = update(app, Action::Run(Command::WorkList));
    Live::drive(app, client, effects).await;
    for _ in 0..Tab::ALL.len() {
        let showing = app
            .grants()
            .map(|_| Tab::Grants)
            .or(app.audit().map(|a| a.tab()));
        if showing == Some(tab) {
            return;
        }
        let effects = update(app, Action::Run(Command::NextTab));
        Live::drive(app, client, effects).await;
    }
    panic!("no {tab:?} tab");
}

/// `user` logged in at a fresh terminal app on the grants tab.
async fn on_grants(live: &Live, user: &str, lang: Lang) -> (App, ApiClient) {
    let (client, login) = live.login(user).await;
    let mut app = new_app(lang, false);
    log_in_as(&mut app, login.session);
    open_tab(&mut app, &client, Tab::Grants).await;
    (app, client)
}

/// The grant of `user` that has an expiry (not the account's own), as
/// the service holds it now.
async fn requested_of(client: &ApiClient, user: &str) -> GrantView {
    client
        .grants()
        .await
        .expect("grants")
        .grants
        .into_iter()
        .find(|g| g.user_id == user && g.until.is_some())
        .expect("the grant requested")
}

/// Selects the first grant of the list whose user and state are these.
fn select(app: &mut App, user: &str, status: &str) {
    let at = app
        .grants()
        .and_then(|s| {
            s.grants
                .iter()
                .position(|g| g.user_id == user && g.status == status)
        })
        .unwrap_or_else(|| panic!("no {status} grant of {user}"));
    press(app, KeyCode::Home);
    for _ in 0..at {
        press(app, KeyCode::Down);
    }
}

/// The request form filled in: user, the role left at its first choice,
/// no start (now), the expiry, the reason.
fn fill_request(app: &mut App, user: &str, until: &str, reason: &str) {
    assert!(press(app, KeyCode::F(4)).is_empty());
    assert!(app.grants().is_some_and(|g| g.form.is_some()));
    type_text(app, user);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    type_text(app, until);
    press(app, KeyCode::Tab);
    type_text(app, reason);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_the_tab_applied_by_the_it_officer_is_active_at_the_service() {
    let live = Live::start().await;
    let (mut sup, shunin) = on_grants(&live, "shunin01", Lang::Ja).await;
    let text = screen_text(&draw(&sup, 120, 24));
    assert!(
        text.contains("権限の付与") && text.contains("kazei01"),
        "{text}"
    );

    // Longer than a grant may run: the service's own words, the form kept.
    fill_request(&mut sup, "kazei02", "2031-12-31", "繁忙期の応援");
    press(&mut sup, KeyCode::F(8));
    assert_eq!(
        sup.pending(),
        Some(&PendingAction::RequestGrant {
            user: "kazei02".into()
        })
    );
    let effects = press(&mut sup, KeyCode::Enter);
    Live::drive(&mut sup, &shunin, effects).await;
    assert!(
        status_text(&sup).contains("a grant may run at most 366 days"),
        "{}",
        status_text(&sup)
    );
    assert!(sup.grants().is_some_and(|g| g.form.is_some()));

    // Within the limit: sent, listed as requested.
    press(&mut sup, KeyCode::Esc);
    fill_request(&mut sup, "kazei02", "2030-03-31", "繁忙期の応援");
    insta::assert_snapshot!("grants_request_form_ja", draw(&sup, 100, 24).backend());
    press(&mut sup, KeyCode::F(8));
    let effects = press(&mut sup, KeyCode::Enter);
    Live::drive(&mut sup, &shunin, effects).await;
    assert_eq!(
        status_text(&sup),
        "kazei02 の権限を申請しました。情報システム担当が適用します"
    );
    let first = &sup.grants().expect("grants tab").grants[0];
    assert_eq!(
        (first.user_id.as_str(), first.status.as_str()),
        ("kazei02", "requested")
    );
    insta::assert_snapshot!("grants_supervisor_ja", draw(&sup, 120, 24).backend());
    // A supervisor has no apply key: F8 says who may.
    assert!(press(&mut sup, KeyCode::F(8)).is_empty());
    assert_eq!(sup.pending(), None);
    assert!(status_text(&sup).contains("情報システム担当だけ"));

    // The IT officer applies it.
    let (mut it, joho) = on_grants(&live, "joho01", Lang::En).await;
    select(&mut it, "kazei02", "requested");
    press(&mut it, KeyCode::F(8));
    let id = requested_of(&joho, "kazei02").await.id;
    assert_eq!(
        it.pending(),
        Some(&PendingAction::ApplyGrant {
            id: id.clone(),
            user: "kazei02".into()
        })
    );
    let effects = press(&mut it, KeyCode::Enter);
    Live::drive(&mut it, &joho, effects).await;
    assert_eq!(status_text(&it), "Grant of kazei02 applied");
    let applied = requested_of(&joho, "kazei02").await;
    assert_eq!(applied.status, "active");
    assert_eq!(applied.decided_by.as_deref(), Some("joho01"));
    insta::assert_snapshot!("grants_it_officer_en", draw(&it, 120, 24).backend());

    // The assessment department's grants extended to a later expiry.
    assert!(press(&mut it, KeyCode::F(7)).is_empty());
    press(&mut it, KeyCode::Left);
    press(&mut it, KeyCode::Left);
    press(&mut it, KeyCode::Tab);
    type_text(&mut it, "2030-06-30");
    press(&mut it, KeyCode::Tab);
    type_text(&mut it, "fiscal year end");
    press(&mut it, KeyCode::F(8));
    assert_eq!(
        it.pending(),
        Some(&PendingAction::ExtendGrants {
            department: "assessment".into(),
            until: "2030-06-30".into()
        })
    );
    let effects = press(&mut it, KeyCode::Enter);
    Live::drive(&mut it, &joho, effects).await;
    assert_eq!(status_text(&it), "1 grants extended");
    let extended = requested_of(&joho, "kazei02").await;
    assert!(
        extended
            .until
            .as_deref()
            .is_some_and(|u| u.starts_with("2030-06-30")),
        "{extended:?}"
    );

    // Revoked with a reason (asked in the question).
    select(&mut it, "kazei02", "active");
    press(&mut it, KeyCode::F(5));
    type_text(&mut it, "moved to collections");
    let effects = press(&mut it, KeyCode::Enter);
    Live::drive(&mut it, &joho, effects).await;
    assert_eq!(status_text(&it), "Grant of kazei02 revoked");
    let revoked = requested_of(&joho, "kazei02").await;
    assert_eq!(revoked.status, "revoked");
    assert_eq!(revoked.end_reason.as_deref(), Some("moved to collections"));

    // Another request, refused with a reason.
    fill_request(&mut sup, "kazei03", "2030-03-31", "応援");
    press(&mut sup, KeyCode::F(8));
    let effects = press(&mut sup, KeyCode::Enter);
    Live::drive(&mut sup, &shunin, effects).await;
    let effects = press(&mut it, KeyCode::F(6));
    Live::drive(&mut it, &joho, effects).await;
    select(&mut it, "kazei03", "requested");
    press(&mut it, KeyCode::F(9));
    type_text(&mut it, "not needed");
    let effects = press(&mut it, KeyCode::Enter);
    Live::drive(&mut it, &joho, effects).await;
    assert_eq!(status_text(&it), "Request for kazei03 refused");
    assert_eq!(requested_of(&joho, "kazei03").await.status, "refused");
    // Revoking a refused grant is not offered.
    select(&mut it, "kazei03", "refused");
    assert!(press(&mut it, KeyCode::F(5)).is_empty());
    assert_eq!(it.pending(), None);
    assert!(status_text(&it).contains("refused"), "{}", status_text(&it));
}

#[test]
fn a_clerk_has_neither_grants_nor_audit_tabs() {
    let clerk = session(Department::Assessment);
    let tabs = crate::tui::screens::tabs::tabs_of(Some(&clerk));
    for tab in [Tab::Grants, Tab::Audit, Tab::Analyses] {
        assert!(!tabs.contains(&tab), "{tabs:?}");
    }
}
