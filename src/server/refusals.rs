//! Refusals in the access log, without letting a flood fill the disk.
//!
//! The first refusal of a source (a user, a terminal, a certificate, a peer)
//! for one reason in an interval is written at once, like any row. The ones
//! after it in the same interval are only counted; the count is written as
//! one summary row when the interval has ended (at the source's next refusal,
//! at the periodic sweep, or at shutdown). A flood stays visible and costs at
//! most two rows per source, reason and interval.
//!
//! The bookkeeping is bounded too: past `MAX_SOURCES` sources in one
//! interval, refusals of new sources are counted together under
//! `MANY_SOURCES`, per action and reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

use super::clock::Clock;
use super::journal::{AuditUnavailable, Journal};
use crate::domain::audit_event::{Action, Outcome};
use crate::store::AuditEntry;
use crate::store::chain::format_time;

/// The `user_id` of a refusal made before anyone logged in.
pub use super::actor::UNKNOWN_USER;
/// The `terminal` of a handshake that presented no certificate.
pub const NO_CERTIFICATE: &str = "(no certificate)";
/// The `user_id` and `terminal` of refusals counted together once too many
/// sources are being tracked.
pub const MANY_SOURCES: &str = "(many sources)";
/// Sources tracked per interval before new ones are counted together.
pub const MAX_SOURCES: usize = 4096;

/// What makes two refusals "the same": everything but the time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Source {
    user_id: String,
    terminal: String,
    action: Action,
    purpose: String,
    outcome: Outcome,
    detail: String,
}

impl Source {
    fn of(entry: &AuditEntry) -> Self {
        Self {
            user_id: entry.user_id.clone(),
            terminal: entry.terminal.clone(),
            action: entry.action,
            purpose: entry.purpose.clone(),
            outcome: entry.outcome,
            detail: entry.detail.clone(),
        }
    }
}

/// The refusals of one source in the current interval.
#[derive(Debug)]
struct Run {
    started: OffsetDateTime,
    /// Refusals after the first, not yet written.
    repeated: u64,
    first: AuditEntry,
}

impl Run {
    /// The row that accounts for the repeats, if there were any.
    fn summary(&self, interval: Duration, at: OffsetDateTime) -> Option<AuditEntry> {
        (self.repeated > 0).then(|| AuditEntry {
            at,
            detail: format!(
                "{};repeated={};interval={}s;since={}",
                self.first.detail,
                self.repeated,
                interval.whole_seconds(),
                format_time(self.started)
            ),
            ..self.first.clone()
        })
    }
}

/// The counting itself, without I/O: which rows a refusal or a sweep writes.
#[derive(Debug)]
pub struct Tally {
    interval: Duration,
    max_sources: usize,
    runs: HashMap<Source, Run>,
}

impl Tally {
    pub fn new(interval: Duration, max_sources: usize) -> Self {
        Self {
            interval: interval.max(Duration::milliseconds(1)),
            max_sources,
            runs: HashMap::new(),
        }
    }

    /// The rows to write for one refusal: the summary of the source's
    /// previous interval if it has ended with repeats, and the refusal
    /// itself if it opens an interval. Nothing while it is a repeat.
    pub fn refuse(&mut self, entry: AuditEntry) -> Vec<AuditEntry> {
        let mut source = Source::of(&entry);
        let mut entry = entry;
        if !self.runs.contains_key(&source) && self.runs.len() >= self.max_sources {
            entry = many_sources(entry);
            source = Source::of(&entry);
        }
        let at = entry.at;
        match self.runs.get_mut(&source) {
            Some(run) if at < run.started + self.interval => {
                run.repeated += 1;
                Vec::new()
            }
            Some(run) => {
                let summary = run.summary(self.interval, at);
                *run = Run {
                    started: at,
                    repeated: 0,
                    first: entry.clone(),
                };
                summary.into_iter().chain([entry]).collect()
            }
            None => {
                self.runs.insert(
                    source,
                    Run {
                        started: at,
                        repeated: 0,
                        first: entry.clone(),
                    },
                );
                vec![entry]
            }
        }
    }

    /// Ends every interval that is over at `now`: their summaries, and
    /// their sources forgotten.
    pub fn sweep(&mut self, now: OffsetDateTime) -> Vec<AuditEntry> {
        let interval = self.interval;
        let mut rows = Vec::new();
        self.runs.retain(|_, run| {
            if now < run.started + interval {
                return true;
            }
            rows.extend(run.summary(interval, now));
            false
        });
        rows
    }

    /// Ends every interval (at shutdown).
    pub fn drain(&mut self, now: OffsetDateTime) -> Vec<AuditEntry> {
        let interval = self.interval;
        self.runs
            .drain()
            .filter_map(|(_, run)| run.summary(interval, now))
            .collect()
    }

    /// Sources being tracked.
    pub fn sources(&self) -> usize {
        self.runs.len()
    }
}

