//! Layout by content: result columns as wide as what they hold, the status
//! column in one place, the header at narrow widths, the help that scrolls,
//! the record's status once, the results' position, scrollbar, page keys
//! and mouse wheel. Snapshots at 60x20, 80x24, 120x40 and 200x50.

use super::*;
use crate::tui::action::Wheel;
use ratatui::layout::Size;

const SIZES: [(u16, u16); 4] = [(60, 20), (80, 24), (120, 40), (200, 50)];

/// `n` residents of one family name with readings and addresses of
/// different lengths, a badge now and then.
fn many_results(n: usize) -> Vec<ResidentSummary> {
    let given = [
        ("一", "ハジメ"),
        ("花子", "ハナコ"),
        ("久美子", "クミコ"),
        ("進", "ススム"),
        ("由紀恵", "ユキエ"),
    ];
    (0..n)
        .map(|i| {
            let (name, kana) = given[i % given.len()];
            let status = match i % 7 {
                3 => ResidentStatus::Deceased,
                5 => ResidentStatus::MovedOut,
                _ => ResidentStatus::Resident,
            };
            summary(
                &format!("{:010}", 1_000_000_100 + i),
                &format!("佐藤 {name}"),
                &format!("サトウ {kana}"),
                "1970-01-01",
                if i % 2 == 0 { Sex::Female } else { Sex::Male },
                Some(&format!(
                    "番所市本町{}丁目{}番{}号",
                    i % 5 + 1,
                    i + 1,
                    i % 9 + 1
                )),
                status,
                i % 11 == 4,
            )
        })
        .collect()
}

/// The app at `size` (as the runtime reports it), logged in, with `rows`
/// found.
fn app_with(lang: Lang, size: (u16, u16), rows: Vec<ResidentSummary>) -> App {
    let mut app = new_app(lang, false);
    update(&mut app, Action::Resize(Size::new(size.0, size.1)));
    log_in(&mut app, Department::Assessment);
    search(&mut app, "さとう", found(rows, false));
    app
}

/// The line of the screen that holds `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"))
}

/// The display column where `needle` starts on the line that holds it.
fn column_of(text: &str, needle: &str) -> usize {
    let line = line_with(text, needle);
    let at = line.find(needle).unwrap_or(0);
    crate::tui::sanitize::display_width(&line[..at])
}

