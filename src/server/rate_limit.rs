//! Per-user limits on reads, so a script or a stuck key cannot pull the
//! register out through the search box. Bursts over the limit are refused
//! with 429 and written to the access log.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct ReadLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for ReadLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadLimiter")
    }
}

impl ReadLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
        }
    }

    /// Whether `user` may make one more read now.
    pub fn allow(&self, user: &str) -> bool {
        self.limiter.check_key(&user.to_string()).is_ok()
    }
}

/// Login and unlock attempts per terminal, whatever user ID they name: a
/// terminal cannot try IDs or PINs faster than this.
pub struct TerminalLoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for TerminalLoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalLoginLimiter")
    }
}

impl TerminalLoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(rate)),
        }
    }

    pub fn allow(&self, terminal: &str) -> bool {
        self.limiter.check_key(&terminal.to_string()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_allowance_is_refused_per_user() {
        let limiter = ReadLimiter::new(1, 5);
        let allowed = (0..20).filter(|_| limiter.allow("kazei01")).count();
        assert!((5..=6).contains(&allowed), "{allowed}");
        assert!(
            limiter.allow("nozei01"),
            "another user has their own allowance"
        );
    }

    #[test]
    fn logins_are_limited_per_terminal() {
        let limiter = TerminalLoginLimiter::new(3);
        let allowed = (0..10).filter(|_| limiter.allow("counter-01")).count();
        assert_eq!(allowed, 3);
        assert!(limiter.allow("counter-02"));
    }
}
