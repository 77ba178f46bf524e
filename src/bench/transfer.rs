//! `bansho bench transfer`: a manual transfer of N records (10,000 by
//! default, the most one transfer takes) through the real service over
//! HTTP to a real `bansho sink` on loopback, pinned to the sink's CA.
//!
//! A fresh city is seeded and one declaration per taxpayer is keyed and
//! committed through the service (single keying, 8 clerks at once), so
//! every record has what the shipped format requires. 支援措置 residents
//! come at the synthetic data's own rate (at least one). Each run then
//! prepares and approves a transfer of the N persons and times, in the
//! client (end to end) and in the service (router in to response out):
//! the preview (manifest built from the store, SHA-256), reconfirming each
//! 支援措置 record, the sign-off (the manifest built again) and the send
//! (commit of the attempt, the bytes to the sink, its receipt, commit).
//! The manifest is also built in this process without HTTP, once with one
//! store trip per read as the service makes them and once with every read
//! in one blocking call, and then only serialised and hashed: which part
//! of the preview is store trips and which is hashing.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::entry::figures::first_keyer;
use super::entry::paper::{self, FORM, Paper};
use super::harness::Harness;
use super::stats::{Summary, fmt, summarize};
use crate::api::transfer::{
    DestinationView, FormatView, PreviewView, ReconfirmRequest, SignOffRequest, TransferView,
};
use crate::client::ApiClient;
use crate::domain::entry::compare::DoubleKeying;
use crate::domain::entry::forms;
use crate::domain::entry::schema::FieldPath;
use crate::domain::person_number::PersonNumber;
use crate::domain::roles::{Department, Role};
use crate::domain::synth::{self, SyntheticResident};
use crate::domain::transfer::destination::{Destination, DestinationKind};
use crate::domain::transfer::format::{RecordField, TransferFormat, shipped};
use crate::domain::transfer::machine::Request;
use crate::domain::transfer::manifest::{Manifest, ManifestHash, SourceRecord};
use crate::secret::KeyedValue;
use crate::server::AppState;
use crate::server::data_dir::{self, NewStaff};
use crate::store::{ResidentRow, TaxRecordRow};
use crate::testkit::Account;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Records in each transfer (1 to 10,000).
    pub records: usize,
    /// Transfers timed.
    pub runs: usize,
}

/// Clerks keying the declarations at once.
const KEYERS: usize = 8;
const DESTINATION: &str = "bench-partner";
const IT_OFFICER: (Role, Department) = (Role::ItOfficer, Department::InformationSystems);
const SUPERVISOR: (Role, Department) = (Role::Supervisor, Department::Assessment);

/// One request's time in the client and in the service.
#[derive(Default)]
struct Timed {
    client: Vec<Duration>,
    service: Vec<Duration>,
}

/// Every step of every run.
#[derive(Default)]
struct Figures {
    prepare: Timed,
    approve: Timed,
    preview: Timed,
    reconfirm: Timed,
    reconfirm_all: Vec<Duration>,
    sign_off: Timed,
    send: Timed,
    reads_trips: Vec<Duration>,
    reads_batch: Vec<Duration>,
    build: Vec<Duration>,
    hash: Vec<Duration>,
    manifest_bytes: usize,
    request_bytes: usize,
    sensitive: usize,
}

/// A `bansho sink` on 127.0.0.1:0 in this process, stopped when dropped.
struct Sink {
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start_sink() -> anyhow::Result<Sink> {
    let dir = tempfile::Builder::new()
        .prefix("bansho-bench-sink-")
        .tempdir()?;
    crate::sink::prepare(dir.path(), &[])?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let path = dir.path().to_path_buf();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(error) =
            crate::sink::serve(listener, &path, std::time::Duration::ZERO, shutdown).await
        {
            eprintln!("  the sink stopped: {error}");
        }
    });
    Ok(Sink {
        addr,
        dir,
        _stop: stop,
    })
}

