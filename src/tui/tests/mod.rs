//! The terminal driven like a user: actions into `update`, frames out of
//! `render` on a `TestBackend`, snapshots under `src/tui/snapshots/`.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::api::{
    Department, ErrorCode, LoginResponse, Purpose, ResidentRecord, ResidentSummary, Role,
    SearchResponse, SessionInfo, StaffInfo,
};
use crate::domain::resident::{ResidentStatus, Sex};
use crate::secret::{Pin, Secret, SessionToken};

use super::action::{Action, Command, Failure};
use super::app::{App, Screen};
use super::i18n::Lang;
use super::keymap::Keymap;
use super::popups::confirm::PendingAction;
use super::screens::search::SearchFocus;
use super::theme::Theme;
use super::ui::render;
use super::update::{Effect, update};
use super::{DemoAccount, DemoPanel};

#[cfg(feature = "server")]
mod audit;
mod credentials;
mod demo;
mod entry;
#[cfg(feature = "server")]
mod grants;
mod intake;
mod keys;
mod layout;
#[cfg(feature = "server")]
mod live;
mod query;
mod records;
mod retention;
mod review;
mod roster;
mod tabs;
mod themes;
mod transfers;

// ---- fixtures -------------------------------------------------------------

fn demo_panel() -> DemoPanel {
    DemoPanel {
        accounts: Arc::new(|| {
            vec![
                DemoAccount {
                    user_id: "kazei01".into(),
                    role: Role::Clerk,
                    department: Department::Assessment,
                    pin: Pin::new("demo-pin-01"),
                    code: "123456".into(),
                    seconds_left: 17,
                    used: false,
                },
                DemoAccount {
                    user_id: "nozei01".into(),
                    role: Role::Clerk,
                    department: Department::Collections,
                    pin: Pin::new("demo-pin-02"),
                    code: "654321".into(),
                    seconds_left: 17,
                    used: false,
                },
                DemoAccount {
                    user_id: "kazei-sv".into(),
                    role: Role::Supervisor,
                    department: Department::Assessment,
                    pin: Pin::new("demo-pin-03"),
                    code: "000111".into(),
                    seconds_left: 17,
                    used: false,
                },
                DemoAccount {
                    user_id: "it01".into(),
                    role: Role::ItOfficer,
                    department: Department::InformationSystems,
                    pin: Pin::new("demo-pin-04"),
                    code: "222333".into(),
                    seconds_left: 17,
                    used: false,
                },
                DemoAccount {
                    user_id: "audit01".into(),
                    role: Role::Auditor,
                    department: Department::Audit,
                    pin: Pin::new("demo-pin-05"),
                    code: "444555".into(),
                    seconds_left: 17,
                    used: false,
                },
            ]
        }),
    }
}

fn new_app(lang: Lang, demo: bool) -> App {
    App::new(
        lang,
        Keymap::defaults(),
        Theme::builtin("dark").unwrap(),
        demo.then(demo_panel),
    )
}

fn purposes() -> Vec<Purpose> {
    vec![
        Purpose {
            code: "assessment".into(),
            name_ja: "住民税賦課".into(),
            name_en: "Resident tax assessment".into(),
        },
        Purpose {
            code: "collection".into(),
            name_ja: "滞納整理".into(),
            name_en: "Delinquency collection".into(),
        },
        Purpose {
            code: "certificate".into(),
            name_ja: "税証明発行".into(),
            name_en: "Tax certificates".into(),
        },
    ]
}

fn session(department: Department) -> SessionInfo {
    let (user_id, display_name, purpose, choices) = match department {
        Department::Assessment => {
            let list = purposes();
            (
                "kazei01",
                "山田 花子",
                list[0].clone(),
                vec![list[0].clone(), list[2].clone()],
            )
        }
        _ => {
            let list = purposes();
            (
                "nozei01",
                "佐藤 次郎",
                list[1].clone(),
                vec![list[1].clone()],
            )
        }
    };
    SessionInfo {
        staff: StaffInfo {
            user_id: user_id.into(),
            display_name: display_name.into(),
            role: Role::Clerk,
            department,
        },
        purpose: Some(purpose),
        purposes: choices,
        terminal: "term-01".into(),
        idle_timeout_secs: 900,
        expires_at: "2030-01-01T09:00:00Z".into(),
        permissions: crate::domain::roles::permissions(Role::Clerk, department).to_vec(),
        pin_change_required: false,
    }
}

#[allow(clippy::too_many_arguments)] // one row of a table, column by column
fn summary(
    number: &str,
    name: &str,
    kana: &str,
    birth: &str,
    sex: Sex,
    address: Option<&str>,
    status: ResidentStatus,
    support: bool,
) -> ResidentSummary {
    ResidentSummary {
        person_number: number.into(),
        name: name.into(),
        kana: kana.into(),
        birth_date: birth.into(),
        sex,
        address: address.map(Into::into),
        status,
        support_measure: support,
    }
}

fn results() -> Vec<ResidentSummary> {
    use ResidentStatus::*;
    vec![
        summary(
            "1000000001",
            "髙橋 一郎",
            "タカハシ イチロウ",
            "1980-04-01",
            Sex::Male,
            Some("東京都千代田区千代田1-1"),
            Resident,
            false,
        ),
        summary(
            "1000000002",
            "齋藤 花子",
            "サイトウ ハナコ",
            "1975-12-24",
            Sex::Female,
            None,
            Resident,
            true,
        ),
        summary(
            "1000000003",
            "髙橋 進",
            "タカハシ ススム",
            "1941-07-15",
            Sex::Male,
            Some("大阪府大阪市北区梅田3-1"),
            Deceased,
            false,
        ),
        summary(
            "1000000004",
            "斎藤 一",
            "サイトウ ハジメ",
            "1990-02-28",
            Sex::Male,
            Some("札幌市中央区北1条西2丁目"),
            MovedOut,
            false,
        ),
        summary(
            "1000000005",
            "渡邊 ゆき",
            "ワタナベ ユキ",
            "2001-01-01",
            Sex::Female,
            None,
            MovedOut,
            true,
        ),
    ]
}

fn record(department: Department) -> ResidentRecord {
    let assessment = department == Department::Assessment;
    ResidentRecord {
        person_number: "1000000001".into(),
        name: "髙橋 一郎".into(),
        kana: "タカハシ イチロウ".into(),
        birth_date: "1980-04-01".into(),
        sex: Sex::Male,
        postal_code: Some("100-0001".into()),
        address: Some("東京都千代田区千代田1-1".into()),
        address_hidden: false,
        status: ResidentStatus::Resident,
        support_measure: false,
        my_number_masked: assessment.then(|| "********5678".into()),
        can_reveal: assessment,
    }
}

/// The confirm popup's question for revealing `person`'s number.
fn reveal_of(person: &str) -> PendingAction {
    PendingAction::Reveal {
        person: person.into(),
    }
}

// ---- driving ----------------------------------------------------------------

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let at = app.now;
    update(
        app,
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE), at),
    )
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let at = app.now;
    update(
        app,
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL), at),
    )
}

/// A bracketed paste at the app's current time.
fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    let at = app.now;
    update(app, Action::Paste(text.into(), at))
}

