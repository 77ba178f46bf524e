//! Double-keyed entry through the real service: every path of the
//! workflow, the blind rules, and the refusals with their rows.

use std::collections::BTreeMap;

use bansho::api::ErrorCode;
use bansho::api::entry::{
    CorrectionList, CorrectionView, ProposeCorrectionRequest, RecordHistory, ReviewRequest,
};
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
            batch: None,
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
            batch: None,
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
            batch: None,
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
            batch: None,
        })
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    let error = clerk
        .start_entry(&StartEntryRequest {
            form: "no_such_form".into(),
            person: Known::TAKAHASHI.into(),
            paper: "p".into(),
            batch: None,
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

/// A committed record of Known::TAKAHASHI, keyed twice.
pub(crate) async fn committed(app: &TestApp) -> String {
    let (_, id) = keyed_once(app).await;
    let second = app.login(SECOND).await;
    let view = second.start_second(&id).await.unwrap();
    let done = second
        .submit_second(&id, &second_keying(&view, &[]))
        .await
        .unwrap();
    assert_eq!(done.state, "committed");
    id
}

async fn call<T: serde::de::DeserializeOwned>(
    client: &ApiClient,
    method: reqwest::Method,
    path: &str,
    body: Option<String>,
) -> Result<T, (u16, String)> {
    let (status, text, _) = client.raw(method, path, body).await.expect("request");
    if (200..300).contains(&status) {
        Ok(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
    } else {
        Err((status, text))
    }
}

fn json<T: serde::Serialize>(value: &T) -> Option<String> {
    Some(serde_json::to_string(value).unwrap())
}

#[tokio::test]
async fn a_correction_is_reviewed_by_a_supervisor_and_becomes_the_next_version() {
    let app = spawn_app().await;
    committed(&app).await;
    let clerk = app.login(CLERK).await;
    let path = format!("/records/{}/juminzei_shinkoku", Known::TAKAHASHI);
    let history: RecordHistory = call(&clerk, reqwest::Method::GET, &path, None)
        .await
        .unwrap();
    assert_eq!(history.versions.len(), 1);
    let v1 = &history.versions[0];
    assert_eq!(
        (v1.first_by.as_str(), v1.second_by.as_deref()),
        (CLERK, Some(SECOND))
    );
    assert_eq!(
        v1.values["taxpayer.my_number"].expose(),
        "********9018",
        "a My Number only masked"
    );
    assert_eq!(v1.values["deductions.social_insurance"].expose(), "450000");

    let propose = |fields: &[(&str, &str)], base: i64| ProposeCorrectionRequest {
        base_version: base,
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), KeyedValue::new(*v)))
            .collect(),
        reason: "re-verification: the paper says 405,000".into(),
        paper: "2026-02-16/001/003".into(),
    };
    // A correction that would fail the form's checks is refused.
    let bad = call::<CorrectionView>(
        &clerk,
        reqwest::Method::POST,
        &format!("{path}/corrections"),
        json(&propose(&[("income.salary", "1")], 1)),
    )
    .await;
    let (status, body) = bad.unwrap_err();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("salary_income"), "{body}");

    let proposed: CorrectionView = call(
        &clerk,
        reqwest::Method::POST,
        &format!("{path}/corrections"),
        json(&propose(&[("deductions.social_insurance", "405,000")], 1)),
    )
    .await
    .unwrap();
    assert_eq!(proposed.state, "proposed");
    assert_eq!(proposed.changes.len(), 1);

    let supervisor = app.login(SUPERVISOR).await;
    let list: CorrectionList = call(&supervisor, reqwest::Method::GET, "/corrections", None)
        .await
        .unwrap();
    assert_eq!(list.corrections.len(), 1);
    let shown: CorrectionView = call(
        &supervisor,
        reqwest::Method::GET,
        &format!("/corrections/{}", proposed.id),
        None,
    )
    .await
    .unwrap();
    let change = &shown.changes[0];
    assert_eq!(change.field, "deductions.social_insurance");
    assert_eq!(
        (
            change.before.as_ref().unwrap().expose(),
            change.after.as_ref().unwrap().expose()
        ),
        ("450000", "405000")
    );
    // A clerk may not review; a review needs a reason.
    let refused = call::<CorrectionView>(
        &clerk,
        reqwest::Method::POST,
        &format!("/corrections/{}/approve", proposed.id),
        json(&ReviewRequest {
            reason: "ok".into(),
        }),
    )
    .await;
    assert_eq!(refused.unwrap_err().0, 403);
    let empty = call::<CorrectionView>(
        &supervisor,
        reqwest::Method::POST,
        &format!("/corrections/{}/approve", proposed.id),
        json(&ReviewRequest { reason: "".into() }),
    )
    .await;
    assert_eq!(empty.unwrap_err().0, 422);

    let approved: CorrectionView = call(
        &supervisor,
        reqwest::Method::POST,
        &format!("/corrections/{}/approve", proposed.id),
        json(&ReviewRequest {
            reason: "checked against the paper".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        (approved.state.as_str(), approved.version),
        ("approved", Some(2))
    );
    let history: RecordHistory = call(&clerk, reqwest::Method::GET, &path, None)
        .await
        .unwrap();
    let v2 = &history.versions[1];
    assert_eq!(v2.values["deductions.social_insurance"].expose(), "405000");
    assert_eq!(
        (v2.corrected_by.as_deref(), v2.approved_by.as_deref()),
        (Some(CLERK), Some(SUPERVISOR))
    );
    assert_eq!(v2.changed, ["deductions.social_insurance"]);
    let row = &app.outcome_tail(2)[1];
    assert_eq!(row.entry.action.as_str(), "correction_approve");
    assert!(
        row.entry.detail.ends_with(";version=2"),
        "{}",
        row.entry.detail
    );

    // Reviewed once only; a proposal against an old version is refused.
    let again = call::<CorrectionView>(
        &supervisor,
        reqwest::Method::POST,
        &format!("/corrections/{}/reject", proposed.id),
        json(&ReviewRequest {
            reason: "no".into(),
        }),
    )
    .await;
    assert_eq!(again.unwrap_err().0, 409);
    let stale = call::<CorrectionView>(
        &clerk,
        reqwest::Method::POST,
        &format!("{path}/corrections"),
        json(&propose(&[("deductions.social_insurance", "400,000")], 1)),
    )
    .await;
    assert_eq!(stale.unwrap_err().0, 409);
}

#[tokio::test]
async fn a_rejected_correction_is_kept_with_its_reason_and_changes_nothing() {
    let app = spawn_app().await;
    committed(&app).await;
    let clerk = app.login(CLERK).await;
    let path = format!("/records/{}/juminzei_shinkoku", Known::TAKAHASHI);
    let request = ProposeCorrectionRequest {
        base_version: 1,
        fields: [(
            "deductions.social_insurance".to_owned(),
            KeyedValue::new("1"),
        )]
        .into(),
        reason: "typo".into(),
        paper: "p".into(),
    };
    let proposed: CorrectionView = call(
        &clerk,
        reqwest::Method::POST,
        &format!("{path}/corrections"),
        json(&request),
    )
    .await
    .unwrap();
    let supervisor = app.login(SUPERVISOR).await;
    let rejected: CorrectionView = call(
        &supervisor,
        reqwest::Method::POST,
        &format!("/corrections/{}/reject", proposed.id),
        json(&ReviewRequest {
            reason: "the paper says 450,000".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(rejected.state, "rejected");
    assert_eq!(
        rejected.review_reason.as_deref(),
        Some("the paper says 450,000")
    );
    let history: RecordHistory = call(&clerk, reqwest::Method::GET, &path, None)
        .await
        .unwrap();
    assert_eq!(history.versions.len(), 1);
    let kept = app.store.correction(&proposed.id).unwrap().unwrap();
    assert_eq!(kept.state, "rejected");
}

#[tokio::test]
async fn the_next_business_day_lists_yesterdays_commits_for_a_clerk_who_had_no_hand_in_them() {
    use bansho::api::entry::ReverifyList;
    let app = spawn_app().await;
    // Monday: two entries keyed by kazei01 and kazei02 (new staff, so both
    // are error-prone by the "first days" rule).
    let first = committed(&app).await;
    let second = committed(&app).await;
    // Nothing is listed the same day.
    let third = app.login("kazei03").await;
    let today: ReverifyList = call(&third, reqwest::Method::GET, "/reverify", None)
        .await
        .unwrap();
    assert!(today.items.is_empty());

    // Tuesday morning in Tokyo (yesterday's sessions have ended).
    app.clock.set(START + time::Duration::days(1));
    let third = app.login("kazei03").await;
    let list: ReverifyList = call(&third, reqwest::Method::GET, "/reverify", None)
        .await
        .unwrap();
    let entries: Vec<&str> = list.items.iter().map(|i| i.entry.as_str()).collect();
    assert_eq!(entries.len(), 2, "{list:?}");
    assert!(entries.contains(&first.as_str()) && entries.contains(&second.as_str()));
    assert!(
        list.items
            .iter()
            .all(|i| i.assigned_to.as_deref() == Some("kazei03"))
    );
    assert!(
        list.items[0].why.contains(&"new_keyer".to_string()),
        "{:?}",
        list.items[0].why
    );
    // The keyers are given none of it; asking again adds nothing.
    let keyer = app.login(CLERK).await;
    let theirs: ReverifyList = call(&keyer, reqwest::Method::GET, "/reverify", None)
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    let again: ReverifyList = call(&third, reqwest::Method::GET, "/reverify", None)
        .await
        .unwrap();
    assert_eq!(again.items.len(), 2);
    let builds = app
        .audit_tail(40)
        .into_iter()
        .filter(|r| r.entry.action == "reverify_build")
        .count();
    assert_eq!(builds, 1);

    // Verified against the paper, by the assignee only, once.
    let path = format!("/reverify/{first}/verified");
    let (status, _, _) = keyer.raw(reqwest::Method::POST, &path, None).await.unwrap();
    assert_eq!(status, 404);
    let (status, _, _) = third.raw(reqwest::Method::POST, &path, None).await.unwrap();
    assert_eq!(status, 204);
    let (status, _, _) = third.raw(reqwest::Method::POST, &path, None).await.unwrap();
    assert_eq!(status, 404);

    // Wednesday: the item still open is overdue on the supervisor's screen.
    app.clock.set(START + time::Duration::days(2));
    let supervisor = app.login(SUPERVISOR).await;
    let overdue: ReverifyList = call(&supervisor, reqwest::Method::GET, "/reverify/overdue", None)
        .await
        .unwrap();
    assert_eq!(overdue.items.len(), 1);
    assert_eq!(overdue.items[0].entry, second);
    assert!(overdue.items[0].overdue);
    assert_eq!(overdue.items[0].days_overdue, 1, "{overdue:?}");
}

#[tokio::test]
async fn a_batch_closes_only_when_its_count_and_control_total_match() {
    use bansho::api::entry::{BatchView, OpenBatchRequest};
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let open = |forms: i64, total: i64, id: &str| OpenBatchRequest {
        id: id.into(),
        form: "juminzei_shinkoku".into(),
        forms,
        control_field: "income.total".into(),
        control_total: total,
    };
    let bad = call::<BatchView>(
        &clerk,
        reqwest::Method::POST,
        "/batches",
        json(&OpenBatchRequest {
            control_field: "taxpayer.name".into(),
            ..open(1, 0, "b-1")
        }),
    )
    .await;
    assert_eq!(bad.unwrap_err().0, 400);
    // The header says two forms whose 所得合計 add up to 4,040,000.
    let made: BatchView = call(
        &clerk,
        reqwest::Method::POST,
        "/batches",
        json(&open(2, 4_040_000, "20260216-001")),
    )
    .await
    .unwrap();
    assert_eq!(made.committed, 0);

    let key_into_batch = |batch: &'static str| {
        let clerk = clerk.clone();
        async move {
            let started = clerk
                .start_entry(&StartEntryRequest {
                    form: "juminzei_shinkoku".into(),
                    person: Known::TAKAHASHI.into(),
                    paper: format!("{batch}/1"),
                    batch: Some(batch.into()),
                })
                .await
                .unwrap();
            clerk
                .submit_entry(
                    &started.id,
                    &SubmitRequest {
                        fields: secret(&declaration()),
                        reasons: BTreeMap::new(),
                    },
                )
                .await
                .unwrap();
            started.id
        }
    };
    let first = key_into_batch("20260216-001").await;
    let second_clerk = app.login(SECOND).await;
    let view = second_clerk.start_second(&first).await.unwrap();
    second_clerk
        .submit_second(&first, &second_keying(&view, &[]))
        .await
        .unwrap();

    // One form keyed of two: the batch names what is wrong and stays open.
    let close = "/batches/20260216-001/close".to_string();
    let Err((status, body)) = call::<BatchView>(&clerk, reqwest::Method::POST, &close, None).await
    else {
        panic!("must not close");
    };
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("batch 20260216-001: the header says 2 forms, 1 were keyed"),
        "{body}"
    );

    // A second form still in keying keeps it open too.
    let pending = key_into_batch("20260216-001").await;
    let Err((status, body)) = call::<BatchView>(&clerk, reqwest::Method::POST, &close, None).await
    else {
        panic!("must not close");
    };
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("1 of its entries are not committed yet"),
        "{body}"
    );
    let view = second_clerk.start_second(&pending).await.unwrap();
    second_clerk
        .submit_second(&pending, &second_keying(&view, &[]))
        .await
        .unwrap();

    let closed: BatchView = call(&clerk, reqwest::Method::POST, &close, None)
        .await
        .unwrap();
    assert_eq!((closed.committed, closed.committed_total), (2, 4_040_000));
    assert_eq!(closed.closed_by.as_deref(), Some(CLERK));
    // Nothing more is filed under a closed batch.
    let late = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "late".into(),
            batch: Some("20260216-001".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(late.status(), Some(400));
    let row = &app.outcome_tail(1)[0];
    assert_eq!(row.entry.action.as_str(), "batch_close");
    assert_eq!(
        row.entry.detail,
        "batch=20260216-001;committed=2/2;total=matches"
    );
}

#[tokio::test]
async fn the_batch_list_shows_open_batches_first_with_their_tallies_then_the_closed() {
    use bansho::api::entry::{BatchList, BatchView, OpenBatchRequest};
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let open = |id: &str, forms: i64, total: i64| OpenBatchRequest {
        id: id.into(),
        form: "juminzei_shinkoku".into(),
        forms,
        control_field: "income.total".into(),
        control_total: total,
    };
    for request in [
        open("b-1", 1, 2_020_000),
        open("b-2", 3, 1),
        open("b-3", 2, 0),
    ] {
        call::<BatchView>(&clerk, reqwest::Method::POST, "/batches", json(&request))
            .await
            .unwrap();
    }
    // b-1: one form keyed twice, agreed and committed, then closed.
    let started = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "b-1/1".into(),
            batch: Some("b-1".into()),
        })
        .await
        .unwrap();
    let submit = SubmitRequest {
        fields: secret(&declaration()),
        reasons: BTreeMap::new(),
    };
    clerk.submit_entry(&started.id, &submit).await.unwrap();
    let second_clerk = app.login(SECOND).await;
    let view = second_clerk.start_second(&started.id).await.unwrap();
    second_clerk
        .submit_second(&started.id, &second_keying(&view, &[]))
        .await
        .unwrap();
    call::<BatchView>(&clerk, reqwest::Method::POST, "/batches/b-1/close", None)
        .await
        .unwrap();
    // b-2: one form still being keyed.
    clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::TAKAHASHI.into(),
            paper: "b-2/1".into(),
            batch: Some("b-2".into()),
        })
        .await
        .unwrap();

    let list: BatchList = call(&second_clerk, reqwest::Method::GET, "/batches", None)
        .await
        .unwrap();
    let ids: Vec<&str> = list.batches.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["b-2", "b-3", "b-1"]);
    let b2 = &list.batches[0];
    assert_eq!((b2.forms, b2.committed, b2.open_entries), (3, 0, 1));
    assert_eq!(b2.closed_by, None);
    let b1 = &list.batches[2];
    assert_eq!((b1.committed, b1.committed_total), (1, 2_020_000));
    assert_eq!(b1.closed_by.as_deref(), Some(CLERK));
    let row = &app.outcome_tail(1)[0];
    assert_eq!(row.entry.action.as_str(), "batch_list");
    assert_eq!(row.entry.detail, "rows=3");

    // Deny by default: the route is in the table under KeyEntries, so the
    // 403 table test refuses it to every role without that permission.
    assert!(
        bansho::server::routes::ROUTES
            .iter()
            .any(|r| r.method == "GET"
                && r.path == "/batches"
                && r.access
                    == bansho::server::routes::Access::Permission(
                        bansho::domain::roles::Permission::KeyEntries
                    ))
    );
    let supervisor = app.login(SUPERVISOR).await;
    let refused = call::<BatchList>(&supervisor, reqwest::Method::GET, "/batches", None).await;
    assert_eq!(refused.unwrap_err().0, 403);
}

