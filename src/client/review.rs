//! The supervisor's and the clerk's review calls of the typed client: the
//! overdue re-verification items, the quality figures, batches, and the
//! erasure plan the IT officer and a supervisor approve.

use reqwest::Method;

use super::{ApiClient, ClientError};
use crate::api::entry::{BatchList, BatchView, OpenBatchRequest, QualityReport, ReverifyList};
use crate::api::retention::{ApproveRetentionRequest, RetentionPlanView};

impl ApiClient {
    /// `GET /reverify/overdue`: open items past their day or unassigned.
    pub async fn reverify_overdue(&self) -> Result<ReverifyList, ClientError> {
        self.call(Method::GET, "/reverify/overdue", None::<&()>)
            .await
    }

    /// `GET /entries/quality`: slips per 1,000 fields, per operator.
    pub async fn entry_quality(&self) -> Result<QualityReport, ClientError> {
        self.call(Method::GET, "/entries/quality", None::<&()>)
            .await
    }

    /// `GET /batches`: open batches first, then the recently closed.
    pub async fn batches(&self) -> Result<BatchList, ClientError> {
        self.call(Method::GET, "/batches", None::<&()>).await
    }

    pub async fn open_batch(&self, request: &OpenBatchRequest) -> Result<BatchView, ClientError> {
        self.call(Method::POST, "/batches", Some(request)).await
    }

    pub async fn batch(&self, id: &str) -> Result<BatchView, ClientError> {
        self.call(Method::GET, &format!("/batches/{id}"), None::<&()>)
            .await
    }

    pub async fn close_batch(&self, id: &str) -> Result<BatchView, ClientError> {
        self.call(Method::POST, &format!("/batches/{id}/close"), None::<&()>)
            .await
    }

    /// `GET /admin/retention/plan`: today's erasure plan and its approvals.
    pub async fn retention_plan(&self) -> Result<RetentionPlanView, ClientError> {
        self.call(Method::GET, "/admin/retention/plan", None::<&()>)
            .await
    }

    /// `POST /admin/retention/approvals`: approves the plan of `hash`.
    pub async fn approve_retention(&self, hash: &str) -> Result<RetentionPlanView, ClientError> {
        let request = ApproveRetentionRequest {
            hash: hash.to_owned(),
        };
        self.call(Method::POST, "/admin/retention/approvals", Some(&request))
            .await
    }
}