/// A call whose answer must be a success; a refusal names its path and status.
async fn call<T: DeserializeOwned>(
    client: &ApiClient,
    method: Method,
    path: &str,
    body: Option<String>,
) -> anyhow::Result<T> {
    let (status, text, _) = client.raw(method, path, body).await?;
    if !(200..300).contains(&status) {
        // The service's error code only: a message may name a person.
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        anyhow::bail!("{path}: the service answered {status} {code}");
    }
    serde_json::from_str(&text).with_context(|| format!("{path}: the answer does not decode"))
}

/// `call`, timed in the client and (from the harness's recorder) in the service.
async fn timed<T: DeserializeOwned>(
    harness: &Harness,
    into: &mut Timed,
    client: &ApiClient,
    path: &str,
    body: Option<String>,
) -> anyhow::Result<T> {
    harness.requests.take();
    let started = Instant::now();
    let answer = call(client, Method::POST, path, body).await?;
    into.client.push(started.elapsed());
    let served = harness
        .requests
        .take()
        .into_iter()
        .filter(|(p, _)| p.ends_with(path))
        .map(|(_, d)| d)
        .sum();
    into.service.push(served);
    Ok(answer)
}

/// The first `n` taxpayers of the synthetic city (resident, adult), with
/// 支援措置 residents among them at the data's own rate, and at least one.
fn taxpayers(seed: u64, residents: u64, n: usize) -> anyhow::Result<Vec<SyntheticResident>> {
    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    let can = |r: &SyntheticResident| {
        // can_declare leaves 支援措置 residents out of the entry benchmarks;
        // here they are wanted.
        let mut open = r.clone();
        open.support_measure = false;
        paper::can_declare(&open, schema.income_year)
    };
    let all: Vec<SyntheticResident> = (0..residents)
        .map(|i| synth::generate(seed, i))
        .filter(can)
        .collect();
    anyhow::ensure!(
        all.len() >= n,
        "only {} of {residents} residents can declare",
        all.len()
    );
    let mut chosen = all[..n].to_vec();
    if !chosen.iter().any(|r| r.support_measure)
        && let Some(protected) = all[n..].iter().find(|r| r.support_measure)
        && let Some(last) = chosen.last_mut()
    {
        *last = protected.clone();
    }
    Ok(chosen)
}

