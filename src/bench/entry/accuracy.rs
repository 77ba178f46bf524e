//! `bansho bench entry-accuracy`: how many keying slips reach a committed
//! record, with and without double keying.
//!
//! N declarations are drawn (seeded, so a run repeats) and keyed through
//! the real service over HTTP by the demo's assessment clerks (kazei01,
//! kazei02, kazei03), who slip at a given rate per keyed field; shunin01
//! decides what still differs. The service is started twice: once with
//! double keying off (`DoubleKeying { kinds: {} }`: the first submit
//! commits) and once with its default (every amount, date and number keyed
//! twice, blind). A slip counts as
//!
//! - caught by a field check or a cross-field check when the service
//!   refuses the submit naming its field (the clerk keys it again from the
//!   paper, correctly); when a cross-field check names only fields that are
//!   right, the clerk compares the whole form with the paper;
//! - caught by comparison when the service names its field as differing
//!   between the keyings, or puts it to the supervisor (who reads the
//!   paper and keeps the right value, or returns the field to the first
//!   keyer when neither is right);
//! - reached a committed record when the record, read back from the store
//!   and unsealed with its keys as the service does, holds its value.
//!
//! Keying again after a difference is keying: it slips at the same rate.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::Context as _;
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::OffsetDateTime;

use super::keyer::{Caught, Clerk, Keyed, Slip, Stage};
use super::paper::{self, FORM, Paper};
use super::tally::{self, Tally};
use crate::api::entry::{
    DecideRequest, Decision, DiscardRequest, EntryView, Keyer, Problem, StartEntryRequest,
    SubmitRequest,
};
use crate::bench::harness::Harness;
use crate::client::{ApiClient, ClientError};
use crate::domain::entry::checks;
use crate::domain::entry::compare::DoubleKeying;
use crate::domain::entry::forms;
use crate::domain::entry::keying::Keying;
use crate::domain::entry::record::RecordVersion;
use crate::domain::entry::schema::{FieldPath, FormSchema};
use crate::domain::synth;
use crate::server::data_dir;
use crate::store::EntryStore;
use crate::testkit::Account;

/// The clerks who key and the supervisor who decides: the demo's staff.
pub const CLERKS: [&str; 3] = ["kazei01", "kazei02", "kazei03"];
pub const SUPERVISOR: &str = "shunin01";

/// Refusals and workflow rounds one entry may take before the
/// simulation stops it (never reached in practice).
const MAX_TRIES: usize = 12;

/// What the simulated people write where the service asks for a reason.
const WARNING_REASON: &str = "原票と照合済み";
const DECISION_REASON: &str = "原票で確認";
const DISCARD_REASON: &str = "照合が収束しないため再入力";

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub declarations: usize,
    /// The chance of a slip in each keyed field that has digits.
    pub rate: f64,
    pub seed: u64,
}

/// Random streams of one declaration: the paper, and each keyer's slips.
#[derive(Clone, Copy)]
enum Stream {
    Paper = 1,
    First = 2,
    Second = 3,
}

fn rng_for(seed: u64, index: usize, stream: Stream) -> StdRng {
    let mixed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ (stream as u64).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(mixed)
}

/// The declarations of a run: the same for the same seed.
pub fn papers(options: &Options, resident_seed: u64, residents: u64) -> anyhow::Result<Vec<Paper>> {
    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    let year = forms::tax_year(schema.income_year).context("no figures for its year")?;
    let taxpayers: Vec<synth::SyntheticResident> = (0..residents)
        .map(|i| synth::generate(resident_seed, i))
        .filter(|r| paper::can_declare(r, year.income_year))
        .take(options.declarations)
        .collect();
    anyhow::ensure!(
        taxpayers.len() == options.declarations,
        "only {} of {residents} residents can declare",
        taxpayers.len()
    );
    taxpayers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut rng = rng_for(options.seed, i, Stream::Paper);
            Ok(paper::declaration(schema, year, r, &mut rng)?)
        })
        .collect()
}

