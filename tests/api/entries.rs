//! Double-keyed entry through the real service: every path of the
//! workflow, the blind rules, and the refusals with their rows.

use std::collections::BTreeMap;

use bansho::api::ErrorCode;
use bansho::api::entry::{
    DecideRequest, Decision, DiscardRequest, EntryView, FieldsRequest, Keyer, StartEntryRequest,
    SubmitRequest,
};
use bansho::client::{ApiClient, ClientError};
use bansho::secret::KeyedValue;
use bansho::store::prelude::*;

use crate::common::app::*;

const SECOND: &str = "kazei02";

/// A consistent declaration: pay 3,000,000 yen, so 給与所得 2,020,000.
fn declaration() -> BTreeMap<String, String> {
    [
        ("taxpayer.address", "番所市本町3丁目4番5号"),
        ("taxpayer.name", "高橋 一郎"),
        ("taxpayer.kana", "タカハシ イチロウ"),
        ("taxpayer.birth", "平成5年1月1日"),
        ("taxpayer.my_number", "123456789018"),
        ("revenue.salary", "3,000,000"),
        ("income.salary", "2,020,000"),
        ("income.misc_total", "0"),
        ("income.total", "2,020,000"),
        ("deductions.social_insurance", "450,000"),
        ("deductions.basic", "430,000"),
        ("collection.method", "special"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn secret(typed: &BTreeMap<String, String>) -> BTreeMap<String, KeyedValue> {
    typed
        .iter()
        .map(|(k, v)| (k.clone(), KeyedValue::new(v.clone())))
        .collect()
}

/// The fields a second clerk keys, from the same paper (with `changes`).
fn second_keying(view: &EntryView, changes: &[(&str, &str)]) -> FieldsRequest {
    let paper = declaration();
    let mut fields: BTreeMap<String, String> = paper
        .iter()
        .filter(|(k, _)| view.to_key.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in changes {
        fields.insert((*k).to_owned(), (*v).to_owned());
    }
    FieldsRequest {
        fields: secret(&fields),
    }
}

fn only(fields: &[(&str, &str)]) -> FieldsRequest {
    FieldsRequest {
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), KeyedValue::new(*v)))
            .collect(),
    }
}

async fn keyed_once(app: &TestApp) -> (ApiClient, String) {
    let clerk = app.login(CLERK).await;
    let started = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "2026-02-16/001/003".into(),
        })
        .await
        .expect("start");
    assert_eq!(started.state, "first_keying");
    let id = started.id.clone();
    let draft = clerk
        .save_draft(&id, &only(&[("taxpayer.name", "高橋 一郎")]))
        .await
        .expect("draft");
    assert_eq!(draft.draft.unwrap()["taxpayer.name"].expose(), "高橋 一郎");
    let submitted = clerk
        .submit_entry(
            &id,
            &SubmitRequest {
                fields: secret(&declaration()),
                reasons: BTreeMap::new(),
            },
        )
        .await
        .expect("submit");
    assert_eq!(submitted.state, "awaiting_second");
    (clerk, id)
}

fn actions_since(app: &TestApp, n: usize) -> Vec<String> {
    let mut rows: Vec<String> = app
        .outcome_tail(n)
        .into_iter()
        .map(|r| format!("{} {}", r.entry.action.as_str(), r.entry.outcome.as_str()))
        .collect();
    rows.reverse();
    rows
}

#[tokio::test]
async fn equal_keyings_by_two_clerks_commit_a_first_version() {
    let app = spawn_app().await;
    let (_, id) = keyed_once(&app).await;
    let second = app.login(SECOND).await;
    let work = second.entry_work().await.unwrap();
    assert!(
        work.entries
            .iter()
            .any(|e| e.id == id && e.state == "awaiting_second")
    );

    // Blind: the second clerk gets field names, never the first values.
    let view = second.start_second(&id).await.unwrap();
    assert_eq!(view.state, "second_keying");
    assert!(view.draft.is_none());
    assert!(view.to_key.contains(&"revenue.salary".to_string()));
    assert!(view.to_key.contains(&"dependents[].my_number".to_string()));
    assert!(
        !view.to_key.contains(&"taxpayer.name".to_string()),
        "text is keyed once"
    );
    let text = serde_json::to_string(&view).unwrap();
    assert!(
        !text.contains("3000000") && !text.contains("2020000"),
        "{text}"
    );

    let done = second
        .submit_second(&id, &second_keying(&view, &[]))
        .await
        .unwrap();
    assert_eq!(done.state, "committed");
    assert_eq!(done.version, Some(1));
    assert_eq!(
        (done.first_by.as_str(), done.second_by.as_deref()),
        (CLERK, Some(SECOND))
    );
    let records = app
        .store
        .tax_records(Known::TAKAHASHI, "juminzei_shinkoku")
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].entry, id);

    // Every step has its row, about the person, with no value in it.
    let steps = actions_since(&app, 4);
    assert_eq!(
        steps,
        [
            "entry_queue ok",
            "entry_second_start ok",
            "entry_second_submit ok",
            "entry_commit ok"
        ]
    );
    for row in app.outcome_tail(4) {
        assert!(
            row.entry.action.as_str() == "entry_queue" || row.entry.subjects == [Known::TAKAHASHI],
            "{row:?}"
        );
        let detail = row.entry.detail;
        assert!(
            !detail.contains("3000000") && !detail.contains("123456789018"),
            "{detail}"
        );
    }
}

