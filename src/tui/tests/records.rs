//! A record's declaration history (F7), a clerk's correction proposed
//! from it, the supervisor's review of corrections and the clerk's
//! re-verification list: which call leaves on which key, with what, and
//! how each screen looks at 80x24.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use super::*;
use crate::api::entry::{
    CorrectionList, CorrectionView, EntryQueue, FieldChange, Problem, RecordHistory,
    RecordVersionView, ReverifyItemView, ReverifyList,
};
use crate::secret::KeyedValue;
use crate::tui::action::{EntryAnswer, RecordsAnswer};
use crate::tui::effect::RecordsCall;
use crate::tui::entry_call::Refusal;
use crate::tui::screens::records::propose::Stage;

// ---- fixtures -------------------------------------------------------------

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, KeyedValue> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), KeyedValue::new(*v)))
        .collect()
}

fn first_values(social: &str) -> BTreeMap<String, KeyedValue> {
    values(&[
        ("taxpayer.address", "東京都千代田区千代田1-1"),
        ("taxpayer.jan1_address", "東京都千代田区千代田1-1"),
        ("taxpayer.name", "髙橋 一郎"),
        ("taxpayer.kana", "タカハシ イチロウ"),
        ("taxpayer.birth", "1980-04-01"),
        ("taxpayer.my_number", "********5678"),
        ("revenue.salary", "5000000"),
        ("income.salary", "3560000"),
        ("income.total", "3560000"),
        ("deductions.social_insurance", social),
        ("collection.method", "special"),
    ])
}

fn history() -> RecordHistory {
    RecordHistory {
        person: "1000000001".into(),
        form: "juminzei_shinkoku".into(),
        versions: vec![
            RecordVersionView {
                version: 1,
                at: "2026-02-16T00:30:00Z".into(),
                first_by: "kazei01".into(),
                second_by: Some("kazei02".into()),
                decided: [("income.salary".to_string(), "kazei-sv".to_string())].into(),
                corrected_by: None,
                approved_by: None,
                reason: None,
                paper: None,
                values: first_values("450000"),
                changed: vec![],
            },
            RecordVersionView {
                version: 2,
                at: "2026-02-17T01:23:00Z".into(),
                first_by: "kazei01".into(),
                second_by: Some("kazei02".into()),
                decided: BTreeMap::new(),
                corrected_by: Some("kazei03".into()),
                approved_by: Some("kazei-sv".into()),
                reason: Some("用紙では405,000円".into()),
                paper: Some("2026-02-16/001/003".into()),
                values: first_values("405000"),
                changed: vec!["deductions.social_insurance".into()],
            },
        ],
    }
}

fn correction() -> CorrectionView {
    CorrectionView {
        id: "c0ffee00c0ffee00c0ffee00c0ffee00".into(),
        person: "1000000001".into(),
        form: "juminzei_shinkoku".into(),
        state: "proposed".into(),
        base_version: 2,
        proposed_by: "kazei01".into(),
        reason: "再確認: 用紙では400,000円".into(),
        paper: "2026-02-16/001/003".into(),
        changes: vec![
            FieldChange {
                field: "deductions.social_insurance".into(),
                before: Some(KeyedValue::new("405000")),
                after: Some(KeyedValue::new("400000")),
            },
            FieldChange {
                field: "revenue.salary".into(),
                before: Some(KeyedValue::new("5000000")),
                after: Some(KeyedValue::new("5100000")),
            },
        ],
        reviewed_by: None,
        review_reason: None,
        version: None,
    }
}

fn items() -> Vec<ReverifyItemView> {
    let item = |entry: &str, person: &str, why: &[&str], overdue: bool| ReverifyItemView {
        entry: entry.into(),
        list_day: "2026-02-17".into(),
        person: person.into(),
        form: "juminzei_shinkoku".into(),
        why: why.iter().map(|w| (*w).to_string()).collect(),
        assigned_to: Some("kazei01".into()),
        due: if overdue { "2026-02-16" } else { "2026-02-17" }.into(),
        state: "open".into(),
        overdue,
        days_overdue: i64::from(overdue),
    };
    vec![
        item("e1", "1000000001", &["new_keyer", "large_amount"], false),
        item("e2", "1000000002", &["warning_overridden"], true),
    ]
}

