//! Retention and erasure end to end: a resident who left long ago, planted
//! with a known name and My Number, their records and a draft; the day's
//! plan read and approved over real HTTP by an IT officer and a supervisor
//! (and the refusals: a clerk, a stale hash, the same person twice, a run
//! without both approvals); then `bansho admin retention run` on the real
//! binary, after which the raw bytes of the SQLite file, its -wal and -shm
//! hold neither the number, nor the name, nor its blind index, the
//! tombstones are in the access log and `audit verify` passes. On
//! PostgreSQL the same erasure leaves no row behind.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;

use bansho::api::ErrorCode;
use bansho::domain::my_number::MyNumber;
use bansho::domain::person_number::PersonNumber;
use bansho::domain::resident::{ResidentStatus, Sex};
use bansho::domain::synth::SyntheticResident;
use bansho::server::crypto::Keys;
use bansho::server::data_dir;
use bansho::store::chain::ChainKey;
use bansho::store::journal::{Change, FailPoint, Item};
use bansho::store::prelude::*;
use bansho::store::{AuditEntry, EntryRow, TaxRecordRow};
use common::app::{CLERK, IT, Known, SUPERVISOR, spawn_app_with, test_config};
use common::bin;
use time::macros::{date, datetime};

const PLANTED: &str = "9100000001";
const PLANTED_NAME: &str = "消去野　忘太郎";
const PLANTED_KANA: &str = "ショウキョノ　ボウタロウ";
const FORM: &str = "juminzei_shinkoku";
const TODAY: &str = "2026-11-23";

