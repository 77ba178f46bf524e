//! The `bansho admin` and `bansho serve` commands, run as the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::bin::{
    Serve, field, output as bansho, succeeds, text, under_umask as bansho_under_umask,
};
use common::private_tempdir;

fn init(dir: &Path) -> Output {
    common::bin::init(dir, &["--admin-user", "boss"])
}

fn verify(dir: &Path) -> Output {
    bansho(&[
        "admin",
        "audit",
        "verify",
        "--data",
        dir.to_str().expect("utf-8"),
    ])
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("bansho.db")).expect("open store")
}

#[test]
fn init_without_a_terminal_prints_the_first_officers_secrets_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("data");
    let out = init(&dir);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("user:        boss"), "{stdout}");
    let pin_line = stdout
        .lines()
        .find(|l| l.starts_with("PIN:"))
        .expect("PIN line");
    assert!(pin_line.trim_start_matches("PIN:").trim().len() >= 8);
    let secret_line = stdout
        .lines()
        .find(|l| l.starts_with("TOTP secret:"))
        .expect("secret line");
    let secret = secret_line.trim_start_matches("TOTP secret:").trim();
    assert!(secret.len() >= 26, "at least 128 bits in base32: {secret}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("keys/master.key"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The secret is nowhere in the store.
    let store = std::fs::read(dir.join("bansho.db")).expect("db");
    assert!(!store.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let again = bansho(&["admin", "init", "--data", dir.to_str().expect("utf-8")]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already holds a bansho store"));
}

#[test]
fn admin_commands_write_access_log_rows_and_verify_passes() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    let seed = bansho(&["admin", "seed", "--data", d, "--residents", "500"]);
    assert!(seed.status.success(), "{}", text(&seed.stderr));
    assert!(text(&seed.stdout).contains("Added 500 synthetic residents"));
    let add = bansho(&[
        "admin",
        "user",
        "add",
        "--data",
        d,
        "--id",
        "kazei02",
        "--name",
        "課税 二郎",
        "--role",
        "clerk",
        "--department",
        "assessment",
    ]);
    assert!(add.status.success(), "{}", text(&add.stderr));
    assert!(text(&add.stdout).contains("TOTP secret:"));

    let ok = verify(dir);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("access log intact"),
        "{}",
        text(&ok.stdout)
    );

    let actions: Vec<String> = {
        let conn = db(dir);
        let mut stmt = conn
            .prepare("SELECT action FROM audit_log ORDER BY seq")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(
        actions,
        // The first IT officer's account is added (with its row) by init.
        [
            "staff_add",
            "admin_init",
            "admin_seed",
            "staff_add",
            "audit_verify"
        ],
        "{actions:?}"
    );
}

/// `admin user reset`: a new PIN, the secret as text and as a QR code,
/// printed once; the PIN must be changed at the next login, the row names
/// the account and the reason, and neither secret is in the store or the
/// log. Unknown accounts and reasons are refused with nothing written.
#[test]
fn admin_user_reset_prints_new_credentials_once_and_flags_the_pin() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    let first = init(dir);
    let d = dir.to_str().expect("utf-8");
    assert!(
        text(&first.stdout).contains("\u{2588}"),
        "init prints the QR code"
    );
    let old_pin = common::bin::field(&first.stdout, "PIN:");
    let old_secret = common::bin::field(&first.stdout, "TOTP secret:");
    let rows_before: i64 = db(dir)
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count");

    let reset = bansho(&["admin", "user", "reset", "--data", d, "--id", "boss"]);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    let stdout = text(&reset.stdout);
    let pin = common::bin::field(&reset.stdout, "PIN:");
    let secret = common::bin::field(&reset.stdout, "TOTP secret:");
    assert!(pin.len() >= 8 && secret.len() >= 26, "{stdout}");
    assert_ne!(
        (pin.as_str(), secret.as_str()),
        (old_pin.as_str(), old_secret.as_str())
    );
    let uri = common::bin::field(&reset.stdout, "TOTP URI:");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    let qr_lines = stdout.lines().filter(|l| l.contains('\u{2588}')).count();
    assert!(qr_lines >= 15, "a QR code of about 25 lines: {stdout}");
    assert!(stdout.contains("must be changed at the first login"));

    let conn = db(dir);
    let (flag, detail): (i64, String) = conn
        .query_row(
            "SELECT s.pin_change_required, a.detail FROM staff s, audit_log a
             WHERE s.user_id = 'boss' AND a.action = 'credentials_reset'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("flag and row");
    assert_eq!(flag, 1);
    assert_eq!(detail, "user=boss;reason=enrolment;sessions_ended=0");
    let store = std::fs::read(dir.join("bansho.db")).expect("db");
    for leak in [&pin, &secret] {
        assert!(!store.windows(leak.len()).any(|w| w == leak.as_bytes()));
    }

    for (args, says) in [
        (vec!["--id", "nobody"], "no account nobody"),
        (vec!["--id", "boss", "--reason", "bored"], "--reason"),
    ] {
        let mut all = vec!["admin", "user", "reset", "--data", d];
        all.extend(args);
        let refused = bansho(&all);
        assert!(!refused.status.success());
        assert!(
            text(&refused.stderr).contains(says),
            "{}",
            text(&refused.stderr)
        );
        assert!(!text(&refused.stdout).contains("PIN:"));
    }
    let rows_after: i64 = conn
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows_after, rows_before + 1, "one row: the reset");

    let listed = bansho(&["admin", "user", "list", "--data", d]);
    assert!(text(&listed.stdout).contains("PIN change pending"));
}

/// A store with a few access-log rows and its append-only triggers removed,
/// as someone with the file in hand could do.
fn tampered_store() -> tempfile::TempDir {
    let tmp = private_tempdir();
    init(tmp.path());
    let d = tmp.path().to_str().expect("utf-8");
    for _ in 0..3 {
        let out = bansho(&["admin", "user", "list", "--data", d]);
        assert!(out.status.success());
    }
    db(tmp.path())
        .execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .expect("drop triggers");
    tmp
}

fn assert_broken_at(dir: &Path, row: i64) {
    let out = verify(dir);
    assert!(!out.status.success(), "verify passed a tampered log");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("row {row}")), "{stderr}");
}

#[test]
fn an_enrolment_whose_bundle_cannot_be_written_registers_nothing() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    let outputs = private_tempdir();
    let taken = outputs.path().join("taken.toml");
    std::fs::write(&taken, "someone else's file").expect("write");
    let rows_before = audit_rows(dir);
    let enrol = |out: &Path| {
        bansho(&[
            "admin",
            "terminal",
            "enroll",
            "counter-07",
            "--data",
            d,
            "--out",
            out.to_str().expect("utf-8"),
        ])
    };
    let refused = enrol(&taken);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("taken.toml"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&taken).expect("read"),
        "someone else's file"
    );
    assert_eq!(
        audit_rows(dir),
        rows_before,
        "no row for an enrolment not done"
    );
    let terminals: i64 = db(dir)
        .query_row("SELECT count(*) FROM terminals", [], |r| r.get(0))
        .expect("count");
    assert_eq!(terminals, 0);
    // The name is still free.
    let done = enrol(&outputs.path().join("free.toml"));
    assert!(done.status.success(), "{}", text(&done.stderr));
    let (action, outcome): (String, String) = db(dir)
        .query_row(
            "SELECT action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(
        (action.as_str(), outcome.as_str()),
        ("terminal_enroll", "ok")
    );
}

#[test]
fn a_broken_chain_is_recorded_as_broken_not_ok() {
    let tmp = tampered_store();
    db(tmp.path())
        .execute("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3", [])
        .expect("edit");
    assert_broken_at(tmp.path(), 3);
    let (action, outcome, detail): (String, String, String) = db(tmp.path())
        .query_row(
            "SELECT action, outcome, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row");
    assert_eq!(
        (action.as_str(), outcome.as_str(), detail.as_str()),
        ("audit_verify", "broken", "first_bad_row=3")
    );
}

