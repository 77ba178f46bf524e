//! 本人確認 at intake, the supervisor settling an identity difference, the
//! release of a blind second keying, the discard of a draft, the draft
//! saved at the idle lock and dates shown as the domain reads them: driven
//! like a clerk, the service's answers made up here the way the runtime
//! would deliver them.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use super::*;
use crate::api::entry::{EntryQueue, EntrySummary, EntryView, IdentityView, Problem};
use crate::domain::entry::identity::{IdDocument, Intake, IntakeError, NumberDocument};
use crate::tui::action::EntryAnswer;
use crate::tui::effect::EntryCall;
use crate::tui::entry_call::Refusal;
use crate::tui::screens::entry::intake::{DOCUMENTS, IntakeRow, IntakeScreen};
use crate::tui::screens::entry::keying::Stage;

const ID: &str = "fedcba9876543210fedcba9876543210";
const PAPER: &str = "2026-02-16/002/007";

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

fn draft_view(identity: Option<IdentityView>) -> EntryView {
    let mut v = view("first_keying");
    v.draft = Some(BTreeMap::new());
    v.identity = identity;
    v
}

fn differing(fields: &[&str]) -> Option<IdentityView> {
    Some(IdentityView {
        differences: fields.iter().map(|f| f.to_string()).collect(),
        settled_by: None,
    })
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

fn answer(app: &mut App, answer: EntryAnswer) -> Vec<Effect> {
    update(app, Action::Entry(answer))
}

fn sent(app: &mut App, result: Result<EntryView, Refusal>) -> Vec<Effect> {
    answer(
        app,
        EntryAnswer::Sent {
            id: ID.into(),
            result,
        },
    )
}

fn intake(app: &App) -> &IntakeScreen {
    app.entry()
        .and_then(|e| e.intake())
        .expect("the intake screen")
}

fn keying(app: &App) -> &crate::tui::screens::entry::keying::KeyingScreen {
    app.entry()
        .and_then(|e| e.keying())
        .expect("a keying screen")
}

/// A clerk on a record presses F4, types the paper, and the service
/// answers with a new first keying: the intake shows.
fn started(lang: Lang) -> App {
    let mut app = searched_app(lang);
    open_record(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(4));
    type_text(&mut app, PAPER);
    assert!(matches!(
        call(press(&mut app, KeyCode::Enter)),
        EntryCall::Start(_)
    ));
    answer(
        &mut app,
        EntryAnswer::Opened {
            asked: None,
            result: Ok(draft_view(None)),
        },
    );
    assert!(app.entry().is_some_and(|e| e.intake().is_some()));
    app
}

/// Moves the focus to `row` with Down and Up, as a clerk would.
fn go_to(app: &mut App, row: IntakeRow) {
    let rows = IntakeRow::all();
    let target = rows.iter().position(|r| *r == row).unwrap();
    while intake(app).focus < target {
        press(app, KeyCode::Down);
    }
    while intake(app).focus > target {
        press(app, KeyCode::Up);
    }
    assert_eq!(intake(app).focused(), row);
}

fn document_row(document: IdDocument) -> IntakeRow {
    IntakeRow::Document(DOCUMENTS.iter().position(|d| *d == document).unwrap())
}

/// Ticks exactly `documents` with Space.
fn tick_documents(app: &mut App, documents: &[IdDocument]) {
    for (i, document) in DOCUMENTS.iter().enumerate() {
        if intake(app).ticked[i] != documents.contains(document) {
            go_to(app, IntakeRow::Document(i));
            press(app, KeyCode::Char(' '));
        }
    }
}

/// The intake of a counter visit with a My Number card, as presented.
fn fill(app: &mut App, by_post: bool) {
    go_to(app, IntakeRow::Channel);
    press(app, KeyCode::Char(' '));
    if by_post {
        press(app, KeyCode::Right);
    }
    tick_documents(app, &[IdDocument::MyNumberCard]);
    go_to(app, IntakeRow::NumberDocument);
    press(app, KeyCode::Char(' '));
    go_to(app, IntakeRow::Name);
    type_text(app, "高橋 一郎");
    press(app, KeyCode::Enter);
    type_text(app, "H5.1.1");
    press(app, KeyCode::Enter);
    press(app, KeyCode::Char(' '));
    go_to(app, IntakeRow::Address);
    type_text(app, "番所市本町3丁目4番5号");
}

// ---- 1. the intake ---------------------------------------------------------------

#[test]
fn a_new_first_keying_starts_with_the_intake_empty_ja_and_en() {
    for (lang, name, needles) in [
        (
            Lang::Ja,
            "intake_empty_ja",
            ["本人確認", "受付方法", "マイナンバーカード", "写真なし"],
        ),
        (
            Lang::En,
            "intake_empty_en",
            ["Identity check", "Received", "My Number card", "no photo"],
        ),
    ] {
        let app = started(lang);
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        for needle in needles {
            assert!(text.contains(needle), "{needle}:\n{text}");
        }
        // Every row fits at 80x24: the address row and the key bar show.
        assert!(text.contains(if lang == Lang::Ja {
            "住所"
        } else {
            "Address"
        }));
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn two_documents_without_a_photo_are_refused_before_anything_is_sent() {
    let mut app = started(Lang::Ja);
    // Nothing chosen: the focus goes to how the form came.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(intake(&app).focused(), IntakeRow::Channel);
    fill(&mut app, false);
    tick_documents(
        &mut app,
        &[IdDocument::HealthInsuranceCard, IdDocument::PensionBook],
    );
    assert!(press(&mut app, KeyCode::F(8)).is_empty(), "nothing sent");
    let stop = intake(&app).stop.clone().expect("a stop");
    // The same code the service would refuse with.
    assert_eq!(
        stop.key,
        format!("problem.{}", IntakeError::TwoWithoutPhoto.code())
    );
    assert_eq!(stop.row, document_row(IdDocument::HealthInsuranceCard));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("写真のない書類2点では"), "{text}");
    // One of them alone needs a second document; with a photo ID it goes.
    tick_documents(&mut app, &[IdDocument::PensionBook]);
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(
        intake(&app).stop.as_ref().map(|s| s.key.as_str()),
        Some("problem.one_without_photo")
    );
    tick_documents(
        &mut app,
        &[IdDocument::PensionBook, IdDocument::DriversLicence],
    );
    let EntryCall::Identity { request, .. } = call(press(&mut app, KeyCode::F(8))) else {
        panic!("no intake sent");
    };
    let Intake::Counter { documents, .. } = request.intake else {
        panic!("not a counter visit");
    };
    assert_eq!(
        documents,
        [IdDocument::DriversLicence, IdDocument::PensionBook]
    );
}

#[test]
fn the_intake_sent_then_its_differences_shown_field_by_field_and_keying_follows() {
    let mut app = started(Lang::Ja);
    fill(&mut app, false);
    // The birth date left shows the way the domain reads it.
    assert_eq!(intake(&app).birth.text(), "平成5年1月1日");
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("[x] マイナンバーカード"), "{text}");
    assert!(
        text.contains("< 窓口 >") && text.contains("< 男 >"),
        "{text}"
    );
    insta::assert_snapshot!("intake_filled_ja", terminal.backend());

    let EntryCall::Identity { id, request } = call(press(&mut app, KeyCode::F(8))) else {
        panic!("no intake sent");
    };
    assert_eq!(id, ID);
    assert_eq!(
        request.intake,
        Intake::Counter {
            documents: vec![IdDocument::MyNumberCard],
            number_document: NumberDocument::MyNumberCard,
        }
    );
    assert_eq!(request.presented.name.expose(), "高橋 一郎");
    assert_eq!(request.presented.birth.expose(), "平成5年1月1日");
    assert_eq!(request.presented.sex, crate::domain::resident::Sex::Male);
    assert_eq!(request.presented.address.expose(), "番所市本町3丁目4番5号");
    assert!(intake(&app).sending);

    // The service found the address different: named, not its value.
    assert!(sent(&mut app, Ok(draft_view(differing(&["address"])))).is_empty());
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("登録と相違: 住所"), "{text}");
    assert!(
        text.contains("所属長の確認まで個人番号は紐付けず"),
        "{text}"
    );
    assert!(text.contains("1項目が登録と相違します"), "{text}");
    let address_line = text.lines().find(|l| l.contains("番所市本町")).unwrap();
    assert!(address_line.contains("登録と相違"), "{address_line}");
    let name_line = text.lines().find(|l| l.contains("高橋 一郎")).unwrap();
    assert!(name_line.contains("一致"), "{name_line}");
    insta::assert_snapshot!("intake_differences_ja", terminal.backend());
    // Typing changes nothing now.
    type_text(&mut app, "x");
    assert_eq!(intake(&app).address.text(), "番所市本町3丁目4番5号");

    // F8: the keying form, which says the submit waits for a supervisor.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert_eq!(keying(&app).stage, Stage::First);
    assert!(keying(&app).identity_unsettled);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("所属長が確認するまで提出できません"),
        "{text}"
    );

    // The service's refusal of the submit is said in words.
    let refusal = Refusal {
        failure: crate::tui::action::Failure::service(
            crate::api::ErrorCode::EntryInvalid,
            422,
            "the presented 基本4情報 differ",
        ),
        problems: vec![Problem {
            code: "identity_unsettled".into(),
            fields: vec![],
            severity: "error".into(),
            key: None,
            expected: None,
            message: "the presented 基本4情報 differ".into(),
        }],
    };
    sent(&mut app, Err(refusal));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("本人確認で登録と相違があります。所属長が確認するまで"),
        "{text}"
    );
}