fn planted_number() -> MyNumber {
    MyNumber::from_base(&[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
}

fn planted(keys: &Keys) -> bansho::store::ResidentRow {
    let (family, given) = PLANTED_NAME.split_once('\u{3000}').unwrap();
    let (family_kana, given_kana) = PLANTED_KANA.split_once('\u{3000}').unwrap();
    data_dir::resident_row(
        keys,
        &SyntheticResident {
            person_number: PersonNumber::parse(PLANTED).unwrap(),
            my_number: planted_number(),
            family_name: family.into(),
            given_name: given.into(),
            family_kana: family_kana.into(),
            given_kana: given_kana.into(),
            birth_date: date!(1950 - 02 - 03),
            sex: Sex::Male,
            postal_code: "060-0009".into(),
            address: "番所市忘却町7丁目7番7号".into(),
            status: ResidentStatus::MovedOut,
            support_measure: false,
            left_on: Some(date!(2015 - 04 - 01)),
        },
    )
}

fn record(person: &str, entry: &str, at: time::OffsetDateTime) -> Change {
    Change::InsertTaxRecord {
        row: TaxRecordRow {
            person: person.into(),
            form: FORM.into(),
            version: 0,
            entry: entry.into(),
            body: b"sealed record".to_vec(),
            committed_at: at,
        },
        after: None,
    }
}

fn draft(id: &str, person: &str, at: time::OffsetDateTime) -> Change {
    Change::InsertEntry(EntryRow {
        id: id.into(),
        form: FORM.into(),
        person: person.into(),
        paper: "p".into(),
        state: "first_keying".into(),
        first_by: CLERK.into(),
        second_by: None,
        revision: 1,
        body: b"sealed draft".to_vec(),
        updated_at: at,
    })
}

/// The planted resident, two versions of another's record (2018: due; 2025:
/// not), one version of the planted one's, and two drafts (the planted
/// one's, and an abandoned one of another's), committed with a row.
fn plant(store: &dyn Store, keys: &Keys, key: &ChainKey) {
    store.insert_residents(&[planted(keys)]).unwrap();
    let changes = vec![
        record(Known::TAKAHASHI, "e2018", datetime!(2018-05-01 01:00 UTC)),
        record(Known::TAKAHASHI, "e2025", datetime!(2025-05-01 01:00 UTC)),
        record(PLANTED, "e2014", datetime!(2014-05-01 01:00 UTC)),
        draft("d-planted", PLANTED, datetime!(2015-01-10 01:00 UTC)),
        draft("d-old", Known::TAKAHASHI, datetime!(2026-09-01 01:00 UTC)),
        draft("d-new", Known::TAKAHASHI, datetime!(2026-11-20 01:00 UTC)),
    ];
    let row = AuditEntry {
        at: datetime!(2026-11-23 00:00 UTC),
        user_id: "test".into(),
        terminal: "test".into(),
        action: bansho::domain::audit_event::Action::AdminSeed,
        subjects: Vec::new(),
        query_hmac: None,
        purpose: "system_operation".into(),
        outcome: bansho::domain::audit_event::Outcome::Ok,
        detail: String::new(),
        sensitive: false,
    };
    let committed = store
        .commit(
            key,
            datetime!(2026-11-23 00:00 UTC),
            vec![Item::recorded(changes, row)],
            FailPoint::None,
        )
        .unwrap();
    assert!(committed[0].effect.kept());
}

/// Every byte of the store's files.
fn raw_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let db = data_dir::db_path(dir);
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let path = format!("{}{suffix}", db.display());
            let bytes = std::fs::read(&path).unwrap_or_default();
            (path, bytes)
        })
        .collect()
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_plan_erases_a_person_from_every_file_and_leaves_tombstones() {
    let app = spawn_app_with(test_config(), 40).await;
    let key = app.keys.audit_chain_key();
    plant(app.store.as_ref(), &app.keys, &key);
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("my number", planted_number().expose().as_bytes().to_vec()),
        ("name", PLANTED_NAME.as_bytes().to_vec()),
        ("reading", PLANTED_KANA.as_bytes().to_vec()),
        (
            "blind index",
            app.keys.my_number_index(planted_number().expose()),
        ),
    ];

    let it = app.login(IT).await;
    let plan = it
        .retention_plan()
        .await
        .expect("the IT officer reads the plan");
    assert_eq!(plan.today, TODAY);
    assert_eq!(plan.hash.len(), 64);
    let ids: Vec<(&str, &str)> = plan
        .items
        .iter()
        .map(|i| (i.kind.as_str(), i.id.as_str()))
        .collect();
    assert!(ids.contains(&("person", PLANTED)), "{ids:?}");
    assert!(ids.contains(&("tax_record", "9000000001/juminzei_shinkoku/1")));
    assert!(!ids.contains(&("tax_record", "9000000001/juminzei_shinkoku/2")));
    assert!(ids.contains(&("draft", "d-old")));
    assert!(!ids.contains(&("draft", "d-new")));
    // What hangs on the planted person goes with them, not on its own.
    assert!(
        !ids.iter()
            .any(|(_, id)| id.starts_with(PLANTED) && *id != PLANTED)
    );
    assert!(!ids.contains(&("draft", "d-planted")));
    assert_eq!(plan.awaiting, ["it_officer", "supervisor"]);
    let access_log = plan
        .rules
        .iter()
        .find(|r| r.rule == "access_log_10y")
        .unwrap();
    assert!(access_log.note.as_deref().unwrap().contains("kept"));
    // The plan names no one.
    let shown = serde_json::to_string(&plan).unwrap();
    assert!(!shown.contains(PLANTED_NAME) && !shown.contains(planted_number().expose()));

    // A clerk may neither read nor approve it.
    let clerk = app.login(CLERK).await;
    for refused in [
        clerk.retention_plan().await.map(drop),
        clerk.approve_retention(&plan.hash).await.map(drop),
    ] {
        assert_eq!(refused.unwrap_err().code(), Some(ErrorCode::Forbidden));
    }
    // A hash that is not the current plan's is refused.
    let stale = it.approve_retention(&"0".repeat(64)).await.unwrap_err();
    assert_eq!(stale.code(), Some(ErrorCode::RetentionPlanChanged));
    assert_eq!(stale.status(), Some(409));
    let rows = app.audit_tail(20);
    assert!(rows.iter().any(|r| r.entry.action == "retention_approve"
        && r.entry.outcome == "denied"
        && r.entry.detail.starts_with("stale_plan;")));

    // The same IT officer twice counts once.
    it.approve_retention(&plan.hash).await.unwrap();
    let again = it.approve_retention(&plan.hash).await.unwrap();
    assert_eq!(again.approvals.len(), 1);
    assert_eq!(again.awaiting, ["supervisor"]);

    // With one approval, and with a wrong hash, the run is refused.
    let dir = app.dir.path().to_path_buf();
    let data = dir.to_str().unwrap().to_string();
    // A data directory the console commands accept: its owner's only.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let run = |hash: &str| {
        bin::output(&[
            "admin",
            "retention",
            "run",
            "--data",
            &data,
            "--plan",
            hash,
            "--today",
            TODAY,
        ])
    };
    let one = run(&plan.hash);
    assert!(!one.status.success());
    assert!(
        bin::text(&one.stderr).contains("two different people"),
        "{}",
        bin::text(&one.stderr)
    );
    let wrong = run(&"1".repeat(64));
    assert!(!wrong.status.success());
    assert!(bin::text(&wrong.stderr).contains("not the current plan"));
    assert!(
        app.store
            .resident(&PersonNumber::parse(PLANTED).unwrap())
            .unwrap()
            .is_some()
    );

    let supervisor = app.login(SUPERVISOR).await;
    let approved = supervisor.approve_retention(&plan.hash).await.unwrap();
    assert!(approved.awaiting.is_empty());

    // Before: the name and the blind index are in the files (the search
    // below can find what it looks for).
    let before: Vec<u8> = raw_files(&dir).into_iter().flat_map(|(_, b)| b).collect();
    assert!(holds(&before, PLANTED_NAME.as_bytes()));
    assert!(holds(
        &before,
        &app.keys.my_number_index(planted_number().expose())
    ));

    let printed = bin::output(&[
        "admin",
        "retention",
        "plan",
        "--data",
        &data,
        "--today",
        TODAY,
    ]);
    assert!(printed.status.success(), "{}", bin::text(&printed.stderr));
    let printed = bin::text(&printed.stdout);
    assert!(
        printed.contains(&format!("hash: {}", plan.hash)),
        "{printed}"
    );
    assert!(!printed.contains(PLANTED_NAME));

    let (dir, _bundle) = app.stop().await;
    let data = dir.path().to_str().unwrap().to_string();
    // Another connection stays open (as a running service's would), so
    // the last one to close does not checkpoint and remove the write-ahead
    // log behind the erasure's back: what the erasure leaves is what is seen.
    let watcher = rusqlite::Connection::open(data_dir::db_path(dir.path())).unwrap();
    let residents: i64 = watcher
        .query_row("SELECT count(*) FROM residents", [], |r| r.get(0))
        .unwrap();
    assert!(residents > 0);
    let done = bin::output(&[
        "admin",
        "retention",
        "run",
        "--data",
        &data,
        "--plan",
        &plan.hash,
        "--today",
        TODAY,
    ]);
    assert!(done.status.success(), "{}", bin::text(&done.stderr));
    assert!(bin::text(&done.stdout).contains(&format!("erased {}", plan.items.len())));

    for (path, bytes) in raw_files(dir.path()) {
        for (what, secret) in &secrets {
            assert!(
                !holds(&bytes, secret),
                "the planted {what} is still in {path}"
            );
        }
    }

    drop(watcher);
    let store = bansho::store::sqlite::SqliteStore::open(&data_dir::db_path(dir.path())).unwrap();
    assert!(
        store
            .resident(&PersonNumber::parse(PLANTED).unwrap())
            .unwrap()
            .is_none()
    );
    assert!(store.tax_records(PLANTED, FORM).unwrap().is_empty());
    let kept: Vec<i64> = store
        .tax_records(Known::TAKAHASHI, FORM)
        .unwrap()
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(kept, [2]);
    assert!(store.entry("d-old").unwrap().is_none());
    assert!(store.entry("d-planted").unwrap().is_none());
    assert!(store.entry("d-new").unwrap().is_some());
    // The address index still finds the living, and not the erased.
    let tombstones: Vec<String> = store
        .audit_tail(plan.items.len() + 10)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "retention_erase")
        .map(|r| r.entry.detail)
        .collect();
    assert_eq!(tombstones.len(), plan.items.len());
    assert!(tombstones.contains(&format!(
        "erased=person;id={PLANTED};rule=person_5y;approvers={IT}+{SUPERVISOR}"
    )));
    drop(store);

    let verified = bin::output(&["admin", "audit", "verify", "--data", &data]);
    assert!(verified.status.success(), "{}", bin::text(&verified.stderr));
}

