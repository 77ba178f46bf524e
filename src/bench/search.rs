//! `bansho bench search`: latency of each kind of search, three ways:
//!
//! - floor: the same lookup made directly on the store (`search_residents`
//!   with the query the handler would build), one at a time, no service;
//! - server: inside the service, from the request reaching the router to the
//!   response being ready (terminal and session checks, search, the durable
//!   access-log row, JSON), recorded by a timing layer only the benchmark
//!   installs;
//! - end to end: the typed client's `search` over the real TLS connection.

use std::path::Path;
use std::time::{Duration, Instant};

use super::harness::{Harness, STAFF_ROLE};
use super::queries::{self, Kind};
use super::stats::{self, Summary, fmt, ratio, summarize};
use crate::domain::roles::permissions;
use crate::domain::search_query::classify;
use crate::domain::synth::City;
use crate::server::routes::residents::to_store_query;
use crate::store::ResidentStore;

#[derive(Clone)]
pub struct Row {
    pub residents: u64,
    pub city: City,
    pub kind: Kind,
    pub floor: Summary,
    pub server: Summary,
    pub e2e: Summary,
    /// Queries that found at least one resident.
    pub found: usize,
}

/// Runs every kind `iterations` times against a store of `residents`.
pub async fn measure(
    data: Option<&Path>,
    residents: u64,
    iterations: usize,
    city: City,
) -> anyhow::Result<Vec<Row>> {
    let harness = Harness::start_in(data, residents, city).await?;
    let client = harness
        .sessions(1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no session"))?;
    let limit = harness.max_results;
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        let sample = queries::sample(kind, harness.origin, harness.residents, iterations);
        // Warm up: the first queries of a kind load its index pages.
        for q in sample.iter().take(20) {
            client.search(q).await?;
        }

        let store = harness.store.clone();
        let keys = harness.keys.clone();
        let floor_queries = sample.clone();
        let granted = permissions(STAFF_ROLE.0, STAFF_ROLE.1);
        let mut floor = tokio::task::spawn_blocking(move || {
            let mut times = Vec::with_capacity(floor_queries.len());
            for q in &floor_queries {
                let terms = classify(q)?.terms;
                let query = to_store_query(&keys, granted, &terms);
                let started = Instant::now();
                let found = store.search_residents(&query, limit + 1)?;
                times.push(started.elapsed());
                std::hint::black_box(found);
            }
            anyhow::Ok(times)
        })
        .await??;

        harness.times.take();
        let mut e2e = Vec::with_capacity(sample.len());
        let mut found = 0;
        for q in &sample {
            let started = Instant::now();
            let response = client.search(q).await?;
            e2e.push(started.elapsed());
            found += usize::from(!response.results.is_empty());
        }
        let mut server = harness.times.take();
        rows.push(Row {
            residents: harness.residents,
            city: harness.origin.city,
            kind,
            floor: summarize(&mut floor),
            server: summarize(&mut server),
            e2e: summarize(&mut e2e),
            found,
        });
    }
    Ok(rows)
}

pub fn print(rows: &[Row]) {
    println!(
        "| residents | query | found | floor p50 | floor p99 | server p50 | server p99 | server max | e2e p50 | e2e p99 | e2e max | server/floor p50 | e2e/floor p50 |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.residents,
            match r.city {
                City::Varied => r.kind.label().to_string(),
                City::TenTowns => format!("{} (ten towns)", r.kind.label()),
            },
            r.found,
            r.e2e.n,
            fmt(r.floor.p50),
            fmt(r.floor.p99),
            fmt(r.server.p50),
            fmt(r.server.p99),
            fmt(r.server.max),
            fmt(r.e2e.p50),
            fmt(r.e2e.p99),
            fmt(r.e2e.max),
            ratio(r.server.p50, r.floor.p50),
            ratio(r.e2e.p50, r.floor.p50),
        );
    }
}

/// Worst p99 over the kinds (the figure the targets speak of).
pub fn worst_p99(rows: &[Row]) -> (Duration, Duration) {
    let server = rows.iter().map(|r| r.server.p99).max().unwrap_or_default();
    let e2e = rows.iter().map(|r| r.e2e.p99).max().unwrap_or_default();
    (server, e2e)
}

pub async fn run(
    data: Option<&Path>,
    sizes: &[u64],
    iterations: usize,
    city: City,
) -> anyhow::Result<()> {
    let mut per_size = Vec::new();
    for &n in sizes {
        eprintln!(
            "search: {n} residents of the {} city, {iterations} queries per kind",
            city.as_str()
        );
        // Each size and city has its own store: DIR/<n> (DIR/<n>-ten-towns)
        // when a data directory is given.
        let name = match city {
            City::Varied => n.to_string(),
            City::TenTowns => format!("{n}-{}", city.as_str()),
        };
        let dir = data.map(|d| d.join(name));
        per_size.push(measure(dir.as_deref(), n, iterations, city).await?);
    }
    let all: Vec<Row> = per_size.iter().flatten().cloned().collect();
    print(&all);
    if per_size.len() > 1 {
        println!();
        println!("| residents | worst server p99 | worst e2e p99 | worst floor p99 |");
        println!("|---:|---:|---:|---:|");
        for rows in &per_size {
            let (server, e2e) = worst_p99(rows);
            let floor = rows.iter().map(|r| r.floor.p99).max().unwrap_or_default();
            let n = rows.first().map(|r| r.residents).unwrap_or(0);
            println!("| {n} | {} | {} | {} |", fmt(server), fmt(e2e), fmt(floor));
        }
    }
    let (server, e2e) = worst_p99(&all);
    println!();
    println!(
        "worst p99 over all kinds: server {}, end to end {}; peak RSS {:.0} MiB",
        fmt(server),
        fmt(e2e),
        stats::peak_rss_mib().unwrap_or(0.0)
    );
    Ok(())
}
