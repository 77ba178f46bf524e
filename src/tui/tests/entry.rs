//! The entry screens driven like a clerk and a supervisor: the work list,
//! a first keying started from a record, the blind second keying, the
//! re-keying of differing fields, the summary before submit and the
//! supervisor's decision; answers from the service are made up here, the
//! way the runtime would deliver them.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::*;
use crate::api::entry::{
    Decision, EntryQueue, EntrySummary, EntryView, FieldToDecide, Keyer, Problem,
};
use crate::domain::entry::checks::CODES;
use crate::domain::entry::compare::DoubleKeying;
use crate::domain::entry::forms;
use crate::secret::KeyedValue;
use crate::tui::action::EntryAnswer;
use crate::tui::effect::EntryCall;
use crate::tui::entry_call::Refusal;
use crate::tui::keymap::Key;

const ID: &str = "0123456789abcdef0123456789abcdef";
const PAPER: &str = "2026-02-16/001/003";

fn view(state: &str) -> EntryView {
    EntryView {
        id: ID.into(),
        form: "juminzei_shinkoku".into(),
        person: "1000000001".into(),
        paper: PAPER.into(),
        state: state.into(),
        first_by: "kazei01".into(),
        second_by: None,
        draft: None,
        to_key: vec![],
        to_decide: vec![],
        version: None,
        identity: None,
    }
}

/// The fields a second clerk is asked for: the form's double-keyed ones,
/// named as the service names them.
fn double_keyed() -> Vec<String> {
    let schema = forms::form("juminzei_shinkoku").unwrap();
    let double = DoubleKeying::default();
    let mut out: Vec<String> = schema
        .section_fields()
        .filter(|(_, f)| double.applies(f))
        .map(|(p, _)| p.to_string())
        .collect();
    for table in &schema.tables {
        for f in table.fields.iter().filter(|f| double.applies(f)) {
            out.push(format!("{}[].{}", table.key, f.key));
        }
    }
    out
}

fn answer(app: &mut App, answer: EntryAnswer) -> Vec<Effect> {
    update(app, Action::Entry(answer))
}

fn opened(app: &mut App, view: EntryView) -> Vec<Effect> {
    answer(
        app,
        EntryAnswer::Opened {
            asked: Some(ID.into()),
            result: Ok(view),
        },
    )
}

/// The only entry call among `effects`.
fn call(effects: Vec<Effect>) -> EntryCall {
    let mut calls: Vec<EntryCall> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Entry(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls.remove(0)
}

fn keying(app: &App) -> &crate::tui::screens::entry::keying::KeyingScreen {
    app.entry()
        .and_then(|e| e.keying())
        .expect("a keying screen")
}

fn focused_path(app: &App) -> String {
    keying(app).form.focused().unwrap().path.to_string()
}

/// A key, with any draft it sends answered at once, as the service would.
fn press_saved(app: &mut App, code: KeyCode) {
    for effect in press(app, code) {
        if let Effect::Entry(EntryCall::SaveDraft { id, .. }) = effect {
            let more = answer(app, EntryAnswer::DraftSaved { id, result: Ok(()) });
            assert!(more.is_empty(), "{more:?}");
        }
    }
}

/// Moves the focus to `path` with Enter and Shift-Tab, as a clerk would.
fn go_to(app: &mut App, path: &str) {
    let target = keying(app)
        .form
        .fields()
        .iter()
        .position(|f| f.path.to_string() == path)
        .unwrap_or_else(|| panic!("{path} is not on the form"));
    while keying(app).form.focus_index() < target {
        press_saved(app, KeyCode::Enter);
    }
    while keying(app).form.focus_index() > target {
        press_saved(app, KeyCode::BackTab);
    }
    assert_eq!(focused_path(app), path);
}

fn key_in(app: &mut App, fields: &[(&str, &str)]) {
    for (path, text) in fields {
        go_to(app, path);
        type_text(app, text);
    }
}

/// A consistent declaration (pay 3,000,000 yen, 給与所得 2,020,000).
const DECLARATION: [(&str, &str); 12] = [
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
    ("collection.method", "1"),
];

/// A clerk on a resident's record presses the key for a new form, types
/// the paper's reference, and the service answers with the new entry.
fn first_keying(lang: Lang) -> App {
    let mut app = searched_app(lang);
    open_record(&mut app, Department::Assessment);
    assert!(press(&mut app, KeyCode::F(4)).is_empty());
    assert!(matches!(
        app.pending(),
        Some(PendingAction::StartEntry { person, .. }) if person == "1000000001"
    ));
    // Nothing starts without the paper's reference.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(app.popup.is_some());
    type_text(&mut app, PAPER);
    let EntryCall::Start(request) = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no start");
    };
    assert_eq!(
        (
            request.form.as_str(),
            request.person.as_str(),
            request.paper.as_str()
        ),
        ("juminzei_shinkoku", "1000000001", PAPER)
    );
    assert_eq!(app.screen(), Screen::Entry);
    let mut started = view("first_keying");
    started.draft = Some(BTreeMap::new());
    // The identity check is recorded, matching (see tests/intake.rs).
    started.identity = Some(crate::api::entry::IdentityView {
        differences: vec![],
        settled_by: None,
    });
    answer(
        &mut app,
        EntryAnswer::Opened {
            asked: None,
            result: Ok(started),
        },
    );
    assert_eq!(
        keying(&app).stage,
        crate::tui::screens::entry::keying::Stage::First
    );
    app
}

