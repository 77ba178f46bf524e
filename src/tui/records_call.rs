//! The record calls the workstation makes (a person's version history,
//! corrections proposed and reviewed, the re-verification list) and how
//! each answer comes back: one [`RecordsCall`] leaves `update` as an
//! effect, runs in a task, and returns as a [`RecordsAnswer`]. A refused
//! proposal or review keeps the service's problems, so the screen can
//! show each in the clerk's words.

use crate::api::entry::{
    CorrectionList, CorrectionView, ProposeCorrectionRequest, RecordHistory, ReverifyList,
    ReviewRequest,
};
use crate::client::ApiClient;

use super::action::{Action, Failure};
use super::entry_call::Refusal;

#[derive(Debug)]
pub enum RecordsCall {
    /// `GET /records/{person}/{form}`: the versions of a person's record.
    History { person: String, form: String },
    /// `POST /records/{person}/{form}/corrections`.
    Propose {
        person: String,
        form: String,
        request: ProposeCorrectionRequest,
    },
    /// `GET /corrections`: what waits for a supervisor's review.
    Corrections,
    /// `GET /corrections/{id}`.
    Correction(String),
    /// `POST /corrections/{id}/approve` or `/reject`.
    Review {
        id: String,
        approve: bool,
        request: ReviewRequest,
    },
    /// `GET /reverify`: the caller's items of today's list.
    Reverify,
    /// `POST /reverify/{entry}/verified` or `/correction`.
    Resolve { entry: String, verified: bool },
}

#[derive(Debug)]
pub enum RecordsAnswer {
    History {
        person: String,
        result: Result<RecordHistory, Failure>,
    },
    Proposed {
        person: String,
        result: Result<CorrectionView, Refusal>,
    },
    Corrections(Result<CorrectionList, Failure>),
    Correction {
        id: String,
        result: Result<CorrectionView, Failure>,
    },
    Reviewed {
        id: String,
        approve: bool,
        result: Result<CorrectionView, Refusal>,
    },
    Reverify(Result<ReverifyList, Failure>),
    Resolved {
        entry: String,
        verified: bool,
        result: Result<(), Failure>,
    },
}

impl RecordsAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            RecordsAnswer::History { result, .. } => result.as_ref().err(),
            RecordsAnswer::Proposed { result, .. } => result.as_ref().err().map(|r| &r.failure),
            RecordsAnswer::Corrections(result) => result.as_ref().err(),
            RecordsAnswer::Correction { result, .. } => result.as_ref().err(),
            RecordsAnswer::Reviewed { result, .. } => result.as_ref().err().map(|r| &r.failure),
            RecordsAnswer::Reverify(result) => result.as_ref().err(),
            RecordsAnswer::Resolved { result, .. } => result.as_ref().err(),
        }
    }

    /// The failure alone, for an answer no screen waits for any more.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            RecordsAnswer::History { result, .. } => result.err(),
            RecordsAnswer::Proposed { result, .. } => result.err().map(|r| r.failure),
            RecordsAnswer::Corrections(result) => result.err(),
            RecordsAnswer::Correction { result, .. } => result.err(),
            RecordsAnswer::Reviewed { result, .. } => result.err().map(|r| r.failure),
            RecordsAnswer::Reverify(result) => result.err(),
            RecordsAnswer::Resolved { result, .. } => result.err(),
        }
    }
}

impl RecordsCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let answer = match self {
            RecordsCall::History { person, form } => {
                let result = client.record_history(&person, &form).await;
                RecordsAnswer::History {
                    person,
                    result: result.map_err(Failure::from),
                }
            }
            RecordsCall::Propose {
                person,
                form,
                request,
            } => {
                let result = client.propose_correction(&person, &form, &request).await;
                RecordsAnswer::Proposed {
                    person,
                    result: result.map_err(Refusal::from),
                }
            }
            RecordsCall::Corrections => {
                RecordsAnswer::Corrections(client.corrections().await.map_err(Failure::from))
            }
            RecordsCall::Correction(id) => {
                let result = client.correction(&id).await.map_err(Failure::from);
                RecordsAnswer::Correction { id, result }
            }
            RecordsCall::Review {
                id,
                approve,
                request,
            } => {
                let result = if approve {
                    client.approve_correction(&id, &request).await
                } else {
                    client.reject_correction(&id, &request).await
                };
                RecordsAnswer::Reviewed {
                    id,
                    approve,
                    result: result.map_err(Refusal::from),
                }
            }
            RecordsCall::Reverify => {
                RecordsAnswer::Reverify(client.reverify_items().await.map_err(Failure::from))
            }
            RecordsCall::Resolve { entry, verified } => {
                let result = if verified {
                    client.reverify_verified(&entry).await
                } else {
                    client.reverify_needs_correction(&entry).await
                };
                RecordsAnswer::Resolved {
                    entry,
                    verified,
                    result: result.map_err(Failure::from),
                }
            }
        };
        Action::Records(answer)
    }
}
