//! Serving over TLS: accept, handshake (client certificate checked against
//! the terminal registry by the verifier), then HTTP/1.1 with the terminal's
//! certificate fingerprint attached to every request of the connection.
//!
//! Every request gets an answer the client can read:
//! - a request body the service did not read (a refusal decided from the
//!   head, an oversized body) is read and discarded before the answer goes
//!   out, so the connection stays usable; past `DRAIN_LIMIT` the answer
//!   says `Connection: close` instead of the connection ending unannounced;
//! - a connection is closed gracefully: TLS close_notify, then the TCP write
//!   side, then whatever the client is still sending is read and discarded
//!   for a while (a lingering close), because closing a socket with unread
//!   data resets the connection and the client may lose the answer.
//!
//! At shutdown the listener closes first; each open connection then ends
//! after the request it is answering (an idle one at once), within
//! `DRAIN_TIMEOUT`, so every answer sent was committed before it left.
//!
//! Refused handshakes are written to the access log (see `refusals`).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use futures::StreamExt;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::actor::Actor;
use super::pki::{self, CertificateRefusal, RegistryUnavailable, TerminalRegistry, TerminalStatus};
use super::refusals::{NO_CERTIFICATE, RefusalLog};
use crate::domain::audit_event::{Action, Detail, Event, HandshakeFailure, Outcome};
use crate::store::{AuditEntry, Store};

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long open connections have to finish their requests at shutdown:
/// longer than a transfer's send with the default `transfers.send_timeout`
/// (30 s), the slowest request there is.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(45);
/// Most of an unread request body read and discarded to keep a connection.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// How long the rest of an unread body may take to arrive.
const DRAIN_TIME: Duration = Duration::from_secs(10);
/// After the service's side is closed: most bytes, and longest time, spent
/// reading and discarding what the client still sends.
const LINGER_LIMIT: usize = 32 * 1024 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(5);

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
    let connections = GracefulShutdown::new();
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
            _ = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let refusals = refusals.clone();
        let watcher = connections.watcher();
        tokio::spawn(serve_connection(
            acceptor, router, refusals, watcher, stream, peer,
        ));
    }
    drop(listener);
    let open = connections.count();
    tracing::info!(open, "shutting down: finishing the requests under way");
    tokio::select! {
        _ = connections.shutdown() => tracing::info!("every connection finished"),
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!(after_secs = DRAIN_TIMEOUT.as_secs(), "connections still open at shutdown were cut");
        }
    }
    Ok(())
}

async fn serve_connection(
    acceptor: TlsAcceptor,
    router: Router,
    refusals: Arc<RefusalLog>,
    watcher: Watcher,
    stream: TcpStream,
    peer: SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let stream = LingeringClose::new(stream);
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
                serve_http(tls, router, watcher, PeerCertificate { fingerprint }).await;
                return;
            }
            HandshakeFailure::NoCertificate
        }
        Ok(Err(error)) => {
            tracing::info!(error = %error, "TLS handshake refused");
            handshake_reason(&error)
        }
        Err(_) => HandshakeFailure::Timeout,
    };
    let entry = handshake_refusal(refusals.now(), peer.ip(), reason, note);
    if refusals.record(entry).await.is_err() {
        tracing::error!("access log unavailable: a refused handshake was not recorded");
    }
}

async fn serve_http(
    tls: tokio_rustls::server::TlsStream<LingeringClose>,
    router: Router,
    watcher: Watcher,
    peer: PeerCertificate,
) {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        answer(router.clone(), peer.clone(), request)
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service);
    let _ = watcher.watch(connection).await;
}