/// Residents to seed so that enough of them can declare.
fn residents_for(declarations: usize) -> u64 {
    declarations as u64 * 2 + 500
}

/// The clerks' and the supervisor's sessions.
struct Staff {
    clerks: Vec<ApiClient>,
    supervisor: ApiClient,
}

async fn log_in(harness: &Harness) -> anyhow::Result<Staff> {
    let wanted: Vec<&str> = CLERKS.iter().copied().chain([SUPERVISOR]).collect();
    let staff: Vec<_> = data_dir::demo_staff()
        .into_iter()
        .filter(|s| wanted.contains(&s.user_id.as_str()))
        .collect();
    let accounts: Vec<Account> = staff.iter().map(Account::of).collect();
    let (store, keys) = (harness.store.clone(), harness.keys.clone());
    tokio::task::spawn_blocking(move || {
        for s in &staff {
            data_dir::create_staff(store.as_ref(), &keys, s, OffsetDateTime::now_utc())?;
        }
        anyhow::Ok(())
    })
    .await??;
    let mut sessions = BTreeMap::new();
    for account in &accounts {
        let client = harness.client()?;
        let response = client
            .login(&account.login_request("assessment", OffsetDateTime::now_utc()))
            .await?;
        sessions.insert(account.user_id.clone(), client.with_token(response.token));
    }
    let mut take = |id: &str| sessions.remove(id).context("a demo account is missing");
    Ok(Staff {
        clerks: CLERKS.iter().map(|c| take(c)).collect::<Result<_, _>>()?,
        supervisor: take(SUPERVISOR)?,
    })
}

/// What the simulation shares between the entries of a run.
struct Run<'a> {
    harness: &'a Harness,
    schema: &'static FormSchema,
    double: DoubleKeying,
    staff: Staff,
    options: &'a Options,
}

/// One entry's result.
struct Outcome {
    slips: Vec<(Slip, bool)>,
    committed: bool,
    record_fields: usize,
    wrong_fields: usize,
    unexplained: usize,
    keyed: BTreeMap<Stage, usize>,
    decisions: usize,
}

/// One paper through the workflow.
struct Entry<'r> {
    run: &'r Run<'r>,
    paper: &'r Paper,
    truth: Keying,
    id: String,
    slips: Vec<Slip>,
    keyings: [Keyed; 2],
    clerks: [Clerk; 2],
    clients: [&'r ApiClient; 2],
    keyed: BTreeMap<Stage, usize>,
    decisions: usize,
}

fn at(who: Keyer) -> usize {
    match who {
        Keyer::First => 0,
        Keyer::Second => 1,
    }
}

fn is_check_code(code: &str) -> bool {
    checks::CODES.iter().any(|(c, _, _)| *c == code)
}

impl<'r> Entry<'r> {
    fn caught(&mut self, slip: usize, how: Caught) {
        let slip = &mut self.slips[slip];
        slip.caught.get_or_insert(how);
    }

    /// The service named `fields` as differing: the slips in them (in
    /// either keying) are found.
    fn named(&mut self, fields: &[FieldPath], how: Caught) {
        let found: Vec<usize> = self
            .keyings
            .iter()
            .flat_map(|k| {
                fields
                    .iter()
                    .filter_map(|f| k.0.get(f).and_then(|t| t.slip))
            })
            .collect();
        for slip in found {
            self.caught(slip, how);
        }
    }

