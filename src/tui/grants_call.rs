//! The grant calls the workstation makes (the list, a request, applying,
//! refusing, revoking, the bulk extension of a department) and how each
//! answer comes back: one [`GrantsCall`] leaves `update` as an effect, runs
//! in a task, and returns as a [`GrantsAnswer`].

use crate::api::grant::{ExtendGrants, GrantList, GrantReason, GrantRequestBody, GrantView};
use crate::client::ApiClient;

use super::action::{Action, Failure};

#[derive(Debug)]
pub enum GrantsCall {
    /// `GET /admin/grants`.
    List,
    /// `POST /admin/grants`.
    Request(GrantRequestBody),
    /// `POST /admin/grants/{id}/apply`.
    Apply(String),
    /// `POST /admin/grants/{id}/refuse` with the reason.
    Refuse { id: String, reason: String },
    /// `POST /admin/grants/{id}/revoke` with the reason.
    Revoke { id: String, reason: String },
    /// `POST /admin/grants/extend`.
    Extend(ExtendGrants),
}

/// Which step an answer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStep {
    Request,
    Apply,
    Refuse,
    Revoke,
}

impl GrantStep {
    /// The locale key of the note a step that went through leaves.
    pub fn done_key(self) -> &'static str {
        match self {
            GrantStep::Request => "grants.requested",
            GrantStep::Apply => "grants.applied",
            GrantStep::Refuse => "grants.refused_done",
            GrantStep::Revoke => "grants.revoked",
        }
    }
}

#[derive(Debug)]
pub enum GrantsAnswer {
    List(Result<GrantList, Failure>),
    /// A step on one grant: the grant as it now stands, or why not.
    Stepped {
        step: GrantStep,
        result: Result<Box<GrantView>, Failure>,
    },
    /// The grants an extension extended.
    Extended(Result<GrantList, Failure>),
}

impl GrantsAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            GrantsAnswer::List(result) | GrantsAnswer::Extended(result) => result.as_ref().err(),
            GrantsAnswer::Stepped { result, .. } => result.as_ref().err(),
        }
    }

    /// The failure alone, for an answer no screen waits for.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            GrantsAnswer::List(result) | GrantsAnswer::Extended(result) => result.err(),
            GrantsAnswer::Stepped { result, .. } => result.err(),
        }
    }
}

impl GrantsCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let stepped =
            |step, result: Result<GrantView, crate::client::ClientError>| GrantsAnswer::Stepped {
                step,
                result: result.map(Box::new).map_err(Failure::from),
            };
        let answer = match self {
            GrantsCall::List => GrantsAnswer::List(client.grants().await.map_err(Failure::from)),
            GrantsCall::Request(body) => {
                stepped(GrantStep::Request, client.request_grant(&body).await)
            }
            GrantsCall::Apply(id) => stepped(GrantStep::Apply, client.apply_grant(&id).await),
            GrantsCall::Refuse { id, reason } => stepped(
                GrantStep::Refuse,
                client.refuse_grant(&id, &GrantReason { reason }).await,
            ),
            GrantsCall::Revoke { id, reason } => stepped(
                GrantStep::Revoke,
                client.revoke_grant(&id, &GrantReason { reason }).await,
            ),
            GrantsCall::Extend(body) => {
                GrantsAnswer::Extended(client.extend_grants(&body).await.map_err(Failure::from))
            }
        };
        Action::Grants(answer)
    }
}