/// A refusal of a source beyond the tracked ones, counted with the others
/// like it: the reason stays (the first part of the detail), the rest goes.
fn many_sources(entry: AuditEntry) -> AuditEntry {
    let reason = entry
        .detail
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    AuditEntry {
        user_id: MANY_SOURCES.into(),
        terminal: MANY_SOURCES.into(),
        purpose: String::new(),
        detail: reason,
        subjects: Vec::new(),
        query_hmac: None,
        ..entry
    }
}

/// The access log's door for refusals.
pub struct RefusalLog {
    tally: Mutex<Tally>,
    audit: Journal,
    clock: Arc<dyn Clock>,
    interval: Duration,
}

impl std::fmt::Debug for RefusalLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefusalLog")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl RefusalLog {
    pub fn new(audit: Journal, clock: Arc<dyn Clock>, interval: Duration) -> Self {
        Self {
            tally: Mutex::new(Tally::new(interval, MAX_SOURCES)),
            audit,
            clock,
            interval,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// How often the periodic sweep should run so that a summary is never
    /// written much later than its interval's end.
    pub fn sweep_period(&self) -> std::time::Duration {
        (self.interval / 2_i32)
            .unsigned_abs()
            .max(std::time::Duration::from_millis(50))
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records one refusal. When it is the first of its interval the row is
    /// durable before this returns (and the caller fails if it cannot be
    /// stored); a repeat is only counted.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), AuditUnavailable> {
        let rows = self.tally().refuse(entry);
        for row in rows {
            self.audit.record(row).await?;
        }
        Ok(())
    }

    /// Writes the summaries of intervals that have ended.
    pub async fn sweep(&self) {
        let rows = self.tally().sweep(self.clock.now());
        self.write_summaries(rows).await;
    }

    /// Writes every pending count (at shutdown).
    pub async fn flush(&self) {
        let rows = self.tally().drain(self.clock.now());
        self.write_summaries(rows).await;
    }

    async fn write_summaries(&self, rows: Vec<AuditEntry>) {
        for row in rows {
            if self.audit.record(row).await.is_err() {
                tracing::error!("access log unavailable: a count of repeated refusals was lost");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-11-23 00:00:00 UTC);

    fn refusal(user: &str, at: OffsetDateTime) -> AuditEntry {
        AuditEntry {
            at,
            user_id: user.into(),
            terminal: "counter-01".into(),
            action: Action::Search,
            subjects: Vec::new(),
            query_hmac: None,
            purpose: "assessment".into(),
            outcome: Outcome::RateLimited,
            detail: "burst".into(),
            sensitive: false,
        }
    }

    fn count(rows: &[AuditEntry]) -> u64 {
        rows.iter()
            .map(|row| {
                row.detail
                    .split(';')
                    .find_map(|part| part.strip_prefix("repeated="))
                    .map_or(1, |n| n.parse().expect("a count"))
            })
            .sum()
    }

    #[test]
    fn a_flood_in_one_interval_is_one_row_and_one_count() {
        let mut tally = Tally::new(Duration::seconds(10), 100);
        let mut rows = Vec::new();
        for i in 0..5000 {
            rows.extend(tally.refuse(refusal("kazei01", START + Duration::milliseconds(i))));
        }
        assert_eq!(rows.len(), 1, "only the first is written at once");
        rows.extend(tally.sweep(START + Duration::seconds(10)));
        assert_eq!(rows.len(), 2);
        assert_eq!(count(&rows), 5000);
        assert!(
            rows[1]
                .detail
                .starts_with("burst;repeated=4999;interval=10s;since=2026-11-23T00:00:00")
        );
        assert_eq!(tally.sources(), 0, "an ended interval is forgotten");
    }

    #[test]
    fn the_next_refusal_after_the_interval_writes_the_summary_and_itself() {
        let mut tally = Tally::new(Duration::seconds(10), 100);
        tally.refuse(refusal("kazei01", START));
        tally.refuse(refusal("kazei01", START + Duration::seconds(1)));
        let rows = tally.refuse(refusal("kazei01", START + Duration::seconds(11)));
        assert_eq!(rows.len(), 2);
        assert!(rows[0].detail.contains("repeated=1"), "{}", rows[0].detail);
        assert_eq!(rows[1].detail, "burst");
        // A lone refusal leaves no summary.
        assert!(tally.drain(START + Duration::seconds(30)).is_empty());
    }

    #[test]
    fn sources_are_counted_apart_and_beyond_the_bound_together() {
        let mut tally = Tally::new(Duration::seconds(10), 3);
        let mut rows = Vec::new();
        for round in 0..10 {
            for user in 0..50 {
                let at = START + Duration::milliseconds(round * 50 + user);
                rows.extend(tally.refuse(refusal(&format!("user{user}"), at)));
            }
        }
        assert!(tally.sources() <= 4, "bounded: {}", tally.sources());
        rows.extend(tally.drain(START + Duration::seconds(1)));
        assert_eq!(count(&rows), 500, "every refusal is accounted for");
        assert!(rows.len() <= 8, "{} rows", rows.len());
        let many = rows
            .iter()
            .filter(|r| r.user_id == MANY_SOURCES)
            .collect::<Vec<_>>();
        assert!(!many.is_empty());
        assert!(many.iter().all(|r| r.detail.starts_with("burst")));
    }
}