    /// A refused submit: the clerk keys each named field that holds a slip
    /// again from the paper, gives a reason for a warning on a field that
    /// is right, and reads the whole form against the paper when an error
    /// names only fields that are right.
    fn put_right(
        &mut self,
        who: Keyer,
        problems: &[Problem],
        mut reasons: Option<&mut BTreeMap<String, String>>,
    ) -> anyhow::Result<()> {
        let mut fixed = 0;
        let mut unexplained = None;
        let mut explained = 0;
        for problem in problems {
            let cross = is_check_code(&problem.code);
            let how = if cross {
                Caught::CrossCheck
            } else {
                Caught::FieldCheck
            };
            let mut here = 0;
            for field in problem.fields.iter().filter_map(|f| FieldPath::parse(f)) {
                if let Some(slip) = self.keyings[at(who)].correct(self.paper, &field) {
                    self.caught(slip, how);
                    here += 1;
                }
            }
            fixed += here;
            if here > 0 {
                continue;
            }
            match (
                problem.severity.as_str(),
                &problem.key,
                reasons.as_deref_mut(),
            ) {
                ("warning", Some(key), Some(reasons)) => {
                    reasons.insert(key.clone(), WARNING_REASON.to_owned());
                    explained += 1;
                }
                _ if cross => unexplained = Some(problem.code.clone()),
                _ => anyhow::bail!(
                    "the service refuses the paper's own text ({} at {:?})",
                    problem.code,
                    problem.fields
                ),
            }
        }
        if fixed > 0 {
            return Ok(());
        }
        if let Some(code) = unexplained {
            let slipped: Vec<FieldPath> = self.keyings[at(who)]
                .0
                .iter()
                .filter(|(_, t)| t.slip.is_some())
                .map(|(p, _)| p.clone())
                .collect();
            anyhow::ensure!(!slipped.is_empty(), "the paper itself fails `{code}`");
            for field in slipped {
                if let Some(slip) = self.keyings[at(who)].correct(self.paper, &field) {
                    self.caught(slip, Caught::CrossCheck);
                }
            }
            return Ok(());
        }
        anyhow::ensure!(explained > 0, "refused with nothing to put right");
        Ok(())
    }

