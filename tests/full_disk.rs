//! The SQLite store on a real file system that fills up: a small ext4 image
//! loop-mounted (not tmpfs, so fsync is real). While it is full every
//! audited request gets a 503 and nothing half-written; once space returns
//! the same running service serves again, and the store, its access log and
//! the chain are whole.
//!
//! Needs root, `mkfs.ext4` and a loop device. Where they are missing the
//! test says it was skipped, unless `BANSHO_REQUIRE_LOOP` is set (CI), then
//! it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bansho::api::LoginRequest;
use bansho::api::terminal_bundle::TerminalBundle;
use bansho::client::ApiClient;
use bansho::secret::{Pin, TotpCode};
use bansho::server::totp;
use common::bin::{self, Serve};

const REQUIRED_ENV: &str = "BANSHO_REQUIRE_LOOP";

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{program} {args:?}: {}", bin::text(&out.stderr)))
    }
}

/// A mounted ext4 image; unmounted when dropped.
struct Mounted(PathBuf);

impl Mounted {
    fn new(dir: &Path, megabytes: u32) -> Result<Mounted, String> {
        let image = dir.join("disk.img");
        let mount = dir.join("mnt");
        std::fs::create_dir(&mount).map_err(|e| e.to_string())?;
        let size = format!("{megabytes}M");
        let image_text = image.to_str().expect("utf-8");
        run("truncate", &["-s", &size, image_text])?;
        run("mkfs.ext4", &["-q", "-F", image_text])?;
        run(
            "mount",
            &["-o", "loop", image_text, mount.to_str().expect("utf-8")],
        )?;
        Ok(Mounted(mount))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = run("umount", &[self.0.to_str().expect("utf-8")]);
    }
}

fn mounted_or_skip(dir: &Path) -> Option<Mounted> {
    match Mounted::new(dir, 48) {
        Ok(mounted) => Some(mounted),
        Err(reason) => {
            assert!(
                std::env::var_os(REQUIRED_ENV).is_none(),
                "a loop-mounted file system is required here ({REQUIRED_ENV} is set): {reason}"
            );
            eprintln!(
                "\n*** full_disk SKIPPED: no loop-mounted file system ({reason}); \
                 run as root with mkfs.ext4 and a loop device. ***\n"
            );
            None
        }
    }
}

/// Writes `path` until the file system says it is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 1 << 20];
    loop {
        if let Err(error) = file.write_all(&block).and_then(|_| file.sync_all()) {
            assert_eq!(
                error.raw_os_error(),
                Some(28),
                "the filler stops at ENOSPC: {error}"
            );
            return;
        }
    }
}

fn count(db: &rusqlite::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn a_full_disk_gives_503s_loses_nothing_and_the_service_recovers_when_space_returns() {
    let tmp = common::private_tempdir();
    let Some(mounted) = mounted_or_skip(tmp.path()) else {
        return;
    };
    let data = mounted.0.join("data");
    let d = data.to_str().expect("utf-8").to_string();
    bin::init(&data, &[]);
    bin::succeeds(bin::command(&[
        "admin",
        "seed",
        "--residents",
        "200",
        "--data",
        &d,
    ]));
    let settings = data.join("bansho.toml");
    std::fs::write(&settings, "[reads]\nper_second = 10000\nburst = 10000\n").expect("settings");
    std::fs::set_permissions(
        &settings,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod");
    let added = bin::succeeds(bin::command(&[
        "admin",
        "user",
        "add",
        "--id",
        "full01",
        "--name",
        "試験 職員",
        "--role",
        "clerk",
        "--department",
        "assessment",
        "--data",
        &d,
    ]));
    bin::as_if_pin_changed(&data, "full01");
    let pin = bin::field(&added.stdout, "PIN:");
    let secret = totp::from_base32(&bin::field(&added.stdout, "TOTP secret:")).expect("secret");
    let outputs = common::private_tempdir();
    let bundle_path = outputs.path().join("t.toml");
    bin::succeeds(bin::command(&[
        "admin",
        "terminal",
        "enroll",
        "full-01",
        "--data",
        &d,
        "--out",
        bundle_path.to_str().expect("utf-8"),
    ]));
    let bundle = TerminalBundle::load(&bundle_path).expect("bundle");
    let serve = Serve::start(
        bin::command(&["serve", "--data", &d, "--listen", "127.0.0.1:0"]),
        outputs.path().join("serve.log"),
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (answered, refused, recovered) = runtime.block_on(async {
        let client = ApiClient::for_terminal(&serve.url(), &bundle).expect("client");
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
        let login = LoginRequest {
            user_id: "full01".into(),
            pin: Pin::new(&pin),
            totp: TotpCode::new(totp::code_at(&secret, 6, now)),
            purpose: Some("assessment".into()),
        };
        let session = client.with_token(client.login(&login).await.expect("login").token);
        session.search("タカハシ").await.expect("served with space");

        fill(&mounted.0.join("filler"));
        // SQLite may still have room in pages it holds; the writes go on
        // until one needs space the disk no longer has.
        let mut answered = 1;
        let mut refused = 0;
        for _ in 0..20_000 {
            match session.search("タカハシ").await {
                Ok(_) => answered += 1,
                Err(error) => {
                    assert_eq!(error.status(), Some(503), "a full disk is a 503: {error}");
                    assert_eq!(
                        error.code(),
                        Some(bansho::api::ErrorCode::AuditUnavailable),
                        "{error}"
                    );
                    refused += 1;
                    if refused == 5 {
                        break;
                    }
                }
            }
        }
        std::fs::remove_file(mounted.0.join("filler")).expect("space returns");
        let mut recovered = false;
        for _ in 0..40 {
            match session.search("タカハシ").await {
                Ok(_) => {
                    answered += 1;
                    recovered = true;
                    break;
                }
                Err(error) => {
                    assert_eq!(error.status(), Some(503), "{error}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        (answered, refused, recovered)
    });
    eprintln!("full disk: {answered} searches answered, {refused} refused");
    assert_eq!(refused, 5, "the full disk was reached and refused");
    assert!(
        recovered,
        "the same service serves again once there is space"
    );
    let log = serve.log_text();
    assert!(
        log.contains("disk is full"),
        "the service's log says why it refuses:\n{log}"
    );
    drop(serve);

    let db = rusqlite::Connection::open(data.join("bansho.db")).expect("open");
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let logged = count(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'search' AND outcome = 'ok' AND user_id = 'full01'",
    );
    assert_eq!(
        logged, answered,
        "every answered search has its row, no more"
    );
    drop(db);
    bin::succeeds(bin::command(&["admin", "audit", "verify", "--data", &d]));
}
