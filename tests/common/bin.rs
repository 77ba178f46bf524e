//! The real `bansho` binary: one-shot commands and a running `bansho serve`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_bansho");

/// `bansho ARGS` with no standard input and none of the variables that
/// would point it at another key, store or service.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    hermetic(&mut command);
    command
}

/// `bansho ARGS` under `umask MASK` (std's `Command` cannot set one).
pub fn under_umask(mask: &str, args: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args);
    hermetic(&mut command);
    command
}

fn hermetic(command: &mut Command) {
    command
        .stdin(Stdio::null())
        .env_remove("BANSHO_MASTER_KEY")
        .env_remove("BANSHO_STORE")
        .env_remove("BANSHO_SERVER");
}

/// Runs `bansho ARGS` to its end.
pub fn output(args: &[&str]) -> Output {
    command(args).output().expect("run bansho")
}

/// Runs `command`, which must succeed.
pub fn succeeds(mut command: Command) -> Output {
    let out = command.output().expect("run bansho");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The value after `label` on the line of `stdout` that starts with it
/// (`PIN:`, `TOTP secret:` in what `admin user add` prints).
pub fn field(stdout: &[u8], label: &str) -> String {
    text(stdout)
        .lines()
        .find_map(|l| l.strip_prefix(label).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("no {label} in output"))
}

/// `bansho admin init --data DIR`, which must succeed.
pub fn init(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["admin", "init", "--data", dir.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    succeeds(command(&args))
}

/// A running `bansho serve` with its standard error in a file; stopped
/// when dropped.
pub struct Serve {
    child: Child,
    pub log: PathBuf,
    /// `127.0.0.1:PORT`, as the service said it listens.
    pub addr: String,
}

impl Serve {
    /// `bansho serve --data DIR --listen 127.0.0.1:0 EXTRA` under `umask MASK`.
    pub fn under_umask(dir: &Path, log: PathBuf, mask: &str, extra: &[&str]) -> Serve {
        let mut args = vec![
            "serve",
            "--data",
            dir.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Serve::start(under_umask(mask, &args), log)
    }

    /// Starts `command` (a `bansho serve` on port 0) and waits for it to
    /// say where it listens. `log` is the test's file, not the service's.
    pub fn start(mut command: Command, log: PathBuf) -> Serve {
        let file = std::fs::File::create(&log).expect("log file");
        let child = command
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("serve");
        let mut serve = Serve {
            child,
            log,
            addr: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let written = serve.log_text();
            if let Some(line) = written
                .lines()
                .find(|l| l.contains("records service listening"))
            {
                let at = line.find("127.0.0.1:").expect("address in the line");
                serve.addr = line[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                return serve;
            }
            if let Ok(Some(status)) = serve.child.try_wait() {
                panic!("serve ended ({status}) before listening:\n{written}");
            }
            assert!(Instant::now() < deadline, "serve did not start:\n{written}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The `https://` address of the service.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn log_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.log).expect("read log")
    }

    pub fn log_text(&self) -> String {
        text(&self.log_bytes())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Marks `user`'s handed-over PIN as changed, straight in the store of the
/// data directory `dir`: for tests about something else (crashes, a full
/// disk, backups) whose accounts come from `admin user add` and must
/// search at once, without waiting for a second TOTP step. The change
/// itself is tested through the API (tests/api/credentials.rs).
pub fn as_if_pin_changed(dir: &Path, user: &str) {
    let db = rusqlite::Connection::open(dir.join("bansho.db")).expect("open the store");
    let changed = db
        .execute(
            "UPDATE staff SET pin_change_required = 0 WHERE user_id = ?1",
            [user],
        )
        .expect("update");
    assert_eq!(changed, 1, "{user} is in the store");
}
