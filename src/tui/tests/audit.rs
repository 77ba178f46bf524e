//! The access log and analyses tabs against a real service: the filter
//! narrows the rows, PageDown and PageUp walk pages by the service's
//! cursor and come back to the same rows, an analysis lists its findings
//! and Enter on one shows exactly the rows behind it, and a report is
//! saved to a new file (or refused in the service's words).

use crossterm::event::KeyCode;

use super::grants::{open_tab, status_text};
use super::live::Live;
use super::*;
use crate::api::AuditRow;
use crate::tui::audit_call::PAGE_ROWS;
use crate::tui::screens::tabs::Tab;

fn rows(app: &App) -> &[AuditRow] {
    app.audit()
        .and_then(|a| a.rows_screen())
        .map(|r| r.rows.as_slice())
        .unwrap_or_default()
}

fn seqs(app: &App) -> Vec<i64> {
    rows(app).iter().map(|r| r.seq).collect()
}

/// A key whose calls run against the service.
async fn key(app: &mut App, client: &crate::client::ApiClient, code: KeyCode) {
    let effects = press(app, code);
    Live::drive(app, client, effects).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_by_the_cursor_and_come_back_to_the_same_rows() {
    let live = Live::start().await;
    let (shunin, _) = live.login("shunin01").await;
    let looks = futures::future::join_all((0..120).map(|_| shunin.grants())).await;
    assert!(looks.iter().all(Result::is_ok));
    let theirs = live
        .store
        .audit_tail(1_000)
        .expect("tail")
        .iter()
        .filter(|r| r.entry.user_id == "shunin01")
        .count();
    assert!(theirs > 2 * PAGE_ROWS, "{theirs}");

    let (kansa, login) = live.login("kansa01").await;
    let mut app = new_app(Lang::Ja, false);
    log_in_as(&mut app, login.session);
    open_tab(&mut app, &kansa, Tab::Audit).await;
    assert_eq!(rows(&app).len(), PAGE_ROWS, "the newest page of everything");

    // The filter: shunin01's rows only.
    assert!(press(&mut app, KeyCode::F(4)).is_empty());
    type_text(&mut app, "shunin01");
    key(&mut app, &kansa, KeyCode::Enter).await;
    assert!(rows(&app).iter().all(|r| r.user_id == "shunin01"));
    insta::assert_snapshot!("audit_rows_ja", draw(&app, 120, 24).backend());

    let first = seqs(&app);
    key(&mut app, &kansa, KeyCode::PageDown).await;
    let second = seqs(&app);
    key(&mut app, &kansa, KeyCode::PageDown).await;
    let third = seqs(&app);
    assert_eq!(first.len(), PAGE_ROWS);
    assert_eq!(second.len(), PAGE_ROWS);
    assert_eq!(first.len() + second.len() + third.len(), theirs);
    let all: Vec<i64> = [first.clone(), second.clone(), third.clone()].concat();
    assert!(
        all.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    // The last page: PageDown asks nothing and says so.
    assert!(press(&mut app, KeyCode::PageDown).is_empty());
    assert_eq!(status_text(&app), "これが最も古いページです");

    key(&mut app, &kansa, KeyCode::PageUp).await;
    assert_eq!(seqs(&app), second);
    key(&mut app, &kansa, KeyCode::PageUp).await;
    assert_eq!(seqs(&app), first);
    assert!(press(&mut app, KeyCode::PageUp).is_empty());
    assert_eq!(status_text(&app), "これが最も新しいページです");

    // In English, and a bad filter field is named before anything is asked.
    let mut en = new_app(Lang::En, false);
    let (kansa, login) = live.login("kansa01").await;
    log_in_as(&mut en, login.session);
    open_tab(&mut en, &kansa, Tab::Audit).await;
    press(&mut en, KeyCode::F(4));
    type_text(&mut en, "shunin01");
    press(&mut en, KeyCode::Tab);
    type_text(&mut en, "12");
    assert!(press(&mut en, KeyCode::Enter).is_empty());
    assert_eq!(
        status_text(&en),
        "The person is not a 10-digit person number"
    );
    press(&mut en, KeyCode::Backspace);
    press(&mut en, KeyCode::Backspace);
    key(&mut en, &kansa, KeyCode::Enter).await;
    insta::assert_snapshot!("audit_rows_en", draw(&en, 120, 24).backend());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_finding_shows_exactly_its_rows_and_reports_are_saved() {
    let live = Live::start().await;
    // A clerk asks three times for what only supervisors may read.
    let (kazei, _) = live.login("kazei01").await;
    for _ in 0..3 {
        assert!(kazei.grants().await.is_err());
    }

    let (kansa, login) = live.login("kansa01").await;
    let reports = tempfile::tempdir().expect("reports dir");
    let mut app = new_app(Lang::Ja, false);
    app.reports_dir = reports.path().to_path_buf();
    log_in_as(&mut app, login.session);
    open_tab(&mut app, &kansa, Tab::Analyses).await;
    for _ in 0..5 {
        press(&mut app, KeyCode::Down);
    }
    key(&mut app, &kansa, KeyCode::Enter).await;
    let findings = app
        .audit()
        .and_then(|a| a.analyses_screen())
        .and_then(|s| s.findings.clone())
        .expect("findings");
    assert_eq!(findings.kind, "refused");
    let finding = findings
        .findings
        .iter()
        .find(|f| f.user.as_deref() == Some("kazei01"))
        .cloned()
        .unwrap_or_else(|| panic!("the clerk's refusals: {findings:?}"));
    let text = screen_text(&draw(&app, 120, 24));
    assert!(
        text.contains("拒否された操作") && text.contains("kazei01"),
        "{text}"
    );
    insta::assert_snapshot!("analyses_refused_ja", draw(&app, 120, 24).backend());

    // A CSV report in a new file; a PDF needs the service's print font.
    assert!(press(&mut app, KeyCode::F(5)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::SaveReport {
            kind: "refused".into(),
            format: "csv".into()
        })
    );
    key(&mut app, &kansa, KeyCode::Enter).await;
    let saved = reports.path().join("audit-refused.csv");
    assert!(
        status_text(&app).contains("audit-refused.csv"),
        "{}",
        status_text(&app)
    );
    let csv = std::fs::read_to_string(&saved).expect("the report");
    assert!(csv.contains("kazei01"), "{csv}");
    press(&mut app, KeyCode::F(7));
    key(&mut app, &kansa, KeyCode::Enter).await;
    assert!(
        status_text(&app).contains("print font"),
        "{}",
        status_text(&app)
    );

    // Enter on the finding: the access log tab, filtered to its rows.
    press(&mut app, KeyCode::Right);
    let at = findings
        .findings
        .iter()
        .position(|f| *f == finding)
        .expect("listed");
    for _ in 0..at {
        press(&mut app, KeyCode::Down);
    }
    key(&mut app, &kansa, KeyCode::Enter).await;
    assert_eq!(app.audit().map(|a| a.tab()), Some(Tab::Audit));
    let shown = rows(&app);
    assert_eq!(shown.len() as i64, finding.rows, "{shown:?}");
    assert!(shown.iter().all(|r| r.user_id == "kazei01"
        && r.outcome.as_str() == "denied"
        && (finding.first_seq..=finding.last_seq).contains(&r.seq)));
    assert_eq!(
        app.audit().and_then(|a| a.rows_screen()).map(|r| &r.filter),
        Some(&finding.filter)
    );

    // The analyses in English.
    let (kansa, login) = live.login("kansa01").await;
    let mut en = new_app(Lang::En, false);
    log_in_as(&mut en, login.session);
    open_tab(&mut en, &kansa, Tab::Analyses).await;
    for _ in 0..5 {
        press(&mut en, KeyCode::Down);
    }
    key(&mut en, &kansa, KeyCode::Enter).await;
    insta::assert_snapshot!("analyses_refused_en", draw(&en, 120, 24).backend());
}
