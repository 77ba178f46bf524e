//! A program in a tmux pseudo-terminal: keys in through `send-keys`, the
//! screen out through `capture-pane`.
//!
//! Each session runs on its own tmux server (`-L`, its own socket): a
//! server that exits as its last session ends cannot refuse the next
//! session a test starts, and tests side by side do not share one.

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
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Tmux(String);

impl Tmux {
    /// `command` in a new 100x30 session named after `name` and this
    /// process (tests run side by side).
    pub fn start(name: &str, command: &str) -> Self {
        Self::start_with_env(name, &[], command)
    }

    /// As `start`, with `env` set for the command.
    pub fn start_with_env(name: &str, env: &[(&str, &std::path::Path)], command: &str) -> Self {
        let session = Self(format!("{name}-{}", std::process::id()));
        let mut tmux = session.tmux();
        tmux.args(["-f", "/dev/null", "new-session", "-d", "-s", &session.0]);
        tmux.args(["-x", "100", "-y", "30"]);
        for (key, value) in env {
            tmux.arg("-e").arg(format!("{key}={}", value.display()));
        }
        let status = tmux.arg(command).status().expect("tmux");
        assert!(status.success(), "tmux did not start {}", session.0);
        session
    }

    /// tmux, speaking to this session's own server.
    fn tmux(&self) -> Command {
        let mut tmux = Command::new("tmux");
        tmux.args(["-L", &self.0]);
        tmux
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys by tmux's names (`Enter`, `S-F4`, `C-q`), one after another.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = self
                .tmux()
                .args(["send-keys", "-t", &self.0, key])
                .status()
                .expect("send-keys");
            assert!(status.success());
        }
    }

    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", &self.0, "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    pub fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, PATIENCE, |screen| screen.contains(what))
    }

    /// Waits for `what`, then until the screen stops changing, and returns
    /// it: a frame can be captured while it is still being drawn, with
    /// cells of the screen before it, which a test reading values off the
    /// screen must not take for the values.
    pub fn wait_for_settled(&self, what: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut screen = self.wait_for(what);
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let next = self.screen();
            if next == screen && next.contains(what) {
                return next;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?} to settle; the screen shows:\n{next}"
            );
            screen = next;
        }
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
        self.tmux()
            .args(["has-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// Waits for the workstation to end (its session closes with it).
    pub fn wait_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
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
        let _ = self
            .tmux()
            .args(["kill-server"])
            .stderr(Stdio::null())
            .status();
    }
}
