//! Keys that arrive, the keys the bar names, line editing, the search
//! history, and what the terminal shows while it waits for the service or
//! cannot reach it.

use std::path::Path;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::tui::keymap::{DEFAULT, FUNCTION_KEYS, Key, Layer, VIM};

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    let at = app.now;
    update(app, Action::Key(KeyEvent::new(code, mods), at))
}

fn preset(name: &str) -> Keymap {
    let (map, error) = Keymap::load(Some(Path::new(name)));
    assert!(error.is_none(), "{error:?}");
    map
}

/// The status line (the row above the key bar) of a drawn screen.
fn status_row(app: &App) -> String {
    let text = screen_text(&draw(app, 80, 24));
    text.lines().nth(22).unwrap_or_default().to_string()
}

fn key_bar(app: &App) -> String {
    let text = screen_text(&draw(app, 80, 24));
    text.lines().nth(23).unwrap_or_default().to_string()
}

/// Empties the search box with the keys that worked before line editing.
fn clear_box(app: &mut App) {
    press(app, KeyCode::F(3));
    press(app, KeyCode::End);
    while !app.search.input.is_empty() {
        press(app, KeyCode::Backspace);
    }
}

// ---- keys that arrive ---------------------------------------------------------

/// Whether a terminal delivers the key to the workstation at all: F3 with a
/// modifier comes as ESC[1;<m>R, which crossterm reads as a cursor-position
/// report, and tmux keeps Ctrl-B as its prefix.
fn ever_arrives(key: Key) -> bool {
    let f3_with_mods = key.code == KeyCode::F(3) && !key.mods.is_empty();
    let tmux_prefix = key == Key::new(KeyCode::Char('b'), KeyModifiers::CONTROL);
    !f3_with_mods && !tmux_prefix
}

/// Whether it also arrives in GNOME Terminal and Windows Terminal with their
/// default shortcuts (F1 help, F10 menu, F11 full screen, Shift-F10 menu).
fn arrives_everywhere(key: Key) -> bool {
    let taken = [KeyCode::F(1), KeyCode::F(10), KeyCode::F(11)];
    let shift_f10 = key == Key::new(KeyCode::F(10), KeyModifiers::SHIFT);
    ever_arrives(key) && !(key.mods.is_empty() && taken.contains(&key.code)) && !shift_f10
}

