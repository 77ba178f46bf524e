//! The roster calls of the typed client: a roster file posted as CSV (its
//! findings, or the bad lines of a refused one), the newest reconciliation,
//! and the revocation of its findings' grants.

use reqwest::{Method, StatusCode};

use super::{ApiClient, ClientError, api_error, transport_error};
use crate::api::roster::{LatestReconciliation, ReconciliationView, RevokeFindings, RosterRefusal};

/// What the service made of a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterAnswer {
    Reconciled(ReconciliationView),
    /// Malformed: nothing compared, nothing stored.
    Refused(RosterRefusal),
}

impl ApiClient {
    /// `POST /admin/roster/reconciliations` with the file's bytes as sent.
    pub async fn reconcile_roster(&self, csv: Vec<u8>) -> Result<RosterAnswer, ClientError> {
        let response = self
            .request(Method::POST, "/admin/roster/reconciliations")
            .header(reqwest::header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .body(csv)
            .send()
            .await
            .map_err(|e| transport_error(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        let decode = |e: serde_json::Error| ClientError::Decode(e.to_string());
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(RosterAnswer::Reconciled)
                .map_err(decode);
        }
        if status == StatusCode::UNPROCESSABLE_ENTITY
            && let Ok(refusal) = serde_json::from_slice::<RosterRefusal>(&bytes)
        {
            return Ok(RosterAnswer::Refused(refusal));
        }
        Err(api_error(status, &bytes))
    }

    /// `GET /admin/roster/reconciliations/latest`.
    pub async fn latest_reconciliation(&self) -> Result<LatestReconciliation, ClientError> {
        self.call(
            Method::GET,
            "/admin/roster/reconciliations/latest",
            None::<&()>,
        )
        .await
    }

    /// `POST /admin/roster/reconciliations/{id}/revoke`: `confirm` is the
    /// count of grants the caller was shown.
    pub async fn revoke_findings(
        &self,
        id: &str,
        confirm: usize,
    ) -> Result<ReconciliationView, ClientError> {
        let path = format!(
            "/admin/roster/reconciliations/{}/revoke",
            super::path_segment(id)
        );
        self.call(Method::POST, &path, Some(&RevokeFindings { confirm }))
            .await
    }
}
