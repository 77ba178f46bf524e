//! `bansho admin pia-report`: the live evidence for the PIA's measures,
//! printed, and set as a PDF with `--pdf`. Its making is logged before
//! anything is printed or written.

use std::process::ExitCode;

use anyhow::Context;
use time::{Duration, OffsetDateTime};

use super::PiaReportArgs;
use crate::domain::audit_event::{Action, Detail, Event};
use crate::server::pia_report::{self, Period};
use crate::server::{data_dir, print};
use crate::store::chain::format_time;

pub fn run(args: &PiaReportArgs) -> anyhow::Result<ExitCode> {
    let config = super::retention::settings_of(&args.store.data, args.period.config.as_deref())?;
    let (from, to) = args
        .period
        .resolve(&config.time_zone, Duration::days(365))?;
    let period = Period { from, to };
    // The font is read before anything is logged: a report that cannot be
    // set is not made.
    let font = match &args.pdf {
        None => None,
        Some(_) => {
            let path = args
                .font
                .as_deref()
                .or(config.print.font.as_deref())
                .context(
                    "--pdf needs a Japanese font: --font FILE, or print.font in the settings",
                )?;
            Some(print::load_font(path).map_err(anyhow::Error::msg)?)
        }
    };
    let (store, keys) = super::admin::open(&args.store)?;
    let anchor = data_dir::chain_anchor(&args.store.data)?;
    let report = pia_report::gather(
        store.as_ref(),
        &keys,
        anchor.as_deref(),
        period,
        OffsetDateTime::now_utc(),
    )?;
    let pdf = match font {
        Some(font) => Some(report.to_pdf(font).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let file = args
        .pdf
        .as_ref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let event = Event::ok(Action::PiaReport).with(Detail::Report {
        from: format_time(period.from),
        to: format_time(period.to),
        file,
    });
    data_dir::record(store.as_ref(), &keys, data_dir::ADMIN, event)
        .context("the access log cannot be written, so the report is not made")?;
    if let (Some(path), Some(bytes)) = (&args.pdf, &pdf) {
        crate::private_fs::write_new(path, bytes)
            .with_context(|| format!("cannot write the PDF to {} (a new file)", path.display()))?;
    }
    print!("{}", report.to_text());
    if let Some(path) = &args.pdf {
        eprintln!("PDF written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
