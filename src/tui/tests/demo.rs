//! Messages in full and in the terminal's language, the message log, and the
//! DEMO codes on the login and lock screens.

use super::*;
use crate::tui::app::Status;
use crate::tui::i18n::I18n;
use crate::tui::sanitize::display_width;
use crate::tui::status::{Level, Note};

/// A keymap error naming a long path: wider than 220 columns.
fn long_keymap_error() -> Status {
    let dir = "/home/clerk/.config/bansho/keymaps/counter-terminals/city-hall-annex/first-floor/window-3/desk-2";
    let src = "[global]\nkeymap = [\n  { on = [\"ctrl-x\"], run = \"explode-the-terminal-and-everything-else\" },\n]\n";
    let Err(error) = Keymap::parse(src, &format!("{dir}/a-very-long-keymap-file-name.toml")) else {
        panic!("parsed");
    };
    Status::config("error.keymap", &error)
}

/// The screen's rows joined without their line breaks or padding: what
/// the message area says, wherever it wrapped.
fn joined(text: &str) -> String {
    text.lines().map(str::trim_end).collect()
}

#[test]
fn a_long_message_is_wrapped_in_full_at_80_and_220_columns() {
    for (lang, width, name) in [
        (Lang::Ja, 80, "long_message_ja_80"),
        (Lang::En, 80, "long_message_en_80"),
        (Lang::En, 220, "long_message_en_220"),
    ] {
        let mut app = new_app(lang, false);
        app.status = Some(long_keymap_error());
        let terminal = draw(&app, width, 24);
        let text = screen_text(&terminal);
        assert!(!text.contains('~'), "cut at {width}:\n{text}");
        let whole = joined(&text);
        for part in [
            "a-very-long-keymap-file-name.toml",
            "explode-the-terminal-and-everything-else",
        ] {
            assert!(whole.contains(part), "{part} missing at {width}:\n{text}");
        }
        // The key hints keep the last row.
        let last = text.lines().last().unwrap_or_default();
        assert!(last.contains("F1"), "{last}");
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn japanese_wraps_by_display_width_and_never_splits_a_character() {
    let mut app = new_app(Lang::Ja, false);
    login_failure(&mut app, ErrorCode::AccountLocked);
    let expected = I18n::new(Lang::Ja).t("failure.account_locked").to_string();
    let terminal = draw(&app, 50, 20);
    let text = screen_text(&terminal);
    assert!(joined(&text).contains(&expected), "{text}");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ロック") || l.contains("情報"))
        .collect();
    assert!(rows.len() >= 2, "{text}");
    for row in text.lines() {
        assert!(display_width(row) <= 50, "{row}");
    }
}

#[test]
fn a_message_longer_than_the_cap_is_cut_and_the_log_has_it_whole() {
    let mut app = new_app(Lang::En, false);
    let long = "word ".repeat(200);
    app.status = Some(Status {
        level: Level::Error,
        note: Note::Service(long.clone()),
    });
    let text = screen_text(&draw(&app, 80, 24));
    let rows = text.lines().filter(|l| l.contains("word")).count();
    assert_eq!(
        rows,
        usize::from(crate::tui::widgets::message::MAX_ROWS),
        "{text}"
    );
    assert!(text.contains('~'), "{text}");
}

/// A login refused by the service with `code` (its words English).
fn login_failure(app: &mut App, code: ErrorCode) {
    type_text(app, "kazei01");
    press(app, KeyCode::Tab);
    type_text(app, "wrong-pin");
    press(app, KeyCode::Tab);
    type_text(app, "999999");
    let effects = press(app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Login(_)]),
        "{effects:?}"
    );
    update(
        app,
        Action::LoggedIn(Err(Failure::service(
            code,
            401,
            "the service's own words, in English",
        ))),
    );
}

#[test]
fn every_refusal_of_the_service_reads_in_the_terminal_language() {
    use ErrorCode::*;
    let codes = [
        BadRequest,
        LoginFailed,
        CodeJustUsed,
        AccountLocked,
        Unauthenticated,
        Forbidden,
        PurposeRequired,
        PurposeNotAllowed,
        PurposeAlreadyChosen,
        EntryConflict,
        EntryNotYours,
        Busy,
        NotFound,
        MethodNotAllowed,
        UnsupportedMediaType,
        PayloadTooLarge,
        RateLimited,
        AuditUnavailable,
        StoreUnavailable,
        Internal,
    ];
    for lang in [Lang::Ja, Lang::En] {
        let t = I18n::new(lang);
        for code in codes {
            let key = crate::tui::status::failure_key(code).unwrap_or("(none)");
            assert!(t.has(key), "{lang:?}: {code:?} has no text ({key})");
            let mut app = new_app(lang, false);
            login_failure(&mut app, code);
            let text = joined(&screen_text(&draw(&app, 120, 30)));
            assert!(text.contains(t.t(key)), "{lang:?} {code:?}:\n{text}");
            assert!(!text.contains("own words"), "{lang:?} {code:?}:\n{text}");
        }
    }
}