#[test]
fn an_intake_that_matches_goes_straight_to_keying_and_a_mailed_form_records_post() {
    let mut app = started(Lang::En);
    fill(&mut app, true);
    let EntryCall::Identity { request, .. } = call(press(&mut app, KeyCode::F(8))) else {
        panic!("no intake sent");
    };
    assert!(
        matches!(
            request.intake,
            Intake::ByPost { ref documents, number_document: NumberDocument::MyNumberCard }
                if documents == &[IdDocument::MyNumberCard]
        ),
        "{:?}",
        request.intake
    );
    sent(&mut app, Ok(draft_view(differing(&[]))));
    assert_eq!(keying(&app).stage, Stage::First);
    assert!(!keying(&app).identity_unsettled);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("it matches the register"), "{text}");
}

#[test]
fn a_draft_without_an_identity_check_opens_on_the_intake_and_esc_keeps_it() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    call(press(&mut app, KeyCode::F(6)));
    answer(
        &mut app,
        EntryAnswer::Queue {
            decisions: false,
            result: Ok(EntryQueue {
                entries: vec![EntrySummary {
                    id: ID.into(),
                    form: "juminzei_shinkoku".into(),
                    person: "1000000001".into(),
                    paper: PAPER.into(),
                    state: "first_keying".into(),
                    kind: None,
                }],
            }),
        },
    );
    assert!(matches!(
        call(press(&mut app, KeyCode::Enter)),
        EntryCall::Open(ref id) if id == ID
    ));
    answer(
        &mut app,
        EntryAnswer::Opened {
            asked: Some(ID.into()),
            result: Ok(draft_view(None)),
        },
    );
    assert!(app.entry().is_some_and(|e| e.intake().is_some()));
    // Esc: back to the work list; nothing is sent or dropped at the service.
    assert!(matches!(
        call(press(&mut app, KeyCode::Esc)),
        EntryCall::Work
    ));
}