/// The clock moves on by `step`; the runtime's tick arrives.
fn tick(app: &mut App, step: Duration) -> Vec<Effect> {
    let at = app.now + step;
    update(app, Action::Tick(at))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Logs in through the keyboard; returns the effects of the last step.
fn log_in(app: &mut App, department: Department) {
    type_text(app, "kazei01");
    press(app, KeyCode::Tab);
    type_text(app, "correct-pin-1");
    press(app, KeyCode::Tab);
    type_text(app, "123456");
    let effects = press(app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Login(_)]),
        "{effects:?}"
    );
    let effects = update(
        app,
        Action::LoggedIn(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok"),
            session: session(department),
        }))),
    );
    assert!(matches!(effects.as_slice(), [Effect::StartSession(_)]));
    assert_eq!(app.screen(), Screen::Search);
}

/// Types a query, presses Enter and answers with `response`.
fn search(app: &mut App, query: &str, response: Result<SearchResponse, Failure>) -> Vec<Effect> {
    press(app, KeyCode::F(3));
    press(app, KeyCode::End);
    while !app.search.input.is_empty() {
        press(app, KeyCode::Backspace);
    }
    type_text(app, query);
    let effects = press(app, KeyCode::Enter);
    let Some(Effect::Search { seq, query: sent }) = effects.into_iter().next() else {
        panic!("no search effect");
    };
    assert_eq!(sent, query);
    update(
        app,
        Action::Searched {
            seq,
            result: response,
        },
    )
}

fn found(results: Vec<ResidentSummary>, truncated: bool) -> Result<SearchResponse, Failure> {
    Ok(SearchResponse {
        read_as: vec![],
        results,
        truncated,
        limit: 100,
    })
}

/// Enter on the selected result: from the search box the list is focused
/// first (Down), since Enter in the box always searches.
fn open_selected(app: &mut App) -> Vec<Effect> {
    if app.search.focus == SearchFocus::Input {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter)
}

fn open_record(app: &mut App, department: Department) {
    let effects = open_selected(app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open effect");
    };
    update(
        app,
        Action::RecordLoaded {
            person,
            result: Ok(Box::new(record(department))),
        },
    );
    assert_eq!(app.screen(), Screen::Record);
}

/// The review calls among `effects`.
fn review_calls(effects: Vec<Effect>) -> Vec<crate::tui::effect::ReviewCall> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Review(call) => Some(call),
            _ => None,
        })
        .collect()
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(app, frame)).unwrap();
    terminal
}

/// The buffer as text, one line per row (wide characters once).
fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = super::sanitize::display_width(symbol).saturating_sub(1);
            out.push_str(symbol);
        }
        out.push('\n');
    }
    out
}

fn searched_app(lang: Lang) -> App {
    let mut app = new_app(lang, false);
    log_in(&mut app, Department::Assessment);
    search(&mut app, "たかはし", found(results(), false));
    app
}

// ---- snapshots --------------------------------------------------------------

#[test]
fn login_screen_ja_and_en() {
    for (lang, name) in [(Lang::Ja, "login_ja"), (Lang::En, "login_en")] {
        let mut app = new_app(lang, false);
        type_text(&mut app, "kazei01");
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "secret-pin");
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        assert!(!text.contains("secret-pin"), "PIN shown:\n{text}");
        assert!(text.contains("**********"));
        assert!(!text.contains("DEMO"));
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn login_screen_with_demo_panel_ja_and_en() {
    for (lang, name) in [(Lang::Ja, "login_demo_ja"), (Lang::En, "login_demo_en")] {
        let app = new_app(lang, true);
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        assert!(text.contains("DEMO"), "{text}");
        for account in [
            "kazei01",
            "nozei01",
            "it01",
            "audit01",
            "demo-pin-01",
            "654321",
        ] {
            assert!(text.contains(account), "{account} missing:\n{text}");
        }
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn search_results_with_badges_80x24_and_120x40() {
    let app = searched_app(Lang::Ja);
    // The answer leaves the focus in the box: Enter there searches again.
    assert_eq!(app.search.focus, SearchFocus::Input);
    let small = draw(&app, 80, 24);
    let text = screen_text(&small);
    for needle in [
        "髙橋",
        "齋藤",
        "転出",
        "死亡",
        "支援措置",
        "非表示",
        "kazei01",
        "住民税賦課",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    insta::assert_snapshot!("search_ja_80x24", small.backend());
    insta::assert_snapshot!("search_ja_120x40", draw(&app, 120, 40).backend());

    let app = searched_app(Lang::En);
    insta::assert_snapshot!("search_en_120x40", draw(&app, 120, 40).backend());
}

#[test]
fn terminal_theme_still_shows_badges_as_text() {
    let mut app = searched_app(Lang::Ja);
    app.theme = Theme::builtin("terminal").unwrap();
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    for needle in ["転出", "死亡", "支援措置"] {
        assert!(text.contains(needle));
    }
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn truncated_results_tell_the_clerk_to_narrow() {
    for (lang, name, needle) in [
        (Lang::Ja, "search_truncated_ja", "絞り込んで"),
        (Lang::En, "search_truncated_en", "Narrow the search"),
    ] {
        let mut app = new_app(lang, false);
        log_in(&mut app, Department::Assessment);
        search(&mut app, "山田", found(results(), true));
        let terminal = draw(&app, 80, 24);
        assert!(screen_text(&terminal).contains(needle));
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn service_error_message_is_shown() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    let message = "個人番号の検査用数字が正しくありません";
    search(
        &mut app,
        "123456789012",
        Err(Failure::service(ErrorCode::InvalidQuery, 400, message)),
    );
    assert_eq!(app.screen(), Screen::Search);
    let terminal = draw(&app, 80, 24);
    assert!(screen_text(&terminal).contains(message));
    insta::assert_snapshot!("search_error_ja", terminal.backend());
}

#[test]
fn record_of_an_assessment_clerk_shows_masked_number_and_reveal_key() {
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("個人番号"));
    assert!(text.contains("********5678"));
    assert!(text.contains("F5"));
    insta::assert_snapshot!("record_assessment_ja", terminal.backend());
}

#[test]
fn the_search_box_key_works_from_the_record_screen_in_every_preset() {
    for (preset, key) in [
        (None, KeyCode::F(3)),
        (Some("function-keys"), KeyCode::F(9)),
        (Some("vim"), KeyCode::Char('/')),
    ] {
        let mut app = searched_app(Lang::Ja);
        if let Some(preset) = preset {
            app.keymap = Keymap::load(Some(std::path::Path::new(preset))).0;
        }
        open_record(&mut app, Department::Assessment);
        press(&mut app, key);
        assert_eq!(app.screen(), Screen::Search, "{preset:?}");
        assert_eq!(app.search.focus, SearchFocus::Input, "{preset:?}");
    }
}

#[test]
fn record_of_a_collections_clerk_has_no_number_line() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Collections);
    search(&mut app, "たかはし", found(results(), false));
    open_record(&mut app, Department::Collections);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(!text.contains("個人番号"), "{text}");
    assert!(!text.contains("F5"), "{text}");
    assert!(text.contains("髙橋"));
    insta::assert_snapshot!("record_collections_ja", terminal.backend());

    // Asking anyway only explains.
    ctrl(&mut app, 'r');
    assert_eq!(app.pending(), None);
}

#[test]
fn record_en_with_hidden_address() {
    let mut app = searched_app(Lang::En);
    open_record(&mut app, Department::Assessment);
    if let Some(state) = app.record_mut() {
        state.record.address = None;
        state.record.address_hidden = true;
        state.record.support_measure = true;
    }
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("hidden (support measure)"), "{text}");
    insta::assert_snapshot!("record_hidden_address_en", terminal.backend());
}

#[test]
fn help_overlay_lists_the_keys_of_the_screen() {
    let mut app = searched_app(Lang::Ja);
    update(&mut app, Action::Run(Command::Help));
    assert!(app.help);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("キー操作"));
    assert!(text.contains("Ctrl-Q"));
    insta::assert_snapshot!("help_search_ja", terminal.backend());

    let mut app = searched_app(Lang::En);
    open_record(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(1));
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("Reveal the full My Number"), "{text}");
    insta::assert_snapshot!("help_record_en", terminal.backend());
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(app.screen(), Screen::Record);
}

