//! Opening connections: the URL, TLS and the pool.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ::postgres::Config;
use ::postgres::config::SslMode;
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::sql::describe;
use super::{PgOpenError, PgOptions, TracingErrors};
use crate::store::StoreError;

/// A URL split into what the driver understands and what bansho handles
/// itself (`sslrootcert`, the `verify-*` modes).
#[derive(Debug)]
pub(super) struct ParsedUrl {
    pub(super) config: Config,
    pub(super) root_cert: Option<PathBuf>,
    pub(super) tls: bool,
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn parse_url(url: &str, options: &PgOptions) -> Result<ParsedUrl, PgOpenError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(PgOpenError::Url(
            "expected postgres://user@host:port/database[?sslmode=require&sslrootcert=FILE]".into(),
        ));
    }
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut kept: Vec<String> = Vec::new();
    let mut root_cert = None;
    let mut verify = false;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, value) {
            ("sslrootcert", path) => root_cert = Some(PathBuf::from(percent_decode(path))),
            ("sslmode", "verify-ca" | "verify-full") => {
                verify = true;
                kept.push("sslmode=require".into());
            }
            _ => kept.push(pair.to_string()),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config = Config::from_str(&rebuilt).map_err(|e| PgOpenError::Url(describe(&e)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name("bansho");
    }
    let tls = verify || config.get_ssl_mode() == SslMode::Require;
    if root_cert.is_some() && !tls {
        return Err(PgOpenError::Url(
            "sslrootcert needs sslmode=require (or verify-ca / verify-full)".into(),
        ));
    }
    Ok(ParsedUrl {
        config,
        root_cert,
        tls,
    })
}

/// `user@host:port/database`, without the password.
pub(super) fn target(config: &Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            ::postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            ::postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        if host.is_empty() { "localhost" } else { &host },
        port,
        config.get_dbname().unwrap_or("")
    )
}

pub(super) fn tls_connector(root_cert: Option<&PathBuf>) -> Result<MakeRustlsConnect, PgOpenError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| PgOpenError::Tls(format!("cannot read {}: {e}", path.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    PgOpenError::Tls(format!("bad certificate in {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    PgOpenError::Tls(format!("unusable certificate in {}: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(PgOpenError::Tls(format!(
                    "{} holds no certificate",
                    path.display()
                )));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PgOpenError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Marks each new connection, so the next write reads the durability
/// settings again on a reconnect.
#[derive(Debug)]
struct MarkReconnects(Arc<std::sync::atomic::AtomicBool>);

impl<C, E> r2d2::CustomizeConnection<C, E> for MarkReconnects {
    fn on_acquire(&self, _: &mut C) -> Result<(), E> {
        self.0.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }
}

pub(super) fn build_pool<T>(
    manager: PostgresConnectionManager<T>,
    options: &PgOptions,
    reconnected: Arc<std::sync::atomic::AtomicBool>,
) -> Result<r2d2::Pool<PostgresConnectionManager<T>>, StoreError>
where
    T: ::postgres::tls::MakeTlsConnect<::postgres::Socket> + Clone + 'static + Sync + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as ::postgres::tls::TlsConnect<::postgres::Socket>>::Future: Send,
{
    let max = options.max_connections.max(1);
    let errors = TracingErrors::default();
    r2d2::Pool::builder()
        .max_size(max)
        .min_idle(Some(options.min_idle.min(max)))
        .connection_timeout(options.acquire_timeout)
        // Check each connection before use: after a database restart the
        // dead ones are dropped and fresh ones opened.
        .test_on_check_out(true)
        .idle_timeout(Some(Duration::from_secs(600)))
        .max_lifetime(Some(Duration::from_secs(1800)))
        .error_handler(Box::new(errors.clone()))
        .connection_customizer(Box::new(MarkReconnects(reconnected)))
        .build(manager)
        .map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot connect to PostgreSQL: {}",
                errors.last().unwrap_or_else(|| e.to_string())
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_driver_options_and_take_ours_out() {
        let options = PgOptions::default();
        let parsed = parse_url(
            "postgres://bansho:secret@db.example:6432/city?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            &options,
        )
        .unwrap();
        assert!(parsed.tls);
        assert_eq!(parsed.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(parsed.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(parsed.config.get_application_name(), Some("x"));
        assert_eq!(target(&parsed.config), "bansho@db.example:6432/city");
        assert_eq!(
            parsed.config.get_connect_timeout(),
            Some(&options.connect_timeout)
        );

        let plain = parse_url("postgresql://u@h/d", &options).unwrap();
        assert!(!plain.tls);
        assert!(parse_url("mysql://u@h/d", &options).is_err());
        assert!(parse_url("postgres://u@h/d?sslrootcert=/x.pem", &options).is_err());
    }
}