#[tokio::test]
async fn the_quality_view_counts_slips_per_thousand_fields_for_the_keyer_who_made_them() {
    use bansho::api::entry::QualityReport;
    let app = spawn_app().await;
    let (_, id) = keyed_once(&app).await;
    let second = app.login(SECOND).await;
    let view = second.start_second(&id).await.unwrap();
    let slipped = second_keying(&view, &[("revenue.salary", "3,000,600")]);
    second.submit_second(&id, &slipped).await.unwrap();
    let done = second
        .rekey(&id, &only(&[("revenue.salary", "3,000,000")]))
        .await
        .unwrap();
    assert_eq!(done.state, "committed");

    let supervisor = app.login(SUPERVISOR).await;
    let report: QualityReport = call(&supervisor, reqwest::Method::GET, "/entries/quality", None)
        .await
        .unwrap();
    let of = |staff: &str| report.operators.iter().find(|o| o.staff == staff).unwrap();
    let (first, verifier) = (of(CLERK), of(SECOND));
    assert_eq!(first.total.slips, 0);
    assert_eq!(first.total.fields, declaration().len() as u64);
    assert_eq!(verifier.total.slips, 1);
    assert_eq!(verifier.by_kind["amount"].slips, 1);
    let expected = 1000.0 / verifier.total.fields as f64;
    assert!((verifier.total.per_thousand - (expected * 100.0).round() / 100.0).abs() < 1e-9);
    // Clerks do not see their colleagues' figures.
    let clerk = app.login(CLERK).await;
    let refused =
        call::<QualityReport>(&clerk, reqwest::Method::GET, "/entries/quality", None).await;
    assert_eq!(refused.unwrap_err().0, 403);
}

