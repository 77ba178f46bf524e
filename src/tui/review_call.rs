//! The review calls the workstation makes (the supervisor's overdue
//! re-verification items and quality figures, the clerks' batches, the
//! erasure plan the IT officer and a supervisor approve) and how
//! each answer comes back: one [`ReviewCall`] leaves `update` as an effect,
//! runs in a task, and returns as a [`ReviewAnswer`].

use crate::api::StaffList;
use crate::api::entry::{BatchList, BatchView, OpenBatchRequest, QualityReport, ReverifyList};
use crate::api::retention::RetentionPlanView;
use crate::api::roster::{LatestReconciliation, MAX_ROSTER_BYTES, ReconciliationView};
use crate::api::staff::{IssuedCredentials, ResetReason};
use crate::client::{ApiClient, RosterAnswer};

use super::action::{Action, Failure};

#[derive(Debug)]
pub enum ReviewCall {
    /// `GET /reverify/overdue`: open items past their day or unassigned.
    Overdue,
    /// `GET /entries/quality`: slips per 1,000 fields, per operator.
    Quality,
    /// `GET /batches`: open batches first, then the recently closed.
    Batches,
    /// `POST /batches`: a new batch from its paper header.
    OpenBatch(OpenBatchRequest),
    /// `POST /batches/{id}/close`: closes when count and total match.
    CloseBatch(String),
    /// `GET /admin/retention/plan`: today's erasure plan.
    RetentionPlan,
    /// `POST /admin/retention/approvals`: approves the plan of this hash.
    ApproveRetention(String),
    /// `GET /admin/staff`: every account.
    Staff,
    /// `POST /admin/staff/{id}/credentials`: a new PIN and TOTP secret.
    ResetCredentials(String),
    /// `POST /admin/staff/{id}/disable`.
    DisableStaff(String),
    /// `GET /admin/roster/reconciliations/latest`.
    LatestReconciliation,
    /// Reads the roster file at this path on the workstation and posts it
    /// (`POST /admin/roster/reconciliations`).
    ReconcileRoster(std::path::PathBuf),
    /// `POST /admin/roster/reconciliations/{id}/revoke`, the count shown.
    RevokeFindings { id: String, count: usize },
}

#[derive(Debug)]
pub enum ReviewAnswer {
    Overdue(Result<ReverifyList, Failure>),
    Quality(Result<QualityReport, Failure>),
    Batches(Result<BatchList, Failure>),
    /// A batch opened (`id` as asked) or closed.
    BatchOpened {
        id: String,
        result: Result<BatchView, Failure>,
    },
    BatchClosed {
        id: String,
        result: Result<BatchView, Failure>,
    },
    RetentionPlan(Result<RetentionPlanView, Failure>),
    /// The plan as it stands after an approval.
    RetentionApproved(Result<RetentionPlanView, Failure>),
    Staff(Result<StaffList, Failure>),
    /// New credentials, to show once.
    CredentialsIssued(Result<IssuedCredentials, Failure>),
    StaffDisabled(Result<(), Failure>),
    LatestReconciliation(Result<LatestReconciliation, Failure>),
    /// The findings of a roster sent, or its bad lines.
    Reconciled(Result<RosterAnswer, Failure>),
    /// The reconciliation as it stands after its revocation.
    FindingsRevoked(Result<ReconciliationView, Failure>),
}

