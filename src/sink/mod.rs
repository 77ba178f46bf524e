//! `bansho sink`: a receiving end for manual transfers, as a partner
//! system would run one. It has its own CA and server certificate (the
//! sender pins the CA), checks that what arrives is a manifest of a format
//! it knows with nothing outside it, stores it once per idempotency key,
//! and answers with a receipt carrying the SHA-256 of the bytes that
//! arrived. The same key with the same bytes gets the same receipt; with
//! other bytes, a refusal.

mod inbound;
mod received;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::api::transfer::SinkReceipt;
use crate::server::pki;

pub use received::{Received, Stored};

/// The header that carries the idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The largest body taken: a 10,000-record transfer is about 3 MB.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Where the sink's TLS files are, under its data directory.
pub const CA_FILE: &str = pki::CA_CERT;

/// Makes the sink's directory and certificates unless they are there.
/// `names` are the host names or addresses senders use (loopback always).
pub fn prepare(dir: &Path, names: &[String]) -> Result<PathBuf, pki::PkiError> {
    if !dir.join(pki::SERVER_CERT).exists() {
        crate::private_fs::create_dir_all(dir).map_err(|e| pki::PkiError::Write {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        pki::create_named(
            dir,
            names,
            "bansho transfer sink CA",
            "bansho transfer sink",
        )?;
    }
    Ok(dir.join(CA_FILE))
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() });
    (status, axum::Json(body)).into_response()
}

/// What the handler holds: the stored transfers, and how long it waits
/// after storing before it answers.
#[derive(Clone)]
struct Inbox {
    received: Arc<Received>,
    answer_delay: Duration,
}

async fn receive(
    State(Inbox {
        received,
        answer_delay,
    }): State<Inbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(key) = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .filter(|k| inbound::valid_key(k))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "`Idempotency-Key`: 1 to 64 letters, digits, `-` or `_` are needed",
        );
    };
    let records = match inbound::check(key, &body) {
        Ok(records) => records,
        Err(problem) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, problem),
    };
    let key = key.to_string();
    let stored = tokio::task::spawn_blocking(move || received.store(&key, &body, records)).await;
    // Stored, not yet answered: a sender stopped now has no receipt.
    tokio::time::sleep(answer_delay).await;
    match stored {
        Ok(Ok(Stored::New(receipt) | Stored::Again(receipt))) => {
            (StatusCode::OK, axum::Json::<SinkReceipt>(receipt)).into_response()
        }
        Ok(Ok(Stored::Conflict)) => refuse(
            StatusCode::CONFLICT,
            "this idempotency key was used for other content",
        ),
        Ok(Err(error)) => {
            eprintln!("bansho sink: cannot store a transfer: {error}");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the receiver cannot store it now",
            )
        }
        Err(_) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the receiver cannot store it now",
        ),
    }
}

/// The sink's routes; each transfer is answered `answer_delay` after it
/// is stored.
pub fn router(received: Arc<Received>, answer_delay: Duration) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/transfers", post(receive))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Inbox {
            received,
            answer_delay,
        })
}

/// Serves the sink on `listener` over TLS until `shutdown` completes,
/// answering each transfer `answer_delay` after storing it.
pub async fn serve(
    listener: TcpListener,
    dir: &Path,
    answer_delay: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = pki::receiver_config(dir)?;
    let received = Arc::new(Received::open(dir)?);
    crate::server::receiver::serve(listener, config, router(received, answer_delay), shutdown).await
}