// ---- 2. the supervisor settles an identity difference ----------------------------

fn supervisor() -> SessionInfo {
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

fn queued(state: &str, kind: Option<&str>) -> EntrySummary {
    EntrySummary {
        id: ID.into(),
        form: "juminzei_shinkoku".into(),
        person: "1000000001".into(),
        paper: PAPER.into(),
        state: state.into(),
        kind: kind.map(Into::into),
    }
}

#[test]
fn the_supervisor_sees_which_fields_differ_and_settles_with_a_reason() {
    let mut app = new_app(Lang::Ja, false);
    log_in_as(&mut app, supervisor());
    assert!(matches!(
        call(press(&mut app, KeyCode::F(6))),
        EntryCall::Decisions
    ));
    answer(
        &mut app,
        EntryAnswer::Queue {
            decisions: true,
            result: Ok(EntryQueue {
                entries: vec![queued("first_keying", Some("identity_difference"))],
            }),
        },
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("本人確認の相違"), "why it is queued:\n{text}");
    assert!(matches!(
        call(press(&mut app, KeyCode::Enter)),
        EntryCall::Decision(ref id) if id == ID
    ));
    let mut to_settle = view("first_keying");
    to_settle.identity = differing(&["name", "address"]);
    answer(
        &mut app,
        EntryAnswer::Opened {
            asked: Some(ID.into()),
            result: Ok(to_settle),
        },
    );
    assert!(app.entry().is_some_and(|e| e.settle().is_some()));
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains(PAPER), "{text}");
    assert!(text.contains("kazei01"), "who keys it:\n{text}");
    let line = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap()
            .to_string()
    };
    assert!(line("住所").contains("登録と相違"), "{text}");
    assert!(line("氏名").contains("登録と相違"), "{text}");
    assert!(line("生年月日").contains("一致"), "{text}");
    insta::assert_snapshot!("settle_ja", terminal.backend());

    // F8 asks for the reason; without one nothing goes.
    assert!(press(&mut app, KeyCode::F(8)).is_empty());
    assert!(matches!(
        app.pending(),
        Some(PendingAction::SettleIdentity { entry, .. }) if entry == ID
    ));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(app.popup.is_some());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("理由"), "{text}");
    type_text(&mut app, "転居届を確認");
    let EntryCall::SettleIdentity { id, request } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no settling sent");
    };
    assert_eq!((id.as_str(), request.reason.as_str()), (ID, "転居届を確認"));
    let mut settled = view("first_keying");
    settled.identity = Some(IdentityView {
        differences: vec!["name".into(), "address".into()],
        settled_by: Some("shunin01".into()),
    });
    let effects = sent(&mut app, Ok(settled));
    assert!(matches!(call(effects), EntryCall::Decisions));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("確認済みにしました"), "{text}");
}

