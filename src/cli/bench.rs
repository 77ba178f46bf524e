//! `bansho bench ...`: the benchmarks of docs/performance.md.

use std::process::ExitCode;

use super::{BenchArgs, BenchCommand};
use crate::bench::{self, stats::parse_list};

fn list(text: &str) -> anyhow::Result<Vec<u64>> {
    parse_list(text).map_err(|e| anyhow::anyhow!(e))
}

pub async fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        BenchCommand::Seed {
            residents,
            data,
            city,
        } => {
            tokio::task::spawn_blocking(move || bench::seed::run(data.as_deref(), residents, city))
                .await??;
        }
        BenchCommand::Search {
            residents,
            iterations,
            data,
            city,
        } => bench::search::run(data.as_deref(), &list(&residents)?, iterations, city).await?,
        BenchCommand::Throughput {
            residents,
            sessions,
            seconds,
            mix,
            data,
            save,
            baseline,
        } => {
            let sessions: Vec<usize> = list(&sessions)?.into_iter().map(|n| n as usize).collect();
            anyhow::ensure!(
                sessions.iter().all(|&n| (1..=512).contains(&n)),
                "sessions must be between 1 and 512"
            );
            let mix = bench::throughput::Mix::parse(&mix)
                .ok_or_else(|| anyhow::anyhow!("--mix is all or exact"))?;
            bench::throughput::run(
                data.as_deref(),
                residents,
                &sessions,
                seconds,
                mix,
                save.as_deref(),
                baseline.as_deref(),
            )
            .await?;
        }
        BenchCommand::Load {
            oha,
            residents,
            data,
            connections,
            seconds,
            runs,
        } => {
            let connections: Vec<usize> = list(&connections)?
                .into_iter()
                .map(|n| n as usize)
                .collect();
            anyhow::ensure!(
                connections.iter().all(|&n| (1..=1024).contains(&n)),
                "connections must be between 1 and 1024"
            );
            bench::load::run(bench::load::Options {
                oha,
                data,
                residents,
                connections,
                seconds,
                runs: runs as usize,
            })
            .await?;
        }
        #[cfg(feature = "tui")]
        BenchCommand::Tui {
            keys,
            runs,
            workstation,
        } => bench::tui::run(keys, runs, workstation.as_deref()).await?,
        BenchCommand::Audit { rows, runs, data } => {
            tokio::task::spawn_blocking(move || {
                bench::audit::run(rows, runs.max(1), data.as_deref())
            })
            .await??;
        }
        BenchCommand::Verify { rows } => {
            let rows = list(&rows)?;
            tokio::task::spawn_blocking(move || bench::verify::run(&rows)).await??;
        }
        BenchCommand::EntryAccuracy {
            declarations,
            rate,
            seed,
        } => {
            anyhow::ensure!((0.0..=1.0).contains(&rate), "--rate is between 0 and 1");
            let seed = seed.unwrap_or_else(rand::random);
            bench::entry::accuracy::run(bench::entry::accuracy::Options {
                declarations: declarations as usize,
                rate,
                seed,
            })
            .await?;
        }
        BenchCommand::Entry {
            pairs,
            per_pair,
            commits,
            passes,
        } => {
            bench::entry::figures::run(bench::entry::figures::Options {
                pairs: pairs as usize,
                per_pair: per_pair as usize,
                commits: commits as usize,
                passes: passes as usize,
            })
            .await?;
        }
        BenchCommand::Transfer { records, runs } => {
            bench::transfer::run(bench::transfer::Options {
                records: records as usize,
                runs: runs as usize,
            })
            .await?;
        }
        BenchCommand::Smoke => bench::smoke().await?,
    }
    Ok(ExitCode::SUCCESS)
}