#[test]
fn reveal_asks_first_then_shows_until_the_record_is_left() {
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    assert!(press(&mut app, KeyCode::F(5)).is_empty());
    assert_eq!(app.pending(), Some(&reveal_of("1000000001")));
    insta::assert_snapshot!("confirm_reveal_ja", draw(&app, 80, 24).backend());
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::Reveal(p)] if p == "1000000001"));
    update(
        &mut app,
        Action::Revealed {
            person: "1000000001".into(),
            result: Ok(Secret::new("123456785678")),
        },
    );
    assert!(screen_text(&draw(&app, 80, 24)).contains("123456785678"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), Screen::Search);
    assert!(app.record().is_none());
    assert!(!screen_text(&draw(&app, 80, 24)).contains("123456785678"));

    // A late answer for a record no longer open is dropped.
    update(
        &mut app,
        Action::Revealed {
            person: "1000000001".into(),
            result: Ok(Secret::new("123456785678")),
        },
    );
    assert!(app.record().is_none());
}

// ---- security ---------------------------------------------------------------

#[test]
fn control_characters_from_the_service_never_reach_the_buffer() {
    let evil = "山田\x1b]52;c;QUJD\x07\x1b[2J\u{202E}";
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    let mut rows = results();
    rows[0].name = evil.into();
    rows[0].kana = evil.into();
    rows[0].address = Some(evil.into());
    search(&mut app, "やまだ", found(rows, false));
    let mut screens = vec![draw(&app, 120, 40)];

    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open");
    };
    let mut rec = record(Department::Assessment);
    rec.name = evil.into();
    rec.address = Some(evil.into());
    rec.postal_code = Some(evil.into());
    update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Ok(Box::new(rec)),
        },
    );
    screens.push(draw(&app, 80, 24));
    update(
        &mut app,
        Action::Revealed {
            person: "x".into(),
            result: Err(Failure::service(ErrorCode::Forbidden, 403, evil)),
        },
    );
    press(&mut app, KeyCode::Esc);
    search(
        &mut app,
        "x",
        Err(Failure::service(ErrorCode::InvalidQuery, 400, evil)),
    );
    screens.push(draw(&app, 80, 24));

    for terminal in &screens {
        let text = screen_text(terminal);
        assert!(text.contains("山田"), "{text}");
        for bad in ['\x1b', '\x07', '\u{202E}'] {
            assert!(!text.contains(bad), "{bad:?} in\n{text}");
        }
    }
}

/// A name as a hostile record might carry it: a line break between two
/// words, a screen-clearing escape and a clipboard write (OSC 52).
const HOSTILE_NAME: &str = "田中\r\n管理者\x1b[2J\x1b]52;c;QUJD\x07";
const HOSTILE_NAME_SHOWN: &str = "田中〓管理者〓[2J〓]52;c;QUJD〓";

#[test]
fn hostile_text_shows_a_marker_where_controls_were_removed() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    let mut rows = results();
    rows[0].name = HOSTILE_NAME.into();
    rows[0].kana = "タナカ\u{200b}カンリシャ".into();
    rows[0].address = Some("本町\t1-1\u{202E}".into());
    search(&mut app, "たなか", found(rows, false));
    let terminal = draw(&app, 120, 16);
    let text = screen_text(&terminal);
    // The name column cuts the rest; the marker counts two columns.
    assert!(text.contains("田中〓管理者〓[2J〓~ タナカ"), "{text}");
    assert!(text.contains("タナカ〓カンリシャ"), "{text}");
    assert!(text.contains("本町〓1-1〓"), "{text}");
    insta::assert_snapshot!("search_hostile_name_ja", terminal.backend());

    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open");
    };
    let mut rec = record(Department::Assessment);
    rec.name = HOSTILE_NAME.into();
    rec.address = Some("本町\r\n1-1\u{9b}2J".into());
    update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Ok(Box::new(rec)),
        },
    );
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains(HOSTILE_NAME_SHOWN), "{text}");
    assert!(text.contains("本町〓1-1〓2J"), "{text}");
    insta::assert_snapshot!("record_hostile_name_ja", terminal.backend());
}

#[test]
fn a_service_message_with_controls_shows_markers_in_the_status_line() {
    let mut app = new_app(Lang::En, false);
    log_in(&mut app, Department::Assessment);
    search(
        &mut app,
        "x",
        Err(Failure::service(
            ErrorCode::InvalidQuery,
            400,
            "bad\r\nadmin\x1b[31m says hi",
        )),
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("bad〓admin〓[31m says hi"), "{text}");
}

#[test]
fn paste_is_data_and_never_confirms() {
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    press(&mut app, KeyCode::F(5));
    assert_eq!(app.pending(), Some(&reveal_of("1000000001")));
    let effects = paste(&mut app, "1234\r");
    assert!(effects.is_empty());
    assert_eq!(app.pending(), Some(&reveal_of("1000000001")));
    assert!(app.record().is_some_and(|r| !r.revealing));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pending(), None);

    // Logout confirm too.
    press(&mut app, KeyCode::F(10));
    assert_eq!(app.pending(), Some(&PendingAction::Logout));
    assert!(paste(&mut app, "\r\n").is_empty());
    assert!(app.session.is_some());

    // Into a field, a paste is text without line breaks, and does not submit.
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    let effects = paste(&mut app, "髙橋\r\n一郎\n");
    assert!(effects.is_empty());
    assert_eq!(app.search.input.text(), "髙橋一郎");
    assert_eq!(app.search.pending, None);
}

#[test]
fn logout_drops_all_records_and_clears_the_terminal() {
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    let mut terminal = draw(&app, 80, 24);
    assert!(screen_text(&terminal).contains("髙橋"));
    press(&mut app, KeyCode::F(10));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(effects[0], Effect::Logout));
    assert!(effects.iter().any(|e| matches!(e, Effect::ClearTerminal)));
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.session.is_none() && app.record().is_none());
    assert!(app.search.results.is_empty());
    terminal.clear().unwrap();
    terminal.draw(|frame| render(&app, frame)).unwrap();
    let text = screen_text(&terminal);
    for leaked in ["髙橋", "齋藤", "5678", "1000000001", "kazei01"] {
        assert!(!text.contains(leaked), "{leaked} still on screen:\n{text}");
    }
    assert!(text.contains("ログアウトしました"));
}

#[test]
fn session_ended_by_the_service_returns_to_login() {
    let mut app = searched_app(Lang::Ja);
    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open");
    };
    let effects = update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Err(Failure::service(
                ErrorCode::Unauthenticated,
                401,
                "session ended",
            )),
        },
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::EndSession)));
    assert!(effects.iter().any(|e| matches!(e, Effect::ClearTerminal)));
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.session.is_none() && app.search.results.is_empty());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("セッションが終了しました"), "{text}");
    assert!(!text.contains("髙橋"));
}

