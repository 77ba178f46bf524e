//! The review tabs: a supervisor's overdue re-verification items and
//! quality figures, and a clerk's batches (束) with the current batch a
//! new keying is filed under.

use crossterm::event::KeyCode;

use super::*;
use crate::api::ErrorCode;
use crate::api::entry::{
    BatchList, BatchView, OperatorQualityView, QualityReport, RateView, ReverifyItemView,
    ReverifyList,
};
use crate::domain::entry::forms;
use crate::tui::action::ReviewAnswer;
use crate::tui::effect::{EntryCall, ReviewCall};
use crate::tui::screens::review::batches::amount_fields;
use crate::tui::screens::tabs::Tab;

fn supervisor() -> SessionInfo {
    let mut s = session(Department::Assessment);
    s.staff.user_id = "kazei09".into();
    s.staff.role = crate::domain::roles::Role::Supervisor;
    s.permissions = crate::domain::roles::permissions(
        crate::domain::roles::Role::Supervisor,
        Department::Assessment,
    )
    .to_vec();
    s
}

fn review_call(effects: Vec<Effect>) -> ReviewCall {
    let mut calls = effects.into_iter().filter_map(|e| match e {
        Effect::Review(call) => Some(call),
        _ => None,
    });
    let call = calls.next().expect("a review call");
    assert!(calls.next().is_none(), "one call only");
    call
}

fn answer(app: &mut App, answer: ReviewAnswer) -> Vec<Effect> {
    update(app, Action::Review(answer))
}

/// A supervisor on the work screen, tabbed to `tab` (its call checked).
fn supervisor_on(lang: Lang, tab: Tab) -> App {
    let mut app = new_app(lang, false);
    log_in_as(&mut app, supervisor());
    let first = press(&mut app, KeyCode::F(6));
    assert!(
        matches!(first.as_slice(), [Effect::Entry(EntryCall::Decisions)]),
        "{first:?}"
    );
    // Past the corrections tab.
    press(&mut app, KeyCode::Tab);
    let overdue = review_call(press(&mut app, KeyCode::Tab));
    assert!(matches!(overdue, ReviewCall::Overdue));
    if tab == Tab::Quality {
        assert!(matches!(
            review_call(press(&mut app, KeyCode::Tab)),
            ReviewCall::Quality
        ));
    }
    assert_eq!(app.review().map(|r| r.tab()), Some(tab));
    app
}

fn item(entry: &str, why: &[&str], assigned: Option<&str>, days: i64) -> ReverifyItemView {
    ReverifyItemView {
        entry: entry.into(),
        list_day: "2026-11-24".into(),
        person: "1000000001".into(),
        form: "juminzei_shinkoku".into(),
        why: why.iter().map(|w| w.to_string()).collect(),
        assigned_to: assigned.map(Into::into),
        due: "2026-11-24".into(),
        state: "open".into(),
        overdue: days > 0,
        days_overdue: days,
    }
}

fn overdue_list() -> ReverifyList {
    ReverifyList {
        items: vec![
            item("e1", &["new_keyer", "large_amount"], Some("kazei03"), 3),
            item("e2", &["warning_overridden", "sample"], None, 0),
            item("e3", &["supervisor_decided"], Some("kazei02"), 12),
        ],
    }
}

#[test]
fn the_overdue_tab_lists_day_person_form_why_clerk_due_and_days_late() {
    let mut app = supervisor_on(Lang::Ja, Tab::Overdue);
    answer(&mut app, ReviewAnswer::Overdue(Ok(overdue_list())));
    let text = screen_text(&draw(&app, 80, 24));
    for part in [
        "期限超過",
        "1000000001",
        "kazei03",
        "未割当",
        "2026-11-24",
        "12",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // The selected row's reasons in full under the list.
    assert!(text.contains("抽出理由: 新任の入力者、高額"), "{text}");
    press(&mut app, KeyCode::Down);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("抽出理由: 警告を理由付きで通過、無作為抽出"),
        "{text}"
    );
    insta::assert_snapshot!("review_overdue_ja", draw(&app, 80, 24).backend());
    // F6 loads it again.
    assert!(matches!(
        review_call(press(&mut app, KeyCode::F(6))),
        ReviewCall::Overdue
    ));
}

