//! The transfer calls of the typed client: the registered destinations and
//! formats a clerk chooses from, preparing a transfer, the transfers the
//! caller may see, a supervisor's approval or rejection, and the
//! preparer's preview, reconfirmations, the IT officer's sign-off at the
//! preparer's terminal, and the sending.

use reqwest::Method;

use super::{ApiClient, ClientError};
use crate::api::transfer::{
    DestinationList, FormatList, PrepareTransferRequest, PreviewView, ReconfirmRequest,
    SignOffRequest, TransferList, TransferReason, TransferView,
};

impl ApiClient {
    /// `GET /transfer-destinations`: where a transfer may go.
    pub async fn transfer_destinations(&self) -> Result<DestinationList, ClientError> {
        self.call(Method::GET, "/transfer-destinations", None::<&()>)
            .await
    }

    /// `GET /transfer-formats`: every registered version of every format.
    pub async fn transfer_formats(&self) -> Result<FormatList, ClientError> {
        self.call(Method::GET, "/transfer-formats", None::<&()>)
            .await
    }

    /// `POST /transfers`: a clerk's request.
    pub async fn prepare_transfer(
        &self,
        request: &PrepareTransferRequest,
    ) -> Result<TransferView, ClientError> {
        self.call(Method::POST, "/transfers", Some(request)).await
    }

    /// `GET /transfers`: the transfers the caller may see.
    pub async fn transfers(&self) -> Result<TransferList, ClientError> {
        self.call(Method::GET, "/transfers", None::<&()>).await
    }

    pub async fn transfer(&self, id: &str) -> Result<TransferView, ClientError> {
        self.call(Method::GET, &format!("/transfers/{id}"), None::<&()>)
            .await
    }

    pub async fn approve_transfer(&self, id: &str) -> Result<TransferView, ClientError> {
        self.call(
            Method::POST,
            &format!("/transfers/{id}/approve"),
            None::<&()>,
        )
        .await
    }

    pub async fn reject_transfer(
        &self,
        id: &str,
        reason: &TransferReason,
    ) -> Result<TransferView, ClientError> {
        self.call(
            Method::POST,
            &format!("/transfers/{id}/reject"),
            Some(reason),
        )
        .await
    }

    /// `POST /transfers/{id}/preview`: what leaves, its hash fixed.
    pub async fn preview_transfer(&self, id: &str) -> Result<PreviewView, ClientError> {
        self.call(
            Method::POST,
            &format!("/transfers/{id}/preview"),
            None::<&()>,
        )
        .await
    }

    /// `POST /transfers/{id}/reconfirm`: one 支援措置 record confirmed.
    pub async fn reconfirm_transfer(
        &self,
        id: &str,
        request: &ReconfirmRequest,
    ) -> Result<TransferView, ClientError> {
        self.call(
            Method::POST,
            &format!("/transfers/{id}/reconfirm"),
            Some(request),
        )
        .await
    }

    /// `POST /transfers/{id}/sign-off`: the IT officer's credentials in
    /// the body, under the preparer's session.
    pub async fn sign_off_transfer(
        &self,
        id: &str,
        request: &SignOffRequest,
    ) -> Result<TransferView, ClientError> {
        self.call(
            Method::POST,
            &format!("/transfers/{id}/sign-off"),
            Some(request),
        )
        .await
    }

    /// `POST /transfers/{id}/send`: the signed bytes to the destination
    /// (again after a failure).
    pub async fn send_transfer(&self, id: &str) -> Result<TransferView, ClientError> {
        self.call(Method::POST, &format!("/transfers/{id}/send"), None::<&()>)
            .await
    }
}