// ---- 3. release and discard --------------------------------------------------------

#[test]
fn esc_from_a_second_keying_asks_then_releases_it_for_another_clerk() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    call(press(&mut app, KeyCode::F(6)));
    answer(
        &mut app,
        EntryAnswer::Queue {
            decisions: false,
            result: Ok(EntryQueue {
                entries: vec![queued("awaiting_second", None)],
            }),
        },
    );
    assert!(matches!(
        call(press(&mut app, KeyCode::Enter)),
        EntryCall::StartSecond(_)
    ));
    let mut second = view("second_keying");
    second.to_key = vec!["taxpayer.birth".into()];
    answer(
        &mut app,
        EntryAnswer::Opened {
            asked: Some(ID.into()),
            result: Ok(second),
        },
    );
    type_text(&mut app, "H5.1.1");
    assert!(press(&mut app, KeyCode::Esc).is_empty(), "asks first");
    assert_eq!(
        app.pending(),
        Some(&PendingAction::ReleaseSecond { entry: ID.into() })
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("ほかの担当者が入力できる"), "{text}");
    // No keeps the keying as it was.
    press(&mut app, KeyCode::Esc);
    assert_eq!(keying(&app).form.fields()[0].input.text(), "H5.1.1");
    press(&mut app, KeyCode::Esc);
    let released = call(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(released, EntryCall::ReleaseSecond(ref id) if id == ID),
        "{released:?}"
    );
    let effects = sent(&mut app, Ok(view("awaiting_second")));
    assert!(matches!(call(effects), EntryCall::Work));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("第2入力をやめました"), "{text}");
}

/// A first keying whose identity check matched, on screen.
fn keyed_first(lang: Lang) -> App {
    let mut app = started(lang);
    fill(&mut app, false);
    call(press(&mut app, KeyCode::F(8)));
    sent(&mut app, Ok(draft_view(differing(&[]))));
    assert_eq!(keying(&app).stage, Stage::First);
    app
}

#[test]
fn f9_discards_a_first_keying_with_a_reason_after_asking() {
    let mut app = keyed_first(Lang::Ja);
    type_text(&mut app, "番所市本町3丁目4番5号");
    assert!(press(&mut app, KeyCode::F(9)).is_empty(), "asks first");
    assert!(matches!(
        app.pending(),
        Some(PendingAction::DiscardEntry { entry, .. }) if entry == ID
    ));
    // Without a reason nothing goes.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    type_text(&mut app, "別人の用紙でした");
    let EntryCall::Discard { id, request } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no discard sent");
    };
    assert_eq!(
        (id.as_str(), request.reason.as_str()),
        (ID, "別人の用紙でした")
    );
    let mut discarded = view("discarded");
    discarded.draft = None;
    let effects = sent(&mut app, Ok(discarded));
    assert!(matches!(call(effects), EntryCall::Work));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("下書きを破棄しました"), "{text}");
}

#[test]
fn discard_is_on_a_function_key_in_every_preset_and_never_on_a_letter() {
    for name in ["default", "function-keys", "vim"] {
        let keymap = Keymap::load(Some(std::path::Path::new(name))).0;
        for layer in [
            crate::tui::keymap::Layer::Entry,
            crate::tui::keymap::Layer::Intake,
        ] {
            let key = keymap
                .key_for(layer, Command::Discard)
                .unwrap_or_else(|| panic!("{name} {layer:?}: no discard key"));
            assert!(!key.is_bare_char(), "{name}: {}", key.label());
        }
    }
    assert!(
        Keymap::parse(
            "[entry]\nkeymap = [ { on = [\"d\"], run = \"discard\" } ]\n",
            "user.toml"
        )
        .is_err()
    );
}

