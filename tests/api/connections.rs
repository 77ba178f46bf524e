//! Every request gets an answer: a refusal sent before the request body has
//! been read, a flood above the read limit on keep-alive connections and an
//! oversized body all end in a response with its JSON error body, never in a
//! connection closed or reset under the client.

use std::sync::Arc;
use std::time::Duration;

use bansho::api::terminal_bundle::TerminalBundle;
use bansho::client::ApiClient;
use bansho::server::ServerConfig;
use reqwest::Method;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::common::app::*;

/// A TLS client configuration presenting `bundle`'s certificate.
fn raw_tls(bundle: &TerminalBundle) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(bundle.ca.as_bytes()) {
        roots.add(cert.expect("ca pem")).expect("ca");
    }
    let chain = CertificateDer::pem_slice_iter(bundle.certificate.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate pem");
    let key = PrivateKeyDer::from_pem_slice(bundle.private_key.expose().as_bytes()).expect("key");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .expect("client auth");
    TlsConnector::from(Arc::new(config))
}

async fn connect(app: &TestApp, tls: &TlsConnector) -> TlsStream<tokio::net::TcpStream> {
    let addr = app.base.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    let name = ServerName::try_from("localhost").expect("name");
    tls.connect(name, tcp).await.expect("handshake")
}

/// One response as read off the wire: status, whether the server said it
/// closes the connection, and the body.
struct Answer {
    status: u16,
    closes: bool,
    body: String,
}

/// Reads one HTTP/1.1 response (Content-Length framed), or `None` if the
/// connection ended first.
async fn read_answer(stream: &mut TlsStream<tokio::net::TcpStream>) -> Option<Answer> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let status = head.get(9..12)?.parse().ok()?;
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let length: usize = header("content-length:")?.parse().ok()?;
    let closes = header("connection:").is_some_and(|v| v.contains("close"));
    while buffer.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
    Some(Answer {
        status,
        closes,
        body,
    })
}

/// A search whose body follows its head in a separate write, a little
/// later, as a client on a busy network sends it: the service may well
/// answer from the head alone (no session, over the limit).
async fn search_in_two_parts(
    stream: &mut TlsStream<tokio::net::TcpStream>,
    token: Option<&str>,
) -> Option<Answer> {
    let body = r#"{"query":"タカハシ"}"#;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /api/v1/residents/search HTTP/1.1\r\nHost: localhost\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.flush().await.ok()?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(body.as_bytes()).await.ok()?;
    stream.flush().await.ok()?;
    read_answer(stream).await
}

#[tokio::test]
async fn a_refusal_given_before_the_body_arrives_is_answered_and_the_connection_stays_usable() {
    let config = ServerConfig {
        reads_per_second: 1,
        read_burst: 1,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, 50).await;
    let clerk = app.login(CLERK).await;
    let token = clerk.token().expect("token").expose().to_string();
    let tls = raw_tls(&app.bundle);
    let mut stream = connect(&app, &tls).await;
    // No session (401), then over the read limit (429): each answered from
    // the head alone, each on the same keep-alive connection.
    let tokens = [None, Some(token.as_str()), Some(&token), None, Some(&token)];
    for (i, token) in tokens.into_iter().enumerate() {
        let answer = search_in_two_parts(&mut stream, token)
            .await
            .unwrap_or_else(|| panic!("request {i} got no answer: the connection was closed"));
        assert!(
            [200, 401, 429].contains(&answer.status),
            "request {i}: {}",
            answer.status
        );
        if answer.status != 200 {
            assert!(answer.body.contains("\"error\""), "{}", answer.body);
        }
        if answer.closes {
            // Announced: a client knows to open a new connection.
            stream = connect(&app, &tls).await;
        }
    }
}

