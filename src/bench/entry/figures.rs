//! `bansho bench entry`: how fast entry is.
//!
//! - a field check in the terminal: `domain::entry::field::check`, the code
//!   the workstation runs at every key, over the fields of drawn
//!   declarations, in a loop;
//! - submit to commit over HTTP with 16 clerks at once: 8 pairs, the first
//!   of each keying declarations and submitting them, the second taking
//!   each for blind second keying and submitting that (which commits);
//!   every request timed in the client. And the same 16 clerks against a
//!   service without double keying, where the first submit commits;
//! - the next-day re-verification list over one day of 20,000 commits:
//!   `domain::entry::reverify::build`.
//!
//! The clerks key back to back, as fast as the service answers: the
//! figures are the service's, not a clerk's pace.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::macros::date;

use super::accuracy;
use super::paper::{FORM, Paper};
use crate::api::entry::{FieldsRequest, StartEntryRequest, SubmitRequest};
use crate::bench::harness::Harness;
use crate::bench::stats::{Summary, fmt, summarize};
use crate::client::ApiClient;
use crate::domain::entry::compare::DoubleKeying;
use crate::domain::entry::field::check;
use crate::domain::entry::forms;
use crate::domain::entry::reverify::{self, Calendar, CommitFacts, Rules};
use crate::domain::entry::schema::{FieldKind, FieldPath, FormSchema};
use crate::secret::KeyedValue;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Pairs of clerks keying at once (each pair: a first and a second).
    pub pairs: usize,
    /// Declarations each pair keys.
    pub per_pair: usize,
    /// Commits of the day the next-day list is built over.
    pub commits: usize,
    /// Passes over the drawn fields in the field-check loop.
    pub passes: usize,
}

/// Time per field check, by field kind.
pub struct FieldCheckRow {
    pub kind: &'static str,
    pub fields: usize,
    pub ns_per_check: f64,
}

