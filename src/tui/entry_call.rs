//! The entry calls the workstation makes (work lists, keying, drafts,
//! decisions) and how each answer comes back: one [`EntryCall`] leaves
//! `update` as an effect, runs in a task, and returns as an
//! [`EntryAnswer`]. A refused submit keeps the service's problems, so the
//! screen can show each beside its field.

use crate::api::entry::{
    DecideRequest, DiscardRequest, EntryQueue, EntryView, FieldsRequest, IdentityRequest, Problem,
    StartEntryRequest, SubmitRequest,
};
use crate::client::{ApiClient, ClientError};

use super::action::{Action, Failure};

#[derive(Debug)]
pub enum EntryCall {
    /// `GET /entries/work`: what the caller has to key.
    Work,
    /// `GET /entries/decisions`: what a supervisor has to decide.
    Decisions,
    /// `POST /entries`: a new first keying for a person.
    Start(StartEntryRequest),
    /// `GET /entries/{id}`: the entry as the caller may see it.
    Open(String),
    /// `POST /entries/{id}/second`: take another clerk's form to key blind.
    StartSecond(String),
    /// `GET /entries/{id}/decision`: both values of the fields in question.
    Decision(String),
    /// `PUT /entries/{id}/draft`: what the first keyer has typed so far.
    SaveDraft {
        id: String,
        request: FieldsRequest,
    },
    SubmitFirst {
        id: String,
        request: SubmitRequest,
    },
    SubmitSecond {
        id: String,
        request: FieldsRequest,
    },
    Rekey {
        id: String,
        request: FieldsRequest,
    },
    Decide {
        id: String,
        request: DecideRequest,
    },
    /// `POST /entries/{id}/identity`: the identity check at intake.
    Identity {
        id: String,
        request: IdentityRequest,
    },
    /// `POST /entries/{id}/identity/settle`: a supervisor settles the
    /// differences of an identity check, with a reason.
    SettleIdentity {
        id: String,
        request: DiscardRequest,
    },
    /// `POST /entries/{id}/second/release`: a blind second keying left
    /// unsent, so another clerk can take it.
    ReleaseSecond(String),
    /// `POST /entries/{id}/discard`: the first keyer drops their draft.
    Discard {
        id: String,
        request: DiscardRequest,
    },
}

/// A refused step: what failed, and the problems a 422 named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub failure: Failure,
    pub problems: Vec<Problem>,
}

impl From<ClientError> for Refusal {
    fn from(error: ClientError) -> Refusal {
        let problems = match &error {
            ClientError::Entry { refusal, .. } => refusal.problems.clone(),
            _ => Vec::new(),
        };
        Refusal {
            failure: Failure::from(error),
            problems,
        }
    }
}

#[derive(Debug)]
pub enum EntryAnswer {
    Queue {
        decisions: bool,
        result: Result<EntryQueue, Failure>,
    },
    /// An entry opened (or started): `asked` is the id asked for, None for
    /// a new entry.
    Opened {
        asked: Option<String>,
        result: Result<EntryView, Failure>,
    },
    DraftSaved {
        id: String,
        result: Result<(), Failure>,
    },
    /// A submit, second keying, re-keying, decision, identity check,
    /// settling, release or discard.
    Sent {
        id: String,
        result: Result<EntryView, Refusal>,
    },
}

impl EntryAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            EntryAnswer::Queue { result, .. } => result.as_ref().err(),
            EntryAnswer::Opened { result, .. } => result.as_ref().err(),
            EntryAnswer::DraftSaved { result, .. } => result.as_ref().err(),
            EntryAnswer::Sent { result, .. } => result.as_ref().err().map(|r| &r.failure),
        }
    }
}

impl EntryCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let opened =
            |asked: Option<String>, result: Result<EntryView, ClientError>| EntryAnswer::Opened {
                asked,
                result: result.map_err(Failure::from),
            };
        let answer = match self {
            EntryCall::Work => EntryAnswer::Queue {
                decisions: false,
                result: client.entry_work().await.map_err(Failure::from),
            },
            EntryCall::Decisions => EntryAnswer::Queue {
                decisions: true,
                result: client.entry_decisions().await.map_err(Failure::from),
            },
            EntryCall::Start(request) => opened(None, client.start_entry(&request).await),
            EntryCall::Open(id) => {
                let result = client.entry(&id).await;
                opened(Some(id), result)
            }
            EntryCall::StartSecond(id) => {
                let result = client.start_second(&id).await;
                opened(Some(id), result)
            }
            EntryCall::Decision(id) => {
                let result = client.entry_decision(&id).await;
                opened(Some(id), result)
            }
            EntryCall::SaveDraft { id, request } => {
                let result = client.save_draft(&id, &request).await;
                EntryAnswer::DraftSaved {
                    id,
                    result: result.map(|_| ()).map_err(Failure::from),
                }
            }
            EntryCall::SubmitFirst { id, request } => {
                let result = client.submit_entry(&id, &request).await;
                sent(id, result)
            }
            EntryCall::SubmitSecond { id, request } => {
                let result = client.submit_second(&id, &request).await;
                sent(id, result)
            }
            EntryCall::Rekey { id, request } => {
                let result = client.rekey(&id, &request).await;
                sent(id, result)
            }
            EntryCall::Decide { id, request } => {
                let result = client.decide(&id, &request).await;
                sent(id, result)
            }
            EntryCall::Identity { id, request } => {
                let result = client.record_identity(&id, &request).await;
                sent(id, result)
            }
            EntryCall::SettleIdentity { id, request } => {
                let result = client.settle_identity(&id, &request).await;
                sent(id, result)
            }
            EntryCall::ReleaseSecond(id) => {
                let result = client.release_second(&id).await;
                sent(id, result)
            }
            EntryCall::Discard { id, request } => {
                let result = client.discard_entry(&id, &request).await;
                sent(id, result)
            }
        };
        Action::Entry(answer)
    }
}

fn sent(id: String, result: Result<EntryView, ClientError>) -> EntryAnswer {
    EntryAnswer::Sent {
        id,
        result: result.map_err(Refusal::from),
    }
}
