//! Bounded PIN verification. Each Argon2id check takes 19 MiB for its
//! duration: a flood of logins must queue for a few slots, in order, instead
//! of taking memory without limit, and past a bounded queue it is refused.
//!
//! The checks run on the gate's own threads, one per slot. On the shared
//! blocking pool each of its many threads would keep its own 19 MiB in its
//! allocator arena after the check; here at most one per slot is kept.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins are waiting")]
pub struct Busy;

pub struct LoginGate {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for LoginGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginGate")
            .field("waiting", &self.waiting())
            .field("max_waiting", &self.max_waiting)
            .finish_non_exhaustive()
    }
}

/// Counts a caller in the queue for as long as it waits, also when its
/// request is dropped while waiting.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LoginGate {
    pub fn new(slots: usize, max_waiting: usize) -> Self {
        let slots = slots.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..slots {
            let queue = queue.clone();
            // The threads end when the gate (the sender) is dropped.
            let _ = std::thread::Builder::new()
                .name(format!("bansho-pin-{n}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            jobs: Mutex::new(jobs),
        }
    }

    /// Runs `check` in a slot, on one of the gate's threads, once its turn
    /// comes; refused at once when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let slot = self.enter().await?;
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(check());
            drop(slot);
        });
        self.jobs
            .lock()
            .map_err(|_| Busy)?
            .send(job)
            .map_err(|_| Busy)?;
        answer.await.map_err(|_| Busy)
    }

    /// A slot for one verification. Waiters are served first come, first
    /// served (tokio's semaphore is fair); a caller finding the queue full is
    /// refused at once.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let _waiting = Waiting(&self.waiting);
        self.slots.clone().acquire_owned().await.map_err(|_| Busy)
    }

    /// Callers waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_is_refused_and_waiters_go_in_order() {
        let gate = Arc::new(LoginGate::new(1, 2));
        let first = gate.enter().await.unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut waiters = Vec::new();
        for n in 0..2 {
            let waiter = gate.clone();
            let tx = tx.clone();
            waiters.push(tokio::spawn(async move {
                let permit = waiter.enter().await.unwrap();
                tx.send(n).unwrap();
                drop(permit);
            }));
            // Let each waiter queue before the next.
            while gate.waiting() < n + 1 {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(gate.enter().await.unwrap_err(), Busy, "queue of 2 is full");
        drop(first);
        for w in waiters {
            w.await.unwrap();
        }
        assert_eq!(rx.recv().await, Some(0));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(gate.waiting(), 0);
        assert!(gate.enter().await.is_ok());
    }

    #[tokio::test]
    async fn checks_run_on_the_gates_own_threads() {
        let gate = LoginGate::new(2, 4);
        let name = gate
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert!(name.is_some_and(|n| n.starts_with("bansho-pin-")));
    }
}
