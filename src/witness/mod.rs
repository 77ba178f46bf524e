//! `bansho witness`: a witness of the access log's checkpoints that does
//! not trust the service. It speaks C2SP tlog-witness (`POST
//! /add-checkpoint`): it takes a signed checkpoint with a consistency proof
//! from the last one it cosigned for that log, checks the log's signature
//! with the log keys it was started with, checks the proof, and answers
//! with its C2SP tlog-cosignature/v1 line, having kept the checkpoint in
//! its history first. Its cosigning key and history live in its own
//! directory (on another host in production), so whoever holds the
//! service's store and its checkpoint key still cannot make it cosign a
//! rewritten or cut log.

mod history;
pub mod request;
pub mod submit;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::server::pki;
use crate::store::checkpoint::VerifierKey;
use crate::store::cosignature::CosignerKey;

pub use history::{HISTORY_FILE, History, Refusal};
use request::AddCheckpoint;

/// The witness's cosigning key, under its directory.
pub const KEY_FILE: &str = "keys/witness.key";
/// The CA a submitter pins.
pub const CA_FILE: &str = pki::CA_CERT;
/// The key name a witness signs with by default.
pub const DEFAULT_NAME: &str = "bansho.witness";
/// A request is an old size, at most 63 hashes and a short note.
const BODY_LIMIT: usize = 16 * 1024;
/// The media type of a 409's body: the size the witness knows.
pub const SIZE_TYPE: &str = "text/x.tlog.size";

/// The witness's directory made ready: its own TLS certificate and its
/// cosigning key, each made on first start. Refuses a service directory:
/// the witness's key must never sit beside the store it witnesses.
pub fn prepare(
    dir: &Path,
    names: &[String],
    key_name: &str,
) -> anyhow::Result<(PathBuf, CosignerKey)> {
    use anyhow::Context as _;
    for service_file in [
        crate::server::data_dir::db_path(dir),
        crate::server::data_dir::key_path(dir),
    ] {
        if service_file.exists() {
            anyhow::bail!(
                "{} is a bansho service directory: the witness keeps its key and history apart \
                 from the store it witnesses (another host in production); give it a directory \
                 of its own",
                dir.display()
            );
        }
    }
    crate::private_fs::create_dir_all(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    crate::private_fs::check_private(dir)?;
    if !dir.join(pki::SERVER_CERT).exists() {
        pki::create_named(dir, names, "bansho witness CA", "bansho witness")?;
    }
    let key_path = dir.join(KEY_FILE);
    if !key_path.exists() {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        rand::Rng::fill(&mut rand::rng(), &mut seed[..]);
        let key = CosignerKey::from_seed(key_name, &seed)
            .context("the witness name must not be empty or hold spaces or '+'")?;
        let mut text = key.to_text();
        text.push('\n');
        crate::private_fs::write_new(&key_path, text.as_bytes())
            .with_context(|| format!("cannot create {}", key_path.display()))?;
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&key_path)
            .with_context(|| format!("cannot read {}", key_path.display()))?,
    );
    let key = CosignerKey::parse(&text)
        .with_context(|| format!("{} is not a witness cosigning key", key_path.display()))?;
    Ok((dir.join(CA_FILE), key))
}

/// What the handler holds.
struct Witness {
    trusted: Vec<VerifierKey>,
    cosigner: CosignerKey,
    /// One check-and-keep at a time: the protocol asks that the check of
    /// the old size and the keeping of the new checkpoint be one step.
    history: Mutex<History>,
}

fn answer(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{body}\n"),
    )
        .into_response()
}

fn refused(refusal: Refusal) -> Response {
    let status = match &refusal {
        Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
        Refusal::UnknownKey => StatusCode::FORBIDDEN,
        Refusal::OtherLog => StatusCode::NOT_FOUND,
        Refusal::Conflict(size) | Refusal::Fork(size) => {
            return (
                StatusCode::CONFLICT,
                [(header::CONTENT_TYPE, SIZE_TYPE)],
                format!("{size}\n"),
            )
                .into_response();
        }
        Refusal::Inconsistent => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Io(e) => {
            eprintln!("bansho witness: {e}");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "the witness cannot keep its history now".into(),
            );
        }
    };
    answer(status, refusal.to_string())
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(request) => request,
        Err(problem) => return answer(StatusCode::BAD_REQUEST, problem),
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let done = tokio::task::spawn_blocking(move || {
        let mut history = witness.history.lock().unwrap_or_else(|e| e.into_inner());
        history.add(&request, &witness.trusted, &witness.cosigner, timestamp)
    })
    .await;
    match done {
        Ok(Ok(cosignature)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            cosignature,
        )
            .into_response(),
        Ok(Err(refusal)) => refused(refusal),
        Err(_) => refused(Refusal::Io("the cosigning task stopped".into())),
    }
}

/// Serves the witness on `listener` over TLS until `shutdown` completes,
/// trusting checkpoints of the `trusted` log keys only.
pub async fn serve(
    listener: TcpListener,
    dir: &Path,
    cosigner: CosignerKey,
    trusted: Vec<VerifierKey>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if trusted.is_empty() {
        anyhow::bail!("a witness needs at least one log key to trust (--log-key)");
    }
    let config = pki::receiver_config(dir)?;
    let history = History::open(dir, &cosigner)?;
    let witness = Arc::new(Witness {
        trusted,
        cosigner,
        history: Mutex::new(history),
    });
    let router = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(witness);
    crate::server::receiver::serve(listener, config, router, shutdown).await
}
