//! The office's settings: a TOML file (`bansho serve --config FILE`, by
//! default `bansho.toml` in the service directory, optional there), then
//! `BANSHO_<SECTION>_<KEY>` environment variables over it. What neither sets
//! keeps its default. An unknown key, a wrong type or an impossible value
//! stops the service with the file, line and key (or the variable) named.
//! Every key, with its default and bounds, is in `docs/admin-guide.md`.
//!
//! ```toml
//! [office]
//! time_zone = "Asia/Tokyo"     # lock times are shown in it; stored as UTC
//! opens_minutes = 510          # business hours (08:30), minutes after local midnight
//! closes_minutes = 1035        # ... until 17:15, on the calendar's business days
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
//! [entry]
//! double_keyed = ["amount", "date", "my_number", "corporate_number"]
//! holidays = ["2027-01-01", "2027-01-02"]   # besides weekends
//! large_amount = 10000000      # the next-day list takes commits with an amount this large
//! new_keyer_days = 30          # ... and those keyed in a clerk's first days
//! sample_per_mille = 20        # ... and this share of the rest
//!
//! [transfers]
//! sign_off_timeout = 600       # seconds from the preview to the sign-off
//! send_timeout = 30            # seconds one attempt waits for the receiver
//! [retention]                  # how long each kind of record is kept
//! tax_record_years = 7         # after the end of the record's tax year
//! person_years = 5             # after moving out or death
//! draft_days = 30              # entries never committed, after their last change
//! transient_days = 7           # stated: the service keeps no transient results
//! access_log_years = 10        # stated: the access log is never erased by the service
//! tax_record_basis = "地方税法 第17条の5 ..."   # each rule's legal basis, as text
//!
//! [print]                      # printouts; unset, a send to a print destination is refused
//! font = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
//! spool = "/var/spool/bansho"  # created 0700 if missing
//!
//! [[purpose]]                  # replaces the default list when present
//! code = "assessment"
//! department = "assessment"
//! name_ja = "個人住民税の賦課"
//! name_en = "Resident tax assessment"
//! ```

mod env;
mod file;
pub mod keys;
mod purposes;
mod summary;
mod time_zone;

use std::path::{Path, PathBuf};

pub use env::Environment;
pub use file::Position;
pub use purposes::{DEPARTMENTS, PurposeDef, default_purposes};
pub use time_zone::OfficeTimeZone;

use super::ServerConfig;

pub const SETTINGS_FILE: &str = "bansho.toml";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}:{}:{}: {message}", .position.line, .position.column)]
    File {
        path: String,
        position: Position,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error(
        "{path} has mode {mode:04o}: other accounts could change the service's rules; run `chmod go-w {path}`"
    )]
    Writable { path: String, mode: u32 },
}

/// Where the settings file is.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub path: PathBuf,
    /// A file named on the command line must exist; the service
    /// directory's may be absent.
    pub required: bool,
}

impl SettingsFile {
    /// `bansho.toml` in the service directory, if it is there.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(SETTINGS_FILE),
            required: false,
        }
    }

    /// A file named with `--config`.
    pub fn named(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            required: true,
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(Position),
    Env(String),
}

/// The settings the service runs with, and where each came from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: ServerConfig,
    /// The file looked for, and whether it was there.
    pub path: PathBuf,
    pub file_read: bool,
    /// Each setting's origin, by dotted name, in the guide's order.
    pub origins: Vec<(&'static str, Origin)>,
    /// Where the purposes list came from (the file or the defaults).
    pub purposes_origin: Origin,
    /// The environment variables that override a setting.
    pub overrides: Vec<String>,
}

impl Settings {
    /// The origin of the setting `name` (dotted).
    pub fn origin(&self, name: &str) -> Option<&Origin> {
        self.origins
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| o)
    }

    /// A few lines for `--check-config`: each value and where it came from.
    pub fn summary(&self) -> String {
        summary::render(self)
    }
}

