//! A records office for the pseudo-terminal tests: a store made by the real
//! `bansho admin` commands, assessment clerks with their PINs and TOTP
//! secrets, 500 synthetic residents, `bansho serve` on loopback, and one
//! enrolled terminal.

use std::path::PathBuf;
use std::time::Duration;

use crate::common::bin::{BIN, Serve, command, field, succeeds, text};

pub struct Clerk {
    pub id: String,
    pub pin: String,
    secret: zeroize::Zeroizing<Vec<u8>>,
}

impl Clerk {
    /// The code an authenticator shows now, not in the last seconds of its
    /// step (so it is still current when typed).
    pub fn code(&self) -> String {
        let mut now = time::OffsetDateTime::now_utc();
        let into_step = now.unix_timestamp() % 30;
        if into_step > 25 {
            std::thread::sleep(Duration::from_secs((30 - into_step + 1) as u64));
            now = time::OffsetDateTime::now_utc();
        }
        bansho::testkit::code_at(&self.secret, now)
            .expose()
            .to_string()
    }
}

pub struct Office {
    pub tmp: tempfile::TempDir,
    pub clerks: Vec<Clerk>,
    pub bundle: PathBuf,
    server: Option<Serve>,
    addr: String,
    starts: usize,
}

fn run(args: &[&str]) -> std::process::Output {
    succeeds(command(args))
}

impl Office {
    /// An office with one assessment clerk per name in `clerks`.
    pub fn open(clerks: &[&str]) -> Office {
        let tmp = tempfile::tempdir().expect("tmp");
        // A folder init creates (0700): the service refuses one others can read.
        let data = tmp.path().join("data");
        let d = data.to_str().expect("utf-8");
        run(&["admin", "init", "--data", d]);
        let clerks = clerks
            .iter()
            .map(|id| {
                let out = run(&[
                    "admin",
                    "user",
                    "add",
                    "--data",
                    d,
                    "--id",
                    id,
                    "--name",
                    "課税 九郎",
                    "--role",
                    "clerk",
                    "--department",
                    "assessment",
                ]);
                // These tests drive the work, not the first login's PIN
                // change (tests/api/credentials.rs, src/tui/tests).
                crate::common::bin::as_if_pin_changed(&data, id);
                let secret = field(&out.stdout, "TOTP secret:");
                Clerk {
                    id: id.to_string(),
                    pin: field(&out.stdout, "PIN:"),
                    secret: bansho::server::totp::from_base32(&secret).expect("base32"),
                }
            })
            .collect();
        run(&["admin", "seed", "--data", d, "--residents", "500"]);
        let mut office = Office {
            bundle: data.join("counter.toml"),
            tmp,
            clerks,
            server: None,
            addr: "127.0.0.1:0".into(),
            starts: 0,
        };
        office.start_service();
        // Enrolled once the service listens, so the bundle names its address.
        let url = office.url();
        run(&[
            "admin",
            "terminal",
            "enroll",
            "counter-09",
            "--data",
            d,
            "--out",
            office.bundle.to_str().expect("utf-8"),
            "--server",
            &url,
        ]);
        office
    }

    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Starts `bansho serve` (again on the same address after the first).
    pub fn start_service(&mut self) {
        self.starts += 1;
        let data = self.data();
        let log = self.tmp.path().join(format!("serve-{}.log", self.starts));
        let serve = Serve::start(
            command(&[
                "serve",
                "--data",
                data.to_str().expect("utf-8"),
                "--listen",
                &self.addr,
            ]),
            log,
        );
        self.addr = serve.addr.clone();
        self.server = Some(serve);
    }

    /// Stops the service (killed, as a crash or a pulled cable would).
    pub fn stop_service(&mut self) {
        self.server = None;
    }

    /// The `bansho tui` command line of this office's terminal.
    pub fn workstation(&self, extra: &str) -> String {
        format!(
            "{BIN} tui --terminal {} --lang en --theme mono {extra}",
            self.bundle.display()
        )
    }

    /// Access-log rows of `action` by `user` with outcome ok.
    pub fn audited(&self, action: &str, user: &str) -> i64 {
        let verify = run(&[
            "admin",
            "audit",
            "verify",
            "--data",
            self.data().to_str().expect("utf-8"),
        ]);
        assert!(text(&verify.stdout).contains("intact"));
        let db = rusqlite::Connection::open(self.data().join("bansho.db")).expect("db");
        db.query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1 AND user_id = ?2 AND outcome = 'ok'",
            [action, user],
            |r| r.get(0),
        )
        .expect("count")
    }
}
