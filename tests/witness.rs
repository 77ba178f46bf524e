//! The checkpoint witness over real HTTPS on loopback, as the real
//! `bansho witness` binary: checkpoints made with `bansho admin audit
//! checkpoint --witness` are cosigned when they extend the last one it saw,
//! and `audit verify --witness-key` checks the cosignature. Someone holding
//! the store, its master key and even the checkpoint key cannot have a cut
//! or rewritten log cosigned, nor replay an old or another log's
//! checkpoint; the witness keeps its history over a restart.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use bansho::store::AuditStore;
use bansho::store::checkpoint::{self, SignerKey};
use common::bin::{field, output as bansho, text};
use common::private_tempdir;

/// A running `bansho witness`; stopped when dropped.
struct Witness {
    child: Child,
    log: PathBuf,
    dir: PathBuf,
    url: String,
    /// Its cosigning verifier key, as it printed it.
    key: String,
}

impl Witness {
    fn start(dir: &Path, log_key: &str, log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = common::bin::command(&[
            "witness",
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.to_str().expect("utf-8"),
            "--log-key",
            log_key,
        ]);
        let child = command
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("witness");
        let mut witness = Witness {
            child,
            log,
            dir: dir.to_path_buf(),
            url: String::new(),
            key: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let written = text(&std::fs::read(&witness.log).expect("log"));
            let listening = written
                .lines()
                .find_map(|l| l.split("listening on https://").nth(1));
            let key = written
                .lines()
                .find_map(|l| l.strip_prefix("bansho witness: cosigning key "));
            if let (Some(at), Some(key)) = (listening, key) {
                let addr = at.split('/').next().expect("address");
                witness.url = format!("https://{addr}");
                witness.key = key.trim().to_string();
                return witness;
            }
            if let Ok(Some(status)) = witness.child.try_wait() {
                panic!("witness ended ({status}) before listening:\n{written}");
            }
            assert!(
                Instant::now() < deadline,
                "witness did not start:\n{written}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ca(&self) -> PathBuf {
        self.dir.join("tls/ca.pem")
    }

    fn history(&self) -> usize {
        std::fs::read_to_string(self.dir.join("history.jsonl"))
            .expect("history")
            .lines()
            .count()
    }

    /// POST /add-checkpoint: status, content type, body.
    fn post(&self, body: &str) -> (u16, String, String) {
        let pem = std::fs::read(self.ca()).expect("ca");
        let url = format!("{}/add-checkpoint", self.url);
        let body = body.to_string();
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(async move {
                let client = reqwest::Client::builder()
                    .use_rustls_tls()
                    .tls_built_in_root_certs(false)
                    .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
                    .build()
                    .expect("client");
                let response = client.post(url).body(body).send().await.expect("send");
                let status = response.status().as_u16();
                let kind = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                (status, kind, response.text().await.expect("body"))
            })
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A service directory, its checkpoint key beside it (not inside), and a
/// witness directory of its own.
struct Office {
    tmp: tempfile::TempDir,
    verifier: String,
}

impl Office {
    fn new() -> Self {
        let tmp = private_tempdir();
        common::bin::init(&tmp.path().join("data"), &["--admin-user", "boss"]);
        let key = tmp.path().join("usb").join("checkpoint.key");
        let made = succeeds(bansho(&[
            "admin",
            "audit",
            "keygen",
            "--out",
            key.to_str().expect("utf-8"),
        ]));
        let verifier = field(&made.stdout, "verifier key:");
        Self { tmp, verifier }
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

    fn signer(&self) -> SignerKey {
        SignerKey::parse(&std::fs::read_to_string(self.key()).expect("key")).expect("key")
    }

    fn witness(&self) -> Witness {
        let n = std::fs::read_dir(self.tmp.path()).expect("dir").count();
        Witness::start(
            &self.tmp.path().join("witness"),
            &self.verifier,
            self.tmp.path().join(format!("witness-{n}.log")),
        )
    }

    fn work(&self, rows: usize) {
        for _ in 0..rows {
            succeeds(bansho(&["admin", "user", "list", "--data", &self.d()]));
        }
    }

    fn checkpoint(&self, witness: &Witness) -> Output {
        bansho(&[
            "admin",
            "audit",
            "checkpoint",
            "--data",
            &self.d(),
            "--key",
            self.key().to_str().expect("utf-8"),
            "--witness",
            &witness.url,
            "--witness-ca",
            witness.ca().to_str().expect("utf-8"),
            "--witness-key",
            &witness.key,
        ])
    }

    fn verify(&self, witness_key: &str) -> Output {
        bansho(&[
            "admin",
            "audit",
            "verify",
            "--data",
            &self.d(),
            "--witness-key",
            witness_key,
        ])
    }

    /// The store file with its append-only triggers removed, as someone
    /// with the file in hand could do.
    fn db(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(self.data().join("bansho.db")).expect("open store");
        for table in ["audit_log", "audit_checkpoints", "audit_cosignatures"] {
            c.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS {table}_no_update; DROP TRIGGER IF EXISTS {table}_no_delete;"
            ))
            .expect("drop triggers");
        }
        c
    }

    /// Two checkpoints, each cosigned; their sizes.
    fn witnessed(witness: &Witness, office: &Office) -> (u64, u64) {
        office.work(3);
        let first = succeeds(office.checkpoint(witness));
        assert_eq!(field(&first.stdout, "cosigned by:"), "bansho.witness");
        office.work(2);
        let second = succeeds(office.checkpoint(witness));
        let size = |out: &Output| field(&out.stdout, "rows:").parse::<u64>().expect("size");
        (size(&first), size(&second))
    }

    /// A request body: `note` from `old`, with the proof from the store's log.
    fn request(&self, old: u64, note: &str, size: u64) -> String {
        let (store, _) = bansho::server::data_dir::open(&self.data()).expect("open");
        let proof = checkpoint::log_consistency_proof(store.as_ref(), old, size)
            .expect("read")
            .expect("rows");
        bansho::witness::request::AddCheckpoint {
            old,
            proof,
            note: note.to_string(),
        }
        .to_body()
    }

    /// A checkpoint of the log as it is now, signed with `key`.
    fn sign_now(&self, key: &SignerKey) -> (u64, String) {
        let (store, _) = bansho::server::data_dir::open(&self.data()).expect("open");
        let (made, row) = checkpoint::make(store.as_ref(), key, time::OffsetDateTime::now_utc())
            .expect("make")
            .expect("a log");
        (made.size, row.note)
    }
}

fn succeeds(out: Output) -> Output {
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

fn fails_saying(out: &Output, says: &str) {
    assert!(!out.status.success(), "passed: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(says), "{stderr}");
}

#[test]
fn checkpoints_are_cosigned_verified_and_the_history_survives_a_restart() {
    let office = Office::new();
    let witness = office.witness();
    let (first, second) = Office::witnessed(&witness, &office);
    assert!(second > first);
    assert_eq!(witness.history(), 2);
    let out = succeeds(office.verify(&witness.key));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "extends the latest checkpoint the witness bansho.witness cosigned: {second} rows"
        )),
        "{stdout}"
    );
    // The cosignature is kept with the note, after the log's signature.
    let note: String = office
        .db()
        .query_row(
            "SELECT note FROM audit_cosignatures ORDER BY size DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("cosignature");
    assert!(note.contains("\u{2014} bansho.audit "), "{note}");
    assert!(
        note.ends_with('\n') && note.contains("\u{2014} bansho.witness "),
        "{note}"
    );
    // Its own key is in its directory, 0600, and nowhere in the service's.
    let key_file = witness.dir.join("keys/witness.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A restart continues from the last checkpoint it cosigned: the same
    // key, and a submission from size 0 is told that size.
    let key = witness.key.clone();
    drop(witness);
    let witness = office.witness();
    assert_eq!(witness.key, key);
    let (_, note) = office.sign_now(&office.signer());
    let (status, kind, body) = witness.post(&format!("old 0\n\n{note}"));
    assert_eq!((status, kind.as_str()), (409, "text/x.tlog.size"), "{body}");
    assert_eq!(body, format!("{second}\n"));
    office.work(1);
    succeeds(office.checkpoint(&witness));
    assert_eq!(witness.history(), 3);
    succeeds(office.verify(&witness.key));

    // Another witness key is not this one's: nothing it cosigned.
    let other = bansho::store::cosignature::CosignerKey::from_seed("bansho.witness", &[1; 32])
        .expect("key")
        .verifier()
        .to_text();
    fails_saying(
        &office.verify(&other),
        "no checkpoint cosigned by the witness key",
    );
}

/// Rows cut from the end together with the store's own checkpoint of them:
/// the store's checks pass, the witness's cosignature does not, and the
/// witness refuses the next checkpoint of the cut log.
#[test]
fn a_cut_tail_is_found_by_the_cosigned_checkpoint() {
    let office = Office::new();
    let witness = office.witness();
    let (first, second) = Office::witnessed(&witness, &office);
    let db = office.db();
    db.execute("DELETE FROM audit_log WHERE seq > ?1", [first as i64])
        .expect("cut");
    db.execute(
        "DELETE FROM audit_checkpoints WHERE size > ?1",
        [first as i64],
    )
    .expect("cut checkpoints");
    drop(db);
    let out = office.verify(&witness.key);
    fails_saying(&out, &format!("covers {second} rows"));
    fails_saying(&out, "cut from its end");
    // Even with the cosignature cut too, the witness knows the size.
    office
        .db()
        .execute(
            "DELETE FROM audit_cosignatures WHERE size > ?1",
            [first as i64],
        )
        .expect("cut cosignatures");
    let out = office.checkpoint(&witness);
    fails_saying(&out, &format!("cosigned a checkpoint of {second} rows"));
    fails_saying(&out, "stored WITHOUT the witness's cosignature");
    assert_eq!(witness.history(), 2);
}

#[test]
fn a_forged_signature_or_a_malformed_body_is_refused() {
    let office = Office::new();
    let witness = office.witness();
    office.work(2);
    let (_, note) = office.sign_now(&office.signer());
    let (head, sig) = note.split_at(note.rfind(' ').expect("signature") + 1);
    let mut sig = sig.trim_end().to_string();
    let flipped = if sig.as_bytes()[20] == b'A' { "B" } else { "A" };
    sig.replace_range(20..21, flipped);
    let (status, _, body) = witness.post(&format!("old 0\n\n{head}{sig}\n"));
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("no signature"), "{body}");
    for (bad, says) in [
        ("old 01\n\nx\n".to_string(), "line 1"),
        (format!("old 0\nAAAA\n\n{note}"), "line 2"),
        ("old 3\n".to_string(), "empty line"),
        (
            "old 0\n\norigin only\n".to_string(),
            "not a C2SP checkpoint",
        ),
    ] {
        let (status, _, body) = witness.post(&bad);
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert!(body.contains(says), "{bad:?}: {body}");
    }
    assert_eq!(witness.history(), 0);
    // The genuine note is taken.
    let (status, _, body) = witness.post(&format!("old 0\n\n{note}"));
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("\u{2014} bansho.witness "), "{body}");
}

/// An older checkpoint replayed, and a checkpoint of another office's log
/// signed with the same key.
#[test]
fn a_replayed_or_another_logs_checkpoint_is_refused() {
    let office = Office::new();
    let witness = office.witness();
    let (first, second) = Office::witnessed(&witness, &office);
    let older: String = office
        .db()
        .query_row(
            "SELECT note FROM audit_checkpoints WHERE size = ?1",
            [first as i64],
            |r| r.get(0),
        )
        .expect("older");
    let (status, kind, body) = witness.post(&office.request(first, &older, first));
    assert_eq!((status, kind.as_str()), (409, "text/x.tlog.size"), "{body}");
    assert_eq!(body, format!("{second}\n"));
    let (status, _, body) = witness.post(&format!("old {second}\n\n{older}"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("larger than the checkpoint's size"), "{body}");

    let other = Office::new();
    std::fs::copy(office.key(), other.key()).expect("same key");
    other.work(4);
    let (_, note) = other.sign_now(&office.signer());
    let (status, _, body) = witness.post(&format!("old 0\n\n{note}"));
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("another log"), "{body}");
    assert_eq!(witness.history(), 2);
}

/// Someone with the store and its master key edits a row and chains every
/// row after it again, then signs the rewritten log: with a new key the
/// witness does not trust it, with the real key the proof does not hold.
#[test]
fn a_rewritten_log_is_refused_whichever_key_signs_it() {
    let office = Office::new();
    let witness = office.witness();
    let (first, second) = Office::witnessed(&witness, &office);
    let (store, keys) = bansho::server::data_dir::open(&office.data()).expect("open");
    let rows = store.audit_rows(0, 1000).expect("rows");
    drop(store);
    let key = keys.audit_chain_key();
    let db = office.db();
    let target = first as i64 - 1;
    let mut prev = rows[(target - 2) as usize].hash.clone();
    for row in rows.iter().filter(|r| r.seq >= target) {
        let mut entry = row.entry.clone();
        if row.seq == target {
            entry.outcome = bansho::domain::audit_event::Outcome::Denied;
        }
        let hash = bansho::store::chain::entry_mac(&key, row.seq, &entry, &prev);
        db.execute(
            "UPDATE audit_log SET outcome = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![entry.outcome.as_str(), prev, hash, row.seq],
        )
        .expect("rechain");
        prev = hash;
    }
    drop(db);
    office.work(1);

    let rogue = SignerKey::from_seed("bansho.audit", &[42; 32]).expect("key");
    let (size, note) = office.sign_now(&rogue);
    let (status, _, body) = witness.post(&office.request(second, &note, size));
    assert_eq!(status, 403, "{body}");

    let (size, note) = office.sign_now(&office.signer());
    let (status, _, body) = witness.post(&office.request(second, &note, size));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("rewritten"), "{body}");
    assert_eq!(witness.history(), 2);
}

#[test]
fn a_witness_does_not_start_in_a_service_directory_or_without_a_log_key() {
    let office = Office::new();
    let out = bansho(&[
        "witness",
        "--listen",
        "127.0.0.1:0",
        "--data",
        &office.d(),
        "--log-key",
        &office.verifier,
    ]);
    fails_saying(&out, "is a bansho service directory");
    assert!(!office.data().join("keys/witness.key").exists());
    let dir = office.tmp.path().join("witness");
    let out = bansho(&["witness", "--data", dir.to_str().expect("utf-8")]);
    fails_saying(&out, "--log-key");
    let out = bansho(&[
        "witness",
        "--data",
        dir.to_str().expect("utf-8"),
        "--log-key",
        "not-a-key",
    ]);
    fails_saying(&out, "neither a log verifier key");
}