fn supervisor_session() -> SessionInfo {
    let (role, department) = (Role::Supervisor, Department::Assessment);
    SessionInfo {
        staff: StaffInfo {
            user_id: "shunin01".into(),
            display_name: "主任 健".into(),
            role,
            department,
        },
        purpose: Some(purposes()[0].clone()),
        purposes: vec![purposes()[0].clone()],
        terminal: "term-01".into(),
        idle_timeout_secs: 900,
        expires_at: "2030-01-01T09:00:00Z".into(),
        permissions: crate::domain::roles::permissions(role, department).to_vec(),
        pin_change_required: false,
    }
}

fn summary_of(state: &str) -> EntrySummary {
    EntrySummary {
        id: ID.into(),
        form: "juminzei_shinkoku".into(),
        person: "1000000001".into(),
        paper: PAPER.into(),
        state: state.into(),
        kind: None,
    }
}

/// F6 from the search, the list answered with one entry, Enter on it:
/// the call the list makes to open it.
fn open_from_work_list(app: &mut App, state: &str, decisions: bool) -> EntryCall {
    let expected = call(press(app, KeyCode::F(6)));
    assert!(
        matches!(
            (&expected, decisions),
            (EntryCall::Work, false) | (EntryCall::Decisions, true)
        ),
        "{expected:?}"
    );
    answer(
        app,
        EntryAnswer::Queue {
            decisions,
            result: Ok(EntryQueue {
                entries: vec![summary_of(state)],
            }),
        },
    );
    call(press(app, KeyCode::Enter))
}

fn second_keying(lang: Lang) -> App {
    let mut app = new_app(lang, false);
    log_in(&mut app, Department::Assessment);
    let opening = open_from_work_list(&mut app, "awaiting_second", false);
    assert!(
        matches!(opening, EntryCall::StartSecond(ref id) if id == ID),
        "{opening:?}"
    );
    let mut second = view("second_keying");
    second.to_key = double_keyed();
    opened(&mut app, second);
    app
}

// ---- snapshots ----------------------------------------------------------------

