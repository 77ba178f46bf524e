//! End to end, as a clerk would: the real `bansho serve` and `bansho tui`
//! binaries over mutual TLS, the workstation running in a tmux pseudo-terminal. Log in with a
//! TOTP code computed from the enrolment secret, search, see a result, quit.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::bin::{BIN, Serve, command, field, succeeds, text};

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn run(args: &[&str]) -> Output {
    succeeds(command(args))
}

struct Tmux(String);

impl Tmux {
    fn start(name: &str, command: &str) -> Self {
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "100",
                "-y",
                "30",
                command,
            ])
            .status()
            .expect("tmux");
        assert!(status.success());
        Self(name.to_string())
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.0])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.0, "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.0])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
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

#[test]
fn a_clerk_logs_in_searches_and_sees_a_result_in_a_real_terminal() {
    if !tmux_available() {
        assert!(
            std::env::var_os("BANSHO_REQUIRE_TMUX").is_none(),
            "tmux is required here but not installed"
        );
        eprintln!("pseudo-terminal test SKIPPED: tmux is not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    // A folder init creates (0700): the service refuses one others can read.
    let data = tmp.path().join("data");
    let dir = data.as_path();
    let d = dir.to_str().expect("utf-8");
    run(&["admin", "init", "--data", d]);
    let enrol = run(&[
        "admin",
        "user",
        "add",
        "--data",
        d,
        "--id",
        "kazei09",
        "--name",
        "課税 九郎",
        "--role",
        "clerk",
        "--department",
        "assessment",
    ]);
    let pin = field(&enrol.stdout, "PIN:");
    let secret = field(&enrol.stdout, "TOTP secret:");
    run(&["admin", "seed", "--data", d, "--residents", "500"]);
    let server = Serve::start(
        command(&["serve", "--data", d, "--listen", "127.0.0.1:0"]),
        tmp.path().join("serve.log"),
    );
    // Enrolled once the service listens, so the bundle names its address.
    let bundle = dir.join("counter.toml");
    run(&[
        "admin",
        "terminal",
        "enroll",
        "counter-09",
        "--data",
        d,
        "--out",
        bundle.to_str().expect("utf-8"),
        "--server",
        &server.url(),
    ]);

    let session = format!("bansho-e2e-{}", std::process::id());
    let tui = Tmux::start(
        &session,
        &format!(
            "{BIN} tui --terminal {} --lang en --theme mono",
            bundle.display()
        ),
    );
    tui.wait_for("Login");

    let secret = bansho::server::totp::from_base32(&secret).expect("base32 secret");
    // Not in the last seconds of a step, so the code is still current when typed.
    let mut now = time::OffsetDateTime::now_utc();
    let into_step = now.unix_timestamp() % 30;
    if into_step > 25 {
        std::thread::sleep(Duration::from_secs((30 - into_step + 1) as u64));
        now = time::OffsetDateTime::now_utc();
    }
    let code = bansho::testkit::code_at(&secret, now);
    let code = code.expose();

    tui.type_text("kazei09");
    tui.keys(&["Tab"]);
    tui.type_text(&pin);
    tui.keys(&["Tab"]);
    tui.type_text(code);
    tui.keys(&["Enter"]);
    // The assessment department has two purposes: none is preselected.
    let screen = tui.wait_for("Business purpose");
    assert!(screen.contains("(certificate)"), "{screen}");
    tui.keys(&["Down"]);
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("Resident search");
    assert!(screen.contains("Resident tax assessment"), "{screen}");
    assert!(
        screen.contains("kazei09"),
        "the header names the user:\n{screen}"
    );
    assert!(
        !screen.contains(&pin),
        "the PIN is on the screen:\n{screen}"
    );

    tui.type_text("サトウ");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("佐藤");
    assert!(screen.contains("サトウ"), "{screen}");

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
    tui.keys(&["BSpace"; 8]);
    tui.type_text(&typed);
    tui.keys(&["Enter"]);
    let read_as = format!("Searched for address {town}{}", numbers.join("-"));
    let screen = tui.wait_for(&read_as);
    assert!(screen.contains(&first.family_name), "{typed}:\n{screen}");

    tui.keys(&["C-q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tui.alive() {
        assert!(Instant::now() < deadline, "the workstation did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }

    // The search left its row in an intact access log.
    let verify = run(&["admin", "audit", "verify", "--data", d]);
    assert!(text(&verify.stdout).contains("intact"));
    let db = rusqlite::Connection::open(dir.join("bansho.db")).expect("db");
    let searches: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'search' AND user_id = 'kazei09' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(searches, 2);
}
