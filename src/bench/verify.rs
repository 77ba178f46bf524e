//! `bansho bench verify`: time of `bansho admin audit verify` (the whole
//! hash chain) against the size of the access log.

use std::time::Instant;

use time::OffsetDateTime;

use crate::domain::audit_event::{Action, Outcome};

use crate::store::chain::{ChainKey, verify_store};
use crate::store::sqlite::SqliteStore;
use crate::store::{AuditEntry, AuditStore};

/// A search row as the service writes it.
fn entry(i: u64) -> AuditEntry {
    AuditEntry {
        at: OffsetDateTime::now_utc(),
        user_id: format!("kazei{:02}", i % 40),
        terminal: format!("counter-{:02}", i % 12),
        action: Action::Search,
        subjects: (0..3)
            .map(|k| format!("{:010}", 1_000_000_000 + i * 3 + k))
            .collect(),
        query_hmac: Some(format!("{:064x}", i)),
        purpose: "assessment".into(),
        outcome: Outcome::Ok,
        detail: "results=3".into(),
        sensitive: false,
    }
}

pub struct Row {
    pub rows: i64,
    pub seconds: f64,
}

/// Grows one access log to each size in turn (in group-commit sized
/// batches) and verifies the whole chain at each.
pub fn measure(sizes: &[u64]) -> anyhow::Result<Vec<Row>> {
    const BATCH: u64 = 512;
    let temp = tempfile::Builder::new().prefix("bansho-bench-").tempdir()?;
    let store = SqliteStore::open(&temp.path().join("audit.db"))?;
    // A key of the benchmark's own: MACs cost the same under any key.
    let key = ChainKey::new(rand::random());
    let mut have = 0u64;
    let mut out = Vec::new();
    for &size in sizes {
        while have < size {
            let n = BATCH.min(size - have);
            let batch: Vec<AuditEntry> = (have..have + n).map(entry).collect();
            store.append_audit(&key, &batch)?;
            have += n;
        }
        let started = Instant::now();
        let verified = match verify_store(&store, &key)? {
            Ok(verifier) => verifier.verified(),
            Err(broken) => anyhow::bail!("the benchmark's own chain is broken: {broken}"),
        };
        out.push(Row {
            rows: verified,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(out)
}

pub fn run(sizes: &[u64]) -> anyhow::Result<()> {
    eprintln!("verify: access log of {sizes:?} rows");
    let rows = measure(sizes)?;
    println!("| rows | verify seconds | µs per row |");
    println!("|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.3} | {:.2} |",
            r.rows,
            r.seconds,
            r.seconds * 1e6 / (r.rows.max(1) as f64)
        );
    }
    Ok(())
}
