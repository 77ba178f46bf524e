//! The workstation in a tmux pseudo-terminal: keys in through
//! `send-keys`, the screen out through `capture-pane`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether tmux runs here; without it the tests say they were skipped,
/// unless BANSHO_REQUIRE_TMUX asks for them.
pub fn available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var_os("BANSHO_REQUIRE_TMUX").is_none(),
            "tmux is required here but not installed"
        );
        eprintln!("pseudo-terminal test SKIPPED: tmux is not installed");
    }
    found
}

/// How long a screen may take to show what a step expects.
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Tmux(String);

impl Tmux {
    /// `command` in a new 100x30 session named after `name` and this
    /// process (tests run side by side).
    pub fn start(name: &str, command: &str) -> Self {
        let session = format!("{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                "100",
                "-y",
                "30",
                command,
            ])
            .status()
            .expect("tmux");
        assert!(status.success());
        Self(session)
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys by tmux's names (`Enter`, `S-F4`, `C-q`), one after another.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = Command::new("tmux")
                .args(["send-keys", "-t", &self.0, key])
                .status()
                .expect("send-keys");
            assert!(status.success());
        }
    }

    pub fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.0, "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    pub fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, PATIENCE, |screen| screen.contains(what))
    }

    /// Waits until the screen no longer shows `what`.
    pub fn wait_without(&self, what: &str) -> String {
        self.wait_until(&format!("no {what}"), PATIENCE, |s| !s.contains(what))
    }

    /// Waits up to `patience` for a screen that `ok` accepts.
    pub fn wait_until(&self, what: &str, patience: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last line: the key bar.
    pub fn key_bar(&self) -> String {
        let screen = self.screen();
        screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string()
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// Waits for the workstation to end (its session closes with it).
    pub fn wait_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.alive() {
            assert!(
                Instant::now() < deadline,
                "the workstation did not quit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}
