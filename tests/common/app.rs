//! A real records service on a random loopback port over a fresh SQLite
//! store in a temporary directory, with a manual clock, the demo staff (and
//! a misfit account) and a few known residents.

use std::sync::Arc;

use bansho::api::terminal_bundle::TerminalBundle;
use bansho::api::{LoginRequest, LoginResponse};
use bansho::client::{ApiClient, ClientError};
use bansho::domain::my_number::MyNumber;
use bansho::domain::person_number::PersonNumber;
use bansho::domain::resident::{ResidentStatus, Sex};
use bansho::domain::synth::{self, SyntheticResident};
use bansho::secret::{Pin, TotpCode};
use bansho::server::clock::{Clock, ManualClock};
use bansho::server::crypto::Keys;
use bansho::server::data_dir;
use bansho::server::{AppState, ServerConfig};
use bansho::store::prelude::*;
use bansho::store::sqlite::SqliteStore;
use bansho::testkit::{Account, Roster, RunningService};
use time::macros::{date, datetime};

pub const CLERK: &str = "kazei01";
pub const COLLECTIONS: &str = "nozei01";
pub const SUPERVISOR: &str = "shunin01";
pub const IT: &str = "joho01";
pub const AUDITOR: &str = "kansa01";
/// An account whose role and department do not fit together: it may do
/// nothing at all, which lets every route be checked against a refusal.
pub const MISFIT: &str = "misfit01";
pub const ALL_STAFF: [&str; 6] = [CLERK, COLLECTIONS, SUPERVISOR, IT, AUDITOR, MISFIT];

/// Residents every test can count on, besides the synthetic ones.
pub struct Known;
impl Known {
    pub const TAKAHASHI: &'static str = "9000000001";
    pub const TAKAHASHI_MY_NUMBER: &'static str = "123456789018";
    pub const YAMAZAKI: &'static str = "9000000002";
    pub const PROTECTED: &'static str = "9000000003";
    pub const PROTECTED_ADDRESS: &'static str = "番所市北町9丁目9番9号";
    pub const DECEASED: &'static str = "9000000004";
}

pub const TERMINAL: &str = "counter-01";

pub struct TestApp {
    pub base: String,
    pub bundle: TerminalBundle,
    pub clock: Arc<ManualClock>,
    pub store: Arc<SqliteStore>,
    pub keys: Arc<Keys>,
    pub dir: tempfile::TempDir,
    /// The service's journal, to set a failure point.
    pub journal: bansho::server::journal::Journal,
    staff: Roster,
    _service: RunningService,
}

#[allow(clippy::too_many_arguments)]
fn known(
    person: &str,
    my_number: &str,
    family: (&str, &str),
    given: (&str, &str),
    birth: time::Date,
    status: ResidentStatus,
    support_measure: bool,
    address: &str,
) -> SyntheticResident {
    SyntheticResident {
        person_number: PersonNumber::parse(person).expect("valid person number"),
        my_number: MyNumber::parse(my_number).expect("valid My Number"),
        family_name: family.0.into(),
        family_kana: family.1.into(),
        given_name: given.0.into(),
        given_kana: given.1.into(),
        birth_date: birth,
        sex: Sex::Male,
        postal_code: "060-0001".into(),
        address: address.into(),
        status,
        support_measure,
        left_on: None,
    }
}

pub fn known_residents() -> Vec<SyntheticResident> {
    vec![
        known(
            Known::TAKAHASHI,
            Known::TAKAHASHI_MY_NUMBER,
            ("髙橋", "タカハシ"),
            ("一郎", "イチロウ"),
            date!(1993 - 01 - 01),
            ResidentStatus::Resident,
            false,
            "番所市本町3丁目4番5号",
        ),
        known(
            Known::YAMAZAKI,
            "621498320257",
            ("山﨑", "ヤマザキ"),
            ("京子", "キョウコ"),
            date!(1961 - 03 - 15),
            ResidentStatus::MovedOut,
            false,
            "番所市南町1丁目2番3号",
        ),
        known(
            Known::PROTECTED,
            "023456789013",
            ("齋藤", "サイトウ"),
            ("美咲", "ミサキ"),
            date!(1988 - 07 - 07),
            ResidentStatus::Resident,
            true,
            Known::PROTECTED_ADDRESS,
        ),
        known(
            Known::DECEASED,
            "123456789050",
            ("渡邊", "ワタナベ"),
            ("清", "キヨシ"),
            date!(1931 - 11 - 03),
            ResidentStatus::Deceased,
            false,
            "番所市西町2丁目1番1号",
        ),
    ]
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config(), 300).await
}

/// The service's defaults, but with room for the many logins a test makes
/// from its one terminal within a minute.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        terminal_logins_per_minute: 10_000,
        ..ServerConfig::default()
    }
}