#[test]
fn the_overdue_tab_in_english_and_empty() {
    let mut app = supervisor_on(Lang::En, Tab::Overdue);
    answer(&mut app, ReviewAnswer::Overdue(Ok(overdue_list())));
    insta::assert_snapshot!("review_overdue_en", draw(&app, 80, 24).backend());
    press(&mut app, KeyCode::F(6));
    answer(
        &mut app,
        ReviewAnswer::Overdue(Ok(ReverifyList { items: vec![] })),
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("No re-verification is overdue"), "{text}");
}

fn rate(fields: u64, slips: u64) -> RateView {
    RateView {
        fields,
        slips,
        per_thousand: if fields == 0 {
            0.0
        } else {
            ((slips as f64) * 1000.0 / fields as f64 * 100.0).round() / 100.0
        },
    }
}

fn report() -> QualityReport {
    let op = |staff: &str, fields: u64, slips: u64| OperatorQualityView {
        staff: staff.into(),
        total: rate(fields, slips),
        by_kind: [
            (
                "amount".to_string(),
                rate(fields / 2, slips.saturating_sub(1)),
            ),
            ("date".to_string(), rate(fields / 4, 1.min(slips))),
            ("my_number".to_string(), rate(fields / 4, 0)),
        ]
        .into(),
        by_month: [
            ("2026-09".to_string(), rate(fields / 3, 0)),
            ("2026-10".to_string(), rate(fields / 3, slips / 2)),
            ("2026-11".to_string(), rate(fields / 3, slips - slips / 2)),
        ]
        .into(),
    };
    QualityReport {
        operators: vec![
            op("kazei01", 12_480, 9),
            op("kazei02", 3_120, 14),
            op("kazei03", 960, 0),
        ],
    }
}

#[test]
fn the_quality_tab_lists_operators_and_enter_shows_kind_and_month() {
    let mut app = supervisor_on(Lang::Ja, Tab::Quality);
    answer(&mut app, ReviewAnswer::Quality(Ok(report())));
    let text = screen_text(&draw(&app, 80, 24));
    for part in ["kazei02", "12,480", "4.49", "0.72"] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("review_quality_ja", draw(&app, 80, 24).backend());
    press(&mut app, KeyCode::Down);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(
        app.review()
            .and_then(|r| r.quality())
            .and_then(|q| q.detail),
        Some(1)
    );
    let text = screen_text(&draw(&app, 80, 24));
    for part in [
        "項目の種類別",
        "月別",
        "金額",
        "個人番号",
        "2026-11",
        "############",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("review_quality_operator_ja", draw(&app, 80, 24).backend());
    // Esc goes back to the operators, not to the search.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), Screen::Review);
    assert_eq!(
        app.review()
            .and_then(|r| r.quality())
            .and_then(|q| q.detail),
        None
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), Screen::Search);
}

#[test]
fn the_quality_detail_in_english() {
    let mut app = supervisor_on(Lang::En, Tab::Quality);
    answer(&mut app, ReviewAnswer::Quality(Ok(report())));
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("review_quality_operator_en", draw(&app, 80, 24).backend());
}

// ---- batches ----------------------------------------------------------------

fn batch(id: &str, forms: i64, committed: i64, open: i64, closed_by: Option<&str>) -> BatchView {
    BatchView {
        id: id.into(),
        form: "juminzei_shinkoku".into(),
        forms,
        control_field: "income.total".into(),
        control_total: 2_020_000 * forms,
        committed,
        committed_total: 2_020_000 * committed,
        open_entries: open,
        closed_by: closed_by.map(Into::into),
    }
}

fn batches() -> BatchList {
    BatchList {
        batches: vec![
            batch("20261124-001", 3, 1, 1, None),
            batch("20261124-002", 20, 0, 0, None),
            batch("20261123-004", 2, 2, 0, Some("kazei02")),
        ],
    }
}

/// A clerk (searched, so a record can be opened later) on the batches tab.
fn clerk_on_batches(lang: Lang) -> App {
    let mut app = searched_app(lang);
    assert!(matches!(
        press(&mut app, KeyCode::F(6)).as_slice(),
        [Effect::Entry(EntryCall::Work)]
    ));
    // Past the re-verification tab.
    press(&mut app, KeyCode::Tab);
    assert!(matches!(
        review_call(press(&mut app, KeyCode::Tab)),
        ReviewCall::Batches
    ));
    answer(&mut app, ReviewAnswer::Batches(Ok(batches())));
    app
}

