//! What `bansho serve --check-config` prints: each setting's value and
//! where it came from, then the purposes by department. Settings hold no
//! secrets; names from the file are printed with controls marked.

use std::fmt::Write;

use super::keys::{self, NUMBER_KEYS};
use super::{DEPARTMENTS, Origin, Settings};
use crate::text::mark_controls;

/// Width of the key column: the longest dotted name.
const KEY_COLUMN: usize = 29;
/// Width of the value column; a longer value (a time zone) pushes its
/// origin right, always after a space.
const VALUE_COLUMN: usize = 11;
/// Width of the department and purpose code columns.
const NAME_COLUMN: usize = 19;

pub(super) fn render(settings: &Settings) -> String {
    let path = settings.path.display().to_string();
    let path = mark_controls(&path);
    let from = |origin: &Origin| match origin {
        Origin::Default => "default".to_string(),
        Origin::File(p) => format!("{path}:{}", p.line),
        Origin::Env(var) => var.clone(),
    };
    let mut out = String::new();
    if settings.file_read {
        let _ = writeln!(out, "settings file: {path}");
    } else {
        let _ = writeln!(out, "settings file: none at {path}; defaults");
    }
    if !settings.overrides.is_empty() {
        let _ = writeln!(out, "environment:   {}", settings.overrides.join(", "));
    }
    let config = &settings.config;
    let value_of = |name: &str| {
        if name == keys::TIME_ZONE {
            return Some(config.time_zone.name().to_string());
        }
        if name == keys::DOUBLE_KEYED {
            let kinds: Vec<&str> = config
                .double_keying
                .kinds
                .iter()
                .map(|k| k.as_str())
                .collect();
            return Some(kinds.join(","));
        }
        if name == keys::HOLIDAYS {
            return Some(format!("{} days", config.calendar.holidays.len()));
        }
        if let Some(i) = keys::RETENTION_BASES.iter().position(|b| *b == name) {
            let basis = &config.retention.all()[i].basis;
            return Some(mark_controls(basis).into_owned());
        }
        if name == keys::PRINT_FONT || name == keys::PRINT_SPOOL {
            let path = match name {
                keys::PRINT_FONT => config.print.font.as_ref(),
                _ => config.print.spool.as_ref(),
            };
            return Some(path.map_or("unset".to_string(), |p| {
                mark_controls(&p.display().to_string()).into_owned()
            }));
        }
        NUMBER_KEYS
            .iter()
            .find(|k| k.name == name)
            .map(|k| (k.show)(config))
    };
    for (name, origin) in &settings.origins {
        let value = value_of(name).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {name:<KEY_COLUMN$} {value:<VALUE_COLUMN$} {}",
            from(origin)
        );
    }
    let _ = writeln!(out, "purposes ({}):", from(&settings.purposes_origin));
    for department in DEPARTMENTS {
        let own = config.purposes_of(department);
        if own.is_empty() {
            let _ = writeln!(
                out,
                "  {:<NAME_COLUMN$} none: its staff can log in but do no work",
                department.as_str()
            );
        }
        for p in own {
            let _ = writeln!(
                out,
                "  {:<NAME_COLUMN$} {:<NAME_COLUMN$} {} / {}",
                department.as_str(),
                p.code,
                mark_controls(&p.name_ja),
                mark_controls(&p.name_en)
            );
        }
    }
    out.push_str("settings are valid\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Environment, parse};

    #[test]
    fn each_value_is_shown_with_its_origin() {
        let env = Environment::from_pairs([("BANSHO_READS_BURST", "99")]);
        let text = "[login]\nlockout_threshold = 3\n[[purpose]]\ncode = \"x\"\n\
                    department = \"audit\"\nname_ja = \"監査\"\nname_en = \"Audit\"\n";
        let summary = parse(text, "/etc/bansho.toml", &env).unwrap().summary();
        let line = |key: &str| {
            summary
                .lines()
                .find(|l| l.trim_start().starts_with(key))
                .unwrap_or_else(|| panic!("{key} in\n{summary}"))
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            line("login.lockout_threshold"),
            ["login.lockout_threshold", "3", "/etc/bansho.toml:2"]
        );
        assert_eq!(
            line("reads.burst"),
            ["reads.burst", "99", "BANSHO_READS_BURST"]
        );
        assert_eq!(
            line("office.time_zone"),
            ["office.time_zone", "Asia/Tokyo", "default"]
        );
        assert!(
            summary.contains("environment:   BANSHO_READS_BURST"),
            "{summary}"
        );
        assert!(
            summary.contains("purposes (/etc/bansho.toml:3):"),
            "{summary}"
        );
        assert!(summary.contains("x"), "{summary}");
        assert!(
            summary.contains("assessment          none"),
            "a department without a purpose is pointed out:\n{summary}"
        );
        assert!(summary.ends_with("settings are valid\n"));
    }
}
