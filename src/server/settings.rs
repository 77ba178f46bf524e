//! The office's settings: `bansho.toml` in the service directory, optional.
//! What it leaves out keeps its default; an unknown key, a wrong type or an
//! impossible value stops the service with the file and line named.
//!
//! ```toml
//! [office]
//! time_zone = "Asia/Tokyo"     # lock times are shown in it; stored as UTC
//!
//! [login]
//! lockout_threshold = 5        # attempts checked before the lock
//! lockout_minutes = 15
//! forget_after_hours = 24      # a count with no attempt this long restarts
//! tracked_ids_max = 100000     # user IDs (known or guessed) tracked at once
//! verifications = 2            # PIN checks at once (default: the cores)
//! queue = 64                   # PIN checks waiting; past it, 503 busy
//! per_terminal_per_minute = 20 # login and unlock attempts per terminal
//!
//! [reads]
//! per_second = 10              # searches, views, reveals per user
//! burst = 30
//!
//! [[purpose]]                  # replaces the default list when present
//! code = "assessment"
//! department = "assessment"
//! name_ja = "個人住民税の賦課"
//! name_en = "Resident tax assessment"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ServerConfig;
use crate::domain::roles::Department;

pub const SETTINGS_FILE: &str = "bansho.toml";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// A business purpose (業務) and the department whose work it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeDef {
    pub code: String,
    pub department: Department,
    pub name_ja: String,
    pub name_en: String,
}