#[tokio::test]
async fn keep_alive_clients_above_the_read_limit_get_an_answer_to_every_request() {
    let app = spawn_app_with(ServerConfig::default(), 50).await;
    let clerk = app.login(CLERK).await;
    let token = clerk.token().expect("token").clone();
    let mut clients = Vec::new();
    for _ in 0..6 {
        // Each with its own connection pool, as separate programs would.
        let client = ApiClient::for_terminal(&app.base, &app.bundle)
            .expect("client")
            .with_token(token.clone());
        clients.push(tokio::spawn(async move {
            let (mut answered, mut limited, mut lost) = (0, 0, Vec::new());
            for _ in 0..60 {
                match client.search("タカハシ").await {
                    Ok(_) => answered += 1,
                    Err(error) if error.status() == Some(429) => limited += 1,
                    Err(error) => lost.push(error.to_string()),
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            (answered, limited, lost)
        }));
    }
    let (mut answered, mut limited, mut lost) = (0, 0, Vec::new());
    for client in clients {
        let (a, l, e) = client.await.expect("client task");
        answered += a;
        limited += l;
        lost.extend(e);
    }
    assert!(lost.is_empty(), "requests without an answer: {lost:?}");
    assert_eq!(answered + limited, 360);
    assert!(limited > 0, "the load never went over the limit");
}

/// Sends a 10 MiB body the way a slow uplink does: the first MiB, a pause
/// (in which the service has long answered from the head), then the rest;
/// only then reads the answer.
async fn send_ten_megabytes(
    stream: &mut TlsStream<tokio::net::TcpStream>,
    path: &str,
    token: &str,
) -> Result<Answer, String> {
    const SIZE: usize = 10 * 1024 * 1024;
    let head = format!(
        "POST /api/v1{path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| format!("head: {e}"))?;
    let chunk = vec![b'x'; 64 * 1024];
    for sent in (0..SIZE).step_by(chunk.len()) {
        if sent == 1024 * 1024 {
            stream.flush().await.map_err(|e| format!("flush: {e}"))?;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        stream
            .write_all(&chunk)
            .await
            .map_err(|e| format!("body at byte {sent}: {e}"))?;
    }
    stream.flush().await.map_err(|e| format!("flush: {e}"))?;
    read_answer(stream)
        .await
        .ok_or_else(|| "the connection ended without an answer".to_string())
}

#[tokio::test]
async fn a_ten_megabyte_body_sent_slowly_gets_413_with_its_json_body_every_time() {
    let app = spawn_app_with(ServerConfig::default(), 50).await;
    let clerk = app.login(CLERK).await;
    let token = clerk.token().expect("token").expose().to_string();
    let tls = raw_tls(&app.bundle);
    for i in 0..4 {
        // A route behind a session and a public one.
        let path = ["/residents/search", "/login"][i % 2];
        let mut stream = connect(&app, &tls).await;
        let answer = send_ten_megabytes(&mut stream, path, &token)
            .await
            .unwrap_or_else(|problem| panic!("attempt {i} on {path}: {problem}"));
        assert_eq!(answer.status, 413, "attempt {i} on {path}: {}", answer.body);
        assert!(
            answer.body.contains("\"payload_too_large\""),
            "{}",
            answer.body
        );
    }
}

#[tokio::test]
async fn a_ten_megabyte_body_always_gets_413_with_its_json_body() {
    let app = spawn_app_with(ServerConfig::default(), 50).await;
    let clerk = app.login(CLERK).await;
    let huge = format!(r#"{{"query":"{}"}}"#, "x".repeat(10 * 1024 * 1024));
    for i in 0..20 {
        // Alternately a public route and one behind a session.
        let (client, path) = if i % 2 == 0 {
            (&clerk, "/residents/search")
        } else {
            (&clerk, "/login")
        };
        let (status, text, _) = client
            .raw(Method::POST, path, Some(huge.clone()))
            .await
            .unwrap_or_else(|error| panic!("attempt {i} on {path}: no answer: {error}"));
        assert_eq!(status, 413, "attempt {i} on {path}: {text}");
        assert!(text.contains("\"payload_too_large\""), "{text}");
    }
}
