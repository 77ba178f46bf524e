//! Signed checkpoints of the access log, through the real binary:
//! `bansho admin audit keygen`, `checkpoint` and `verify`, and what verify
//! finds when the log or its checkpoints were tampered with by someone
//! holding the store (and even its master key), but not the signing key.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use bansho::store::AuditStore;
use bansho::store::chain::entry_mac;
use common::bin::{field, output as bansho, text};
use common::private_tempdir;

/// A service directory and, beside it (not inside), a folder for the key.
struct Office {
    tmp: tempfile::TempDir,
}

impl Office {
    fn new() -> Self {
        let tmp = private_tempdir();
        common::bin::init(&tmp.path().join("data"), &["--admin-user", "boss"]);
        Self { tmp }
    }

    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn d(&self) -> String {
        self.data().to_str().expect("utf-8").to_string()
    }

    fn key(&self) -> PathBuf {
        self.tmp.path().join("usb").join("checkpoint.key")
    }

    fn keygen(&self) -> Output {
        keygen(&self.key())
    }

    fn checkpoint(&self) -> Output {
        bansho(&[
            "admin",
            "audit",
            "checkpoint",
            "--data",
            &self.d(),
            "--key",
            self.key().to_str().expect("utf-8"),
        ])
    }

    fn verify(&self) -> Output {
        bansho(&["admin", "audit", "verify", "--data", &self.d()])
    }

    /// Some access-log rows (each `user list` writes one).
    fn work(&self, rows: usize) {
        for _ in 0..rows {
            assert!(
                bansho(&["admin", "user", "list", "--data", &self.d()])
                    .status
                    .success()
            );
        }
    }

    /// The store file with its append-only triggers removed, as someone with
    /// the file in hand could do.
    fn db(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.data().join("bansho.db")).expect("open store");
        c.execute_batch(
            "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;
             DROP TRIGGER IF EXISTS audit_checkpoints_no_update;
             DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
        )
        .expect("drop triggers");
        c
    }

    fn rows(&self) -> i64 {
        self.db()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .expect("count")
    }

    /// A log with a checkpoint of its first rows and more rows after it.
    fn checkpointed() -> (Self, i64) {
        let office = Self::new();
        succeeds_out(office.keygen());
        office.work(3);
        let out = succeeds_out(office.checkpoint());
        let size: i64 = field(&out.stdout, "rows:").parse().expect("size");
        office.work(2);
        let verified = office.verify();
        assert!(verified.status.success(), "{}", text(&verified.stderr));
        (office, size)
    }
}

fn keygen(path: &Path) -> Output {
    bansho(&[
        "admin",
        "audit",
        "keygen",
        "--out",
        path.to_str().expect("utf-8"),
    ])
}

fn succeeds_out(out: Output) -> Output {
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

fn assert_broken(out: &Output, says: &str) {
    assert!(!out.status.success(), "verify passed a tampered log");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(says), "{stderr}");
}