    async fn submit_first(&mut self) -> anyhow::Result<EntryView> {
        let mut reasons = BTreeMap::new();
        for _ in 0..MAX_TRIES {
            let request = SubmitRequest {
                fields: self.keyings[0].request(),
                reasons: reasons.clone(),
            };
            match self.clients[0].submit_entry(&self.id, &request).await {
                Ok(view) => return Ok(view),
                Err(ClientError::Entry { refusal, .. }) => {
                    self.put_right(Keyer::First, &refusal.problems, Some(&mut reasons))?
                }
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("the first submit is still refused after {MAX_TRIES} tries")
    }

    async fn submit_second(&mut self) -> anyhow::Result<EntryView> {
        for _ in 0..MAX_TRIES {
            let request = crate::api::entry::FieldsRequest {
                fields: self.keyings[1].request(),
            };
            match self.clients[1].submit_second(&self.id, &request).await {
                Ok(view) => return Ok(view),
                Err(ClientError::Entry { refusal, .. }) => {
                    self.put_right(Keyer::Second, &refusal.problems, None)?
                }
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("the second keying is still refused after {MAX_TRIES} tries")
    }

    /// The keyer asked keys `fields` again from the paper, blind.
    async fn rekey(&mut self, who: Keyer, fields: &[FieldPath]) -> anyhow::Result<EntryView> {
        self.named(fields, Caught::Comparison);
        let again = self.clerks[at(who)].key(
            self.run.schema,
            self.paper,
            fields,
            Stage::Rekey,
            &mut self.slips,
        );
        *self.keyed.entry(Stage::Rekey).or_default() += again.0.len();
        let own = &mut self.keyings[at(who)];
        for field in fields {
            own.0.remove(field);
            if let Some(typed) = again.0.get(field) {
                own.0.insert(field.clone(), typed.clone());
            }
        }
        for _ in 0..MAX_TRIES {
            let request = crate::api::entry::FieldsRequest {
                fields: self.keyings[at(who)].request_of(fields),
            };
            match self.clients[at(who)].rekey(&self.id, &request).await {
                Ok(view) => return Ok(view),
                Err(ClientError::Entry { refusal, .. }) => {
                    self.put_right(who, &refusal.problems, None)?
                }
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("keying again is still refused after {MAX_TRIES} tries")
    }

    /// The supervisor reads the paper: keeps the value that is on it, or
    /// returns the field to the first keyer when neither keyer has it.
    async fn decide(&mut self) -> anyhow::Result<(EntryView, Option<Keyer>)> {
        let supervisor = &self.run.staff.supervisor;
        let view = supervisor.entry_decision(&self.id).await?;
        anyhow::ensure!(!view.to_decide.is_empty(), "nothing to decide");
        let schema = self.run.schema;
        let mut decisions = BTreeMap::new();
        let mut returned = None;
        for question in &view.to_decide {
            let field = FieldPath::parse(&question.field).context("a field to decide")?;
            let how = if question.findings.is_empty() {
                Caught::Comparison
            } else {
                Caught::CrossCheck
            };
            self.named(std::slice::from_ref(&field), how);
            let first = question.first.as_ref().map(|v| v.expose().to_owned());
            let second = question.second.as_ref().map(|v| v.expose().to_owned());
            anyhow::ensure!(
                first == self.keyings[0].value(schema, &field)
                    && second == self.keyings[1].value(schema, &field),
                "the simulation is out of step with the service at {field}"
            );
            let truth = self.truth.get(&field).map(str::to_owned);
            let double = schema
                .field(&field)
                .is_some_and(|s| self.run.double.applies(s));
            let decision = if first == truth {
                Decision::Keep(Keyer::First)
            } else if second == truth && double {
                Decision::Keep(Keyer::Second)
            } else {
                returned = Some(Keyer::First);
                Decision::Return(Keyer::First)
            };
            decisions.insert(field, decision);
        }
        let request = DecideRequest {
            decisions: decisions.iter().map(|(f, d)| (f.to_string(), *d)).collect(),
            reason: DECISION_REASON.to_owned(),
        };
        let next = supervisor.decide(&self.id, &request).await?;
        self.decisions += decisions.len();
        for (field, decision) in &decisions {
            let (to, from) = match decision {
                Decision::Keep(Keyer::First) => (1, 0),
                Decision::Keep(Keyer::Second) => (0, 1),
                Decision::Return(_) => continue,
            };
            match self.keyings[from].0.get(field).cloned() {
                Some(typed) => self.keyings[to].0.insert(field.clone(), typed),
                None => self.keyings[to].0.remove(field),
            };
        }
        Ok((next, returned))
    }

    /// From the first submit's answer to a committed (or discarded) entry.
    async fn settle(&mut self, mut view: EntryView) -> anyhow::Result<bool> {
        if view.state == "awaiting_second" {
            let started = self.clients[1].start_second(&self.id).await?;
            let fields = expand(&started.to_key, self.paper);
            self.keyings[1] = self.clerks[1].key(
                self.run.schema,
                self.paper,
                &fields,
                Stage::Second,
                &mut self.slips,
            );
            *self.keyed.entry(Stage::Second).or_default() += self.keyings[1].0.len();
            view = self.submit_second().await?;
        }
        let mut asked = Keyer::Second;
        for _ in 0..MAX_TRIES {
            match view.state.as_str() {
                "committed" => return Ok(true),
                "rekeying" => {
                    let to_key = if view.to_key.is_empty() {
                        self.clients[at(asked)].entry(&self.id).await?.to_key
                    } else {
                        view.to_key.clone()
                    };
                    let fields: Vec<FieldPath> =
                        to_key.iter().filter_map(|f| FieldPath::parse(f)).collect();
                    anyhow::ensure!(!fields.is_empty(), "asked to key again, but nothing");
                    view = self.rekey(asked, &fields).await?;
                }
                "adjudication" => {
                    let (next, returned) = self.decide().await?;
                    if let Some(keyer) = returned {
                        asked = keyer;
                    }
                    view = next;
                }
                other => anyhow::bail!("an entry in state {other} while settling"),
            }
        }
        // A workflow that does not settle is discarded and keyed anew.
        let request = DiscardRequest {
            reason: DISCARD_REASON.to_owned(),
        };
        self.run
            .staff
            .supervisor
            .discard_decision(&self.id, &request)
            .await?;
        let open: Vec<usize> = self.keyings.iter().flat_map(Keyed::slips).collect();
        for slip in open {
            self.caught(slip, Caught::Comparison);
        }
        Ok(false)
    }

    /// The committed record as the store holds it, unsealed.
    async fn record(&self) -> anyhow::Result<Keying> {
        let (store, keys) = (
            self.run.harness.store.clone(),
            self.run.harness.keys.clone(),
        );
        let (person, id) = (self.paper.person.clone(), self.id.clone());
        tokio::task::spawn_blocking(move || {
            let row = store
                .tax_records(&person, FORM)?
                .into_iter()
                .find(|r| r.entry == id)
                .context("the committed entry has no record")?;
            let label = format!("record:{person}:{FORM}:{id}");
            let json = keys
                .open_entry(&label, &row.body)
                .map_err(|_| anyhow::anyhow!("the record does not unseal"))?;
            let version: RecordVersion = serde_json::from_slice(&json)?;
            anyhow::Ok(version.record)
        })
        .await?
    }
}

/// The fields a second keyer is asked for, on this paper: `table[].field`
/// is that field of every row the paper has.
pub fn expand(to_key: &[String], paper: &Paper) -> Vec<FieldPath> {
    let mut out = Vec::new();
    for name in to_key {
        match name.split_once("[].") {
            Some((table, field)) => {
                out.extend((0..paper.rows(table)).map(|r| FieldPath::row(table, r, field)))
            }
            None => out.extend(FieldPath::parse(name)),
        }
    }
    out.retain(|p| paper.fields.contains_key(p));
    out
}

async fn enter(
    run: &Run<'_>,
    index: usize,
    paper: &Paper,
    clients: [&ApiClient; 2],
) -> anyhow::Result<Outcome> {
    let schema = run.schema;
    let truth = paper
        .truth(schema)
        .map_err(|e| anyhow::anyhow!("the paper fails its field checks: {e:?}"))?;
    let rate = run.options.rate;
    let clerk = |stream| Clerk {
        rate,
        rng: rng_for(run.options.seed, index, stream),
    };
    let started = clients[0]
        .start_entry(&StartEntryRequest {
            form: FORM.to_owned(),
            person: paper.person.clone(),
            paper: format!("bench/{index:05}"),
            batch: None,
        })
        .await?;
    let mut entry = Entry {
        run,
        paper,
        truth,
        id: started.id,
        slips: Vec::new(),
        keyings: [Keyed::default(), Keyed::default()],
        clerks: [clerk(Stream::First), clerk(Stream::Second)],
        clients,
        keyed: BTreeMap::new(),
        decisions: 0,
    };
    let all: Vec<FieldPath> = paper.fields.keys().cloned().collect();
    entry.keyings[0] = entry.clerks[0].key(schema, paper, &all, Stage::First, &mut entry.slips);
    entry.keyed.insert(Stage::First, entry.keyings[0].0.len());
    let view = entry.submit_first().await?;
    let committed = entry.settle(view).await?;

    let record = if committed {
        Some(entry.record().await?)
    } else {
        None
    };
    let value = |path: &FieldPath| record.as_ref().and_then(|r| r.get(path)).map(str::to_owned);
    let slips: Vec<(Slip, bool)> = entry
        .slips
        .iter()
        .map(|s| {
            let reached = s.value(schema).is_some_and(|v| value(&s.field) == Some(v));
            (s.clone(), reached)
        })
        .collect();
    let (mut record_fields, mut wrong_fields, mut unexplained) = (0, 0, 0);
    if let Some(record) = &record {
        let paths: BTreeSet<&FieldPath> = record.paths().chain(entry.truth.paths()).collect();
        record_fields = record.len();
        for path in paths {
            if record.get(path) != entry.truth.get(path) {
                wrong_fields += 1;
                if !slips
                    .iter()
                    .any(|(s, reached)| *reached && &s.field == path)
                {
                    unexplained += 1;
                }
            }
        }
    }
    Ok(Outcome {
        slips,
        committed,
        record_fields,
        wrong_fields,
        unexplained,
        keyed: entry.keyed,
        decisions: entry.decisions,
    })
}

/// One clerk's share of the papers: clerk `lane` keys them first and the
/// next clerk keys them again.
async fn lane(run: &Run<'_>, papers: &[Paper], lane: usize) -> anyhow::Result<Vec<Outcome>> {
    let clerks = &run.staff.clerks;
    let clients = [&clerks[lane], &clerks[(lane + 1) % clerks.len()]];
    let mut out = Vec::new();
    for (index, paper) in papers.iter().enumerate().skip(lane).step_by(clerks.len()) {
        out.push(
            enter(run, index, paper, clients)
                .await
                .with_context(|| format!("declaration {index}"))?,
        );
    }
    Ok(out)
}

/// Runs every declaration through a service with `double` as its setting.
pub async fn measure(options: &Options, double: DoubleKeying) -> anyhow::Result<Tally> {
    let started = Instant::now();
    let setting = double.clone();
    let residents = residents_for(options.declarations);
    let harness = Harness::start_with(None, residents, move |config| {
        config.double_keying = setting
    })
    .await?;
    let papers = papers(options, harness.origin.seed, harness.residents)?;
    let run = Run {
        harness: &harness,
        schema: forms::form(FORM).context("the declaration form is not built in")?,
        double,
        staff: log_in(&harness).await?,
        options,
    };
    let lanes = (0..CLERKS.len()).map(|l| lane(&run, &papers, l));
    let outcomes = futures::future::try_join_all(lanes).await?;
    let mut tally = Tally::default();
    for outcome in outcomes.into_iter().flatten() {
        tally.declarations += 1;
        tally.committed += usize::from(outcome.committed);
        tally.discarded += usize::from(!outcome.committed);
        tally.record_fields += outcome.record_fields;
        tally.wrong_fields += outcome.wrong_fields;
        tally.records_wrong += usize::from(outcome.wrong_fields > 0);
        tally.unexplained += outcome.unexplained;
        tally.decisions += outcome.decisions;
        for (stage, n) in outcome.keyed {
            *tally.keyed.entry(stage).or_default() += n;
        }
        for (slip, reached) in &outcome.slips {
            tally.add_slip(slip, *reached);
        }
    }
    tally.seconds = started.elapsed().as_secs_f64();
    Ok(tally)
}

/// Without double keying, then with it: the same papers, and the same
/// slips in the first keying.
pub async fn measure_both(options: &Options) -> anyhow::Result<(Tally, Tally)> {
    let single = DoubleKeying {
        kinds: BTreeSet::new(),
    };
    let without = measure(options, single).await?;
    let with = measure(options, DoubleKeying::default()).await?;
    Ok((without, with))
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    eprintln!(
        "entry accuracy: {} declarations, slip rate {} per keyed field, seed {}",
        options.declarations, options.rate, options.seed
    );
    let (without, with) = measure_both(&options).await?;
    println!(
        "{} declarations (juminzei_shinkoku), slip rate {:.1} % per keyed field with digits, seed {} \
         (`--seed {}` repeats this run); keyed by {} through the service over mutual TLS, \
         decided by {}.\n",
        options.declarations,
        options.rate * 100.0,
        options.seed,
        options.seed,
        CLERKS.join(", "),
        SUPERVISOR
    );
    println!(
        "Without double keying (`DoubleKeying {{ kinds: {{}} }}`: the first submit commits):\n"
    );
    println!("{}", tally::kind_table(&without));
    println!(
        "With double keying (the default: every amount, date and number keyed again, blind, by another clerk):\n"
    );
    println!("{}", tally::kind_table(&with));
    println!("With double keying, by the keying the slip was made in:\n");
    println!("{}", tally::stage_table(&with));
    println!("By the kind of field the slip was made in:\n");
    println!("{}", tally::field_kind_table(&without, &with));
    println!("The committed records, read back from the store:\n");
    println!("{}", tally::record_table(&without, &with));
    let lost =
        without.unexplained + with.unexplained + without.total.unsettled + with.total.unsettled;
    anyhow::ensure!(
        lost == 0,
        "{lost} differences or slips the simulation cannot account for"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole simulation through the real service, on a few papers with
    /// many slips: every slip is accounted for, the records read back
    /// differ from the paper exactly where a slip reached them, and only
    /// the double-keyed run compares.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_slip_is_caught_or_found_in_its_record() {
        let options = Options {
            declarations: 9,
            rate: 0.25,
            seed: 11,
        };
        let (without, with) = measure_both(&options).await.unwrap();
        for t in [&without, &with] {
            assert_eq!((t.declarations, t.committed), (9, 9));
            assert_eq!((t.unexplained, t.total.unsettled), (0, 0));
            let r = t.total;
            assert_eq!(
                r.made,
                r.field_check + r.cross_check + r.comparison + r.reached
            );
            assert!(r.made > 20, "{r:?}");
            // Every wrong field is a slip that reached its record.
            assert!(t.wrong_fields <= r.reached, "{t:?}");
            assert!(t.wrong_fields > 0 || r.reached == 0, "{t:?}");
        }
        assert_eq!(without.total.comparison, 0);
        assert!(with.total.comparison > 0, "{:?}", with.total);
        assert!(with.keyed.get(&Stage::Second).copied().unwrap_or(0) > 0);
        assert!(!without.keyed.contains_key(&Stage::Second));
        // The first keyer's slips are the same in both runs: same seed.
        assert_eq!(
            without.by_stage[&Stage::First].made,
            with.by_stage[&Stage::First].made
        );
        assert!(with.total.reached_share() != "-");
        assert!(with.total.reached < without.total.reached, "{with:?}");
    }

    /// Keying again is blind and names only the fields that differ: a
    /// dependent's number in the second row, alone, is a keying of its own
    /// (rows before it are not asked for, so they are no gap).
    #[test]
    fn a_field_of_a_later_row_is_keyed_again_alone() {
        let schema = forms::form(FORM).unwrap();
        let asked = FieldPath::row("dependents", 1, "my_number");
        let typed: BTreeMap<String, String> =
            [(asked.to_string(), "123456789018".to_owned())].into();
        let keying = Keying::check_within(schema, &typed, &|p| p == &asked).unwrap();
        assert_eq!(keying.get(&asked), Some("123456789018"));
        // A whole keying with a row left out is still refused.
        let all: BTreeMap<String, String> = [(asked.to_string(), "123456789018".to_owned())].into();
        let refused = Keying::check(schema, &all).unwrap_err();
        assert!(refused.iter().any(|e| e.code() == "row_gap"), "{refused:?}");
    }

    #[test]
    fn a_second_keyer_is_asked_for_every_row_the_paper_has() {
        let options = Options {
            declarations: 40,
            rate: 0.0,
            seed: 2,
        };
        let papers = papers(&options, 1, 200).unwrap();
        let paper = papers
            .iter()
            .find(|p| p.rows("dependents") >= 2)
            .expect("a paper with two dependents");
        let asked = expand(
            &["dependents[].my_number".into(), "revenue.salary".into()],
            paper,
        );
        let rows = paper.rows("dependents");
        let numbers = asked.iter().filter(|p| p.field == "my_number").count();
        assert_eq!(numbers, rows);
        let salary = FieldPath::new("revenue", "salary");
        assert_eq!(asked.contains(&salary), paper.fields.contains_key(&salary));
    }
}
