//! `bansho bench load`: audited searches driven by a load generator in a
//! separate process, oha (<https://github.com/hatoo/oha>, `cargo install
//! oha`), which presents the benchmark terminal's client certificate. Beside
//! each run, the same TLS and HTTP stack (`transport::serve_tls` with the
//! service's own TLS configuration, client certificate checked against the
//! registry at every handshake) answering `POST /echo` with the request's
//! body and nothing else: the ceiling this machine and stack allow. The
//! ratio of the two says how much of the time is bansho's own.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::routing::post;

use super::harness::Harness;
use super::queries::{self, Kind};
use super::stats::summarize;
use crate::server::{pki, transport};

pub struct Options {
    pub oha: PathBuf,
    pub data: Option<PathBuf>,
    pub residents: u64,
    pub connections: Vec<usize>,
    pub seconds: u64,
    pub runs: usize,
}

/// What oha reports of one run.
#[derive(Debug, Clone, Default)]
struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    ok: u64,
    other: u64,
    /// What the requests that got no 200 got instead (status or error,
    /// with counts), for the message when none got one.
    instead: Vec<String>,
}

/// The body every search sends: one My Number lookup of a resident in the
/// store (an exact search; the row of each is written durably).
fn search_body(harness: &Harness) -> String {
    let query = queries::sample(Kind::MyNumber, harness.origin, harness.residents, 1)
        .pop()
        .unwrap_or_default();
    serde_json::json!({ "query": query }).to_string()
}

