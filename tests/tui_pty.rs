//! End to end, as a clerk would: the real `bansho serve` and `bansho tui`
//! binaries over mutual TLS, the workstation running in a tmux
//! pseudo-terminal, keys sent as a terminal sends them.
//!
//! - this file: log in, search, see a result, quit, and the access log;
//! - `presets`: every shipped keymap driven through a whole session;
//! - `outage`: the service stopped and started again mid-session;
//! - `entry`: a declaration keyed by one clerk and again, blind, by another;
//! - `transfer`: the demo's transfer, signed off at the same terminal by
//!   the IT officer.

mod common;

#[path = "tui_pty/entry.rs"]
mod entry;
#[path = "tui_pty/office.rs"]
mod office;
#[path = "tui_pty/outage.rs"]
mod outage;
#[path = "tui_pty/presets.rs"]
mod presets;
#[path = "tui_pty/transfer.rs"]
mod transfer;

use common::tmux::{self, Tmux};
use office::Office;

#[test]
fn a_clerk_logs_in_searches_and_sees_a_result_in_a_real_terminal() {
    if !tmux::available() {
        return;
    }
    let office = Office::open(&["kazei09"]);
    let clerk = &office.clerks[0];
    let tui = Tmux::start("bansho-e2e", &office.workstation(""));
    tui.wait_for("Login");

    tui.type_text(&clerk.id);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.pin);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.code());
    tui.keys(&["Enter"]);
    // The assessment department has two purposes: none is preselected.
    let screen = tui.wait_for("Business purpose");
    assert!(screen.contains("(certificate)"), "{screen}");
    tui.keys(&["Down", "Enter"]);
    let screen = tui.wait_for("Resident search");
    assert!(screen.contains("Resident tax assessment"), "{screen}");
    assert!(
        screen.contains("kazei09"),
        "the header names the user:\n{screen}"
    );
    assert!(
        !screen.contains(&clerk.pin),
        "the PIN is on the screen:\n{screen}"
    );

    tui.type_text("サトウ");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("佐藤");
    assert!(screen.contains("サトウ"), "{screen}");

    // The mouse wheel, as the terminal reports it with mouse capture on
    // (SGR: button 65 is the wheel turned down): the first turn enters the
    // list, the next moves the selection, and the position says so.
    let found = screen
        .lines()
        .find_map(|l| l.split_once(" found").map(|(n, _)| n.trim().to_string()))
        .expect("a count");
    assert!(screen.contains(&format!("1/{found}")), "{screen}");
    tui.type_text("\x1b[<65;20;10M");
    tui.type_text("\x1b[<65;20;10M");
    tui.wait_for(&format!("2/{found}"));

    // The first seeded resident's address typed with full-width hyphens
    // (栄町5丁目23番3号 as `栄町５－２３－３`): found, and read as an address.
    let first = bansho::domain::synth::generate(1, 0);
    let numbers: Vec<&str> = first
        .address
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .take(3)
        .collect();
    let town = first
        .address
        .trim_start_matches(bansho::domain::synth::CITY)
        .split(|c: char| c.is_ascii_digit())
        .next()
        .expect("town");
    let wide = |n: &str| -> String {
        n.chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).expect("digit"))
            .collect()
    };
    let typed = format!(
        "{town}{}",
        numbers
            .iter()
            .map(|n| wide(n))
            .collect::<Vec<_>>()
            .join("－")
    );
    // Back to the search box (from the list the wheel moved into).
    tui.keys(&["F3"]);
    tui.keys(&["BSpace"; 8]);
    tui.type_text(&typed);
    tui.keys(&["Enter"]);
    let read_as = format!("Searched for address {town}{}", numbers.join("-"));
    let screen = tui.wait_for(&read_as);
    assert!(screen.contains(&first.family_name), "{typed}:\n{screen}");

    tui.keys(&["C-q"]);
    tui.wait_gone();

    // The search left its row in an intact access log.
    assert_eq!(office.audited("search", "kazei09"), 2);
}
