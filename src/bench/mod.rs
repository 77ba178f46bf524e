//! `bansho bench ...`: benchmarks anyone can rerun. Each starts what it
//! measures in this process (the real service on 127.0.0.1:0 over mutual
//! TLS, its SQLite store, the typed client; the TUI's own update and render,
//! or the real `bansho tui` binary in a pseudo-terminal) and prints a
//! Markdown table. Figures only: nothing here passes or fails on time.
//! docs/performance.md has the commands and the figures of one machine.

pub mod audit;
pub mod entry;
pub mod harness;
pub mod load;
pub mod queries;
pub mod search;
pub mod seed;
pub mod stats;
pub mod throughput;
pub mod transfer;
#[cfg(feature = "tui")]
pub mod tui;
pub mod verify;

use crate::domain::synth::City;

/// Every benchmark on a tiny data set, a few seconds in all: `.ci/run` calls
/// it so a change that breaks a benchmark is caught (no timing thresholds).
pub async fn smoke() -> anyhow::Result<()> {
    let residents = 3_000;
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || seed::run(None, residents, City::Varied)).await??;
    search::run(None, &[residents], 30, City::Varied).await?;
    search::run(None, &[residents], 30, City::TenTowns).await?;
    throughput::run(
        None,
        residents,
        &[1, 4],
        0.5,
        throughput::Mix::All,
        None,
        None,
    )
    .await?;
    tokio::task::spawn_blocking(|| verify::run(&[1_000, 3_000])).await??;
    tokio::task::spawn_blocking(|| audit::run(5_000, 1, None)).await??;
    entry::smoke().await?;
    transfer::run(transfer::Options {
        records: 20,
        runs: 1,
    })
    .await?;
    #[cfg(feature = "tui")]
    tui::run(50, 1, None).await?;
    eprintln!(
        "bench smoke: every benchmark ran ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
