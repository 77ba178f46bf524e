//! The journal's writer: group commit. Requests hand their item (changes
//! and the rows recording them, or only a row for a read) to one writer
//! thread, which commits whatever has queued up in one durable transaction
//! ([`crate::store::journal`]) and only then answers each request. Many
//! requests share one fsync; none is answered before its change and its
//! rows are on disk, and neither is stored without the other.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::clock::Clock;
use crate::store::chain::ChainKey;
use crate::store::journal::{Committed, FailPoint, Item};
use crate::store::{AuditEntry, Store};

/// Most items committed in one transaction.
const MAX_BATCH: usize = 512;
/// Items waiting for the writer before callers are made to wait.
const QUEUE_DEPTH: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the access log could not be written")]
pub struct AuditUnavailable;

type Pending = (Item, oneshot::Sender<Result<Committed, AuditUnavailable>>);

/// Handle to the writer; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    queue: mpsc::Sender<Pending>,
    fail: Arc<Mutex<FailPoint>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Journal")
    }
}

impl Journal {
    /// Starts the writer thread. It ends when the last handle is dropped.
    pub fn start(store: Arc<dyn Store>, key: ChainKey, clock: Arc<dyn Clock>) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_DEPTH);
        let fail = Arc::new(Mutex::new(FailPoint::None));
        let writer = Writer {
            store,
            key,
            clock,
            fail: fail.clone(),
        };
        #[allow(
            clippy::expect_used,
            reason = "at start-up only: a service that cannot start its journal writer must not run"
        )]
        std::thread::Builder::new()
            .name("bansho-journal".into())
            .spawn(move || writer.run(receiver))
            .expect("the journal writer thread must start");
        Self { queue, fail }
    }

    /// Commits `item`: its changes and its rows together, durably.
    pub async fn commit(&self, item: Item) -> Result<Committed, AuditUnavailable> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((item, reply))
            .await
            .map_err(|_| AuditUnavailable)?;
        answer.await.map_err(|_| AuditUnavailable)?
    }

    /// Appends the row of a read durably; returns its sequence number.
    #[cfg(not(feature = "bench-unaudited"))]
    pub async fn record(&self, entry: AuditEntry) -> Result<i64, AuditUnavailable> {
        let committed = self.commit(Item::record(entry)).await?;
        committed.seqs.first().copied().ok_or(AuditUnavailable)
    }

    /// BENCHMARK-ONLY BUILD: the row of a read is dropped, nothing is
    /// written. This exists only to measure what durable auditing costs;
    /// `bansho serve` and `bansho demo` refuse to start in such a build.
    #[cfg(feature = "bench-unaudited")]
    pub async fn record(&self, entry: AuditEntry) -> Result<i64, AuditUnavailable> {
        drop(entry);
        Ok(0)
    }

    /// For tests: the next commit holding a change fails at `point`, so
    /// nothing of it is kept and its callers are answered 503.
    pub fn fail_next(&self, point: FailPoint) {
        if let Ok(mut fail) = self.fail.lock() {
            *fail = point;
        }
    }
}

/// False only in a `bench-unaudited` build, which must never be deployed.
pub const AUDITED: bool = !cfg!(feature = "bench-unaudited");

struct Writer {
    store: Arc<dyn Store>,
    key: ChainKey,
    clock: Arc<dyn Clock>,
    fail: Arc<Mutex<FailPoint>>,
}

impl Writer {
    fn run(self, mut receiver: mpsc::Receiver<Pending>) {
        let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = receiver.blocking_recv() {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let (items, replies): (Vec<Item>, Vec<_>) = batch.drain(..).unzip();
            let fail = self.take_fail_point(&items);
            let rows = items.len();
            match self.store.commit(&self.key, self.clock.now(), items, fail) {
                Ok(committed) => {
                    for (reply, done) in replies.into_iter().zip(committed) {
                        let _ = reply.send(Ok(done));
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, items = rows, "journal commit failed");
                    for reply in replies {
                        let _ = reply.send(Err(AuditUnavailable));
                    }
                }
            }
        }
    }

    /// The failure point set for the next commit with a change, taken.
    fn take_fail_point(&self, items: &[Item]) -> FailPoint {
        if items.iter().all(|i| i.changes.is_empty()) {
            return FailPoint::None;
        }
        self.fail
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}
