//! `bansho bench seed`: time and peak memory to seed N residents into a
//! fresh store (the same code path as `bansho admin seed`).

use std::path::Path;
use std::time::Instant;

use super::stats;
use crate::domain::synth::{City, Origin};
use crate::server::data_dir;

pub struct Figures {
    pub residents: u64,
    pub seconds: f64,
    pub peak_rss_mib: f64,
    pub db_mib: f64,
}

pub fn measure(data: Option<&Path>, residents: u64, city: City) -> anyhow::Result<Figures> {
    let temp = match data {
        Some(_) => None,
        None => Some(tempfile::Builder::new().prefix("bansho-bench-").tempdir()?),
    };
    let dir = match (data, &temp) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => anyhow::bail!("no directory"),
    };
    let (store, keys) = data_dir::init(&dir, &[])?;
    let origin = data_dir::synthetic_origin(store.as_ref(), Origin { seed: 1, city })?;
    let started = Instant::now();
    let added = data_dir::seed_residents(store.as_ref(), &keys, origin, residents, |done| {
        if done % 500_000 == 0 {
            eprintln!("  {done} residents");
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let db = std::fs::metadata(data_dir::db_path(&dir))
        .map(|m| m.len())
        .unwrap_or(0);
    Ok(Figures {
        residents: added,
        seconds,
        peak_rss_mib: stats::peak_rss_mib().unwrap_or(0.0),
        db_mib: db as f64 / (1024.0 * 1024.0),
    })
}

pub fn run(data: Option<&Path>, residents: u64, city: City) -> anyhow::Result<()> {
    eprintln!(
        "seed: {residents} residents of the {} city into a fresh store",
        city.as_str()
    );
    let f = measure(data, residents, city)?;
    println!("| residents | seconds | residents/s | peak RSS | store file |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.2} | {:.0} | {:.0} MiB | {:.0} MiB |",
        f.residents,
        f.seconds,
        f.residents as f64 / f.seconds.max(1e-9),
        f.peak_rss_mib,
        f.db_mib
    );
    Ok(())
}