pub async fn spawn_app_with(config: ServerConfig, residents: u64) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    let (store, keys, staff, bundle) = tokio::task::spawn_blocking(move || {
        let (store, keys) = data_dir::init(&path, &[]).expect("init store");
        let bundle = data_dir::enroll_terminal(store.as_ref(), &keys, &path, TERMINAL, None)
            .expect("enroll terminal");
        let mut staff = Roster::default();
        let misfit = data_dir::NewStaff::generated(
            MISFIT,
            "誤設定",
            bansho::domain::roles::Role::Clerk,
            bansho::domain::roles::Department::Audit,
        )
        .keeping_pin();
        for s in data_dir::demo_staff().into_iter().chain([misfit]) {
            staff
                .create(store.as_ref(), &keys, &s, START)
                .expect("create staff");
        }
        let rows: Vec<_> = known_residents()
            .iter()
            .map(|r| data_dir::resident_row(&keys, r))
            .collect();
        store.insert_residents(&rows).expect("known residents");
        data_dir::seed_residents(
            store.as_ref(),
            &keys,
            synth::Origin::varied(7),
            residents,
            |_| {},
        )
        .expect("seed");
        (store, keys, staff, bundle)
    })
    .await
    .expect("setup");
    let keys = Arc::new(keys);
    let clock = Arc::new(ManualClock::new(START));
    let state = AppState::new(store.clone(), keys.clone(), clock.clone(), config);
    let journal = state.journal.clone();
    let service = RunningService::start(state, dir.path())
        .await
        .expect("start service");
    let base = service.url().to_string();
    TestApp {
        base,
        bundle,
        clock,
        store,
        keys,
        dir,
        journal,
        staff,
        _service: service,
    }
}

/// Monday morning at the office; mid-step so the TOTP window is predictable.
pub const START: time::OffsetDateTime = datetime!(2026-11-23 00:00:10 UTC);

impl TestApp {
    /// A client on the registered test terminal (mutual TLS).
    pub fn client(&self) -> ApiClient {
        ApiClient::for_terminal(&self.base, &self.bundle).expect("client")
    }

    /// Registers another terminal and returns a client on it.
    pub fn enroll(&self, name: &str) -> (ApiClient, TerminalBundle) {
        let bundle =
            data_dir::enroll_terminal(self.store.as_ref(), &self.keys, self.dir.path(), name, None)
                .expect("enroll");
        let client = ApiClient::for_terminal(&self.base, &bundle).expect("client");
        (client, bundle)
    }

    /// What the holder of `user`'s account knows.
    pub fn account(&self, user: &str) -> &Account {
        self.staff
            .get(user)
            .unwrap_or_else(|| panic!("{user} is not on the test roster"))
    }

    pub fn secret(&self, user: &str) -> Vec<u8> {
        self.account(user).totp_secret.to_vec()
    }

    pub fn pin(&self, user: &str) -> Pin {
        self.account(user).pin.clone()
    }

    /// The code `user`'s authenticator shows at the service's current time.
    pub fn code(&self, user: &str) -> TotpCode {
        self.code_at(user, self.clock.now())
    }

    pub fn code_at(&self, user: &str, at: time::OffsetDateTime) -> TotpCode {
        self.account(user).code_at(at)
    }

    pub fn login_request(&self, user: &str, purpose: &str) -> LoginRequest {
        self.account(user).login_request(purpose, self.clock.now())
    }

    pub async fn try_login(&self, user: &str) -> Result<LoginResponse, ClientError> {
        self.client()
            .login(&self.login_request(user, purpose_of(user)))
            .await
    }

    /// Logs `user` in with a fresh code (moving the clock to the next step
    /// so that the one-time rule never gets in the way) and returns a client
    /// holding the session.
    pub async fn login(&self, user: &str) -> ApiClient {
        self.next_step();
        let response = self.try_login(user).await.expect("login");
        self.client().with_token(response.token)
    }

    /// Moves the clock to the start of the next 30-second step (+1 s).
    pub fn next_step(&self) {
        self.clock.set(bansho::testkit::next_step(self.clock.now()));
    }

    pub fn audit_tail(&self, n: usize) -> Vec<bansho::store::AuditRecord> {
        self.store.audit_tail(n).expect("audit tail")
    }

    /// The newest `n` rows other than the counted login attempts, newest
    /// first: what each request came to.
    pub fn outcome_tail(&self, n: usize) -> Vec<bansho::store::AuditRecord> {
        let mut rows = self.audit_tail(n * 3 + 10);
        rows.retain(|r| r.entry.action != "login_attempt");
        rows.truncate(n);
        rows
    }

    /// Stops the service and gives up the store, keeping the data
    /// directory: for the `bansho serve` binary to run on it next.
    pub async fn stop(self) -> (tempfile::TempDir, TerminalBundle) {
        let TestApp {
            dir,
            bundle,
            _service,
            store,
            journal,
            ..
        } = self;
        drop((_service, journal, store));
        // The service's task ends on its next turn of the runtime.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        (dir, bundle)
    }

    /// A raw connection to the store file, as an attacker or a broken disk
    /// would see it.
    pub fn raw_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(data_dir::db_path(self.dir.path())).expect("open db")
    }
}

/// The TLS refusal in `error`, which must be one.
pub fn tls_problem(error: ClientError) -> bansho::client::tls::TlsProblem {
    match error {
        ClientError::Tls(problem) => problem,
        other => panic!("expected a TLS refusal, got: {other}"),
    }
}

pub fn purpose_of(user: &str) -> &'static str {
    match user {
        COLLECTIONS => "collection",
        IT => "system_operation",
        AUDITOR | MISFIT => "audit",
        _ => "assessment",
    }
}