#[test]
fn failed_login_says_why_in_the_terminal_language_and_forgets_pin_and_code() {
    let mut app = new_app(Lang::Ja, false);
    type_text(&mut app, "kazei01");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "wrong-pin");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "999999");
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Login(request)) = effects.into_iter().next() else {
        panic!("no login");
    };
    assert_eq!(request.user_id, "kazei01");
    assert_eq!(request.pin.expose(), "wrong-pin");
    assert_eq!(request.totp.expose(), "999999");
    assert_eq!(request.purpose, None, "the purpose is chosen after login");
    // A second Enter while the request is out does nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    // The service's words are English; the terminal says it in Japanese.
    let message = "too many failed attempts: the account is locked until 10:35";
    update(
        &mut app,
        Action::LoggedIn(Err(Failure::service(
            ErrorCode::AccountLocked,
            423,
            message,
        ))),
    );
    assert!(
        app.login()
            .is_some_and(|l| l.pin.is_empty() && l.code.is_empty())
    );
    assert_eq!(app.login().map(|l| l.user_id.text()), Some("kazei01"));
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("ロックされています"), "{text}");
    assert!(!text.contains("too many"), "{text}");
    insta::assert_snapshot!("login_locked_ja", terminal.backend());
}

/// The service's answer to a login of an assessment clerk whose department
/// has two purposes: a session without one yet.
fn pending_purpose_login(app: &mut App) {
    type_text(app, "kazei01");
    press(app, KeyCode::Tab);
    type_text(app, "correct-pin-1");
    press(app, KeyCode::Tab);
    type_text(app, "123456");
    let effects = press(app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Login(_)]),
        "{effects:?}"
    );
    let mut pending = session(Department::Assessment);
    pending.purpose = None;
    pending.permissions = vec![];
    update(
        app,
        Action::LoggedIn(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok"),
            session: pending,
        }))),
    );
}

#[test]
fn the_purpose_is_chosen_after_login_with_none_preselected() {
    for (lang, name) in [
        (Lang::Ja, "purpose_choice_ja"),
        (Lang::En, "purpose_choice_en"),
    ] {
        let mut app = new_app(lang, false);
        pending_purpose_login(&mut app);
        assert_eq!(app.screen(), Screen::Purpose);
        assert_eq!(app.purpose().map(|p| p.selected), Some(None));
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        assert!(!text.contains("> "), "nothing preselected:\n{text}");
        insta::assert_snapshot!(name, terminal.backend());
    }
    let mut app = new_app(Lang::Ja, false);
    pending_purpose_login(&mut app);
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "nothing chosen yet"
    );
    assert!(screen_text(&draw(&app, 80, 24)).contains("業務を選んでから"));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::ChoosePurpose(code)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(code, "certificate");
    let mut chosen = session(Department::Assessment);
    chosen.purpose = Some(purposes()[2].clone());
    update(&mut app, Action::PurposeChosen(Ok(chosen)));
    assert_eq!(app.screen(), Screen::Search);
    assert!(screen_text(&draw(&app, 120, 40)).contains("税証明発行"));
}

#[test]
fn login_needs_every_field() {
    let mut app = new_app(Lang::En, false);
    type_text(&mut app, "kazei01");
    press(&mut app, KeyCode::BackTab); // wraps to the code field
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(screen_text(&draw(&app, 80, 24)).contains("Enter user ID, PIN"));
}

// ---- behaviour --------------------------------------------------------------

#[test]
fn stale_search_results_are_dropped() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    type_text(&mut app, "髙橋");
    let Some(Effect::Search { seq: first, .. }) = press(&mut app, KeyCode::Enter).pop() else {
        panic!("no search");
    };
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "田");
    let Some(Effect::Search { seq: second, .. }) = press(&mut app, KeyCode::Enter).pop() else {
        panic!("no search");
    };
    assert!(second > first);
    let newest = vec![results().remove(1)];
    update(
        &mut app,
        Action::Searched {
            seq: second,
            result: found(newest.clone(), false),
        },
    );
    update(
        &mut app,
        Action::Searched {
            seq: first,
            result: found(results(), true),
        },
    );
    assert_eq!(app.search.results, newest);
    assert!(!app.search.truncated);
}

#[test]
fn results_from_before_a_logout_are_dropped() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    type_text(&mut app, "髙橋");
    let Some(Effect::Search { seq, .. }) = press(&mut app, KeyCode::Enter).pop() else {
        panic!("no search");
    };
    press(&mut app, KeyCode::F(10));
    press(&mut app, KeyCode::Enter);
    log_in(&mut app, Department::Assessment);
    update(
        &mut app,
        Action::Searched {
            seq,
            result: found(results(), false),
        },
    );
    assert!(app.search.results.is_empty());
}

#[test]
fn a_second_enter_in_the_search_box_searches_again_and_opens_nothing() {
    let mut app = searched_app(Lang::Ja);
    assert!(!app.search.results.is_empty());
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Search { .. }]),
        "Enter in the box searches: {effects:?}"
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::OpenRecord(_))),
        "no record opens from the search box"
    );
}

#[test]
fn a_failed_search_leaves_no_results_of_the_last_one_on_screen() {
    let mut app = searched_app(Lang::Ja);
    let before = screen_text(&draw(&app, 120, 40));
    let shown = app.search.results[0].name.clone();
    assert!(before.contains(shown.as_str()), "{before}");
    let refused = Err(Failure::service(
        ErrorCode::InvalidQuery,
        400,
        "the check digit of this My Number is wrong",
    ));
    search(&mut app, "123456789010", refused);
    assert!(app.search.results.is_empty());
    let after = screen_text(&draw(&app, 120, 40));
    assert!(
        !after.contains(shown.as_str()),
        "the last results stay:\n{after}"
    );
    // Nothing to open under the error.
    assert!(
        !open_selected(&mut app)
            .iter()
            .any(|e| matches!(e, Effect::OpenRecord(_)))
    );
}

#[test]
fn keys_go_to_the_focused_field_first() {
    let mut app = searched_app(Lang::Ja);
    // Results focused: '?' opens help.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    press(&mut app, KeyCode::Esc);
    // Search box focused: '?' is text.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.search.focus, SearchFocus::Input);
    press(&mut app, KeyCode::Char('?'));
    assert!(!app.help);
    assert!(app.search.input.text().ends_with('?'));
    // Down moves into the results; typing goes back to the box.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.focus, SearchFocus::Results);
    assert_eq!(app.search.selected, 0);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.selected, 1);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.search.focus, SearchFocus::Input);
    assert!(app.search.input.text().ends_with('x'));
    // Ctrl-Q quits from anywhere.
    let effects = ctrl(&mut app, 'q');
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
    assert!(app.should_quit && app.session.is_none());
}

#[test]
fn demo_codes_refresh_on_tick() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let left = Arc::new(AtomicU64::new(30));
    let counter = left.clone();
    let panel = DemoPanel {
        accounts: Arc::new(move || {
            vec![DemoAccount {
                user_id: "kazei01".into(),
                role: Role::Clerk,
                department: Department::Assessment,
                pin: Pin::new("demo-pin-01"),
                code: "123456".into(),
                seconds_left: counter.fetch_sub(1, Ordering::SeqCst),
                used: false,
            }]
        }),
    };
    let mut app = App::new(Lang::En, Keymap::defaults(), Theme::default(), Some(panel));
    app.needs_render = false;
    tick(&mut app, Duration::ZERO);
    assert!(app.needs_render);
    assert!(screen_text(&draw(&app, 80, 24)).contains("29s left"));
    assert_eq!(left.load(Ordering::SeqCst), 28);
}

