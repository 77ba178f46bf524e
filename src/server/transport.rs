//! Serving over TLS: accept, handshake (client certificate checked against
//! the terminal registry by the verifier), then HTTP/1.1 with the terminal's
//! certificate fingerprint attached to every request of the connection.
//!
//! Refused handshakes are written to the access log (see `refusals`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::pki::{self, CertificateRefusal, RegistryUnavailable, TerminalRegistry, TerminalStatus};
use super::refusals::{NO_CERTIFICATE, RefusalLog, UNKNOWN_USER};
use crate::store::{AuditEntry, Store};

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
    fn terminal_status(&self, fingerprint: &str) -> Result<TerminalStatus, RegistryUnavailable> {
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
    fn lookup(&self, fingerprint: &str) -> Result<TerminalStatus, RegistryUnavailable> {
        match self.0.terminal_by_fingerprint(fingerprint) {
            Ok(Some(t)) if t.revoked_at.is_none() => Ok(TerminalStatus::Active(t.name)),
            Ok(Some(t)) => Ok(TerminalStatus::Revoked(t.name)),
            Ok(None) => Ok(TerminalStatus::Unregistered),
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
    refusals: Arc<RefusalLog>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
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
        let refusals = refusals.clone();
        tokio::spawn(serve_connection(acceptor, router, refusals, stream, peer));
    }
}

async fn serve_connection(
    acceptor: TlsAcceptor,
    router: Router,
    refusals: Arc<RefusalLog>,
    stream: TcpStream,
    peer: SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
    let (outcome, note) = pki::with_refusal_note(handshake).await;
    let reason = match outcome {
        Ok(Ok(tls)) => {
            let fingerprint = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|cert| pki::fingerprint(cert));
            if let Some(fingerprint) = fingerprint {
                serve_http(tls, router, PeerCertificate { fingerprint }).await;
                return;
            }
            "no_certificate"
        }
        Ok(Err(error)) => {
            tracing::info!(error = %error, "TLS handshake refused");
            handshake_reason(&error)
        }
        Err(_) => "handshake_timeout",
    };
    let entry = handshake_refusal(refusals.now(), peer.ip(), reason, note);
    if refusals.record(entry).await.is_err() {
        tracing::error!("access log unavailable: a refused handshake was not recorded");
    }
}

async fn serve_http(
    tls: tokio_rustls::server::TlsStream<TcpStream>,
    router: Router,
    peer: PeerCertificate,
) {
    let service = router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer.clone());
        request
    });
    let _ = auto::Builder::new(TokioExecutor::new())
        .http1_only()
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(service))
        .await;
}

/// The access-log row of a refused handshake. The terminal is named if the
/// registry knows the certificate, else by its fingerprint.
fn handshake_refusal(
    at: time::OffsetDateTime,
    peer: IpAddr,
    reason: &'static str,
    note: Option<CertificateRefusal>,
) -> AuditEntry {
    let (terminal, detail) = match note {
        Some(note) => (
            note.terminal.unwrap_or_else(|| note.fingerprint.clone()),
            format!(
                "{};fingerprint={};peer={peer}",
                note.reason, note.fingerprint
            ),
        ),
        None => (NO_CERTIFICATE.to_string(), format!("{reason};peer={peer}")),
    };
    AuditEntry {
        at,
        user_id: UNKNOWN_USER.into(),
        terminal,
        action: "tls_handshake".into(),
        subjects: Vec::new(),
        query_hmac: None,
        purpose: String::new(),
        outcome: "denied".into(),
        detail,
        sensitive: false,
    }
}

/// Why a handshake failed, as a fixed code (never the library's text).
fn handshake_reason(error: &std::io::Error) -> &'static str {
    use rustls::PeerIncompatible as P;
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::NoCertificatesPresented) => "no_certificate",
        Some(rustls::Error::InvalidCertificate(_)) => "untrusted_certificate",
        Some(rustls::Error::PeerIncompatible(P::NoCipherSuitesInCommon)) => "no_shared_cipher",
        Some(rustls::Error::PeerIncompatible(
            P::SupportedVersionsExtensionRequired
            | P::Tls12NotOffered
            | P::Tls12NotOfferedOrEnabled
            | P::ServerDoesNotSupportTls12Or13,
        )) => "protocol_version",
        Some(rustls::Error::PeerIncompatible(_)) => "incompatible",
        Some(rustls::Error::AlertReceived(_)) => "client_alert",
        Some(_) => "malformed",
        None => match error.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => "abandoned",
            _ => "handshake_failed",
        },
    }
}