#[test]
fn the_batches_tab_lists_counts_and_totals_against_the_header() {
    let app = clerk_on_batches(Lang::Ja);
    let text = screen_text(&draw(&app, 80, 24));
    for part in [
        "現在の束: なし",
        "20261124-001",
        "1/3",
        "2,020,000/6,060,000",
        "受付中",
        "締済 kazei02",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("review_batches_ja", draw(&app, 80, 24).backend());
}

#[test]
fn enter_makes_the_batch_current_and_the_next_keying_goes_into_it() {
    let mut app = clerk_on_batches(Lang::Ja);
    press(&mut app, KeyCode::Down);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.current_batch.as_deref(), Some("20261124-002"));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("現在の束: 20261124-002"), "{text}");
    assert!(text.contains("*20261124-002"), "{text}");
    // A closed batch cannot be made current.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.current_batch.as_deref(), Some("20261124-002"));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("束 20261123-004 は締め済みです"), "{text}");
    // The tab made again (F6) still shows it.
    assert!(matches!(
        review_call(press(&mut app, KeyCode::F(6))),
        ReviewCall::Batches
    ));
    answer(&mut app, ReviewAnswer::Batches(Ok(batches())));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("現在の束: 20261124-002"), "{text}");

    // A declaration keyed from a record goes into the current batch.
    press(&mut app, KeyCode::Esc);
    open_record(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(4));
    type_text(&mut app, "20261124-002/7");
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Entry(EntryCall::Start(request))) = effects.into_iter().next() else {
        panic!("no start");
    };
    assert_eq!(request.batch.as_deref(), Some("20261124-002"));
}

#[test]
fn enter_again_files_under_no_batch_and_the_lock_forgets_it() {
    let mut app = clerk_on_batches(Lang::En);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.current_batch.as_deref(), Some("20261124-001"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.current_batch, None);
    press(&mut app, KeyCode::Enter);
    assert!(app.lock_session());
    assert_eq!(app.current_batch, None);
}

#[test]
fn a_new_batch_is_keyed_from_its_header_asked_and_sent() {
    let mut app = clerk_on_batches(Lang::Ja);
    assert!(press(&mut app, KeyCode::F(4)).is_empty());
    // Letters are typed into the focused field, Tab goes on.
    type_text(&mut app, "20261125-001");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "x");
    // Nothing leaves with a count that is not a number.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(app.popup.is_none());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("件数は1から10000までの数字です"), "{text}");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "25");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "50,500,000");
    insta::assert_snapshot!("review_new_batch_ja", draw(&app, 80, 24).backend());

    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::OpenBatch {
            batch: "20261125-001".into()
        })
    );
    let ReviewCall::OpenBatch(request) = review_call(press(&mut app, KeyCode::Enter)) else {
        panic!("no open");
    };
    let schema = &forms::forms().unwrap()[0];
    assert_eq!(request.id, "20261125-001");
    assert_eq!(request.form, schema.id);
    assert_eq!(request.forms, 25);
    assert_eq!(request.control_field, amount_fields(schema)[0].0);
    assert_eq!(request.control_total, 50_500_000);

    let effects = answer(
        &mut app,
        ReviewAnswer::BatchOpened {
            id: "20261125-001".into(),
            result: Ok(batch("20261125-001", 25, 0, 0, None)),
        },
    );
    assert!(matches!(review_call(effects), ReviewCall::Batches));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("束 20261125-001 を開きました"), "{text}");
}

#[test]
fn left_and_right_choose_the_form_and_the_control_field() {
    let mut app = clerk_on_batches(Lang::En);
    press(&mut app, KeyCode::F(4));
    type_text(&mut app, "b-9");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "1");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "0");
    press(&mut app, KeyCode::F(8));
    let ReviewCall::OpenBatch(request) = review_call(press(&mut app, KeyCode::Enter)) else {
        panic!("no open");
    };
    let all = forms::forms().unwrap();
    let schema = &all[1 % all.len()];
    assert_eq!(request.form, schema.id);
    let amounts = amount_fields(schema);
    assert_eq!(request.control_field, amounts[1 % amounts.len()].0);
    // Esc leaves the header unsent.
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Esc);
    assert!(
        app.review()
            .and_then(|r| r.batches())
            .is_some_and(|b| b.form.is_none())
    );
}