#[tokio::test]
async fn an_identity_difference_at_intake_blocks_the_submit_until_a_supervisor_settles_it() {
    use bansho::api::entry::{IdentityRequest, PresentedBasic4};
    use bansho::domain::entry::identity::{IdDocument, Intake, NumberDocument};
    use bansho::domain::resident::Sex;
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let start = || StartEntryRequest {
        form: "juminzei_shinkoku".into(),
        person: Known::TAKAHASHI.into(),
        paper: "p".into(),
        batch: None,
    };
    let counter = |documents: Vec<IdDocument>| Intake::Counter {
        documents,
        number_document: NumberDocument::NotificationCard,
    };
    let presented = |address: &str| PresentedBasic4 {
        // A variant spelling and full-width digits are the same person.
        name: KeyedValue::new("高橋一郎"),
        birth: KeyedValue::new("H5.1.1"),
        sex: Sex::Male,
        address: KeyedValue::new(address),
    };
    let identity = |id: &str, intake, address: &str| {
        let body = IdentityRequest {
            intake,
            presented: presented(address),
        };
        let path = format!("/entries/{id}/identity");
        let clerk = clerk.clone();
        async move { call::<EntryView>(&clerk, reqwest::Method::POST, &path, json(&body)).await }
    };

    // The same person as registered: nothing differs, the form goes on.
    let same = clerk.start_entry(&start()).await.unwrap();
    let view = identity(
        &same.id,
        counter(vec![IdDocument::MyNumberCard]),
        "番所市本町３丁目４番５号",
    )
    .await
    .unwrap();
    assert_eq!(
        view.identity.as_ref().unwrap().differences,
        Vec::<String>::new()
    );

    // Two documents without a photo prove nothing.
    let other = clerk.start_entry(&start()).await.unwrap();
    let (status, body) = identity(
        &other.id,
        counter(vec![
            IdDocument::HealthInsuranceCard,
            IdDocument::PensionBook,
        ]),
        "番所市本町3丁目4番5号",
    )
    .await
    .unwrap_err();
    assert_eq!(status, 422);
    assert!(body.contains("two_without_photo"), "{body}");

    // Another address: recorded, named (never the values), and the form
    // cannot be submitted until a supervisor settles it.
    let view = identity(
        &other.id,
        counter(vec![IdDocument::DriversLicence]),
        "東京都千代田区1-1",
    )
    .await
    .unwrap();
    assert_eq!(view.identity.as_ref().unwrap().differences, ["address"]);
    assert!(!serde_json::to_string(&view).unwrap().contains("千代田"));
    let submit = SubmitRequest {
        fields: secret(&declaration()),
        reasons: BTreeMap::new(),
    };
    let Err(ClientError::Entry { refusal, .. }) = clerk.submit_entry(&other.id, &submit).await
    else {
        panic!("an unsettled identity must block the submit");
    };
    assert_eq!(refusal.problems[0].code, "identity_unsettled");
    let row = &app.outcome_tail(2)[1];
    assert_eq!(row.entry.action.as_str(), "entry_identity");
    assert_eq!(
        row.entry.detail,
        format!("entry={};state=first_keying;differences=1", other.id)
    );

    let supervisor = app.login(SUPERVISOR).await;
    let settle = format!("/entries/{}/identity/settle", other.id);
    let settled: EntryView = call(
        &supervisor,
        reqwest::Method::POST,
        &settle,
        json(&DiscardRequest {
            reason: "転居届 seen: moved on 2026-11-01".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        settled.identity.unwrap().settled_by.as_deref(),
        Some(SUPERVISOR)
    );
    let clerk = app.login(CLERK).await;
    assert_eq!(
        clerk.submit_entry(&other.id, &submit).await.unwrap().state,
        "awaiting_second"
    );
}

#[tokio::test]
async fn a_dependent_claimed_on_another_taxpayers_form_needs_a_reason_nayose() {
    let app = spawn_app().await;
    let child = [
        ("dependents[0].name", "高橋 花"),
        ("dependents[0].my_number", "345678901234"),
        ("dependents[0].relation", "child"),
        ("dependents[0].birth", "2015-05-05"),
    ];
    let with_child = || {
        let mut typed = declaration();
        typed.extend(
            child
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        typed
    };
    let keyed_for = |person: &'static str,
                     typed: BTreeMap<String, String>,
                     reasons: BTreeMap<String, String>| {
        let app = &app;
        async move {
            let clerk = app.login(CLERK).await;
            let started = clerk
                .start_entry(&StartEntryRequest {
                    form: "juminzei_shinkoku".into(),
                    person: person.into(),
                    paper: "p".into(),
                    batch: None,
                })
                .await
                .unwrap();
            let submitted = clerk
                .submit_entry(
                    &started.id,
                    &SubmitRequest {
                        fields: secret(&typed),
                        reasons,
                    },
                )
                .await;
            (started.id, submitted)
        }
    };
    // Takahashi's form claims the child and commits.
    let (id, submitted) = keyed_for(Known::TAKAHASHI, with_child(), BTreeMap::new()).await;
    submitted.unwrap();
    let second = app.login(SECOND).await;
    let view = second.start_second(&id).await.unwrap();
    let mut again = second_keying(&view, &[]);
    for (k, v) in &child {
        if view.to_key.iter().any(|t| t.replace("[]", "[0]") == *k) {
            again.fields.insert((*k).to_owned(), KeyedValue::new(*v));
        }
    }
    assert_eq!(
        second.submit_second(&id, &again).await.unwrap().state,
        "committed"
    );

    // Yamazaki's form claims the same child: a warning on that field.
    let (_, refused) = keyed_for(Known::YAMAZAKI, with_child(), BTreeMap::new()).await;
    let Err(ClientError::Entry { refusal, .. }) = refused else {
        panic!("the second claim must be flagged");
    };
    let warning = &refusal.problems[0];
    assert_eq!(
        (warning.code.as_str(), warning.severity.as_str()),
        ("claimed_elsewhere", "warning")
    );
    assert_eq!(warning.fields, ["dependents[0].my_number"]);
    assert!(
        !serde_json::to_string(&refusal)
            .unwrap()
            .contains(Known::TAKAHASHI),
        "never says who"
    );
    // With the clerk's reason it goes on; Takahashi's own later form is no second claim.
    let reasons: BTreeMap<String, String> = [(
        warning.key.clone().unwrap(),
        "parents divorced in 2025: confirmed with both".to_owned(),
    )]
    .into();
    let (_, accepted) = keyed_for(Known::YAMAZAKI, with_child(), reasons).await;
    assert_eq!(accepted.unwrap().state, "awaiting_second");
    let (_, own) = keyed_for(Known::TAKAHASHI, with_child(), BTreeMap::new()).await;
    assert_eq!(own.unwrap().state, "awaiting_second");
}

#[tokio::test]
async fn a_protected_persons_record_hides_the_address_from_clerks_and_every_touch_is_highlighted() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let started = clerk
        .start_entry(&StartEntryRequest {
            form: "juminzei_shinkoku".into(),
            person: Known::PROTECTED.into(),
            paper: "p".into(),
            batch: None,
        })
        .await
        .unwrap();
    let mut typed = declaration();
    typed.insert("taxpayer.address".into(), Known::PROTECTED_ADDRESS.into());
    clerk
        .submit_entry(
            &started.id,
            &SubmitRequest {
                fields: secret(&typed),
                reasons: BTreeMap::new(),
            },
        )
        .await
        .unwrap();
    let second = app.login(SECOND).await;
    let view = second.start_second(&started.id).await.unwrap();
    assert_eq!(
        second
            .submit_second(&started.id, &second_keying(&view, &[]))
            .await
            .unwrap()
            .state,
        "committed"
    );
    let entry_rows: Vec<_> = app
        .audit_tail(30)
        .into_iter()
        .filter(|r| {
            r.entry.action.as_str().starts_with("entry_") && r.entry.subjects == [Known::PROTECTED]
        })
        .collect();
    assert!(
        !entry_rows.is_empty() && entry_rows.iter().all(|r| r.entry.sensitive),
        "{entry_rows:?}"
    );

    let path = format!("/records/{}/juminzei_shinkoku", Known::PROTECTED);
    let clerk = app.login(CLERK).await;
    let history: RecordHistory = call(&clerk, reqwest::Method::GET, &path, None)
        .await
        .unwrap();
    assert!(!history.versions[0].values.contains_key("taxpayer.address"));
    assert!(!serde_json::to_string(&history).unwrap().contains("北町"));
    let row = &app.outcome_tail(1)[0];
    assert_eq!(row.entry.action.as_str(), "record_view");
    assert!(row.entry.sensitive);
    let supervisor = app.login(SUPERVISOR).await;
    let seen: RecordHistory = call(&supervisor, reqwest::Method::GET, &path, None)
        .await
        .unwrap();
    assert_eq!(
        seen.versions[0].values["taxpayer.address"].expose(),
        Known::PROTECTED_ADDRESS
    );

    // A correction's diff hides it from the clerk who proposes one too.
    let request = ProposeCorrectionRequest {
        base_version: 1,
        fields: [(
            "deductions.social_insurance".to_owned(),
            KeyedValue::new("400,000"),
        )]
        .into(),
        reason: "paper".into(),
        paper: "p".into(),
    };
    let proposed: CorrectionView = call(
        &clerk,
        reqwest::Method::POST,
        &format!("{path}/corrections"),
        json(&request),
    )
    .await
    .unwrap();
    assert!(!serde_json::to_string(&proposed).unwrap().contains("北町"));
}

#[tokio::test]
async fn the_decision_queue_lists_an_identity_difference_until_a_supervisor_settles_it() {
    use bansho::api::entry::{IdentityRequest, PresentedBasic4};
    use bansho::domain::entry::identity::{IdDocument, Intake, NumberDocument};
    use bansho::domain::resident::Sex;
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let start = || StartEntryRequest {
        form: "juminzei_shinkoku".into(),
        person: Known::TAKAHASHI.into(),
        paper: "2026-02-16/004/001".into(),
        batch: None,
    };
    let record = |id: String, address: &'static str| {
        let clerk = clerk.clone();
        async move {
            let body = IdentityRequest {
                intake: Intake::ByPost {
                    documents: vec![IdDocument::MyNumberCard],
                    number_document: NumberDocument::MyNumberCard,
                },
                presented: PresentedBasic4 {
                    name: KeyedValue::new("高橋一郎"),
                    birth: KeyedValue::new("H5.1.1"),
                    sex: Sex::Male,
                    address: KeyedValue::new(address),
                },
            };
            clerk.record_identity(&id, &body).await.unwrap()
        }
    };
    // One matches, one differs, one has no identity check yet.
    let same = clerk.start_entry(&start()).await.unwrap();
    record(same.id.clone(), "番所市本町3丁目4番5号").await;
    let differs = clerk.start_entry(&start()).await.unwrap();
    let recorded = record(differs.id.clone(), "東京都千代田区1-1").await;
    assert_eq!(recorded.identity.unwrap().differences, ["address"]);
    clerk.start_entry(&start()).await.unwrap();

    let supervisor = app.login(SUPERVISOR).await;
    let queue = supervisor.entry_decisions().await.unwrap();
    let listed: Vec<(&str, &str, Option<&str>)> = queue
        .entries
        .iter()
        .map(|e| (e.id.as_str(), e.state.as_str(), e.kind.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [(
            differs.id.as_str(),
            "first_keying",
            Some("identity_difference")
        )]
    );
    assert_eq!(queue.entries[0].paper, "2026-02-16/004/001");
    // Opened to settle: which fields differ, never the values or the draft.
    let view = supervisor.entry_decision(&differs.id).await.unwrap();
    assert_eq!(view.identity.as_ref().unwrap().differences, ["address"]);
    assert!(view.draft.is_none());
    assert!(!serde_json::to_string(&view).unwrap().contains("千代田"));
    // The clerk's own work list says nothing of a kind.
    let work = clerk.entry_work().await.unwrap();
    assert!(work.entries.iter().all(|e| e.kind.is_none()));
    assert_eq!(work.entries.len(), 3);

    let settled = supervisor
        .settle_identity(
            &differs.id,
            &DiscardRequest {
                reason: "転居届を確認".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        settled.identity.unwrap().settled_by.as_deref(),
        Some(SUPERVISOR)
    );
    let queue = supervisor.entry_decisions().await.unwrap();
    assert!(queue.entries.is_empty(), "{:?}", queue.entries);
}