#[test]
fn demo_role_labels_are_japanese_under_lang_ja() {
    let app = new_app(Lang::Ja, true);
    let text = screen_text(&draw(&app, 80, 24));
    for label in [
        "課税課 担当",
        "納税課 担当",
        "課税課 所属長",
        "監査部門 監査",
    ] {
        assert!(text.contains(label), "{label}:\n{text}");
    }
    for english in ["clerk", "supervisor", "auditor", "officer"] {
        assert!(!text.contains(english), "{english}:\n{text}");
    }
    let app = new_app(Lang::En, true);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("Assessment clerk"), "{text}");
    assert!(!text.contains("課税"), "{text}");
}

// ---- the message log --------------------------------------------------------

/// A session that met a few messages: a refused search, a search that
/// found nothing, a refused record.
fn app_with_messages(lang: Lang) -> App {
    let mut app = searched_app(lang);
    search(
        &mut app,
        "さいとう",
        Err(Failure::service(ErrorCode::RateLimited, 429, "slow down")),
    );
    search(&mut app, "ささき", found(vec![], false));
    search(
        &mut app,
        "たなか",
        Err(Failure::service(ErrorCode::StoreUnavailable, 503, "store")),
    );
    app
}

#[test]
fn the_log_key_opens_the_last_messages_in_every_preset() {
    for (preset, key) in [
        (None, KeyCode::F(2)),
        (Some("function-keys"), KeyCode::F(2)),
        (Some("vim"), KeyCode::F(2)),
    ] {
        let mut app = app_with_messages(Lang::Ja);
        if let Some(name) = preset {
            app.keymap = Keymap::load(Some(std::path::Path::new(name))).0;
        }
        let effects = press(&mut app, key);
        assert!(effects.is_empty(), "{effects:?}");
        assert!(app.log.is_some(), "{preset:?}");
        let text = screen_text(&draw(&app, 80, 24));
        let t = I18n::new(Lang::Ja);
        for key in [
            "messages.title",
            "failure.rate_limited",
            "search.no_results",
            "failure.store_unavailable",
        ] {
            assert!(
                joined(&text).contains(t.t(key)),
                "{preset:?} {key}:\n{text}"
            );
        }
        // Esc closes it; the screen under it is as it was.
        press(&mut app, KeyCode::Esc);
        assert!(app.log.is_none());
        assert_eq!(app.screen(), Screen::Search);
    }
}

#[test]
fn the_log_popup_newest_last_ja() {
    let mut app = app_with_messages(Lang::Ja);
    press(&mut app, KeyCode::F(2));
    let terminal = draw(&app, 80, 24);
    insta::assert_snapshot!("log_popup_ja", terminal.backend());
    // The newest message is the bottom one.
    let text = screen_text(&terminal);
    let t = I18n::new(Lang::Ja);
    let newest = text.find(t.t("failure.store_unavailable"));
    let older = text.find(t.t("search.no_results"));
    assert!(older < newest, "{text}");
}

#[test]
fn the_help_lists_the_log_key() {
    let mut app = searched_app(Lang::En);
    press(&mut app, KeyCode::F(1));
    let text = screen_text(&draw(&app, 100, 30));
    assert!(
        text.contains("F2") && text.contains("Show the last messages"),
        "{text}"
    );
}

#[test]
fn the_log_scrolls_through_more_messages_than_fit() {
    let mut app = searched_app(Lang::En);
    for i in 0..30 {
        app.status = Some(Status {
            level: Level::Info,
            note: Note::Local {
                key: "search.count",
                args: vec![("n", format!("{}", 1000 + i))],
            },
        });
        app.messages.observe(app.status.as_ref());
    }
    app.status = None;
    press(&mut app, KeyCode::F(2));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("1029 found") && !text.contains("1000 found"),
        "{text}"
    );
    for _ in 0..3 {
        press(&mut app, KeyCode::PageUp);
    }
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("1000 found") || text.contains("1005 found"),
        "{text}"
    );
    assert!(!text.contains("1029 found"), "{text}");
    press(&mut app, KeyCode::End);
    assert!(screen_text(&draw(&app, 80, 24)).contains("1029 found"));
}

#[test]
fn the_log_is_capped() {
    let mut app = new_app(Lang::En, false);
    for i in 0..(crate::tui::status::LOG_CAPACITY + 10) {
        app.status = Some(Status {
            level: Level::Info,
            note: Note::Local {
                key: "search.count",
                args: vec![("n", i.to_string())],
            },
        });
        app.messages.observe(app.status.as_ref());
    }
    assert_eq!(app.messages.len(), crate::tui::status::LOG_CAPACITY);
}

