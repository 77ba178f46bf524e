//! Double keying in a real terminal: one clerk keys a small declaration
//! from a resident's record and submits it; another logs in at the same
//! terminal, takes it from the work list, keys it blind from the same
//! paper, and sees it committed. Every key goes in as tmux sends it, to
//! the real binaries over mutual TLS.

use std::collections::BTreeMap;

use bansho::domain::entry::compare::DoubleKeying;
use bansho::domain::entry::forms;

use crate::office::{Clerk, Office};
use crate::tmux::{self, Tmux};

/// The paper: a consistent declaration (pay 3,000,000 yen, so 給与所得
/// 2,020,000), the fields its checks need and no more.
fn paper() -> BTreeMap<&'static str, &'static str> {
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
        // The first of 特別徴収 / 普通徴収.
        ("collection.method", "1"),
    ]
    .into()
}

/// Keys the form from the top: for each field shown (all of them, or the
/// double-keyed ones of a blind second keying) what the paper says, then
/// Enter to the next.
fn key_the_paper(tui: &Tmux, blind: bool) {
    let paper = paper();
    let schema = forms::form("juminzei_shinkoku").expect("the declaration");
    let double = DoubleKeying::default();
    for (path, spec) in schema.section_fields() {
        if blind && !double.applies(spec) {
            continue;
        }
        if let Some(text) = paper.get(path.to_string().as_str()) {
            tui.type_text(text);
        }
        tui.keys(&["Enter"]);
    }
}

fn log_in(tui: &Tmux, clerk: &Clerk) {
    tui.wait_for("Login");
    tui.type_text(&clerk.id);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.pin);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.code());
    tui.keys(&["Enter"]);
    tui.wait_for("Business purpose");
    tui.keys(&["Down", "Enter"]);
    tui.wait_for("Resident search");
}

/// From the search screen: finds 佐藤, opens the record, starts a form
/// from it with a paper reference and passes 本人確認 with what the record
/// shows, up to the empty first keying.
fn start_first_keying(tui: &Tmux) {
    tui.type_text("サトウ");
    tui.keys(&["Enter"]);
    tui.wait_for("佐藤");
    tui.keys(&["Down", "Enter"]);
    // The values are read off this screen and typed back: it must be
    // whole, not a frame half drawn over the search results.
    let record = tui.wait_for_settled("Resident record");
    tui.keys(&["F4"]);
    tui.wait_for("type the paper's reference");
    tui.type_text("2026-02-16/001/003");
    tui.keys(&["Enter"]);

    // 本人確認: at the counter, a My Number card, the 基本4情報 as the
    // record shows them; nothing differs, so the keying form follows.
    tui.wait_for("Identity check");
    let shown = |label: &str| -> String {
        let line = record
            .lines()
            .find(|l| l.trim_start_matches('│').starts_with(label))
            .unwrap_or_else(|| panic!("no {label} on the record:\n{record}"));
        line.trim_start_matches('│')[label.len()..]
            .trim_end_matches('│')
            .trim()
            .to_string()
    };
    let born = shown("Born");
    let born = born.split_whitespace().next().expect("a birth date");
    tui.keys(&["Space", "Down", "Space"]);
    tui.keys(&["Down"; 9]);
    tui.keys(&["Space", "Down"]);
    tui.type_text(&shown("Name"));
    tui.keys(&["Enter"]);
    tui.type_text(born);
    tui.keys(&["Enter", "Space"]);
    if shown("Sex") == "F" {
        tui.keys(&["Space"]);
    }
    tui.keys(&["Down"]);
    tui.type_text(&shown("Address"));
    tui.keys(&["F8"]);
    tui.wait_for("it matches the register");
    tui.wait_for(FORM_HINT);
}

/// The keying form's field hint: only the open form shows it.
const FORM_HINT: &str = "Leaving a changed field saves the draft";

