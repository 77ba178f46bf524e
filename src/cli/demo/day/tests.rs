use std::collections::BTreeSet;

use time::macros::{date, datetime};

use super::super::sink::{DESTINATION, DemoSink};
use super::*;
use crate::api::entry::{CorrectionList, RecordHistory};
use crate::api::transfer::{PreviewView, TransferView};
use crate::server::totp;
use crate::store::StaffStore;

/// Wednesday 18 February 2026, 10:00 in Tokyo.
const NOW: OffsetDateTime = datetime!(2026-02-18 01:00 UTC);

#[test]
fn yesterday_is_the_business_day_before_over_weekends_and_holidays() {
    let calendar = Calendar {
        holidays: [date!(2026 - 02 - 11)].into(),
    };
    assert_eq!(
        previous_business_day(&calendar, date!(2026 - 02 - 18)),
        date!(2026 - 02 - 17)
    );
    // Monday: Friday. After 建国記念の日 (Wednesday): Tuesday.
    assert_eq!(
        previous_business_day(&calendar, date!(2026 - 02 - 16)),
        date!(2026 - 02 - 13)
    );
    assert_eq!(
        previous_business_day(&calendar, date!(2026 - 02 - 12)),
        date!(2026 - 02 - 10)
    );
}

#[test]
fn a_store_with_too_few_residents_gets_no_day_of_work() {
    let schema = forms::form(FORM).unwrap();
    let origin = synth::Origin::varied(1);
    assert!(Pile::draw(schema, origin, 5, Some(10_000_000)).is_none());
    let pile = Pile::draw(schema, origin, 400, Some(10_000_000)).expect("400 residents are enough");
    assert_eq!(pile.plain.len(), PAPERS - 1);
    assert!(pile.large.is_some());
    let persons: BTreeSet<&str> = pile.plain.iter().map(|p| p.person.as_str()).collect();
    assert_eq!(persons.len(), PAPERS - 1, "one declaration per taxpayer");
}

#[test]
fn a_slip_changes_the_amount_and_keeps_it_an_amount() {
    for (value, how) in [("450000", 0), ("450000", 1), ("111111", 0), ("7", 2)] {
        let slip = slipped(value, how);
        assert_ne!(slip, value);
        assert_eq!(slip.len(), value.len());
        assert!(slip.bytes().all(|b| b.is_ascii_digit()) && !slip.starts_with('0'));
    }
}

/// The demo's preparation of a fresh store in a temporary directory, with
/// its day of work seeded as of `now` and its sink running.
async fn prepared(now: OffsetDateTime) -> (tempfile::TempDir, Vec<NewStaff>, Seeded, DemoSink) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_path_buf();
    let staff = tokio::task::spawn_blocking(move || super::super::prepare(&dir, 400, 1))
        .await
        .unwrap()
        .unwrap();
    let sink = DemoSink::start(temp.path()).await.unwrap();
    let i18n = I18n::new(Lang::Ja);
    let destination = sink.destination(
        i18n.t("demo_work.sink_name"),
        i18n.t("demo_work.sink_legal_basis"),
    );
    let seeded = seed(temp.path(), &staff, now, Lang::Ja, Some(&destination))
        .await
        .unwrap()
        .expect("enough residents");
    eprintln!("{seeded}");
    (temp, staff, seeded, sink)
}

