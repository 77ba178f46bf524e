//! The audit review calls the workstation makes (a filtered page of the
//! access log, one analysis over a period, its report saved to a file) and
//! how each answer comes back: one [`AuditCall`] leaves `update` as an
//! effect, runs in a task, and returns as an [`AuditAnswer`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::api::{AuditFindings, AuditPage};
use crate::client::ApiClient;

use super::action::{Action, Failure, FailureText};

/// A filter of the access log: `/audit/rows` parameters by name (user,
/// person, action, terminal, from, to; a finding's may add outcome,
/// detail, sensitive). A finding's `filter` is one as it comes.
pub type AuditFilter = BTreeMap<String, String>;

/// Rows on one page of the access log.
pub const PAGE_ROWS: usize = 50;

/// A period of an analysis: from and to as typed (dates or times); none
/// is the service's default, the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Period {
    fn params(&self) -> Vec<(String, String)> {
        [("from", &self.from), ("to", &self.to)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.clone()?)))
            .collect()
    }
}

/// A report's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Pdf,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Pdf => "pdf",
        }
    }
}

#[derive(Debug)]
pub enum AuditCall {
    /// `GET /audit/rows`: the page older than `before` (the newest without).
    Rows {
        seq: u64,
        filter: AuditFilter,
        before: Option<i64>,
    },
    /// `GET /audit/analyses/{kind}`.
    Analysis {
        seq: u64,
        kind: &'static str,
        period: Period,
    },
    /// `GET /audit/reports/{kind}`, written to a new file in `dir`.
    Report {
        kind: &'static str,
        period: Period,
        format: ReportFormat,
        dir: PathBuf,
    },
}

#[derive(Debug)]
pub enum AuditAnswer {
    Rows {
        seq: u64,
        result: Result<AuditPage, Failure>,
    },
    Analysis {
        seq: u64,
        result: Result<AuditFindings, Failure>,
    },
    /// The file a report was written to.
    Saved(Result<PathBuf, Failure>),
}

impl AuditAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            AuditAnswer::Rows { result, .. } => result.as_ref().err(),
            AuditAnswer::Analysis { result, .. } => result.as_ref().err(),
            AuditAnswer::Saved(result) => result.as_ref().err(),
        }
    }

    /// The failure alone, for an answer no screen waits for.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            AuditAnswer::Rows { result, .. } => result.err(),
            AuditAnswer::Analysis { result, .. } => result.err(),
            AuditAnswer::Saved(result) => result.err(),
        }
    }
}

/// The parameters of a page: the filter, the cursor, the page size.
pub fn page_params(filter: &AuditFilter, before: Option<i64>) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = filter
        .iter()
        .filter(|(k, _)| k.as_str() != "before" && k.as_str() != "limit")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(before) = before {
        params.push(("before".into(), before.to_string()));
    }
    params.push(("limit".into(), PAGE_ROWS.to_string()));
    params
}

/// The first free name for the report in `dir`: `audit-KIND.EXT`, then
/// `audit-KIND-2.EXT` and so on.
fn report_path(dir: &std::path::Path, kind: &str, ext: &str, n: usize) -> PathBuf {
    match n {
        1 => dir.join(format!("audit-{kind}.{ext}")),
        n => dir.join(format!("audit-{kind}-{n}.{ext}")),
    }
}

/// A report that could not be written (the folder's path stays off the
/// screen: the note names the reports folder).
fn save_failed() -> Failure {
    Failure {
        code: None,
        status: None,
        message: FailureText::Local("analyses.save_failed"),
    }
}

/// Writes `bytes` to a new file (0600) in `dir`, never over another.
fn save(dir: &std::path::Path, kind: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, Failure> {
    for n in 1..=999 {
        let path = report_path(dir, kind, ext, n);
        match crate::private_fs::write_new(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return Err(save_failed()),
        }
    }
    Err(save_failed())
}

impl AuditCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let answer = match self {
            AuditCall::Rows {
                seq,
                filter,
                before,
            } => AuditAnswer::Rows {
                seq,
                result: client
                    .audit_rows(&page_params(&filter, before))
                    .await
                    .map_err(Failure::from),
            },
            AuditCall::Analysis { seq, kind, period } => AuditAnswer::Analysis {
                seq,
                result: client
                    .audit_analysis(kind, &period.params())
                    .await
                    .map_err(Failure::from),
            },
            AuditCall::Report {
                kind,
                period,
                format,
                dir,
            } => {
                let mut params = period.params();
                params.push(("format".into(), format.as_str().into()));
                let result = match client.audit_report(kind, &params).await {
                    Ok(bytes) => {
                        let ext = format.as_str();
                        tokio::task::spawn_blocking(move || save(&dir, kind, ext, &bytes))
                            .await
                            .unwrap_or(Err(save_failed()))
                    }
                    Err(e) => Err(Failure::from(e)),
                };
                AuditAnswer::Saved(result)
            }
        };
        Action::Audit(answer)
    }
}