fn supervisor() -> SessionInfo {
    let (role, department) = (Role::Supervisor, Department::Assessment);
    SessionInfo {
        staff: StaffInfo {
            user_id: "kazei-sv".into(),
            display_name: "鈴木 一".into(),
            role,
            department,
        },
        permissions: crate::domain::roles::permissions(role, department).to_vec(),
        pin_change_required: false,
        ..session(Department::Assessment)
    }
}

fn records_call(effects: Vec<Effect>) -> RecordsCall {
    match effects
        .into_iter()
        .find(|e| matches!(e, Effect::Records(_)))
    {
        Some(Effect::Records(call)) => call,
        other => panic!("no record call: {other:?}"),
    }
}

fn answer(app: &mut App, answer: RecordsAnswer) -> Vec<Effect> {
    update(app, Action::Records(answer))
}

fn text(app: &App) -> String {
    screen_text(&draw(app, 80, 24))
}

fn refusal(code: ErrorCode, status: u16, problems: Vec<Problem>) -> Refusal {
    Refusal {
        failure: Failure::service(code, status, "refused"),
        problems,
    }
}

/// A clerk on a resident's record, then F7 and the history answered.
fn history_of_record(lang: Lang) -> App {
    let mut app = new_app(lang, false);
    log_in(&mut app, Department::Assessment);
    search(&mut app, "髙橋", found(results(), false));
    open_record(&mut app, Department::Assessment);
    let call = records_call(press(&mut app, KeyCode::F(7)));
    let RecordsCall::History { person, form } = call else {
        panic!("{call:?}");
    };
    assert_eq!(
        (person.as_str(), form.as_str()),
        ("1000000001", "juminzei_shinkoku")
    );
    answer(
        &mut app,
        RecordsAnswer::History {
            person,
            result: Ok(history()),
        },
    );
    assert_eq!(app.screen(), Screen::Records);
    app
}

// ---- 1. the history -------------------------------------------------------

#[test]
fn f7_on_a_record_shows_the_versions_newest_first_with_what_changed() {
    let mut app = history_of_record(Lang::Ja);
    let shown = text(&app);
    assert!(shown.contains("第2版"), "{shown}");
    assert!(shown.contains("訂正 kazei03  承認 kazei-sv"), "{shown}");
    assert!(
        shown.contains("入力 kazei01  照合 kazei02  判定 kazei-sv"),
        "{shown}"
    );
    // The changed field first, marked, before and after grouped.
    let changed = shown
        .lines()
        .find(|l| l.contains("* "))
        .unwrap_or_default()
        .to_string();
    assert!(
        changed.contains("450,000") && changed.contains("405,000"),
        "{shown}"
    );
    insta::assert_snapshot!("records_history_ja", draw(&app, 80, 24).backend());

    // The older version: nothing before it, nothing marked.
    press(&mut app, KeyCode::Down);
    let history = app.records().and_then(|r| r.history()).unwrap();
    assert_eq!(history.versions[history.selected].version, 1);
    assert!(history.rows().iter().all(|r| !r.changed));
    // Back goes to the record.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), Screen::Record);
}

#[test]
fn an_empty_history_says_so() {
    let mut app = new_app(Lang::En, false);
    log_in(&mut app, Department::Assessment);
    search(&mut app, "takahashi", found(results(), false));
    open_record(&mut app, Department::Assessment);
    let call = records_call(press(&mut app, KeyCode::F(7)));
    let RecordsCall::History { person, .. } = call else {
        panic!("{call:?}");
    };
    answer(
        &mut app,
        RecordsAnswer::History {
            person,
            result: Ok(RecordHistory {
                versions: vec![],
                ..history()
            }),
        },
    );
    assert!(text(&app).contains("This person has no declaration on record yet"));
    insta::assert_snapshot!("records_history_empty_en", draw(&app, 80, 24).backend());
    // Nothing to propose a correction of.
    assert!(press(&mut app, KeyCode::F(4)).is_empty());
    assert!(text(&app).contains("There is no version to correct"));
}

#[test]
fn a_role_without_tax_records_gets_no_history_call() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Collections);
    search(&mut app, "髙橋", found(results(), false));
    open_record(&mut app, Department::Collections);
    assert!(!text(&app).contains("F7"));
    assert!(press(&mut app, KeyCode::F(7)).is_empty());
    assert_eq!(app.screen(), Screen::Record);
    assert!(text(&app).contains("申告書の記録を見られません"));
}

// ---- 2. a correction proposed ---------------------------------------------