#[test]
fn verify_names_the_first_edited_row() {
    let tmp = tampered_store();
    db(tmp.path())
        .execute("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3", [])
        .expect("edit");
    assert_broken_at(tmp.path(), 3);
}

#[test]
fn verify_names_the_gap_a_deleted_row_leaves() {
    let tmp = tampered_store();
    db(tmp.path())
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .expect("delete");
    assert_broken_at(tmp.path(), 3);
}

#[test]
fn verify_names_the_first_reordered_row() {
    let tmp = tampered_store();
    // Swap rows 2 and 3 wholesale, keeping their hashes.
    db(tmp.path())
        .execute_batch(
            "UPDATE audit_log SET seq = -2 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -2;",
        )
        .expect("reorder");
    assert_broken_at(tmp.path(), 2);
}

/// What someone with the file but not the key can do: edit a row and
/// chain every row after it again with SHA-256, as the unkeyed format did.
#[test]
fn an_edited_log_chained_again_without_the_key_does_not_verify() {
    use bansho::store::AuditStore;
    use bansho::store::chain::entry_hash_v1;
    let tmp = tampered_store();
    let rows = bansho::store::sqlite::SqliteStore::open(&tmp.path().join("bansho.db"))
        .expect("open")
        .audit_rows(0, 100)
        .expect("rows");
    assert!(rows.len() >= 4);
    let conn = db(tmp.path());
    let mut prev = rows[1].hash.clone();
    for row in &rows[2..] {
        let mut entry = row.entry.clone();
        if row.seq == 3 {
            entry.outcome = bansho::domain::audit_event::Outcome::Denied;
        }
        let hash = entry_hash_v1(row.seq, &entry, &prev);
        conn.execute(
            "UPDATE audit_log SET outcome = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![entry.outcome.as_str(), prev, hash, row.seq],
        )
        .expect("rechain");
        prev = hash;
    }
    drop(conn);
    assert_broken_at(tmp.path(), 3);
}

/// Removing the key record and chaining every row again unkeyed would pass
/// for a log from before keyed chaining, but the service directory kept the
/// record it saw.
#[test]
fn a_removed_key_record_and_an_unkeyed_log_do_not_pass_for_an_old_one() {
    use bansho::store::AuditStore;
    use bansho::store::chain::entry_hash_v1;
    let tmp = tampered_store();
    let rows = bansho::store::sqlite::SqliteStore::open(&tmp.path().join("bansho.db"))
        .expect("open")
        .audit_rows(0, 100)
        .expect("rows");
    let conn = db(tmp.path());
    conn.execute("DELETE FROM meta WHERE key = 'audit_chain'", [])
        .expect("remove record");
    let mut prev = bansho::store::chain::GENESIS.to_string();
    for row in &rows {
        let hash = entry_hash_v1(row.seq, &row.entry, &prev);
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, row.seq],
        )
        .expect("rechain");
        prev = hash;
    }
    drop(conn);
    for _ in 0..2 {
        // Twice: the first refusal must not start a new keyed part.
        let out = verify(tmp.path());
        assert!(!out.status.success(), "an unkeyed rewrite verified");
        assert!(
            text(&out.stderr).contains("key record"),
            "{}",
            text(&out.stderr)
        );
    }
    // Even after the service wrote again (a new record from a later row).
    let d = tmp.path().to_str().expect("utf-8");
    assert!(
        bansho(&["admin", "user", "list", "--data", d])
            .status
            .success()
    );
    assert!(!verify(tmp.path()).status.success());
}

#[cfg(unix)]
#[test]
fn verify_needs_the_right_key_and_says_so() {
    let tmp = tampered_store();
    let key = tmp.path().join("keys/master.key");
    let right = std::fs::read(&key).expect("key");
    std::fs::write(&key, "ab".repeat(32)).expect("another key");
    let out = verify(tmp.path());
    assert!(!out.status.success(), "verified with a wrong key");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("master key does not belong"), "{stderr}");
    assert!(
        !stderr.contains("BROKEN"),
        "a wrong key is not a broken log: {stderr}"
    );
    std::fs::remove_file(&key).expect("remove key");
    let out = verify(tmp.path());
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("master key"),
        "{}",
        text(&out.stderr)
    );
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key)
            .and_then(|mut f| f.write_all(&right))
            .expect("restore");
    }
    assert!(
        verify(tmp.path()).status.success(),
        "the right key verifies"
    );
}

