//! The retention calls of the typed client: the day's erasure plan and an
//! approval of its hash.

use reqwest::Method;

use super::{ApiClient, ClientError};
use crate::api::retention::{ApproveRetentionRequest, RetentionPlanView};

impl ApiClient {
    /// `GET /admin/retention/plan`: the plan, its hash and its approvals.
    pub async fn retention_plan(&self) -> Result<RetentionPlanView, ClientError> {
        self.call(Method::GET, "/admin/retention/plan", None::<&()>)
            .await
    }

    /// `POST /admin/retention/approvals`: approves the plan of `hash`.
    pub async fn approve_retention(&self, hash: &str) -> Result<RetentionPlanView, ClientError> {
        let body = ApproveRetentionRequest { hash: hash.into() };
        self.call(Method::POST, "/admin/retention/approvals", Some(&body))
            .await
    }
}