fn to_field(app: &mut App, name: &str) {
    let at = app
        .records()
        .and_then(|r| r.propose())
        .map(|p| {
            p.form
                .fields()
                .iter()
                .position(|f| f.path.to_string() == name)
                .unwrap()
        })
        .unwrap();
    for _ in 0..at {
        press(app, KeyCode::Down);
    }
}

#[test]
fn a_correction_is_typed_over_the_form_checked_summarised_and_sent_after_a_yes() {
    let mut app = history_of_record(Lang::Ja);
    assert!(press(&mut app, KeyCode::F(4)).is_empty());
    let propose = app.records().and_then(|r| r.propose()).unwrap();
    assert_eq!(propose.base_version, 2);
    assert!(propose.changes().is_empty(), "the newest values, unchanged");
    // The masked My Number is not typed in, and not sent.
    let number = propose
        .form
        .fields()
        .iter()
        .find(|f| f.path.to_string() == "taxpayer.my_number")
        .unwrap();
    assert!(number.input.text().is_empty());
    // F8 with nothing changed says so.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(text(&app).contains("変更した項目がありません"));

    to_field(&mut app, "deductions.social_insurance");
    ctrl(&mut app, 'u');
    type_text(&mut app, "40O,000");
    // Checked as typed, with the keying form's check: F8 refuses it.
    press(&mut app, KeyCode::F(8));
    assert_eq!(
        app.records().and_then(|r| r.propose()).map(|p| p.stage),
        Some(Stage::Form)
    );
    assert!(
        text(&app).contains("1項目に誤りがあります"),
        "{}",
        text(&app)
    );
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "0,000");
    insta::assert_snapshot!("records_propose_form_ja", draw(&app, 80, 24).backend());

    press(&mut app, KeyCode::F(8));
    assert_eq!(
        app.records().and_then(|r| r.propose()).map(|p| p.stage),
        Some(Stage::Summary)
    );
    // No reason, no paper: asked for, nothing leaves.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(text(&app).contains("訂正の理由を入力してください"));
    type_text(&mut app, "用紙では400,000円");
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(text(&app).contains("用紙番号を入力してください"));
    // The focus went to the paper.
    type_text(&mut app, "2026-02-16/001/003");
    insta::assert_snapshot!("records_propose_summary_ja", draw(&app, 80, 24).backend());

    assert!(ctrl(&mut app, 's').is_empty(), "asks first");
    assert_eq!(
        app.pending(),
        Some(&PendingAction::ProposeCorrection {
            person: "1000000001".into()
        })
    );
    let call = records_call(press(&mut app, KeyCode::Enter));
    let RecordsCall::Propose {
        person,
        form,
        request,
    } = call
    else {
        panic!("{call:?}");
    };
    assert_eq!(
        (person.as_str(), form.as_str()),
        ("1000000001", "juminzei_shinkoku")
    );
    assert_eq!(request.base_version, 2);
    let sent: Vec<(&str, &str)> = request
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    assert_eq!(sent, [("deductions.social_insurance", "400,000")]);
    assert_eq!(request.reason, "用紙では400,000円");
    assert_eq!(request.paper, "2026-02-16/001/003");

    // A stale base version is said in words, and nothing is lost.
    answer(
        &mut app,
        RecordsAnswer::Proposed {
            person: person.clone(),
            result: Err(refusal(ErrorCode::EntryConflict, 409, vec![])),
        },
    );
    assert!(
        text(&app).contains("この記録はその後に更新されています"),
        "{}",
        text(&app)
    );
    assert_eq!(
        app.records()
            .and_then(|r| r.propose())
            .map(|p| p.changes().len()),
        Some(1)
    );
    // The checks' problems go beside their fields, back on the form.
    press(&mut app, KeyCode::F(8));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(records_call(effects), RecordsCall::Propose { .. }));
    let problem = Problem {
        code: "deductions_total".into(),
        fields: vec!["deductions.social_insurance".into()],
        severity: "error".into(),
        key: None,
        expected: None,
        message: "deductions total".into(),
    };
    answer(
        &mut app,
        RecordsAnswer::Proposed {
            person: person.clone(),
            result: Err(refusal(ErrorCode::EntryInvalid, 422, vec![problem])),
        },
    );
    assert_eq!(
        app.records().and_then(|r| r.propose()).map(|p| p.stage),
        Some(Stage::Form)
    );
    assert!(
        text(&app).contains("控除額の合計が内訳より少ない"),
        "{}",
        text(&app)
    );
    // Proposed: the history is loaded again.
    press(&mut app, KeyCode::F(8));
    press(&mut app, KeyCode::F(8));
    press(&mut app, KeyCode::Enter);
    let effects = answer(
        &mut app,
        RecordsAnswer::Proposed {
            person,
            result: Ok(correction()),
        },
    );
    assert!(matches!(records_call(effects), RecordsCall::History { .. }));
}