#[test]
fn commands_on_a_missing_store_say_what_to_do() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = verify(&tmp.path().join("nothing"));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("admin init"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_arguments_are_refused_with_a_reason() {
    let tmp = private_tempdir();
    init(tmp.path());
    let d = tmp.path().to_str().expect("utf-8");
    let out = bansho(&["admin", "seed", "--data", d, "--residents", "3000000"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("3000000"),
        "{}",
        text(&out.stderr)
    );
    let out = bansho(&[
        "admin",
        "user",
        "add",
        "--data",
        d,
        "--id",
        "x",
        "--name",
        "n",
        "--role",
        "clerk",
        "--department",
        "assessment",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("user ID"),
        "{}",
        text(&out.stderr)
    );
    let out = bansho(&[
        "admin",
        "user",
        "add",
        "--data",
        d,
        "--id",
        "abc",
        "--name",
        "n",
        "--role",
        "emperor",
        "--department",
        "assessment",
    ]);
    assert!(
        text(&out.stderr).contains("role must be"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn terminals_are_enrolled_listed_and_revoked() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    let out_path = dir.join("t1.toml");
    let out = out_path.to_str().expect("utf-8");
    let enrol = bansho(&[
        "admin",
        "terminal",
        "enroll",
        "counter-01",
        "--data",
        d,
        "--out",
        out,
    ]);
    assert!(enrol.status.success(), "{}", text(&enrol.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_path)
            .expect("bundle")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let bundle =
        bansho::api::terminal_bundle::TerminalBundle::load(&out_path).expect("bundle parses");
    assert_eq!(bundle.terminal, "counter-01");
    assert!(bundle.certificate.contains("BEGIN CERTIFICATE"));

    let other_out = dir.join("t1-again.toml");
    let again = bansho(&[
        "admin",
        "terminal",
        "enroll",
        "counter-01",
        "--data",
        d,
        "--out",
        other_out.to_str().expect("utf-8"),
    ]);
    assert!(!again.status.success(), "a name is enrolled once");
    assert!(text(&again.stderr).contains("already registered"));
    assert!(!other_out.exists(), "no bundle for a refused enrolment");

    let list = bansho(&["admin", "terminal", "list", "--data", d]);
    assert!(text(&list.stdout).contains("counter-01"));
    assert!(text(&list.stdout).contains("active"));
    let revoke = bansho(&["admin", "terminal", "revoke", "counter-01", "--data", d]);
    assert!(revoke.status.success(), "{}", text(&revoke.stderr));
    let list = bansho(&["admin", "terminal", "list", "--data", d]);
    assert!(
        text(&list.stdout).contains("revoked"),
        "{}",
        text(&list.stdout)
    );
    let twice = bansho(&["admin", "terminal", "revoke", "counter-01", "--data", d]);
    assert!(!twice.status.success());
    assert!(text(&twice.stderr).contains("no active terminal"));
}

#[test]
fn a_bundle_others_can_read_is_refused() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    let path = dir.join("t.toml");
    let enrol = bansho(&[
        "admin",
        "terminal",
        "enroll",
        "counter-02",
        "--data",
        d,
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    assert!(enrol.status.success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = bansho::api::terminal_bundle::TerminalBundle::load(&path).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }
}

/// Every path under `dir`, `dir` included, with its permission bits.
#[cfg(unix)]
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir).expect("stat");
    let mut all = vec![(dir.to_path_buf(), meta.permissions().mode() & 0o777)];
    if meta.is_dir() {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            all.extend(modes(&entry.expect("entry").path()));
        }
    }
    all
}

/// The paths under `dir` that a group or other account may use.
#[cfg(unix)]
fn shared(dir: &Path) -> Vec<(PathBuf, u32)> {
    modes(dir)
        .into_iter()
        .filter(|(_, mode)| mode & 0o077 != 0)
        .collect()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A login attempt over mutual TLS from `bundle`: refused (unknown user),
/// but written to the access log, so the store has written its WAL.
fn attempt_login(serve: &Serve, bundle: &Path) {
    let bundle = bansho::api::terminal_bundle::TerminalBundle::load(bundle).expect("bundle");
    let client = bansho::client::ApiClient::for_terminal(&serve.url(), &bundle).expect("client");
    let request = bansho::api::LoginRequest {
        user_id: "nosuch01".into(),
        pin: bansho::secret::Pin::new("8401937265"),
        totp: bansho::secret::TotpCode::new("000000"),
        purpose: Some("assessment".into()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let answer = runtime.block_on(client.login(&request));
    assert!(answer.is_err(), "an unknown user logged in");
}

/// Runs a command that must end by itself (a refusal); one that keeps
/// running is stopped and reported.
fn output_of_refusal(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "the command kept running instead of refusing:\n{}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[cfg(unix)]
#[test]
fn init_leaves_nothing_for_other_accounts_whatever_the_umask() {
    for mask in ["022", "000"] {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("data");
        let d = dir.to_str().expect("utf-8");
        succeeds(bansho_under_umask(mask, &["admin", "init", "--data", d]));
        let made: Vec<PathBuf> = modes(&dir).into_iter().map(|(p, _)| p).collect();
        for expected in [
            "bansho.db",
            "keys",
            "keys/master.key",
            "tls",
            "tls/ca.pem",
            "tls/ca.key",
            "tls/server.pem",
            "tls/server.key",
        ] {
            assert!(made.contains(&dir.join(expected)), "{expected}: {made:?}");
        }
        assert_eq!(shared(&dir), vec![], "after init under umask {mask}");
        for (path, mode) in modes(&dir) {
            let want = if path.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(mode, want, "{} under umask {mask}", path.display());
        }
        // Commands that write afterwards create nothing others can read.
        succeeds(bansho_under_umask(
            mask,
            &["admin", "seed", "--data", d, "--residents", "20"],
        ));
        succeeds(bansho_under_umask(
            mask,
            &[
                "admin",
                "terminal",
                "enroll",
                "counter-03",
                "--data",
                d,
                "--out",
                dir.join("counter-03.toml").to_str().expect("utf-8"),
            ],
        ));
        assert_eq!(shared(&dir), vec![], "after seed under umask {mask}");
    }
}

/// Initialises `tmp/data` under `mask` and enrolls a terminal whose bundle
/// is `tmp/counter.toml`.
fn service_dir(tmp: &Path, mask: &str) -> (PathBuf, PathBuf) {
    let dir = tmp.join("data");
    let d = dir.to_str().expect("utf-8");
    let bundle = tmp.join("counter.toml");
    succeeds(bansho_under_umask(mask, &["admin", "init", "--data", d]));
    succeeds(bansho_under_umask(
        mask,
        &[
            "admin",
            "terminal",
            "enroll",
            "counter-04",
            "--data",
            d,
            "--out",
            bundle.to_str().expect("utf-8"),
        ],
    ));
    (dir, bundle)
}

#[cfg(unix)]
#[test]
fn a_serving_store_keeps_its_wal_private_and_its_log_file_free_of_escapes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, bundle) = service_dir(tmp.path(), "000");
    let serve = Serve::under_umask(&dir, tmp.path().join("serve.log"), "000", &[]);
    attempt_login(&serve, &bundle);
    // SQLite made these itself while the service holds the store open.
    for file in ["bansho.db-wal", "bansho.db-shm"] {
        assert!(dir.join(file).exists(), "{file} while serving");
    }
    assert_eq!(shared(&dir), vec![], "while serving under umask 000");
    let log = serve.log_bytes();
    assert!(!log.is_empty());
    assert!(
        !log.contains(&0x1b),
        "an escape sequence in a log file:\n{}",
        text(&log)
    );
}

#[cfg(unix)]
#[test]
fn json_log_lines_each_parse_as_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, bundle) = service_dir(tmp.path(), "022");
    let serve = Serve::under_umask(
        &dir,
        tmp.path().join("serve.log"),
        "022",
        &["--log-format", "json"],
    );
    attempt_login(&serve, &bundle);
    drop_and_keep_log(serve, |log| {
        assert!(!log.contains('\x1b'), "{log}");
        let lines: Vec<serde_json::Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["message"] == "records service listening"),
            "{log}"
        );
        for line in &lines {
            assert!(line["level"].is_string(), "{line}");
            assert!(line["timestamp"].is_string(), "{line}");
        }
    });
}

/// Stops the service, so every line is written, then looks at its log.
fn drop_and_keep_log(serve: Serve, check: impl FnOnce(&str)) {
    let log = serve.log.clone();
    drop(serve);
    check(&text(&std::fs::read(log).expect("read log")));
}

fn audit_rows(dir: &Path) -> i64 {
    db(dir)
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("count")
}

#[cfg(unix)]
#[test]
fn serve_and_admin_refuse_a_data_dir_others_can_read_naming_the_chmod() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    let before = audit_rows(dir);
    let pg = "postgres://bansho@127.0.0.1:1/none";
    let cases: &[(&str, u32, &str)] = &[
        ("", 0o755, "chmod 700"),
        ("bansho.db", 0o644, "chmod 600"),
        ("tls", 0o750, "chmod 700"),
        ("keys/master.key", 0o604, "chmod 600"),
        ("tls/server.pem", 0o644, "chmod 600"),
    ];
    for (name, loose, fix) in cases {
        let path = if name.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(name)
        };
        let owner = if path.is_dir() { 0o700 } else { 0o600 };
        chmod(&path, *loose);
        let commands: Vec<Vec<&str>> = vec![
            vec!["admin", "user", "list", "--data", d],
            vec!["admin", "audit", "verify", "--data", d],
            vec!["admin", "terminal", "list", "--data", d],
            vec!["admin", "seed", "--data", d, "--residents", "1"],
            vec!["admin", "init", "--data", d],
            vec!["serve", "--data", d, "--listen", "127.0.0.1:0"],
            // The keys and the CA are in the directory with PostgreSQL too;
            // the refusal comes before any connection is tried.
            vec![
                "serve",
                "--data",
                d,
                "--store",
                pg,
                "--listen",
                "127.0.0.1:0",
            ],
            vec!["admin", "terminal", "list", "--data", d, "--store", pg],
        ];
        for args in commands {
            let out = output_of_refusal(bansho_under_umask("022", &args));
            let stderr = text(&out.stderr);
            assert!(!out.status.success(), "{args:?} ran with {name} {loose:o}");
            let line = format!(
                "{} has mode {loose:04o}: run `{fix} {}`",
                path.display(),
                path.display()
            );
            assert!(stderr.contains(&line), "{args:?}: {stderr}");
            assert!(!stderr.contains("PostgreSQL"), "{args:?}: {stderr}");
        }
        chmod(&path, owner);
    }
    assert_eq!(
        audit_rows(dir),
        before,
        "a refused command opened the store"
    );
    succeeds(bansho_under_umask(
        "022",
        &["admin", "user", "list", "--data", d],
    ));
}

