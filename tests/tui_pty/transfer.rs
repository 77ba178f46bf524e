//! The demo's transfer at a real terminal: `bansho demo` in tmux, `kazei01`
//! executing the transfer the demo prepared and `shunin01` approved, the IT
//! officer `joho01` signing off at that same terminal with the PIN and code
//! the DEMO panel shows, and the demo's receiving end holding exactly one
//! delivery afterwards.

use std::time::Duration;

use crate::common::bin::BIN;
use crate::tmux::Tmux;

/// The PIN and current code of `user` as the DEMO panel on `screen` shows
/// them; `None` while the code is in its last seconds or already used.
fn shown_credentials(screen: &str, user: &str) -> Option<(String, String)> {
    let row = screen.lines().find(|l| {
        l.trim_start_matches(['│', ' '])
            .starts_with(&format!("{user} "))
    })?;
    let tokens: Vec<&str> = row
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|t| !t.is_empty())
        .collect();
    let digits = |t: &&&str| t.bytes().all(|b| b.is_ascii_digit());
    let code = tokens.iter().find(|t| t.len() == 6 && digits(t))?;
    let pin = tokens.iter().find(|t| t.len() >= 8 && digits(t))?;
    // "17s left": a code about to change is not typed.
    let left: u64 = tokens
        .iter()
        .find_map(|t| t.strip_suffix('s').and_then(|n| n.parse().ok()))?;
    (left >= 6).then(|| (pin.to_string(), code.to_string()))
}

/// Waits until the panel shows a usable code of `user`.
fn credentials(tui: &Tmux, user: &str) -> (String, String) {
    let screen = tui.wait_until(
        &format!("a usable code of {user}"),
        Duration::from_secs(40),
        |s| shown_credentials(s, user).is_some(),
    );
    shown_credentials(&screen, user).expect("shown")
}

#[test]
fn a_clerk_runs_the_demo_transfer_with_the_it_officer_signing_off_at_the_same_terminal() {
    if !crate::tmux::available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("demo");
    let tui = Tmux::start(
        "bansho-demo-transfer",
        &format!(
            "{BIN} demo --residents 500 --data {} --lang en --theme mono",
            data.display()
        ),
    );
    tui.wait_until("the demo's login", Duration::from_secs(120), |s| {
        s.contains("Login") && s.contains("joho01")
    });

    let (pin, code) = credentials(&tui, "kazei01");
    tui.type_text("kazei01");
    tui.keys(&["Tab"]);
    tui.type_text(&pin);
    tui.keys(&["Tab"]);
    tui.type_text(&code);
    tui.keys(&["Enter"]);
    tui.wait_for("Business purpose");
    tui.keys(&["Down", "Enter"]);
    tui.wait_for("Resident search");

    // The work screen's last tab: the transfer the demo prepared.
    tui.keys(&["F6"]);
    tui.wait_for("Entry work list");
    tui.keys(&["BTab"]);
    tui.wait_for("Transfers you may see");
    let list = tui.wait_for("demo-sink");
    let row = list
        .lines()
        .find(|l| l.contains("demo-sink"))
        .unwrap_or_else(|| panic!("no demo transfer:\n{list}"));
    assert!(
        row.contains("Approved") && row.contains("shunin01"),
        "{list}"
    );
    tui.keys(&["Enter"]);
    tui.wait_for("Persons (by person number): 3");
    tui.keys(&["F5"]);
    let preview = tui.wait_for("read the fingerprint aloud");
    assert!(preview.contains("Fingerprint"), "{preview}");

    // The IT officer, beside the clerk, signs off with their own ID, PIN
    // and code; the clerk stays logged in.
    tui.keys(&["F5"]);
    tui.wait_for("The IT officer's sign-off at this terminal");
    let (pin, code) = credentials(&tui, "joho01");
    tui.type_text("joho01");
    tui.keys(&["Tab"]);
    tui.type_text(&pin);
    tui.keys(&["Tab"]);
    tui.type_text(&code);
    tui.keys(&["F8"]);
    let signed = tui.wait_for("Signed off: F8 sends it");
    assert!(
        !signed.contains(&pin),
        "the PIN is on the screen:\n{signed}"
    );
    assert!(
        signed.contains("kazei01"),
        "the clerk is still in:\n{signed}"
    );
    tui.keys(&["F8"]);
    let delivered = tui.wait_for("Delivered: the receipt is kept");
    assert!(delivered.contains("joho01"), "{delivered}");
    tui.keys(&["C-q"]);
    tui.wait_gone();

    // The sink holds the one delivery; the log has each step, intact.
    let received = bansho::sink::Received::open(&data.join("sink")).expect("sink");
    assert_eq!(received.count().expect("count"), 1);
    let db = rusqlite::Connection::open(data.join("bansho.db")).expect("db");
    let rows = |action: &str| -> i64 {
        db.query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1 AND outcome = 'ok'",
            [action],
            |r| r.get(0),
        )
        .expect("count")
    };
    for action in [
        "transfer_prepare",
        "transfer_approve",
        "transfer_preview",
        "transfer_sign_off",
        "transfer_delivered",
    ] {
        assert_eq!(rows(action), 1, "{action}");
    }
}
