//! The entry calls of the typed client.

use reqwest::Method;

use super::{ApiClient, ClientError};
use crate::api::entry::{
    DecideRequest, DiscardRequest, EntryQueue, EntryView, FieldsRequest, IdentityRequest,
    StartEntryRequest, SubmitRequest,
};

impl ApiClient {
    pub async fn start_entry(&self, request: &StartEntryRequest) -> Result<EntryView, ClientError> {
        self.call(Method::POST, "/entries", Some(request)).await
    }

    pub async fn entry(&self, id: &str) -> Result<EntryView, ClientError> {
        self.call(Method::GET, &format!("/entries/{id}"), None::<&()>)
            .await
    }

    pub async fn entry_work(&self) -> Result<EntryQueue, ClientError> {
        self.call(Method::GET, "/entries/work", None::<&()>).await
    }

    pub async fn save_draft(
        &self,
        id: &str,
        request: &FieldsRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(Method::PUT, &format!("/entries/{id}/draft"), Some(request))
            .await
    }

    pub async fn submit_entry(
        &self,
        id: &str,
        request: &SubmitRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/submit"),
            Some(request),
        )
        .await
    }

    pub async fn start_second(&self, id: &str) -> Result<EntryView, ClientError> {
        self.call(Method::POST, &format!("/entries/{id}/second"), None::<&()>)
            .await
    }

    pub async fn submit_second(
        &self,
        id: &str,
        request: &FieldsRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/second/submit"),
            Some(request),
        )
        .await
    }

    pub async fn release_second(&self, id: &str) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/second/release"),
            None::<&()>,
        )
        .await
    }

    pub async fn rekey(&self, id: &str, request: &FieldsRequest) -> Result<EntryView, ClientError> {
        self.call(Method::POST, &format!("/entries/{id}/rekey"), Some(request))
            .await
    }

    pub async fn discard_entry(
        &self,
        id: &str,
        request: &DiscardRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/discard"),
            Some(request),
        )
        .await
    }

    pub async fn entry_decisions(&self) -> Result<EntryQueue, ClientError> {
        self.call(Method::GET, "/entries/decisions", None::<&()>)
            .await
    }

    pub async fn entry_decision(&self, id: &str) -> Result<EntryView, ClientError> {
        self.call(Method::GET, &format!("/entries/{id}/decision"), None::<&()>)
            .await
    }

    pub async fn decide(
        &self,
        id: &str,
        request: &DecideRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/decide"),
            Some(request),
        )
        .await
    }

    pub async fn discard_decision(
        &self,
        id: &str,
        request: &DiscardRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/decision/discard"),
            Some(request),
        )
        .await
    }

    /// The identity check at intake of the caller's first keying.
    pub async fn record_identity(
        &self,
        id: &str,
        request: &IdentityRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/identity"),
            Some(request),
        )
        .await
    }

    /// A supervisor settles an identity check's differences, with a reason.
    pub async fn settle_identity(
        &self,
        id: &str,
        request: &DiscardRequest,
    ) -> Result<EntryView, ClientError> {
        self.call(
            Method::POST,
            &format!("/entries/{id}/identity/settle"),
            Some(request),
        )
        .await
    }
}
