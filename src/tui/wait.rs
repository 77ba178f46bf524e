//! Feedback while the terminal waits for the service: nothing for the first
//! 150 ms (most answers come sooner, and a flash of text would only
//! distract), then the status line names what is awaited with a spinner
//! that turns while the wait lasts. What is awaited comes from the screen
//! ([`Component::waiting`](super::component::Component::waiting)), the time
//! from the runtime: nothing here reads a clock.

use std::time::{Duration, Instant};

/// How long a wait goes unmentioned.
pub const NOTICE_AFTER: Duration = Duration::from_millis(150);
/// How long each spinner frame shows.
pub const FRAME: Duration = Duration::from_millis(125);
/// ASCII frames: never ambiguous width, readable in every theme.
const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// What the screen waits for (a locale key) and since when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wait {
    current: Option<(&'static str, Instant)>,
}

impl Wait {
    /// Follows what the screen waits for at `now`. A wait for the same
    /// thing goes on (a second search while the first is out keeps the
    /// spinner turning). Returns whether anything changed.
    pub fn follow(&mut self, what: Option<&'static str>, now: Instant) -> bool {
        match (self.current, what) {
            (Some((was, _)), Some(is)) if was == is => false,
            (None, None) => false,
            (_, Some(is)) => {
                self.current = Some((is, now));
                true
            }
            (_, None) => {
                self.current = None;
                true
            }
        }
    }

    pub fn is_waiting(&self) -> bool {
        self.current.is_some()
    }

    /// The locale key of what is awaited and the spinner frame at `now`,
    /// once the wait is noticeable.
    pub fn shown(&self, now: Instant) -> Option<(&'static str, &'static str)> {
        let (what, since) = self.current?;
        let waited = now
            .checked_duration_since(since)?
            .checked_sub(NOTICE_AFTER)?;
        let frame = (waited.as_millis() / FRAME.as_millis()) as usize % SPINNER.len();
        Some((what, SPINNER[frame]))
    }

    /// When the runtime should next wake `update` with a tick: the moment
    /// the wait becomes noticeable, then once per frame.
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        let (_, since) = self.current?;
        let noticed = since + NOTICE_AFTER;
        let Some(waited) = now.checked_duration_since(noticed) else {
            return Some(noticed);
        };
        let frames = u32::try_from(waited.as_millis() / FRAME.as_millis()).unwrap_or(u32::MAX);
        Some(noticed + FRAME * frames.saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_shows_after_150_ms_and_turns_each_frame() {
        let t0 = Instant::now();
        let mut wait = Wait::default();
        assert!(wait.follow(Some("search.in_progress"), t0));
        assert_eq!(wait.shown(t0), None);
        assert_eq!(wait.shown(t0 + Duration::from_millis(149)), None);
        assert_eq!(wait.next_wake(t0), Some(t0 + NOTICE_AFTER));
        let noticed = t0 + NOTICE_AFTER;
        assert_eq!(wait.shown(noticed), Some(("search.in_progress", "|")));
        assert_eq!(
            wait.shown(noticed + FRAME),
            Some(("search.in_progress", "/"))
        );
        assert_eq!(
            wait.shown(noticed + FRAME * 4),
            Some(("search.in_progress", "|"))
        );
        assert_eq!(wait.next_wake(noticed), Some(noticed + FRAME));
        assert_eq!(
            wait.next_wake(noticed + FRAME + Duration::from_millis(1)),
            Some(noticed + FRAME * 2)
        );
        // The same wait goes on; another starts afresh; none ends it.
        assert!(!wait.follow(Some("search.in_progress"), noticed));
        assert!(wait.follow(Some("search.opening"), noticed));
        assert_eq!(wait.shown(noticed), None);
        assert!(wait.follow(None, noticed));
        assert_eq!(wait.next_wake(noticed), None);
        assert!(!wait.is_waiting());
    }
}
