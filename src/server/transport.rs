//! Serving over TLS: accept, handshake (client certificate checked against
//! the terminal registry by the verifier), then HTTP/1.1 with the terminal's
//! certificate fingerprint attached to every request of the connection.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::pki::{self, RegistryUnavailable, TerminalRegistry};
use crate::store::Store;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate a connection was made with: which terminal is speaking.
#[derive(Debug, Clone)]
pub struct PeerCertificate {
    pub fingerprint: String,
}

/// The terminal registry as the store holds it.
pub struct StoreRegistry(pub Arc<dyn Store>);

impl std::fmt::Debug for StoreRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreRegistry")
    }
}

impl TerminalRegistry for StoreRegistry {
    fn active_terminal(&self, fingerprint: &str) -> Result<Option<String>, RegistryUnavailable> {
        // The verifier runs on an async worker thread, and a store may be a
        // blocking client that must not run there: look up on a thread of
        // its own (once per handshake, not per request).
        std::thread::scope(|scope| {
            scope
                .spawn(|| self.lookup(fingerprint))
                .join()
                .unwrap_or(Err(RegistryUnavailable))
        })
    }
}

impl StoreRegistry {
    fn lookup(&self, fingerprint: &str) -> Result<Option<String>, RegistryUnavailable> {
        match self.0.terminal_by_fingerprint(fingerprint) {
            Ok(Some(t)) if t.revoked_at.is_none() => Ok(Some(t.name)),
            Ok(_) => Ok(None),
            Err(error) => {
                tracing::error!(error = %error, "terminal registry unavailable: refusing the connection");
                Err(RegistryUnavailable)
            }
        }
    }
}

/// Accepts connections until `shutdown` completes.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    config: Arc<rustls::ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(error = %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(error)) => {
                    tracing::info!(error = %error, "TLS handshake refused");
                    return;
                }
                Err(_) => return,
            };
            let Some(fingerprint) = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|cert| pki::fingerprint(cert))
            else {
                return;
            };
            let peer = PeerCertificate { fingerprint };
            let service = router.map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(peer.clone());
                request
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .http1_only()
                .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service))
                .await;
        });
    }
}