/// One committed declaration per taxpayer, keyed by `KEYERS` clerks.
async fn key_declarations(
    harness: &Harness,
    taxpayers: &[SyntheticResident],
) -> anyhow::Result<()> {
    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    let year = forms::tax_year(schema.income_year).context("no figures for its year")?;
    let papers: Vec<Paper> = taxpayers
        .iter()
        .enumerate()
        .map(|(i, r)| paper::declaration(schema, year, r, &mut StdRng::seed_from_u64(i as u64)))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let clients = harness.sessions(KEYERS).await?;
    let mut tasks = Vec::new();
    for (client, chunk) in clients
        .into_iter()
        .zip(papers.chunks(papers.len().div_ceil(KEYERS).max(1)))
    {
        tasks.push(tokio::spawn(first_keyer(client, chunk.to_vec(), None)));
    }
    let mut committed = 0;
    for task in tasks {
        committed += task.await??.committed;
    }
    anyhow::ensure!(
        committed == papers.len(),
        "{committed} of {} committed",
        papers.len()
    );
    eprintln!(
        "  {committed} declarations keyed and committed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A staff account made in the store, as `bansho admin user add` makes one.
async fn account(
    harness: &Harness,
    user_id: &str,
    (role, department): (Role, Department),
) -> anyhow::Result<Account> {
    let staff = NewStaff::generated(user_id, "ベンチ 職員", role, department).keeping_pin();
    let account = Account::of(&staff);
    let (store, keys) = (harness.store.clone(), harness.keys.clone());
    tokio::task::spawn_blocking(move || {
        data_dir::create_staff(store.as_ref(), &keys, &staff, OffsetDateTime::now_utc())
    })
    .await??;
    Ok(account)
}

async fn session(harness: &Harness, account: &Account, purpose: &str) -> anyhow::Result<ApiClient> {
    let client = harness.client()?;
    let response = client
        .login(&account.login_request(purpose, OffsetDateTime::now_utc()))
        .await?;
    Ok(client.with_token(response.token))
}

/// The IT officer registers the shipped format and a destination at the sink.
async fn register(it: &ApiClient, sink: &Sink) -> anyhow::Result<TransferFormat> {
    let format = shipped()?.remove(0);
    let _: FormatView = call(
        it,
        Method::POST,
        "/admin/transfer-formats",
        Some(serde_json::to_string(&format)?),
    )
    .await?;
    let destination = Destination {
        id: DESTINATION.into(),
        name: "ベンチ 受領先".into(),
        kind: DestinationKind::Partner,
        endpoint: Some(format!("https://{}/transfers", sink.addr)),
        ca_pem: Some(std::fs::read_to_string(
            sink.dir.path().join(crate::sink::CA_FILE),
        )?),
        formats: vec![format.id.clone()],
        legal_basis: "番号法第19条第8号".into(),
        active: true,
    };
    let _: DestinationView = call(
        it,
        Method::POST,
        "/admin/transfer-destinations",
        Some(serde_json::to_string(&destination)?),
    )
    .await?;
    Ok(format)
}

/// A record as the service's manifest builder takes it from the store:
/// the resident's row and the latest committed declaration.
fn source_record(
    state: &AppState,
    format: &TransferFormat,
    person: &str,
    resident: &ResidentRow,
    versions: &[TaxRecordRow],
) -> anyhow::Result<SourceRecord> {
    let schema = forms::form(FORM).context("the declaration form is not built in")?;
    let mut values = std::collections::BTreeMap::new();
    let mut put = |field, value: String| {
        values.insert(field, KeyedValue::new(value));
    };
    put(RecordField::PersonNumber, person.to_owned());
    put(RecordField::Name, resident.name.clone());
    put(RecordField::Kana, resident.kana.clone());
    put(RecordField::Birth, resident.birth_date.to_string());
    put(
        RecordField::Sex,
        format!("{:?}", resident.sex).to_lowercase(),
    );
    put(RecordField::Address, resident.address.clone());
    if format.has(RecordField::MyNumber) {
        let number = state
            .keys
            .open_my_number(person, &resident.my_number_enc)
            .map_err(|_| anyhow::anyhow!("a My Number does not open"))?;
        put(
            RecordField::MyNumber,
            String::from_utf8_lossy(number.as_slice()).into_owned(),
        );
    }
    if let Some(latest) = versions.last() {
        let record = crate::server::entry::open_record(state, latest)
            .map_err(|_| anyhow::anyhow!("a record does not open"))?
            .record;
        put(RecordField::TaxYear, schema.income_year.to_string());
        put(
            RecordField::TotalIncome,
            record
                .amount_at(&FieldPath::new("income", "total"))
                .to_string(),
        );
    }
    Ok(SourceRecord {
        person: person.to_owned(),
        sensitive: resident.support_measure,
        values,
    })
}

fn number(person: &str) -> anyhow::Result<PersonNumber> {
    PersonNumber::parse(person).map_err(|_| anyhow::anyhow!("{person} is not a person number"))
}

/// The records read as the service reads them: one store trip (a slot and
/// a blocking task) for each resident and each record history.
async fn reads_by_trips(
    state: &AppState,
    format: &TransferFormat,
    persons: &[String],
) -> anyhow::Result<Vec<SourceRecord>> {
    let mut records = Vec::with_capacity(persons.len());
    for person in persons {
        let n = number(person)?;
        let resident = state
            .store(move |s| s.resident(&n))
            .await
            .map_err(|_| anyhow::anyhow!("the store did not answer"))?
            .context("a resident is missing")?;
        let key = person.clone();
        let versions = state
            .store(move |s| s.tax_records(&key, FORM))
            .await
            .map_err(|_| anyhow::anyhow!("the store did not answer"))?;
        records.push(source_record(state, format, person, &resident, &versions)?);
    }
    Ok(records)
}

/// The same reads in one blocking task.
async fn reads_in_one_task(
    state: &AppState,
    format: &TransferFormat,
    persons: &[String],
) -> anyhow::Result<Vec<SourceRecord>> {
    let (state, format, persons) = (state.clone(), format.clone(), persons.to_vec());
    tokio::task::spawn_blocking(move || {
        persons
            .iter()
            .map(|person| {
                let resident = state
                    .store
                    .resident(&number(person)?)?
                    .context("a resident is missing")?;
                let versions = state.store.tax_records(person, FORM)?;
                source_record(&state, &format, person, &resident, &versions)
            })
            .collect()
    })
    .await?
}

/// One transfer from the request to the sink's receipt, every step timed.
#[allow(clippy::too_many_arguments)]
async fn one_run(
    harness: &Harness,
    figures: &mut Figures,
    clerk: &ApiClient,
    supervisor: &ApiClient,
    officer: &Account,
    sink: &Sink,
    format: &TransferFormat,
    persons: &[String],
) -> anyhow::Result<()> {
    let request = Request {
        destination: DESTINATION.into(),
        format: format.label(),
        purpose: "県民税の課税資料".into(),
        legal_basis: "番号法第19条第8号".into(),
        persons: persons.to_vec(),
        note: String::new(),
    };
    let body = serde_json::to_string(&request)?;
    figures.request_bytes = body.len();
    let prepared: TransferView = timed(
        harness,
        &mut figures.prepare,
        clerk,
        "/transfers",
        Some(body),
    )
    .await?;
    let id = prepared.id;
    let _: TransferView = timed(
        harness,
        &mut figures.approve,
        supervisor,
        &format!("/transfers/{id}/approve"),
        None,
    )
    .await?;
    let preview: PreviewView = timed(
        harness,
        &mut figures.preview,
        clerk,
        &format!("/transfers/{id}/preview"),
        None,
    )
    .await?;
    anyhow::ensure!(
        preview.records == persons.len(),
        "the preview shows {} records",
        preview.records
    );
    figures.sensitive = preview.to_reconfirm.len();
    let all = Instant::now();
    for person in &preview.to_reconfirm {
        let body = serde_json::to_string(&ReconfirmRequest {
            person: person.clone(),
        })?;
        let _: TransferView = timed(
            harness,
            &mut figures.reconfirm,
            clerk,
            &format!("/transfers/{id}/reconfirm"),
            Some(body),
        )
        .await?;
    }
    figures.reconfirm_all.push(all.elapsed());
    let sign_off = SignOffRequest {
        user_id: officer.user_id.clone(),
        pin: officer.pin.clone(),
        totp: officer.code_at(OffsetDateTime::now_utc()),
        hash: preview.hash.clone(),
    };
    let signed: TransferView = timed(
        harness,
        &mut figures.sign_off,
        clerk,
        &format!("/transfers/{id}/sign-off"),
        Some(serde_json::to_string(&sign_off)?),
    )
    .await?;
    anyhow::ensure!(signed.state == "signed_off", "signed off: {}", signed.state);
    let sent: TransferView = timed(
        harness,
        &mut figures.send,
        clerk,
        &format!("/transfers/{id}/send"),
        None,
    )
    .await?;
    anyhow::ensure!(sent.state == "delivered", "sent: {}", sent.state);
    let received = crate::sink::Received::open(sink.dir.path())?;
    let arrived = received
        .content(&id)?
        .context("the sink holds nothing under the transfer's id")?;
    anyhow::ensure!(
        ManifestHash::of(&arrived).as_str() == preview.hash,
        "the sink holds other bytes than the preview hashed"
    );
    figures.manifest_bytes = arrived.len();

    // The same manifest in this process, without HTTP.
    let state = &harness.state;
    let started = Instant::now();
    let records = reads_by_trips(state, format, persons).await?;
    figures.reads_trips.push(started.elapsed());
    let started = Instant::now();
    let batch = reads_in_one_task(state, format, persons).await?;
    figures.reads_batch.push(started.elapsed());
    anyhow::ensure!(batch.len() == records.len(), "the reads differ");
    let started = Instant::now();
    let manifest = Manifest::build(&id, DESTINATION, format, &records)
        .map_err(|missing| anyhow::anyhow!("{} fields missing", missing.len()))?;
    figures.build.push(started.elapsed());
    let started = Instant::now();
    let hash = ManifestHash::of(&manifest.bytes());
    figures.hash.push(started.elapsed());
    anyhow::ensure!(
        hash.as_str() == preview.hash,
        "the manifest built here hashes otherwise than the service's"
    );
    Ok(())
}

fn row(label: &str, samples: &mut [Duration]) -> String {
    let Summary {
        n, min, p50, max, ..
    } = summarize(samples);
    format!(
        "| {label} | {n} | {} | {} | {} |",
        fmt(min),
        fmt(p50),
        fmt(max)
    )
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let n = options.records;
    anyhow::ensure!((1..=10_000).contains(&n), "--records is 1 to 10,000");
    anyhow::ensure!(options.runs >= 1, "--runs is at least 1");
    eprintln!(
        "transfer: {n} records to a sink on loopback, {} runs",
        options.runs
    );
    let residents = n as u64 * 2 + 500;
    let harness = Harness::start_with(None, residents, |c| {
        c.double_keying = DoubleKeying {
            kinds: Default::default(),
        };
    })
    .await?;
    let taxpayers = taxpayers(harness.origin.seed, harness.residents, n)?;
    key_declarations(&harness, &taxpayers).await?;
    let persons: Vec<String> = taxpayers
        .iter()
        .map(|r| r.person_number.as_str().to_owned())
        .collect();

    let sink = start_sink().await?;
    let registrar = account(&harness, "joho-bench", IT_OFFICER).await?;
    let it = session(&harness, &registrar, "system_operation").await?;
    let format = register(&it, &sink).await?;
    let clerk = harness.sessions(1).await?.remove(0);
    let boss = account(&harness, "shunin-bench", SUPERVISOR).await?;
    let supervisor = session(&harness, &boss, "assessment").await?;

    let mut figures = Figures::default();
    for r in 0..options.runs {
        // A witness's code is taken once: each sign-off has its own officer.
        let officer = account(&harness, &format!("joho-bench-{r}"), IT_OFFICER).await?;
        one_run(
            &harness,
            &mut figures,
            &clerk,
            &supervisor,
            &officer,
            &sink,
            &format,
            &persons,
        )
        .await?;
        eprintln!("  run {} of {} done", r + 1, options.runs);
    }

    println!(
        "Transfer of {n} records ({} under 支援措置), {} runs; manifest {} bytes \
         ({:.2} MiB), request {} bytes:\n",
        figures.sensitive,
        options.runs,
        figures.manifest_bytes,
        figures.manifest_bytes as f64 / (1024.0 * 1024.0),
        figures.request_bytes,
    );
    println!("| step | n | min | median | max |\n|---|---:|---:|---:|---:|");
    let f = &mut figures;
    let steps: [(&str, &mut Timed); 6] = [
        ("prepare (POST /transfers)", &mut f.prepare),
        ("approve", &mut f.approve),
        ("preview: manifest + SHA-256", &mut f.preview),
        ("reconfirm one 支援措置 record", &mut f.reconfirm),
        ("sign-off: manifest again, witness", &mut f.sign_off),
        ("send to the sink's receipt", &mut f.send),
    ];
    for (label, t) in steps {
        println!("{}", row(&format!("{label}, end to end"), &mut t.client));
        println!(
            "{}",
            row(&format!("{label}, in the service"), &mut t.service)
        );
    }
    println!(
        "{}",
        row(
            "reconfirm every 支援措置 record of a transfer",
            &mut f.reconfirm_all
        )
    );
    println!(
        "{}",
        row(
            "in process: the reads, one store trip each (as the service)",
            &mut f.reads_trips
        )
    );
    println!(
        "{}",
        row(
            "in process: the same reads in one blocking task",
            &mut f.reads_batch
        )
    );
    println!("{}", row("in process: Manifest::build", &mut f.build));
    println!(
        "{}",
        row("in process: manifest bytes + SHA-256", &mut f.hash)
    );
    Ok(())
}