// ---- 4. the draft at the idle lock -------------------------------------------------

#[test]
fn the_idle_lock_sends_the_draft_typed_so_far_before_the_lock_screen_shows() {
    let mut app = keyed_first(Lang::Ja);
    // Typed, the field not left: no draft has gone yet.
    assert!(type_text_effects(&mut app, "番所市本町3丁目4番5号").is_empty());
    let effects = tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Entry(_), Effect::ClearTerminal]
        ),
        "the draft leaves first: {effects:?}"
    );
    let Some(Effect::Entry(EntryCall::SaveDraft { id, request })) = effects.into_iter().next()
    else {
        panic!("no draft");
    };
    assert_eq!(id, ID);
    assert_eq!(
        request.fields["taxpayer.address"].expose(),
        "番所市本町3丁目4番5号"
    );
    assert_eq!(app.screen(), Screen::Locked);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(!text.contains("番所市本町"), "{text}");

    // Nothing changed since the last draft: the lock sends none.
    let mut app = keyed_first(Lang::Ja);
    let effects = tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    assert!(
        matches!(effects.as_slice(), [Effect::ClearTerminal]),
        "{effects:?}"
    );
}

fn type_text_effects(app: &mut App, text: &str) -> Vec<Effect> {
    let mut all = Vec::new();
    for c in text.chars() {
        all.extend(press(app, KeyCode::Char(c)));
    }
    all
}

// ---- 5. dates as the domain reads them ----------------------------------------------

#[test]
fn a_date_left_on_the_keying_form_shows_the_form_of_the_date_that_is_stored() {
    let mut app = keyed_first(Lang::Ja);
    let at = keying(&app)
        .form
        .fields()
        .iter()
        .position(|f| f.path.to_string() == "taxpayer.birth")
        .unwrap();
    while keying(&app).form.focus_index() < at {
        for effect in press(&mut app, KeyCode::Enter) {
            if let Effect::Entry(EntryCall::SaveDraft { id, .. }) = effect {
                answer(&mut app, EntryAnswer::DraftSaved { id, result: Ok(()) });
            }
        }
    }
    type_text(&mut app, "H5.1.1");
    let EntryCall::SaveDraft { request, .. } = call(press(&mut app, KeyCode::Enter)) else {
        panic!("no draft");
    };
    assert_eq!(request.fields["taxpayer.birth"].expose(), "平成5年1月1日");
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("平成5年1月1日"), "{text}");
    assert!(!text.contains("H5.1.1"), "{text}");
}

#[test]
fn every_code_of_the_identity_check_reads_in_both_languages() {
    use crate::domain::entry::identity::Basic4Field;
    use crate::domain::entry::machine::EntryError;
    use crate::tui::screens::entry::intake::{
        NUMBER_DOCUMENTS, basic4_key, document_key, number_document_key,
    };
    let mut keys: Vec<String> = [
        IntakeError::NoDocument,
        IntakeError::TwoWithoutPhoto,
        IntakeError::OneWithoutPhoto,
        IntakeError::SameDocumentTwice,
    ]
    .iter()
    .map(|e| format!("problem.{}", e.code()))
    .collect();
    keys.extend(
        [
            EntryError::IdentityUnsettled,
            EntryError::NothingToSettle,
            EntryError::IdentityRecorded,
        ]
        .iter()
        .map(|e| format!("problem.{}", e.code())),
    );
    // The service's code for a presented birth date it cannot read.
    keys.push("problem.presented_birth".into());
    keys.extend(DOCUMENTS.iter().map(|d| document_key(*d).to_string()));
    keys.extend(
        NUMBER_DOCUMENTS
            .iter()
            .map(|d| number_document_key(*d).to_string()),
    );
    for field in [
        Basic4Field::Name,
        Basic4Field::Birth,
        Basic4Field::Sex,
        Basic4Field::Address,
    ] {
        keys.push(basic4_key(field.as_str()).unwrap().to_string());
    }
    keys.extend(["adjudication", "identity_difference"].map(|k| format!("entry_kind.{k}")));
    for lang in [Lang::Ja, Lang::En] {
        let t = crate::tui::i18n::I18n::new(lang);
        for key in &keys {
            assert!(t.has(key), "{lang:?}: {key} missing");
        }
    }
}