#[test]
fn screens_survive_tiny_and_odd_sizes() {
    let mut app = searched_app(Lang::Ja);
    for (w, h) in [(1, 1), (10, 3), (20, 5), (79, 23), (200, 60)] {
        draw(&app, w, h);
    }
    update(&mut app, Action::Run(Command::Help));
    for (w, h) in [(1, 1), (10, 3), (33, 7)] {
        draw(&app, w, h);
    }
    let mut app = new_app(Lang::Ja, true);
    for (w, h) in [(1, 1), (10, 3), (40, 10)] {
        draw(&app, w, h);
    }
    open_record_none(&mut app);
}

fn open_record_none(app: &mut App) {
    // Keys for screens the user is not on do nothing.
    assert!(press(app, KeyCode::F(5)).is_empty());
    assert!(update(app, Action::Run(Command::Confirm)).is_empty());
}

#[test]
fn broken_keymap_or_theme_is_named_in_the_status_bar() {
    let src = "[global]\nkeymap = [\n  { on = [\"ctrl-x\"], run = \"explode\" },\n]\n";
    let Err(error) = Keymap::parse(src, "/home/clerk/keys.toml") else {
        panic!("parsed");
    };
    for (lang, needle) in [(Lang::Ja, "3 行目"), (Lang::En, "line 3")] {
        let mut app = new_app(lang, false);
        app.status = Some(super::app::Status::config("error.keymap", &error));
        let text = screen_text(&draw(&app, 120, 24));
        assert!(text.contains("/home/clerk/keys.toml"), "{text}");
        assert!(text.contains(needle), "{text}");
        assert!(text.contains("explode"), "{text}");
    }
    let Err(error) = Theme::parse("[roles]\ntext = { fg = \"nope\" }\n", "t.toml") else {
        panic!("parsed");
    };
    let mut app = new_app(Lang::En, false);
    app.status = Some(super::app::Status::config("error.theme", &error));
    let text = screen_text(&draw(&app, 120, 24));
    assert!(text.contains("Theme file t.toml, line 2"), "{text}");
}

// ---- idle lock and screen hygiene -------------------------------------------

/// What must never be left on a locked or logged-out screen: the resident's
/// name, kana, address, postal code, person number and My Number, what was
/// typed to find them, and the staff member's name and purpose.
const LEAKS: &[&str] = &[
    "鷲尾",
    "澄香",
    "ワシオ",
    "スミカ",
    "稚内",
    "宗谷岬",
    "098-6758",
    "2000000077",
    "123456789018",
    "9018",
    "わしお",
    "山田",
    "花子",
    "住民税賦課",
    "Resident tax",
];

fn washio_summary() -> ResidentSummary {
    summary(
        "2000000077",
        "鷲尾 澄香",
        "ワシオ スミカ",
        "1969-11-03",
        Sex::Female,
        Some("北海道稚内市宗谷岬2-7"),
        ResidentStatus::Resident,
        false,
    )
}

fn washio_record() -> ResidentRecord {
    ResidentRecord {
        person_number: "2000000077".into(),
        name: "鷲尾 澄香".into(),
        kana: "ワシオ スミカ".into(),
        birth_date: "1969-11-03".into(),
        sex: Sex::Female,
        postal_code: Some("098-6758".into()),
        address: Some("北海道稚内市宗谷岬2-7".into()),
        address_hidden: false,
        status: ResidentStatus::Resident,
        support_measure: false,
        my_number_masked: Some("********9018".into()),
        can_reveal: true,
    }
}

/// Carries out the effects that touch the terminal, as the runtime does.
fn apply_to(terminal: &mut Terminal<TestBackend>, effects: &[Effect]) {
    if effects.iter().any(|e| matches!(e, Effect::ClearTerminal)) {
        terminal.clear().unwrap();
    }
}

fn redraw(terminal: &mut Terminal<TestBackend>, app: &App) -> String {
    terminal.draw(|frame| render(app, frame)).unwrap();
    screen_text(terminal)
}

fn assert_no_leaks(text: &str) {
    for leak in LEAKS {
        assert!(!text.contains(leak), "{leak} still on screen:\n{text}");
    }
}

/// Logged in, searched, opened a record and revealed its My Number; the
/// terminal that showed all of it.
fn revealed_app(lang: Lang) -> (App, Terminal<TestBackend>) {
    let mut app = new_app(lang, false);
    log_in(&mut app, Department::Assessment);
    search(&mut app, "わしお", found(vec![washio_summary()], false));
    let mut terminal = draw(&app, 80, 24);
    let shown = screen_text(&terminal);
    assert!(shown.contains("北海道稚"), "{shown}");
    let effects = open_selected(&mut app);
    assert!(matches!(effects.as_slice(), [Effect::OpenRecord(p)] if p == "2000000077"));
    update(
        &mut app,
        Action::RecordLoaded {
            person: "2000000077".into(),
            result: Ok(Box::new(washio_record())),
        },
    );
    press(&mut app, KeyCode::F(5));
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Action::Revealed {
            person: "2000000077".into(),
            result: Ok(Secret::new("123456789018")),
        },
    );
    let text = redraw(&mut terminal, &app);
    for shown in [
        "鷲尾",
        "ワシオ",
        "稚内",
        "098-6758",
        "2000000077",
        "123456789018",
    ] {
        assert!(text.contains(shown), "{shown} missing:\n{text}");
    }
    (app, terminal)
}

fn assert_state_dropped(app: &App) {
    assert!(app.session.is_none());
    assert!(app.record().is_none());
    assert!(app.search.opening.is_none());
    assert!(app.search.results.is_empty());
    assert!(app.search.input.is_empty());
    assert!(app.search.pending.is_none());
    assert!(app.popup.is_none() && !app.help);
}

