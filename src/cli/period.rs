//! The period a console report covers: `--from` and `--to` as office days,
//! and the settings file whose time zone they are read in.

use std::path::PathBuf;

use clap::Args;
#[cfg(feature = "server")]
use {
    crate::server::settings::OfficeTimeZone,
    anyhow::Context,
    time::{Date, Duration, OffsetDateTime},
};

/// `--config`, `--from`, `--to` of the console's reports.
#[derive(Debug, Clone, Args)]
pub struct PeriodArgs {
    /// The settings file (default: bansho.toml in the service directory):
    /// the office's time zone for the dates, and `print.font`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The first day of the period (YYYY-MM-DD, office time; default: the
    /// report's usual length before --to).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The day after the period (YYYY-MM-DD, office time; default: tomorrow).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

/// The start of `text` (YYYY-MM-DD) in the office's zone.
#[cfg(feature = "server")]
fn day_start(zone: &OfficeTimeZone, flag: &str, text: &str) -> anyhow::Result<OffsetDateTime> {
    let day = Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .with_context(|| {
            format!(
                "--{flag}: `{}` is not a date (2027-04-01)",
                text.escape_debug()
            )
        })?;
    zone.day_start(day)
        .with_context(|| format!("--{flag}: {day} is outside the office's calendar"))
}

#[cfg(feature = "server")]
impl PeriodArgs {
    /// `[from, to)`: without `--to`, up to the end of today; without
    /// `--from`, `usual` before the end.
    pub fn resolve(
        &self,
        zone: &OfficeTimeZone,
        usual: Duration,
    ) -> anyhow::Result<(OffsetDateTime, OffsetDateTime)> {
        let to = match &self.to {
            Some(text) => day_start(zone, "to", text)?,
            None => {
                let today = zone
                    .local_date(OffsetDateTime::now_utc())
                    .context("today is outside the office's calendar")?;
                let tomorrow = today
                    .next_day()
                    .context("tomorrow is outside the calendar")?;
                zone.day_start(tomorrow)
                    .context("tomorrow is outside the office's calendar")?
            }
        };
        let from = match &self.from {
            Some(text) => day_start(zone, "from", text)?,
            None => to - usual,
        };
        anyhow::ensure!(from < to, "--from must be before --to");
        Ok((from, to))
    }
}
