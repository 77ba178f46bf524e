//! The transfer sink over real HTTPS: a sender that pins its CA gets a
//! receipt carrying the SHA-256 of what arrived; the same key and bytes
//! again get the same receipt and nothing is stored twice; other bytes
//! under a used key, fields outside the format and a sender pinning
//! another CA are refused.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use bansho::api::transfer::SinkReceipt;
use bansho::domain::transfer::format::{RecordField, shipped};
use bansho::domain::transfer::manifest::{Manifest, ManifestHash, SourceRecord};
use bansho::secret::KeyedValue;
use bansho::sink::{self, Received};

pub(crate) struct Sink {
    pub(crate) addr: SocketAddr,
    pub(crate) dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub(crate) async fn start() -> Sink {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_on(listener, tempfile::tempdir().unwrap()).await
}

/// A sink on `listener`, keeping what it receives in `dir`.
pub(crate) async fn start_on(listener: tokio::net::TcpListener, dir: tempfile::TempDir) -> Sink {
    sink::prepare(dir.path(), &[]).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let path = dir.path().to_path_buf();
    tokio::spawn(async move {
        sink::serve(listener, &path, std::time::Duration::ZERO, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Sink {
        addr,
        dir,
        stop: Some(stop),
    }
}

/// A client that trusts only the CA in `dir` (no system roots).
fn pinned(dir: &Path) -> reqwest::Client {
    let pem = std::fs::read(dir.join(sink::CA_FILE)).unwrap();
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

fn manifest(transfer: &str, income: &str) -> Manifest {
    let mut values = BTreeMap::new();
    for (field, value) in [
        (RecordField::PersonNumber, "1000000001"),
        (RecordField::Name, "高橋 一郎"),
        (RecordField::Birth, "1993-01-01"),
        (RecordField::Address, "番所市本町3-4-5"),
        (RecordField::TaxYear, "2025"),
        (RecordField::TotalIncome, income),
    ] {
        values.insert(field, KeyedValue::new(value));
    }
    let record = SourceRecord {
        person: "1000000001".into(),
        sensitive: false,
        values,
    };
    let format = shipped().unwrap().remove(0);
    Manifest::build(transfer, "kenmin-zei", &format, &[record]).unwrap()
}

async fn send(
    client: &reqwest::Client,
    sink: &Sink,
    key: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    client
        .post(format!("https://{}/transfers", sink.addr))
        .header(sink::IDEMPOTENCY_KEY, key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_receipt_names_the_hash_of_what_arrived_and_a_resend_is_stored_once() {
    let sink = start().await;
    let client = pinned(sink.dir.path());
    let m = manifest("t-0001", "2020000");
    let first = send(&client, &sink, "t-0001", m.bytes()).await;
    assert_eq!(first.status(), 200);
    let first: SinkReceipt = first.json().await.unwrap();
    assert_eq!(first.hash, m.hash().as_str());
    assert_eq!(first.records, 1);

    // The sender retries (it never saw the answer): the same receipt.
    let again: SinkReceipt = send(&client, &sink, "t-0001", m.bytes())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, first);
    let received = Received::open(sink.dir.path()).unwrap();
    assert_eq!(received.count().unwrap(), 1);
    let stored = received.content("t-0001").unwrap().unwrap();
    assert_eq!(ManifestHash::of(&stored), m.hash());

    // Other bytes under the used key.
    let other = manifest("t-0001", "2020001");
    let conflict = send(&client, &sink, "t-0001", other.bytes()).await;
    assert_eq!(conflict.status(), 409);
    assert_eq!(received.count().unwrap(), 1);
    assert_eq!(received.content("t-0001").unwrap().unwrap(), stored);
}

#[tokio::test]
async fn what_the_format_does_not_allow_is_refused_with_where() {
    let sink = start().await;
    let client = pinned(sink.dir.path());
    let text = String::from_utf8(manifest("t-0002", "2020000").bytes()).unwrap();
    let with_number = text.replace(r#""name":"#, r#""my_number":"123456789018","name":"#);
    let refused = send(&client, &sink, "t-0002", with_number.into_bytes()).await;
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("records[0].values.my_number"), "{message}");
    assert!(!message.contains("123456789018"), "{message}");

    let no_key = client
        .post(format!("https://{}/transfers", sink.addr))
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
    let wrong_key = send(&client, &sink, "t-9999", text.into_bytes()).await;
    assert_eq!(wrong_key.status(), 422);
    assert_eq!(Received::open(sink.dir.path()).unwrap().count().unwrap(), 0);
}

#[tokio::test]
async fn a_sender_pinning_another_ca_never_reaches_it() {
    let sink = start().await;
    let elsewhere = tempfile::tempdir().unwrap();
    sink::prepare(elsewhere.path(), &[]).unwrap();
    let client = pinned(elsewhere.path());
    let m = manifest("t-0003", "2020000");
    let sent = client
        .post(format!("https://{}/transfers", sink.addr))
        .header(sink::IDEMPOTENCY_KEY, "t-0003")
        .body(m.bytes())
        .send()
        .await;
    let error = sent.unwrap_err();
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    assert_eq!(Received::open(sink.dir.path()).unwrap().count().unwrap(), 0);
}
