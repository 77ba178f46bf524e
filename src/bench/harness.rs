//! A real records service for a benchmark: in this process, on
//! 127.0.0.1:0, over mutual TLS with a freshly enrolled terminal, with its
//! own staff accounts logged in through the API (PIN + computed TOTP code).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use time::OffsetDateTime;

use crate::api::terminal_bundle::TerminalBundle;
use crate::client::ApiClient;
use crate::domain::roles::{Department, Role};
use crate::domain::synth::{City, Origin};
use crate::server::clock::SystemClock;
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, NewStaff};
use crate::server::{AppState, ServerConfig};
use crate::store::prelude::*;
use crate::store::sqlite::SqliteStore;
use crate::testkit::{Account, RunningService};

/// The role of every benchmark account: assessment clerks, whose searches
/// cover every kind of term (the My Number among them).
pub const STAFF_ROLE: (Role, Department) = (Role::Clerk, Department::Assessment);

/// Durations of the search requests as the service saw them: from the
/// request reaching the router (after TLS and HTTP parsing) to the response
/// being ready, so terminal check, session check, rate limit, search,
/// durable audit row and JSON encoding are all inside.
#[derive(Debug, Clone, Default)]
pub struct ServerTimes(Arc<Mutex<Vec<Duration>>>);

impl ServerTimes {
    fn push(&self, d: Duration) {
        if let Ok(mut v) = self.0.lock() {
            v.push(d);
        }
    }

