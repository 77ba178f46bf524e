//! Every shipped keymap through a whole session in a real terminal: log
//! in, choose the purpose, search, open a record, back, the search-box key,
//! help, log out, quit. The keys go in as tmux sends them, so a key that
//! terminals deliver as something else (Shift-F3 comes as a cursor-position
//! report) fails here.

use crate::office::{Clerk, Office};
use crate::tmux::{self, Tmux};

/// One preset's keys, by tmux's names.
struct Preset {
    name: &'static str,
    /// `--keymap` argument, if any.
    flag: &'static str,
    submit: &'static str,
    /// Opens the selected result from the list.
    open: &'static str,
    back: &'static str,
    search_box: &'static str,
    help: &'static str,
    close_help: &'static str,
    confirm: &'static str,
    quit: &'static str,
    /// What the key bar names for submit on the login screen, for quit, and
    /// for submit in the results list.
    bar_login: &'static str,
    bar_quit: &'static str,
    bar_results: &'static str,
}

const DEFAULT: Preset = Preset {
    name: "default",
    flag: "",
    submit: "Enter",
    open: "Enter",
    back: "Escape",
    search_box: "F3",
    help: "F1",
    close_help: "Escape",
    confirm: "Enter",
    quit: "C-q",
    bar_login: "Enter Next / log in",
    bar_quit: "Ctrl-Q Quit",
    bar_results: "Enter Search / open",
};

const FUNCTION_KEYS: Preset = Preset {
    name: "function-keys",
    flag: "--keymap function-keys",
    submit: "F12",
    open: "F12",
    back: "F3",
    search_box: "F9",
    help: "F1",
    close_help: "F3",
    confirm: "F12",
    quit: "S-F4",
    bar_login: "F12 Next / log in",
    bar_quit: "Shift-F4 Quit",
    bar_results: "F12 Search / open",
};

const VIM: Preset = Preset {
    name: "vim",
    flag: "--keymap vim",
    submit: "Enter",
    open: "l",
    back: "h",
    search_box: "/",
    help: "?",
    close_help: "q",
    confirm: "Enter",
    quit: "C-q",
    bar_login: "Enter Next / log in",
    bar_quit: "Ctrl-Q Quit",
    bar_results: "l Search / open",
};

fn a_whole_session(preset: &Preset, office: &Office, clerk: &Clerk) {
    let p = preset;
    let tui = Tmux::start(&format!("bansho-{}", p.name), &office.workstation(p.flag));
    tui.wait_for("Login");
    let bar = tui.key_bar();
    assert!(bar.contains(p.bar_login), "{}: {bar}", p.name);
    assert!(bar.contains(p.bar_quit), "{}: {bar}", p.name);

    // Log in and choose the purpose.
    tui.type_text(&clerk.id);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.pin);
    tui.keys(&["Tab"]);
    tui.type_text(&clerk.code());
    tui.keys(&[p.submit]);
    tui.wait_for("Business purpose");
    tui.keys(&["Down", p.submit]);
    tui.wait_for("Resident search");

    // Search; the list, then a record from it.
    tui.type_text("サトウ");
    tui.keys(&[p.submit]);
    tui.wait_for("佐藤");
    tui.keys(&["Down"]);
    // The bar changes with the next frame after the key, not at once.
    let last_line = |screen: &str| {
        let line = screen.lines().rev().find(|l| !l.trim().is_empty());
        line.unwrap_or_default().contains(p.bar_results)
    };
    tui.wait_until(p.bar_results, std::time::Duration::from_secs(10), last_line);
    tui.keys(&[p.open]);
    tui.wait_for("Resident record");

    // Back to the list, the help over it, then the search box.
    tui.keys(&[p.back]);
    tui.wait_without("Resident record");
    tui.wait_for("found");
    tui.keys(&[p.help]);
    tui.wait_for("Esc to close");
    tui.keys(&[p.close_help]);
    tui.wait_without("Esc to close");
    // Ctrl-G opens the help in every preset, where F1 is the terminal's.
    tui.keys(&["C-g"]);
    tui.wait_for("Esc to close");
    tui.keys(&["C-g"]);
    tui.wait_without("Esc to close");
    tui.keys(&[p.search_box]);
    tui.type_text("x");
    tui.wait_for("サトウx");
    // Line editing in the box: the whole line goes.
    tui.keys(&["C-u"]);
    tui.wait_without("サトウx");

    // Log out (asked first), then quit from the login screen.
    tui.keys(&["F10"]);
    tui.wait_for("Log out?");
    tui.keys(&[p.confirm]);
    tui.wait_for("Logged out");
    tui.keys(&[p.quit]);
    tui.wait_gone();
}

#[test]
fn every_keymap_preset_drives_a_whole_session_in_a_real_terminal() {
    if !tmux::available() {
        return;
    }
    // One clerk per preset: a TOTP code is accepted once per user.
    let office = Office::open(&["kazei11", "kazei12", "kazei13"]);
    for (preset, clerk) in [DEFAULT, FUNCTION_KEYS, VIM].iter().zip(&office.clerks) {
        a_whole_session(preset, &office, clerk);
        assert_eq!(office.audited("search", &clerk.id), 1, "{}", preset.name);
        assert_eq!(office.audited("view", &clerk.id), 1, "{}", preset.name);
    }
}
