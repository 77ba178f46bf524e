//! Reviewing the access log through the service: filtered pages by cursor,
//! the department limit of supervisors, the ready-made analyses on planted
//! rows (each finding's rows found again through its filter), and reports
//! that carry no name or My Number and are logged before they are handed
//! out.

use std::collections::BTreeMap;

use bansho::api::{AuditFinding, AuditFindings, AuditPage};
use bansho::client::ApiClient;
use bansho::domain::audit_event::{Action, Outcome};
use bansho::server::clock::Clock;
use bansho::store::AuditEntry;
use bansho::store::prelude::*;
use reqwest::Method;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

use crate::common::app::*;

const SHARED: &str = "counter-09";

/// A week of office life, planted straight into the log (one commit per
/// row, so each keeps its time), from the first Monday after the log's
/// last row. The clock is then set after it all.
struct Planted {
    /// Monday of the planted week.
    monday: Date,
}

impl Planted {
    fn at(&self, days: i64, hour: u8, minute: u8) -> OffsetDateTime {
        (self.monday + Duration::days(days))
            .with_time(Time::from_hms(hour, minute, 0).expect("time"))
            .assume_offset(UtcOffset::from_hms(9, 0, 0).expect("offset"))
    }

    fn from(&self) -> String {
        self.monday.to_string()
    }

    fn to(&self) -> String {
        (self.monday + Duration::days(9)).to_string()
    }
}

#[allow(clippy::too_many_arguments)]
fn plant(
    app: &TestApp,
    at: OffsetDateTime,
    user: &str,
    terminal: &str,
    action: Action,
    outcome: Outcome,
    subjects: &[&str],
    detail: &str,
    sensitive: bool,
) {
    let entry = AuditEntry {
        at,
        user_id: user.into(),
        terminal: terminal.into(),
        action,
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        query_hmac: None,
        purpose: "assessment".into(),
        outcome,
        detail: detail.into(),
        sensitive,
    };
    app.store
        .append_audit(&app.keys.audit_chain_key(), &[entry])
        .expect("plant");
}

fn view(app: &TestApp, at: OffsetDateTime, user: &str, person: &str) {
    plant(
        app,
        at,
        user,
        TERMINAL,
        Action::View,
        Outcome::Ok,
        &[person],
        "",
        false,
    );
}

fn plant_week(app: &TestApp) -> Planted {
    let last = app.audit_tail(1)[0]
        .entry
        .at
        .to_offset(UtcOffset::from_hms(9, 0, 0).unwrap());
    let mut monday = last.date() + Duration::days(1);
    while monday.weekday() != time::Weekday::Monday {
        monday += Duration::days(1);
    }
    let p = Planted { monday };
    // kazei02's usual day: 5 views, seven business days running; then 60.
    for (k, day) in [0, 1, 2, 3, 4, 7, 8].into_iter().enumerate() {
        for i in 0..5 {
            view(
                app,
                p.at(day, 10, (k * 5 + i) as u8),
                "kazei02",
                Known::YAMAZAKI,
            );
        }
    }
    // Tuesday of the second week: the rest of the office.
    let tue = 8;
    // A login at 23:00.
    plant(
        app,
        p.at(tue, 11, 0),
        "kazei01",
        TERMINAL,
        Action::Reveal,
        Outcome::Ok,
        &[Known::TAKAHASHI],
        "reason=counter",
        false,
    );
    plant(
        app,
        p.at(tue, 11, 5),
        "kazei01",
        TERMINAL,
        Action::View,
        Outcome::Ok,
        &[Known::PROTECTED],
        "",
        true,
    );
    for i in 0..3 {
        plant(
            app,
            p.at(tue, 11, 10 + i),
            "nozei01",
            TERMINAL,
            Action::Reveal,
            Outcome::Denied,
            &[Known::TAKAHASHI],
            "forbidden",
            false,
        );
    }
    // A refusal whose free text holds a My Number: a report masks it.
    plant(
        app,
        p.at(tue, 11, 20),
        "nozei01",
        TERMINAL,
        Action::Search,
        Outcome::Denied,
        &[],
        &format!("reason={}", Known::TAKAHASHI_MY_NUMBER),
        false,
    );
    for (i, user) in ["kazei01", "kazei02", "kazei03", "nozei01", "shunin01"]
        .into_iter()
        .enumerate()
    {
        plant(
            app,
            p.at(tue, 13, i as u8),
            user,
            SHARED,
            Action::Login,
            Outcome::Ok,
            &[],
            "",
            false,
        );
    }
    // A view with no work after it, and one with keying the same day.
    view(app, p.at(tue, 14, 0), "kazei01", Known::YAMAZAKI);
    view(app, p.at(tue, 14, 5), "kazei01", Known::DECEASED);
    plant(
        app,
        p.at(tue, 14, 10),
        "kazei01",
        TERMINAL,
        Action::EntryStart,
        Outcome::Ok,
        &[Known::DECEASED],
        "entry=e1;state=keying",
        false,
    );
    plant(
        app,
        p.at(tue, 23, 0),
        "kazei03",
        TERMINAL,
        Action::Login,
        Outcome::Ok,
        &[],
        "",
        false,
    );
    // Wednesday: 60 views, twelve times kazei02's usual.
    for i in 0..60 {
        view(
            app,
            p.at(9, 10, 0) + Duration::seconds(i),
            "kazei02",
            Known::YAMAZAKI,
        );
    }
    app.clock.set(p.at(10, 9, 0));
    p
}