#[tokio::test]
async fn the_first_keyer_is_refused_as_second_keyer_and_it_is_recorded() {
    let app = spawn_app().await;
    let (clerk, id) = keyed_once(&app).await;
    let error = clerk.start_second(&id).await.unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(403), Some(ErrorCode::EntryNotYours))
    );
    let row = &app.outcome_tail(1)[0];
    assert_eq!(
        (
            row.entry.action.as_str(),
            row.entry.outcome.as_str(),
            row.entry.detail.as_str()
        ),
        ("entry_second_start", "denied", "same_clerk")
    );
    // The first keyer's own work list does not offer it for second keying.
    let work = clerk.entry_work().await.unwrap();
    assert!(!work.entries.iter().any(|e| e.id == id));
    // And a collections clerk may not key an assessment form at all.
    let collections = app.login(COLLECTIONS).await;
    let error = collections
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403));
}

#[tokio::test]
async fn differing_fields_are_named_then_rekeyed_blind_until_they_agree() {
    let app = spawn_app().await;
    let (clerk, id) = keyed_once(&app).await;
    let second = app.login(SECOND).await;
    let view = second.start_second(&id).await.unwrap();
    let keyed = second_keying(
        &view,
        &[
            ("revenue.salary", "3,000,600"),
            ("deductions.social_insurance", "405,000"),
        ],
    );
    let differ = second.submit_second(&id, &keyed).await.unwrap();
    assert_eq!(differ.state, "rekeying");
    assert_eq!(
        differ.to_key,
        ["deductions.social_insurance", "revenue.salary"]
    );
    let text = serde_json::to_string(&differ).unwrap();
    assert!(
        !text.contains("450000") && !text.contains("3000000"),
        "{text}"
    );
    // The first keyer is not the one asked, and sees nothing to key.
    assert!(clerk.entry(&id).await.unwrap().to_key.is_empty());
    assert_eq!(
        clerk
            .rekey(&id, &only(&[("revenue.salary", "3000000")]))
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::EntryNotYours)
    );
    // A field not asked for is refused and changes nothing.
    let Err(ClientError::Entry { status, refusal }) =
        second.rekey(&id, &only(&[("income.total", "1")])).await
    else {
        panic!("expected a refusal with problems");
    };
    assert_eq!(status, 422);
    assert_eq!(refusal.problems[0].code, "unknown_field");
    assert_eq!(refusal.problems[0].fields, ["income.total"]);
    assert_eq!(second.entry(&id).await.unwrap().state, "rekeying");

    let agreed = second
        .rekey(
            &id,
            &only(&[
                ("revenue.salary", "3,000,000"),
                ("deductions.social_insurance", "450,000"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(agreed.state, "committed");
    let slips = app.store.slips_of(SECOND).unwrap();
    assert_eq!(slips.len(), 2, "both slips were the second keyer's");
    assert!(slips.iter().all(|s| s.keyer == "second"));
}

#[tokio::test]
async fn a_field_still_differing_goes_to_a_supervisor_who_sees_both_values_and_decides() {
    let app = spawn_app().await;
    let (_, id) = keyed_once(&app).await;
    let second = app.login(SECOND).await;
    let view = second.start_second(&id).await.unwrap();
    second
        .submit_second(
            &id,
            &second_keying(&view, &[("deductions.social_insurance", "405,000")]),
        )
        .await
        .unwrap();
    let still = second
        .rekey(&id, &only(&[("deductions.social_insurance", "405,000")]))
        .await
        .unwrap();
    assert_eq!(still.state, "adjudication");
    assert!(
        still.to_decide.is_empty(),
        "a keyer never sees the other's value"
    );

    let supervisor = app.login(SUPERVISOR).await;
    let queue = supervisor.entry_decisions().await.unwrap();
    assert!(queue.entries.iter().any(|e| e.id == id));
    let deciding = supervisor.entry_decision(&id).await.unwrap();
    assert_eq!(deciding.to_decide.len(), 1);
    let field = &deciding.to_decide[0];
    assert_eq!(field.field, "deductions.social_insurance");
    assert_eq!(
        (
            field.first.as_ref().map(|v| v.expose()),
            field.second.as_ref().map(|v| v.expose())
        ),
        (Some("450000"), Some("405000"))
    );
    assert_eq!(deciding.paper, "2026-02-16/001/003");

    let decisions: BTreeMap<String, Decision> = [(
        "deductions.social_insurance".to_owned(),
        Decision::Keep(Keyer::First),
    )]
    .into();
    let Err(ClientError::Entry { refusal, .. }) = supervisor
        .decide(
            &id,
            &DecideRequest {
                decisions: decisions.clone(),
                reason: " ".into(),
            },
        )
        .await
    else {
        panic!("a decision without a reason must be refused");
    };
    assert_eq!(refusal.problems[0].code, "reason_required");
    let done = supervisor
        .decide(
            &id,
            &DecideRequest {
                decisions,
                reason: "the paper says 450,000".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(done.state, "committed");
    assert_eq!(done.version, Some(1));
    let steps = actions_since(&app, 2);
    assert_eq!(steps, ["entry_decide ok", "entry_commit ok"]);
}

#[tokio::test]
async fn a_form_that_fails_its_checks_names_each_problem_and_changes_nothing() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let started = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "p".into(),
        })
        .await
        .unwrap();
    let mut typed = declaration();
    typed.insert("taxpayer.my_number".into(), "123456789012".into());
    typed.insert("taxpayer.religion".into(), "none".into());
    let request = SubmitRequest {
        fields: secret(&typed),
        reasons: BTreeMap::new(),
    };
    let Err(ClientError::Entry { status, refusal }) =
        clerk.submit_entry(&started.id, &request).await
    else {
        panic!("expected a refusal");
    };
    assert_eq!(status, 422);
    let named: Vec<(&str, &str)> = refusal
        .problems
        .iter()
        .map(|p| (p.code.as_str(), p.fields[0].as_str()))
        .collect();
    assert_eq!(
        named,
        [
            ("unknown_field", "taxpayer.religion"),
            ("my_number_check_digit", "taxpayer.my_number")
        ]
    );
    assert!(
        !serde_json::to_string(&refusal)
            .unwrap()
            .contains("123456789012")
    );

    let mut typed = declaration();
    typed.insert("income.salary".into(), "2,100,000".into());
    typed.insert("income.total".into(), "2,100,000".into());
    let request = SubmitRequest {
        fields: secret(&typed),
        reasons: BTreeMap::new(),
    };
    let Err(ClientError::Entry { refusal, .. }) = clerk.submit_entry(&started.id, &request).await
    else {
        panic!("expected a refusal");
    };
    assert_eq!(refusal.problems[0].code, "salary_income");
    assert_eq!(refusal.problems[0].expected, Some(2_020_000));
    assert_eq!(
        clerk.entry(&started.id).await.unwrap().state,
        "first_keying"
    );
    let row = &app.outcome_tail(2)[1];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("entry_submit", "invalid")
    );
    assert_eq!(
        row.entry.detail,
        format!("entry={};code=entry_checks", started.id)
    );

    // Nobody else keys or drops this clerk's draft.
    let other = app.login(SECOND).await;
    assert!(other.entry(&started.id).await.unwrap().draft.is_none());
    let error = other
        .discard_entry(
            &started.id,
            &DiscardRequest {
                reason: "mine".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::EntryNotYours));
    let dropped = clerk
        .discard_entry(
            &started.id,
            &DiscardRequest {
                reason: "keyed against the wrong person".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(dropped.state, "discarded");
}

#[tokio::test]
async fn an_unknown_entry_or_person_is_a_recorded_404() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let error = clerk.entry(&"0".repeat(32)).await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    let error = clerk.entry("not-an-entry-id").await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    let error = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: "9999999999".into(),
            paper: "p".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    let error = clerk
        .start_entry(&StartEntryRequest {
            form: "no_such_form".into(),
            person: Known::TAKAHASHI.into(),
            paper: "p".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    let rows = actions_since(&app, 3);
    assert_eq!(
        rows,
        [
            "entry_view not_found",
            "entry_view not_found",
            "entry_start not_found"
        ]
    );
}