#[test]
fn the_first_keying_form_shows_each_check_beside_its_field_ja_and_en() {
    for (lang, name, error) in [
        (Lang::Ja, "entry_first_keying_ja", "検査用数字が合いません"),
        (
            Lang::En,
            "entry_first_keying_en",
            "Check digit does not match",
        ),
    ] {
        let mut app = first_keying(lang);
        key_in(&mut app, &DECLARATION[..4]);
        // A My Number with a wrong check digit: refused at the key, by
        // the domain's own check, before the field is even left.
        key_in(&mut app, &[("taxpayer.my_number", "123456789012")]);
        let text = screen_text(&draw(&app, 80, 24));
        assert!(text.contains(error), "{text}");
        key_in(&mut app, &[("revenue.salary", "3000000")]);
        press(&mut app, KeyCode::Enter);
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        // Left, the amount shows grouped and right-aligned.
        assert!(text.contains("3,000,000 "), "{text}");
        assert!(text.contains(error), "{text}");
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn the_second_keying_form_shows_only_the_fields_asked_for() {
    let mut app = second_keying(Lang::Ja);
    let form = &keying(&app).form;
    let shown: Vec<String> = form.fields().iter().map(|f| f.path.to_string()).collect();
    assert!(shown.contains(&"taxpayer.birth".to_string()));
    assert!(
        !shown
            .iter()
            .any(|p| p == "taxpayer.name" || p == "taxpayer.address")
    );
    assert!(
        shown.iter().all(|p| double_keyed().contains(p)),
        "{shown:?}"
    );
    key_in(&mut app, &[("taxpayer.birth", "平成5年1月1日")]);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(
        text.contains("第2入力") && text.contains("ブラインド入力"),
        "{text}"
    );
    assert!(!text.contains("氏名"), "{text}");
    insta::assert_snapshot!("entry_second_keying_ja", terminal.backend());
}

#[test]
fn fields_that_differ_are_keyed_again_blind() {
    let mut app = second_keying(Lang::Ja);
    let second: Vec<(&str, &str)> = DECLARATION
        .iter()
        .filter(|(p, _)| double_keyed().iter().any(|d| d == p))
        .map(|(p, v)| match *p {
            "revenue.salary" => (*p, "3,000,600"),
            _ => (*p, *v),
        })
        .collect();
    key_in(&mut app, &second);
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    let EntryCall::SubmitSecond { id, request } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no second keying sent");
    };
    assert_eq!(id, ID);
    assert_eq!(request.fields["revenue.salary"].expose(), "3,000,600");
    assert!(!request.fields.contains_key("taxpayer.name"));
    let mut differ = view("rekeying");
    differ.to_key = vec![
        "deductions.social_insurance".into(),
        "revenue.salary".into(),
    ];
    answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Ok(differ),
        },
    );
    let screen = keying(&app);
    assert_eq!(
        screen.stage,
        crate::tui::screens::entry::keying::Stage::Rekey
    );
    let fields: Vec<(String, String)> = screen
        .form
        .fields()
        .iter()
        .map(|f| (f.path.to_string(), f.input.text().to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            ("revenue.salary".to_string(), String::new()),
            ("deductions.social_insurance".to_string(), String::new())
        ],
        "the fields again, empty: nothing of either keying"
    );
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("2項目が一致しませんでした"), "{text}");
    insta::assert_snapshot!("entry_rekey_ja", terminal.backend());

    key_in(
        &mut app,
        &[
            ("revenue.salary", "3,000,000"),
            ("deductions.social_insurance", "450,000"),
        ],
    );
    press(&mut app, KeyCode::F(8));
    let EntryCall::Rekey { request, .. } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no re-keying sent");
    };
    assert_eq!(request.fields.len(), 2);
    let mut done = view("committed");
    done.version = Some(1);
    let effects = answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Ok(done),
        },
    );
    assert!(
        matches!(call(effects), EntryCall::Work),
        "back to the work list"
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("確定しました（版 1）"), "{text}");
}

#[test]
fn the_summary_before_submit_asks_a_reason_for_each_warning() {
    let mut app = first_keying(Lang::Ja);
    key_in(&mut app, &DECLARATION);
    assert!(press(&mut app, KeyCode::F(8)).is_empty(), "a summary first");
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("提出の確認"), "{text}");
    assert!(text.contains("入力した項目: 12 / "), "{text}");
    let EntryCall::SubmitFirst { request, .. } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no submit");
    };
    assert!(request.reasons.is_empty());
    assert_eq!(request.fields.len(), 12);
    // The service wants a reason for a warning.
    let warning = Problem {
        code: "large_amount".into(),
        fields: vec!["revenue.salary".into()],
        severity: "warning".into(),
        key: Some("large_amount@revenue.salary".into()),
        expected: None,
        message: "an unusually large amount".into(),
    };
    answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Err(Refusal {
                failure: Failure::service(ErrorCode::EntryInvalid, 422, "warnings need reasons"),
                problems: vec![warning],
            }),
        },
    );
    // Without a reason nothing goes.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    type_text(&mut app, "用紙のとおり");
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("非常に大きな金額です"), "{text}");
    insta::assert_snapshot!("entry_summary_ja", terminal.backend());
    let EntryCall::SubmitFirst { request, .. } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no submit");
    };
    assert_eq!(
        request
            .reasons
            .get("large_amount@revenue.salary")
            .map(String::as_str),
        Some("用紙のとおり")
    );
    let effects = answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Ok(view("awaiting_second")),
        },
    );
    assert!(matches!(call(effects), EntryCall::Work));
}