/// Reads the settings file (if there is one) and the environment's
/// overrides over the defaults.
pub fn load(source: &SettingsFile, env: &Environment) -> Result<Settings, SettingsError> {
    let path = source.path.display().to_string();
    let text = match std::fs::read_to_string(&source.path) {
        Ok(text) => {
            refuse_writable_by_others(&source.path)?;
            Some(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !source.required => None,
        Err(e) => {
            return Err(SettingsError::Read {
                path,
                reason: e.to_string(),
            });
        }
    };
    let mut settings = parse(text.as_deref().unwrap_or(""), &path, env)?;
    settings.path = source.path.clone();
    settings.file_read = text.is_some();
    Ok(settings)
}

/// The rules of the service are in the file: an account that may change it
/// may weaken the lockout.
fn refuse_writable_by_others(path: &Path) -> Result<(), SettingsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| SettingsError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o022 != 0 {
            return Err(SettingsError::Writable {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads settings text and the environment's overrides; `path` names the
/// text in errors.
pub fn parse(text: &str, path: &str, env: &Environment) -> Result<Settings, SettingsError> {
    let at = |position: Position, message: String| SettingsError::File {
        path: path.into(),
        position,
        message,
    };
    let place = |span: std::ops::Range<usize>| Position::of(text, span.start);
    let file = file::parse(text).map_err(|e| match e.position {
        Some(position) => at(position, e.message),
        None => SettingsError::Invalid {
            path: path.into(),
            message: e.message,
        },
    })?;
    env.check_names()?;

    let mut config = ServerConfig::default();
    let mut origins = Vec::new();

    // The time zone: the environment's, else the file's.
    let zone = match env.text(keys::TIME_ZONE)? {
        Some((var, name)) => Some((name, Origin::Env(var))),
        None => file
            .office
            .time_zone
            .as_ref()
            .map(|z| (z.get_ref().clone(), Origin::File(place(z.span())))),
    };
    match zone {
        Some((name, origin)) => {
            config.time_zone = OfficeTimeZone::named(&name)
                .map_err(|message| wrong(&origin, path, keys::TIME_ZONE, message))?;
            origins.push((keys::TIME_ZONE, origin));
        }
        None => origins.push((keys::TIME_ZONE, Origin::Default)),
    }

    for key in keys::NUMBER_KEYS {
        let value = match env.number(key.name)? {
            Some((var, n)) => Some((n, Origin::Env(var))),
            None => (key.read)(&file).map(|v| (*v.get_ref(), Origin::File(place(v.span())))),
        };
        let Some((n, origin)) = value else {
            origins.push((key.name, Origin::Default));
            continue;
        };
        if !key.range.contains(&n) {
            let message = format!(
                "must be from {} to {}, not {n}",
                key.range.start(),
                key.range.end()
            );
            return Err(wrong(&origin, path, key.name, message));
        }
        (key.apply)(&mut config, n);
        origins.push((key.name, origin));
    }

    // The print paths: the environment's, else the file's; unset by default.
    for name in keys::PATH_KEYS {
        let from_file = match name {
            keys::PRINT_FONT => file.print.font.as_ref(),
            _ => file.print.spool.as_ref(),
        };
        let value = match env.text(name)? {
            Some((var, text)) => Some((text, Origin::Env(var))),
            None => from_file.map(|v| (v.get_ref().clone(), Origin::File(place(v.span())))),
        };
        let Some((text, origin)) = value else {
            origins.push((name, Origin::Default));
            continue;
        };
        if text.trim().is_empty() {
            return Err(wrong(&origin, path, name, "must name a path".into()));
        }
        let chosen = Some(PathBuf::from(text));
        match name {
            keys::PRINT_FONT => config.print.font = chosen,
            _ => config.print.spool = chosen,
        }
        origins.push((name, origin));
    }

    // The entry lists, from the file only.
    match &file.entry.double_keyed {
        Some(list) => {
            let mut kinds = std::collections::BTreeSet::new();
            for name in list.get_ref() {
                let kind = crate::domain::entry::schema::FieldKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == name)
                    .ok_or_else(|| {
                        at(
                            place(list.span()),
                            format!(
                                "{}: `{}` is not a kind of field (amount, date, my_number, corporate_number, text, kana, phone, choice)",
                                keys::DOUBLE_KEYED,
                                name.escape_debug()
                            ),
                        )
                    })?;
                kinds.insert(kind);
            }
            config.double_keying = crate::domain::entry::compare::DoubleKeying { kinds };
            origins.push((keys::DOUBLE_KEYED, Origin::File(place(list.span()))));
        }
        None => origins.push((keys::DOUBLE_KEYED, Origin::Default)),
    }
    match &file.entry.holidays {
        Some(list) => {
            let format = time::format_description::well_known::Iso8601::DATE;
            for day in list.get_ref() {
                let date = time::Date::parse(day, &format).map_err(|_| {
                    at(
                        place(list.span()),
                        format!(
                            "{}: `{}` is not a date (2027-01-01)",
                            keys::HOLIDAYS,
                            day.escape_debug()
                        ),
                    )
                })?;
                config.calendar.holidays.insert(date);
            }
            origins.push((keys::HOLIDAYS, Origin::File(place(list.span()))));
        }
        None => origins.push((keys::HOLIDAYS, Origin::Default)),
    }

    // The retention rules' legal bases, from the file only.
    let bases = [
        &file.retention.tax_record_basis,
        &file.retention.person_basis,
        &file.retention.draft_basis,
        &file.retention.transient_basis,
        &file.retention.access_log_basis,
    ];
    for (name, basis) in keys::RETENTION_BASES.into_iter().zip(bases) {
        let Some(text) = basis else {
            origins.push((name, Origin::Default));
            continue;
        };
        if text.get_ref().trim().is_empty() {
            return Err(at(
                place(text.span()),
                format!("{name} must state the legal basis, not be empty"),
            ));
        }
        let rule = match name {
            "retention.tax_record_basis" => &mut config.retention.tax_record,
            "retention.person_basis" => &mut config.retention.person,
            "retention.draft_basis" => &mut config.retention.draft,
            "retention.transient_basis" => &mut config.retention.transient,
            _ => &mut config.retention.access_log,
        };
        rule.basis = text.get_ref().clone();
        origins.push((name, Origin::File(place(text.span()))));
    }

    let purposes_origin = match file.purpose.first() {
        Some(first) => {
            let list: Vec<&PurposeDef> = file.purpose.iter().map(|p| p.get_ref()).collect();
            purposes::check(&list).map_err(|problem| {
                let span = file.purpose[problem.index].span();
                at(place(span), problem.message)
            })?;
            config.purposes = list.into_iter().cloned().collect();
            Origin::File(place(first.span()))
        }
        None => Origin::Default,
    };

    Ok(Settings {
        config,
        path: PathBuf::from(path),
        file_read: true,
        origins,
        purposes_origin,
        overrides: env.overrides(),
    })
}

/// The error for setting `name`'s value, placed where the value came from.
fn wrong(origin: &Origin, path: &str, name: &str, message: String) -> SettingsError {
    let message = format!("{name} {message}");
    match origin {
        Origin::File(position) => SettingsError::File {
            path: path.into(),
            position: *position,
            message,
        },
        Origin::Env(var) => SettingsError::Env {
            var: var.clone(),
            message,
        },
        Origin::Default => SettingsError::Invalid {
            path: path.into(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Department;

    fn no_env() -> Environment {
        Environment::default()
    }

    fn error(text: &str) -> String {
        parse(text, "/srv/bansho.toml", &no_env())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_entry_section_sets_double_keying_holidays_and_the_next_day_rules() {
        let settings = parse(
            "[entry]\ndouble_keyed = [\"amount\", \"phone\"]\nholidays = [\"2027-01-01\"]\nsample_per_mille = 50\n",
            "bansho.toml",
            &no_env(),
        )
        .unwrap();
        let config = &settings.config;
        use crate::domain::entry::schema::FieldKind;
        assert_eq!(
            config
                .double_keying
                .kinds
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [FieldKind::Amount, FieldKind::Phone]
        );
        assert!(
            config
                .calendar
                .holidays
                .contains(&time::macros::date!(2027 - 01 - 01))
        );
        assert_eq!(config.reverify_rules.sample_per_mille, 50);
        assert!(matches!(
            settings.origin("entry.holidays"),
            Some(Origin::File(_))
        ));
        assert_eq!(
            error("[entry]\n\ndouble_keyed = [\"amounts\"]\n"),
            "/srv/bansho.toml:3:16: entry.double_keyed: `amounts` is not a kind of field (amount, date, my_number, corporate_number, text, kana, phone, choice)"
        );
        assert_eq!(
            error("[entry]\nholidays = [\"2027-13-01\"]\n"),
            "/srv/bansho.toml:2:12: entry.holidays: `2027-13-01` is not a date (2027-01-01)"
        );
    }

    #[test]
    fn no_file_means_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let settings = load(&SettingsFile::in_dir(dir.path()), &no_env()).unwrap();
        assert!(!settings.file_read);
        assert_eq!(settings.config.time_zone.name(), "Asia/Tokyo");
        assert_eq!(settings.config.purposes, default_purposes());
        assert!(settings.origins.iter().all(|(_, o)| *o == Origin::Default));
        assert_eq!(
            settings.origins.len(),
            keys::names().count() + keys::FILE_ONLY.len()
        );
    }

    #[test]
    fn a_named_file_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let error = load(&SettingsFile::named(&missing), &no_env())
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("cannot read "), "{error}");
        assert!(error.contains("none.toml"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_may_change_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bansho.toml");
        std::fs::write(&path, "[login]\nlockout_threshold = 3\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        let error = load(&SettingsFile::named(&path), &no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("mode 0664"), "{error}");
        assert!(error.contains("chmod go-w"), "{error}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let settings = load(&SettingsFile::named(&path), &no_env()).unwrap();
        assert!(settings.file_read);
        assert_eq!(settings.config.lockout_threshold, 3);
    }

    #[test]
    fn values_override_defaults() {
        let settings = parse(
            "[office]\ntime_zone = \"UTC\"\n[login]\nlockout_threshold = 3\nper_terminal_per_minute = 7\n\
             [reads]\nper_second = 500\n[[purpose]]\ncode = \"x\"\ndepartment = \"audit\"\nname_ja = \"エックス\"\nname_en = \"X\"\n",
            "bansho.toml",
            &no_env(),
        )
        .unwrap();
        let config = &settings.config;
        assert_eq!(config.time_zone.name(), "UTC");
        assert_eq!(config.lockout_threshold, 3);
        assert_eq!(config.terminal_logins_per_minute, 7);
        assert_eq!(config.reads_per_second, 500);
        assert_eq!(config.purposes.len(), 1);
        assert_eq!(config.purposes[0].department, Department::Audit);
        assert_eq!(
            settings.origin("login.lockout_threshold"),
            Some(&Origin::File(Position {
                line: 4,
                column: 21
            }))
        );
        assert_eq!(settings.origin("reads.burst"), Some(&Origin::Default));
        assert_eq!(
            settings.purposes_origin,
            Origin::File(Position { line: 8, column: 1 })
        );
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let env = Environment::from_pairs([
            ("BANSHO_LOGIN_LOCKOUT_THRESHOLD", "4"),
            ("BANSHO_OFFICE_TIME_ZONE", "UTC"),
        ]);
        let settings = parse("[login]\nlockout_threshold = 3\n", "b.toml", &env).unwrap();
        assert_eq!(settings.config.lockout_threshold, 4);
        assert_eq!(settings.config.time_zone.name(), "UTC");
        assert_eq!(
            settings.origin("login.lockout_threshold"),
            Some(&Origin::Env("BANSHO_LOGIN_LOCKOUT_THRESHOLD".into()))
        );
        assert_eq!(
            settings.overrides,
            ["BANSHO_OFFICE_TIME_ZONE", "BANSHO_LOGIN_LOCKOUT_THRESHOLD"]
        );
    }

    #[test]
    fn an_impossible_value_from_the_environment_names_the_variable() {
        let env = Environment::from_pairs([("BANSHO_LOGIN_LOCKOUT_MINUTES", "0")]);
        let error = parse("", "b.toml", &env).unwrap_err().to_string();
        assert_eq!(
            error,
            "BANSHO_LOGIN_LOCKOUT_MINUTES: login.lockout_minutes must be from 1 to 10080, not 0"
        );
        let env = Environment::from_pairs([("BANSHO_OFFICE_TIME_ZONE", "Mars/Olympus")]);
        let error = parse("", "b.toml", &env).unwrap_err().to_string();
        assert!(error.starts_with("BANSHO_OFFICE_TIME_ZONE: "), "{error}");
        assert!(error.contains("Mars/Olympus"), "{error}");
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let found = error("[login]\nlockout_threshold = 5\nlockout_minuts = 3\n");
        assert!(
            found.starts_with("/srv/bansho.toml:3:1: unknown key `login.lockout_minuts`"),
            "{found}"
        );
        let found = error("[login]\nqueue = \"many\"\n");
        assert!(
            found.starts_with("/srv/bansho.toml:2:9: login.queue: "),
            "{found}"
        );
        let found = error("[office]\ntime_zone = \"Mars/Olympus\"\n");
        assert!(
            found.starts_with("/srv/bansho.toml:2:13: office.time_zone "),
            "{found}"
        );
        assert!(found.contains("Mars/Olympus"), "{found}");
        let found = error("[login]\n\nlockout_threshold = 0\n");
        assert_eq!(
            found,
            "/srv/bansho.toml:3:21: login.lockout_threshold must be from 1 to 100, not 0"
        );
        let found = error("[login]\nverifications = 1000\n");
        assert!(
            found.contains("login.verifications must be from 1 to 64"),
            "{found}"
        );
        let found = error("[login]\nqueue = -1\n");
        assert!(found.starts_with("/srv/bansho.toml:2:"), "{found}");
    }

    #[test]
    fn a_bad_purpose_is_placed_at_its_table() {
        let text = "[[purpose]]\ncode = \"a\"\ndepartment = \"audit\"\nname_ja = \"a\"\nname_en = \"a\"\n\
                    \n[[purpose]]\ncode = \"a\"\ndepartment = \"audit\"\nname_ja = \"b\"\nname_en = \"b\"\n";
        let found = error(text);
        assert!(found.starts_with("/srv/bansho.toml:7:"), "{found}");
        assert!(found.contains("appears twice"), "{found}");
    }

    #[test]
    fn the_transfers_section_sets_the_sign_off_and_send_timeouts() {
        let env = Environment::from_pairs([("BANSHO_TRANSFERS_SEND_TIMEOUT", "5")]);
        let settings = parse("[transfers]\nsign_off_timeout = 120\n", "b.toml", &env).unwrap();
        let config = &settings.config;
        assert_eq!(config.transfer_sign_off_timeout, time::Duration::minutes(2));
        assert_eq!(
            config.transfer_send_timeout,
            std::time::Duration::from_secs(5)
        );
        assert_eq!(
            settings.origin("transfers.sign_off_timeout"),
            Some(&Origin::File(Position {
                line: 2,
                column: 20
            }))
        );
        let summary = settings.summary();
        assert!(
            summary
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>()
                    == [
                        "transfers.send_timeout",
                        "5",
                        "BANSHO_TRANSFERS_SEND_TIMEOUT"
                    ]),
            "{summary}"
        );
        assert_eq!(
            error("[transfers]\nsign_off_timeout = 5\n"),
            "/srv/bansho.toml:2:20: transfers.sign_off_timeout must be from 60 to 86400, not 5"
        );
        assert!(
            error("[transfers]\nsend_timout = 5\n")
                .starts_with("/srv/bansho.toml:2:1: unknown key `transfers.send_timout`")
        );
    }

    #[test]
    fn the_retention_section_sets_periods_and_legal_bases() {
        use crate::domain::retention::Period;
        let env = Environment::from_pairs([("BANSHO_RETENTION_DRAFT_DAYS", "60")]);
        let settings = parse(
            "[retention]\nperson_years = 10\nperson_basis = \"条例 第3条\"\n",
            "b.toml",
            &env,
        )
        .unwrap();
        let rules = &settings.config.retention;
        assert_eq!(rules.person.period, Period::Years(10));
        assert_eq!(rules.person.basis, "条例 第3条");
        assert_eq!(rules.draft.period, Period::Days(60));
        assert_eq!(rules.tax_record.period, Period::Years(7));
        assert!(rules.tax_record.basis.contains("地方税法"));
        assert!(matches!(
            settings.origin("retention.person_basis"),
            Some(Origin::File(_))
        ));
        let summary = settings.summary();
        assert!(summary.contains("条例 第3条"), "{summary}");
        assert_eq!(
            error("[retention]\ntax_record_years = 0\n"),
            "/srv/bansho.toml:2:20: retention.tax_record_years must be from 1 to 150, not 0"
        );
        assert_eq!(
            error("[retention]\n\ndraft_basis = \"  \"\n"),
            "/srv/bansho.toml:3:15: retention.draft_basis must state the legal basis, not be empty"
        );
    }

    /// The guide's table lists every key and its variable.
    #[test]
    fn the_admin_guide_documents_every_key() {
        let guide = include_str!("../../docs/admin-guide.md");
        for name in keys::names() {
            let (_, key) = name.split_once('.').unwrap();
            assert!(guide.contains(&format!("`{name}`")), "{name} in the guide");
            assert!(guide.contains(&keys::env_var(name)), "{name}'s variable");
            assert!(guide.contains(key), "{key}");
        }
        for key in keys::NUMBER_KEYS {
            let bounds = format!("{}–{}", key.range.start(), key.range.end());
            assert!(guide.contains(&bounds), "{}: {bounds}", key.name);
        }
    }
}