#[test]
fn every_key_a_preset_names_arrives_and_every_command_has_one_that_arrives_everywhere() {
    for (source, name) in [
        (DEFAULT, "default"),
        (FUNCTION_KEYS, "function-keys"),
        (VIM, "vim"),
    ] {
        let own = Keymap::parse(source, name).unwrap();
        for layer in Layer::ALL {
            for b in own.bindings(layer) {
                assert!(
                    ever_arrives(b.key),
                    "{name} [{layer:?}] {} never reaches the workstation",
                    b.key.label()
                );
            }
        }
        let map = preset(name);
        for layer in Layer::ALL {
            for b in map.bindings(layer) {
                let keys: Vec<Key> = map
                    .bindings(layer)
                    .iter()
                    .filter(|o| o.command == b.command)
                    .map(|o| o.key)
                    .collect();
                assert!(
                    keys.iter().any(|k| arrives_everywhere(*k)),
                    "{name} [{layer:?}] {:?}: none of {:?} arrives in every terminal",
                    b.command,
                    keys.iter().map(Key::label).collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn the_function_key_preset_quits_with_shift_f4() {
    let mut app = searched_app(Lang::Ja);
    app.keymap = preset("function-keys");
    let effects = key(&mut app, KeyCode::F(4), KeyModifiers::SHIFT);
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
    assert!(app.session.is_none());
    // From the login screen too.
    let mut app = new_app(Lang::En, false);
    app.keymap = preset("function-keys");
    let effects = key(&mut app, KeyCode::F(4), KeyModifiers::SHIFT);
    assert!(matches!(effects.as_slice(), [Effect::Quit]), "{effects:?}");
}

#[test]
fn help_has_a_key_in_text_fields_where_the_terminal_keeps_f1() {
    for name in ["default", "function-keys", "vim"] {
        let mut app = new_app(Lang::En, false);
        app.keymap = preset(name);
        ctrl(&mut app, 'g');
        assert!(app.help, "{name}");
        assert_eq!(app.login().map(|l| l.user_id.text()), Some(""), "{name}");
        ctrl(&mut app, 'g');
        assert!(!app.help, "{name}");
    }
}

// ---- the key bar names the active keymap's keys --------------------------------

#[test]
fn the_key_bar_names_the_function_key_presets_keys() {
    let mut app = searched_app(Lang::Ja);
    app.keymap = preset("function-keys");
    let bar = key_bar(&app);
    for wanted in ["F12", "F1", "F10", "Shift-F4"] {
        assert!(bar.contains(wanted), "{wanted} missing: {bar}");
    }
    assert!(!bar.contains("Enter") && !bar.contains("Ctrl-Q"), "{bar}");
    insta::assert_snapshot!("keys_bar_function_keys_ja", draw(&app, 80, 24).backend());

    // The login screen too.
    let mut app = new_app(Lang::En, false);
    app.keymap = preset("function-keys");
    let bar = key_bar(&app);
    assert!(bar.contains("F12 Next / log in"), "{bar}");
    assert!(bar.contains("Shift-F4 Quit"), "{bar}");
}

#[test]
fn the_key_bar_names_the_vim_presets_keys_where_they_act() {
    let mut app = searched_app(Lang::En);
    app.keymap = preset("vim");
    // In the box letters are typed: the bar names keys that still act.
    let bar = key_bar(&app);
    assert!(bar.contains("Enter Search / open"), "{bar}");
    assert!(bar.contains("Down Select"), "{bar}");
    assert!(!bar.contains("l Search"), "{bar}");
    // In the list the preset's letters act, and the bar says so.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.focus, SearchFocus::Results);
    let bar = key_bar(&app);
    assert!(bar.contains("l Search / open"), "{bar}");
    assert!(bar.contains("j Select"), "{bar}");
    insta::assert_snapshot!("keys_bar_vim_results_en", draw(&app, 80, 24).backend());
}

// ---- line editing ----------------------------------------------------------------

#[test]
fn ctrl_u_ctrl_w_home_end_ctrl_a_ctrl_e_edit_the_search_box_by_display_column() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    // Inside the box: column 1, row 2.
    let cursor_at = |app: &App, column: u16| {
        let mut terminal = draw(app, 80, 24);
        terminal
            .backend_mut()
            .assert_cursor_position(ratatui::layout::Position::new(1 + column, 2));
    };
    type_text(&mut app, "髙橋\u{3000}一郎 1980");
    cursor_at(&app, 15);
    // A word ends at an ASCII or an ideographic space.
    ctrl(&mut app, 'w');
    assert_eq!(app.search.input.text(), "髙橋\u{3000}一郎 ");
    ctrl(&mut app, 'w');
    assert_eq!(app.search.input.text(), "髙橋\u{3000}");
    cursor_at(&app, 6);
    ctrl(&mut app, 'w');
    assert_eq!(app.search.input.text(), "");

    type_text(&mut app, "たかはし 1980");
    ctrl(&mut app, 'a');
    cursor_at(&app, 0);
    ctrl(&mut app, 'e');
    cursor_at(&app, 13);
    press(&mut app, KeyCode::Home);
    cursor_at(&app, 0);
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    cursor_at(&app, 11);
    // Ctrl-U: everything before the cursor.
    ctrl(&mut app, 'u');
    assert_eq!(app.search.input.text(), "80");
    cursor_at(&app, 0);
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'u');
    assert!(app.search.input.is_empty());
    // The editing chords never reached the keymap.
    assert_eq!(app.pending(), None);
    assert!(!app.help);
}

#[test]
fn the_login_fields_edit_alike_and_a_pin_loses_all_of_itself_to_ctrl_w() {
    let mut app = new_app(Lang::En, false);
    type_text(&mut app, "kazei 01");
    ctrl(&mut app, 'w');
    assert_eq!(app.login().unwrap().user_id.text(), "kazei ");
    ctrl(&mut app, 'a');
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'u');
    assert_eq!(app.login().unwrap().user_id.text(), "");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "my pin 1234");
    // Word by word would show where the PIN's spaces are.
    ctrl(&mut app, 'w');
    assert_eq!(app.login().unwrap().pin.text(), "");
}

#[test]
fn in_the_vim_preset_ctrl_u_edits_the_box_and_pages_the_list() {
    let mut app = searched_app(Lang::Ja);
    app.keymap = preset("vim");
    press(&mut app, KeyCode::F(3));
    type_text(&mut app, "jk");
    assert_eq!(app.search.input.text(), "たかはしjk");
    ctrl(&mut app, 'u');
    assert!(app.search.input.is_empty());
    assert_eq!(app.search.focus, SearchFocus::Input);
    press(&mut app, KeyCode::Down);
    ctrl(&mut app, 'd');
    assert_eq!(app.search.selected, 4);
    ctrl(&mut app, 'u');
    assert_eq!(app.search.selected, 0);
}

// ---- search history ----------------------------------------------------------------

#[test]
fn up_in_the_empty_search_box_recalls_this_sessions_searches_and_down_goes_back() {
    let mut app = searched_app(Lang::Ja);
    search(&mut app, "さとう", found(results(), false));
    clear_box(&mut app);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "さとう");
    assert_eq!(app.search.focus, SearchFocus::Input);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "たかはし");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "たかはし", "the oldest stays");
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.input.text(), "さとう");
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.input.text(), "");
    assert_eq!(app.search.focus, SearchFocus::Input);
    // Past the newest, Down is the list's again.
    press(&mut app, KeyCode::Down);
    assert_eq!(app.search.focus, SearchFocus::Results);

    // A box with text of its own: Up is the list's, nothing is recalled.
    clear_box(&mut app);
    type_text(&mut app, "やまだ");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "やまだ");
    assert_eq!(app.search.focus, SearchFocus::Results);

    // A recalled search is sent like a typed one.
    clear_box(&mut app);
    press(&mut app, KeyCode::Up);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.last(), Some(Effect::Search { query, .. }) if query == "さとう"),
        "{effects:?}"
    );
}

