//! The grant calls of the typed client: the list, a supervisor's request,
//! an IT officer's apply, refuse, revoke and bulk extension.

use reqwest::Method;

use super::{ApiClient, ClientError, path_segment};
use crate::api::grant::{ExtendGrants, GrantList, GrantReason, GrantRequestBody, GrantView};

impl ApiClient {
    /// `GET /admin/grants`: every grant for an IT officer, the
    /// department's for a supervisor; newest first.
    pub async fn grants(&self) -> Result<GrantList, ClientError> {
        self.call(Method::GET, "/admin/grants", None::<&()>).await
    }

    /// `POST /admin/grants`: a request, in the requested state.
    pub async fn request_grant(&self, body: &GrantRequestBody) -> Result<GrantView, ClientError> {
        self.call(Method::POST, "/admin/grants", Some(body)).await
    }

    /// `POST /admin/grants/{id}/apply`.
    pub async fn apply_grant(&self, id: &str) -> Result<GrantView, ClientError> {
        let path = format!("/admin/grants/{}/apply", path_segment(id));
        self.call(Method::POST, &path, None::<&()>).await
    }

    /// `POST /admin/grants/{id}/refuse` with the reason.
    pub async fn refuse_grant(
        &self,
        id: &str,
        reason: &GrantReason,
    ) -> Result<GrantView, ClientError> {
        let path = format!("/admin/grants/{}/refuse", path_segment(id));
        self.call(Method::POST, &path, Some(reason)).await
    }

    /// `POST /admin/grants/{id}/revoke` with the reason.
    pub async fn revoke_grant(
        &self,
        id: &str,
        reason: &GrantReason,
    ) -> Result<GrantView, ClientError> {
        let path = format!("/admin/grants/{}/revoke", path_segment(id));
        self.call(Method::POST, &path, Some(reason)).await
    }

    /// `POST /admin/grants/extend`: the grants extended.
    pub async fn extend_grants(&self, body: &ExtendGrants) -> Result<GrantList, ClientError> {
        self.call(Method::POST, "/admin/grants/extend", Some(body))
            .await
    }
}