async fn get(client: &ApiClient, path: &str) -> (u16, String) {
    let (status, text, _) = client.raw(Method::GET, path, None).await.expect("request");
    (status, text)
}

async fn page(client: &ApiClient, query: &str) -> AuditPage {
    let (status, text) = get(client, &format!("/audit/rows?{query}")).await;
    assert_eq!(status, 200, "{query}: {text}");
    serde_json::from_str(&text).expect("page")
}

async fn analysis(client: &ApiClient, kind: &str, p: &Planted) -> Vec<AuditFinding> {
    let path = format!("/audit/analyses/{kind}?from={}&to={}", p.from(), p.to());
    let (status, text) = get(client, &path).await;
    assert_eq!(status, 200, "{kind}: {text}");
    let found: AuditFindings = serde_json::from_str(&text).expect("findings");
    assert_eq!(found.kind, kind);
    found.findings
}

fn query_of(filter: &BTreeMap<String, String>) -> String {
    filter
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every row behind `finding`, paged through with its filter.
async fn rows_behind(client: &ApiClient, finding: &AuditFinding) -> Vec<i64> {
    let mut seqs = Vec::new();
    let mut before = String::new();
    loop {
        let page = page(
            client,
            &format!("{}&limit=50{before}", query_of(&finding.filter)),
        )
        .await;
        seqs.extend(page.rows.iter().map(|r| r.seq));
        match page.next_before {
            Some(seq) => before = format!("&before={seq}"),
            None => return seqs,
        }
    }
}

async fn check_rows_behind(client: &ApiClient, findings: &[AuditFinding]) {
    for f in findings {
        let seqs = rows_behind(client, f).await;
        assert_eq!(seqs.len() as i64, f.rows, "{f:?}");
        assert_eq!(seqs.first().copied(), Some(f.last_seq), "{f:?}");
        assert_eq!(seqs.last().copied(), Some(f.first_seq), "{f:?}");
    }
}

fn one(findings: &[AuditFinding], what: impl Fn(&AuditFinding) -> bool) -> &AuditFinding {
    let matching: Vec<&AuditFinding> = findings.iter().filter(|f| what(f)).collect();
    assert_eq!(matching.len(), 1, "{findings:#?}");
    matching[0]
}

fn user_is(f: &AuditFinding, user: &str) -> bool {
    f.user.as_deref() == Some(user)
}

#[tokio::test]
async fn each_analysis_finds_what_was_planted_and_links_to_its_rows() {
    let app = spawn_app().await;
    let p = plant_week(&app);
    let auditor = app.login(AUDITOR).await;

    let after = analysis(&auditor, "after_hours", &p).await;
    let late = one(&after, |f| user_is(f, "kazei03"));
    assert_eq!(late.rows, 1);
    assert!(!after.iter().any(|f| user_is(f, "kazei02")), "{after:#?}");
    check_rows_behind(&auditor, &after).await;

    let volume = analysis(&auditor, "volume", &p).await;
    let busy = one(&volume, |f| user_is(f, "kazei02"));
    assert_eq!((busy.rows, busy.baseline), (60, Some(5.0)));
    assert_eq!(volume.len(), 1, "{volume:#?}");
    check_rows_behind(&auditor, &volume).await;

    let unfollowed = analysis(&auditor, "no_follow_up", &p).await;
    one(&unfollowed, |f| {
        user_is(f, "kazei01") && f.person.as_deref() == Some(Known::YAMAZAKI)
    });
    assert!(
        !unfollowed
            .iter()
            .any(|f| f.person.as_deref() == Some(Known::DECEASED)),
        "the keyed person is followed up: {unfollowed:#?}"
    );
    check_rows_behind(&auditor, &unfollowed).await;

    let support = analysis(&auditor, "support_measure", &p).await;
    assert_eq!(one(&support, |f| user_is(f, "kazei01")).rows, 1);
    check_rows_behind(&auditor, &support).await;

    let reveals = analysis(&auditor, "my_number_reveals", &p).await;
    assert_eq!(one(&reveals, |f| user_is(f, "kazei01")).rows, 1);
    assert_eq!(one(&reveals, |f| user_is(f, "nozei01")).rows, 3);
    check_rows_behind(&auditor, &reveals).await;

    let refused = analysis(&auditor, "refused", &p).await;
    let forbidden = one(&refused, |f| {
        user_is(f, "nozei01") && f.reason.as_deref() == Some("forbidden")
    });
    assert_eq!(forbidden.rows, 3);
    check_rows_behind(&auditor, &refused).await;

    let shared = analysis(&auditor, "shared_terminals", &p).await;
    let terminal = one(&shared, |f| f.terminal.as_deref() == Some(SHARED));
    assert_eq!(terminal.users, 5);
    assert!(
        !shared
            .iter()
            .any(|f| f.terminal.as_deref() == Some(TERMINAL)),
        "{shared:#?}"
    );
    check_rows_behind(&auditor, &shared).await;

    // Each analysis wrote its row.
    let analyses = app
        .audit_tail(200)
        .into_iter()
        .filter(|r| r.entry.action == Action::AuditAnalysis && r.entry.user_id == AUDITOR)
        .count();
    assert_eq!(analyses, 7);

    let (status, text) = get(&auditor, "/audit/analyses/gossip").await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("after_hours"), "{text}");
}