#[test]
fn the_history_keeps_the_last_fifty_searches_once_each_and_never_prints_them() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    for i in 0..55 {
        search(&mut app, &format!("q{i}"), found(vec![], false));
    }
    search(&mut app, "q10", found(vec![], false));
    clear_box(&mut app);
    let mut recalled = Vec::new();
    loop {
        press(&mut app, KeyCode::Up);
        let text = app.search.input.text().to_string();
        if recalled.last() == Some(&text) {
            break;
        }
        recalled.push(text);
    }
    assert_eq!(recalled.len(), 50, "{recalled:?}");
    assert_eq!(recalled.first().map(String::as_str), Some("q10"));
    assert_eq!(recalled.last().map(String::as_str), Some("q5"));
    assert_eq!(recalled.iter().filter(|q| *q == "q10").count(), 1);
    // Debug output (and so any log line) holds no query.
    clear_box(&mut app);
    let debug = format!("{:?}", app.search);
    assert!(!debug.contains("q10") && !debug.contains("q54"), "{debug}");
}

#[test]
fn the_history_is_cleared_at_the_idle_lock() {
    let mut app = searched_app(Lang::Ja);
    clear_box(&mut app);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "たかはし");
    clear_box(&mut app);

    tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    type_text(&mut app, "correct-pin-1");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "654321");
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Action::Unlocked(Ok(Box::new(LoginResponse {
            token: SessionToken::new("tok-2"),
            session: session(Department::Assessment),
        }))),
    );
    assert_eq!(app.screen(), Screen::Search);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "", "recalled after the lock");
}

#[test]
fn the_history_is_cleared_at_logout() {
    let mut app = searched_app(Lang::Ja);
    clear_box(&mut app);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "たかはし");
    clear_box(&mut app);

    press(&mut app, KeyCode::F(10));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), Screen::Login);
    log_in(&mut app, Department::Assessment);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.search.input.text(), "", "recalled after logout");
}

