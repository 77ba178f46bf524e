//! The records service: axum routes over a `Store`. Every rule is enforced
//! here, never only in the terminal.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod crypto;
pub mod data_dir;
pub mod error;
pub mod json;
pub mod routes;
pub mod store_location;
pub mod totp;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::store::{AuditEntry, Store, StoreResult};
use audit::AuditLog;
use clock::Clock;
use crypto::Keys;
use error::AppError;

/// Tunable rules of the service. Defaults follow the security requirements
/// (5 failures lock 15 minutes; sessions idle 15 minutes, 12 hours at most).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub lockout_threshold: i64,
    pub lockout_duration: time::Duration,
    pub idle_timeout: time::Duration,
    pub absolute_timeout: time::Duration,
    pub max_results: usize,
    pub body_limit: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            lockout_threshold: 5,
            lockout_duration: time::Duration::minutes(15),
            idle_timeout: time::Duration::minutes(15),
            absolute_timeout: time::Duration::hours(12),
            max_results: 50,
            body_limit: 64 * 1024,
        }
    }
}

/// The terminal a session is recorded against until terminals carry their
/// own certificates.
pub const UNREGISTERED_TERMINAL: &str = "unregistered";

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Arc<Keys>,
    pub audit: AuditLog,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keys>,
        clock: Arc<dyn Clock>,
        config: ServerConfig,
    ) -> Self {
        Self {
            audit: AuditLog::start(store.clone()),
            store,
            keys,
            clock,
            config: Arc::new(config),
        }
    }

    /// Runs a store call off the async threads.
    pub async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|_| AppError::internal())?
            .map_err(AppError::from)
    }

    /// Appends to the access log; if the row cannot be stored durably the
    /// caller must fail and return no data.
    pub async fn audit(&self, entry: AuditEntry) -> Result<i64, AppError> {
        self.audit
            .record(entry)
            .await
            .map_err(|_| AppError::audit_unavailable())
    }
}

/// A bound, not yet running service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    addr: SocketAddr,
}

impl Application {
    pub async fn build(state: AppState, listen: SocketAddr) -> anyhow::Result<Self> {
        let router = routes::router(state)?;
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        Ok(Self {
            listener,
            router,
            addr,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