#[test]
fn the_supervisor_sees_both_values_and_decides_through_the_confirm_popup() {
    let mut app = new_app(Lang::Ja, false);
    log_in_as(&mut app, supervisor_session());
    let opening = open_from_work_list(&mut app, "adjudication", true);
    assert!(
        matches!(opening, EntryCall::Decision(ref id) if id == ID),
        "{opening:?}"
    );
    let mut deciding = view("adjudication");
    deciding.second_by = Some("kazei02".into());
    deciding.to_decide = vec![
        FieldToDecide {
            field: "deductions.social_insurance".into(),
            first: Some(KeyedValue::new("450000")),
            second: Some(KeyedValue::new("405000")),
            findings: vec![],
        },
        FieldToDecide {
            field: "income.total".into(),
            first: Some(KeyedValue::new("2020000")),
            second: Some(KeyedValue::new("2020000")),
            findings: vec!["income_total".into()],
        },
    ];
    opened(&mut app, deciding);
    assert!(app.entry().and_then(|e| e.decision()).is_some());
    // Undecided, nothing goes.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(app.popup.is_none());
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "用紙は450,000円");
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(
        text.contains("450,000") && text.contains("405,000"),
        "{text}"
    );
    assert!(text.contains("(12)が所得の合計と合いません"), "{text}");
    insta::assert_snapshot!("entry_decision_ja", terminal.backend());

    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::Decide { entry: ID.into() })
    );
    let EntryCall::Decide { id, request } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no decision sent");
    };
    assert_eq!(id, ID);
    assert_eq!(request.reason, "用紙は450,000円");
    assert_eq!(
        request.decisions,
        [
            (
                "deductions.social_insurance".to_string(),
                Decision::Keep(Keyer::First)
            ),
            ("income.total".to_string(), Decision::Return(Keyer::First)),
        ]
        .into()
    );
    let effects = answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Ok(view("rekeying")),
        },
    );
    assert!(matches!(call(effects), EntryCall::Decisions));
}

// ---- behaviour ------------------------------------------------------------------

#[test]
fn a_changed_field_left_saves_the_draft_one_at_a_time() {
    let mut app = first_keying(Lang::Ja);
    // Leaving an untouched field sends nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    press(&mut app, KeyCode::BackTab);
    type_text(&mut app, "番所市");
    let EntryCall::SaveDraft { id, request } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no draft");
    };
    assert_eq!(id, ID);
    assert_eq!(request.fields["taxpayer.address"].expose(), "番所市");
    // While that draft is out, the next waits for its answer.
    type_text(&mut app, "番所市");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let EntryCall::SaveDraft { request, .. } = call(answer(
        &mut app,
        EntryAnswer::DraftSaved {
            id: ID.into(),
            result: Ok(()),
        },
    )) else {
        panic!("no second draft");
    };
    assert_eq!(request.fields.len(), 2);
    // A draft that did not arrive goes again at the next leave, and says so.
    answer(
        &mut app,
        EntryAnswer::DraftSaved {
            id: ID.into(),
            result: Err(Failure::service(ErrorCode::EntryConflict, 409, "changed")),
        },
    );
    assert!(matches!(
        call(press(&mut app, KeyCode::Enter)),
        EntryCall::SaveDraft { .. }
    ));
    // Esc keeps the draft: the last change goes before the list.
    type_text(&mut app, "x");
    let effects = press(&mut app, KeyCode::Esc);
    assert!(effects.is_empty(), "waits for the draft on its way");
    let effects = answer(
        &mut app,
        EntryAnswer::DraftSaved {
            id: ID.into(),
            result: Ok(()),
        },
    );
    assert!(matches!(call(effects), EntryCall::SaveDraft { .. }));
    let effects = answer(
        &mut app,
        EntryAnswer::DraftSaved {
            id: ID.into(),
            result: Ok(()),
        },
    );
    assert!(matches!(call(effects), EntryCall::Work));
}

#[test]
fn a_refused_submit_puts_each_problem_beside_its_field() {
    let mut app = first_keying(Lang::Ja);
    key_in(&mut app, &DECLARATION);
    press(&mut app, KeyCode::F(8));
    call(press(&mut app, KeyCode::Enter));
    let problem = Problem {
        code: "salary_income".into(),
        fields: vec!["income.salary".into()],
        severity: "error".into(),
        key: None,
        expected: Some(2_020_000),
        message: "給与所得 does not follow".into(),
    };
    answer(
        &mut app,
        EntryAnswer::Sent {
            id: ID.into(),
            result: Err(Refusal {
                failure: Failure::service(ErrorCode::EntryInvalid, 422, "checks"),
                problems: vec![problem],
            }),
        },
    );
    assert_eq!(focused_path(&app), "income.salary", "the focus goes to it");
    let text = screen_text(&draw(&app, 80, 24));
    // Beside the field as far as it fits, whole on the note line.
    assert!(
        text.contains("2,020,000            正しくは 2,020,000: 給与所得~"),
        "{text}"
    );
    assert!(
        text.contains("正しくは 2,020,000: 給与所得が収入金額から計算した額と合いません"),
        "{text}"
    );
    assert!(text.contains("1件の問題"), "{text}");
}