    /// The durations recorded since the last call.
    pub fn take(&self) -> Vec<Duration> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Every request as the service saw it, by path (the transfer benchmark
/// separates the service's time from the client's this way).
#[derive(Debug, Clone, Default)]
pub struct RequestTimes(Arc<Mutex<Vec<(String, Duration)>>>);

impl RequestTimes {
    fn push(&self, path: String, d: Duration) {
        if let Ok(mut v) = self.0.lock() {
            v.push((path, d));
        }
    }

    /// The requests recorded since the last call, in the order they ended.
    pub fn take(&self) -> Vec<(String, Duration)> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

pub struct Harness {
    pub store: Arc<SqliteStore>,
    /// The running service's state (its store, keys and store slots).
    pub state: AppState,
    pub keys: Arc<Keys>,
    pub bundle: TerminalBundle,
    pub base: String,
    pub dir: PathBuf,
    pub times: ServerTimes,
    pub requests: RequestTimes,
    /// What the store's synthetic residents are drawn from.
    pub origin: Origin,
    pub residents: u64,
    pub max_results: usize,
    tag: String,
    next_staff: std::sync::atomic::AtomicUsize,
    _temp: Option<tempfile::TempDir>,
    _service: RunningService,
}

/// A prepared store: the store, keys, directory, origin and temp-dir guard.
type Prepared = (
    Arc<SqliteStore>,
    Keys,
    PathBuf,
    Origin,
    Option<tempfile::TempDir>,
);

/// The store in `data` (created and seeded as needed), or a temporary one.
/// `city`: the city its residents must live in; `None` takes the store's
/// own, and the varied city for a store with none yet.
fn prepare(data: Option<&Path>, residents: u64, city: Option<City>) -> anyhow::Result<Prepared> {
    let (temp, dir) = match data {
        Some(dir) => (None, dir.to_path_buf()),
        None => {
            let temp = tempfile::Builder::new().prefix("bansho-bench-").tempdir()?;
            let dir = temp.path().to_path_buf();
            (Some(temp), dir)
        }
    };
    let (store, keys) = if data_dir::db_path(&dir).exists() {
        data_dir::open(&dir)?
    } else {
        data_dir::init(&dir, &[])?
    };
    let wanted = Origin {
        seed: 1,
        city: city.unwrap_or(City::Varied),
    };
    let origin = data_dir::synthetic_origin(store.as_ref(), wanted)?;
    if let Some(city) = city {
        anyhow::ensure!(
            origin.city == city,
            "{} holds residents of the {} city, not of the {} one: use another directory",
            dir.display(),
            origin.city.as_str(),
            city.as_str()
        );
    }
    let have = store.resident_count()?;
    if have < residents {
        let started = Instant::now();
        eprintln!(
            "  seeding {} residents in {}",
            residents - have,
            dir.display()
        );
        data_dir::seed_residents(store.as_ref(), &keys, origin, residents - have, |_| {})?;
        eprintln!("  seeded in {:.1} s", started.elapsed().as_secs_f64());
    } else if have > residents {
        eprintln!(
            "  note: {} holds {have} residents, more than the {residents} asked for",
            dir.display()
        );
    }
    Ok((store, keys, dir, origin, temp))
}

fn tag() -> String {
    let n: u32 = rand::rng().random();
    format!("{n:08x}")
}

impl Harness {
    /// Starts the service over the store in `data` (or a temporary one)
    /// holding at least `residents` synthetic residents. The read limit is
    /// raised for this instance only, so the benchmark measures the service
    /// rather than the limiter.
    pub async fn start(data: Option<&Path>, residents: u64) -> anyhow::Result<Harness> {
        Self::start_with(data, residents, |_| {}).await
    }

    /// As `start`, over residents of `city` (a store seeded with another
    /// city is refused).
    pub async fn start_in(
        data: Option<&Path>,
        residents: u64,
        city: City,
    ) -> anyhow::Result<Harness> {
        Self::launch(data, residents, Some(city), |_| {}).await
    }

    /// As `start`, with the service's settings changed by `configure` (the
    /// entry benchmarks switch double keying off this way).
    pub async fn start_with(
        data: Option<&Path>,
        residents: u64,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> anyhow::Result<Harness> {
        Self::launch(data, residents, None, configure).await
    }

    async fn launch(
        data: Option<&Path>,
        residents: u64,
        city: Option<City>,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> anyhow::Result<Harness> {
        let data = data.map(Path::to_path_buf);
        let tag = tag();
        let terminal = format!("bench-{tag}");
        let (store, keys, dir, origin, temp, bundle) = tokio::task::spawn_blocking(move || {
            let (store, keys, dir, origin, temp) = prepare(data.as_deref(), residents, city)?;
            let bundle = data_dir::enroll_terminal(store.as_ref(), &keys, &dir, &terminal, None)?;
            anyhow::Ok((store, keys, dir, origin, temp, bundle))
        })
        .await??;
        let residents = store.resident_count()?;
        let keys = Arc::new(keys);
        let mut config = ServerConfig {
            reads_per_second: 1_000_000,
            read_burst: 1_000_000,
            // Every benchmark session logs in from the one bench terminal.
            terminal_logins_per_minute: 1_000_000,
            ..ServerConfig::default()
        };
        configure(&mut config);
        let max_results = config.max_results;
        let state = AppState::new(store.clone(), keys.clone(), Arc::new(SystemClock), config);
        let times = ServerTimes::default();
        let requests = RequestTimes::default();
        let (recorder, all) = (times.clone(), requests.clone());
        let service = RunningService::start_wrapped(state.clone(), &dir, move |router| {
            router.layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let (recorder, all) = (recorder.clone(), all.clone());
                    async move {
                        let path = request.uri().path().to_owned();
                        let search = path.ends_with("/residents/search");
                        let started = Instant::now();
                        let response = next.run(request).await;
                        if search {
                            recorder.push(started.elapsed());
                        } else {
                            all.push(path, started.elapsed());
                        }
                        response
                    }
                },
            ))
        })
        .await?;
        let base = service.url().to_string();
        Ok(Harness {
            store,
            state,
            keys,
            bundle,
            base,
            dir,
            times,
            requests,
            origin,
            residents,
            max_results,
            tag,
            next_staff: std::sync::atomic::AtomicUsize::new(0),
            _temp: temp,
            _service: service,
        })
    }

    /// A client on the benchmark's terminal, not logged in.
    pub fn client(&self) -> anyhow::Result<ApiClient> {
        Ok(ApiClient::for_terminal(&self.base, &self.bundle)?)
    }

    /// Creates `n` assessment clerks (one per concurrent session: a TOTP
    /// code is accepted once per user) and returns what their holders know.
    pub async fn staff(&self, n: usize) -> anyhow::Result<Vec<Account>> {
        let mut made = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        let first = self
            .next_staff
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        for i in first..first + n {
            let staff = NewStaff::generated(
                &format!("bench-{}-{i}", self.tag),
                "ベンチ 課税",
                STAFF_ROLE.0,
                STAFF_ROLE.1,
            )
            .keeping_pin();
            made.push(Account::of(&staff));
            let store = self.store.clone();
            let keys = self.keys.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                data_dir::create_staff(store.as_ref(), &keys, &staff, OffsetDateTime::now_utc())
            }));
        }
        for task in tasks {
            task.await??;
        }
        Ok(made)
    }

    /// The login request of `staff` with the code its authenticator shows now.
    pub fn login_request(staff: &Account) -> crate::api::LoginRequest {
        staff.login_request("assessment", OffsetDateTime::now_utc())
    }

    /// `n` logged-in sessions, each its own client (own TLS connection).
    pub async fn sessions(&self, n: usize) -> anyhow::Result<Vec<ApiClient>> {
        let staff = self.staff(n).await?;
        let mut logins = Vec::with_capacity(n);
        for s in &staff {
            let client = self.client()?;
            let request = Self::login_request(s);
            logins.push(async move {
                let response = client.login(&request).await?;
                anyhow::Ok(client.with_token(response.token))
            });
        }
        futures::future::try_join_all(logins).await
    }
}