#[test]
fn two_clerks_key_a_declaration_twice_and_it_is_committed_in_a_real_terminal() {
    if !tmux::available() {
        return;
    }
    let office = Office::open(&["kazei01", "kazei02"]);
    let (first, second) = (&office.clerks[0], &office.clerks[1]);
    let tui = Tmux::start("bansho-entry", &office.workstation(""));

    // The first clerk finds the resident and starts a form from the record.
    log_in(&tui, first);
    start_first_keying(&tui);

    key_the_paper(&tui, false);
    tui.keys(&["F8"]);
    let screen = tui.wait_for("Submit the keying");
    assert!(screen.contains("Fields keyed: 12 of"), "{screen}");
    assert!(screen.contains("No errors"), "{screen}");
    tui.keys(&["Enter"]);
    tui.wait_for("Submitted: another clerk keys it a second time");
    // Their own form is not theirs to key again.
    tui.wait_for("Nothing to key");

    tui.keys(&["F10"]);
    tui.wait_for("Log out?");
    tui.keys(&["Enter"]);
    tui.wait_for("Logged out");

    // The second clerk, at the same terminal, keys it blind.
    log_in(&tui, second);
    tui.keys(&["F6"]);
    tui.wait_for("Awaiting second keying");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("Second keying");
    assert!(screen.contains("Blind"), "{screen}");
    for value in ["3,000,000", "450,000", "高橋"] {
        assert!(!screen.contains(value), "a first value shows:\n{screen}");
    }
    key_the_paper(&tui, true);
    tui.keys(&["F8"]);
    tui.wait_for("Submit the keying");
    tui.keys(&["Enter"]);
    tui.wait_for("The keyings agree: committed (version 1)");

    tui.keys(&["C-q"]);
    tui.wait_gone();

    // Each step left its row in an intact access log.
    assert_eq!(office.audited("entry_start", "kazei01"), 1);
    assert_eq!(office.audited("entry_identity", "kazei01"), 1);
    assert_eq!(office.audited("entry_submit", "kazei01"), 1);
    assert!(office.audited("entry_draft", "kazei01") >= 1);
    assert_eq!(office.audited("entry_second_start", "kazei02"), 1);
    assert_eq!(office.audited("entry_commit", "kazei02"), 1);
}

/// The service stops while a clerk keys: the field typed then stays on the
/// screen, the workstation says the service is gone, and once it is back
/// the next draft carries that field too, so nothing typed was lost.
#[test]
fn a_field_typed_while_the_service_is_down_is_kept_and_saved_once_it_is_back() {
    if !tmux::available() {
        return;
    }
    let mut office = Office::open(&["kazei31"]);
    let clerk = &office.clerks[0];
    let tui = Tmux::start("bansho-entry-outage", &office.workstation(""));
    log_in(&tui, clerk);
    start_first_keying(&tui);
    let paper = paper();
    tui.type_text(paper["taxpayer.address"]);
    tui.keys(&["Enter"]);
    tui.wait_until(
        "the first draft",
        std::time::Duration::from_secs(10),
        |_| office.audited("entry_draft", "kazei31") >= 1,
    );
    let drafts_before = office.audited("entry_draft", "kazei31");

    office.stop_service();
    tui.type_text(paper["taxpayer.name"]);
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("OFFLINE");
    assert!(screen.contains("高橋 一郎"), "the field stays:\n{screen}");

    office.start_service();
    tui.wait_until(
        "the service back",
        std::time::Duration::from_secs(45),
        |s| s.contains("The records service answers again"),
    );
    tui.type_text(paper["taxpayer.kana"]);
    tui.keys(&["Enter"]);
    tui.wait_until("a draft saved", std::time::Duration::from_secs(10), |_| {
        office.audited("entry_draft", "kazei31") > drafts_before
    });
    // Leave the form and open the draft again from the work list: the
    // service has what was typed while it was down.
    tui.keys(&["Escape"]);
    tui.keys(&["F6"]);
    tui.wait_for("First keying (draft)");
    tui.keys(&["Enter"]);
    // The work list also says "First keying"; the form's field hint is
    // what shows the draft is open.
    let screen = tui.wait_for(FORM_HINT);
    assert!(
        screen.contains("高橋 一郎"),
        "the name was saved:\n{screen}"
    );
    assert!(screen.contains("タカハシ イチロウ"), "{screen}");
    tui.keys(&["C-q"]);
    tui.wait_gone();
}