#[test]
fn a_checkpoint_is_signed_stored_printed_and_verified() {
    let office = Office::new();
    let made = succeeds_out(office.keygen());
    let verifier = field(&made.stdout, "verifier key:");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(office.key())
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never over an existing file.
    assert!(!office.keygen().status.success());

    office.work(2);
    let rows = office.rows();
    let out = succeeds_out(office.checkpoint());
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert!(lines.next().is_some_and(|l| l.starts_with("bansho-audit/")));
    assert_eq!(lines.next(), Some(rows.to_string().as_str()));
    assert!(stdout.contains("\n\n\u{2014} bansho.audit "), "{stdout}");
    let fingerprint = field(&out.stdout, "fingerprint:");
    assert_eq!(fingerprint.len(), 19, "{fingerprint}");
    assert_eq!(field(&out.stdout, "verifier key:"), verifier);
    // The verifier key is kept in the service directory; the signing key is not.
    let kept = std::fs::read_to_string(office.data().join("keys/audit-checkpoint.verifier"))
        .expect("verifier kept");
    assert_eq!(kept.trim(), verifier);
    let key_text = std::fs::read_to_string(office.key()).expect("key");
    // PRIVATE+KEY+<name>+<id>+<base64>: the base64 may itself hold '+'.
    let secret = key_text.trim().splitn(5, '+').nth(4).expect("key bytes");
    assert!(!secret.is_empty(), "no key bytes in the key file");
    for entry in walk(&office.data()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the signing key is in {}",
            entry.display()
        );
    }

    // Its own row records it, after the rows it covers.
    let (action, detail): (String, String) = office
        .db()
        .query_row(
            "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    assert_eq!(action, "audit_checkpoint");
    assert_eq!(
        detail,
        format!("checkpoint_size={rows};fingerprint={fingerprint}")
    );

    office.work(1);
    let verified = succeeds_out(office.verify());
    assert!(
        text(&verified.stdout).contains(&format!(
            "extends its latest signed checkpoint: {rows} rows, fingerprint {fingerprint}"
        )),
        "{}",
        text(&verified.stdout)
    );
    let latest = succeeds_out(bansho(&[
        "admin",
        "audit",
        "checkpoint",
        "--data",
        &office.d(),
        "--latest",
    ]));
    assert_eq!(field(&latest.stdout, "fingerprint:"), fingerprint);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_key_in_the_service_directory_others_can_read_or_another_key_is_refused() {
    let office = Office::new();
    let inside = office.data().join("checkpoint.key");
    succeeds_out(keygen(&inside));
    let out = bansho(&[
        "admin",
        "audit",
        "checkpoint",
        "--data",
        &office.d(),
        "--key",
        inside.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("inside the service directory"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(&inside).expect("remove");

    succeeds_out(office.keygen());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(office.key(), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let out = office.checkpoint();
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("chmod 600"),
            "{}",
            text(&out.stderr)
        );
        std::fs::set_permissions(office.key(), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
    }
    succeeds_out(office.checkpoint());

    // Another key is not this directory's checkpoint key.
    let other = office.tmp.path().join("other.key");
    succeeds_out(keygen(&other));
    let out = bansho(&[
        "admin",
        "audit",
        "checkpoint",
        "--data",
        &office.d(),
        "--key",
        other.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not the checkpoint key"),
        "{}",
        text(&out.stderr)
    );
}

/// Cutting rows from the end leaves a chain that verifies (nothing after
/// the cut points back at it); the checkpoint's size does not.
#[test]
fn a_cut_tail_is_detected() {
    let (office, size) = Office::checkpointed();
    office
        .db()
        .execute("DELETE FROM audit_log WHERE seq >= ?1", [size])
        .expect("cut");
    assert_broken(&office.verify(), "cut from its end");
    // And a new checkpoint is not signed over the cut log.
    let out = office.checkpoint();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("nothing was signed"));
}

#[test]
fn a_forged_signature_is_detected() {
    let (office, size) = Office::checkpointed();
    let db = office.db();
    let note: String = db
        .query_row(
            "SELECT note FROM audit_checkpoints WHERE size = ?1",
            [size],
            |r| r.get(0),
        )
        .expect("note");
    // One bit of the signature changed.
    let (text_part, sig_line) = note.split_at(note.rfind(' ').expect("signature") + 1);
    let mut sig = sig_line.trim_end().to_string();
    let flipped = if sig.as_bytes()[20] == b'A' { "B" } else { "A" };
    sig.replace_range(20..21, flipped);
    let forged = format!("{text_part}{sig}\n");
    db.execute(
        "UPDATE audit_checkpoints SET note = ?1 WHERE size = ?2",
        rusqlite::params![forged, size],
    )
    .expect("forge");
    drop(db);
    assert_broken(&office.verify(), "no valid signature");
    let last: String = office
        .db()
        .query_row(
            "SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(last, "checkpoint_signature");
}

/// A checkpoint of another office's log, signed with the same key, put in
/// place of this one's; and one signed by a key made for the purpose.
#[test]
fn a_swapped_checkpoint_is_detected() {
    let (office, _) = Office::checkpointed();
    let other = Office::new();
    std::fs::create_dir_all(other.key().parent().expect("dir")).expect("dir");
    std::fs::copy(office.key(), other.key()).expect("same key");
    other.work(20);
    succeeds_out(other.checkpoint());
    let (size, note, verifier): (i64, String, String) = other
        .db()
        .query_row(
            "SELECT size, note, verifier FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("other's checkpoint");
    office
        .db()
        .execute(
            "INSERT INTO audit_checkpoints(size, note, verifier, made_at) VALUES (?1, ?2, ?3, '2026-12-01T09:00:00.000000Z')",
            rusqlite::params![size, note, verifier],
        )
        .expect("swap in");
    assert_broken(&office.verify(), "of another log");

    // A checkpoint signed with a new key the attacker made.
    let (office, size) = Office::checkpointed();
    let rogue = office.tmp.path().join("rogue.key");
    succeeds_out(keygen(&rogue));
    let key = bansho::store::checkpoint::SignerKey::parse(
        &std::fs::read_to_string(&rogue).expect("rogue key"),
    )
    .expect("key");
    let (store, _) = bansho::server::data_dir::open(&office.data()).expect("open");
    let (_, row) =
        bansho::store::checkpoint::make(store.as_ref(), &key, time::OffsetDateTime::now_utc())
            .expect("make")
            .expect("a log");
    drop(store);
    office
        .db()
        .execute(
            "UPDATE audit_checkpoints SET note = ?1, verifier = ?2 WHERE size = ?3",
            rusqlite::params![row.note, row.verifier, size],
        )
        .expect("swap");
    assert_broken(&office.verify(), "no valid signature");
}

/// Someone with the store and its master key edits a row and chains every
/// row after it again: the chain verifies, the checkpoint does not.
#[test]
fn a_rewritten_row_chained_again_is_detected_by_the_checkpoint() {
    let (office, size) = Office::checkpointed();
    let (store, keys) = bansho::server::data_dir::open(&office.data()).expect("open");
    let rows = store.audit_rows(0, 1000).expect("rows");
    drop(store);
    let key = keys.audit_chain_key();
    let db = office.db();
    let target = size - 1;
    let mut prev = rows[(target - 2) as usize].hash.clone();
    for row in rows.iter().filter(|r| r.seq >= target) {
        let mut entry = row.entry.clone();
        if row.seq == target {
            entry.outcome = bansho::domain::audit_event::Outcome::Denied;
        }
        let hash = entry_mac(&key, row.seq, &entry, &prev);
        db.execute(
            "UPDATE audit_log SET outcome = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![entry.outcome.as_str(), prev, hash, row.seq],
        )
        .expect("rechain");
        prev = hash;
    }
    drop(db);
    let (store, keys) = bansho::server::data_dir::open(&office.data()).expect("open");
    assert!(
        bansho::store::chain::verify_store(store.as_ref(), &keys.audit_chain_key())
            .expect("read")
            .is_ok(),
        "the chain itself was made again and verifies"
    );
    drop(store);
    assert_broken(&office.verify(), "rows were rewritten");
}

#[test]
fn removed_checkpoints_are_detected() {
    let (office, _) = Office::checkpointed();
    office
        .db()
        .execute("DELETE FROM audit_checkpoints", [])
        .expect("remove");
    assert_broken(&office.verify(), "checkpoints were removed");
}

#[test]
fn the_checkpoints_are_append_only() {
    let (office, size) = Office::checkpointed();
    let c = rusqlite::Connection::open(office.data().join("bansho.db")).expect("open");
    for sql in [
        format!("UPDATE audit_checkpoints SET note = 'x' WHERE size = {size}"),
        "DELETE FROM audit_checkpoints".to_string(),
    ] {
        let refused = c.execute_batch(&sql);
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("append-only")),
            "{sql}: {refused:?}"
        );
    }
}

/// The verifier key written in the paper record checks a directory that
/// lost its own copy; another key, or none at all, does not pass.
#[test]
fn verify_uses_the_directorys_verifier_key_or_the_one_given() {
    let (office, _) = Office::checkpointed();
    let kept = office.data().join("keys/audit-checkpoint.verifier");
    let verifier = std::fs::read_to_string(&kept).expect("kept");
    std::fs::remove_file(&kept).expect("remove");
    let out = office.verify();
    assert!(!out.status.success(), "checked without a verifier key");
    assert!(
        text(&out.stderr).contains("NOT CHECKED"),
        "{}",
        text(&out.stderr)
    );
    let given = |key: &str| {
        bansho(&[
            "admin",
            "audit",
            "verify",
            "--data",
            &office.d(),
            "--verifier",
            key,
        ])
    };
    succeeds_out(given(verifier.trim()));
    let other = office.tmp.path().join("other.key");
    let made = succeeds_out(keygen(&other));
    let out = given(&field(&made.stdout, "verifier key:"));
    assert_broken(&out, "no valid signature");
    assert!(!given("not-a-key").status.success());
}
