//! The terminal's identity: a bundle file issued by `bansho admin terminal
//! enroll`, holding the terminal's client certificate and key and the
//! service's CA certificate, which the client pins (no other CA is trusted).

use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::ClientError;

/// What a bundle file holds.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalBundle {
    /// The registered name of the terminal.
    pub terminal: String,
    /// The service's address, if the IT officer wrote it in.
    #[serde(default)]
    pub server: Option<String>,
    /// PEM: the terminal's client certificate.
    pub certificate: String,
    /// PEM: the terminal's private key.
    pub private_key: crate::secret::Secret,
    /// PEM: the service's CA, the only one trusted.
    pub ca: String,
}

impl std::fmt::Debug for TerminalBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalBundle")
            .field("terminal", &self.terminal)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read the terminal bundle {path}: {reason}")]
    Read { path: String, reason: String },
    #[error(
        "the terminal bundle {path} can be read by other users (mode {mode:o}); make it private with chmod 600"
    )]
    TooOpen { path: String, mode: u32 },
    #[error("the terminal bundle {path} is malformed: {reason}")]
    Malformed { path: String, reason: String },
}

impl TerminalBundle {
    /// Reads a bundle, refusing one that others could read.
    pub fn load(path: &Path) -> Result<Self, BundleError> {
        let shown = path.display().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| BundleError::Read {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(BundleError::TooOpen { path: shown, mode });
            }
        }
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| BundleError::Read {
                    path: shown.clone(),
                    reason: e.to_string(),
                })?,
            );
        Self::parse(&text).map_err(|reason| BundleError::Malformed {
            path: shown,
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            // toml's message quotes the offending line, which may be key
            // material: keep the position only.
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: {}", e.message())
                }
                None => e.message().to_string(),
            }
        })
    }

    /// The bundle as written to disk.
    pub fn to_toml(&self) -> Zeroizing<String> {
        let server = match &self.server {
            Some(url) => format!("server = {:?}\n", url),
            None => String::new(),
        };
        Zeroizing::new(format!(
            "# bansho terminal bundle: this terminal's certificate and key, and the\n\
             # service's CA. Keep it readable by the terminal's user only (mode 0600).\n\
             terminal = {:?}\n{server}certificate = '''\n{}'''\nprivate_key = '''\n{}'''\nca = '''\n{}'''\n",
            self.terminal,
            self.certificate.trim_end().to_string() + "\n",
            self.private_key.expose().trim_end().to_string() + "\n",
            self.ca.trim_end().to_string() + "\n",
        ))
    }

    /// An HTTP client presenting this terminal's certificate and trusting
    /// only the service's CA, TLS 1.2 at the least.
    pub fn http_client(&self) -> Result<reqwest::Client, ClientError> {
        let mut identity_pem = Zeroizing::new(Vec::new());
        identity_pem.extend_from_slice(self.certificate.as_bytes());
        identity_pem.push(b'\n');
        identity_pem.extend_from_slice(self.private_key.expose().as_bytes());
        let identity = reqwest::Identity::from_pem(&identity_pem).map_err(|_| {
            ClientError::Transport("the terminal certificate or key is unusable".into())
        })?;
        let ca = reqwest::Certificate::from_pem(self.ca.as_bytes())
            .map_err(|_| ClientError::Transport("the service CA certificate is unusable".into()))?;
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .identity(identity)
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .https_only(true)
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))
    }
}

/// Why a TLS connection to the service failed, in terms a clerk can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// The terminal presented no certificate.
    NoClientCertificate,
    /// The terminal's certificate was issued by another CA.
    ForeignClientCertificate,
    /// The terminal has been revoked (or never registered).
    TerminalRevoked,
    /// The service's certificate is not from the pinned CA.
    ServerNotTrusted,
    /// The service could not check the terminal (its store is unavailable).
    ServiceUnavailable,
}

impl TlsProblem {
    /// Finds the TLS error in a transport error's chain (rustls errors
    /// travel inside `std::io::Error`, whose `source` skips them) and names
    /// the problem it means.
    pub fn of(error: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
        let mut next = Some(error);
        while let Some(current) = next {
            if let Some(tls) = current.downcast_ref::<rustls::Error>() {
                return Self::from_rustls(tls);
            }
            // `io::Error::source` skips the error it wraps: step into it.
            next = match current.downcast_ref::<std::io::Error>() {
                Some(io) => match io.get_ref() {
                    Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                    None => current.source(),
                },
                None => current.source(),
            };
        }
        None
    }

    fn from_rustls(error: &rustls::Error) -> Option<TlsProblem> {
        use rustls::AlertDescription as Alert;
        match error {
            rustls::Error::AlertReceived(alert) => match alert {
                Alert::CertificateRevoked => Some(TlsProblem::TerminalRevoked),
                Alert::CertificateRequired => Some(TlsProblem::NoClientCertificate),
                // A CA of the same name but another key fails the signature
                // check: the service answers decrypt_error.
                Alert::UnknownCA | Alert::BadCertificate | Alert::DecryptError => {
                    Some(TlsProblem::ForeignClientCertificate)
                }
                // What the service answers when it cannot read its registry.
                Alert::HandshakeFailure | Alert::InternalError => {
                    Some(TlsProblem::ServiceUnavailable)
                }
                _ => None,
            },
            rustls::Error::InvalidCertificate(_) => Some(TlsProblem::ServerNotTrusted),
            _ => None,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            TlsProblem::NoClientCertificate => {
                "the service refused this terminal: it presented no terminal certificate"
            }
            TlsProblem::ForeignClientCertificate => {
                "the service refused this terminal: its certificate is not from the service's CA"
            }
            TlsProblem::TerminalRevoked => {
                "the service refused this terminal: it has been revoked or is not registered"
            }
            TlsProblem::ServerNotTrusted => {
                "the server's certificate is not from the pinned CA: this may not be the records service"
            }
            TlsProblem::ServiceUnavailable => {
                "the records service refused the connection: it may be unable to check terminals right now; try again shortly"
            }
        }
    }
}