/// Runs one request through the router; then reads what the router left of
/// its body, so that the connection stays in step for the next request.
async fn answer(
    router: Router,
    peer: PeerCertificate,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(peer);
    let unread = Arc::new(Mutex::new(None));
    let body = Body::new(HandsBackUnread {
        body: Some(body),
        unread: unread.clone(),
    });
    let mut response = router
        .oneshot(Request::from_parts(parts, body))
        .await
        .unwrap_or_else(|never| match never {});
    let left = unread.lock().unwrap_or_else(|e| e.into_inner()).take();
    let drained = match left {
        Some(left) => discard(left).await,
        None => true,
    };
    if !drained {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

/// Reads and discards the rest of a body; false if it is larger than
/// `DRAIN_LIMIT`, slower than `DRAIN_TIME` or broken.
async fn discard(body: Incoming) -> bool {
    let mut data = Body::new(body).into_data_stream();
    let read = async {
        let mut read = 0usize;
        while let Some(chunk) = data.next().await {
            match chunk {
                Ok(chunk) => read += chunk.len(),
                Err(_) => return false,
            }
            if read > DRAIN_LIMIT {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, read)
        .await
        .unwrap_or(false)
}

/// A request body that, dropped before its end, hands what is left back to
/// `answer`.
struct HandsBackUnread {
    body: Option<Incoming>,
    unread: Arc<Mutex<Option<Incoming>>>,
}

impl hyper::body::Body for HandsBackUnread {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        match self.body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body
            .as_ref()
            .is_none_or(hyper::body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), hyper::body::Body::size_hint)
    }
}

impl Drop for HandsBackUnread {
    fn drop(&mut self) {
        if let Some(body) = self.body.take()
            && !hyper::body::Body::is_end_stream(&body)
        {
            *self.unread.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// The access-log row of a refused handshake. The terminal is named if the
/// registry knows the certificate, else by its fingerprint.
fn handshake_refusal(
    at: time::OffsetDateTime,
    peer: IpAddr,
    failure: HandshakeFailure,
    note: Option<CertificateRefusal>,
) -> AuditEntry {
    let (terminal, failure, fingerprint) = match note {
        Some(note) => (
            note.terminal.unwrap_or_else(|| note.fingerprint.clone()),
            note.reason,
            Some(note.fingerprint),
        ),
        None => (NO_CERTIFICATE.to_string(), failure, None),
    };
    Actor::anonymous(terminal).entry(
        at,
        Event::new(
            Action::TlsHandshake,
            Outcome::Denied,
            Detail::Handshake {
                failure,
                fingerprint,
                peer: peer.to_string(),
            },
        ),
    )
}

/// Why a handshake failed, as a fixed code (never the library's text).
fn handshake_reason(error: &std::io::Error) -> HandshakeFailure {
    use rustls::PeerIncompatible as P;
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::NoCertificatesPresented) => HandshakeFailure::NoCertificate,
        Some(rustls::Error::InvalidCertificate(_)) => HandshakeFailure::UntrustedCertificate,
        Some(rustls::Error::PeerIncompatible(P::NoCipherSuitesInCommon)) => {
            HandshakeFailure::NoSharedCipher
        }
        // A TLS 1.0/1.1 hello lacks signature_algorithms, which rustls
        // checks before the version itself.
        Some(rustls::Error::PeerIncompatible(
            P::SignatureAlgorithmsExtensionRequired
            | P::SupportedVersionsExtensionRequired
            | P::Tls12NotOffered
            | P::Tls12NotOfferedOrEnabled
            | P::ServerDoesNotSupportTls12Or13,
        )) => HandshakeFailure::ProtocolVersion,
        Some(rustls::Error::PeerIncompatible(_)) => HandshakeFailure::Incompatible,
        Some(rustls::Error::AlertReceived(_)) => HandshakeFailure::ClientAlert,
        Some(_) => HandshakeFailure::Malformed,
        None => match error.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => HandshakeFailure::Abandoned,
            _ => HandshakeFailure::Failed,
        },
    }
}

/// A TCP stream whose shutdown is a lingering close: the write side is
/// closed (the client sees the end of the answer), then incoming data is
/// read and discarded until the client closes too, or a bound is reached.
struct LingeringClose {
    tcp: TcpStream,
    linger: Option<Linger>,
}

struct Linger {
    deadline: Pin<Box<tokio::time::Sleep>>,
    discarded: usize,
}

impl LingeringClose {
    fn new(tcp: TcpStream) -> Self {
        Self { tcp, linger: None }
    }
}

impl AsyncRead for LingeringClose {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for LingeringClose {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.tcp).poll_shutdown(cx))?;
            this.linger = Some(Linger {
                deadline: Box::pin(tokio::time::sleep(LINGER_TIME)),
                discarded: 0,
            });
        }
        let Some(linger) = this.linger.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut scratch = [0u8; 16 * 1024];
        while linger.discarded < LINGER_LIMIT {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.tcp).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => linger.discarded += buf.filled().len(),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    ready!(linger.deadline.as_mut().poll(cx));
                    return Poll::Ready(Ok(()));
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}
