//! The terminal's side of mutual TLS: an HTTP client presenting the
//! terminal's certificate from its bundle (`crate::api::terminal_bundle`)
//! and pinning the service's CA (no other CA is trusted), and the TLS
//! refusals put in terms a clerk can act on.

use zeroize::Zeroizing;

use super::ClientError;
use crate::api::terminal_bundle::TerminalBundle;

/// An HTTP client presenting the terminal certificate of `bundle` and
/// trusting only the service's CA, TLS 1.2 at the least.
pub fn http_client(bundle: &TerminalBundle) -> Result<reqwest::Client, ClientError> {
    let mut identity_pem = Zeroizing::new(Vec::new());
    identity_pem.extend_from_slice(bundle.certificate.as_bytes());
    identity_pem.push(b'\n');
    identity_pem.extend_from_slice(bundle.private_key.expose().as_bytes());
    let identity = reqwest::Identity::from_pem(&identity_pem).map_err(|_| {
        ClientError::Transport("the terminal certificate or key is unusable".into())
    })?;
    let ca = reqwest::Certificate::from_pem(bundle.ca.as_bytes())
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