#[test]
fn leaving_a_typed_correction_asks_first() {
    let mut app = history_of_record(Lang::Ja);
    press(&mut app, KeyCode::F(4));
    to_field(&mut app, "revenue.salary");
    ctrl(&mut app, 'u');
    type_text(&mut app, "5100000");
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.pending(),
        Some(&PendingAction::LeaveCorrection {
            person: "1000000001".into()
        })
    );
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(records_call(effects), RecordsCall::History { .. }));
}

// ---- 3. the supervisor's review --------------------------------------------

fn corrections_tab(lang: Lang, session: SessionInfo) -> App {
    let mut app = new_app(lang, false);
    log_in_as(&mut app, session);
    press(&mut app, KeyCode::F(6));
    update(
        &mut app,
        Action::Entry(EntryAnswer::Queue {
            decisions: true,
            result: Ok(EntryQueue { entries: vec![] }),
        }),
    );
    assert!(matches!(
        records_call(press(&mut app, KeyCode::Tab)),
        RecordsCall::Corrections
    ));
    answer(
        &mut app,
        RecordsAnswer::Corrections(Ok(CorrectionList {
            corrections: vec![correction()],
        })),
    );
    app
}

fn open_review(app: &mut App) {
    let call = records_call(press(app, KeyCode::Enter));
    let RecordsCall::Correction(id) = call else {
        panic!("{call:?}");
    };
    assert_eq!(id, correction().id);
    answer(
        app,
        RecordsAnswer::Correction {
            id,
            result: Ok(correction()),
        },
    );
    assert!(app.records().and_then(|r| r.review()).is_some());
}

#[test]
fn a_supervisor_reviews_a_correction_field_by_field_and_approves_after_a_yes() {
    let mut app = corrections_tab(Lang::Ja, supervisor());
    let shown = text(&app);
    assert!(
        shown.contains("訂正審査") && shown.contains("kazei01"),
        "{shown}"
    );
    insta::assert_snapshot!("records_corrections_ja", draw(&app, 80, 24).backend());

    open_review(&mut app);
    let shown = text(&app);
    assert!(
        shown.contains("405,000") && shown.contains("400,000"),
        "{shown}"
    );
    assert!(shown.contains("提案 kazei01"), "{shown}");
    insta::assert_snapshot!("records_review_ja", draw(&app, 80, 24).backend());

    // A reason first; letters are typed, never commands.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(text(&app).contains("審査の理由を入力してください"));
    type_text(&mut app, "用紙と照合済み");
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::ApproveCorrection {
            id: correction().id
        })
    );
    let call = records_call(press(&mut app, KeyCode::Enter));
    let RecordsCall::Review {
        id,
        approve,
        request,
    } = call
    else {
        panic!("{call:?}");
    };
    assert!(approve);
    assert_eq!(request.reason, "用紙と照合済み");
    let effects = answer(
        &mut app,
        RecordsAnswer::Reviewed {
            id,
            approve,
            result: Ok(CorrectionView {
                state: "approved".into(),
                version: Some(3),
                ..correction()
            }),
        },
    );
    assert!(matches!(records_call(effects), RecordsCall::Corrections));
    assert!(text(&app).contains("第3版"), "{}", text(&app));
}

#[test]
fn a_rejection_asks_first_and_an_own_proposal_is_refused_in_words() {
    let mut app = corrections_tab(Lang::En, supervisor());
    open_review(&mut app);
    type_text(&mut app, "the paper says 405,000");
    assert!(ctrl(&mut app, 'x').is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::RejectCorrection {
            id: correction().id
        })
    );
    insta::assert_snapshot!("records_review_reject_en", draw(&app, 80, 24).backend());
    let call = records_call(press(&mut app, KeyCode::Enter));
    let RecordsCall::Review { id, approve, .. } = call else {
        panic!("{call:?}");
    };
    assert!(!approve);
    // The service says it is the caller's own: in words, not its English.
    answer(
        &mut app,
        RecordsAnswer::Reviewed {
            id,
            approve,
            result: Err(refusal(ErrorCode::EntryNotYours, 403, vec![])),
        },
    );
    assert!(
        text(&app).contains("Nobody reviews their own correction"),
        "{}",
        text(&app)
    );
    assert!(!text(&app).contains("refused"));
}

