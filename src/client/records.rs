//! The record calls of the typed client: a person's version history,
//! corrections (proposed, listed, reviewed) and the re-verification list.

use reqwest::Method;

use super::{ApiClient, ClientError, path_segment};
use crate::api::entry::{
    CorrectionList, CorrectionView, ProposeCorrectionRequest, RecordHistory, ReverifyList,
    ReviewRequest,
};

impl ApiClient {
    /// `GET /records/{person}/{form}`: every version, oldest first.
    pub async fn record_history(
        &self,
        person: &str,
        form: &str,
    ) -> Result<RecordHistory, ClientError> {
        let path = format!("/records/{}/{}", path_segment(person), path_segment(form));
        self.call(Method::GET, &path, None::<&()>).await
    }

    pub async fn propose_correction(
        &self,
        person: &str,
        form: &str,
        request: &ProposeCorrectionRequest,
    ) -> Result<CorrectionView, ClientError> {
        let path = format!(
            "/records/{}/{}/corrections",
            path_segment(person),
            path_segment(form)
        );
        self.call(Method::POST, &path, Some(request)).await
    }

    /// The corrections waiting for a supervisor's review.
    pub async fn corrections(&self) -> Result<CorrectionList, ClientError> {
        self.call(Method::GET, "/corrections", None::<&()>).await
    }

    pub async fn correction(&self, id: &str) -> Result<CorrectionView, ClientError> {
        let path = format!("/corrections/{}", path_segment(id));
        self.call(Method::GET, &path, None::<&()>).await
    }

    pub async fn approve_correction(
        &self,
        id: &str,
        request: &ReviewRequest,
    ) -> Result<CorrectionView, ClientError> {
        let path = format!("/corrections/{}/approve", path_segment(id));
        self.call(Method::POST, &path, Some(request)).await
    }

    pub async fn reject_correction(
        &self,
        id: &str,
        request: &ReviewRequest,
    ) -> Result<CorrectionView, ClientError> {
        let path = format!("/corrections/{}/reject", path_segment(id));
        self.call(Method::POST, &path, Some(request)).await
    }

    /// The caller's open items of today's re-verification list.
    pub async fn reverify_items(&self) -> Result<ReverifyList, ClientError> {
        self.call(Method::GET, "/reverify", None::<&()>).await
    }

    /// The item of `entry` checked against the paper: it stands.
    pub async fn reverify_verified(&self, entry: &str) -> Result<(), ClientError> {
        let path = format!("/reverify/{}/verified", path_segment(entry));
        self.call_empty(Method::POST, &path).await
    }

    /// The item of `entry` needs a correction (proposed next, on the record).
    pub async fn reverify_needs_correction(&self, entry: &str) -> Result<(), ClientError> {
        let path = format!("/reverify/{}/correction", path_segment(entry));
        self.call_empty(Method::POST, &path).await
    }
}
