//! The terminal bundle: the file `bansho admin terminal enroll` issues and
//! `bansho tui --terminal` reads, holding the terminal's client certificate
//! and key and the service's CA certificate (the only CA the terminal
//! trusts). The service writes the format and the client reads it, so it
//! lives with the other shared types.

use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroizing;

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
    #[error("cannot write the terminal bundle {path}: {reason}")]
    Write { path: String, reason: String },
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

    /// Writes the bundle to a new file readable by its owner only; an
    /// existing file is never overwritten.
    pub fn save(&self, path: &Path) -> Result<(), BundleError> {
        crate::private_fs::write_new(path, self.to_toml().as_bytes()).map_err(|e| {
            BundleError::Write {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> TerminalBundle {
        TerminalBundle {
            terminal: "counter-01".into(),
            server: Some("https://127.0.0.1:8443".into()),
            certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
            private_key: crate::secret::Secret::new(
                "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            ),
            ca: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n".into(),
        }
    }

    #[test]
    fn a_saved_bundle_loads_as_it_was_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter-01.toml");
        bundle().save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = TerminalBundle::load(&path).unwrap();
        assert_eq!(loaded.terminal, "counter-01");
        assert_eq!(loaded.server.as_deref(), Some("https://127.0.0.1:8443"));
        assert_eq!(loaded.certificate, format!("{}\n", bundle().certificate));
        assert_eq!(loaded.private_key.expose(), bundle().private_key.expose());
        assert_eq!(loaded.ca, bundle().ca);
    }

    #[test]
    fn saving_over_an_existing_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken.toml");
        std::fs::write(&path, "keep me").unwrap();
        let error = bundle().save(&path).unwrap_err();
        assert!(matches!(error, BundleError::Write { .. }), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    }

    #[test]
    fn a_malformed_bundle_names_the_line_but_not_its_text() {
        let text = "terminal = \"t\"\nprivate_key = 42 # SECRET-KEY-TEXT\n";
        let reason = TerminalBundle::parse(text).unwrap_err();
        assert!(reason.starts_with("line 2"), "{reason}");
        assert!(!reason.contains("SECRET-KEY-TEXT"), "{reason}");
    }
}