// ---- feedback while waiting ----------------------------------------------------------

#[test]
fn a_search_shows_its_wait_after_150_ms_with_a_spinner_that_turns() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    type_text(&mut app, "たかはし");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Search { .. }]),
        "{effects:?}"
    );
    assert!(
        !status_row(&app).contains("検索しています"),
        "{}",
        status_row(&app)
    );
    tick(&mut app, Duration::from_millis(149));
    assert!(
        !status_row(&app).contains("検索しています"),
        "{}",
        status_row(&app)
    );
    tick(&mut app, Duration::from_millis(1));
    assert!(
        status_row(&app).contains("| 検索しています"),
        "{}",
        status_row(&app)
    );
    // The bar offers to stop waiting.
    assert!(key_bar(&app).contains("Esc 中止"), "{}", key_bar(&app));
    insta::assert_snapshot!("keys_waiting_ja", draw(&app, 80, 24).backend());
    tick(&mut app, crate::tui::wait::FRAME);
    assert!(
        status_row(&app).contains("/ 検索しています"),
        "{}",
        status_row(&app)
    );
    tick(&mut app, crate::tui::wait::FRAME);
    assert!(
        status_row(&app).contains("- 検索しています"),
        "{}",
        status_row(&app)
    );
}

#[test]
fn keys_work_while_waiting_and_esc_drops_the_late_answer() {
    let mut app = searched_app(Lang::Ja);
    let before = app.search.results.clone();
    clear_box(&mut app);
    type_text(&mut app, "さとう");
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Search { seq, .. }) = effects.into_iter().last() else {
        panic!("no search");
    };
    tick(&mut app, Duration::from_millis(500));
    // Typing goes on while the answer is out.
    type_text(&mut app, "　はなこ");
    assert_eq!(app.search.input.text(), "さとう　はなこ");
    press(&mut app, KeyCode::Esc);
    assert!(
        status_row(&app).contains("待つのをやめました"),
        "{}",
        status_row(&app)
    );
    update(
        &mut app,
        Action::Searched {
            seq,
            result: found(vec![washio_summary()], false),
        },
    );
    assert_eq!(app.search.results, before, "the late answer was shown");
    tick(&mut app, Duration::from_secs(1));
    assert!(!status_row(&app).contains("検索しています"));

    // Opening a record: Esc stops that wait too.
    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().last() else {
        panic!("no open");
    };
    tick(&mut app, Duration::from_millis(300));
    assert!(
        status_row(&app).contains("記録を開いています"),
        "{}",
        status_row(&app)
    );
    press(&mut app, KeyCode::Esc);
    update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Ok(Box::new(record(Department::Assessment))),
        },
    );
    assert_eq!(app.screen(), Screen::Search);
}

#[test]
fn a_login_says_it_is_logging_in_only_once_the_wait_is_noticeable() {
    let mut app = new_app(Lang::Ja, false);
    type_text(&mut app, "kazei01");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "correct-pin-1");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "123456");
    press(&mut app, KeyCode::Enter);
    assert!(!status_row(&app).contains("ログインしています"));
    tick(&mut app, Duration::from_millis(200));
    assert!(
        status_row(&app).contains("ログインしています"),
        "{}",
        status_row(&app)
    );
}

