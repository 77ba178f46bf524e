//! The real service killed with SIGKILL at a random moment during a stream
//! of writes (failed logins, declarations started) and reads, again and
//! again: after each kill the store is whole, the chain verifies, every
//! acknowledged write is there with its row, and no row claims a change
//! that is not there.
//!
//! Iterations: `BANSHO_CRASH_ITERATIONS` (default 3); each prints the
//! moment it killed at, so a failure can be tried again at that moment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use bansho::api::LoginRequest;
use bansho::api::terminal_bundle::TerminalBundle;
use bansho::client::ApiClient;
use bansho::secret::{Pin, TotpCode};
use bansho::server::totp;

fn bansho(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bansho"))
        .args(args)
        .stdin(Stdio::null())
        .env_remove("BANSHO_MASTER_KEY")
        .output()
        .expect("run bansho")
}

fn ok(args: &[&str]) -> String {
    let out = bansho(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn field(stdout: &str, name: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("{name} in {stdout}"))
}

struct Account {
    pin: String,
    secret: Vec<u8>,
}

fn add_clerk(data: &str, id: &str) -> Account {
    let out = ok(&[
        "admin",
        "user",
        "add",
        "--id",
        id,
        "--name",
        "試験 職員",
        "--role",
        "clerk",
        "--department",
        "assessment",
        "--data",
        data,
    ]);
    // The crash is the subject, not the first login's PIN change (tested
    // in tests/api/credentials.rs): the handed-over PIN counts as changed.
    let db = rusqlite::Connection::open(Path::new(data).join("bansho.db")).expect("open");
    db.execute(
        "UPDATE staff SET pin_change_required = 0 WHERE user_id = ?1",
        [id],
    )
    .expect("update");
    let secret = totp::from_base32(&field(&out, "TOTP secret:")).expect("base32 secret");
    Account {
        pin: field(&out, "PIN:"),
        secret: secret.to_vec(),
    }
}

/// The running service; killed (SIGKILL) and reaped when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        // SIGKILL: no shutdown, no flush, nothing the service could finish.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &Path, log: &Path) -> (Service, String) {
    let file = std::fs::File::create(log).expect("log file");
    let child = Service(
        Command::new(env!("CARGO_BIN_EXE_bansho"))
            .args(["serve", "--data", data.to_str().expect("utf-8")])
            .args(["--listen", "127.0.0.1:0"])
            .env_remove("BANSHO_MASTER_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("serve"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(line) = text
            .lines()
            .find(|l| l.contains("records service listening"))
        {
            let at = line.find("127.0.0.1:").expect("address");
            let addr: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            return (child, format!("https://{addr}"));
        }
        assert!(Instant::now() < deadline, "serve did not start:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the clients were told was done.
#[derive(Default)]
struct Acknowledged {
    /// Failed logins answered 401, per guessed user ID.
    failures: HashMap<String, i64>,
    searches: i64,
    /// Declarations whose start was answered, by id.
    entries: Vec<String>,
    /// Drafts whose save was answered.
    drafts: i64,
}

async fn stream(
    base: String,
    bundle: std::sync::Arc<TerminalBundle>,
    clerk: (String, Account),
    run: usize,
    persons: Vec<String>,
) -> Acknowledged {
    let client = ApiClient::for_terminal(&base, &bundle).expect("client");
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let (id, account) = clerk;
    let login = LoginRequest {
        user_id: id,
        pin: Pin::new(&account.pin),
        totp: TotpCode::new(totp::code_at(&account.secret, 6, now)),
        purpose: Some("assessment".into()),
    };
    let session = client.with_token(client.login(&login).await.expect("login").token);
    let mut acked = Acknowledged::default();
    let reads = tokio::spawn({
        let session = session.clone();
        async move {
            let mut done = 0;
            loop {
                match session.search("タカハシ").await {
                    Ok(_) => done += 1,
                    Err(_) => return done,
                }
            }
        }
    });
    let keying = tokio::spawn({
        let session = session.clone();
        async move {
            let mut started = Vec::new();
            for person in persons {
                let request = bansho::api::entry::StartEntryRequest {
                    form: "juminzei_shinkoku".into(),
                    person,
                    paper: format!("crash/{run}"),
                    batch: None,
                };
                match session.start_entry(&request).await {
                    Ok(entry) => started.push(entry.id),
                    // A refusal (a person one may not key for) is no write.
                    Err(e) if e.status().is_some_and(|s| s < 500) => {}
                    Err(_) => return (started, 0),
                }
            }
            // Then drafts saved over and over until the service is gone.
            let mut drafts = 0;
            for n in 0.. {
                let Some(id) = started.get(n % started.len().max(1)) else {
                    break;
                };
                let mut fields = std::collections::BTreeMap::new();
                fields.insert(
                    "taxpayer.name".to_string(),
                    bansho::secret::KeyedValue::new(format!("試験 {n}")),
                );
                let draft = bansho::api::entry::FieldsRequest { fields };
                match session.save_draft(id, &draft).await {
                    Ok(_) => drafts += 1,
                    Err(_) => break,
                }
            }
            (started, drafts)
        }
    });
    for n in 0.. {
        let guess = format!("crash{run}x{}", n / 3);
        let request = LoginRequest {
            user_id: guess.clone(),
            pin: Pin::new("not-a-pin-000"),
            totp: TotpCode::new("000000"),
            purpose: None,
        };
        match client.login(&request).await {
            Err(e) if e.status() == Some(401) => *acked.failures.entry(guess).or_default() += 1,
            _ => break,
        }
    }
    acked.searches = reads.await.unwrap_or(0);
    (acked.entries, acked.drafts) = keying.await.unwrap_or_default();
    acked
}

fn count(db: &rusqlite::Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> i64 {
    db.query_row(sql, args, |r| r.get(0)).expect(sql)
}

/// After a stop: the store is whole, every acknowledged write is there
/// with its row, no row stands alone, and the chain verifies.
fn check_store(
    data: &Path,
    keys: &bansho::server::crypto::Keys,
    run: usize,
    clerk: &str,
    acked: &Acknowledged,
) {
    let db = rusqlite::Connection::open(data.join("bansho.db")).expect("open");
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok", "run {run}");
    for (guess, failures) in &acked.failures {
        let attempts: i64 = db
            .query_row(
                "SELECT attempts FROM login_guard WHERE key = ?1",
                [keys.login_guard_key(guess)],
                |r| r.get(0),
            )
            .unwrap_or(0);
        let counted = count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'login_attempt' AND user_id = ?1",
            &[guess],
        );
        let refused = count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'login' AND outcome = 'failure' AND user_id = ?1",
            &[guess],
        );
        // Each count is there with its row, and no row without it.
        assert_eq!(
            attempts, counted,
            "run {run}, {guess}: counter and rows agree"
        );
        assert!(
            refused >= *failures,
            "run {run}, {guess}: every answered failure logged"
        );
        assert!(
            counted >= refused,
            "run {run}, {guess}: no failure without its count"
        );
    }
    let searches = count(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'search' AND outcome = 'ok' AND user_id = ?1",
        &[&clerk],
    );
    assert!(
        searches >= acked.searches,
        "run {run}: every answered search logged"
    );
    for id in &acked.entries {
        let stored = count(&db, "SELECT count(*) FROM entries WHERE id = ?1", &[id]);
        assert_eq!(stored, 1, "run {run}: every answered start is stored");
    }
    let entries = count(&db, "SELECT count(*) FROM entries", &[]);
    let started = count(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'entry_start' AND outcome = 'ok'",
        &[],
    );
    assert_eq!(entries, started, "run {run}: one start row per declaration");
    let drafts = count(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'entry_draft' AND outcome = 'ok' AND user_id = ?1",
        &[&clerk],
    );
    assert!(
        drafts >= acked.drafts,
        "run {run}: every answered draft logged"
    );
    let sessions = count(&db, "SELECT count(*) FROM sessions", &[]);
    let logins = count(
        &db,
        "SELECT count(*) FROM audit_log WHERE action = 'login' AND outcome = 'ok'",
        &[],
    );
    assert_eq!(sessions, logins, "run {run}: one session per login row");
    drop(db);
    let verify = bansho(&[
        "admin",
        "audit",
        "verify",
        "--data",
        data.to_str().expect("utf-8"),
    ]);
    assert!(
        verify.status.success(),
        "run {run}: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A service directory with 200 residents, loose rate limits and one
/// enrolled terminal.
struct Fixture {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    data: PathBuf,
    bundle: std::sync::Arc<TerminalBundle>,
    keys: bansho::server::crypto::Keys,
    log: PathBuf,
    /// The seeded residents' internal numbers.
    persons: Vec<String>,
}

fn private_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .expect("tmp")
}

fn fixture() -> Fixture {
    let tmp = private_dir();
    let data: PathBuf = tmp.path().join("data");
    let d = data.to_str().expect("utf-8").to_string();
    ok(&["admin", "init", "--data", &d]);
    ok(&["admin", "seed", "--residents", "200", "--data", &d]);
    std::fs::write(
        data.join("bansho.toml"),
        "[login]\nper_terminal_per_minute = 600\n[reads]\nper_second = 10000\nburst = 10000\n",
    )
    .expect("settings");
    std::fs::set_permissions(
        data.join("bansho.toml"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod settings");
    let outputs = private_dir();
    let bundle_path = outputs.path().join("t.toml");
    ok(&[
        "admin",
        "terminal",
        "enroll",
        "crash-01",
        "--data",
        &d,
        "--out",
        bundle_path.to_str().expect("utf-8"),
    ]);
    let bundle = std::sync::Arc::new(TerminalBundle::load(&bundle_path).expect("bundle"));
    let (_, keys) = bansho::server::data_dir::open(&data).expect("keys");
    let log = outputs.path().join("serve.log");
    let db = rusqlite::Connection::open(data.join("bansho.db")).expect("open");
    let persons = db
        .prepare("SELECT person_number FROM residents WHERE status = 'resident' ORDER BY 1")
        .expect("persons")
        .query_map([], |r| r.get(0))
        .expect("persons")
        .collect::<Result<Vec<String>, _>>()
        .expect("persons");
    drop(db);
    Fixture {
        persons,
        _dirs: (tmp, outputs),
        data,
        bundle,
        keys,
        log,
    }
}

fn clerk(f: &Fixture, id: &str) -> (String, Account) {
    (
        id.to_string(),
        add_clerk(f.data.to_str().expect("utf-8"), id),
    )
}

/// Run `run`'s share of the residents: one open declaration per person.
fn persons_for(f: &Fixture, run: usize, runs: usize) -> Vec<String> {
    let share = f.persons.len() / runs.max(1);
    f.persons[run * share..(run + 1) * share].to_vec()
}

#[test]
fn sigkill_during_writes_and_reads_loses_no_acknowledged_write_and_no_row_stands_alone() {
    let iterations: usize = std::env::var("BANSHO_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let f = fixture();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for run in 0..iterations {
        let clerk = clerk(&f, &format!("crash{run:02}"));
        let id = clerk.0.clone();
        let (child, base) = start(&f.data, &f.log);
        let persons = persons_for(&f, run, iterations);
        let work = runtime.spawn(stream(base, f.bundle.clone(), clerk, run, persons));
        // Let the stream get going, then kill mid-stream at a moment of
        // its own.
        let moment = rand::random_range(800..2500);
        eprintln!("run {run}: SIGKILL after {moment} ms");
        std::thread::sleep(Duration::from_millis(moment));
        drop(child);
        let acked = runtime.block_on(work).expect("stream");
        eprintln!(
            "run {run}: acknowledged {} failed logins, {} searches, {} declarations started, {} drafts",
            acked.failures.values().sum::<i64>(),
            acked.searches,
            acked.entries.len(),
            acked.drafts
        );
        assert!(
            !acked.failures.is_empty() && acked.searches > 0 && !acked.entries.is_empty(),
            "run {run}: the stream did some work before the kill"
        );
        check_store(&f.data, &f.keys, run, &id, &acked);
    }
}

/// SIGTERM under load: the listener closes, the requests under way are
/// answered, the service exits 0 after saying every connection finished,
/// and nothing it acknowledged is missing.
#[test]
fn sigterm_under_load_finishes_the_requests_under_way_and_exits_cleanly() {
    let f = fixture();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let clerk = clerk(&f, "term00");
    let (mut child, base) = start(&f.data, &f.log);
    let persons = persons_for(&f, 0, 1);
    let work = runtime.spawn(stream(base, f.bundle.clone(), clerk, 0, persons));
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success(), "SIGTERM sent");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not stop within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&f.log).unwrap_or_default();
    assert!(status.success(), "exit after SIGTERM: {status:?}\n{log}");
    assert!(
        log.contains("every connection finished") && log.contains("records service stopped"),
        "the drain and the stop are logged:\n{log}"
    );
    let acked = runtime.block_on(work).expect("stream");
    assert!(
        !acked.failures.is_empty() && acked.searches > 0 && !acked.entries.is_empty(),
        "the stream did some work before the stop"
    );
    check_store(&f.data, &f.keys, 0, "term00", &acked);
}