#[test]
fn postgres_erasure_leaves_no_row_of_the_person() {
    use bansho::domain::retention::Rules;
    use bansho::server::actor::Actor;
    use bansho::server::retention::{erase, make_plan};
    use bansho::server::settings::OfficeTimeZone;
    use bansho::store::postgres::{PgOptions, PostgresStore};
    let Some(admin) = common::pg::admin_url("postgres_erasure_leaves_no_row_of_the_person") else {
        return;
    };
    let db = common::pg::TestDb::create(&admin);
    common::pg::off_runtime(|| {
        let store = PostgresStore::open(&db.url, &PgOptions::default()).expect("open postgres");
        let keys = Keys::from_master(&[9u8; 32]);
        let key = keys.audit_chain_key();
        let mut takahashi = planted(&keys);
        takahashi.person_number = PersonNumber::parse(Known::TAKAHASHI).unwrap();
        takahashi.my_number_index = keys.my_number_index("123456789018");
        takahashi.left_on = None;
        store.insert_residents(&[takahashi]).unwrap();
        plant(&store, &keys, &key);
        let plan = make_plan(
            &store,
            &Rules::default(),
            &OfficeTimeZone::default(),
            date!(2026 - 11 - 23),
        )
        .unwrap();
        assert_eq!(plan.count(bansho::domain::retention::Kind::Person), 1);
        let approvers = (IT.to_string(), SUPERVISOR.to_string());
        let erased = erase(
            &store,
            &key,
            &Actor::console("admin-cli"),
            &plan,
            &approvers,
        )
        .unwrap();
        assert_eq!(erased, plan.items.len());
        for (table, sql) in [
            (
                "residents",
                format!("SELECT count(*) FROM residents WHERE person_number = '{PLANTED}'"),
            ),
            (
                "tax_records",
                format!("SELECT count(*) FROM tax_records WHERE person = '{PLANTED}'"),
            ),
            (
                "entries",
                format!("SELECT count(*) FROM entries WHERE person = '{PLANTED}'"),
            ),
            (
                "entries",
                "SELECT count(*) FROM entries WHERE id = 'd-old'".to_string(),
            ),
            (
                "tax_records",
                "SELECT count(*) FROM tax_records WHERE entry = 'e2018'".to_string(),
            ),
        ] {
            assert_eq!(db.count(&sql), 0, "{table}");
        }
        assert_eq!(
            db.count("SELECT count(*) FROM tax_records WHERE entry = 'e2025'"),
            1
        );
        assert_eq!(
            db.count("SELECT count(*) FROM audit_log WHERE action = 'retention_erase'"),
            i64::try_from(plan.items.len()).unwrap()
        );
        bansho::store::chain::verify_store(&store, &key)
            .unwrap()
            .unwrap();
    });
}