#[test]
fn idle_lock_drops_every_record_and_clears_the_screen() {
    for (lang, name) in [(Lang::Ja, "lock_ja"), (Lang::En, "lock_en")] {
        let (mut app, mut terminal) = revealed_app(lang);
        let effects = tick(&mut app, super::DEFAULT_IDLE_LOCK);
        assert!(
            matches!(effects.as_slice(), [Effect::ClearTerminal]),
            "{effects:?}"
        );
        assert_eq!(app.screen(), Screen::Locked);
        assert_state_dropped(&app);
        assert_eq!(app.status, None);
        let lock = app.lock().unwrap();
        assert_eq!(lock.user_id, "kazei01");
        assert!(lock.pin.is_empty() && lock.code.is_empty());

        apply_to(&mut terminal, &effects);
        let text = redraw(&mut terminal, &app);
        assert_no_leaks(&text);
        assert!(text.contains("kazei01"), "{text}");
        // Neither of ratatui's buffers keeps the record.
        let back = terminal.current_buffer_mut().clone();
        let back: String = back.content().iter().map(|c| c.symbol()).collect();
        assert_no_leaks(&back);
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn idle_just_below_the_lock_time_does_not_lock() {
    let (mut app, _) = revealed_app(Lang::Ja);
    let effects = tick(
        &mut app,
        super::DEFAULT_IDLE_LOCK - Duration::from_millis(1),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.screen(), Screen::Record);
    assert!(app.record().is_some_and(|r| r.revealed.is_some()));
    let effects = tick(&mut app, Duration::from_millis(1));
    assert!(matches!(effects.as_slice(), [Effect::ClearTerminal]));
    assert_eq!(app.screen(), Screen::Locked);
}

#[test]
fn keys_and_pastes_reset_the_idle_timer() {
    let minute = Duration::from_secs(60);
    let mut app = searched_app(Lang::Ja);
    tick(&mut app, 4 * minute);
    press(&mut app, KeyCode::Down);
    tick(&mut app, 4 * minute);
    paste(&mut app, "髙橋");
    assert!(tick(&mut app, 5 * minute - Duration::from_secs(1)).is_empty());
    assert_eq!(app.screen(), Screen::Search);
    assert!(!app.search.results.is_empty());
    tick(&mut app, Duration::from_secs(1));
    assert_eq!(app.screen(), Screen::Locked);

    // The lock time is configurable.
    let mut app = searched_app(Lang::En);
    app.idle_lock = minute;
    assert!(tick(&mut app, minute - Duration::from_secs(1)).is_empty());
    tick(&mut app, Duration::from_secs(1));
    assert_eq!(app.screen(), Screen::Locked);

    // Never later than the service's idle timeout (900 s in the fixture).
    let mut app = searched_app(Lang::En);
    app.idle_lock = 60 * minute;
    assert!(tick(&mut app, 15 * minute - Duration::from_secs(1)).is_empty());
    tick(&mut app, Duration::from_secs(1));
    assert_eq!(app.screen(), Screen::Locked);

    // Without a session there is nothing to lock.
    let mut app = new_app(Lang::Ja, false);
    assert!(tick(&mut app, 60 * minute).is_empty());
    assert_eq!(app.screen(), Screen::Login);
}

#[test]
fn a_key_after_the_lock_time_locks_and_is_swallowed() {
    let mut app = searched_app(Lang::Ja);
    press(&mut app, KeyCode::Esc); // to the search box
    let late = app.last_input + super::DEFAULT_IDLE_LOCK;
    let effects = update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE), late),
    );
    assert!(matches!(effects.as_slice(), [Effect::ClearTerminal]));
    assert_eq!(app.screen(), Screen::Locked);
    assert_state_dropped(&app);
    assert!(app.lock().is_some_and(|l| l.pin.is_empty()));

    // A late paste too (say, a number meant for the search box).
    let mut app = searched_app(Lang::Ja);
    let late = app.last_input + super::DEFAULT_IDLE_LOCK;
    let effects = update(&mut app, Action::Paste("123456789018".into(), late));
    assert!(matches!(effects.as_slice(), [Effect::ClearTerminal]));
    assert!(app.lock().is_some_and(|l| l.pin.is_empty()));
}

#[test]
fn answers_from_before_the_lock_are_dropped() {
    let mut app = searched_app(Lang::Ja);
    press(&mut app, KeyCode::Esc);
    let Some(Effect::Search { seq, .. }) = press(&mut app, KeyCode::Enter).pop() else {
        panic!("no search");
    };
    tick(&mut app, super::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    update(
        &mut app,
        Action::Searched {
            seq,
            result: found(vec![washio_summary()], false),
        },
    );
    update(
        &mut app,
        Action::RecordLoaded {
            person: "2000000077".into(),
            result: Ok(Box::new(washio_record())),
        },
    );
    update(
        &mut app,
        Action::Revealed {
            person: "2000000077".into(),
            result: Ok(Secret::new("123456789018")),
        },
    );
    assert_eq!(app.screen(), Screen::Locked);
    assert_state_dropped(&app);
    assert_no_leaks(&screen_text(&draw(&app, 120, 40)));
}

fn locked_app(lang: Lang) -> App {
    let mut app = searched_app(lang);
    tick(&mut app, super::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    app
}

#[test]
fn a_pasted_return_in_the_unlock_pin_does_not_submit() {
    let mut app = locked_app(Lang::Ja);
    let effects = paste(&mut app, "1234\r");
    assert!(effects.is_empty(), "{effects:?}");
    let lock = app.lock().unwrap();
    assert_eq!(lock.pin.text(), "1234");
    assert!(!lock.busy);
    press(&mut app, KeyCode::Tab);
    assert!(paste(&mut app, "654321\r\n").is_empty());
    let lock = app.lock().unwrap();
    assert_eq!(lock.code.text(), "654321");
    assert!(!lock.busy);
    // The PIN is drawn masked.
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("****") && !text.contains("1234"), "{text}");
}

/// Types PIN and code on the lock screen; returns the unlock request's effects.
fn enter_unlock(app: &mut App, pin: &str, code: &str) -> Vec<Effect> {
    type_text(app, pin);
    assert!(press(app, KeyCode::Enter).is_empty());
    type_text(app, code);
    press(app, KeyCode::Enter)
}

#[test]
fn unlock_takes_pin_and_code_and_starts_the_new_token() {
    let mut app = locked_app(Lang::Ja);
    let mut effects = enter_unlock(&mut app, "correct-pin-1", "654321");
    let Some(Effect::Unlock(request)) = effects.pop() else {
        panic!("no unlock: {effects:?}");
    };
    assert_eq!(request.pin.expose(), "correct-pin-1");
    assert_eq!(request.totp.expose(), "654321");
    let lock = app.lock().unwrap();
    assert!(lock.busy && lock.pin.is_empty() && lock.code.is_empty());
    // Enter again while the request is out does nothing.
    assert!(press(&mut app, KeyCode::Enter).is_empty());

    let effects = update(
        &mut app,
        Action::Unlocked(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok-2"),
            session: session(Department::Assessment),
        }))),
    );
    assert!(matches!(effects.as_slice(), [Effect::StartSession(t)] if t.expose() == "tok-2"));
    assert_eq!(app.screen(), Screen::Search);
    assert!(app.lock().is_none() && app.session.is_some());
    assert!(app.search.results.is_empty());
    // The idle time counts from the unlock.
    assert!(tick(&mut app, Duration::from_secs(1)).is_empty());
    assert_eq!(app.screen(), Screen::Search);
}

#[test]
fn unlock_needs_both_fields() {
    let mut app = locked_app(Lang::En);
    press(&mut app, KeyCode::Enter);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(screen_text(&draw(&app, 80, 24)).contains("Enter PIN and code"));
}

#[test]
fn a_wrong_pin_or_a_rate_limit_at_unlock_keeps_the_lock_and_shows_why() {
    let mut app = locked_app(Lang::Ja);
    for (code, status, message, shown) in [
        (
            ErrorCode::LoginFailed,
            401,
            "user ID, PIN or code is wrong",
            "暗証番号または確認コードが違います",
        ),
        (
            ErrorCode::CodeJustUsed,
            401,
            "this code has just been used to log in at this terminal: wait for the next code",
            "次のコードを待ってください",
        ),
        (
            ErrorCode::RateLimited,
            429,
            "too many login attempts from this terminal: wait a minute and try again",
            "少し待ってから",
        ),
        (
            ErrorCode::AccountLocked,
            423,
            "too many failed attempts: the account is locked until 10:35",
            "しばらくロックされています",
        ),
    ] {
        enter_unlock(&mut app, "wrong-pin", "000000");
        let effects = update(
            &mut app,
            Action::Unlocked(Err(Failure::service(code, status, message))),
        );
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(app.screen(), Screen::Locked);
        let lock = app.lock().unwrap();
        assert!(!lock.busy && lock.pin.is_empty() && lock.code.is_empty());
        let text = screen_text(&draw(&app, 120, 30));
        assert!(text.contains(shown), "{text}");
        assert!(!text.contains(message), "{text}");
        assert!(text.contains("kazei01"));
    }
}

