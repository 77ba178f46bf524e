//! Every refusal leaves a row in the access log: requests from revoked or
//! unregistered terminals, refused TLS handshakes, bursts over the read
//! limit. A flood leaves a bounded number of rows whose counts add up.

use std::sync::Arc;
use std::time::Duration;

use bansho::api::terminal_bundle::TerminalBundle;
use bansho::client::ApiClient;
use bansho::client::tls::TlsProblem;
use bansho::server::refusals::{NO_CERTIFICATE, UNKNOWN_USER};
use bansho::server::{ServerConfig, data_dir, pki};
use bansho::store::AuditRecord;
use bansho::store::prelude::*;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::common::app::*;

fn fingerprint_of(bundle: &TerminalBundle) -> String {
    let der = CertificateDer::from_pem_slice(bundle.certificate.as_bytes()).expect("pem");
    pki::fingerprint(&der)
}

/// A refused handshake is logged once the alert has gone out, so the row
/// may land a moment after the client saw the refusal: wait for it.
async fn row_where(
    app: &TestApp,
    what: &str,
    matches: impl Fn(&AuditRecord) -> bool,
) -> AuditRecord {
    for _ in 0..200 {
        if let Some(row) = app.audit_tail(50).into_iter().find(&matches) {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tail: Vec<_> = app
        .audit_tail(10)
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.entry.action, r.entry.terminal, r.entry.outcome, r.entry.detail
            )
        })
        .collect();
    panic!("no access-log row for {what}; last rows: {tail:#?}");
}

#[tokio::test]
async fn requests_and_handshakes_of_a_revoked_terminal_leave_rows_naming_it() {
    let app = spawn_app().await;
    let (client, bundle) = app.enroll("counter-02");
    let fingerprint = fingerprint_of(&bundle);
    app.next_step();
    let login = client
        .login(&app.login_request(CLERK, "assessment"))
        .await
        .expect("login");
    let clerk = client.with_token(login.token);
    clerk
        .search("タカハシ")
        .await
        .expect("works before revocation");
    app.store
        .revoke_terminal("counter-02", time::OffsetDateTime::now_utc())
        .expect("revoke");

    // On the connection opened before the revocation, with a valid token.
    let error = clerk.search("タカハシ").await.unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.user_id, UNKNOWN_USER);
    assert_eq!(row.entry.terminal, "counter-02");
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("search", "denied")
    );
    assert_eq!(
        row.entry.detail,
        format!("terminal_revoked;fingerprint={fingerprint}")
    );

    // The refusal closed that connection: the next request, without a
    // token, needs a new handshake, which is refused and logged too.
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::TerminalRevoked);
    let row = row_where(&app, "the revoked terminal's handshake", |r| {
        r.entry.action == "tls_handshake" && r.entry.terminal == "counter-02"
    })
    .await;
    assert_eq!(row.entry.user_id, UNKNOWN_USER);
    assert_eq!(row.entry.outcome, "denied");
    assert_eq!(
        row.entry.detail,
        format!("revoked;fingerprint={fingerprint};peer=127.0.0.1")
    );
}

#[tokio::test]
async fn a_certificate_of_this_ca_that_was_never_registered_leaves_a_row_with_its_fingerprint() {
    let app = spawn_app().await;
    // Signed by the service's own CA, but never entered in the registry.
    let issued = pki::issue_terminal(app.dir.path(), "ghost-01").expect("issue");
    let bundle = TerminalBundle {
        terminal: "ghost-01".into(),
        server: None,
        certificate: issued.certificate_pem,
        private_key: bansho::secret::Secret::new(issued.private_key_pem.as_str()),
        ca: issued.ca_pem,
    };
    let client = ApiClient::for_terminal(&app.base, &bundle).expect("client");
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::TerminalRevoked);
    let fingerprint = issued.fingerprint;
    let row = row_where(&app, "the unregistered certificate", |r| {
        r.entry.action == "tls_handshake" && r.entry.terminal == fingerprint
    })
    .await;
    assert_eq!(row.entry.user_id, UNKNOWN_USER);
    assert_eq!(
        row.entry.detail,
        format!("unregistered;fingerprint={fingerprint};peer=127.0.0.1")
    );
}

#[tokio::test]
async fn a_handshake_without_a_client_certificate_leaves_a_row() {
    let app = spawn_app().await;
    let ca = reqwest::Certificate::from_pem(app.bundle.ca.as_bytes()).expect("ca");
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client");
    let error = ApiClient::with_http(&app.base, http)
        .health()
        .await
        .unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::NoClientCertificate);
    let row = row_where(&app, "the handshake without a certificate", |r| {
        r.entry.action == "tls_handshake"
    })
    .await;
    assert_eq!(row.entry.user_id, UNKNOWN_USER);
    assert_eq!(row.entry.terminal, NO_CERTIFICATE);
    assert_eq!(row.entry.outcome, "denied");
    assert_eq!(row.entry.detail, "no_certificate;peer=127.0.0.1");
}