// ---- a service that cannot be reached ---------------------------------------------------

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_search_that_cannot_reach_the_service_shows_the_outage_and_is_not_replayed() {
    use crate::client::ApiClient;
    use crate::tui::runtime::Runtime;

    let port = closed_port();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let client = ApiClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let mut runtime = Runtime::new(client, tx);
    for lang in [Lang::Ja, Lang::En] {
        let mut app = new_app(lang, false);
        log_in(&mut app, Department::Assessment);
        runtime
            .apply(Effect::StartSession(SessionToken::new("tok")), None)
            .await;
        type_text(&mut app, "たかはし");
        for effect in press(&mut app, KeyCode::Enter) {
            runtime.apply(effect, None).await;
        }
        let answer = rx.recv().await.unwrap();
        assert!(matches!(answer, Action::Searched { result: Err(_), .. }));
        update(&mut app, answer);
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        let header = text.lines().next().unwrap_or_default();
        let (marker, note) = match lang {
            Lang::Ja => ("接続断", "記録サービスに接続できません。1秒後"),
            Lang::En => (
                "OFFLINE",
                "Cannot reach the records service. Checking again in 1s",
            ),
        };
        assert!(header.contains(marker), "{header}");
        assert!(status_row(&app).contains(note), "{}", status_row(&app));
        let name = match lang {
            Lang::Ja => "keys_unreachable_ja",
            Lang::En => "keys_unreachable_en",
        };
        insta::assert_snapshot!(name, terminal.backend());
        // The clock goes on: the search is never sent again by itself.
        for _ in 0..5 {
            let effects = tick(&mut app, Duration::from_secs(1));
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::Search { .. })),
                "{effects:?}"
            );
        }
        // Keys still work: typing, then quitting.
        type_text(&mut app, "x");
        assert_eq!(app.search.input.text(), "たかはしx");
        assert!(matches!(ctrl(&mut app, 'q').as_slice(), [Effect::Quit]));
    }
}

/// Answers one request on `port` with the service's health.
fn health_once(port: u16) -> std::thread::JoinHandle<String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut chunk = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&chunk[..n]);
        }
        let body = r#"{"status":"ok","version":"test"}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).unwrap();
        String::from_utf8_lossy(&request).into_owned()
    })
}

#[tokio::test]
async fn a_health_probe_retries_with_backoff_until_the_service_answers_and_nothing_is_resent() {
    use crate::client::ApiClient;
    use crate::tui::runtime::Runtime;

    let port = closed_port();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let client = ApiClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let mut runtime = Runtime::new(client, tx);
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    runtime
        .apply(Effect::StartSession(SessionToken::new("tok")), None)
        .await;
    type_text(&mut app, "たかはし");
    for effect in press(&mut app, KeyCode::Enter) {
        runtime.apply(effect, None).await;
    }
    let answer = rx.recv().await.unwrap();
    update(&mut app, answer);
    assert!(app.service.is_down());

    // One probe a second later; unanswered, the next waits two seconds.
    let effects = tick(&mut app, Duration::from_secs(1));
    assert!(matches!(effects.as_slice(), [Effect::Probe]), "{effects:?}");
    assert!(
        status_row(&app).contains("接続を確かめています"),
        "{}",
        status_row(&app)
    );
    runtime.apply(Effect::Probe, None).await;
    let answer = rx.recv().await.unwrap();
    assert!(matches!(answer, Action::Probed(Err(_))), "{answer:?}");
    update(&mut app, answer);
    assert!(status_row(&app).contains("2秒後"), "{}", status_row(&app));
    assert!(tick(&mut app, Duration::from_secs(1)).is_empty());
    assert!(status_row(&app).contains("1秒後"), "{}", status_row(&app));
    let effects = tick(&mut app, Duration::from_secs(1));
    assert!(matches!(effects.as_slice(), [Effect::Probe]), "{effects:?}");

    // The service is back: the probe (the health route, no token) is
    // answered; the failed search is not sent again.
    let server = health_once(port);
    runtime.apply(Effect::Probe, None).await;
    let answer = rx.recv().await.unwrap();
    assert!(matches!(answer, Action::Probed(Ok(()))), "{answer:?}");
    let effects = update(&mut app, answer);
    assert!(effects.is_empty(), "{effects:?}");
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /api/v1/health "), "{request}");
    assert!(
        !request.to_ascii_lowercase().contains("authorization"),
        "{request}"
    );
    assert!(!app.service.is_down());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        !text.lines().next().unwrap_or_default().contains("接続断"),
        "{text}"
    );
    assert!(
        status_row(&app).contains("再接続しました"),
        "{}",
        status_row(&app)
    );
    for _ in 0..3 {
        assert!(tick(&mut app, Duration::from_secs(1)).is_empty());
    }
    assert!(rx.try_recv().is_err(), "something more was sent");
}
