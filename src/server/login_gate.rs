//! Bounded PIN verification. Each Argon2id check takes 19 MiB for its
//! duration: a flood of logins must queue for a few slots, in order, instead
//! of taking memory without limit, and past a bounded queue it is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins are waiting")]
pub struct Busy;

#[derive(Debug)]
pub struct LoginGate {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
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
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
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
}