fn secret(
    typed: std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, KeyedValue> {
    typed
        .into_iter()
        .map(|(k, v)| (k, KeyedValue::new(v)))
        .collect()
}

/// Declarations to key: `n` papers drawn as the accuracy run draws them.
fn draw(n: usize, residents: u64, resident_seed: u64) -> anyhow::Result<Vec<Paper>> {
    let options = accuracy::Options {
        declarations: n,
        rate: 0.0,
        seed: 1,
    };
    accuracy::papers(&options, resident_seed, residents)
}

/// Every field of `papers` with its spec, checked `passes` times.
pub fn field_checks(schema: &FormSchema, papers: &[Paper], passes: usize) -> Vec<FieldCheckRow> {
    let mut by_kind: std::collections::BTreeMap<FieldKind, Vec<(&_, &str)>> =
        std::collections::BTreeMap::new();
    for paper in papers {
        for (path, text) in &paper.fields {
            if let Some(spec) = schema.field(path) {
                by_kind
                    .entry(spec.kind)
                    .or_default()
                    .push((spec, text.as_str()));
            }
        }
    }
    let mut rows = Vec::new();
    let mut all = (0usize, Duration::ZERO);
    for (kind, fields) in &by_kind {
        let started = Instant::now();
        for _ in 0..passes.max(1) {
            for (spec, text) in fields {
                let _ = black_box(check(black_box(spec), black_box(text)));
            }
        }
        let spent = started.elapsed();
        let checks = fields.len() * passes.max(1);
        all = (all.0 + checks, all.1 + spent);
        rows.push(FieldCheckRow {
            kind: kind.as_str(),
            fields: fields.len(),
            ns_per_check: spent.as_nanos() as f64 / checks.max(1) as f64,
        });
    }
    rows.push(FieldCheckRow {
        kind: "all fields",
        fields: by_kind.values().map(Vec::len).sum(),
        ns_per_check: all.1.as_nanos() as f64 / all.0.max(1) as f64,
    });
    rows
}

/// Request times of one keying run.
#[derive(Default)]
pub struct Keying {
    pub start: Vec<Duration>,
    pub submit_first: Vec<Duration>,
    pub start_second: Vec<Duration>,
    pub submit_second: Vec<Duration>,
    pub committed: usize,
    pub seconds: f64,
}

async fn timed<T>(
    into: &mut Vec<Duration>,
    call: impl std::future::Future<Output = Result<T, crate::client::ClientError>>,
) -> anyhow::Result<T> {
    let at = Instant::now();
    let out = call.await?;
    into.push(at.elapsed());
    Ok(out)
}

/// A first keyer: starts and submits each paper, hands the entry on.
pub(crate) async fn first_keyer(
    client: ApiClient,
    papers: Vec<Paper>,
    handover: Option<tokio::sync::mpsc::Sender<String>>,
) -> anyhow::Result<Keying> {
    let mut times = Keying::default();
    for (i, paper) in papers.iter().enumerate() {
        let request = StartEntryRequest {
            form: FORM.into(),
            person: paper.person.clone(),
            paper: format!("bench/{i:05}"),
            batch: None,
        };
        let view = timed(&mut times.start, client.start_entry(&request)).await?;
        let submit = SubmitRequest {
            fields: secret(paper.typed()),
            reasons: Default::default(),
        };
        let view = timed(
            &mut times.submit_first,
            client.submit_entry(&view.id, &submit),
        )
        .await?;
        match &handover {
            Some(to) => to.send(view.id).await.context("the second keyer stopped")?,
            None => {
                anyhow::ensure!(view.state == "committed", "single keyed but {}", view.state);
                times.committed += 1;
            }
        }
    }
    Ok(times)
}

/// A second keyer: keys each entry handed over from the paper.
async fn second_keyer(
    client: ApiClient,
    papers: Vec<Paper>,
    mut handover: tokio::sync::mpsc::Receiver<String>,
) -> anyhow::Result<Keying> {
    let mut times = Keying::default();
    for paper in &papers {
        let id = handover.recv().await.context("the first keyer stopped")?;
        let view = timed(&mut times.start_second, client.start_second(&id)).await?;
        let asked: BTreeSet<&String> = view.to_key.iter().collect();
        let fields = paper
            .typed()
            .into_iter()
            .filter(|(name, _)| {
                FieldPath::parse(name).is_some_and(|p| {
                    let pattern = match p.row {
                        Some(_) => format!("{}[].{}", p.group, p.field),
                        None => name.clone(),
                    };
                    asked.contains(&pattern)
                })
            })
            .collect();
        let request = FieldsRequest {
            fields: secret(fields),
        };
        let view = timed(
            &mut times.submit_second,
            client.submit_second(&id, &request),
        )
        .await?;
        anyhow::ensure!(
            view.state == "committed",
            "equal keyings but {}",
            view.state
        );
        times.committed += 1;
    }
    Ok(times)
}

/// 2 × `pairs` clerks keying `per_pair` papers per pair at once.
pub async fn keying(pairs: usize, per_pair: usize, double: bool) -> anyhow::Result<Keying> {
    let total = pairs * per_pair;
    let setting = if double {
        DoubleKeying::default()
    } else {
        DoubleKeying {
            kinds: BTreeSet::new(),
        }
    };
    let harness = Harness::start_with(None, (total as u64) * 2 + 500, move |c| {
        c.double_keying = setting
    })
    .await?;
    let papers = draw(total, harness.residents, harness.origin.seed)?;
    let clients = harness.sessions(pairs * 2).await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (p, chunk) in papers.chunks(per_pair.max(1)).enumerate() {
        let (first, second) = (clients[2 * p].clone(), clients[2 * p + 1].clone());
        if double {
            let (to, from) = tokio::sync::mpsc::channel(per_pair.max(1));
            tasks.push(tokio::spawn(first_keyer(first, chunk.to_vec(), Some(to))));
            tasks.push(tokio::spawn(second_keyer(second, chunk.to_vec(), from)));
        } else {
            // Both clerks of the pair key first: every submit commits.
            let half = chunk.len() / 2;
            tasks.push(tokio::spawn(first_keyer(
                first,
                chunk[..half].to_vec(),
                None,
            )));
            tasks.push(tokio::spawn(first_keyer(
                second,
                chunk[half..].to_vec(),
                None,
            )));
        }
    }
    let mut all = Keying::default();
    for task in tasks {
        let t = task.await??;
        all.start.extend(t.start);
        all.submit_first.extend(t.submit_first);
        all.start_second.extend(t.start_second);
        all.submit_second.extend(t.submit_second);
        all.committed += t.committed;
    }
    all.seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        all.committed == total,
        "{} of {total} committed",
        all.committed
    );
    Ok(all)
}

/// One day's commits as the re-verification list sees them: 40 clerks,
/// a few single-keyed, decided, warned or new.
pub fn day_of_commits(n: usize, seed: u64) -> Vec<CommitFacts> {
    let mut rng = StdRng::seed_from_u64(seed);
    let clerks: Vec<String> = (1..=40).map(|i| format!("kazei{i:02}")).collect();
    let day = date!(2026 - 02 - 16);
    (0..n)
        .map(|i| {
            let first = rng.random_range(0..clerks.len());
            let second = (first + rng.random_range(1..clerks.len())) % clerks.len();
            let single = rng.random_bool(0.03);
            CommitFacts {
                entry: format!("{i:032x}"),
                committed_on: day,
                first_by: clerks[first].clone(),
                second_by: (!single).then(|| clerks[second].clone()),
                deciders: if rng.random_bool(0.02) {
                    vec!["shunin01".into()]
                } else {
                    vec![]
                },
                warnings_overridden: usize::from(rng.random_bool(0.01)),
                // About one in twenty declarations has an amount of ten
                // million yen or more (a business's revenue, a high salary).
                largest_amount: if rng.random_bool(0.05) {
                    rng.random_range(10_000_000..30_000_000)
                } else {
                    rng.random_range(500_000..10_000_000)
                },
                first_keyer_since: if first < 2 {
                    date!(2026 - 02 - 01)
                } else {
                    date!(2020 - 04 - 01)
                },
                draw: rng.random_range(0..1000),
            }
        })
        .collect()
}