#[cfg(all(unix, feature = "tui"))]
#[test]
fn the_demo_store_is_private_in_a_temporary_or_a_kept_directory() {
    use bansho::cli::demo::{DemoDir, prepare};
    use bansho::domain::audit_event::{Action, Event};
    use bansho::server::data_dir;
    let tmp = tempfile::tempdir().expect("tmp");
    let kept = tmp.path().join("kept");
    for data in [None, Some(kept.as_path())] {
        let demo = DemoDir::create(data).expect("demo dir");
        let dir = demo.path().to_path_buf();
        prepare(&dir, 20, 1).expect("prepare");
        let (store, keys) = data_dir::open(&dir).expect("open");
        let seeded = Event::ok(Action::AdminSeed);
        data_dir::record(store.as_ref(), &keys, "demo", seeded).expect("write");
        for file in ["service.log", "bansho.db-wal", "bansho.db-shm"] {
            assert!(dir.join(file).exists(), "{file} in {data:?}");
        }
        assert_eq!(shared(&dir), vec![], "demo store in {data:?}");
        drop(store);
        drop(demo);
        assert_eq!(dir.exists(), data.is_some(), "only a kept store stays");
    }
    // A kept store that others can read is not reopened.
    chmod(&kept.join("bansho.db"), 0o644);
    let error = DemoDir::create(Some(&kept)).err().expect("refused");
    assert!(error.to_string().contains("chmod 600"), "{error}");
}

/// `bansho serve --check-config` with `--data DIR` and these arguments and
/// environment; no other settings variable reaches it.
fn check_config(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bansho"));
    command
        .args(["serve", "--check-config", "--data"])
        .arg(dir)
        .args(extra)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BANSHO_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    output_of_refusal(command)
}

/// Writes a settings file only its owner may change.
fn settings_file(path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write settings");
    #[cfg(unix)]
    chmod(path, 0o600);
    path.to_str().expect("utf-8").to_string()
}

/// The words of the summary line for `key`.
fn summary_line(stdout: &str, key: &str) -> Vec<String> {
    stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no {key} in:\n{stdout}"))
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn check_config_prints_the_settings_of_a_good_file_and_opens_no_store() {
    let tmp = private_tempdir();
    init(tmp.path());
    let before = audit_rows(tmp.path());
    // The service directory's own file, read without --config.
    let path = settings_file(
        &tmp.path().join("bansho.toml"),
        "[office]\ntime_zone = \"UTC\"\n\n[login]\nlockout_threshold = 3\n\n\
         [[purpose]]\ncode = \"it_desk\"\ndepartment = \"information_systems\"\n\
         name_ja = \"窓口支援\"\nname_en = \"Help desk\"\n",
    );
    let out = check_config(tmp.path(), &[], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("settings file: {path}")),
        "{stdout}"
    );
    assert_eq!(
        summary_line(&stdout, "login.lockout_threshold"),
        ["login.lockout_threshold", "3", &format!("{path}:5")]
    );
    assert_eq!(
        summary_line(&stdout, "office.time_zone"),
        ["office.time_zone", "UTC", &format!("{path}:2")]
    );
    assert_eq!(
        summary_line(&stdout, "login.lockout_minutes"),
        ["login.lockout_minutes", "15", "default"]
    );
    assert!(stdout.contains("it_desk"), "{stdout}");
    assert!(stdout.ends_with("settings are valid\n"), "{stdout}");
    assert_eq!(audit_rows(tmp.path()), before, "the check opened the store");

    // A named file, and a service directory that does not exist: nothing
    // is created.
    let elsewhere = tmp.path().join("elsewhere.toml");
    let named = settings_file(&elsewhere, "[reads]\nburst = 45\n");
    let missing = tmp.path().join("no-service-here");
    let out = check_config(&missing, &["--config", &named], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        summary_line(&text(&out.stdout), "reads.burst"),
        ["reads.burst", "45", &format!("{named}:2")]
    );
    assert!(!missing.exists(), "the check created the service directory");
}

#[test]
fn check_config_names_the_file_line_and_an_unknown_key() {
    let tmp = private_tempdir();
    let path = settings_file(
        &tmp.path().join("office.toml"),
        "[login]\nlockout_threshold = 5\nlockout_minuts = 3\n",
    );
    let out = check_config(tmp.path(), &["--config", &path], &[]);
    assert!(!out.status.success(), "an unknown key passed");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path}:3:1: unknown key `login.lockout_minuts`")),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).is_empty(),
        "no summary: {}",
        text(&out.stdout)
    );
}