#[test]
fn session_ended_while_locked_goes_to_login() {
    let mut app = locked_app(Lang::Ja);
    let mut terminal = draw(&app, 80, 24);
    enter_unlock(&mut app, "correct-pin-1", "654321");
    let effects = update(
        &mut app,
        Action::Unlocked(Err(Failure::service(
            ErrorCode::Unauthenticated,
            401,
            "session ended",
        ))),
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::EndSession)));
    assert!(effects.iter().any(|e| matches!(e, Effect::ClearTerminal)));
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.lock().is_none());
    assert_state_dropped(&app);
    apply_to(&mut terminal, &effects);
    let text = redraw(&mut terminal, &app);
    assert!(text.contains("セッションが終了しました"), "{text}");
    assert!(!text.contains("kazei01"), "{text}");
}

#[test]
fn another_user_at_a_locked_terminal_logs_the_first_out() {
    for lang in [Lang::Ja, Lang::En] {
        let (mut app, mut terminal) = revealed_app(lang);
        tick(&mut app, super::DEFAULT_IDLE_LOCK);
        type_text(&mut app, "half-typed");
        let effects = press(&mut app, KeyCode::F(9));
        assert!(
            matches!(effects.as_slice(), [Effect::Logout, Effect::ClearTerminal]),
            "{effects:?}"
        );
        assert_eq!(app.screen(), Screen::Login);
        assert!(app.lock().is_none());
        assert!(
            app.login()
                .is_some_and(|l| l.user_id.is_empty() && l.pin.is_empty())
        );
        assert_state_dropped(&app);
        apply_to(&mut terminal, &effects);
        let text = redraw(&mut terminal, &app);
        assert_no_leaks(&text);
        assert!(!text.contains("kazei01"), "{text}");
    }
}

#[test]
fn an_unlock_answered_after_switching_user_is_discarded() {
    let mut app = locked_app(Lang::Ja);
    enter_unlock(&mut app, "correct-pin-1", "654321");
    press(&mut app, KeyCode::F(9));
    let effects = update(
        &mut app,
        Action::Unlocked(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok-late"),
            session: session(Department::Assessment),
        }))),
    );
    assert!(matches!(effects.as_slice(), [Effect::DiscardSession(t)] if t.expose() == "tok-late"));
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.session.is_none());
}

#[test]
fn logout_after_a_revealed_number_leaves_nothing_on_screen() {
    let (mut app, mut terminal) = revealed_app(Lang::Ja);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(10));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.iter().any(|e| matches!(e, Effect::ClearTerminal)));
    assert_state_dropped(&app);
    apply_to(&mut terminal, &effects);
    let text = redraw(&mut terminal, &app);
    assert_no_leaks(&text);
    assert!(!text.contains("kazei01"), "{text}");
}

#[test]
fn the_lock_screen_has_its_own_keys_and_help() {
    let mut app = locked_app(Lang::En);
    // Log out needs a session: on the lock screen it does nothing.
    assert!(press(&mut app, KeyCode::F(10)).is_empty());
    assert_eq!(app.pending(), None);
    press(&mut app, KeyCode::F(1));
    assert!(app.help);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("F9"), "{text}");
    assert!(text.contains("log this session out"), "{text}");
    assert!(text.contains("Ctrl-Q"), "{text}");
    assert!(!text.contains("F10"), "{text}");
    insta::assert_snapshot!("help_lock_en", draw(&app, 80, 24).backend());
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(app.screen(), Screen::Locked);
    // Shift-Tab and Tab move between the fields.
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        app.lock().map(|l| l.focus),
        Some(super::screens::lock::LockField::Code)
    );
    // Quit still works, and logs out.
    let effects = ctrl(&mut app, 'q');
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
    assert!(app.lock().is_none());
}

#[test]
fn a_rate_limited_search_says_so_in_the_terminal_language() {
    let mut app = searched_app(Lang::Ja);
    let message = "too many requests in a short time: wait a moment and try again";
    let shown = "短時間の要求が多すぎます。少し待ってから操作してください";
    search(
        &mut app,
        "さいとう",
        Err(Failure::service(ErrorCode::RateLimited, 429, message)),
    );
    assert_eq!(app.screen(), Screen::Search);
    assert!(app.session.is_some());
    assert_eq!(app.search.pending, None);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains(shown) && !text.contains(message), "{text}");
    // The next search goes out as usual.
    search(&mut app, "たかはし", found(results(), false));
    assert_eq!(app.search.results.len(), results().len());
    assert_eq!(app.status, None);

    // Opening a record too.
    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open");
    };
    update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Err(Failure::service(ErrorCode::RateLimited, 429, message)),
        },
    );
    assert_eq!(app.screen(), Screen::Search);
    assert!(app.search.opening.is_none() && app.session.is_some());
    assert!(screen_text(&draw(&app, 80, 24)).contains(shown));
}

// ---- a role that may not search ---------------------------------------------

/// The IT officer's session: no resident search, no record view.
fn it_officer_session() -> SessionInfo {
    let (role, department) = (Role::ItOfficer, Department::InformationSystems);
    SessionInfo {
        staff: StaffInfo {
            user_id: "joho01".into(),
            display_name: "情報 三郎".into(),
            role,
            department,
        },
        purpose: Some(Purpose {
            code: "system_operation".into(),
            name_ja: "システム運用".into(),
            name_en: "System operation".into(),
        }),
        purposes: vec![],
        terminal: "term-01".into(),
        idle_timeout_secs: 900,
        expires_at: "2030-01-01T09:00:00Z".into(),
        permissions: crate::domain::roles::permissions(role, department).to_vec(),
        pin_change_required: false,
    }
}

/// F6 to the work screen, then Tab until `tab` shows; the review calls
/// the last key made.
fn to_review_tab(app: &mut App, tab: super::screens::tabs::Tab) -> Vec<super::effect::ReviewCall> {
    press(app, KeyCode::F(6));
    let mut calls = Vec::new();
    for _ in 0..super::screens::tabs::Tab::ALL.len() {
        if app.review().map(|r| r.tab()) == Some(tab) {
            break;
        }
        calls = review_calls(press(app, KeyCode::Tab));
    }
    assert_eq!(app.review().map(|r| r.tab()), Some(tab));
    calls
}

/// Logs in through the keyboard and answers with `session`.
fn log_in_as(app: &mut App, session: SessionInfo) {
    type_text(app, &session.staff.user_id);
    press(app, KeyCode::Tab);
    type_text(app, "correct-pin-1");
    press(app, KeyCode::Tab);
    type_text(app, "123456");
    assert!(matches!(
        press(app, KeyCode::Enter).as_slice(),
        [Effect::Login(_)]
    ));
    let effects = update(
        app,
        Action::LoggedIn(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok"),
            session,
        }))),
    );
    assert!(matches!(effects.as_slice(), [Effect::StartSession(_)]));
}