/// The demo's preparation on a temporary store, then what each person
/// finds there, asked through the real service later the same morning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_demo_store_holds_a_day_of_entry_work_for_each_demo_account() {
    let (temp, staff, seeded, sink) = prepared(NOW).await;
    let dir = temp.path().to_path_buf();
    assert_eq!(
        (seeded.yesterday, seeded.today),
        (date!(2026 - 02 - 17), date!(2026 - 02 - 18))
    );
    assert_eq!((seeded.committed, seeded.decided), (YESTERDAY, 1));
    assert_eq!(seeded.warnings_overridden, 2);
    assert_eq!(
        (seeded.awaiting_second, seeded.rekeying, seeded.adjudication),
        (AWAITING, REKEYING, ADJUDICATION)
    );
    assert_eq!(seeded.corrections, 2);

    let (store, keys) = data_dir::open(&dir).unwrap();
    // Every seeding login used a code older than the ones shown now.
    for s in &staff {
        let last = store.staff(&s.user_id).unwrap().unwrap().last_totp_step;
        assert!(
            last.is_none_or(|step| step < totp::step_of(NOW.unix_timestamp())),
            "{}",
            s.user_id
        );
    }
    let bundle = super::super::kept::terminal(store.as_ref(), &keys, &dir).unwrap();
    let clock = Arc::new(ManualClock::new(NOW + Duration::minutes(5)));
    let state = AppState::new(store, Arc::new(keys), clock.clone(), config());
    let service = RunningService::start(state, &dir).await.unwrap();
    let terminal = service.client(&bundle).unwrap();
    let accounts: BTreeMap<String, Account> = staff
        .iter()
        .map(|s| (s.user_id.clone(), Account::of(s)))
        .collect();
    let login = |user: &str| {
        let request = accounts[user].login_request(PURPOSE, clock.now());
        let terminal = terminal.clone();
        async move {
            let response = terminal.login(&request).await.unwrap();
            terminal.with_token(response.token)
        }
    };
    let (kazei01, kazei02, kazei03, shunin01) = (
        login(KEYER).await,
        login(VERIFIER).await,
        login(REVERIFIER).await,
        login(SUPERVISOR).await,
    );

    // kazei02 has kazei01's first keyings to key blind, and one to key again.
    let work = kazei02.entry_work().await.unwrap();
    let count = |state: &str| work.entries.iter().filter(|e| e.state == state).count();
    assert_eq!(count("awaiting_second"), AWAITING, "{work:?}");
    assert_eq!(count("rekeying"), REKEYING, "{work:?}");
    for entry in work.entries.iter().filter(|e| e.state == "awaiting_second") {
        assert_eq!(kazei02.entry(&entry.id).await.unwrap().first_by, KEYER);
    }
    let rekey = work.entries.iter().find(|e| e.state == "rekeying").unwrap();
    assert!(!kazei02.entry(&rekey.id).await.unwrap().to_key.is_empty());

    // The supervisor has the mismatches to decide, both values shown, and
    // the identity difference to settle.
    let decisions = shunin01.entry_decisions().await.unwrap();
    let kind = |k: &str| {
        decisions
            .entries
            .iter()
            .filter(|e| e.kind.as_deref() == Some(k))
            .count()
    };
    assert_eq!(kind("adjudication"), ADJUDICATION, "{decisions:?}");
    assert_eq!(kind("identity_difference"), 1, "{decisions:?}");
    for entry in decisions
        .entries
        .iter()
        .filter(|e| e.state == "adjudication")
    {
        let view = shunin01.entry_decision(&entry.id).await.unwrap();
        assert!(!view.to_decide.is_empty());
        assert!(
            view.to_decide
                .iter()
                .all(|f| f.first.is_some() && f.second.is_some() && f.first != f.second)
        );
    }

    // Two corrections wait for review, proposed by clerks.
    let corrections: CorrectionList = call(&shunin01, Method::GET, "/corrections", None::<&()>)
        .await
        .unwrap();
    let waiting: Vec<_> = corrections
        .corrections
        .iter()
        .filter(|c| c.state == "proposed")
        .collect();
    assert_eq!(waiting.len(), 2, "{corrections:?}");
    assert!(waiting.iter().all(|c| c.proposed_by != SUPERVISOR));
    assert!(waiting.iter().all(|c| c.changes.len() == 1));

    // Today's re-verification list: yesterday's error-prone commits, for
    // the clerk who neither keyed nor verified nor decided them.
    let list: ReverifyList = call(&kazei03, Method::GET, "/reverify", None::<&()>)
        .await
        .unwrap();
    assert!(!list.items.is_empty());
    assert_eq!(list.items.len(), seeded.listed_open);
    assert!(
        seeded.listed < YESTERDAY,
        "only the error-prone ones are listed"
    );
    let why: BTreeSet<&str> = list
        .items
        .iter()
        .flat_map(|i| i.why.iter().map(String::as_str))
        .collect();
    for rule in ["warning_overridden", "large_amount", "supervisor_decided"] {
        assert!(why.contains(rule), "{why:?}");
    }
    for item in &list.items {
        assert_eq!(item.assigned_to.as_deref(), Some(REVERIFIER));
        assert_eq!(
            (item.list_day.as_str(), item.overdue),
            ("2026-02-18", false)
        );
        let path = format!("/records/{}/{}", item.person, item.form);
        let history: RecordHistory = call(&kazei03, Method::GET, &path, None::<&()>)
            .await
            .unwrap();
        let version = &history.versions[0];
        let hands: BTreeSet<&str> = std::iter::once(version.first_by.as_str())
            .chain(version.second_by.as_deref())
            .chain(version.decided.values().map(String::as_str))
            .collect();
        assert!(!hands.contains(REVERIFIER), "{hands:?}");
        assert!(
            hands.contains(KEYER) && hands.contains(VERIFIER),
            "{hands:?}"
        );
    }
    for clerk in [&kazei01, &kazei02] {
        let theirs: ReverifyList = call(clerk, Method::GET, "/reverify", None::<&()>)
            .await
            .unwrap();
        assert!(theirs.items.is_empty(), "{theirs:?}");
    }

    // Yesterday's batch is closed with all it held; today's is open.
    let batch = |id: &str| format!("/batches/{id}");
    let closed: BatchView = call(
        &kazei01,
        Method::GET,
        &batch(&seeded.closed_batch),
        None::<&()>,
    )
    .await
    .unwrap();
    assert_eq!(closed.closed_by.as_deref(), Some(KEYER));
    assert_eq!(
        (closed.committed, closed.committed_total),
        (YESTERDAY as i64, closed.control_total)
    );
    let open: BatchView = call(
        &kazei01,
        Method::GET,
        &batch(&seeded.open_batch),
        None::<&()>,
    )
    .await
    .unwrap();
    assert_eq!(open.closed_by, None);
    assert_eq!(
        open.open_entries,
        (AWAITING + REKEYING + ADJUDICATION) as i64
    );

    // The counter visit waits for the supervisor to settle its identity.
    let visit = kazei01.entry(&seeded.identity_entry).await.unwrap();
    assert_eq!(visit.state, "first_keying");
    let identity = visit.identity.unwrap();
    assert_eq!(
        (identity.differences, identity.settled_by),
        (vec!["address".to_string()], None)
    );
    assert!(visit.draft.is_some_and(|d| !d.is_empty()));
    let work = kazei01.entry_work().await.unwrap();
    assert!(work.entries.iter().any(|e| e.id == seeded.identity_entry));

    // kazei01's transfer to the demo sink is approved by shunin01 and
    // waits for its execution; with joho01 signing off it is delivered.
    let id = seeded.transfer.clone().expect("a transfer seeded");
    let transfer: TransferView = call(
        &kazei01,
        Method::GET,
        &format!("/transfers/{id}"),
        None::<&()>,
    )
    .await
    .unwrap();
    assert_eq!(transfer.state, "approved");
    assert_eq!(transfer.request.destination, DESTINATION);
    assert_eq!(transfer.request.persons.len(), 3);
    assert_eq!(transfer.prepared_by, KEYER);
    assert_eq!(transfer.approved_by.as_deref(), Some(SUPERVISOR));
    let preview: PreviewView = call(
        &kazei01,
        Method::POST,
        &format!("/transfers/{id}/preview"),
        None::<&()>,
    )
    .await
    .unwrap();
    assert_eq!(preview.records, 3);
    clock.set(crate::testkit::next_step(clock.now()));
    let officer = &accounts[super::IT_OFFICER];
    let sign_off = crate::api::transfer::SignOffRequest {
        user_id: officer.user_id.clone(),
        pin: officer.pin.clone(),
        totp: officer.code_at(clock.now()),
        hash: preview.hash.clone(),
    };
    let _: TransferView = call(
        &kazei01,
        Method::POST,
        &format!("/transfers/{id}/sign-off"),
        Some(&sign_off),
    )
    .await
    .unwrap();
    let sent: TransferView = call(
        &kazei01,
        Method::POST,
        &format!("/transfers/{id}/send"),
        None::<&()>,
    )
    .await
    .unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    let received = crate::sink::Received::open(sink.dir()).unwrap();
    assert_eq!(received.count().unwrap(), 1);
    drop(service);
    sink.stop().await;
}

/// On a Saturday the work is seeded all the same, with Friday as
/// yesterday; there is no list until Monday.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_day_off_the_day_of_work_is_seeded_without_a_list() {
    let saturday = datetime!(2026-02-21 01:00 UTC);
    let (_temp, _, seeded, sink) = prepared(saturday).await;
    sink.stop().await;
    assert_eq!(seeded.yesterday, date!(2026 - 02 - 20));
    assert!(!seeded.business_day);
    assert_eq!((seeded.listed, seeded.committed), (0, YESTERDAY));
    assert_eq!(seeded.corrections, 2);
    assert!(
        seeded.to_string().contains("not a business day"),
        "{seeded}"
    );
}