#[test]
fn the_log_is_emptied_at_lock_and_at_logout() {
    let mut app = app_with_messages(Lang::Ja);
    assert!(app.messages.len() >= 3);
    tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    assert!(app.messages.is_empty(), "{:?}", app.messages);

    let mut app = app_with_messages(Lang::Ja);
    press(&mut app, KeyCode::F(10));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), Screen::Login);
    // Only the logout's own notice is left.
    let left: Vec<_> = app.messages.entries().cloned().collect();
    assert_eq!(
        left,
        vec![Status::local(Level::Info, "login.logged_out")],
        "{left:?}"
    );
}

#[test]
fn the_log_holds_no_personal_data() {
    let (mut app, _) = revealed_app(Lang::Ja);
    search(
        &mut app,
        "わしお 19900101",
        Err(Failure::service(ErrorCode::RateLimited, 429, "slow down")),
    );
    assert!(app.messages.len() >= 2, "{:?}", app.messages);
    // What the log keeps, and what it shows in either language.
    let mut kept = format!("{:?}", app.messages);
    for lang in [Lang::Ja, Lang::En] {
        app.i18n = I18n::new(lang);
        let view = app.view();
        for entry in app.messages.entries() {
            kept.push_str(&crate::tui::widgets::message::note_text(&view, &entry.note));
        }
    }
    for leak in LEAKS.iter().chain(&["わしお", "19900101"]) {
        assert!(!kept.contains(leak), "{leak} in the log: {kept}");
    }
}

// ---- DEMO codes on the lock screen ------------------------------------------

/// A demo app logged in as kazei01, searched, then locked; the panel says
/// whether kazei01's current code was already used.
fn locked_demo_app(lang: Lang, used: bool) -> App {
    use std::sync::atomic::{AtomicBool, Ordering};
    let flag = Arc::new(AtomicBool::new(used));
    let panel = DemoPanel {
        accounts: Arc::new(move || {
            let mut accounts = (demo_panel().accounts)();
            accounts[0].used = flag.load(Ordering::SeqCst);
            accounts
        }),
    };
    let mut app = App::new(
        lang,
        Keymap::defaults(),
        Theme::builtin("dark").unwrap(),
        Some(panel),
    );
    log_in(&mut app, Department::Assessment);
    search(&mut app, "たかはし", found(results(), false));
    tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    assert_eq!(app.screen(), Screen::Locked);
    app
}

#[test]
fn the_lock_screen_shows_the_locked_users_demo_code() {
    let app = locked_demo_app(Lang::Ja, false);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    for shown in [
        "デモ用アカウント",
        "kazei01",
        "課税課 担当",
        "demo-pin-01",
        "123456",
        "残り17秒",
    ] {
        assert!(text.contains(shown), "{shown}:\n{text}");
    }
    // Only the locked user's row: the other accounts are for the login.
    assert!(
        !text.contains("nozei01") && !text.contains("demo-pin-02"),
        "{text}"
    );
    insta::assert_snapshot!("lock_demo_ja", terminal.backend());
}

#[test]
fn a_used_code_is_marked_with_the_time_of_the_next() {
    let app = locked_demo_app(Lang::En, true);
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    let row = text
        .lines()
        .find(|l| l.contains("demo-pin-01"))
        .unwrap_or_default();
    assert!(
        row.contains("used") && row.contains("next in 17s"),
        "{text}"
    );
    // The used code itself is not offered.
    assert!(
        !row.contains("123456") && !row.contains("17s left"),
        "{text}"
    );
    insta::assert_snapshot!("lock_demo_used_en", terminal.backend());

    // At the login (another user, F9), the same mark.
    let mut app = app;
    press(&mut app, KeyCode::F(9));
    assert_eq!(app.screen(), Screen::Login);
    let text = screen_text(&draw(&app, 80, 24));
    let kazei = text
        .lines()
        .find(|l| l.contains("demo-pin-01"))
        .unwrap_or_default();
    assert!(
        kazei.contains("used") && kazei.contains("next in 17s"),
        "{text}"
    );
    assert!(!kazei.contains("123456"), "{text}");
    let nozei = text
        .lines()
        .find(|l| l.contains("demo-pin-02"))
        .unwrap_or_default();
    assert!(nozei.contains("17s left"), "{text}");
}

#[test]
fn the_lock_screen_codes_refresh_on_tick() {
    let mut app = locked_demo_app(Lang::En, false);
    app.needs_render = false;
    tick(&mut app, Duration::from_secs(1));
    assert!(app.needs_render, "the lock screen's code must be redrawn");
}

#[test]
fn without_the_demo_the_lock_screen_shows_no_codes() {
    let mut app = searched_app(Lang::En);
    tick(&mut app, crate::tui::DEFAULT_IDLE_LOCK);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        !text.contains("DEMO") && !text.contains("Demo accounts"),
        "{text}"
    );
}