#[test]
fn the_proposer_sees_it_is_their_own_and_nothing_leaves() {
    let own = SessionInfo {
        staff: StaffInfo {
            user_id: "kazei01".into(),
            ..supervisor().staff
        },
        ..supervisor()
    };
    let mut app = corrections_tab(Lang::Ja, own);
    open_review(&mut app);
    assert!(text(&app).contains("自分が提案した訂正は承認・却下できません"));
    type_text(&mut app, "ok");
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(app.pending().is_none());
}

// ---- 4. the re-verification list -------------------------------------------

fn reverify_tab(lang: Lang) -> App {
    let mut app = new_app(lang, false);
    log_in(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(6));
    update(
        &mut app,
        Action::Entry(EntryAnswer::Queue {
            decisions: false,
            result: Ok(EntryQueue { entries: vec![] }),
        }),
    );
    assert!(matches!(
        records_call(press(&mut app, KeyCode::Tab)),
        RecordsCall::Reverify
    ));
    answer(
        &mut app,
        RecordsAnswer::Reverify(Ok(ReverifyList { items: items() })),
    );
    app
}

fn open_item(app: &mut App) {
    let call = records_call(press(app, KeyCode::Enter));
    let RecordsCall::History { person, form } = call else {
        panic!("{call:?}");
    };
    assert_eq!(
        (person.as_str(), form.as_str()),
        ("1000000001", "juminzei_shinkoku")
    );
    answer(
        app,
        RecordsAnswer::History {
            person,
            result: Ok(history()),
        },
    );
}

#[test]
fn the_list_names_why_and_when_and_an_item_opens_its_record_to_check() {
    let mut app = reverify_tab(Lang::Ja);
    let shown = text(&app);
    assert!(shown.contains("新任の入力者、高額"), "{shown}");
    assert!(shown.contains("期限超過 2026-02-16"), "{shown}");
    insta::assert_snapshot!("records_reverify_ja", draw(&app, 80, 24).backend());

    open_item(&mut app);
    let shown = text(&app);
    assert!(
        shown.contains("再確認") && shown.contains("期限 2026-02-17"),
        "{shown}"
    );
    insta::assert_snapshot!("records_history_item_ja", draw(&app, 80, 24).backend());

    // Verified: asks, marks, back to the list loaded again.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::MarkVerified { entry: "e1".into() })
    );
    let call = records_call(press(&mut app, KeyCode::Enter));
    assert!(matches!(
        &call,
        RecordsCall::Resolve { entry, verified: true } if entry == "e1"
    ));
    let effects = answer(
        &mut app,
        RecordsAnswer::Resolved {
            entry: "e1".into(),
            verified: true,
            result: Ok(()),
        },
    );
    assert!(matches!(records_call(effects), RecordsCall::Reverify));
}

#[test]
fn needs_correction_marks_the_item_and_opens_the_proposal() {
    let mut app = reverify_tab(Lang::Ja);
    open_item(&mut app);
    assert!(ctrl(&mut app, 'x').is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::MarkNeedsCorrection { entry: "e1".into() })
    );
    let call = records_call(press(&mut app, KeyCode::Enter));
    assert!(matches!(
        &call,
        RecordsCall::Resolve { entry, verified: false } if entry == "e1"
    ));
    answer(
        &mut app,
        RecordsAnswer::Resolved {
            entry: "e1".into(),
            verified: false,
            result: Ok(()),
        },
    );
    let propose = app.records().and_then(|r| r.propose()).unwrap();
    assert_eq!(propose.base_version, 2);
    // The paper of the version checked is offered for the proposal.
    assert_eq!(propose.paper.text(), "2026-02-16/001/003");
}

#[test]
fn a_record_answer_for_a_screen_gone_shows_only_a_failure() {
    let mut app = reverify_tab(Lang::En);
    let ignored = answer(
        &mut app,
        RecordsAnswer::Correction {
            id: "x".into(),
            result: Ok(correction()),
        },
    );
    assert!(ignored.is_empty());
    assert!(app.records().and_then(|r| r.review()).is_none());
}
