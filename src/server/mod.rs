//! The records service: axum routes over a `Store`. Every rule is enforced
//! here, never only in the terminal.

pub mod actor;
pub mod audit_report;
pub mod audit_review;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod credentials;
pub mod crypto;
pub mod data_dir;
pub mod entry;
pub mod error;
pub mod journal;
pub mod json;
pub mod login_gate;
pub mod pia_report;
pub mod pki;
pub mod print;
pub mod rate_limit;
pub mod receiver;
pub mod refusals;
pub mod retention;
pub mod reverify;
pub mod roster;
pub mod routes;
pub mod sessions;
pub mod settings;
pub mod store_location;
pub mod totp;
pub mod transfer_seal;
pub mod transport;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::store::{AuditEntry, Store, StoreResult};
use clock::Clock;
use crypto::Keys;
use error::AppError;
use journal::Journal;

/// Tunable rules of the service. Defaults follow the security requirements
/// (5 failures lock 15 minutes; sessions idle 15 minutes, 12 hours at most);
/// an office changes them in `bansho.toml` ([`settings`]).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Login attempts checked per user ID (known or not) before the lock.
    pub lockout_threshold: i64,
    pub lockout_duration: time::Duration,
    /// A count of attempts with none this long starts again.
    pub lockout_forget_after: time::Duration,
    /// Most user IDs whose attempts are tracked at once.
    pub login_tracked_max: u64,
    /// PIN checks (Argon2id, 19 MiB each) running at once.
    pub login_verifications: usize,
    /// PIN checks waiting their turn; past this, logins are answered 503.
    pub login_queue: usize,
    /// Login and unlock attempts per terminal per minute.
    pub terminal_logins_per_minute: u32,
    /// The office's time zone, for times shown to people.
    pub time_zone: settings::OfficeTimeZone,
    /// The business purposes, each bound to a department.
    pub purposes: Vec<settings::PurposeDef>,
    pub idle_timeout: time::Duration,
    pub absolute_timeout: time::Duration,
    pub max_results: usize,
    pub body_limit: usize,
    /// Reads (search, view, reveal, log) per second each user may make, and
    /// the burst allowed above that rate.
    pub reads_per_second: u32,
    pub read_burst: u32,
    /// Repeated refusals of one source for one reason within this interval
    /// are written as one row with a count (see `refusals`).
    pub refusal_interval: time::Duration,
    /// Which fields a second clerk keys again.
    pub double_keying: crate::domain::entry::compare::DoubleKeying,
    /// Which commits the next-day list picks, and the office's holidays.
    pub reverify_rules: crate::domain::entry::reverify::Rules,
    pub calendar: crate::domain::entry::reverify::Calendar,
    /// How long after the preview an IT officer may sign off; later, the
    /// transfer pauses.
    pub transfer_sign_off_timeout: time::Duration,
    /// How long one attempt waits for the destination's answer.
    pub transfer_send_timeout: std::time::Duration,
    /// The font and spool of printouts.
    pub print: print::PrintSettings,
    /// How long each kind of record is kept, and on what legal basis.
    pub retention: crate::domain::retention::Rules,
    /// The office's opening hours on business days (the calendar's), in
    /// its time zone: access outside them is an analysis of the log.
    pub business_hours: audit_review::BusinessHours,
    /// The longest a grant of a role may run.
    pub grant_rules: crate::domain::grant::GrantRules,
}

impl ServerConfig {
    pub fn lockout_policy(&self) -> crate::store::LockoutPolicy {
        crate::store::LockoutPolicy {
            threshold: self.lockout_threshold,
            lock_for: self.lockout_duration,
            forget_after: self.lockout_forget_after,
            max_tracked: self.login_tracked_max,
        }
    }

