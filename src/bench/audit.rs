//! `bansho bench audit`: the access-log review at scale. Fills a SQLite
//! store's log with N rows of a year's office work (chained, through the
//! journal in group-commit batches, straight into the store: no HTTP), then
//! times filtered pages and each ready-made analysis over the whole year.

use std::path::Path;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::stats::{fmt, summarize};
use crate::domain::audit_event::{Action, Outcome};
use crate::server::ServerConfig;
use crate::server::audit_review::{self, Analysis};
use crate::store::chain::ChainKey;
use crate::store::sqlite::SqliteStore;
use crate::store::{AuditEntry, AuditFilter, AuditStore};

/// Rows per commit, and the year they are spread over.
const BATCH: u64 = 1_000;
const YEAR: time::Duration = time::Duration::days(365);
const USERS: u64 = 60;
const TERMINALS: u64 = 30;
const PERSONS: u64 = 200_000;

/// The start of the benchmark's year: a Monday, 00:00 in Tokyo.
fn start() -> OffsetDateTime {
    time::macros::datetime!(2026-01-04 15:00 UTC)
}

/// Row `i`: a mix of reads, keying, logins and refusals by 60 clerks at 30
/// terminals, about 200,000 people.
fn entry(i: u64, at: OffsetDateTime) -> AuditEntry {
    // A cheap mix of the index: spreads users, people and actions.
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
    let action = match h % 100 {
        0..=39 => Action::View,
        40..=69 => Action::Search,
        70..=71 => Action::Reveal,
        72..=81 => Action::EntryStart,
        82..=86 => Action::Login,
        87..=91 => Action::RecordView,
        _ => Action::SessionUse,
    };
    let outcome = if (h >> 8) % 100 < 3 {
        Outcome::Denied
    } else {
        Outcome::Ok
    };
    let person = 1_000_000_000 + (h >> 16) % PERSONS;
    let subjects = match action {
        Action::Login | Action::SessionUse | Action::Search => Vec::new(),
        _ => vec![person.to_string()],
    };
    AuditEntry {
        at,
        user_id: format!("kazei{:02}", (h >> 24) % USERS),
        terminal: format!("counter-{:02}", (h >> 32) % TERMINALS),
        action,
        subjects,
        query_hmac: None,
        purpose: "assessment".into(),
        outcome,
        detail: if outcome == Outcome::Denied {
            "forbidden".into()
        } else {
            String::new()
        },
        sensitive: (h >> 40).is_multiple_of(100),
    }
}

/// Appends `rows` rows, `BATCH` per commit, spread evenly over the year.
fn fill(store: &SqliteStore, key: &ChainKey, rows: u64) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let commits = rows.div_ceil(BATCH).max(1);
    let step = YEAR / (commits as f64);
    let mut have = 0;
    let mut k = 0u32;
    while have < rows {
        let at = start() + step * k;
        let n = BATCH.min(rows - have);
        let batch: Vec<AuditEntry> = (have..have + n).map(|i| entry(i, at)).collect();
        store.append_audit(key, &batch)?;
        have += n;
        k += 1;
        if k.is_multiple_of(500) {
            eprintln!(
                "audit: {have} rows ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(started.elapsed())
}

fn time_runs(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<usize>,
) -> anyhow::Result<(String, usize)> {
    let mut samples = Vec::with_capacity(runs);
    let mut answered = 0;
    for _ in 0..runs {
        let started = Instant::now();
        answered = f()?;
        samples.push(started.elapsed());
    }
    let s = summarize(&mut samples);
    Ok((
        format!("{} | {} | {}", fmt(s.min), fmt(s.p50), fmt(s.max)),
        answered,
    ))
}

pub fn run(rows: u64, runs: usize, data: Option<&Path>) -> anyhow::Result<()> {
    let temp = tempfile::Builder::new().prefix("bansho-bench-").tempdir()?;
    let path = data.unwrap_or(temp.path()).join("audit-review.db");
    let store = SqliteStore::open(&path)?;
    // A key of the benchmark's own: a kept store is only ever refilled by
    // this benchmark, which checks its size, not its chain.
    let key = ChainKey::new([7; 32]);
    let have = store.audit_tail(1)?.first().map_or(0, |r| r.seq as u64);
    if have == 0 {
        let took = fill(&store, &key, rows)?;
        eprintln!("audit: {rows} rows written in {:.1} s", took.as_secs_f64());
    } else {
        anyhow::ensure!(
            have == rows,
            "{} holds {have} rows, not {rows}: use another --data",
            path.display()
        );
    }
    let config = ServerConfig::default();
    let (from, to) = (start(), start() + YEAR);
    let everything = AuditFilter::default();

    println!("audit review over {rows} rows (a year), {runs} runs each");
    println!("| what | min | median | max | answered |");
    println!("|---|---:|---:|---:|---:|");
    let line = |what: &str, result: (String, usize)| {
        println!("| {what} | {} | {} |", result.0, result.1);
    };
    let filtered = AuditFilter {
        user: Some("kazei07".into()),
        actions: vec![Action::View],
        from: Some(from + time::Duration::days(100)),
        to: Some(from + time::Duration::days(200)),
        ..AuditFilter::default()
    };
    line(
        "rows: user + action + period, first page of 100",
        time_runs(runs, || Ok(store.audit_query(&filtered, None, 100)?.len()))?,
    );
    let deep = (rows / 2) as i64;
    line(
        "rows: same filter, a page from the middle of the log",
        time_runs(runs, || {
            Ok(store.audit_query(&filtered, Some(deep), 100)?.len())
        })?,
    );
    // Someone the log is about: the first row with a subject.
    let someone = (0..)
        .map(|i| entry(i, from))
        .find_map(|e| e.subjects.into_iter().next());
    let person = AuditFilter {
        person: someone,
        ..AuditFilter::default()
    };
    line(
        "rows: one person, first page of 100",
        time_runs(runs, || Ok(store.audit_query(&person, None, 100)?.len()))?,
    );
    for analysis in Analysis::ALL {
        line(
            &format!("analysis: {} (the year)", analysis.as_str()),
            time_runs(runs, || {
                Ok(audit_review::run(&store, &config, analysis, &everything, from, to)?.len())
            })?,
        );
    }
    Ok(())
}
