//! Reviewing the access log: filtered pages, the ready-made analyses and
//! reports of them. Auditors and IT officers see every row; a supervisor
//! sees only the rows of their own department's staff (asking for anyone
//! else's simply finds nothing). Each request writes its own row, with
//! what was asked in the detail and the person asked about as the row's
//! subject, before anything is answered.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::Caller;
use crate::api::{AuditFindings, AuditPage, AuditRow};
use crate::domain::audit_event::{Action, Detail, Event, Outcome};
use crate::domain::person_number::PersonNumber;
use crate::domain::roles::Role;
use crate::server::AppState;
use crate::server::audit_report::{self, Made, ReportFormat};
use crate::server::audit_review::{self, Analysis};
use crate::server::auth::SessionCtx;
use crate::server::error::AppError;
use crate::server::settings::keys::PRINT_FONT;
use crate::store::chain::{format_time, parse_time};
use crate::store::{AuditFilter, AuditRecord};

/// Most rows on one page.
pub const MAX_PAGE: usize = 500;
/// The period an analysis covers when none is given: the last 30 days.
const DEFAULT_PERIOD: Duration = Duration::days(30);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowParams {
    user: Option<String>,
    person: Option<String>,
    action: Option<String>,
    terminal: Option<String>,
    from: Option<String>,
    to: Option<String>,
    outcome: Option<String>,
    detail: Option<String>,
    sensitive: Option<bool>,
    before: Option<i64>,
    limit: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodParams {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// The query string's refusal, naming the parameter (serde names an
/// unknown field or the one whose value does not read).
fn bad_query(route: &str, rejection: QueryRejection) -> AppError {
    AppError::bad_request(format!("{route}: {}", rejection.body_text()))
}

/// A time parameter: RFC 3339, or an office date (`2026-12-01`) meaning
/// the start of that day for `from` and the end of it for `to`.
fn time_param(
    state: &AppState,
    name: &str,
    text: &str,
    end_of_day: bool,
) -> Result<OffsetDateTime, AppError> {
    if let Some(at) = parse_time(text) {
        return Ok(at);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        AppError::bad_request(format!(
            "{name}: not a time (2026-12-01T09:00:00Z) or a date (2026-12-01)"
        ))
    })?;
    let date = if end_of_day {
        date.next_day()
            .ok_or_else(|| AppError::bad_request(format!("{name}: date out of range")))?
    } else {
        date
    };
    state
        .config
        .time_zone
        .day_start(date)
        .ok_or_else(|| AppError::bad_request(format!("{name}: date out of range")))
}

fn list<T>(name: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, AppError> {
    text.split(',')
        .map(|part| {
            parse(part.trim()).ok_or_else(|| {
                AppError::bad_request(format!(
                    "{name}: `{}` is not one the log holds",
                    part.trim()
                ))
            })
        })
        .collect()
}

/// The rows the caller may see: a supervisor only their department's.
fn scope(caller: &SessionCtx) -> AuditFilter {
    AuditFilter {
        department: (caller.role == Role::Supervisor)
            .then(|| caller.department.as_str().to_string()),
        ..AuditFilter::default()
    }
}

fn period(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(OffsetDateTime, OffsetDateTime), AppError> {
    let to = match to {
        Some(t) => time_param(state, "to", t, true)?,
        None => state.clock.now(),
    };
    let from = match from {
        Some(f) => time_param(state, "from", f, false)?,
        None => to - DEFAULT_PERIOD,
    };
    if from >= to {
        return Err(AppError::bad_request("from: must be before to"));
    }
    // A year at most: an analysis reads an index range per day.
    if to - from > Duration::days(366) {
        return Err(AppError::bad_request(
            "from: a period of at most 366 days, please",
        ));
    }
    Ok((from, to))
}

/// What was asked, as the row's detail: user IDs, action and outcome
/// names, times and flags; never a name, and the person only as subject.
fn asked(filter: &AuditFilter, before: Option<i64>) -> String {
    let mut parts = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    };
    push("user", filter.user.clone());
    push("department", filter.department.clone());
    push("person", filter.person.as_ref().map(|_| "subject".into()));
    push(
        "action",
        (!filter.actions.is_empty()).then(|| {
            filter
                .actions
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join("+")
        }),
    );
    push("terminal", filter.terminal.clone());
    push("from", filter.from.map(format_time));
    push("to", filter.to.map(format_time));
    push(
        "outcome",
        (!filter.outcomes.is_empty()).then(|| {
            filter
                .outcomes
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join("+")
        }),
    );
    push("detail", filter.detail.as_ref().map(|_| "given".into()));
    push("sensitive", filter.sensitive.map(|s| s.to_string()));
    push("before", before.map(|b| b.to_string()));
    parts.join(";")
}

fn row(r: AuditRecord) -> AuditRow {
    AuditRow {
        seq: r.seq,
        at: format_time(r.entry.at),
        user_id: r.entry.user_id,
        terminal: r.entry.terminal,
        action: r.entry.action,
        subjects: r.entry.subjects,
        purpose: r.entry.purpose,
        outcome: r.entry.outcome,
        detail: r.entry.detail,
        sensitive: r.entry.sensitive,
    }
}

/// `GET /audit/rows`: one page, newest first.
pub async fn rows(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<RowParams>, QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    let Query(p) = params.map_err(|r| bad_query("audit rows", r))?;
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::bad_request(format!(
            "limit: from 1 to {MAX_PAGE} rows a page"
        )));
    }
    let person = match &p.person {
        Some(text) => Some(
            PersonNumber::parse(text)
                .map_err(|_| AppError::bad_request("person: not a person number (宛名番号)"))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let filter = AuditFilter {
        user: p.user.clone(),
        person,
        actions: match &p.action {
            Some(text) => list("action", text, Action::parse)?,
            None => Vec::new(),
        },
        terminal: p.terminal.clone(),
        from: p
            .from
            .as_deref()
            .map(|t| time_param(&state, "from", t, false))
            .transpose()?,
        to: p
            .to
            .as_deref()
            .map(|t| time_param(&state, "to", t, true))
            .transpose()?,
        outcomes: match &p.outcome {
            Some(text) => list("outcome", text, Outcome::parse)?,
            None => Vec::new(),
        },
        detail: p.detail.clone(),
        sensitive: p.sensitive,
        ..scope(&caller)
    };
    let before = p.before;
    let query = filter.clone();
    let records = state
        .store(move |s| s.audit_query(&query, before, limit))
        .await?;
    let next_before = (records.len() == limit)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    let mut entry = caller.entry(
        state.clock.now(),
        Event::ok(Action::AuditQuery).with(Detail::Review {
            asked: asked(&filter, before),
            answered: records.len(),
        }),
    );
    entry.subjects = filter.person.iter().cloned().collect();
    state.audit(entry).await?;
    Ok(Json(AuditPage {
        rows: records.into_iter().map(row).collect(),
        next_before,
    }))
}

fn analysis_of(kind: &str) -> Result<Analysis, AppError> {
    Analysis::parse(kind).ok_or_else(|| {
        let known: Vec<&str> = Analysis::ALL.iter().map(|a| a.as_str()).collect();
        AppError::bad_request(format!(
            "kind: not an analysis; they are {}",
            known.join(", ")
        ))
    })
}

async fn findings(
    state: &AppState,
    caller: &SessionCtx,
    analysis: Analysis,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<AuditFindings, AppError> {
    let scope = scope(caller);
    let config = state.config.clone();
    let found = state
        .store(move |s| audit_review::run(s, &config, analysis, &scope, from, to))
        .await?;
    Ok(AuditFindings {
        kind: analysis.as_str().to_string(),
        from: format_time(from),
        to: format_time(to),
        findings: found,
    })
}

fn analysis_asked(analysis: Analysis, caller: &SessionCtx, report: &AuditFindings) -> String {
    let mut asked = format!(
        "analysis={};from={};to={}",
        analysis.as_str(),
        report.from,
        report.to
    );
    if let Some(department) = scope(caller).department {
        asked.push_str(&format!(";department={department}"));
    }
    asked
}

/// `GET /audit/analyses/{kind}`.
pub async fn analyses(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    params: Result<Query<PeriodParams>, QueryRejection>,
) -> Result<Json<AuditFindings>, AppError> {
    let Query(p) = params.map_err(|r| bad_query("audit analyses", r))?;
    let analysis = analysis_of(&kind)?;
    let (from, to) = period(&state, p.from.as_deref(), p.to.as_deref())?;
    let report = findings(&state, &caller, analysis, from, to).await?;
    let entry = caller.entry(
        state.clock.now(),
        Event::ok(Action::AuditAnalysis).with(Detail::Review {
            asked: analysis_asked(analysis, &caller, &report),
            answered: report.findings.len(),
        }),
    );
    state.audit(entry).await?;
    Ok(Json(report))
}

/// `GET /audit/reports/{kind}?format=csv|pdf`: the analysis as a file.
/// Its row is committed before the file is handed out; if it cannot be,
/// there is no report.
pub async fn reports(
    State(state): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(p) = params.map_err(|r| bad_query("audit reports", r))?;
    let analysis = analysis_of(&kind)?;
    let format = match p.format.as_deref() {
        None => ReportFormat::Csv,
        Some(text) => {
            ReportFormat::parse(text).ok_or_else(|| AppError::bad_request("format: csv or pdf"))?
        }
    };
    let font = match format {
        ReportFormat::Pdf => {
            let font = state.config.print.font.as_deref().ok_or_else(|| {
                AppError::bad_request(format!(
                    "format: a PDF report needs the print font, and `{PRINT_FONT}` is unset in the settings"
                ))
            })?;
            Some(crate::server::print::load_font(font).map_err(|_| AppError::internal())?)
        }
        ReportFormat::Csv => None,
    };
    let (from, to) = period(&state, p.from.as_deref(), p.to.as_deref())?;
    let report = findings(&state, &caller, analysis, from, to).await?;
    let now = state.clock.now();
    let made = Made {
        by: caller.user_id.clone(),
        at: state.config.time_zone.show(now),
    };
    let bytes = match font {
        Some(font) => audit_report::pdf(&report, &made, font),
        None => audit_report::csv(&report),
    }
    .map_err(|_| AppError::internal())?;
    let entry = caller.entry(
        now,
        Event::ok(Action::AuditReport).with(Detail::Review {
            asked: format!(
                "{};format={}",
                analysis_asked(analysis, &caller, &report),
                format.as_str()
            ),
            answered: report.findings.len(),
        }),
    );
    state.audit(entry).await?;
    let name = format!(
        "attachment; filename=\"audit-{}.{}\"",
        analysis.as_str(),
        format.as_str()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}