#[test]
fn the_work_list_key_works_from_the_search_in_every_preset() {
    for name in ["default", "function-keys", "vim"] {
        let mut app = searched_app(Lang::En);
        let (keymap, error) = Keymap::load(Some(std::path::Path::new(name)));
        assert!(error.is_none(), "{error:?}");
        app.keymap = keymap;
        assert!(
            matches!(call(press(&mut app, KeyCode::F(6))), EntryCall::Work),
            "{name}"
        );
        assert_eq!(app.screen(), Screen::Entry);
        // Back to the results it came from.
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.screen(), Screen::Search, "{name}");
        assert_eq!(app.search.results.len(), 5, "{name}");
    }
}

#[test]
fn a_role_that_keys_no_entries_is_told_so_and_nothing_is_asked() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Collections);
    assert!(press(&mut app, KeyCode::F(6)).is_empty());
    assert_eq!(app.screen(), Screen::Search);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("申告書の入力・判定はできません"), "{text}");
}

#[test]
fn submit_and_decide_never_sit_on_a_bare_letter() {
    for layer in ["entry", "decision"] {
        let src = format!("[{layer}]\nkeymap = [ {{ on = [\"s\"], run = \"send\" }} ]\n");
        let err = Keymap::parse(&src, "k.toml").unwrap_err();
        assert_eq!(err.line, Some(2), "{layer}");
    }
    let map = Keymap::defaults();
    for layer in [
        crate::tui::keymap::Layer::Entry,
        crate::tui::keymap::Layer::Decision,
    ] {
        let keys: Vec<Key> = map
            .bindings(layer)
            .iter()
            .filter(|b| b.command == Command::Send)
            .map(|b| b.key)
            .collect();
        assert_eq!(
            keys,
            [
                Key::new(KeyCode::F(8), KeyModifiers::NONE),
                Key::new(KeyCode::Char('s'), KeyModifiers::CONTROL)
            ]
        );
    }
}

#[test]
fn a_second_keying_never_shows_a_draft_even_if_one_were_sent() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    open_from_work_list(&mut app, "awaiting_second", false);
    let mut second = view("second_keying");
    second.to_key = double_keyed();
    second.draft = Some([("revenue.salary".to_string(), KeyedValue::new("3000000"))].into());
    opened(&mut app, second);
    assert!(keying(&app).form.typed().is_empty());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        !text.contains("3,000,000") && !text.contains("3000000"),
        "{text}"
    );
}

#[test]
fn every_code_the_form_can_show_has_its_text_in_both_languages() {
    use crate::domain::entry::field::FieldError;
    use crate::domain::my_number::MyNumberError;
    use crate::domain::wareki::DateError;
    let field_errors = [
        FieldError::Required,
        FieldError::TooLong { max: 1 },
        FieldError::ControlCharacter,
        FieldError::NotAnAmount,
        FieldError::Negative,
        FieldError::TooLarge { max: 1 },
        FieldError::Date(DateError::Unrecognised),
        FieldError::NotKana,
        FieldError::MyNumber(MyNumberError::CheckDigit),
        FieldError::CorporateNumber,
        FieldError::Phone,
        FieldError::UnknownChoice,
    ];
    let mut keys: Vec<String> = field_errors
        .iter()
        .map(|e| format!("field_error.{}", e.code()))
        .collect();
    keys.extend(
        [
            "date_outside_era",
            "no_such_date",
            "not_a_date",
            "not_a_my_number",
        ]
        .map(|c| format!("field_error.{c}")),
    );
    keys.extend(CODES.iter().map(|(code, _, _)| format!("problem.{code}")));
    keys.extend(
        [
            "unknown_field",
            "row_gap",
            "reason_required",
            "undecided_fields",
            "returned_to_both",
            "warnings_need_reasons",
        ]
        .map(|c| format!("problem.{c}")),
    );
    for form in forms::forms().unwrap() {
        let specs = form
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .chain(form.tables.iter().flat_map(|t| &t.fields));
        for spec in specs {
            keys.extend(spec.choices.iter().map(|c| format!("choice.{c}")));
        }
    }
    for state in [
        "first_keying",
        "awaiting_second",
        "second_keying",
        "rekeying",
        "adjudication",
    ] {
        keys.push(format!("entry_state.{state}"));
    }
    for lang in [Lang::Ja, Lang::En] {
        let t = crate::tui::i18n::I18n::new(lang);
        for key in &keys {
            assert!(t.has(key), "{lang:?}: {key} missing");
        }
    }
}