#[tokio::test]
async fn filters_page_by_cursor_while_rows_are_appended() {
    let app = spawn_app().await;
    let p = plant_week(&app);
    let auditor = app.login(AUDITOR).await;

    let all = page(&auditor, "user=kazei02&limit=500").await;
    assert_eq!(all.rows.len(), 96, "95 views and a login");
    assert!(all.next_before.is_none());
    assert!(all.rows.iter().all(|r| r.user_id == "kazei02"));
    assert!(
        all.rows.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );

    let mut paged = Vec::new();
    let mut query = "user=kazei02&limit=20".to_string();
    loop {
        let page = page(&auditor, &query).await;
        paged.extend(page.rows.iter().map(|r| r.seq));
        // kazei02 goes on working meanwhile: newer rows never shift a page.
        view(&app, app.clock.now(), "kazei02", Known::YAMAZAKI);
        let Some(before) = page.next_before else {
            break;
        };
        query = format!("user=kazei02&limit=20&before={before}");
    }
    let expected: Vec<i64> = all.rows.iter().map(|r| r.seq).collect();
    assert_eq!(paged, expected);

    let about = page(
        &auditor,
        &format!("person={}&action=view,reveal&limit=500", Known::TAKAHASHI),
    )
    .await;
    assert_eq!(about.rows.len(), 4, "a reveal and three refused reveals");
    assert!(about.rows.iter().all(|r| r.subjects == [Known::TAKAHASHI]));
    let refused = page(&auditor, "outcome=denied&terminal=counter-01&limit=500").await;
    assert_eq!(refused.rows.len(), 4);
    let day = page(
        &auditor,
        &format!("from={0}&to={0}&sensitive=true", p.at(8, 0, 0).date()),
    )
    .await;
    assert_eq!(day.rows.len(), 1);

    // The query's own row: what was asked, the person as its subject.
    let row = app
        .audit_tail(50)
        .into_iter()
        .find(|r| r.entry.action == Action::AuditQuery && !r.entry.subjects.is_empty())
        .expect("the person query's row");
    assert_eq!(row.entry.subjects, [Known::TAKAHASHI]);
    assert!(
        row.entry.detail.contains("person=subject"),
        "{}",
        row.entry.detail
    );
    assert!(!row.entry.detail.contains(Known::TAKAHASHI));

    for (query, names) in [
        ("colour=red", "colour"),
        ("limit=501", "limit"),
        ("action=teleport", "teleport"),
        ("person=12", "person"),
        ("from=yesterday", "from"),
    ] {
        let (status, text) = get(&auditor, &format!("/audit/rows?{query}")).await;
        assert_eq!(status, 400, "{query}: {text}");
        assert!(text.contains(names), "{query}: {text}");
    }
}