#[test]
fn check_config_names_the_file_line_and_key_of_a_wrong_type() {
    let tmp = private_tempdir();
    let path = settings_file(
        &tmp.path().join("office.toml"),
        "[reads]\nper_second = 10\n\n[login]\nqueue = \"many\"\n",
    );
    let out = check_config(tmp.path(), &["--config", &path], &[]);
    assert!(!out.status.success(), "a string passed for a number");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{path}:5:9: login.queue: ")),
        "{stderr}"
    );
    assert!(stderr.contains("many"), "{stderr}");
    // Well typed but out of bounds: placed the same way.
    let path = settings_file(
        &tmp.path().join("office.toml"),
        "[login]\nlockout_minutes = 0\n",
    );
    let out = check_config(tmp.path(), &["--config", &path], &[]);
    assert!(!out.status.success(), "a lock of 0 minutes passed");
    assert!(
        text(&out.stderr).contains(&format!(
            "{path}:2:19: login.lockout_minutes must be from 1 to 10080, not 0"
        )),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_environment_variable_overrides_the_file_and_shows_in_the_summary() {
    let tmp = private_tempdir();
    let path = settings_file(
        &tmp.path().join("office.toml"),
        "[login]\nlockout_threshold = 3\n",
    );
    let out = check_config(
        tmp.path(),
        &["--config", &path],
        &[
            ("BANSHO_LOGIN_LOCKOUT_THRESHOLD", "7"),
            ("BANSHO_OFFICE_TIME_ZONE", "Europe/Amsterdam"),
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        summary_line(&stdout, "login.lockout_threshold"),
        [
            "login.lockout_threshold",
            "7",
            "BANSHO_LOGIN_LOCKOUT_THRESHOLD"
        ]
    );
    assert_eq!(
        summary_line(&stdout, "office.time_zone"),
        [
            "office.time_zone",
            "Europe/Amsterdam",
            "BANSHO_OFFICE_TIME_ZONE"
        ]
    );
}

#[test]
fn a_bad_environment_value_or_name_is_refused_naming_the_variable() {
    let tmp = private_tempdir();
    let cases: &[(&str, &str, &str)] = &[
        ("BANSHO_READS_BURST", "lots", "not a whole number"),
        ("BANSHO_READS_BURST", "0", "reads.burst must be from 1"),
        (
            "BANSHO_OFFICE_TIME_ZONE",
            "Mars/Olympus",
            "unknown time zone",
        ),
        (
            "BANSHO_LOGIN_LOCKOUT_TRESHOLD",
            "3",
            "BANSHO_LOGIN_LOCKOUT_THRESHOLD",
        ),
    ];
    for (var, value, expected) in cases {
        let out = check_config(tmp.path(), &[], &[(var, value)]);
        assert!(!out.status.success(), "{var}={value} passed");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("{var}: ")), "{var}: {stderr}");
        assert!(stderr.contains(expected), "{var}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn serve_runs_with_the_settings_file_it_is_given() {
    let tmp = private_tempdir();
    let dir = tmp.path().join("data");
    let d = dir.to_str().expect("utf-8");
    let first = init(&dir);
    let stdout = text(&first.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{name} in init's output"))
    };
    let (pin, secret) = (field("PIN:"), field("TOTP secret:"));
    let bundle = tmp.path().join("counter.toml");
    succeeds(bansho_under_umask(
        "022",
        &[
            "admin",
            "terminal",
            "enroll",
            "counter-05",
            "--data",
            d,
            "--out",
            bundle.to_str().expect("utf-8"),
        ],
    ));
    let config = settings_file(
        &tmp.path().join("office.toml"),
        "[login]\nlockout_threshold = 4\n\n[[purpose]]\ncode = \"it_desk\"\n\
         department = \"information_systems\"\nname_ja = \"窓口支援\"\nname_en = \"Help desk\"\n",
    );
    let serve = Serve::under_umask(
        &dir,
        tmp.path().join("serve.log"),
        "022",
        &["--config", &config],
    );

    // The first IT officer's department has one purpose in the file: the
    // session gets it without asking.
    let bundle = bansho::api::terminal_bundle::TerminalBundle::load(&bundle).expect("bundle");
    let client =
        bansho::client::ApiClient::for_terminal(&format!("https://{}", serve.addr), &bundle)
            .expect("client");
    let secret = bansho::server::totp::from_base32(&secret).expect("base32 secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let request = bansho::api::LoginRequest {
        user_id: "boss".into(),
        pin: bansho::secret::Pin::new(pin),
        totp: bansho::secret::TotpCode::new(bansho::server::totp::code_at(&secret, 6, now)),
        purpose: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let session = runtime
        .block_on(client.login(&request))
        .expect("login")
        .session;
    assert_eq!(session.purpose.expect("chosen").code, "it_desk");
    let offered: Vec<_> = session.purposes.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(offered, ["it_desk"]);

    drop_and_keep_log(serve, |log| {
        let read = log
            .lines()
            .find(|l| l.contains(" settings "))
            .unwrap_or_else(|| panic!("no settings line:\n{log}"));
        assert!(read.contains(&config), "{read}");
        assert!(read.contains("read=true"), "{read}");
        let limits = log
            .lines()
            .find(|l| l.contains("service limits"))
            .unwrap_or_else(|| panic!("no limits line:\n{log}"));
        assert!(limits.contains("lockout_threshold=4"), "{limits}");
    });
}

/// The DEMO panel marks a code used from the store's record of the last
/// step the service accepted, for that account only and until the next step.
#[cfg(all(unix, feature = "tui"))]
#[test]
fn the_demo_panel_marks_a_code_used_from_the_stores_last_accepted_step() {
    use bansho::cli::demo::panel::StaffPanel;
    use bansho::cli::demo::{DemoDir, prepare};
    use bansho::server::data_dir;
    use bansho::store::StaffStore;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("kept");
    let demo = DemoDir::create(Some(&dir)).expect("demo dir");
    let staff = prepare(demo.path(), 5, 1).expect("prepare");
    let (store, _) = data_dir::open(&dir).expect("open");
    let panel = StaffPanel::new(staff, store.clone());
    // 10 seconds into a step.
    let now = 1_900_000_000 - 1_900_000_000 % 30 + 10;
    let step = now / 30;
    let before = panel.at(now);
    assert!(before.iter().all(|a| !a.used), "nothing used yet");
    store
        .claim_totp_step("kazei01", step, "demo")
        .expect("claim");
    let after = panel.at(now);
    for account in &after {
        assert_eq!(
            account.used,
            account.user_id == "kazei01",
            "{}",
            account.user_id
        );
        assert_eq!(account.seconds_left, 20);
    }
    // The next step's code is fresh again.
    let next = panel.at(now + 20);
    assert!(next.iter().all(|a| !a.used));
    assert_ne!(next[0].code, after[0].code);
}

// ---- messages that name the path and the problem ----------------------------

#[test]
fn a_missing_data_directory_is_named_before_anything_starts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let missing = tmp.path().join("no-such-dir");
    let d = missing.to_str().expect("utf-8");
    for args in [
        vec!["serve", "--data", d, "--listen", "127.0.0.1:0"],
        vec!["admin", "terminal", "list", "--data", d],
        vec!["admin", "audit", "verify", "--data", d],
        vec!["admin", "seed", "--data", d, "--residents", "1"],
    ] {
        let out = bansho(&args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains(d) && stderr.contains("does not exist"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("os error"), "{args:?}: {stderr}");
        // Refused before the settings or the store were looked at.
        assert!(!stderr.contains("settings"), "{args:?}: {stderr}");
        assert!(!missing.exists(), "{args:?} created it");
    }
}

#[test]
fn a_data_path_through_a_file_is_named_with_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("notes.txt");
    std::fs::write(&file, "x").expect("file");
    let under = file.join("store");
    for args in [
        vec![
            "demo",
            "--data",
            under.to_str().expect("utf-8"),
            "--residents",
            "1",
        ],
        vec!["admin", "init", "--data", under.to_str().expect("utf-8")],
    ] {
        let out = bansho(&args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success());
        assert!(
            stderr.contains(file.to_str().expect("utf-8")) && stderr.contains("is a file"),
            "{args:?}: {stderr}"
        );
    }
    let out = bansho(&["demo", "--data", file.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is a file, not a directory"), "{stderr}");
}

#[cfg(feature = "tui")]
#[test]
fn the_demo_without_a_terminal_says_so_before_seeding() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kept = tmp.path().join("kept");
    // Standard output is a pipe here, as under cron or a redirect.
    let out = bansho(&[
        "demo",
        "--data",
        kept.to_str().expect("utf-8"),
        "--residents",
        "50",
    ]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("not a terminal"), "{stderr}");
    assert!(!stderr.contains("seeding"), "seeded first: {stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
    assert!(!kept.exists(), "a store was made for nothing");
}

#[cfg(feature = "tui")]
#[test]
fn a_terminal_bundle_that_is_a_directory_or_missing_is_named() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    chmod(dir, 0o755);
    let out = bansho(&["tui", "--terminal", dir.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("is a directory, not a terminal bundle"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("chmod"),
        "not a permission problem: {stderr}"
    );
    let missing = dir.join("counter-01.toml");
    let out = bansho(&["tui", "--terminal", missing.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("counter-01.toml") && stderr.contains("does not exist"),
        "{stderr}"
    );
    // A real bundle, but no terminal to draw on: said before connecting.
    let data = dir.join("data");
    init(&data);
    let bundle = dir.join("b.toml");
    succeeds(common::bin::command(&[
        "admin",
        "terminal",
        "enroll",
        "counter-01",
        "--data",
        data.to_str().expect("utf-8"),
        "--server",
        "https://127.0.0.1:9",
        "--out",
        bundle.to_str().expect("utf-8"),
    ]));
    let out = bansho(&["tui", "--terminal", bundle.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not a terminal"), "{stderr}");
}

// ---- demo reruns and stores left behind ------------------------------------

#[cfg(all(unix, feature = "tui"))]
#[test]
fn a_kept_demo_store_reuses_its_terminal_and_accounts() {
    use bansho::cli::demo::{DemoDir, kept, prepare};
    use bansho::server::data_dir;
    use bansho::store::TerminalStore;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("kept");
    let run = || {
        let demo = DemoDir::create(Some(&dir)).expect("demo dir");
        let staff = prepare(demo.path(), 5, 1).expect("prepare");
        let (store, keys) = data_dir::open(&dir).expect("open");
        let bundle = kept::terminal(store.as_ref(), &keys, &dir).expect("terminal");
        let accounts: Vec<(String, String, Vec<u8>)> = staff
            .iter()
            .map(|s| {
                (
                    s.user_id.clone(),
                    s.pin.expose().to_string(),
                    s.totp_secret.to_vec(),
                )
            })
            .collect();
        (
            accounts,
            bundle.terminal.clone(),
            bundle.certificate.clone(),
        )
    };
    let first = run();
    let second = run();
    assert_eq!(first.0, second.0, "the same PINs and secrets");
    assert_eq!(
        (first.1.as_str(), &first.2),
        ("demo", &second.2),
        "the same terminal"
    );
    let (store, _) = data_dir::open(&dir).expect("open");
    let terminals = store.terminals().expect("terminals");
    assert_eq!(terminals.len(), 1, "one demo terminal, enrolled once");

    // A lost bundle: a new terminal, and the old one revoked.
    std::fs::remove_file(dir.join(kept::TERMINAL_FILE)).expect("remove");
    let third = run();
    assert_eq!(third.1, "demo-2");
    assert_eq!(first.0, third.0, "the accounts stay");
    let active: Vec<String> = store
        .terminals()
        .expect("terminals")
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .map(|t| t.name)
        .collect();
    assert_eq!(active, vec!["demo-2".to_string()]);

    // A kept secret that no longer opens its account gives it new ones.
    let accounts = dir.join(kept::ACCOUNTS_FILE);
    let text = std::fs::read_to_string(&accounts).expect("accounts");
    let first_pin = &first.0[0].1;
    std::fs::write(&accounts, text.replace(first_pin.as_str(), "1357913579")).expect("write");
    let fourth = run();
    assert_ne!(fourth.0[0].1, "1357913579");
    assert_ne!(&fourth.0[0].1, first_pin, "a fresh PIN");
    assert_eq!(fourth.0[1], first.0[1], "the others stay");
    assert_eq!(shared(&dir), vec![], "the kept files are private");
}

#[cfg(all(unix, feature = "tui"))]
#[test]
fn a_kept_demo_store_in_use_is_refused_naming_the_process() {
    use bansho::cli::demo::DemoDir;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("kept");
    let running = DemoDir::create(Some(&dir)).expect("first");
    let error = DemoDir::create(Some(&dir)).err().expect("refused");
    let message = error.to_string();
    assert!(
        message.contains("in use by another bansho demo"),
        "{message}"
    );
    assert!(
        message.contains(&std::process::id().to_string()),
        "{message}"
    );
    drop(running);
    assert!(
        DemoDir::create(Some(&dir)).is_ok(),
        "free once the first ended"
    );
}

/// The temporary demo directories under `tmp`.
fn demo_dirs(tmp: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(tmp)
        .expect("read tmp")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("bansho-demo-"))
        })
        .collect();
    dirs.sort();
    dirs
}

#[cfg(all(unix, feature = "tui"))]
#[test]
fn a_demo_killed_outright_leaves_a_store_the_next_demo_removes() {
    if !common::tmux::available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let tmpdir = tmp.path().join("tmp");
    std::fs::create_dir(&tmpdir).expect("TMPDIR");
    // Look-alikes the demo did not leave: a folder without a marker, and
    // one whose marker a live process (this test) holds.
    let decoy = tmpdir.join("bansho-demo-decoy");
    std::fs::create_dir(&decoy).expect("decoy");
    std::fs::write(decoy.join("keep.txt"), "mine").expect("decoy file");
    let held = tmpdir.join("bansho-demo-held");
    std::fs::create_dir(&held).expect("held");
    std::fs::write(held.join("demo.lock"), "bansho demo\npid 1\n").expect("marker");
    let lock = std::fs::File::open(held.join("demo.lock")).expect("open marker");
    lock.try_lock().expect("lock");
    let before = demo_dirs(&tmpdir);

    let command = format!("{} demo --residents 20 --lang en", common::bin::BIN);
    let first =
        common::tmux::Tmux::start_with_env("bansho-cli-kill", &[("TMPDIR", &tmpdir)], &command);
    first.wait_for("Demo accounts");
    let left: Vec<PathBuf> = demo_dirs(&tmpdir)
        .into_iter()
        .filter(|d| !before.contains(d))
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let left = left[0].clone();
    let marker = std::fs::read_to_string(left.join("demo.lock")).expect("marker");
    let pid = marker
        .lines()
        .find_map(|l| l.strip_prefix("pid "))
        .expect("pid in the marker")
        .to_string();
    let killed = Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    first.wait_gone();
    assert!(left.join("bansho.db").exists(), "SIGKILL leaves the store");

    let second =
        common::tmux::Tmux::start_with_env("bansho-cli-next", &[("TMPDIR", &tmpdir)], &command);
    second.wait_for("Demo accounts");
    assert!(!left.exists(), "the killed demo's store is still there");
    assert!(
        decoy.join("keep.txt").exists(),
        "a folder it did not make was removed"
    );
    assert!(held.exists(), "a store whose demo still runs was removed");
    second.keys(&["C-q"]);
    second.wait_gone();
    drop(lock);
    // The second demo removed its own directory on the way out.
    let now: Vec<PathBuf> = demo_dirs(&tmpdir);
    assert_eq!(now, before, "{now:?}");
}

#[cfg(all(unix, feature = "tui"))]
#[test]
fn a_rerun_of_a_kept_demo_shows_the_same_accounts_and_enrols_no_terminal() {
    if !common::tmux::available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let kept = tmp.path().join("kept");
    let command = format!(
        "{} demo --residents 20 --lang en --data {}",
        common::bin::BIN,
        kept.display()
    );
    let pin_of = |screen: &str| -> String {
        let row = screen
            .lines()
            .find(|l| l.contains("kazei01"))
            .unwrap_or_else(|| panic!("no kazei01 on:\n{screen}"));
        row.split_whitespace()
            .find(|w| w.len() == 10 && w.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_else(|| panic!("no PIN in {row}"))
            .to_string()
    };
    let mut pins = Vec::new();
    for run in 0..2 {
        let pty =
            common::tmux::Tmux::start_with_env(&format!("bansho-cli-rerun-{run}"), &[], &command);
        let screen = pty.wait_for("Demo accounts");
        pins.push(pin_of(&screen));
        pty.keys(&["C-q"]);
        pty.wait_gone();
    }
    assert_eq!(pins[0], pins[1], "the rerun shows the same PIN");
    let out = succeeds(common::bin::command(&[
        "admin",
        "terminal",
        "list",
        "--data",
        kept.to_str().expect("utf-8"),
    ]));
    let listed = text(&out.stdout);
    let terminals: Vec<&str> = listed.lines().filter(|l| l.contains("demo")).collect();
    assert_eq!(terminals.len(), 1, "{listed}");
    // No credentials were reset on the rerun.
    let resets: i64 = db(&kept)
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'credentials_reset'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(resets, 0);
}

// ---- Backups and restore (docs/admin-guide.md, "Backups and restore") ----

/// A fresh age key pair: the identity file (0600) and its recipient.
fn backup_key(path: &Path) -> String {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let text = format!("# test key\n{}\n", identity.to_string().expose_secret());
    bansho::private_fs::write_new(path, text.as_bytes()).expect("identity file");
    identity.to_public().to_string()
}

/// Every row of `table` up to `upto` (by rowid), hashed in order, with
/// their count.
fn table_digest(conn: &rusqlite::Connection, table: &str, upto: i64) -> (i64, String) {
    use sha2::Digest;
    let mut statement = conn
        .prepare(&format!(
            "SELECT * FROM {table} WHERE rowid <= ?1 ORDER BY rowid"
        ))
        .expect("select");
    let columns = statement.column_count();
    let mut rows = statement.query([upto]).expect("query");
    let mut hasher = sha2::Sha256::new();
    let mut count = 0;
    while let Some(row) = rows.next().expect("row") {
        count += 1;
        for i in 0..columns {
            let value: rusqlite::types::Value = row.get(i).expect("value");
            hasher.update(format!("{value:?}\u{1f}").as_bytes());
        }
        hasher.update(b"\x1e");
    }
    (count, format!("{:x}", hasher.finalize()))
}

fn restore(backup: &Path, into: &Path, identity: &Path, master_key: &Path) -> Output {
    bansho(&[
        "admin",
        "restore",
        "--from",
        backup.to_str().expect("utf-8"),
        "--data",
        into.to_str().expect("utf-8"),
        "--identity",
        identity.to_str().expect("utf-8"),
        "--master-key",
        master_key.to_str().expect("utf-8"),
    ])
}

/// The restore drill: a backup taken while a clerk keeps searching (each
/// search writes an access-log row) restores to the same residents, the
/// same entries and the same access log up to the backup's row, plus the
/// restore's own row, and the restored chain verifies.
#[cfg(unix)]
#[test]
fn a_backup_taken_under_load_restores_the_same_records_and_a_chain_that_verifies() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let tmp = private_tempdir();
    let dir = tmp.path().join("data");
    let d = dir.to_str().expect("utf-8");
    init(&dir);
    succeeds(common::bin::command(&[
        "admin",
        "seed",
        "--data",
        d,
        "--residents",
        "300",
    ]));
    let clerk = succeeds(common::bin::command(&[
        "admin",
        "user",
        "add",
        "--data",
        d,
        "--id",
        "kazei01",
        "--name",
        "課税 一郎",
        "--role",
        "clerk",
        "--department",
        "assessment",
    ]));
    common::bin::as_if_pin_changed(&dir, "kazei01");
    let pin = common::bin::field(&clerk.stdout, "PIN:");
    let secret = common::bin::field(&clerk.stdout, "TOTP secret:");
    let bundle = tmp.path().join("counter.toml");
    succeeds(common::bin::command(&[
        "admin",
        "terminal",
        "enroll",
        "counter-06",
        "--data",
        d,
        "--out",
        bundle.to_str().expect("utf-8"),
    ]));
    // Searches as fast as the client sends them (the default is a clerk's
    // pace); the settings file travels in the backup.
    settings_file(
        &dir.join("bansho.toml"),
        "[reads]\nper_second = 1000\nburst = 1000\n",
    );
    let serve = Serve::under_umask(&dir, tmp.path().join("serve.log"), "077", &[]);

    // A clerk searching without pause until told to stop.
    let bundle = bansho::api::terminal_bundle::TerminalBundle::load(&bundle).expect("bundle");
    let client = bansho::client::ApiClient::for_terminal(&serve.url(), &bundle).expect("client");
    let secret = bansho::server::totp::from_base32(&secret).expect("base32 secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let request = bansho::api::LoginRequest {
        user_id: "kazei01".into(),
        pin: bansho::secret::Pin::new(pin),
        totp: bansho::secret::TotpCode::new(bansho::server::totp::code_at(&secret, 6, now)),
        purpose: Some("assessment".into()),
    };
    let person: String = db(&dir)
        .query_row("SELECT person_number FROM residents LIMIT 1", [], |r| {
            r.get(0)
        })
        .expect("a seeded resident");
    let stop = Arc::new(AtomicBool::new(false));
    let searches = Arc::new(AtomicUsize::new(0));
    let load = {
        let (stop, searches) = (stop.clone(), searches.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let token = client.login(&request).await.expect("login").token;
                let client = client.with_token(token);
                let queries = ["田中", "さとう", "1-2", "山"];
                while !stop.load(Ordering::SeqCst) {
                    let n = searches.load(Ordering::SeqCst);
                    client
                        .search(queries[n % queries.len()])
                        .await
                        .expect("search");
                    // Every fourth turn a declaration's keying is started
                    // (the entry and its row in one transaction).
                    if n % 4 == 0 {
                        client
                            .start_entry(&bansho::api::entry::StartEntryRequest {
                                form: "juminzei_shinkoku".into(),
                                person: person.clone(),
                                paper: format!("2026-12-01/001/{:03}", n / 4 % 1000),
                                batch: None,
                            })
                            .await
                            .expect("start an entry");
                    }
                    searches.fetch_add(1, Ordering::SeqCst);
                }
            });
        })
    };
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while searches.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the searches stalled");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(20);

    let identity = tmp.path().join("backup.key");
    let recipient = backup_key(&identity);
    let file = tmp.path().join("office.bansho-backup");
    let before = searches.load(Ordering::SeqCst);
    let made = succeeds(common::bin::command(&[
        "admin",
        "backup",
        "--data",
        d,
        "--to",
        file.to_str().expect("utf-8"),
        "--recipient",
        &recipient,
    ]));
    let after = searches.load(Ordering::SeqCst);
    wait_for(after + 20);
    stop.store(true, Ordering::SeqCst);
    load.join().expect("the searches ended well");
    assert!(after > before, "no search ran while the backup was made");

    let said = text(&made.stdout);
    let upto: i64 = said
        .split("access log up to row ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no backup row in: {said}"));

    let restored = tmp.path().join("restored");
    let out = restore(&file, &restored, &identity, &dir.join("keys/master.key"));
    assert!(out.status.success(), "{}", text(&out.stderr));

    let source = db(&dir);
    let copy = db(&restored);
    let last: i64 = source
        .query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0))
        .expect("last row");
    assert!(last > upto, "the searches went on after the backup");
    // Entries are only added here: the restored ones are the source's
    // first ones, and each has its access-log row before the backup's.
    let (entries, hash) = table_digest(&copy, "entries", i64::MAX);
    assert!(entries > 0, "no entry in the backup");
    assert_eq!(table_digest(&source, "entries", entries), (entries, hash));
    let started: i64 = copy
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'entry_start' AND seq <= ?1",
            [upto],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(started, entries, "entries and their rows at one moment");
    for table in ["residents", "staff", "terminals"] {
        assert_eq!(
            table_digest(&source, table, i64::MAX),
            table_digest(&copy, table, i64::MAX),
            "{table} differs after the restore"
        );
    }
    assert_eq!(table_digest(&copy, "residents", i64::MAX).0, 300);
    let logged = table_digest(&source, "audit_log", upto);
    assert_eq!(logged, table_digest(&copy, "audit_log", upto));
    assert_eq!(logged.0, upto, "the access log has no gaps");
    // The backup's own row is in it, and after it only the restore's.
    let actions: Vec<String> = copy
        .prepare("SELECT action FROM audit_log WHERE action IN ('backup', 'restore') OR seq > ?1 ORDER BY seq")
        .expect("select")
        .query_map([upto], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("actions");
    assert_eq!(actions, ["backup", "restore"]);

    for carried in [
        "bansho.toml",
        "tls/ca.pem",
        "tls/ca.key",
        "keys/audit-chain.record",
    ] {
        assert_eq!(
            std::fs::read(dir.join(carried)).expect("source file"),
            std::fs::read(restored.join(carried)).expect("restored file"),
            "{carried}"
        );
    }
    assert_eq!(
        shared(&restored),
        vec![],
        "the restored directory is private"
    );

    let verified = verify(&restored);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    assert!(
        text(&verified.stdout).contains(&format!("intact: {} rows", upto + 1)),
        "{}",
        text(&verified.stdout)
    );
    drop(serve);
}

