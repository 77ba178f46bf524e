//! `bansho bench throughput`: audited searches per second with N concurrent
//! sessions, each its own staff account, client and TLS connection, all
//! searching back to back for a fixed time.
//!
//! A normal build writes the access-log row of every search durably (group
//! commit). A `--features bench-unaudited` build writes none; running both
//! and comparing (`--save` on one, `--baseline` on the other) gives the cost
//! of durable auditing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::harness::Harness;
use super::queries::{self, Kind};
use super::stats::{Summary, fmt, process_cpu, summarize};
use crate::server::journal::AUDITED;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Every kind of query in turn (broad ones answer 50 rows).
    All,
    /// My Number and person number lookups: one row each, the counter's
    /// most common search.
    Exact,
}

impl Mix {
    pub fn parse(text: &str) -> Option<Mix> {
        match text {
            "all" => Some(Mix::All),
            "exact" => Some(Mix::Exact),
            _ => None,
        }
    }

    fn kinds(self) -> &'static [Kind] {
        match self {
            Mix::All => &Kind::ALL,
            Mix::Exact => &[Kind::MyNumber, Kind::PersonNumber],
        }
    }
}

pub struct Row {
    pub sessions: usize,
    pub searches: u64,
    pub errors: u64,
    pub per_second: f64,
    pub e2e: Summary,
    pub server: Summary,
    /// CPU time of the whole process (service and clients) per search.
    pub cpu_per_search: Option<Duration>,
}

fn label() -> &'static str {
    if AUDITED {
        "audited"
    } else {
        "UNAUDITED (bench-unaudited build)"
    }
}

pub async fn measure(
    data: Option<&Path>,
    residents: u64,
    sessions: &[usize],
    seconds: f64,
    mix: Mix,
) -> anyhow::Result<Vec<Row>> {
    let harness = Harness::start(data, residents).await?;
    let most = sessions.iter().copied().max().unwrap_or(1);
    let clients = harness.sessions(most).await?;
    let mut pool: Vec<String> = Vec::new();
    for &kind in mix.kinds() {
        pool.extend(queries::sample(
            kind,
            harness.origin,
            harness.residents,
            2000,
        ));
    }
    // Interleave the kinds so every session sees the whole mix.
    let per_kind = 2000;
    let kinds = mix.kinds().len();
    let pool: Arc<Vec<String>> = Arc::new(
        (0..per_kind * kinds)
            .map(|i| pool[(i % kinds) * per_kind + i / kinds].clone())
            .collect(),
    );

    let mut rows = Vec::new();
    for &n in sessions {
        // A short warm-up at this concurrency, then the measured run.
        for (phase, length) in [(false, seconds.min(1.0) / 2.0), (true, seconds)] {
            harness.times.take();
            let stop = Arc::new(AtomicBool::new(false));
            let cpu_before = process_cpu();
            let started = Instant::now();
            let tasks: Vec<_> = clients
                .iter()
                .take(n)
                .enumerate()
                .map(|(s, client)| {
                    let client = client.clone();
                    let pool = pool.clone();
                    let stop = stop.clone();
                    tokio::spawn(async move {
                        let mut times = Vec::new();
                        let mut errors = 0u64;
                        let mut i = s * 7919;
                        while !stop.load(Ordering::Relaxed) {
                            let q = &pool[i % pool.len()];
                            i += 1;
                            let at = Instant::now();
                            match client.search(q).await {
                                Ok(_) => times.push(at.elapsed()),
                                Err(_) => errors += 1,
                            }
                        }
                        (times, errors)
                    })
                })
                .collect();
            tokio::time::sleep(Duration::from_secs_f64(length)).await;
            stop.store(true, Ordering::Relaxed);
            let mut e2e = Vec::new();
            let mut errors = 0;
            for task in tasks {
                let (times, e) = task.await?;
                e2e.extend(times);
                errors += e;
            }
            let elapsed = started.elapsed().as_secs_f64();
            let cpu = process_cpu()
                .zip(cpu_before)
                .map(|(after, before)| after - before);
            let mut server = harness.times.take();
            if phase {
                let searches = e2e.len() as u64;
                rows.push(Row {
                    sessions: n,
                    searches,
                    errors,
                    per_second: searches as f64 / elapsed,
                    e2e: summarize(&mut e2e),
                    server: summarize(&mut server),
                    cpu_per_search: cpu
                        .filter(|_| searches > 0)
                        .map(|cpu| cpu / searches as u32),
                });
            }
        }
    }
    Ok(rows)
}

/// Figures saved by `--save` and read by `--baseline`: `sessions rate`
/// per line.
fn read_baseline(path: &Path) -> anyhow::Result<Vec<(usize, f64)>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split_whitespace();
        if let (Some(s), Some(r)) = (parts.next(), parts.next()) {
            out.push((s.parse()?, r.parse()?));
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    data: Option<&Path>,
    residents: u64,
    sessions: &[usize],
    seconds: f64,
    mix: Mix,
    save: Option<&Path>,
    baseline: Option<&Path>,
) -> anyhow::Result<()> {
    eprintln!(
        "throughput ({}): {residents} residents, sessions {sessions:?}, {seconds} s each",
        label()
    );
    let rows = measure(data, residents, sessions, seconds, mix).await?;
    let baseline = baseline.map(read_baseline).transpose()?.unwrap_or_default();
    println!("build: {}; query mix: {mix:?}", label());
    println!(
        "| sessions | searches/s | searches | errors | e2e p50 | e2e p99 | server p50 | server p99 | CPU per search | vs baseline |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let versus = baseline
            .iter()
            .find(|(s, _)| *s == r.sessions)
            .filter(|(_, rate)| *rate > 0.0)
            .map(|(_, rate)| format!("{:.2}x", r.per_second / rate))
            .unwrap_or_else(|| "-".into());
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.sessions,
            r.per_second,
            r.searches,
            r.errors,
            fmt(r.e2e.p50),
            fmt(r.e2e.p99),
            fmt(r.server.p50),
            fmt(r.server.p99),
            r.cpu_per_search.map(fmt).unwrap_or_else(|| "-".into()),
            versus
        );
    }
    if let Some(path) = save {
        let mut text = format!("# bansho bench throughput, {}, mix {mix:?}\n", label());
        for r in &rows {
            text.push_str(&format!("{} {:.1}\n", r.sessions, r.per_second));
        }
        std::fs::write(path, text)?;
    }
    if rows.iter().any(|r| r.errors > 0) {
        anyhow::bail!("some searches failed");
    }
    Ok(())
}
