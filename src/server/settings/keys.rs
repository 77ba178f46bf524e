//! Every setting a section of the file holds, once: its dotted name, the
//! values it takes, where the file keeps it and what it changes. The
//! environment variable of each follows from its name.

use std::ops::RangeInclusive;

use toml::Spanned;

use super::file::FileSettings;
use crate::domain::retention::Period;
use crate::server::ServerConfig;

/// The office's time zone: a string, checked against the zone database.
pub const TIME_ZONE: &str = "office.time_zone";

/// Kinds of field keyed twice: a list, in the file only.
pub const DOUBLE_KEYED: &str = "entry.double_keyed";
/// The office's holidays: a list of dates, in the file only.
pub const HOLIDAYS: &str = "entry.holidays";

/// The legal basis of each retention rule: text, in the file only.
pub const RETENTION_BASES: [&str; 5] = [
    "retention.tax_record_basis",
    "retention.person_basis",
    "retention.draft_basis",
    "retention.transient_basis",
    "retention.access_log_basis",
];

/// The settings only the file may hold (lists, and the retention rules'
/// legal bases).
pub const FILE_ONLY: [&str; 7] = [
    DOUBLE_KEYED,
    HOLIDAYS,
    RETENTION_BASES[0],
    RETENTION_BASES[1],
    RETENTION_BASES[2],
    RETENTION_BASES[3],
    RETENTION_BASES[4],
];

/// The Japanese font printouts are set in (a TrueType or OpenType file).
pub const PRINT_FONT: &str = "print.font";
/// The directory printouts are written to.
pub const PRINT_SPOOL: &str = "print.spool";

/// The settings that name a path; unset unless given.
pub const PATH_KEYS: [&str; 2] = [PRINT_FONT, PRINT_SPOOL];

/// Prefix of every setting's environment variable.
pub const ENV_PREFIX: &str = "BANSHO_";

/// A whole-number setting.
pub struct NumberKey {
    /// `section.key`, as in the file.
    pub name: &'static str,
    pub range: RangeInclusive<u32>,
    pub(super) read: fn(&FileSettings) -> Option<&Spanned<u32>>,
    pub apply: fn(&mut ServerConfig, u32),
    pub show: fn(&ServerConfig) -> String,
}