#[test]
fn result_columns_are_as_wide_as_what_they_hold() {
    for (w, h) in SIZES {
        let app = app_with(Lang::Ja, (w, h), results());
        let terminal = draw(&app, w, h);
        let text = screen_text(&terminal);
        // The name is never cut (the longest is 9 columns); the status is
        // always there, whatever the width.
        for name in ["髙橋 一郎", "齋藤 花子", "渡邊 ゆき"] {
            assert!(text.contains(name), "{w}x{h}: {name} cut:\n{text}");
        }
        for badge in ["死亡", "転出 支援措置"] {
            assert!(text.contains(badge), "{w}x{h}: {badge} missing:\n{text}");
        }
        if w >= 80 {
            // Room for every column; the address has the rest.
            assert!(text.contains("住所"), "{w}x{h}:\n{text}");
        } else {
            // Too narrow for all: the sex and the address go first.
            assert!(!text.contains("住所"), "{w}x{h}:\n{text}");
            assert!(!text.contains("性別"), "{w}x{h}:\n{text}");
            assert!(text.contains("生年月日"), "{w}x{h}:\n{text}");
        }
        if w >= 120 {
            // The reading is whole too, and the address.
            assert!(text.contains("タカハシ イチロウ"), "{w}x{h}:\n{text}");
            assert!(text.contains("東京都千代田区千代田1-1"), "{w}x{h}:\n{text}");
        }
        insta::assert_snapshot!(format!("layout_search_ja_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn the_status_column_keeps_its_place_between_searches() {
    for (w, h) in SIZES {
        let mut app = app_with(Lang::Ja, (w, h), results());
        let with_badges = screen_text(&draw(&app, w, h));
        let plain: Vec<ResidentSummary> = results()
            .into_iter()
            .map(|mut r| {
                r.status = ResidentStatus::Resident;
                r.support_measure = false;
                r.address = Some("本町1-1".into());
                r
            })
            .collect();
        search(&mut app, "さいとう", found(plain, false));
        let without = screen_text(&draw(&app, w, h));
        assert_eq!(
            column_of(&with_badges, "状態"),
            column_of(&without, "状態"),
            "{w}x{h}:\n{with_badges}\n{without}"
        );
        // At the right edge, one column short of it (the scrollbar's).
        assert_eq!(
            column_of(&without, "状態") + 13,
            usize::from(w) - 1,
            "{w}x{h}:\n{without}"
        );
    }
}

#[test]
fn the_header_keeps_user_and_purpose_and_drops_the_rest_in_order() {
    let mut app = new_app(Lang::En, true);
    log_in(&mut app, Department::Assessment);
    let at = |app: &App, w: u16| line_with(&screen_text(&draw(app, w, 24)), "kazei01").to_string();

    let wide = at(&app, 120);
    for part in [
        "bansho",
        "DEMO",
        "User",
        "(山田 花子)",
        "Role",
        "Assessment clerk",
        "Purpose",
    ] {
        assert!(wide.contains(part), "{part}: {wide}");
    }
    // 80 columns: the display name goes first; user and purpose stay whole.
    let eighty = at(&app, 80);
    assert!(eighty.contains("Resident tax assessment"), "{eighty}");
    assert!(eighty.contains("kazei01"), "{eighty}");
    assert!(eighty.contains("DEMO"), "{eighty}");
    assert!(!eighty.contains("山田"), "{eighty}");
    // 60: then the labels, then the role; DEMO, user and purpose stay.
    let sixty = at(&app, 60);
    for part in ["DEMO", "kazei01", "Resident tax assessment"] {
        assert!(sixty.contains(part), "{part}: {sixty}");
    }
    for gone in ["User", "Purpose", "山田", "Assessment clerk"] {
        assert!(!sixty.contains(gone), "{gone}: {sixty}");
    }
    // Even narrower: the title goes before the purpose is cut.
    let forty = at(&app, 44);
    assert!(!forty.contains("bansho"), "{forty}");
    assert!(
        forty.contains("DEMO") && forty.contains("kazei01"),
        "{forty}"
    );
    assert!(forty.contains("Resident tax"), "{forty}");

    for (w, h) in [(60, 20), (80, 24)] {
        let mut app = new_app(Lang::Ja, true);
        log_in(&mut app, Department::Assessment);
        let line = at(&app, w);
        for part in ["デモ", "kazei01", "住民税賦課"] {
            assert!(line.contains(part), "{w}: {part}: {line}");
        }
        insta::assert_snapshot!(
            format!("layout_header_demo_ja_{w}x{h}"),
            draw(&app, w, h).backend()
        );
    }
}

/// A deceased resident's record, opened from the results.
fn deceased_record_app(size: (u16, u16), support: bool) -> App {
    let mut app = app_with(Lang::Ja, size, results());
    let effects = open_selected(&mut app);
    let Some(Effect::OpenRecord(person)) = effects.into_iter().next() else {
        panic!("no open effect");
    };
    let mut rec = record(Department::Assessment);
    rec.status = ResidentStatus::Deceased;
    rec.support_measure = support;
    update(
        &mut app,
        Action::RecordLoaded {
            person,
            result: Ok(Box::new(rec)),
        },
    );
    app
}

#[test]
fn a_deceased_record_says_so_once() {
    for (w, h) in SIZES {
        let app = deceased_record_app((w, h), false);
        let terminal = draw(&app, w, h);
        let text = screen_text(&terminal);
        let status = line_with(&text, "状態");
        assert_eq!(status.matches("死亡").count(), 1, "{w}x{h}: {status}");
        insta::assert_snapshot!(
            format!("layout_record_deceased_ja_{w}x{h}"),
            terminal.backend()
        );
    }
    let app = deceased_record_app((80, 24), true);
    let text = screen_text(&draw(&app, 80, 24));
    let status = line_with(&text, "状態");
    assert_eq!(status.matches("死亡").count(), 1, "{status}");
    assert!(status.contains("支援措置"), "{status}");
    // A resident still reads 住民.
    let mut app = app_with(Lang::Ja, (80, 24), results());
    open_record(&mut app, Department::Assessment);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(line_with(&text, "状態").contains("住民"), "{text}");
}

/// The help over the results at `size`.
fn help_app(size: (u16, u16)) -> App {
    let mut app = app_with(Lang::Ja, size, results());
    press(&mut app, KeyCode::F(1));
    assert!(app.help);
    app
}

#[test]
fn the_help_scrolls_when_the_screen_is_short() {
    let (w, h) = (80, 14);
    let mut app = help_app((w, h));
    let text = screen_text(&draw(&app, w, h));
    // Too short for every key: the last ones are below, and the help says
    // how to reach them.
    assert!(text.contains("Enter"), "{text}");
    assert!(!text.contains("F10, Ctrl-L"), "{text}");
    assert!(text.contains("Down/Up でスクロール"), "{text}");
    assert!(
        line_with(&text, "Esc 戻る").contains("スクロール"),
        "{text}"
    );
    insta::assert_snapshot!(
        "layout_help_scrolled_top_ja_80x14",
        draw(&app, w, h).backend()
    );

    for _ in 0..30 {
        press(&mut app, KeyCode::Down);
    }
    let bottom = screen_text(&draw(&app, w, h));
    assert!(bottom.contains("F10, Ctrl-L"), "{bottom}");
    assert!(!bottom.contains("決定（検索・開く・ログイン）"), "{bottom}");
    insta::assert_snapshot!(
        "layout_help_scrolled_end_ja_80x14",
        draw(&app, w, h).backend()
    );
    // Pressing on at the end does not pile up: one Up moves at once.
    press(&mut app, KeyCode::Up);
    let up = screen_text(&draw(&app, w, h));
    assert_ne!(up, bottom);
    assert!(!up.contains("F10, Ctrl-L"), "{up}");
    // A page at a time, and back to the top.
    press(&mut app, KeyCode::PageUp);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(screen_text(&draw(&app, w, h)), text);
    // Closed and opened again, it starts at the top.
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::F(1));
    assert_eq!(screen_text(&draw(&app, w, h)), text);
}

#[test]
fn the_help_at_every_size() {
    for (w, h) in SIZES {
        let app = help_app((w, h));
        let terminal = draw(&app, w, h);
        let text = screen_text(&terminal);
        assert!(text.contains("キー操作"), "{w}x{h}:\n{text}");
        insta::assert_snapshot!(format!("layout_help_ja_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn the_results_show_where_the_selection_is() {
    let mut app = app_with(Lang::Ja, (80, 24), many_results(50));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(line_with(&text, "50件").contains("1/50"), "{text}");
    press(&mut app, KeyCode::Down); // into the list
    for _ in 0..11 {
        press(&mut app, KeyCode::Down);
    }
    let text = screen_text(&draw(&app, 80, 24));
    assert!(line_with(&text, "50件").contains("12/50"), "{text}");
    // The scrollbar in the last column: its thumb at the top while the
    // list has not moved, lower once it has.
    let thumb = |app: &App| -> Vec<u16> {
        let terminal = draw(app, 80, 24);
        let buffer = terminal.backend().buffer();
        (0..24)
            .filter(|y| buffer[(79, *y)].symbol() == "┃")
            .collect()
    };
    assert_eq!(thumb(&app).first(), Some(&6), "{text}");
    for _ in 0..18 {
        press(&mut app, KeyCode::Down);
    }
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(line_with(&text, "50件").contains("30/50"), "{text}");
    assert!(line_with(&text, "> ").contains("1000000129"), "{text}");
    let moved = thumb(&app);
    assert!(moved.first() > Some(&6), "thumb at {moved:?}:\n{text}");
    insta::assert_snapshot!("layout_search_position_ja_80x24", terminal.backend());
    // A list that fits has no scrollbar.
    let app = app_with(Lang::Ja, (80, 24), results());
    let terminal = draw(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    assert!(
        (5..22).all(|y| buffer[(79, y)].symbol() == " "),
        "{}",
        screen_text(&terminal)
    );
}

#[test]
fn page_keys_move_a_page_through_the_results() {
    let mut app = app_with(Lang::Ja, (80, 24), many_results(50));
    press(&mut app, KeyCode::PageDown); // the first move leaves the box
    assert_eq!(app.search.focus, SearchFocus::Results);
    assert_eq!(app.search.selected, 0);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.search.selected, 10);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(line_with(&text, "50件").contains("11/50"), "{text}");
    assert!(line_with(&text, "> ").contains("1000000110"), "{text}");
    for _ in 0..10 {
        press(&mut app, KeyCode::PageDown);
    }
    assert_eq!(app.search.selected, 49);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.search.selected, 39);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(line_with(&text, "> ").contains("1000000139"), "{text}");
    for _ in 0..5 {
        press(&mut app, KeyCode::PageUp);
    }
    assert_eq!(app.search.selected, 0);
}

#[test]
fn the_mouse_wheel_moves_through_the_results_and_scrolls_the_help() {
    let mut app = app_with(Lang::Ja, (80, 14), many_results(50));
    let wheel = |app: &mut App, w: Wheel| {
        let at = app.now;
        update(app, Action::Wheel(w, at))
    };
    wheel(&mut app, Wheel::Down); // into the list
    assert_eq!(app.search.focus, SearchFocus::Results);
    for _ in 0..3 {
        wheel(&mut app, Wheel::Down);
    }
    assert_eq!(app.search.selected, 3);
    wheel(&mut app, Wheel::Up);
    assert_eq!(app.search.selected, 2);
    let text = screen_text(&draw(&app, 80, 14));
    assert!(line_with(&text, "50件").contains("3/50"), "{text}");

    // The wheel is activity: it keeps the terminal from locking.
    let lock = app.idle_lock;
    tick(&mut app, lock - Duration::from_secs(1));
    wheel(&mut app, Wheel::Down);
    tick(&mut app, Duration::from_secs(2));
    assert_eq!(app.screen(), Screen::Search);

    press(&mut app, KeyCode::F(1));
    let top = screen_text(&draw(&app, 80, 14));
    for _ in 0..30 {
        wheel(&mut app, Wheel::Down);
    }
    let end = screen_text(&draw(&app, 80, 14));
    assert!(
        end.contains("F10, Ctrl-L") && !top.contains("F10, Ctrl-L"),
        "{end}"
    );
    // Under the help, the list did not move.
    assert_eq!(app.search.selected, 3);
}