/// What backup and restore refuse, each naming the problem, and leaving
/// nothing behind.
#[cfg(unix)]
#[test]
fn backups_and_restores_refuse_what_would_lose_or_forge_records() {
    let tmp = private_tempdir();
    let dir = tmp.path().join("data");
    let d = dir.to_str().expect("utf-8");
    init(&dir);
    let identity = tmp.path().join("backup.key");
    let recipient = backup_key(&identity);
    let other = tmp.path().join("other.key");
    backup_key(&other);
    let file = tmp.path().join("one.bansho-backup");
    let f = file.to_str().expect("utf-8");
    let master = dir.join("keys/master.key");
    let backup = |to: &str, extra: &[&str]| {
        let mut args = vec!["admin", "backup", "--data", d, "--to", to];
        args.extend_from_slice(extra);
        bansho(&args)
    };
    let refused = |out: Output, says: &str| {
        assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains(says), "{says:?} not in: {err}");
    };

    refused(backup(f, &[]), "no recipient");
    refused(
        backup(f, &["--recipient", "age1nope"]),
        "\"age1nope\" is not an age recipient",
    );
    refused(
        backup(
            f,
            &[
                "--recipient",
                &recipient,
                "--store",
                "postgres://u@127.0.0.1/db",
            ],
        ),
        "pg_dump",
    );
    assert!(!file.exists(), "a refused backup left a file");
    succeeds(common::bin::command(&[
        "admin",
        "backup",
        "--data",
        d,
        "--to",
        f,
        "--recipient",
        &recipient,
    ]));
    let size = std::fs::metadata(&file).expect("backup").len();
    refused(backup(f, &["--recipient", &recipient]), "already exists");
    assert_eq!(std::fs::metadata(&file).expect("backup").len(), size);

    let into = tmp.path().join("restored");
    refused(
        restore(&file, &into, &other, &master),
        "was not made for the identity",
    );
    refused(
        restore(&master, &into, &identity, &master),
        "is not a bansho backup",
    );
    let mut bytes = std::fs::read(&file).expect("read");
    let tampered = tmp.path().join("tampered.bansho-backup");
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&tampered, &bytes).expect("write");
    refused(
        restore(&tampered, &into, &identity, &master),
        "altered or cut short",
    );
    let short = tmp.path().join("short.bansho-backup");
    std::fs::write(
        &short,
        &std::fs::read(&file).expect("read")[..size as usize - 100],
    )
    .expect("write");
    refused(
        restore(&short, &into, &identity, &master),
        "altered or cut short",
    );
    refused(restore(&file, &dir, &identity, &master), "is not empty");
    let wrong = tmp.path().join("wrong.key");
    std::fs::write(&wrong, "11".repeat(32)).expect("write");
    refused(
        restore(&file, &into, &identity, &wrong),
        "does not belong to this store",
    );
    let no_key = bansho(&[
        "admin",
        "restore",
        "--from",
        f,
        "--data",
        into.to_str().expect("utf-8"),
        "--identity",
        identity.to_str().expect("utf-8"),
    ]);
    refused(no_key, "master key");
    assert!(!into.exists(), "a refused restore left {}", into.display());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "staging folders left behind");

    // An empty directory is fine.
    std::fs::create_dir(&into).expect("mkdir");
    let out = restore(&file, &into, &identity, &master);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(verify(&into).status.success());
}

