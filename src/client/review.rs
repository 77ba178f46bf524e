//! The supervisor's and the clerk's review calls of the typed client: the
//! overdue re-verification items, the quality figures, and batches.

use reqwest::Method;

use super::{ApiClient, ClientError};
use crate::api::entry::{BatchList, BatchView, OpenBatchRequest, QualityReport, ReverifyList};

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
}
