//! The service's own certificate authority: it signs the service's server
//! certificate and one client certificate per registered terminal. ECDSA
//! P-256 with SHA-256 (CRYPTREC), issued with rcgen.

use crate::domain::audit_event::HandshakeFailure;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DistinguishedName as TlsName, SignatureScheme};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::crypto::write_private;

pub const CA_CERT: &str = "tls/ca.pem";
pub const CA_KEY: &str = "tls/ca.key";
pub const SERVER_CERT: &str = "tls/server.pem";
pub const SERVER_KEY: &str = "tls/server.key";

const CA_NAME: &str = "bansho terminal CA";

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificate generation failed: {0}")]
    Generate(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{path} is not a usable certificate or key")]
    Malformed { path: String },
    #[error("TLS configuration failed: {0}")]
    Tls(String),
}

fn generate(e: rcgen::Error) -> PkiError {
    PkiError::Generate(e.to_string())
}

fn read(dir: &Path, name: &str) -> Result<Zeroizing<String>, PkiError> {
    let path = dir.join(name);
    std::fs::read_to_string(&path)
        .map(Zeroizing::new)
        .map_err(|e| PkiError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Writes a key or certificate 0600. Certificates are public, but the
/// directory's rule is one rule: nothing in it is for other accounts.
fn write(path: PathBuf, text: &str) -> Result<(), PkiError> {
    write_private(&path, text.as_bytes()).map_err(|e| PkiError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// The CA's parameters. Rebuilt identically whenever the CA signs, so the
/// issuer name and key identifier always match the stored CA certificate.
fn ca_params(ca_name: &str, now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, ca_name);
    name.push(DnType::OrganizationName, "bansho");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    params
}

fn leaf_params(
    common_name: &str,
    names: Vec<SanType>,
    usage: ExtendedKeyUsagePurpose,
    now: OffsetDateTime,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    params.subject_alt_names = names;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(2 * 365);
    params
}

/// Creates the CA and the server certificate in `dir/tls`. `server_names`
/// are the host names and addresses terminals will use; loopback is always
/// included.
pub fn create(dir: &Path, server_names: &[String]) -> Result<(), PkiError> {
    create_named(dir, server_names, CA_NAME, "bansho records service")
}

/// Like [`create`], with the names the CA and the server certificate carry
/// (the transfer sink has a CA of its own).
pub fn create_named(
    dir: &Path,
    server_names: &[String],
    ca_name: &str,
    server_name: &str,
) -> Result<(), PkiError> {
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate().map_err(generate)?;
    let ca_cert = ca_params(ca_name, now)
        .self_signed(&ca_key)
        .map_err(generate)?;

    let mut names = vec![
        SanType::DnsName("localhost".try_into().map_err(generate)?),
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    for name in server_names {
        match name.parse::<std::net::IpAddr>() {
            Ok(ip) => names.push(SanType::IpAddress(ip)),
            Err(_) => names.push(SanType::DnsName(name.clone().try_into().map_err(generate)?)),
        }
    }
    let server_key = KeyPair::generate().map_err(generate)?;
    let issuer = Issuer::new(ca_params(ca_name, now), &ca_key);
    let server_cert = leaf_params(server_name, names, ExtendedKeyUsagePurpose::ServerAuth, now)
        .signed_by(&server_key, &issuer)
        .map_err(generate)?;

    write(dir.join(CA_KEY), &ca_key.serialize_pem())?;
    write(dir.join(CA_CERT), &ca_cert.pem())?;
    write(dir.join(SERVER_KEY), &server_key.serialize_pem())?;
    write(dir.join(SERVER_CERT), &server_cert.pem())?;
    Ok(())
}

/// A terminal's new certificate and key, signed by the CA.
pub struct IssuedTerminal {
    pub certificate_pem: String,
    pub private_key_pem: Zeroizing<String>,
    pub ca_pem: String,
    pub fingerprint: String,
}

pub fn issue_terminal(dir: &Path, terminal: &str) -> Result<IssuedTerminal, PkiError> {
    let now = OffsetDateTime::now_utc();
    let ca_key_pem = read(dir, CA_KEY)?;
    let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(|_| PkiError::Malformed {
        path: dir.join(CA_KEY).display().to_string(),
    })?;
    let ca_pem = read(dir, CA_CERT)?.to_string();
    let issuer = Issuer::new(ca_params(CA_NAME, now), &ca_key);
    let key = KeyPair::generate().map_err(generate)?;
    let cert = leaf_params(
        terminal,
        Vec::new(),
        ExtendedKeyUsagePurpose::ClientAuth,
        now,
    )
    .signed_by(&key, &issuer)
    .map_err(generate)?;
    Ok(IssuedTerminal {
        fingerprint: fingerprint(cert.der()),
        certificate_pem: cert.pem(),
        private_key_pem: Zeroizing::new(key.serialize_pem()),
        ca_pem,
    })
}

/// SHA-256 of a certificate's DER, hex: the registry's key.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryUnavailable;

/// What the registry says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalStatus {
    /// A registered terminal that may connect.
    Active(String),
    /// A terminal that was registered under this name and revoked.
    Revoked(String),
    /// Not a terminal's certificate.
    Unregistered,
}

/// Which certificates belong to terminals that may connect now.
pub trait TerminalRegistry: Send + Sync + std::fmt::Debug {
    /// The terminal's status; `Err` when the registry cannot be read (the
    /// connection is refused, but not as revoked).
    fn terminal_status(&self, fingerprint: &str) -> Result<TerminalStatus, RegistryUnavailable>;
}

/// Why the verifier refused a client certificate, for the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRefusal {
    pub fingerprint: String,
    /// The terminal's name, if the registry knows it.
    pub terminal: Option<String>,
    /// Revoked, unregistered, untrusted (not from this service's CA,
    /// expired, malformed) or the registry unavailable.
    pub reason: HandshakeFailure,
}

tokio::task_local! {
    /// The refusal of the handshake being driven by this task, if any.
    static REFUSED: std::cell::RefCell<Option<CertificateRefusal>>;
}

/// Drives a handshake and returns, with its outcome, why the verifier
/// refused the client's certificate (rustls reports only an alert code).
pub async fn with_refusal_note<T>(
    handshake: impl std::future::Future<Output = T>,
) -> (T, Option<CertificateRefusal>) {
    REFUSED
        .scope(std::cell::RefCell::new(None), async move {
            let outcome = handshake.await;
            let note = REFUSED.with(|cell| cell.borrow_mut().take());
            (outcome, note)
        })
        .await
}

fn note_refusal(refusal: CertificateRefusal) {
    // Outside `with_refusal_note` there is nobody to tell.
    let _ = REFUSED.try_with(|cell| *cell.borrow_mut() = Some(refusal));
}

/// Checks the CA signature (webpki) and then the registry, on every
/// connection: a revoked terminal is refused at its next handshake.
#[derive(Debug)]
struct RegisteredTerminals {
    inner: Arc<dyn ClientCertVerifier>,
    registry: Arc<dyn TerminalRegistry>,
}

impl ClientCertVerifier for RegisteredTerminals {
    fn root_hint_subjects(&self) -> &[TlsName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let fingerprint = fingerprint(end_entity);
        let refuse = |terminal: Option<String>, reason: HandshakeFailure| {
            note_refusal(CertificateRefusal {
                fingerprint: fingerprint.clone(),
                terminal,
                reason,
            })
        };
        if let Err(error) = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            refuse(None, HandshakeFailure::UntrustedCertificate);
            return Err(error);
        }
        // Revoked and never registered are refused alike: the alert does
        // not tell a stranger which certificates were once terminals'.
        match self.registry.terminal_status(&fingerprint) {
            Ok(TerminalStatus::Active(_)) => Ok(ClientCertVerified::assertion()),
            Ok(TerminalStatus::Revoked(name)) => {
                refuse(Some(name), HandshakeFailure::Revoked);
                Err(rustls::Error::InvalidCertificate(CertificateError::Revoked))
            }
            Ok(TerminalStatus::Unregistered) => {
                refuse(None, HandshakeFailure::Unregistered);
                Err(rustls::Error::InvalidCertificate(CertificateError::Revoked))
            }
            // Fail closed, with an internal-error alert rather than "revoked".
            Err(RegistryUnavailable) => {
                refuse(None, HandshakeFailure::RegistryUnavailable);
                Err(rustls::Error::General(
                    "terminal registry unavailable".into(),
                ))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server certificate chain and its key in `dir/tls`.
fn server_identity(
    dir: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), PkiError> {
    let chain_pem = read(dir, SERVER_CERT)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| PkiError::Malformed {
            path: dir.join(SERVER_CERT).display().to_string(),
        })?;
    let key_pem = read(dir, SERVER_KEY)?;
    let key =
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| PkiError::Malformed {
            path: dir.join(SERVER_KEY).display().to_string(),
        })?;
    Ok((chain, key))
}

/// ring with the AES-GCM suites only (CRYPTREC); ChaCha20 is not on the list.
fn cipher_suites() -> Arc<rustls::crypto::CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.retain(|suite| {
        matches!(
            suite.suite(),
            rustls::CipherSuite::TLS13_AES_256_GCM_SHA384
                | rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
                | rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
                | rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        )
    });
    Arc::new(provider)
}

/// A receiver's TLS configuration (the transfer sink): the same protocols
/// and suites as the service, the server certificate in `dir/tls`, no
/// client certificate asked.
pub fn receiver_config(dir: &Path) -> Result<Arc<rustls::ServerConfig>, PkiError> {
    let (chain, key) = server_identity(dir)?;
    let mut config = rustls::ServerConfig::builder_with_provider(cipher_suites())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| PkiError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| PkiError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The service's TLS configuration: TLS 1.3 and 1.2 (ECDHE + AES-GCM only),
/// client certificates required and checked against the registry.
pub fn server_config(
    dir: &Path,
    registry: Arc<dyn TerminalRegistry>,
) -> Result<Arc<rustls::ServerConfig>, PkiError> {
    let ca_pem = read(dir, CA_CERT)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|_| PkiError::Malformed {
            path: dir.join(CA_CERT).display().to_string(),
        })?;
        roots.add(cert).map_err(|e| PkiError::Tls(e.to_string()))?;
    }
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| PkiError::Tls(e.to_string()))?;
    let verifier = Arc::new(RegisteredTerminals { inner, registry });

    let (chain, key) = server_identity(dir)?;
    let mut config = rustls::ServerConfig::builder_with_provider(cipher_suites())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| PkiError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| PkiError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // No session resumption: a resumed session skips the verifier, so every
    // connection makes a full handshake and its certificate is checked
    // against the registry (and a refusal logged) each time.
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}
