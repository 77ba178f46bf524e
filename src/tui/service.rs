//! Whether the records service can be reached, as far as the terminal
//! knows. Any answer means it can; a request that cannot reach it means it
//! cannot, and then a health probe retries with backoff (1 s, 2 s, 4 s, ...
//! up to 30 s) until one is answered. Only the probe retries: what failed
//! (a search, a record) is never sent again behind the clerk's back. The
//! time comes in from `update`.

use std::time::{Duration, Instant};

/// The longest wait between two probes.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Service {
    #[default]
    Reachable,
    Unreachable {
        /// Probes that went unanswered since the service was lost.
        failed_probes: u32,
        next_probe: Instant,
        /// A probe is on its way.
        probing: bool,
    },
}

/// The wait before the next probe after `failed` unanswered ones.
pub fn backoff(failed: u32) -> Duration {
    Duration::from_secs(1u64 << failed.min(5)).min(MAX_BACKOFF)
}

impl Service {
    pub fn is_down(&self) -> bool {
        matches!(self, Service::Unreachable { .. })
    }

    /// A request could not reach the service at `now`. Already down, the
    /// probes keep their schedule.
    pub fn lost(&mut self, now: Instant) {
        if !self.is_down() {
            *self = Service::Unreachable {
                failed_probes: 0,
                next_probe: now + backoff(0),
                probing: false,
            };
        }
    }

    /// The service answered. Returns whether it had been unreachable.
    pub fn answered(&mut self) -> bool {
        std::mem::take(self).is_down()
    }

    /// Whether a probe goes out at `now`; if so, it is on its way.
    pub fn probe_due(&mut self, now: Instant) -> bool {
        match self {
            Service::Unreachable {
                next_probe,
                probing,
                ..
            } if !*probing && now >= *next_probe => {
                *probing = true;
                true
            }
            _ => false,
        }
    }

    /// The probe on its way went unanswered at `now`: the next waits longer.
    pub fn probe_failed(&mut self, now: Instant) {
        if let Service::Unreachable {
            failed_probes,
            next_probe,
            probing,
        } = self
            && *probing
        {
            *failed_probes = failed_probes.saturating_add(1);
            *next_probe = now + backoff(*failed_probes);
            *probing = false;
        }
    }

    /// How long until the next probe (None while one is on its way, or
    /// while the service is reachable).
    pub fn retry_in(&self, now: Instant) -> Option<Duration> {
        match self {
            Service::Unreachable {
                next_probe,
                probing: false,
                ..
            } => Some(next_probe.saturating_duration_since(now)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_back_off_to_thirty_seconds_and_an_answer_ends_the_outage() {
        let t0 = Instant::now();
        let mut service = Service::default();
        assert!(!service.probe_due(t0 + Duration::from_secs(60)));
        service.lost(t0);
        assert!(service.is_down());
        assert_eq!(service.retry_in(t0), Some(Duration::from_secs(1)));
        assert!(!service.probe_due(t0 + Duration::from_millis(999)));
        let mut now = t0 + Duration::from_secs(1);
        let mut waits = Vec::new();
        for _ in 0..7 {
            assert!(service.probe_due(now));
            assert!(!service.probe_due(now), "one probe at a time");
            assert_eq!(service.retry_in(now), None);
            service.probe_failed(now);
            let wait = service.retry_in(now).unwrap();
            waits.push(wait.as_secs());
            now += wait;
        }
        assert_eq!(waits, [2, 4, 8, 16, 30, 30, 30]);
        // Another failed request does not restart the schedule.
        service.lost(now);
        assert!(service.probe_due(now));
        assert!(service.answered());
        assert!(!service.is_down());
        assert!(!service.answered());
        // A late probe failure after an answer changes nothing.
        service.probe_failed(now);
        assert!(!service.is_down());
    }
}
