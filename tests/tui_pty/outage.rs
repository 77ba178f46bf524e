//! The service goes away mid-session and comes back: the workstation says
//! so in the header and the status line, keys keep working, a health probe
//! finds the service again, and the search that failed is not sent again
//! behind the clerk's back.

use std::time::Duration;

use crate::office::Office;
use crate::tmux::{self, Tmux};

#[test]
fn a_stopped_service_shows_offline_and_after_its_restart_nothing_is_replayed() {
    if !tmux::available() {
        return;
    }
    let mut office = Office::open(&["kazei21"]);
    let clerk = &office.clerks[0];
    let (id, pin, code) = (clerk.id.clone(), clerk.pin.clone(), clerk.code());
    let tui = Tmux::start("bansho-outage", &office.workstation(""));
    tui.wait_for("Login");
    tui.type_text(&id);
    tui.keys(&["Tab"]);
    tui.type_text(&pin);
    tui.keys(&["Tab"]);
    tui.type_text(&code);
    tui.keys(&["Enter"]);
    tui.wait_for("Business purpose");
    tui.keys(&["Down", "Enter"]);
    tui.wait_for("Resident search");
    tui.type_text("サトウ");
    tui.keys(&["Enter"]);
    tui.wait_for("佐藤");

    office.stop_service();
    tui.keys(&["C-u"]);
    tui.type_text("タカハシ");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("OFFLINE");
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("OFFLINE"), "{screen}");
    assert!(
        screen.contains("Cannot reach the records service"),
        "{screen}"
    );
    // The failed search took its predecessor's results with it.
    assert!(!screen.contains("佐藤"), "{screen}");
    // Nothing is frozen: the box still takes keys.
    tui.type_text("x");
    tui.wait_for("タカハシx");
    tui.keys(&["BSpace"]);
    tui.wait_without("タカハシx");

    office.start_service();
    // The probes back off (1 s, 2 s, 4 s, ...): the next one finds it.
    let screen = tui.wait_until("the service back", Duration::from_secs(45), |s| {
        s.contains("The records service answers again")
    });
    assert!(!screen.contains("OFFLINE"), "{screen}");
    // Nothing was resent: no results, and one search in the access log.
    assert!(!screen.contains("found"), "{screen}");
    assert!(!screen.contains("高橋"), "{screen}");
    assert_eq!(office.audited("search", &id), 1);

    // The clerk searches again.
    tui.keys(&["Enter"]);
    tui.wait_for("found");
    tui.keys(&["C-q"]);
    tui.wait_gone();
    assert_eq!(office.audited("search", &id), 2);
}
