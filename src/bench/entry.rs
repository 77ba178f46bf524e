//! The entry benchmarks: `bansho bench entry-accuracy` (how many keying
//! slips reach a committed record, with and without double keying) and
//! `bansho bench entry` (field check, submit to commit, next-day list).
//! Both drive the real service over HTTP with drawn declarations;
//! docs/entry-accuracy.md and docs/performance.md have the figures.

pub mod accuracy;
pub mod figures;
pub mod keyer;
pub mod paper;
pub mod slip;
pub mod tally;

/// Both benchmarks on a few declarations, for `bansho bench smoke`.
pub async fn smoke() -> anyhow::Result<()> {
    accuracy::run(accuracy::Options {
        declarations: 6,
        rate: 0.2,
        seed: 1,
    })
    .await?;
    figures::run(figures::Options {
        pairs: 2,
        per_pair: 4,
        commits: 500,
        passes: 2,
    })
    .await
}
