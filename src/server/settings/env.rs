//! Overrides from the environment: `BANSHO_<SECTION>_<KEY>` for each key of
//! the file's `[office]`, `[login]` and `[reads]` (e.g.
//! `BANSHO_LOGIN_LOCKOUT_THRESHOLD=3`), typed like the file. They win over
//! the file, so one machine can differ from the office's shared file.

use std::collections::BTreeMap;
use std::ffi::OsString;

use super::SettingsError;
use super::keys::{self, ENV_PREFIX};

/// The `BANSHO_*` variables settings may come from.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    vars: BTreeMap<String, OsString>,
}

impl Environment {
    /// This process's variables.
    pub fn of_process() -> Self {
        Self::from_pairs(
            std::env::vars_os().filter_map(|(name, value)| Some((name.into_string().ok()?, value))),
        )
    }

    /// The given variables (for tests and embedding).
    pub fn from_pairs<K: Into<String>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .filter(|(k, _)| k.starts_with(ENV_PREFIX))
                .collect(),
        }
    }

    /// A variable in a settings section that names no setting: refused, so
    /// a misspelt override is not silently without effect.
    pub(super) fn check_names(&self) -> Result<(), SettingsError> {
        let sections = keys::env_sections();
        let known: Vec<String> = keys::names().map(keys::env_var).collect();
        for var in self.vars.keys() {
            if var.starts_with("BANSHO_PURPOSE") {
                return Err(SettingsError::Env {
                    var: var.clone(),
                    message: "purposes are set in the settings file only".into(),
                });
            }
            if let Some(section) = sections.iter().find(|s| var.starts_with(s.as_str()))
                && !known.contains(var)
            {
                let offered: Vec<&str> = known
                    .iter()
                    .filter(|k| k.starts_with(section.as_str()))
                    .map(String::as_str)
                    .collect();
                return Err(SettingsError::Env {
                    var: var.clone(),
                    message: format!("names no setting; that section has {}", offered.join(", ")),
                });
            }
        }
        Ok(())
    }

    /// The override of setting `name` (dotted), as (variable, text).
    pub(super) fn text(&self, name: &str) -> Result<Option<(String, String)>, SettingsError> {
        let var = keys::env_var(name);
        let Some(value) = self.vars.get(&var) else {
            return Ok(None);
        };
        match value.to_str() {
            Some(text) => Ok(Some((var, text.trim().to_string()))),
            None => Err(SettingsError::Env {
                var,
                message: "is not valid UTF-8".into(),
            }),
        }
    }

    /// The override of a whole-number setting, parsed.
    pub(super) fn number(&self, name: &str) -> Result<Option<(String, u32)>, SettingsError> {
        let Some((var, text)) = self.text(name)? else {
            return Ok(None);
        };
        match text.parse::<u32>() {
            Ok(n) => Ok(Some((var, n))),
            Err(_) => Err(SettingsError::Env {
                message: format!("`{}` is not a whole number ({name})", text.escape_debug()),
                var,
            }),
        }
    }

    /// The names of the variables that override a setting, for the log.
    pub fn overrides(&self) -> Vec<String> {
        keys::names()
            .map(keys::env_var)
            .filter(|v| self.vars.contains_key(v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bansho_variables_are_kept() {
        let env = Environment::from_pairs([("HOME", "/root"), ("BANSHO_READS_BURST", "5")]);
        assert_eq!(env.overrides(), ["BANSHO_READS_BURST"]);
        assert_eq!(
            env.number("reads.burst").unwrap(),
            Some(("BANSHO_READS_BURST".to_string(), 5))
        );
        assert_eq!(env.number("reads.per_second").unwrap(), None);
    }

    #[test]
    fn a_bad_number_names_the_variable_and_the_setting() {
        let env = Environment::from_pairs([("BANSHO_LOGIN_QUEUE", "-1")]);
        let error = env.number("login.queue").unwrap_err().to_string();
        assert!(error.starts_with("BANSHO_LOGIN_QUEUE: "), "{error}");
        assert!(error.contains("login.queue"), "{error}");
    }

    #[test]
    fn a_misspelt_variable_in_a_section_is_refused() {
        let env = Environment::from_pairs([("BANSHO_LOGIN_LOCKOUT_TRESHOLD", "3")]);
        let error = env.check_names().unwrap_err().to_string();
        assert!(
            error.starts_with("BANSHO_LOGIN_LOCKOUT_TRESHOLD: "),
            "{error}"
        );
        assert!(error.contains("BANSHO_LOGIN_LOCKOUT_THRESHOLD"), "{error}");
        let error = Environment::from_pairs([("BANSHO_PURPOSE_CODE", "x")])
            .check_names()
            .unwrap_err()
            .to_string();
        assert!(error.contains("file only"), "{error}");
        // Other bansho variables are not settings.
        let env = Environment::from_pairs([("BANSHO_STORE", "x"), ("BANSHO_LOG", "debug")]);
        assert!(env.check_names().is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_named() {
        use std::os::unix::ffi::OsStringExt;
        let env = Environment::from_pairs([(
            "BANSHO_OFFICE_TIME_ZONE",
            OsString::from_vec(vec![0xff, 0xfe]),
        )]);
        let error = env.text("office.time_zone").unwrap_err().to_string();
        assert!(error.contains("BANSHO_OFFICE_TIME_ZONE"), "{error}");
    }
}
