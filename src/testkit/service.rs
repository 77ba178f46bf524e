//! The service bound to a free loopback port and running on the current
//! tokio runtime until the handle is dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use crate::api::terminal_bundle::TerminalBundle;
use crate::client::{ApiClient, ClientError};
use crate::server::{AppState, Application};

/// A running service; dropping it shuts the service down.
pub struct RunningService {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl RunningService {
    /// Starts the service of `state` with the TLS material of the data
    /// directory `tls_dir` on a port the system picks.
    pub async fn start(state: AppState, tls_dir: &Path) -> anyhow::Result<Self> {
        Self::start_wrapped(state, tls_dir, |router| router).await
    }

    /// As `start`, with the finished router wrapped (a benchmark's timing
    /// layer); every route and guard stays as it was.
    pub async fn start_wrapped(
        state: AppState,
        tls_dir: &Path,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> anyhow::Result<Self> {
        let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let app = Application::build(state, listen, tls_dir)
            .await?
            .map_router(wrap);
        let base = app.url();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            // A dropped sender ends the wait as a send does.
            let _ = stopped.await;
        }));
        Ok(Self { base, _stop: stop })
    }

    /// The `https://` address clients use.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// A client presenting the terminal `bundle`, not logged in.
    pub fn client(&self, bundle: &TerminalBundle) -> Result<ApiClient, ClientError> {
        ApiClient::for_terminal(&self.base, bundle)
    }
}
