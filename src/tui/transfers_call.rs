//! The transfer calls the workstation makes (the list and one transfer,
//! the registries a clerk chooses from, preparing, approving, rejecting,
//! the preview, reconfirming, the sign-off, sending)
//! and how each answer comes back: one [`TransfersCall`] leaves `update` as
//! an effect, runs in a task, and returns as a [`TransfersAnswer`].

use crate::api::transfer::{
    DestinationList, FormatList, PrepareTransferRequest, PreviewView, ReconfirmRequest,
    SignOffRequest, TransferList, TransferReason, TransferView,
};
use crate::client::ApiClient;

use super::action::{Action, Failure};

#[derive(Debug)]
pub enum TransfersCall {
    /// `GET /transfers`: the transfers the caller may see.
    List,
    /// `GET /transfers/{id}`.
    View(String),
    /// `GET /transfer-destinations` and `GET /transfer-formats`: what a
    /// clerk's request may name.
    Registries,
    /// `POST /transfers`: a clerk's request.
    Prepare(PrepareTransferRequest),
    /// `POST /transfers/{id}/approve`.
    Approve(String),
    /// `POST /transfers/{id}/reject` with the reason.
    Reject { id: String, reason: String },
    /// `POST /transfers/{id}/preview`.
    Preview(String),
    /// `POST /transfers/{id}/reconfirm` for one 支援措置 record.
    Reconfirm { id: String, person: String },
    /// `POST /transfers/{id}/sign-off`: the PIN and code in redacting types.
    SignOff {
        id: String,
        request: Box<SignOffRequest>,
    },
    /// `POST /transfers/{id}/send`.
    Send(String),
}

#[derive(Debug)]
pub enum TransfersAnswer {
    List(Result<TransferList, Failure>),
    View(Result<TransferView, Failure>),
    Registries(Result<(DestinationList, FormatList), Failure>),
    Prepared(Result<TransferView, Failure>),
    /// An approval or a rejection of the transfer `id` as asked.
    Decided {
        id: String,
        result: Result<TransferView, Failure>,
    },
    Previewed {
        id: String,
        result: Result<Box<PreviewView>, Failure>,
    },
    Reconfirmed {
        id: String,
        person: String,
        result: Result<TransferView, Failure>,
    },
    SignedOff {
        id: String,
        result: Result<TransferView, Failure>,
    },
    Sent {
        id: String,
        result: Result<TransferView, Failure>,
    },
}

impl TransfersAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            TransfersAnswer::List(result) => result.as_ref().err(),
            TransfersAnswer::Registries(result) => result.as_ref().err(),
            TransfersAnswer::View(result)
            | TransfersAnswer::Prepared(result)
            | TransfersAnswer::Decided { result, .. }
            | TransfersAnswer::Reconfirmed { result, .. }
            | TransfersAnswer::SignedOff { result, .. }
            | TransfersAnswer::Sent { result, .. } => result.as_ref().err(),
            TransfersAnswer::Previewed { result, .. } => result.as_ref().err(),
        }
    }

    /// The failure alone, for an answer no screen waits for.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            TransfersAnswer::List(result) => result.err(),
            TransfersAnswer::Registries(result) => result.err(),
            TransfersAnswer::View(result)
            | TransfersAnswer::Prepared(result)
            | TransfersAnswer::Decided { result, .. }
            | TransfersAnswer::Reconfirmed { result, .. }
            | TransfersAnswer::SignedOff { result, .. }
            | TransfersAnswer::Sent { result, .. } => result.err(),
            TransfersAnswer::Previewed { result, .. } => result.err(),
        }
    }
}

impl TransfersCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let answer = match self {
            TransfersCall::List => {
                TransfersAnswer::List(client.transfers().await.map_err(Failure::from))
            }
            TransfersCall::View(id) => {
                TransfersAnswer::View(client.transfer(&id).await.map_err(Failure::from))
            }
            TransfersCall::Registries => {
                let result = match client.transfer_destinations().await {
                    Ok(destinations) => client
                        .transfer_formats()
                        .await
                        .map(|formats| (destinations, formats)),
                    Err(e) => Err(e),
                };
                TransfersAnswer::Registries(result.map_err(Failure::from))
            }
            TransfersCall::Prepare(request) => TransfersAnswer::Prepared(
                client
                    .prepare_transfer(&request)
                    .await
                    .map_err(Failure::from),
            ),
            TransfersCall::Approve(id) => TransfersAnswer::Decided {
                result: client.approve_transfer(&id).await.map_err(Failure::from),
                id,
            },
            TransfersCall::Reject { id, reason } => TransfersAnswer::Decided {
                result: client
                    .reject_transfer(&id, &TransferReason { reason })
                    .await
                    .map_err(Failure::from),
                id,
            },
            TransfersCall::Preview(id) => TransfersAnswer::Previewed {
                result: client
                    .preview_transfer(&id)
                    .await
                    .map(Box::new)
                    .map_err(Failure::from),
                id,
            },
            TransfersCall::Reconfirm { id, person } => TransfersAnswer::Reconfirmed {
                result: client
                    .reconfirm_transfer(
                        &id,
                        &ReconfirmRequest {
                            person: person.clone(),
                        },
                    )
                    .await
                    .map_err(Failure::from),
                id,
                person,
            },
            TransfersCall::SignOff { id, request } => TransfersAnswer::SignedOff {
                result: client
                    .sign_off_transfer(&id, &request)
                    .await
                    .map_err(Failure::from),
                id,
            },
            TransfersCall::Send(id) => TransfersAnswer::Sent {
                result: client.send_transfer(&id).await.map_err(Failure::from),
                id,
            },
        };
        Action::Transfers(Box::new(answer))
    }
}
