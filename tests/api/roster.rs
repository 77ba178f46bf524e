//! Roster reconciliation: the HR roster posted as CSV is compared with the
//! grants in force (who left, who is on leave, who moved, whose account is
//! not on the roster); a malformed one names its bad lines and changes
//! nothing; one confirmed revocation ends every finding's grant, and the
//! sessions of their holders at their next request; a stale one is refused.

use bansho::api::roster::{FindingReason, ReconciliationView};
use bansho::client::{ApiClient, RosterAnswer};
use bansho::domain::roles::Department;
use bansho::server::clock::Clock;
use bansho::store::GrantStore;
use reqwest::Method;
use serde_json::json;

use crate::common::app::*;

/// Every kind of finding, two who are fine, and someone without an account.
pub const GOOD_ROSTER: &str = "staff_id,name,department,status\r\n\
kazei01,名簿 一郎,assessment,left\r\n\
kazei02,名簿 二郎,課税課,在職\r\n\
nozei01,名簿 花子,collections,leave\r\n\
shunin01,名簿 健,collections,active\r\n\
joho01,名簿 守,information_systems,active\r\n\
kansa01,名簿 正,監査部門,在職\r\n\
hr9999,名簿 新人,assessment,active\r\n";

const BROKEN_ROSTER: &str = "職員番号,氏名,所属,在籍区分\n\
kazei01,山田 太郎,課税課,退職\n\
kazei02,田中 次郎,総務課,在職\n\
nozei01,,納税課,休職\n\
kazei01,山田 太郎,課税課,在職\n\
shunin01,鈴木 健,課税課,転籍\n";

pub async fn reconcile(it: &ApiClient, csv: &str) -> ReconciliationView {
    match it.reconcile_roster(csv.as_bytes().to_vec()).await {
        Ok(RosterAnswer::Reconciled(view)) => view,
        other => panic!("not reconciled: {other:?}"),
    }
}

/// The latest reconciliation, if any.
async fn latest(it: &ApiClient) -> Option<ReconciliationView> {
    it.latest_reconciliation()
        .await
        .expect("latest")
        .reconciliation
}

fn reasons(view: &ReconciliationView) -> Vec<(&str, FindingReason)> {
    view.findings
        .iter()
        .map(|f| (f.user_id.as_str(), f.reason))
        .collect()
}

/// The bytes of the store's files (the write-ahead log included).
fn store_bytes(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(app.dir.path()).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("bansho.db") {
            bytes.extend(std::fs::read(entry.path()).unwrap_or_default());
        }
    }
    bytes
}

#[tokio::test]
async fn a_roster_finds_who_left_is_on_leave_moved_or_is_missing_and_keeps_no_name() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let view = reconcile(&it, GOOD_ROSTER).await;
    assert_eq!(
        reasons(&view),
        [
            ("kazei01", FindingReason::Left),
            ("kazei03", FindingReason::NotOnRoster),
            (MISFIT, FindingReason::NotOnRoster),
            ("nozei01", FindingReason::OnLeave),
            ("shunin01", FindingReason::Moved),
        ]
    );
    let moved = &view.findings[4];
    assert_eq!(moved.department, Department::Assessment);
    assert_eq!(moved.roster_department, Some(Department::Collections));
    let grant = app
        .store
        .active_grant(SUPERVISOR, app.clock.now())
        .expect("store")
        .expect("the supervisor's grant");
    assert_eq!(moved.grant_id, grant.id);
    assert_eq!(view.lines, 7);
    assert_eq!(view.revocable, 5);
    assert!(view.latest);
    assert_eq!(view.made_by, IT);
    assert_eq!(
        view.roster_sha256,
        bansho::server::roster::sha256_hex(GOOD_ROSTER.as_bytes())
    );

    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.action, "roster_reconcile");
    assert_eq!(row.entry.outcome, "ok");
    assert_eq!(
        row.entry.detail,
        format!(
            "reconciliation={};sha256={};lines=7;findings=5",
            view.id, view.roster_sha256
        )
    );
    // The latest reads back the same, and its reading is logged.
    assert_eq!(latest(&it).await.as_ref(), Some(&view));
    assert_eq!(app.audit_tail(1)[0].entry.action, "roster_view");
    // No name from the roster is kept anywhere in the store.
    let stored = store_bytes(&app);
    for name in ["名簿", "hr9999"] {
        assert!(
            !stored.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} is in the store"
        );
    }
}

#[tokio::test]
async fn a_broken_roster_names_its_bad_lines_stores_nothing_and_changes_no_grant() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let clerk = app.login(CLERK).await;
    let answer = it
        .reconcile_roster(BROKEN_ROSTER.as_bytes().to_vec())
        .await
        .expect("answer");
    let RosterAnswer::Refused(refusal) = answer else {
        panic!("accepted: {answer:?}");
    };
    let lines: Vec<(u64, &str)> = refusal
        .bad_lines
        .iter()
        .map(|b| (b.line, b.code.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (3, "unknown_department"),
            (4, "missing_field"),
            (5, "duplicate_staff_id"),
            (6, "unknown_status"),
        ]
    );
    assert_eq!(refusal.more, 0);
    assert!(
        refusal.error.message.contains("4 bad lines"),
        "{}",
        refusal.error.message
    );
    assert_eq!(
        refusal.bad_lines[2].message,
        "the staff_id is on line 2 already"
    );
    // Nothing stored but the refusal's row; the clerk works on.
    assert_eq!(latest(&it).await, None);
    let refused = app
        .audit_tail(10)
        .into_iter()
        .find(|r| r.entry.action == "roster_reconcile")
        .expect("the refusal's row");
    assert_eq!(refused.entry.outcome, "invalid");
    assert!(
        refused.entry.detail.ends_with(";bad_lines=4"),
        "{}",
        refused.entry.detail
    );
    assert!(clerk.session().await.is_ok());

    // Many bad lines: fifty named, the rest counted.
    let mut many = String::from("staff_id,name,department,status\n");
    for n in 0..70 {
        many.push_str(&format!("k{n},x,nowhere,active\n"));
    }
    let Ok(RosterAnswer::Refused(refusal)) = it.reconcile_roster(many.into_bytes()).await else {
        panic!("accepted");
    };
    assert_eq!((refusal.bad_lines.len(), refusal.more), (50, 20));
}

