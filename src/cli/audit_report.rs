//! `bansho admin audit report`: one ready-made analysis of the access log
//! as the auditor's report (CSV or PDF), the same report the service
//! answers at `/audit/reports/{kind}`. Its making is logged before a byte
//! of it is written.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use time::{Duration, OffsetDateTime};

use super::AuditReportArgs;
use crate::api::AuditFindings;
use crate::domain::audit_event::{Action, Detail, Event};
use crate::server::audit_report::{self, Made, ReportFormat};
use crate::server::audit_review::{self, Analysis};
use crate::server::{data_dir, print};
use crate::store::AuditFilter;
use crate::store::chain::format_time;

/// The period a report covers without --from: as the service's default.
const USUAL_PERIOD: Duration = Duration::days(30);

pub fn run(args: &AuditReportArgs) -> anyhow::Result<ExitCode> {
    let analysis = Analysis::parse(&args.kind).with_context(|| {
        let kinds: Vec<&str> = Analysis::ALL.iter().map(|a| a.as_str()).collect();
        format!(
            "`{}` is not an analysis: one of {}",
            args.kind.escape_debug(),
            kinds.join(", ")
        )
    })?;
    let format = ReportFormat::parse(&args.format).context("--format: csv or pdf")?;
    let config = super::retention::settings_of(&args.store.data, args.period.config.as_deref())?;
    let (from, to) = args.period.resolve(&config.time_zone, USUAL_PERIOD)?;
    // The font is read before anything is logged: a report that cannot be
    // set is not made.
    let font = match format {
        ReportFormat::Csv => None,
        ReportFormat::Pdf => {
            anyhow::ensure!(
                args.out.is_some(),
                "a PDF report needs --out FILE (it is not written to the terminal)"
            );
            let path = args
                .font
                .as_deref()
                .or(config.print.font.as_deref())
                .context(
                    "a PDF needs a Japanese font: --font FILE, or print.font in the settings",
                )?;
            Some(print::load_font(path).map_err(anyhow::Error::msg)?)
        }
    };
    if let Some(path) = &args.out {
        // Said before anything is logged; the write itself never replaces
        // a file either.
        anyhow::ensure!(
            !path.exists(),
            "{} exists: a report is written to a new file",
            path.display()
        );
    }
    let (store, keys) = super::admin::open(&args.store)?;
    let found = audit_review::run(
        store.as_ref(),
        &config,
        analysis,
        &AuditFilter::default(),
        from,
        to,
    )?;
    let report = AuditFindings {
        kind: analysis.as_str().to_string(),
        from: format_time(from),
        to: format_time(to),
        findings: found,
    };
    let made = Made {
        by: data_dir::ADMIN.to_string(),
        at: config.time_zone.show(OffsetDateTime::now_utc()),
    };
    let bytes = match font {
        Some(font) => audit_report::pdf(&report, &made, font),
        None => audit_report::csv(&report),
    }
    .map_err(anyhow::Error::msg)?;
    let event = Event::ok(Action::AuditReport).with(Detail::Review {
        asked: format!(
            "analysis={};from={};to={};format={}",
            report.kind,
            report.from,
            report.to,
            format.as_str()
        ),
        answered: report.findings.len(),
    });
    data_dir::record(store.as_ref(), &keys, data_dir::ADMIN, event)
        .context("the access log cannot be written, so the report is not made")?;
    match &args.out {
        Some(path) => {
            crate::private_fs::write_new(path, &bytes).with_context(|| {
                format!("cannot write the report to {} (a new file)", path.display())
            })?;
            eprintln!(
                "{}: {} findings from {} to {}, written to {}",
                report.kind,
                report.findings.len(),
                config.time_zone.show(from),
                config.time_zone.show(to),
                path.display()
            );
        }
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .context("cannot write the report to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}