#[test]
fn a_role_that_may_not_search_gets_a_notice_instead_of_a_search_box() {
    for (lang, name, notice, placeholder) in [
        (
            Lang::Ja,
            "no_search_ja",
            "住民の検索も記録の表示もできません",
            "氏名・カナ",
        ),
        (
            Lang::En,
            "no_search_en",
            "terminals, staff, grants",
            "birth date",
        ),
    ] {
        let mut app = new_app(lang, false);
        log_in_as(&mut app, it_officer_session());
        assert_eq!(app.screen(), Screen::NoSearch);
        // Typing, pasting and Enter search nothing.
        type_text(&mut app, "たかはし");
        assert!(press(&mut app, KeyCode::Enter).is_empty());
        assert!(paste(&mut app, "123456789018\r").is_empty());
        assert!(press(&mut app, KeyCode::F(3)).is_empty());
        assert!(app.search.input.is_empty());
        assert_eq!(app.screen(), Screen::NoSearch);

        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        assert!(text.contains(notice), "{text}");
        assert!(text.contains("F10"), "the logout key is named:\n{text}");
        assert!(text.contains("joho01"), "{text}");
        assert!(!text.contains(placeholder), "a search box:\n{text}");
        insta::assert_snapshot!(name, terminal.backend());

        // Help lists the global keys once; logging out still works.
        press(&mut app, KeyCode::F(1));
        let help = screen_text(&draw(&app, 80, 24));
        assert_eq!(help.matches("Ctrl-Q, Ctrl-C").count(), 1, "{help}");
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::F(10));
        assert_eq!(app.pending(), Some(&PendingAction::Logout));
    }
}

#[test]
fn unlocking_a_session_that_may_not_search_returns_to_the_notice() {
    let mut app = new_app(Lang::Ja, false);
    log_in_as(&mut app, it_officer_session());
    tick(&mut app, super::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    enter_unlock(&mut app, "correct-pin-1", "654321");
    update(
        &mut app,
        Action::Unlocked(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok-2"),
            session: it_officer_session(),
        }))),
    );
    assert_eq!(app.screen(), Screen::NoSearch);
}

#[test]
fn the_search_box_offers_the_my_number_only_to_roles_that_may_search_by_it() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    assert!(screen_text(&draw(&app, 80, 24)).contains("個人番号"));
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Collections);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("宛名番号"), "{text}");
    assert!(!text.contains("個人番号"), "{text}");
}

// ---- components ---------------------------------------------------------------

/// A keymap of the defaults with `extra` laid over them.
fn keymap_with(extra: &str) -> Keymap {
    Keymap::defaults().overlay(Keymap::parse(extra, "test.toml").unwrap())
}

#[test]
fn the_confirm_popup_carries_the_action_and_yes_yields_its_effect() {
    // Reveal: the popup holds whose number; yes asks the service for it.
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    assert!(press(&mut app, KeyCode::F(5)).is_empty());
    assert_eq!(app.pending(), Some(&reveal_of("1000000001")));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Reveal(p)] if p == "1000000001"),
        "{effects:?}"
    );
    assert_eq!(app.pending(), None);
    assert!(app.record().is_some_and(|r| r.revealing));

    // Logout: yes ends the session and clears the terminal.
    let mut app = searched_app(Lang::Ja);
    assert!(press(&mut app, KeyCode::F(10)).is_empty());
    assert_eq!(app.pending(), Some(&PendingAction::Logout));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Logout, Effect::ClearTerminal]),
        "{effects:?}"
    );
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.session.is_none());
}

#[test]
fn no_or_esc_in_the_confirm_popup_does_nothing() {
    let mut app = searched_app(Lang::Ja);
    open_record(&mut app, Department::Assessment);
    for no in [
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), app.now),
        Action::Run(Command::Cancel),
        Action::Run(Command::Back),
    ] {
        press(&mut app, KeyCode::F(5));
        assert!(app.pending().is_some());
        assert!(update(&mut app, no).is_empty());
        assert_eq!(app.pending(), None);
        assert_eq!(app.screen(), Screen::Record);
        assert!(
            app.record()
                .is_some_and(|r| !r.revealing && r.revealed.is_none())
        );
    }
    // The function-key layout's F3 says no too.
    app.keymap = Keymap::load(Some(std::path::Path::new("function-keys"))).0;
    press(&mut app, KeyCode::F(5));
    assert!(press(&mut app, KeyCode::F(3)).is_empty());
    assert_eq!(app.pending(), None);
    assert_eq!(app.screen(), Screen::Record);

    press(&mut app, KeyCode::F(10));
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert_eq!(app.pending(), None);
    assert!(app.session.is_some());
}

#[test]
fn the_confirm_popup_keeps_every_key_but_quit_from_the_screen_under_it() {
    let mut app = searched_app(Lang::Ja);
    press(&mut app, KeyCode::F(3));
    assert_eq!(app.search.focus, SearchFocus::Input);
    let typed = app.search.input.text().to_string();
    press(&mut app, KeyCode::F(10));
    for code in [
        KeyCode::Char('x'),
        KeyCode::Backspace,
        KeyCode::Down,
        KeyCode::Tab,
        KeyCode::F(1),
        KeyCode::F(5),
        KeyCode::F(10),
    ] {
        assert!(press(&mut app, code).is_empty(), "{code:?}");
        assert_eq!(app.pending(), Some(&PendingAction::Logout), "{code:?}");
    }
    assert_eq!(app.search.input.text(), typed);
    assert_eq!(app.search.focus, SearchFocus::Input);
    assert!(!app.help);
    // Quit passes: it logs out anyway.
    let effects = ctrl(&mut app, 'q');
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn a_key_the_screen_does_not_consume_falls_to_the_global_keymap() {
    use super::component::{Component, Ctx, Outcome, command_for};
    use super::keymap::Key;

    // The search box takes text but not Ctrl-L: that is the global logout.
    let mut app = searched_app(Lang::Ja);
    press(&mut app, KeyCode::F(3));
    let ctrl_l = Key::new(KeyCode::Char('l'), KeyModifiers::CONTROL);
    let keymap = Keymap::defaults();
    let mut seq = 100;
    let mut ctx = Ctx {
        keymap: &keymap,
        session: None,
        next_seq: &mut seq,
    };
    assert!(matches!(
        app.search.handle_key(ctrl_l, &mut ctx),
        Outcome::NotConsumed
    ));
    assert_eq!(
        command_for(&app.search, &keymap, ctrl_l),
        Some(Command::Logout)
    );
    assert!(matches!(
        app.search.run(Command::Logout, &mut ctx),
        Outcome::NotConsumed
    ));
    assert!(ctrl(&mut app, 'l').is_empty());
    assert_eq!(app.pending(), Some(&PendingAction::Logout));
    press(&mut app, KeyCode::Esc);

    // A key bound in [global] reaches past a focused login field; a
    // printable one is typed into the field instead.
    let mut app = new_app(Lang::En, false);
    app.keymap =
        keymap_with("[global]\nkeymap = [ { on = [\"f2\"], run = \"help\", desc = \"Help\" } ]\n");
    press(&mut app, KeyCode::F(2));
    assert!(app.help);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('?'));
    assert!(!app.help);
    assert_eq!(app.login().map(|l| l.user_id.text()), Some("?"));

    // A global command bound in a screen's own section is not the
    // screen's: it falls through and acts.
    let mut app = searched_app(Lang::En);
    app.keymap =
        keymap_with("[search]\nkeymap = [ { on = [\"f2\"], run = \"quit\", desc = \"Quit\" } ]\n");
    let effects = press(&mut app, KeyCode::F(2));
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
}

#[test]
fn with_the_help_open_the_logout_key_it_shows_logs_out() {
    let mut app = searched_app(Lang::En);
    press(&mut app, KeyCode::F(1));
    assert!(app.help);
    assert!(screen_text(&draw(&app, 80, 24)).contains("F10 Log out"));
    assert!(press(&mut app, KeyCode::F(10)).is_empty());
    assert!(!app.help);
    assert_eq!(app.pending(), Some(&PendingAction::Logout));
    // Keys that are the screen's stay away from it while the help is open.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(1));
    let results = app.search.selected;
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.selected, results);
    assert!(app.help);
}