/// The terminal's certificate, key and CA as PEM files oha can read, in a
/// directory only this user can read.
fn write_identity(harness: &Harness, dir: &Path) -> anyhow::Result<[PathBuf; 3]> {
    let bundle = &harness.bundle;
    let files = [
        (dir.join("terminal.pem"), bundle.certificate.as_bytes()),
        (
            dir.join("terminal.key"),
            bundle.private_key.expose().as_bytes(),
        ),
        (dir.join("ca.pem"), bundle.ca.as_bytes()),
    ];
    for (path, bytes) in &files {
        crate::private_fs::write_new(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let [(cert, _), (key, _), (ca, _)] = files;
    Ok([cert, key, ca])
}

/// Starts the echo server beside the service: the same TLS configuration
/// and connection handling, a router with one route.
async fn start_echo(
    harness: &Harness,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let registry = Arc::new(transport::StoreRegistry(harness.state.store.clone()));
    let tls = pki::server_config(&harness.dir, registry)?;
    let router = Router::new().route(
        "/echo",
        post(|body: axum::body::Bytes| async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("https://{}/echo", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let refusals = harness.state.refusals.clone();
    tokio::spawn(transport::serve_tls(
        listener,
        router,
        tls,
        refusals,
        async move {
            let _ = stopped.await;
        },
    ));
    Ok((url, stop))
}

/// One oha run. The token of the benchmark's own throwaway session goes on
/// oha's command line, the only way oha takes a header.
async fn oha(
    options: &Options,
    identity: &[PathBuf; 3],
    url: &str,
    token: Option<&str>,
    body: &str,
    connections: usize,
) -> anyhow::Result<Run> {
    let [cert, key, ca] = identity;
    let mut command = std::process::Command::new(&options.oha);
    command
        .args(["--no-tui", "--output-format", "json"])
        .args(["-z", &format!("{}s", options.seconds)])
        .args(["-c", &connections.to_string()])
        .args(["-m", "POST", "-T", "application/json", "-d", body])
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .arg("--cacert")
        .arg(ca);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    command
        .arg(url)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .with_context(|| format!("cannot run {}", options.oha.display()))?;
    anyhow::ensure!(output.status.success(), "oha failed: {}", output.status);
    parse_oha(&output.stdout)
}

/// oha's JSON report: requests per second, latency percentiles (seconds)
/// and the count of each status code.
fn parse_oha(json: &[u8]) -> anyhow::Result<Run> {
    let report: serde_json::Value =
        serde_json::from_slice(json).context("oha's report is not JSON")?;
    let number = |path: &[&str]| -> Option<f64> {
        let mut value = &report;
        for key in path {
            value = value.get(*key)?;
        }
        value.as_f64()
    };
    let per_second = number(&["summary", "requestsPerSec"]).context("no requestsPerSec")?;
    let p50 = number(&["latencyPercentiles", "p50"]).unwrap_or(f64::NAN);
    let p99 = number(&["latencyPercentiles", "p99"]).unwrap_or(f64::NAN);
    let mut run = Run {
        per_second,
        p50_ms: p50 * 1e3,
        p99_ms: p99 * 1e3,
        ..Run::default()
    };
    if let Some(codes) = report
        .get("statusCodeDistribution")
        .and_then(|c| c.as_object())
    {
        for (code, count) in codes {
            let count = count.as_u64().unwrap_or(0);
            if code == "200" {
                run.ok += count;
            } else {
                run.other += count;
                run.instead.push(format!("{count} × {code}"));
            }
        }
    }
    if let Some(errors) = report.get("errorDistribution").and_then(|e| e.as_object()) {
        for (error, count) in errors {
            let count = count.as_u64().unwrap_or(0);
            run.other += count;
            run.instead.push(format!("{count} × {error}"));
        }
    }
    Ok(run)
}

/// "min / median / max" with `decimals` places.
fn spread(mut values: Vec<f64>, decimals: usize) -> String {
    values.sort_by(f64::total_cmp);
    match values.as_slice() {
        [] => "-".into(),
        [only] => format!("{only:.decimals$}"),
        _ => format!(
            "{:.decimals$} / {:.decimals$} / {:.decimals$}",
            values[0],
            values[values.len() / 2],
            values[values.len() - 1]
        ),
    }
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let harness = Harness::start(options.data.as_deref(), options.residents).await?;
    let staff = harness.staff(1).await?;
    let login = harness
        .client()?
        .login(&Harness::login_request(&staff[0]))
        .await?;
    let token = login.token.expose().to_string();
    let files = tempfile::Builder::new().prefix("bansho-load-").tempdir()?;
    let identity = write_identity(&harness, files.path())?;
    let search_url = format!("{}{}/residents/search", harness.base, crate::api::PREFIX);
    let body = search_body(&harness);
    let (echo_url, _stop_echo) = start_echo(&harness).await?;

    println!(
        "load (oha, separate process): {} residents, {} s per run, {} runs; audited exact searches beside an echo over the same TLS and HTTP stack",
        harness.residents, options.seconds, options.runs
    );
    println!();
    println!(
        "| connections | audited searches/s | echo requests/s | ratio | oha p50 ms | oha p99 ms | server p50 | server p99 | non-200 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &connections in &options.connections {
        let (mut searches, mut echoes, mut p50, mut p99, mut other) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
        let mut server = Vec::new();
        for _ in 0..options.runs {
            harness.times.take();
            let search = oha(
                &options,
                &identity,
                &search_url,
                Some(&token),
                &body,
                connections,
            )
            .await?;
            server.extend(harness.times.take());
            let echo = oha(&options, &identity, &echo_url, None, &body, connections).await?;
            searches.push(search.per_second);
            echoes.push(echo.per_second);
            p50.push(search.p50_ms);
            p99.push(search.p99_ms);
            other += search.other + echo.other;
            anyhow::ensure!(
                search.ok > 0,
                "no search was answered 200: {}",
                search.instead.join(", ")
            );
        }
        let ratio = median(&searches) / median(&echoes);
        let server = summarize(&mut server);
        println!(
            "| {connections} | {} | {} | {ratio:.2} | {} | {} | {} | {} | {other} |",
            spread(searches, 0),
            spread(echoes, 0),
            spread(p50, 2),
            spread(p99, 2),
            super::stats::fmt(server.p50),
            super::stats::fmt(server.p99),
        );
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_oha_reports() {
        let report = br#"{"summary":{"successRate":1.0,"requestsPerSec":12345.6},
            "latencyPercentiles":{"p50":0.0021,"p99":0.0105},
            "statusCodeDistribution":{"200":1000,"429":3},
            "errorDistribution":{"connection closed":2}}"#;
        let run = parse_oha(report).unwrap();
        assert_eq!(run.per_second, 12345.6);
        assert!((run.p50_ms - 2.1).abs() < 1e-9 && (run.p99_ms - 10.5).abs() < 1e-9);
        assert_eq!((run.ok, run.other), (1000, 5));
        assert_eq!(run.instead, ["3 × 429", "2 × connection closed"]);
        assert!(parse_oha(b"not json").is_err());
        assert!(parse_oha(br#"{"summary":{}}"#).is_err());
    }

    #[test]
    fn spreads_are_min_median_max() {
        assert_eq!(spread(vec![3.0, 1.0, 2.0], 0), "1 / 2 / 3");
        assert_eq!(spread(vec![0.5], 2), "0.50");
        assert_eq!(spread(vec![], 0), "-");
        assert_eq!(median(&[5.0, 1.0, 9.0]), 5.0);
    }
}
