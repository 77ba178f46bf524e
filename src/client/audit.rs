//! The audit review calls of the typed client: a filtered page of the
//! access log, one of the ready-made analyses, and its report as a file.

use reqwest::Method;

use super::{ApiClient, ClientError, api_error, path_segment, transport_error};
use crate::api::{AuditFindings, AuditPage};

/// `pairs` as a query string (`?a=1&b=2`, values percent-encoded), or
/// nothing when there are none.
fn query(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", path_segment(k), path_segment(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

impl ApiClient {
    /// `GET /audit/rows` with the parameters as named there (user, person,
    /// action, terminal, from, to, outcome, detail, sensitive, before,
    /// limit): one page, newest first.
    pub async fn audit_rows(&self, params: &[(String, String)]) -> Result<AuditPage, ClientError> {
        let path = format!("/audit/rows{}", query(params));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `GET /audit/analyses/{kind}` over the period given (from, to; the
    /// last 30 days without them).
    pub async fn audit_analysis(
        &self,
        kind: &str,
        period: &[(String, String)],
    ) -> Result<AuditFindings, ClientError> {
        let path = format!("/audit/analyses/{}{}", path_segment(kind), query(period));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `GET /audit/reports/{kind}`: the report's bytes (`format` is `csv`
    /// or `pdf`, among the parameters).
    pub async fn audit_report(
        &self,
        kind: &str,
        params: &[(String, String)],
    ) -> Result<Vec<u8>, ClientError> {
        let path = format!("/audit/reports/{}{}", path_segment(kind), query(params));
        let response = self
            .request(Method::GET, &path)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        if status.is_success() {
            Ok(bytes.to_vec())
        } else {
            Err(api_error(status, &bytes))
        }
    }
}