    /// The purposes of `department`'s work, in the configured order.
    pub fn purposes_of(
        &self,
        department: crate::domain::roles::Department,
    ) -> Vec<&settings::PurposeDef> {
        self.purposes
            .iter()
            .filter(|p| p.department == department)
            .collect()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            lockout_threshold: 5,
            lockout_duration: time::Duration::minutes(15),
            lockout_forget_after: time::Duration::hours(24),
            login_tracked_max: 100_000,
            login_verifications: std::thread::available_parallelism().map_or(2, |n| n.get()),
            login_queue: 64,
            terminal_logins_per_minute: 20,
            time_zone: settings::OfficeTimeZone::default(),
            purposes: settings::default_purposes(),
            idle_timeout: time::Duration::minutes(15),
            absolute_timeout: time::Duration::hours(12),
            max_results: 50,
            body_limit: 64 * 1024,
            reads_per_second: 10,
            read_burst: 30,
            refusal_interval: time::Duration::seconds(10),
            double_keying: crate::domain::entry::compare::DoubleKeying::default(),
            reverify_rules: crate::domain::entry::reverify::Rules::default(),
            calendar: crate::domain::entry::reverify::Calendar::default(),
            transfer_sign_off_timeout: time::Duration::minutes(10),
            grant_rules: crate::domain::grant::GrantRules::default(),
            transfer_send_timeout: std::time::Duration::from_secs(30),
            print: print::PrintSettings::default(),
            retention: crate::domain::retention::Rules::default(),
            business_hours: audit_review::BusinessHours::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Arc<Keys>,
    /// Every change and every access-log row goes through here.
    pub journal: Journal,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<rate_limit::ReadLimiter>,
    /// Login and unlock attempts per terminal.
    pub terminal_logins: Arc<rate_limit::TerminalLoginLimiter>,
    /// PIN verifications at once, and the queue before them.
    pub login_gate: Arc<login_gate::LoginGate>,
    /// Refusals go to the access log through here, so floods stay bounded.
    pub refusals: Arc<refusals::RefusalLog>,
    /// Store calls running at once. More than the machine has cores only
    /// adds threads competing for them, the access-log writer among them:
    /// past this, requests wait their turn on the async side.
    store_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        config: ServerConfig,
    ) -> Self {
        let journal = Journal::start(store.clone(), keys.audit_chain_key(), clock.clone());
        Self {
            refusals: Arc::new(refusals::RefusalLog::new(
                journal.clone(),
                clock.clone(),
                config.refusal_interval,
            )),
            journal,
            limiter: Arc::new(rate_limit::ReadLimiter::new(
                config.reads_per_second,
                config.read_burst,
            )),
            terminal_logins: Arc::new(rate_limit::TerminalLoginLimiter::new(
                config.terminal_logins_per_minute,
            )),
            login_gate: Arc::new(login_gate::LoginGate::new(
                config.login_verifications,
                config.login_queue,
            )),
            store,
            keys,
            clock,
            config: Arc::new(config),
            store_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            )),
        }
    }

    /// Runs a store call off the async threads.
    pub async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let _slot = self
            .store_slots
            .acquire()
            .await
            .map_err(|_| AppError::internal())?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|_| AppError::internal())?
            .map_err(AppError::from)
    }

    /// Runs a short read bounded by an index (the guard's one trip, a
    /// search cut at its limit, one resident). Where the store reads a
    /// local file it runs here, on the request's own thread: handing it to
    /// the blocking pool and back costs two thread wake-ups, more than the
    /// read itself (docs/performance.md, "Search under load"). Anything
    /// that scans or writes goes through [`AppState::store`].
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, AppError> {
        if self.store.reads_in_place() {
            return f(self.store.as_ref()).map_err(AppError::from);
        }
        self.store(f).await
    }

    /// Logs a refusal a client can repeat at will: the first of an interval
    /// at once, the repeats as one counted row ([`refusals`]).
    pub async fn refusal(&self, entry: AuditEntry) -> Result<(), AppError> {
        self.refusals
            .record(entry)
            .await
            .map_err(|_| AppError::audit_unavailable())
    }

    /// Appends the row of a read to the access log; if it cannot be stored
    /// durably the caller must fail and return no data.
    pub async fn audit(&self, entry: AuditEntry) -> Result<i64, AppError> {
        self.journal
            .record(entry)
            .await
            .map_err(|_| AppError::audit_unavailable())
    }

    /// Commits changes with the rows that record them, in one transaction;
    /// if that fails nothing of it is kept and the caller answers 503.
    pub async fn commit(
        &self,
        item: crate::store::journal::Item,
    ) -> Result<crate::store::journal::Committed, AppError> {
        self.journal
            .commit(item)
            .await
            .map_err(|_| AppError::audit_unavailable())
    }
}