#[tokio::test]
async fn the_roster_is_sent_as_csv_within_the_limit_that_the_refusal_names() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let (status, body, _) = it
        .raw(
            Method::POST,
            "/admin/roster/reconciliations",
            Some(GOOD_ROSTER.into()),
        )
        .await
        .expect("raw");
    assert_eq!(status, 415, "{body}");
    assert!(body.contains("text/csv"), "{body}");
    let big = format!(
        "{GOOD_ROSTER}{}",
        "kazei99,x,assessment,active\n".repeat(40_000)
    );
    let error = it
        .reconcile_roster(big.into_bytes())
        .await
        .expect_err("too large");
    assert_eq!(error.status(), Some(413));
    assert!(error.to_string().contains("1024 KiB"), "{error}");
}

#[tokio::test]
async fn one_confirmed_revocation_ends_the_findings_grants_and_their_sessions() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let leaver = app.login(CLERK).await;
    let fine = app.login("kazei02").await;
    let view = reconcile(&it, GOOD_ROSTER).await;
    let path = format!("/admin/roster/reconciliations/{}/revoke", view.id);
    // An unknown field is refused.
    let (status, _, _) = it
        .raw(
            Method::POST,
            &path,
            Some(json!({"confirm": 5, "all": true}).to_string()),
        )
        .await
        .expect("raw");
    assert_eq!(status, 400);

    let after = it.revoke_findings(&view.id, 5).await.expect("revoked");
    assert_eq!(after.revoked, Some(5));
    assert_eq!(after.revoked_by.as_deref(), Some(IT));
    assert_eq!(after.revocable, 0);
    assert!(after.findings.iter().all(|f| f.status == "revoked"));
    let rows = app.audit_tail(6);
    assert_eq!(rows[0].entry.action, "roster_revoke");
    assert_eq!(
        rows[0].entry.detail,
        format!("reconciliation={};revoked=5", view.id)
    );
    assert!(rows[1..].iter().all(|r| r.entry.action == "grant_revoke"));
    // The leaver's session ends at its next request; the others' do not.
    let ended = leaver.session().await.expect_err("ended");
    assert_eq!(ended.status(), Some(401));
    assert!(fine.session().await.is_ok());
    assert!(app.try_login(CLERK).await.is_err());
    // Once only.
    let again = it.revoke_findings(&view.id, 0).await.expect_err("again");
    assert_eq!(again.status(), Some(409));
}

#[tokio::test]
async fn a_stale_revocation_is_refused_and_revokes_nothing() {
    let app = spawn_app().await;
    let it = app.login(IT).await;
    let first = reconcile(&it, GOOD_ROSTER).await;
    // The count seen differs from what would be revoked.
    let wrong = it.revoke_findings(&first.id, 4).await.expect_err("count");
    assert_eq!(wrong.status(), Some(409));
    assert!(wrong.to_string().contains("5 grants"), "{wrong}");
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("roster_revoke", "denied")
    );
    assert!(
        row.entry.detail.starts_with("stale_reconciliation;"),
        "{}",
        row.entry.detail
    );
    // A newer reconciliation makes the first stale.
    let second = reconcile(&it, GOOD_ROSTER).await;
    let stale = it.revoke_findings(&first.id, 5).await.expect_err("stale");
    assert_eq!(stale.status(), Some(409));
    assert!(stale.to_string().contains("newer"), "{stale}");
    let newest = latest(&it).await.expect("one");
    assert_eq!(newest.id, second.id);
    assert_eq!((newest.revocable, newest.revoked), (5, None));
    assert!(app.login(CLERK).await.session().await.is_ok());
    let unknown = it
        .revoke_findings(&"0".repeat(32), 0)
        .await
        .expect_err("unknown");
    assert_eq!(unknown.status(), Some(404));
}

#[tokio::test]
async fn only_an_it_officer_reconciles_and_the_refusal_is_logged() {
    let app = spawn_app().await;
    let supervisor = app.login(SUPERVISOR).await;
    let error = supervisor
        .reconcile_roster(GOOD_ROSTER.as_bytes().to_vec())
        .await
        .expect_err("refused");
    assert_eq!(error.status(), Some(403));
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("roster_reconcile", "denied")
    );
    let it = app.login(IT).await;
    assert_eq!(latest(&it).await, None);
    // The IT officer's own grant is a finding (not on this roster) but not
    // theirs to revoke: another IT officer or the console does that.
    let view = reconcile(
        &it,
        "staff_id,name,department,status\nkazei01,x,assessment,active\n",
    )
    .await;
    let own = view
        .findings
        .iter()
        .find(|f| f.user_id == IT)
        .expect("the IT officer's grant");
    assert!(!own.revocable);
    assert_eq!(view.revocable, view.findings.len() - 1);
}