/// Builds the next-day list over `commits` `runs` times.
pub fn next_day_list(commits: &[CommitFacts], runs: usize) -> (Summary, usize) {
    let clerks: Vec<String> = (1..=40).map(|i| format!("kazei{i:02}")).collect();
    let rules = Rules::default();
    let calendar = Calendar::default();
    let today = date!(2026 - 02 - 17);
    let mut times = Vec::new();
    let mut listed = 0;
    for _ in 0..runs.max(1) {
        let at = Instant::now();
        let list = reverify::build(&rules, &calendar, today, black_box(commits), &clerks);
        times.push(at.elapsed());
        listed = black_box(list).len();
    }
    (summarize(&mut times), listed)
}

fn row(label: &str, samples: &mut [Duration]) -> String {
    let s = summarize(samples);
    format!(
        "| {label} | {} | {} | {} | {} |",
        s.n,
        fmt(s.p50),
        fmt(s.p99),
        fmt(s.max)
    )
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    eprintln!(
        "entry: field checks, {} clerks keying {} declarations, next-day list over {} commits",
        options.pairs * 2,
        options.pairs * options.per_pair,
        options.commits
    );

    let papers = draw(200, 1_000, 1)?;
    let checks = tokio::task::spawn_blocking({
        let papers = papers.clone();
        move || field_checks(schema, &papers, options.passes)
    })
    .await?;
    println!(
        "Field check in the terminal (`domain::entry::field::check`, the fields of 200 declarations, {} passes):\n",
        options.passes
    );
    println!("| field kind | fields | ns per check |\n|---|---:|---:|");
    for r in &checks {
        println!("| {} | {} | {:.0} |", r.kind, r.fields, r.ns_per_check);
    }

    let mut double = keying(options.pairs, options.per_pair, true).await?;
    let mut single = keying(options.pairs, options.per_pair, false).await?;
    println!(
        "\nSubmit to commit over HTTP, {} clerks at once ({} pairs), {} declarations each way:\n",
        options.pairs * 2,
        options.pairs,
        options.pairs * options.per_pair
    );
    println!("| request | n | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    println!("{}", row("double keying: start", &mut double.start));
    println!(
        "{}",
        row(
            "double keying: first submit (checks, to the second keyer)",
            &mut double.submit_first
        )
    );
    println!(
        "{}",
        row(
            "double keying: take for second keying",
            &mut double.start_second
        )
    );
    println!(
        "{}",
        row(
            "double keying: second submit (compare, commit)",
            &mut double.submit_second
        )
    );
    println!("{}", row("single keying: start", &mut single.start));
    println!(
        "{}",
        row(
            "single keying: submit (checks, commit)",
            &mut single.submit_first
        )
    );
    println!(
        "\nCommitted: {} double-keyed in {:.1} s ({:.0} per second), {} single-keyed in {:.1} s ({:.0} per second).",
        double.committed,
        double.seconds,
        double.committed as f64 / double.seconds.max(1e-9),
        single.committed,
        single.seconds,
        single.committed as f64 / single.seconds.max(1e-9)
    );

    let commits = day_of_commits(options.commits, 1);
    let (list, listed) = tokio::task::spawn_blocking(move || next_day_list(&commits, 11)).await?;
    println!(
        "\nNext-day list over one day of {} commits (`domain::entry::reverify::build`, 11 runs): \
         min {}, median {}, max {}; {} listed.",
        options.commits,
        fmt(list.min),
        fmt(list.p50),
        fmt(list.max),
        listed
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_of_commits_gives_a_list_with_every_reason() {
        let commits = day_of_commits(2_000, 1);
        assert_eq!(commits.len(), 2_000);
        let list = reverify::build(
            &Rules::default(),
            &Calendar::default(),
            date!(2026 - 02 - 17),
            &commits,
            &(1..=40).map(|i| format!("kazei{i:02}")).collect::<Vec<_>>(),
        );
        let reasons: BTreeSet<&str> = list
            .iter()
            .flat_map(|i| i.why.iter().map(|w| w.as_str()))
            .collect();
        for why in [
            "single_keyed",
            "large_amount",
            "new_keyer",
            "supervisor_decided",
            "warning_overridden",
            "sample",
        ] {
            assert!(reasons.contains(why), "{why}: {reasons:?}");
        }
        assert!(list.len() < commits.len());
    }

    #[test]
    fn every_field_kind_of_the_form_is_checked() {
        let schema = forms::form(FORM).unwrap();
        let papers = draw(30, 200, 1).unwrap();
        let rows = field_checks(schema, &papers, 1);
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
        for kind in [
            "amount",
            "date",
            "text",
            "kana",
            "my_number",
            "phone",
            "choice",
            "all fields",
        ] {
            assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
        }
    }
}