/// A bound, not yet running service. It speaks only TLS and only to
/// registered terminals.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    addr: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
    refusals: Arc<refusals::RefusalLog>,
    state: AppState,
}

impl Application {
    /// Binds `listen` with the TLS configuration of the data directory
    /// `tls_dir` (its CA and server certificate), checking terminals against
    /// the store's registry.
    pub async fn build(
        state: AppState,
        listen: SocketAddr,
        tls_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        // Sessions name their purpose; the store keeps the configured ones
        // so every purpose a session or access-log row names is on record.
        let purposes: Vec<crate::store::PurposeRow> = state
            .config
            .purposes
            .iter()
            .map(|p| crate::store::PurposeRow {
                code: p.code.clone(),
                name_ja: p.name_ja.clone(),
                name_en: p.name_en.clone(),
            })
            .collect();
        state
            .store(move |s| purposes.iter().try_for_each(|p| s.upsert_purpose(p)))
            .await
            .map_err(|e| anyhow::anyhow!("cannot record the configured purposes: {}", e.message))?;
        let config = &state.config;
        tracing::info!(
            reads_per_second = config.reads_per_second,
            read_burst = config.read_burst,
            lockout_threshold = config.lockout_threshold,
            lockout_minutes = config.lockout_duration.whole_minutes(),
            login_verifications = config.login_verifications,
            login_queue = config.login_queue,
            terminal_logins_per_minute = config.terminal_logins_per_minute,
            time_zone = config.time_zone.name(),
            "service limits"
        );
        // A print font or spool that is set must work before any send needs it.
        print::check(&state.config.print)?;
        let registry = Arc::new(transport::StoreRegistry(state.store.clone()));
        let tls = pki::server_config(tls_dir, registry)?;
        let refusals = state.refusals.clone();
        let router = routes::router(state.clone())?;
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        Ok(Self {
            listener,
            router,
            addr,
            tls,
            refusals,
            state,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Wraps the finished router, e.g. in a layer that only a benchmark
    /// installs (request timing). Every route and guard stays as it was.
    pub fn map_router(mut self, wrap: impl FnOnce(axum::Router) -> axum::Router) -> Self {
        self.router = wrap(self.router);
        self
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://` base address for clients.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Serves until `shutdown` completes, then writes the counts of
    /// repeated refusals still pending.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_refusals(self.refusals.clone()));
        let planner = tokio::spawn(daily_retention_plan(self.state.clone()));
        let served = transport::serve_tls(
            self.listener,
            self.router,
            self.tls,
            self.refusals.clone(),
            shutdown,
        )
        .await;
        sweeper.abort();
        planner.abort();
        self.refusals.flush().await;
        served
    }
}

/// Writes the counts of ended refusal intervals, so a flood that stops is
/// accounted for without waiting for its source's next refusal.
async fn sweep_refusals(refusals: Arc<refusals::RefusalLog>) {
    let mut ticks = tokio::time::interval(refusals.sweep_period());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        refusals.sweep().await;
    }
}

/// Makes the erasure plan every day before the office opens and records
/// its hash and size, which asks the IT officer and a supervisor to read
/// it (`GET /admin/retention/plan`) and approve it. Only the plan: the
/// erasure itself is `bansho admin retention run`, once both approved.
async fn daily_retention_plan(state: AppState) {
    loop {
        let now = state.clock.now();
        let next = retention::next_plan_at(&state.config.time_zone, now);
        let wait = (next - now).max(time::Duration::seconds(1));
        tokio::time::sleep(wait.unsigned_abs()).await;
        match routes::retention::current(&state).await {
            Ok((plan, _)) => {
                let event = crate::domain::audit_event::Event::ok(
                    crate::domain::audit_event::Action::RetentionPlan,
                )
                .with(crate::domain::audit_event::Detail::RetentionPlan {
                    hash: plan.hash.clone(),
                    items: plan.items.len(),
                });
                let row = actor::Actor::service().entry(state.clock.now(), event);
                if state.audit(row).await.is_err() {
                    tracing::error!("the day's erasure plan could not be recorded");
                }
            }
            Err(_) => tracing::error!("the day's erasure plan could not be made"),
        }
    }
}