#[tokio::test]
async fn a_certificate_from_another_ca_leaves_a_row_with_its_fingerprint() {
    let app = spawn_app().await;
    let other = tempfile::tempdir().expect("tmp");
    let (other_store, other_keys) = data_dir::init(other.path(), &[]).expect("other init");
    let foreign = data_dir::enroll_terminal(
        other_store.as_ref(),
        &other_keys,
        other.path(),
        "stranger",
        None,
    )
    .expect("foreign enroll");
    let fingerprint = fingerprint_of(&foreign);
    let bundle = TerminalBundle {
        ca: app.bundle.ca.clone(),
        ..foreign
    };
    let client = ApiClient::for_terminal(&app.base, &bundle).expect("client");
    let error = client.health().await.unwrap_err();
    assert_eq!(tls_problem(error), TlsProblem::ForeignClientCertificate);
    let row = row_where(&app, "the foreign certificate", |r| {
        r.entry.action == "tls_handshake"
    })
    .await;
    assert_eq!(row.entry.terminal, fingerprint, "unknown to the registry");
    assert_eq!(
        row.entry.detail,
        format!("untrusted_certificate;fingerprint={fingerprint};peer=127.0.0.1")
    );
}

#[tokio::test]
async fn a_handshake_offering_only_a_cipher_the_service_refuses_leaves_a_row() {
    let app = spawn_app().await;
    let mut provider = rustls::crypto::ring::default_provider();
    provider
        .cipher_suites
        .retain(|suite| suite.suite() == rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256);
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(app.bundle.ca.as_bytes()).expect("ca"))
        .expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("https://"))
        .await
        .expect("tcp");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let refused = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    assert!(refused.is_err(), "ChaCha20 must not be accepted");
    let row = row_where(&app, "the ChaCha20-only handshake", |r| {
        r.entry.action == "tls_handshake"
    })
    .await;
    assert_eq!(row.entry.terminal, NO_CERTIFICATE);
    assert_eq!(row.entry.detail, "no_shared_cipher;peer=127.0.0.1");
}

/// How many refusals a row stands for: 1, or the count of a summary row.
fn refusals_in(row: &AuditRecord) -> u64 {
    row.entry
        .detail
        .split(';')
        .find_map(|part| part.strip_prefix("repeated="))
        .map_or(1, |n| n.parse().expect("a count"))
}

#[tokio::test]
async fn a_flood_of_over_limit_reads_leaves_few_rows_whose_counts_add_up() {
    let config = ServerConfig {
        reads_per_second: 1,
        read_burst: 1,
        refusal_interval: time::Duration::seconds(1),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, 50).await;
    let clerk = app.login(CLERK).await;
    let token = clerk.token().expect("token").clone();
    let before = app.audit_tail(1)[0].seq;

    let mut senders = Vec::new();
    for _ in 0..4 {
        let client = ApiClient::for_terminal(&app.base, &app.bundle)
            .expect("client")
            .with_token(token.clone());
        senders.push(tokio::spawn(async move {
            let mut refused = 0u64;
            for _ in 0..300 {
                match client.search("タカハシ").await {
                    Ok(_) => {}
                    Err(error) if error.status() == Some(429) => refused += 1,
                    Err(error) => panic!("unexpected answer: {error}"),
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for sender in senders {
        refused += sender.await.expect("sender");
    }
    assert!(refused > 1000, "only {refused} refusals");

    // The service's clock passes the interval's end; the periodic sweep
    // writes the count of the repeats.
    app.clock.advance(time::Duration::seconds(2));
    let rows = loop_until_counted(&app, before, refused).await;
    assert!(
        rows.len() <= 3,
        "{refused} refusals in one interval wrote {} rows",
        rows.len()
    );
    let summary = rows.iter().max_by_key(|r| r.seq).expect("a summary row");
    assert!(
        summary.entry.detail.starts_with("burst;repeated=")
            && summary.entry.detail.contains(";interval=1s;since="),
        "{}",
        summary.entry.detail
    );
}

/// The rate-limited rows written after `after`, once their counts add up to
/// `expected` (the sweep runs in the background).
async fn loop_until_counted(app: &TestApp, after: i64, expected: u64) -> Vec<AuditRecord> {
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = app
            .audit_tail(100)
            .into_iter()
            .filter(|r| r.seq > after && r.entry.outcome == "rate_limited")
            .collect::<Vec<_>>();
        for row in &rows {
            assert_eq!(row.entry.user_id, CLERK);
            assert_eq!(row.entry.action, "search");
        }
        if rows.iter().map(refusals_in).sum::<u64>() >= expected {
            assert_eq!(rows.iter().map(refusals_in).sum::<u64>(), expected);
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the rows count {} of {expected} refusals: {:?}",
        rows.iter().map(refusals_in).sum::<u64>(),
        rows.iter().map(|r| &r.entry.detail).collect::<Vec<_>>()
    );
}