#[test]
fn closing_asks_first_and_a_mismatch_shows_the_services_words() {
    let mut app = clerk_on_batches(Lang::Ja);
    // A closed batch is not closed again; nothing is asked.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert!(press(&mut app, KeyCode::F(5)).is_empty());
    assert!(app.popup.is_none());

    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert!(press(&mut app, KeyCode::F(5)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::CloseBatch {
            batch: "20261124-001".into()
        })
    );
    let ReviewCall::CloseBatch(id) = review_call(press(&mut app, KeyCode::Enter)) else {
        panic!("no close");
    };
    assert_eq!(id, "20261124-001");
    let refusal = Failure::service(
        ErrorCode::EntryInvalid,
        422,
        "batch 20261124-001: the header says 3 forms, 1 were keyed",
    );
    answer(
        &mut app,
        ReviewAnswer::BatchClosed {
            id,
            result: Err(refusal),
        },
    );
    let text = screen_text(&draw(&app, 80, 24));
    // The status line wraps it: the service's words, after the screen's.
    assert!(
        text.contains("束の操作ができませんでした: batch 20261124-001: the header says 3 forms"),
        "{text}"
    );
}

#[test]
fn closing_the_current_batch_files_new_keyings_under_none() {
    let mut app = clerk_on_batches(Lang::En);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.current_batch.as_deref(), Some("20261124-001"));
    press(&mut app, KeyCode::F(5));
    let ReviewCall::CloseBatch(id) = review_call(press(&mut app, KeyCode::Enter)) else {
        panic!("no close");
    };
    let effects = answer(
        &mut app,
        ReviewAnswer::BatchClosed {
            id,
            result: Ok(batch("20261124-001", 3, 3, 0, Some("kazei01"))),
        },
    );
    assert!(matches!(review_call(effects), ReviewCall::Batches));
    assert_eq!(app.current_batch, None);
}

#[test]
fn a_clerk_has_no_supervisor_tabs_and_answers_for_another_tab_are_dropped() {
    let mut app = clerk_on_batches(Lang::En);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        !text.contains("Overdue") && !text.contains("Quality"),
        "{text}"
    );
    // A late overdue answer changes nothing on the batches tab.
    let before = screen_text(&draw(&app, 80, 24));
    answer(&mut app, ReviewAnswer::Overdue(Ok(overdue_list())));
    assert_eq!(screen_text(&draw(&app, 80, 24)), before);
    insta::assert_snapshot!("review_batches_en", draw(&app, 80, 24).backend());
}

#[test]
fn the_help_names_the_batch_keys_and_the_keying_list_does_not() {
    let mut app = clerk_on_batches(Lang::En);
    press(&mut app, KeyCode::F(1));
    let text = screen_text(&draw(&app, 80, 24));
    for part in [
        "Open a new batch",
        "Close the selected batch",
        "File new keyings under",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    press(&mut app, KeyCode::Esc);
    // The keying tab's help has none of them.
    press(&mut app, KeyCode::Tab);
    update(
        &mut app,
        Action::Entry(crate::tui::action::EntryAnswer::Queue {
            decisions: false,
            result: Ok(crate::api::entry::EntryQueue { entries: vec![] }),
        }),
    );
    press(&mut app, KeyCode::F(1));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(!text.contains("Close the selected batch"), "{text}");
}

#[test]
fn in_the_function_key_preset_f12_makes_the_batch_current() {
    let mut app = clerk_on_batches(Lang::En);
    let (map, error) =
        crate::tui::keymap::Keymap::load(Some(std::path::Path::new("function-keys")));
    assert!(error.is_none(), "{error:?}");
    app.keymap = map;
    press(&mut app, KeyCode::F(12));
    assert_eq!(app.current_batch.as_deref(), Some("20261124-001"));
    // F8 pages there; F5 still closes (asks first).
    press(&mut app, KeyCode::F(5));
    assert!(matches!(
        app.pending(),
        Some(PendingAction::CloseBatch { .. })
    ));
}
