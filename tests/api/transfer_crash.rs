//! The real `bansho serve` killed (SIGKILL) after the real `bansho sink`
//! stored a transfer and before the service stored its receipt: started
//! again on the same data, a second send finds it delivered, and the sink
//! holds it once (a repeated idempotency key gets the same receipt).

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bansho::api::transfer::TransferView;
use bansho::client::ApiClient;
use bansho::testkit::Account;
use reqwest::Method;

use crate::common::app::*;
use crate::common::bin::{self, Serve};
use crate::transfers::{call, register, signed_off};

/// How long the sink waits between storing and answering: the window in
/// which the service is killed.
const ANSWER_DELAY_MS: &str = "3000";

/// A running `bansho sink`; killed when dropped.
struct SinkProcess {
    child: Child,
    addr: String,
}

impl Drop for SinkProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sink(dir: &std::path::Path, log: &std::path::Path) -> SinkProcess {
    let file = std::fs::File::create(log).unwrap();
    let child = bin::command(&[
        "sink",
        "--listen",
        "127.0.0.1:0",
        "--data",
        dir.to_str().unwrap(),
        "--answer-delay-ms",
        ANSWER_DELAY_MS,
    ])
    .stdout(Stdio::null())
    .stderr(file)
    .spawn()
    .expect("sink");
    let mut sink = SinkProcess {
        child,
        addr: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(rest) = text.split("listening on https://").nth(1) {
            sink.addr = rest.split('/').next().unwrap().to_string();
            return sink;
        }
        assert!(Instant::now() < deadline, "sink did not start:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn received(dir: &std::path::Path) -> usize {
    bansho::sink::Received::open(dir).unwrap().count().unwrap()
}

fn stored_state(data: &std::path::Path, id: &str) -> String {
    let db = rusqlite::Connection::open(bansho::server::data_dir::db_path(data)).unwrap();
    db.query_row("SELECT state FROM transfers WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_the_sinks_storing_and_the_receipt_it_is_still_delivered_once() {
    let work = crate::common::private_tempdir();
    let sink_dir = work.path().join("sink");
    let sink = start_sink(&sink_dir, &work.path().join("sink.log"));
    let ca = std::fs::read_to_string(sink_dir.join(bansho::sink::CA_FILE)).unwrap();

    // Signed off through the service in this process, on a data directory
    // the binary then takes over.
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    register(&app, &sink.addr, &ca).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off(&app, &clerk).await;
    let account = Account {
        user_id: CLERK.into(),
        pin: app.pin(CLERK),
        totp_secret: zeroize::Zeroizing::new(app.secret(CLERK)),
    };
    let (data, bundle) = app.stop().await;
    std::fs::set_permissions(
        data.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();

    let serve = Serve::under_umask(data.path(), work.path().join("serve1.log"), "077", &[]);
    let client = ApiClient::for_terminal(&serve.url(), &bundle).unwrap();
    let login = account.login_request(purpose_of(CLERK), time::OffsetDateTime::now_utc());
    let token = client.login(&login).await.expect("login").token;
    let session = client.with_token(token.clone());
    let send = format!("/transfers/{id}/send");
    let first = tokio::spawn({
        let session = session.clone();
        let send = send.clone();
        async move { session.raw(Method::POST, &send, None).await }
    });
    // The sink has it; its answer is still on the way.
    let deadline = Instant::now() + Duration::from_secs(20);
    while received(&sink_dir) == 0 {
        assert!(Instant::now() < deadline, "the sink never stored it");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(serve);
    let answered = first.await.unwrap();
    assert!(
        !matches!(answered, Ok((200, _, _))),
        "the killed service answered: {answered:?}"
    );
    assert_eq!(stored_state(data.path(), &id), "sending");

    // Started again on the same data: the preparer sends again.
    let serve = Serve::under_umask(data.path(), work.path().join("serve2.log"), "077", &[]);
    let client = ApiClient::for_terminal(&serve.url(), &bundle)
        .unwrap()
        .with_token(token);
    let sent: TransferView = call(&client, Method::POST, &send, None).await.unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    assert!(sent.receipt.is_some());
    assert_eq!(received(&sink_dir), 1, "one delivery at the sink");
    assert_eq!(stored_state(data.path(), &id), "delivered");
    drop(serve);
    let db = rusqlite::Connection::open(bansho::server::data_dir::db_path(data.path())).unwrap();
    let attempts: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'transfer_send' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(attempts, 2, "both attempts are logged");
    drop(sink);
}