/// The whole-number settings, in the order the file and the guide list them.
/// Their bounds keep a typo from disabling a protection (a lock of 0
/// minutes) or from exhausting the machine (19 MiB per PIN check).
pub const NUMBER_KEYS: &[NumberKey] = &[
    // Business hours, in minutes after the office's local midnight
    // (08:30 is 510, 17:15 is 1035); a business day is the calendar's.
    NumberKey {
        name: "office.opens_minutes",
        range: 0..=1_440,
        read: |f| f.office.opens_minutes.as_ref(),
        apply: |c, n| c.business_hours.opens = u16::try_from(n).unwrap_or(0),
        show: |c| c.business_hours.opens.to_string(),
    },
    NumberKey {
        name: "office.closes_minutes",
        range: 0..=1_440,
        read: |f| f.office.closes_minutes.as_ref(),
        apply: |c, n| c.business_hours.closes = u16::try_from(n).unwrap_or(1_440),
        show: |c| c.business_hours.closes.to_string(),
    },
    // A grant runs at most this long (an extension likewise, from its
    // day): a year and a day covers a fiscal year with its last day.
    NumberKey {
        name: "login.grant_max_days",
        range: 1..=1_830,
        read: |f| f.login.grant_max_days.as_ref(),
        apply: |c, n| c.grant_rules.max_length = time::Duration::days(i64::from(n)),
        show: |c| c.grant_rules.max_length.whole_days().to_string(),
    },
    NumberKey {
        name: "login.lockout_threshold",
        range: 1..=100,
        read: |f| f.login.lockout_threshold.as_ref(),
        apply: |c, n| c.lockout_threshold = i64::from(n),
        show: |c| c.lockout_threshold.to_string(),
    },
    NumberKey {
        name: "login.lockout_minutes",
        range: 1..=10_080,
        read: |f| f.login.lockout_minutes.as_ref(),
        apply: |c, n| c.lockout_duration = time::Duration::minutes(i64::from(n)),
        show: |c| c.lockout_duration.whole_minutes().to_string(),
    },
    NumberKey {
        name: "login.forget_after_hours",
        range: 1..=8_760,
        read: |f| f.login.forget_after_hours.as_ref(),
        apply: |c, n| c.lockout_forget_after = time::Duration::hours(i64::from(n)),
        show: |c| c.lockout_forget_after.whole_hours().to_string(),
    },
    NumberKey {
        name: "login.tracked_ids_max",
        range: 1..=10_000_000,
        read: |f| f.login.tracked_ids_max.as_ref(),
        apply: |c, n| c.login_tracked_max = u64::from(n),
        show: |c| c.login_tracked_max.to_string(),
    },
    NumberKey {
        name: "login.verifications",
        range: 1..=64,
        read: |f| f.login.verifications.as_ref(),
        apply: |c, n| c.login_verifications = n as usize,
        show: |c| c.login_verifications.to_string(),
    },
    NumberKey {
        name: "login.queue",
        range: 0..=10_000,
        read: |f| f.login.queue.as_ref(),
        apply: |c, n| c.login_queue = n as usize,
        show: |c| c.login_queue.to_string(),
    },
    NumberKey {
        name: "login.per_terminal_per_minute",
        range: 1..=600,
        read: |f| f.login.per_terminal_per_minute.as_ref(),
        apply: |c, n| c.terminal_logins_per_minute = n,
        show: |c| c.terminal_logins_per_minute.to_string(),
    },
    NumberKey {
        name: "reads.per_second",
        range: 1..=10_000,
        read: |f| f.reads.per_second.as_ref(),
        apply: |c, n| c.reads_per_second = n,
        show: |c| c.reads_per_second.to_string(),
    },
    NumberKey {
        name: "reads.burst",
        range: 1..=100_000,
        read: |f| f.reads.burst.as_ref(),
        apply: |c, n| c.read_burst = n,
        show: |c| c.read_burst.to_string(),
    },
    NumberKey {
        name: "entry.large_amount",
        range: 1..=4_000_000_000,
        read: |f| f.entry.large_amount.as_ref(),
        apply: |c, n| c.reverify_rules.amount_at_least = Some(i64::from(n)),
        show: |c| c.reverify_rules.amount_at_least.unwrap_or(0).to_string(),
    },
    NumberKey {
        name: "entry.new_keyer_days",
        range: 1..=365,
        read: |f| f.entry.new_keyer_days.as_ref(),
        apply: |c, n| c.reverify_rules.new_keyer_days = i64::from(n),
        show: |c| c.reverify_rules.new_keyer_days.to_string(),
    },
    NumberKey {
        name: "entry.sample_per_mille",
        range: 1..=1_000,
        read: |f| f.entry.sample_per_mille.as_ref(),
        apply: |c, n| c.reverify_rules.sample_per_mille = u16::try_from(n).unwrap_or(1_000),
        show: |c| c.reverify_rules.sample_per_mille.to_string(),
    },
    // Manual transfers, in seconds: long enough for the officer to walk
    // to the clerk's terminal, short enough that a preview is not signed
    // off hours later; an attempt bounded so a silent receiver frees it.
    NumberKey {
        name: "transfers.sign_off_timeout",
        range: 60..=86_400,
        read: |f| f.transfers.sign_off_timeout.as_ref(),
        apply: |c, n| c.transfer_sign_off_timeout = time::Duration::seconds(i64::from(n)),
        show: |c| c.transfer_sign_off_timeout.whole_seconds().to_string(),
    },
    NumberKey {
        name: "transfers.send_timeout",
        range: 1..=600,
        read: |f| f.transfers.send_timeout.as_ref(),
        apply: |c, n| c.transfer_send_timeout = std::time::Duration::from_secs(u64::from(n)),
        show: |c| c.transfer_send_timeout.as_secs().to_string(),
    },
    // Retention: how long after its start each kind of record is kept.
    // At least a year (or a day) so a typo cannot erase at once; the
    // access log's period is stated only: the service never erases it.
    NumberKey {
        name: "retention.tax_record_years",
        range: 1..=150,
        read: |f| f.retention.tax_record_years.as_ref(),
        apply: |c, n| c.retention.tax_record.period = Period::Years(n),
        show: |c| period_number(c.retention.tax_record.period),
    },
    NumberKey {
        name: "retention.person_years",
        range: 1..=150,
        read: |f| f.retention.person_years.as_ref(),
        apply: |c, n| c.retention.person.period = Period::Years(n),
        show: |c| period_number(c.retention.person.period),
    },
    NumberKey {
        name: "retention.draft_days",
        range: 1..=3_650,
        read: |f| f.retention.draft_days.as_ref(),
        apply: |c, n| c.retention.draft.period = Period::Days(n),
        show: |c| period_number(c.retention.draft.period),
    },
    NumberKey {
        name: "retention.transient_days",
        range: 1..=3_650,
        read: |f| f.retention.transient_days.as_ref(),
        apply: |c, n| c.retention.transient.period = Period::Days(n),
        show: |c| period_number(c.retention.transient.period),
    },
    NumberKey {
        name: "retention.access_log_years",
        range: 1..=150,
        read: |f| f.retention.access_log_years.as_ref(),
        apply: |c, n| c.retention.access_log.period = Period::Years(n),
        show: |c| period_number(c.retention.access_log.period),
    },
];