#[tokio::test]
async fn a_supervisor_sees_only_their_department_and_a_clerk_nothing() {
    let app = spawn_app().await;
    let p = plant_week(&app);
    let supervisor = app.login(SUPERVISOR).await;
    let rows = page(&supervisor, "limit=500").await;
    assert!(!rows.rows.is_empty());
    for r in &rows.rows {
        assert!(
            ["kazei01", "kazei02", "kazei03", SUPERVISOR].contains(&r.user_id.as_str()),
            "{} is not of the assessment department",
            r.user_id
        );
    }
    assert!(page(&supervisor, "user=nozei01").await.rows.is_empty());
    let refused = analysis(&supervisor, "refused", &p).await;
    assert!(
        !refused.iter().any(|f| user_is(f, "nozei01")),
        "{refused:#?}"
    );
    let shared = analysis(&supervisor, "shared_terminals", &p).await;
    assert!(shared.is_empty(), "four of its users only: {shared:#?}");

    let clerk = app.login(CLERK).await;
    for path in [
        "/audit/rows",
        "/audit/analyses/after_hours",
        "/audit/reports/refused",
    ] {
        let (status, _) = get(&clerk, path).await;
        assert_eq!(status, 403, "{path}");
    }
}

#[tokio::test]
async fn a_report_carries_no_name_or_my_number_and_is_logged() {
    let app = spawn_app().await;
    let p = plant_week(&app);
    let auditor = app.login(AUDITOR).await;
    for kind in ["refused", "no_follow_up", "my_number_reveals"] {
        let path = format!(
            "/audit/reports/{kind}?from={}&to={}&format=csv",
            p.from(),
            p.to()
        );
        let (status, text, headers) = auditor.raw(Method::GET, &path, None).await.unwrap();
        assert_eq!(status, 200, "{text}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv"),
            "{headers:?}"
        );
        assert!(text.starts_with("kind,from,to,description"), "{text}");
        for resident in known_residents() {
            assert!(
                !text.contains(&resident.family_name),
                "{kind}: a name: {text}"
            );
            assert!(
                !text.contains(resident.my_number.expose()),
                "{kind}: a My Number: {text}"
            );
        }
        let row = &app.audit_tail(1)[0];
        assert_eq!(row.entry.action, Action::AuditReport);
        assert!(row.entry.detail.contains(&format!("analysis={kind}")));
    }
    let path = format!(
        "/audit/reports/no_follow_up?from={}&to={}",
        p.from(),
        p.to()
    );
    let (_, text) = get(&auditor, &path).await;
    assert!(
        text.contains(Known::YAMAZAKI),
        "person numbers stay: {text}"
    );

    // A PDF needs the print font; without it the refusal names the setting.
    let (status, text) = get(&auditor, &format!("{path}&format=pdf")).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("print.font"), "{text}");
    let (status, text) = get(&auditor, &format!("{path}&format=docx")).await;
    assert_eq!(status, 400, "{text}");
}

#[tokio::test]
async fn a_pdf_report_is_made_in_the_print_font_and_logged_first() {
    let font = [
        "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.is_file());
    let Some(font) = font else {
        eprintln!("SKIPPED: no font installed (apt-get install fonts-ipaexfont-gothic)");
        return;
    };
    let mut config = test_config();
    config.print.font = Some(font);
    let app = spawn_app_with(config, 50).await;
    let p = plant_week(&app);
    let auditor = app.login(AUDITOR).await;
    let path = format!(
        "/audit/reports/after_hours?from={}&to={}&format=pdf",
        p.from(),
        p.to()
    );
    let (status, text, headers) = auditor.raw(Method::GET, &path, None).await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(text.starts_with("%PDF-"));
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.action, Action::AuditReport);
    assert!(
        row.entry.detail.contains("format=pdf"),
        "{}",
        row.entry.detail
    );
}