fn last_row(dir: &Path) -> (i64, String, String) {
    db(dir)
        .query_row(
            "SELECT seq, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("last row")
}

#[test]
fn audit_report_writes_an_analysis_as_csv_or_pdf_after_its_row() {
    use bansho::domain::audit_event::{Action, Event, Reason};
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    // Two refused reveals by a clerk, as the service would log them.
    {
        let args = bansho::cli::StoreArgs {
            data: dir.to_path_buf(),
            store: None,
            allow_unsafe_durability: false,
        };
        let (store, keys) = bansho::cli::admin::open(&args).expect("open");
        for _ in 0..2 {
            let event = Event::denied(Action::Reveal, Reason::Forbidden);
            bansho::server::data_dir::record(store.as_ref(), &keys, "kazei09", event).expect("row");
        }
    }

    let csv = bansho(&["admin", "audit", "report", "refused", "--data", d]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let out = text(&csv.stdout);
    let mut lines = out.lines();
    assert!(lines.next().expect("header").starts_with("kind,from,to,"));
    let finding: Vec<&str> = lines.filter(|l| l.contains("kazei09")).collect();
    assert_eq!(finding.len(), 1, "{out}");
    assert!(finding[0].contains(",2,1,"), "two rows, one user: {out}");
    let (_, action, detail) = last_row(dir);
    assert_eq!(action, "audit_report");
    assert!(
        detail.contains("analysis=refused") && detail.contains("format=csv"),
        "{detail}"
    );

    // A kind that is not an analysis, or a PDF without a file: refused,
    // and nothing logged.
    let (before, _, _) = last_row(dir);
    let bad = bansho(&["admin", "audit", "report", "everything", "--data", d]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("one of after_hours, volume"),
        "{}",
        text(&bad.stderr)
    );
    let no_file = bansho(&[
        "admin", "audit", "report", "refused", "--format", "pdf", "--data", d,
    ]);
    assert!(
        text(&no_file.stderr).contains("needs --out FILE"),
        "{}",
        text(&no_file.stderr)
    );
    assert_eq!(last_row(dir).0, before);

    let Some(font) = common::font() else { return };
    let pdf = tmp.path().join("refused.pdf");
    let pdf_report = || {
        bansho(&[
            "admin",
            "audit",
            "report",
            "refused",
            "--format",
            "pdf",
            "--font",
            font.to_str().expect("utf-8"),
            "--out",
            pdf.to_str().expect("utf-8"),
            "--data",
            d,
        ])
    };
    let made = pdf_report();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&pdf).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let (_, action, detail) = last_row(dir);
    assert_eq!(action, "audit_report");
    assert!(detail.contains("format=pdf"), "{detail}");
    // A second report never overwrites the first, and is not logged.
    let (made_row, _, _) = last_row(dir);
    let again = pdf_report();
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(last_row(dir).0, made_row);
}

#[test]
fn a_roster_is_reconciled_and_its_findings_revoked_only_with_yes() {
    let tmp = private_tempdir();
    let dir = tmp.path();
    init(dir);
    let d = dir.to_str().expect("utf-8");
    for (id, department) in [("kazei02", "assessment"), ("nozei02", "collections")] {
        let add = bansho(&[
            "admin",
            "user",
            "add",
            "--data",
            d,
            "--id",
            id,
            "--name",
            "名簿 試験",
            "--role",
            "clerk",
            "--department",
            department,
        ]);
        assert!(add.status.success(), "{}", text(&add.stderr));
    }
    // HR's files live outside the service's directory.
    let files = tempfile::tempdir().expect("tmp");
    let reconcile = |name: &str, csv: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, csv).expect("write");
        bansho(&[
            "admin",
            "roster",
            "reconcile",
            "--data",
            d,
            path.to_str().expect("utf-8"),
        ])
    };
    let out = reconcile(
        "broken.csv",
        "staff_id,name,department,status\nboss,x,information_systems,active\nkazei02,y,総務課,在職\n",
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 3: unknown department"), "{stderr}");

    let out = reconcile(
        "roster.csv",
        "職員番号,氏名,所属,在籍区分\r\nboss,情報 守,情報システム課,在職\r\nkazei02,名簿 二郎,課税課,退職\r\nnozei02,名簿 三郎,納税課,在職\r\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("1 findings"), "{stdout}");
    let finding = stdout
        .lines()
        .find(|l| l.starts_with("kazei02"))
        .unwrap_or_else(|| panic!("no finding for kazei02:\n{stdout}"));
    assert!(finding.ends_with("left"), "{finding}");
    let id = field(&out.stdout, "reconciliation")
        .split_whitespace()
        .next()
        .expect("id")
        .to_owned();

    // Without --yes: shown, not done, and nothing waits on standard input.
    let out = bansho(&["admin", "roster", "revoke", "--data", d, "--id", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("would revoke 1 grants"),
        "{}",
        text(&out.stdout)
    );
    let out = bansho(&[
        "admin", "roster", "revoke", "--data", d, "--id", &id, "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 grants revoked"),
        "{}",
        text(&out.stdout)
    );
    let state: String = db(dir)
        .query_row(
            "SELECT state FROM grants WHERE user_id = 'kazei02'",
            [],
            |r| r.get(0),
        )
        .expect("grant");
    assert_eq!(state, "revoked");
    // Acted on: a second revocation is refused.
    let again = bansho(&[
        "admin", "roster", "revoke", "--data", d, "--id", &id, "--yes",
    ]);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("acted on already"),
        "{}",
        text(&again.stderr)
    );
    let ok = verify(dir);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
}