fn period_number(period: Period) -> String {
    match period {
        Period::Years(n) | Period::Days(n) => n.to_string(),
    }
}

/// Every setting the environment may override, dotted.
pub fn names() -> impl Iterator<Item = &'static str> {
    std::iter::once(TIME_ZONE)
        .chain(NUMBER_KEYS.iter().map(|k| k.name))
        .chain(PATH_KEYS)
}

/// `login.lockout_threshold` → `BANSHO_LOGIN_LOCKOUT_THRESHOLD`.
pub fn env_var(name: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        name.replace('.', "_").to_ascii_uppercase()
    )
}

/// The sections whose keys the environment may set, as variable prefixes
/// (`BANSHO_LOGIN_`): a variable under one that names no key is a typo.
pub fn env_sections() -> Vec<String> {
    let mut sections: Vec<String> = names()
        .filter_map(|n| n.split_once('.'))
        .map(|(section, _)| format!("{ENV_PREFIX}{}_", section.to_ascii_uppercase()))
        .collect();
    sections.dedup();
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_follow_from_the_dotted_names() {
        assert_eq!(
            env_var("login.lockout_threshold"),
            "BANSHO_LOGIN_LOCKOUT_THRESHOLD"
        );
        assert_eq!(env_var(TIME_ZONE), "BANSHO_OFFICE_TIME_ZONE");
        assert_eq!(
            env_sections(),
            [
                "BANSHO_OFFICE_",
                "BANSHO_LOGIN_",
                "BANSHO_READS_",
                "BANSHO_ENTRY_",
                "BANSHO_TRANSFERS_",
                "BANSHO_RETENTION_",
                "BANSHO_PRINT_",
            ]
        );
    }

    #[test]
    fn every_default_is_within_its_bounds() {
        let config = ServerConfig::default();
        for key in NUMBER_KEYS {
            let shown: u32 = (key.show)(&config).parse().unwrap();
            // The default of verifications is the core count.
            if key.name != "login.verifications" {
                assert!(key.range.contains(&shown), "{}", key.name);
            }
        }
    }

    #[test]
    fn each_key_changes_what_it_names() {
        for key in NUMBER_KEYS {
            let mut config = ServerConfig::default();
            let value = *key.range.start() + 1;
            (key.apply)(&mut config, value);
            assert_eq!((key.show)(&config), value.to_string(), "{}", key.name);
        }
    }
}
