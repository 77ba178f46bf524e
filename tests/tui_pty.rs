//! End to end, as a clerk would: the real `bansho serve` and `bansho tui`
//! binaries over mutual TLS, the workstation running in a tmux
//! pseudo-terminal, keys sent as a terminal sends them.
//!
//! - this file: log in, search, see a result, quit, and the access log;
//! - `presets`: every shipped keymap driven through a whole session;
//! - `outage`: the service stopped and started again mid-session;
//! - `entry`: a declaration keyed by one clerk and again, blind, by another.

mod common;

#[path = "tui_pty/entry.rs"]
mod entry;
#[path = "tui_pty/office.rs"]
mod office;
#[path = "tui_pty/outage.rs"]
mod outage;
#[path = "tui_pty/presets.rs"]
mod presets;
#[path = "tui_pty/tmux.rs"]
mod tmux;

use office::Office;
use tmux::Tmux;

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

    tui.keys(&["C-q"]);
    tui.wait_gone();

    // The search left its row in an intact access log.
    assert_eq!(office.audited("search", "kazei09"), 1);
}