/// The office's time zone (IANA name), for times shown to people.
#[derive(Clone)]
pub struct OfficeTimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl std::fmt::Debug for OfficeTimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl OfficeTimeZone {
    pub fn named(name: &str) -> Result<Self, String> {
        jiff::tz::TimeZone::get(name)
            .map(|zone| Self {
                name: name.to_string(),
                zone,
            })
            .map_err(|_| {
                format!("unknown time zone `{name}` (use an IANA name such as Asia/Tokyo)")
            })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `2026-12-01 18:45 (Asia/Tokyo)`.
    pub fn show(&self, at: time::OffsetDateTime) -> String {
        let local = jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|ts| {
                ts.to_zoned(self.zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|_| crate::store::chain::format_time(at));
        format!("{local} ({})", self.name)
    }
}

impl Default for OfficeTimeZone {
    fn default() -> Self {
        // Japan has one zone and no daylight saving; the bundled database
        // always has it.
        Self::named("Asia/Tokyo").unwrap_or_else(|_| Self {
            name: "UTC".into(),
            zone: jiff::tz::TimeZone::UTC,
        })
    }
}

/// The purposes of a fresh office: each department's own.
pub fn default_purposes() -> Vec<PurposeDef> {
    [
        (
            "assessment",
            Department::Assessment,
            "個人住民税の賦課",
            "Resident tax assessment",
        ),
        (
            "certificate",
            Department::Assessment,
            "税証明の発行",
            "Tax certificates",
        ),
        (
            "collection",
            Department::Collections,
            "収納・滞納整理",
            "Collection and arrears",
        ),
        (
            "system_operation",
            Department::InformationSystems,
            "システム運用",
            "System operation",
        ),
        ("audit", Department::Audit, "監査", "Audit"),
    ]
    .into_iter()
    .map(|(code, department, ja, en)| PurposeDef {
        code: code.into(),
        department,
        name_ja: ja.into(),
        name_en: en.into(),
    })
    .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    office: Office,
    #[serde(default)]
    login: Login,
    #[serde(default)]
    reads: Reads,
    #[serde(default)]
    purpose: Vec<PurposeDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Office {
    time_zone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    lockout_threshold: Option<u32>,
    lockout_minutes: Option<u32>,
    forget_after_hours: Option<u32>,
    tracked_ids_max: Option<u32>,
    verifications: Option<u32>,
    queue: Option<u32>,
    per_terminal_per_minute: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reads {
    per_second: Option<u32>,
    burst: Option<u32>,
}

pub fn settings_path(dir: &Path) -> PathBuf {
    dir.join(SETTINGS_FILE)
}

/// The service's configuration: defaults, overridden by `bansho.toml` in
/// `dir` if there is one.
pub fn load(dir: &Path) -> Result<ServerConfig, SettingsError> {
    let path = settings_path(dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ServerConfig::default()),
        Err(e) => Err(SettingsError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

fn positive(value: Option<u32>, key: &str, path: &str) -> Result<Option<u32>, SettingsError> {
    match value {
        Some(0) => Err(SettingsError::Invalid {
            path: path.into(),
            message: format!("{key} must be at least 1"),
        }),
        other => Ok(other),
    }
}

/// Reads settings text; `path` names it in errors.
pub fn parse(text: &str, path: &str) -> Result<ServerConfig, SettingsError> {
    let invalid = |message: String| SettingsError::Invalid {
        path: path.into(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let mut config = ServerConfig::default();
    if let Some(name) = &file.office.time_zone {
        config.time_zone = OfficeTimeZone::named(name).map_err(invalid)?;
    }
    let login = &file.login;
    if let Some(n) = positive(login.lockout_threshold, "login.lockout_threshold", path)? {
        config.lockout_threshold = i64::from(n);
    }
    if let Some(n) = positive(login.lockout_minutes, "login.lockout_minutes", path)? {
        config.lockout_duration = time::Duration::minutes(i64::from(n));
    }
    if let Some(n) = positive(login.forget_after_hours, "login.forget_after_hours", path)? {
        config.lockout_forget_after = time::Duration::hours(i64::from(n));
    }
    if let Some(n) = positive(login.tracked_ids_max, "login.tracked_ids_max", path)? {
        config.login_tracked_max = u64::from(n);
    }
    if let Some(n) = positive(login.verifications, "login.verifications", path)? {
        config.login_verifications = n as usize;
    }
    if let Some(n) = login.queue {
        config.login_queue = n as usize;
    }
    if let Some(n) = positive(
        login.per_terminal_per_minute,
        "login.per_terminal_per_minute",
        path,
    )? {
        config.terminal_logins_per_minute = n;
    }
    if let Some(n) = positive(file.reads.per_second, "reads.per_second", path)? {
        config.reads_per_second = n;
    }
    if let Some(n) = positive(file.reads.burst, "reads.burst", path)? {
        config.read_burst = n;
    }
    if !file.purpose.is_empty() {
        for (i, p) in file.purpose.iter().enumerate() {
            let code_ok = (1..=32).contains(&p.code.len())
                && p.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !code_ok {
                return Err(invalid(format!(
                    "purpose {} has code `{}`: use 1 to 32 lowercase letters, digits or _",
                    i + 1,
                    p.code.escape_debug()
                )));
            }
            if file.purpose[..i].iter().any(|q| q.code == p.code) {
                return Err(invalid(format!("purpose code `{}` appears twice", p.code)));
            }
            if p.name_ja.trim().is_empty() || p.name_en.trim().is_empty() {
                return Err(invalid(format!(
                    "purpose `{}` needs name_ja and name_en",
                    p.code
                )));
            }
        }
        config.purposes = file.purpose;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = load(dir.path()).unwrap();
        assert_eq!(config.time_zone.name(), "Asia/Tokyo");
        assert_eq!(config.purposes, default_purposes());
    }

    #[test]
    fn values_override_defaults() {
        let config = parse(
            "[office]\ntime_zone = \"UTC\"\n[login]\nlockout_threshold = 3\nper_terminal_per_minute = 7\n\
             [reads]\nper_second = 500\n[[purpose]]\ncode = \"x\"\ndepartment = \"audit\"\nname_ja = \"エックス\"\nname_en = \"X\"\n",
            "bansho.toml",
        )
        .unwrap();
        assert_eq!(config.time_zone.name(), "UTC");
        assert_eq!(config.lockout_threshold, 3);
        assert_eq!(config.terminal_logins_per_minute, 7);
        assert_eq!(config.reads_per_second, 500);
        assert_eq!(config.purposes.len(), 1);
        assert_eq!(config.purposes[0].department, Department::Audit);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let error = parse(
            "[login]\nlockout_threshold = 5\nlockout_minuts = 3\n",
            "/srv/bansho.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("/srv/bansho.toml"), "{error}");
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("lockout_minuts"), "{error}");
        let error = parse("[office]\ntime_zone = \"Mars/Olympus\"\n", "b.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("Mars/Olympus"), "{error}");
        let error = parse(
            "[[purpose]]\ncode = \"a\"\ndepartment = \"nowhere\"\nname_ja = \"a\"\nname_en = \"a\"\n",
            "b.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("nowhere"), "{error}");
        let error = parse("[login]\nqueue = -1\n", "b.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn lock_times_are_shown_in_the_office_zone() {
        let zone = OfficeTimeZone::default();
        let at = time::macros::datetime!(2026-12-01 09:45 UTC);
        assert_eq!(zone.show(at), "2026-12-01 18:45 (Asia/Tokyo)");
    }
}
