//! The `bansho admin` commands, run as the real binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bansho(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bansho"))
        .args(args)
        .stdin(Stdio::null())
        .env_remove("BANSHO_MASTER_KEY")
        .output()
        .expect("run bansho")
}

/// A temporary directory only its owner can use, as a data directory must
/// be (tempfile makes them 0777 less the umask).
fn private_tempdir() -> tempfile::TempDir {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir().expect("tmp")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn init(dir: &Path) -> Output {
    let out = bansho(&[
        "admin",
        "init",
        "--data",
        dir.to_str().expect("utf-8"),
        "--admin-user",
        "boss",
    ]);
    assert!(out.status.success(), "init failed: {}", text(&out.stderr));
    out
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
        ["admin_init", "admin_seed", "staff_add", "audit_verify"],
        "{actions:?}"
    );
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
    let bundle = bansho::client::tls::TerminalBundle::load(&out_path).expect("bundle parses");
    assert_eq!(bundle.terminal, "counter-01");
    assert!(bundle.certificate.contains("BEGIN CERTIFICATE"));

    let again = bansho(&[
        "admin",
        "terminal",
        "enroll",
        "counter-01",
        "--data",
        d,
        "--out",
        out,
    ]);
    assert!(!again.status.success(), "a name is enrolled once");

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
        let error = bansho::client::tls::TerminalBundle::load(&path).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }
}
