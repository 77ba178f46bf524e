//! Where a transfer may go: a partner system or another municipality over
//! HTTPS with a pinned CA, or the print spool. Each names the formats it
//! may receive and the legal basis it was approved under.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    Partner,
    Municipality,
    /// Paper: the service renders a document into the spool directory.
    Print,
}

/// A destination as an IT officer registers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub id: String,
    pub name: String,
    pub kind: DestinationKind,
    /// `https://...`; none for print.
    pub endpoint: Option<String>,
    /// The PEM of the CA the destination's certificate must chain to;
    /// none for print.
    pub ca_pem: Option<String>,
    /// The formats it may receive, by id (any registered version).
    pub formats: Vec<String>,
    /// The law or agreement it was approved under (e.g. 番号法第19条第8号).
    pub legal_basis: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DestinationError {
    #[error("`id`: 1 to 32 lower-case letters, digits, `-` or `_`")]
    Id,
    #[error("`name`: 1 to 100 characters, no control characters")]
    Name,
    #[error("`endpoint`: an https:// URL is needed for a {0} destination")]
    Endpoint(&'static str),
    #[error("`ca_pem`: the CA certificate to pin is needed for a {0} destination")]
    Ca(&'static str),
    #[error("`endpoint`, `ca_pem`: a print destination has neither")]
    PrintHasNoEndpoint,
    #[error("`formats`: at least one format")]
    NoFormats,
    #[error("`legal_basis`: the basis the destination was approved under is needed")]
    LegalBasis,
}

impl DestinationKind {
    pub fn key(self) -> &'static str {
        match self {
            DestinationKind::Partner => "partner",
            DestinationKind::Municipality => "municipality",
            DestinationKind::Print => "print",
        }
    }
}

fn plain(text: &str, max: usize) -> bool {
    let n = text.chars().count();
    (1..=max).contains(&n) && !text.chars().any(char::is_control) && !text.trim().is_empty()
}

impl Destination {
    pub fn check(&self) -> Result<(), DestinationError> {
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(DestinationError::Id);
        }
        if !plain(&self.name, 100) {
            return Err(DestinationError::Name);
        }
        match self.kind {
            DestinationKind::Print => {
                if self.endpoint.is_some() || self.ca_pem.is_some() {
                    return Err(DestinationError::PrintHasNoEndpoint);
                }
            }
            kind => {
                let https = self.endpoint.as_deref().is_some_and(|e| {
                    e.strip_prefix("https://").is_some_and(|rest| {
                        !rest.is_empty() && !rest.chars().any(char::is_whitespace)
                    })
                });
                if !https {
                    return Err(DestinationError::Endpoint(kind.key()));
                }
                let pem = self
                    .ca_pem
                    .as_deref()
                    .is_some_and(|p| p.contains("-----BEGIN CERTIFICATE-----"));
                if !pem {
                    return Err(DestinationError::Ca(kind.key()));
                }
            }
        }
        if self.formats.is_empty() {
            return Err(DestinationError::NoFormats);
        }
        if !plain(&self.legal_basis, 200) {
            return Err(DestinationError::LegalBasis);
        }
        Ok(())
    }

    /// Whether a transfer in this format may go here now.
    pub fn receives(&self, format: &str) -> bool {
        self.active && self.formats.iter().any(|f| f == format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner() -> Destination {
        Destination {
            id: "kenmin-zei".into(),
            name: "県税事務所".into(),
            kind: DestinationKind::Partner,
            endpoint: Some("https://127.0.0.1:9443/receive".into()),
            ca_pem: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
            formats: vec!["tax_certificate".into()],
            legal_basis: "番号法第19条第8号".into(),
            active: true,
        }
    }

    #[test]
    fn a_partner_needs_https_and_a_pinned_ca() {
        assert_eq!(partner().check(), Ok(()));
        let mut d = partner();
        d.endpoint = Some("http://127.0.0.1:9443/".into());
        assert_eq!(d.check(), Err(DestinationError::Endpoint("partner")));
        let mut d = partner();
        d.ca_pem = None;
        assert_eq!(d.check(), Err(DestinationError::Ca("partner")));
        let mut d = partner();
        d.name = "県税\u{7}事務所".into();
        assert_eq!(d.check(), Err(DestinationError::Name));
        let mut d = partner();
        d.legal_basis = " ".into();
        assert_eq!(d.check(), Err(DestinationError::LegalBasis));
    }

    #[test]
    fn a_print_destination_has_no_endpoint() {
        let mut d = partner();
        d.kind = DestinationKind::Print;
        assert_eq!(d.check(), Err(DestinationError::PrintHasNoEndpoint));
        d.endpoint = None;
        d.ca_pem = None;
        assert_eq!(d.check(), Ok(()));
    }

    #[test]
    fn an_inactive_destination_receives_nothing() {
        let mut d = partner();
        assert!(d.receives("tax_certificate"));
        assert!(!d.receives("other"));
        d.active = false;
        assert!(!d.receives("tax_certificate"));
    }
}
