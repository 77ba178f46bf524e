//! The access log's writer: group commit. Requests hand their entry to one
//! writer thread, which appends whatever has queued up in one durable
//! transaction and only then answers each request. Many requests share one
//! fsync; none is answered before its row is on disk.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::chain::ChainKey;
use crate::store::{AuditEntry, Store};

/// Most entries committed in one transaction.
const MAX_BATCH: usize = 512;
/// Entries waiting for the writer before callers are made to wait.
const QUEUE_DEPTH: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the access log could not be written")]
pub struct AuditUnavailable;

type Pending = (AuditEntry, oneshot::Sender<Result<i64, AuditUnavailable>>);

/// Handle to the writer; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    #[cfg_attr(feature = "bench-unaudited", allow(dead_code))]
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditLog")
    }
}

impl AuditLog {
    /// Starts the writer thread. It ends when the last handle is dropped.
    pub fn start(store: Arc<dyn Store>, key: ChainKey) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_DEPTH);
        #[allow(
            clippy::expect_used,
            reason = "at start-up only: a service that cannot start its access-log writer must not run"
        )]
        std::thread::Builder::new()
            .name("bansho-audit".into())
            .spawn(move || write_loop(store, key, receiver))
            .expect("the audit writer thread must start");
        Self { queue }
    }

    /// Appends `entry` durably; returns its sequence number.
    #[cfg(not(feature = "bench-unaudited"))]
    pub async fn record(&self, entry: AuditEntry) -> Result<i64, AuditUnavailable> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((entry, reply))
            .await
            .map_err(|_| AuditUnavailable)?;
        answer.await.map_err(|_| AuditUnavailable)?
    }

    /// BENCHMARK-ONLY BUILD: the entry is dropped, nothing is written. This
    /// exists only to measure what durable auditing costs; `bansho serve` and
    /// `bansho demo` refuse to start in such a build.
    #[cfg(feature = "bench-unaudited")]
    pub async fn record(&self, entry: AuditEntry) -> Result<i64, AuditUnavailable> {
        drop(entry);
        Ok(0)
    }
}

/// False only in a `bench-unaudited` build, which must never be deployed.
pub const AUDITED: bool = !cfg!(feature = "bench-unaudited");

fn write_loop(store: Arc<dyn Store>, key: ChainKey, mut receiver: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let entries: Vec<AuditEntry> = batch.iter().map(|(e, _)| e.clone()).collect();
        match store.append_audit(&key, &entries) {
            Ok(records) => {
                for ((_, reply), record) in batch.drain(..).zip(records) {
                    let _ = reply.send(Ok(record.seq));
                }
            }
            Err(error) => {
                tracing::error!(error = %error, rows = entries.len(), "access log append failed");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(AuditUnavailable));
                }
            }
        }
    }
}