impl ReviewAnswer {
    /// What failed, if the call did.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            ReviewAnswer::Overdue(result) => result.as_ref().err(),
            ReviewAnswer::Quality(result) => result.as_ref().err(),
            ReviewAnswer::Batches(result) => result.as_ref().err(),
            ReviewAnswer::BatchOpened { result, .. } | ReviewAnswer::BatchClosed { result, .. } => {
                result.as_ref().err()
            }
            ReviewAnswer::RetentionPlan(result) | ReviewAnswer::RetentionApproved(result) => {
                result.as_ref().err()
            }
            ReviewAnswer::Staff(result) => result.as_ref().err(),
            ReviewAnswer::CredentialsIssued(result) => result.as_ref().err(),
            ReviewAnswer::StaffDisabled(result) => result.as_ref().err(),
            ReviewAnswer::LatestReconciliation(result) => result.as_ref().err(),
            ReviewAnswer::Reconciled(result) => result.as_ref().err(),
            ReviewAnswer::FindingsRevoked(result) => result.as_ref().err(),
        }
    }

    /// The failure alone, for an answer no screen waits for.
    pub fn into_failure(self) -> Option<Failure> {
        match self {
            ReviewAnswer::Overdue(result) => result.err(),
            ReviewAnswer::Quality(result) => result.err(),
            ReviewAnswer::Batches(result) => result.err(),
            ReviewAnswer::BatchOpened { result, .. } | ReviewAnswer::BatchClosed { result, .. } => {
                result.err()
            }
            ReviewAnswer::RetentionPlan(result) | ReviewAnswer::RetentionApproved(result) => {
                result.err()
            }
            ReviewAnswer::Staff(result) => result.err(),
            ReviewAnswer::CredentialsIssued(result) => result.err(),
            ReviewAnswer::StaffDisabled(result) => result.err(),
            ReviewAnswer::LatestReconciliation(result) => result.err(),
            ReviewAnswer::Reconciled(result) => result.err(),
            ReviewAnswer::FindingsRevoked(result) => result.err(),
        }
    }
}

impl ReviewCall {
    /// Makes the call and turns its answer into an action.
    pub async fn run(self, client: ApiClient) -> Action {
        let answer = match self {
            ReviewCall::Overdue => {
                ReviewAnswer::Overdue(client.reverify_overdue().await.map_err(Failure::from))
            }
            ReviewCall::Quality => {
                ReviewAnswer::Quality(client.entry_quality().await.map_err(Failure::from))
            }
            ReviewCall::Batches => {
                ReviewAnswer::Batches(client.batches().await.map_err(Failure::from))
            }
            ReviewCall::OpenBatch(request) => ReviewAnswer::BatchOpened {
                result: client.open_batch(&request).await.map_err(Failure::from),
                id: request.id,
            },
            ReviewCall::CloseBatch(id) => ReviewAnswer::BatchClosed {
                result: client.close_batch(&id).await.map_err(Failure::from),
                id,
            },
            ReviewCall::RetentionPlan => {
                ReviewAnswer::RetentionPlan(client.retention_plan().await.map_err(Failure::from))
            }
            ReviewCall::ApproveRetention(hash) => ReviewAnswer::RetentionApproved(
                client.approve_retention(&hash).await.map_err(Failure::from),
            ),
            ReviewCall::Staff => ReviewAnswer::Staff(client.staff().await.map_err(Failure::from)),
            // The console and the API name why; at the workstation an IT
            // officer enrols the holder's authenticator anew.
            ReviewCall::ResetCredentials(user) => ReviewAnswer::CredentialsIssued(
                client
                    .reset_credentials(&user, ResetReason::Enrolment)
                    .await
                    .map_err(Failure::from),
            ),
            ReviewCall::DisableStaff(user) => ReviewAnswer::StaffDisabled(
                client.disable_staff(&user).await.map_err(Failure::from),
            ),
            ReviewCall::LatestReconciliation => ReviewAnswer::LatestReconciliation(
                client.latest_reconciliation().await.map_err(Failure::from),
            ),
            ReviewCall::ReconcileRoster(path) => {
                ReviewAnswer::Reconciled(match read_roster(&path).await {
                    Ok(bytes) => client.reconcile_roster(bytes).await.map_err(Failure::from),
                    Err(failure) => Err(failure),
                })
            }
            ReviewCall::RevokeFindings { id, count } => ReviewAnswer::FindingsRevoked(
                client
                    .revoke_findings(&id, count)
                    .await
                    .map_err(Failure::from),
            ),
        };
        Action::Review(answer)
    }
}

/// The roster file's bytes, read on this workstation and held only until
/// they are sent; one larger than the service takes is not read at all.
async fn read_roster(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let path = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, &'static str> {
        let meta = std::fs::metadata(&path).map_err(|_| "roster.file_unreadable")?;
        if !meta.is_file() {
            return Err("roster.file_unreadable");
        }
        if meta.len() > MAX_ROSTER_BYTES as u64 {
            return Err("roster.file_too_large");
        }
        std::fs::read(&path).map_err(|_| "roster.file_unreadable")
    })
    .await
    .unwrap_or(Err("roster.file_unreadable"));
    read.map_err(|key| Failure {
        code: None,
        status: None,
        message: super::action::FailureText::Local(key),
    })
}
