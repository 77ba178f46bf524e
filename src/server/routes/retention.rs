//! The erasure plan and its approvals. The plan is made from the store on
//! each read (the same one the day's task records); an approval names the
//! hash the screen showed, and a hash that is not the current plan's is
//! refused, so nobody approves a plan other than the one they read.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use time::format_description::well_known::Rfc3339;

use super::Caller;
use crate::api::error::ErrorCode;
use crate::api::retention::{
    ApprovalView, ApproveRetentionRequest, PlanItemView, RetentionPlanView, RuleView,
};
use crate::domain::audit_event::{Action, Detail, Event, Reason};
use crate::domain::retention::Plan;
use crate::server::AppState;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::server::retention::{self, awaiting};
use crate::server::reverify::today;
use crate::store::RetentionApprovalRow;
use crate::store::journal::{Change, Item};

/// The current plan and its approvals.
pub(crate) async fn current(
    state: &AppState,
) -> Result<(Plan, Vec<RetentionApprovalRow>), AppError> {
    let day = today(state)?;
    let rules = state.config.retention.clone();
    let zone = state.config.time_zone.clone();
    state
        .store(move |s| {
            let plan = retention::make_plan(s, &rules, &zone, day)?;
            let approvals = s.retention_approvals(&plan.hash)?;
            Ok((plan, approvals))
        })
        .await
}

fn view(plan: &Plan, approvals: &[RetentionApprovalRow]) -> RetentionPlanView {
    let mut rules: Vec<RuleView> = plan
        .rules
        .iter()
        .map(|rule| RuleView {
            rule: rule.name(),
            basis: rule.basis.clone(),
            items: plan.count(rule.kind),
            note: None,
        })
        .collect();
    for stated in &plan.stated {
        if let Some(rule) = rules.iter_mut().find(|r| r.rule == stated.rule) {
            rule.note = Some(stated.note.to_owned());
        }
    }
    RetentionPlanView {
        today: plan.today.to_string(),
        hash: plan.hash.clone(),
        items: plan
            .items
            .iter()
            .map(|i| PlanItemView {
                kind: i.kind.as_str().to_owned(),
                id: i.id.clone(),
                rule: i.rule.clone(),
                reason: i.reason.clone(),
                due: i.due.to_string(),
            })
            .collect(),
        rules,
        approvals: approvals
            .iter()
            .map(|a| ApprovalView {
                user_id: a.user_id.clone(),
                role: a.role.clone(),
                at: a.at.format(&Rfc3339).unwrap_or_default(),
            })
            .collect(),
        awaiting: awaiting(approvals)
            .into_iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    }
}

pub async fn plan(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RetentionPlanView>, AppError> {
    let (plan, approvals) = current(&state).await?;
    let event = Event::ok(Action::RetentionPlanView).with(Detail::RetentionPlan {
        hash: plan.hash.clone(),
        items: plan.items.len(),
    });
    state.audit(caller.entry(state.clock.now(), event)).await?;
    Ok(Json(view(&plan, &approvals)))
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<ApproveRetentionRequest>,
) -> Result<Json<RetentionPlanView>, AppError> {
    let hash = request.hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_request(
            "`hash`: the plan's hash, 64 hexadecimal digits",
        ));
    }
    let (plan, _) = current(&state).await?;
    let at = state.clock.now();
    if plan.hash != hash {
        let event = Event::denied(Action::RetentionApprove, Reason::StalePlan).with(
            Detail::RetentionRefused {
                reason: Reason::StalePlan,
                hash,
            },
        );
        state.audit(caller.entry(at, event)).await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::RetentionPlanChanged,
            "that is not the current erasure plan: read the plan again and approve the hash it shows",
        ));
    }
    let row = RetentionApprovalRow {
        hash: hash.clone(),
        user_id: caller.user_id.clone(),
        role: caller.role.as_str().to_owned(),
        at,
    };
    let approved = caller.entry(
        at,
        Event::ok(Action::RetentionApprove).with(Detail::RetentionPlan {
            hash: hash.clone(),
            items: plan.items.len(),
        }),
    );
    let again = caller.entry(
        at,
        Event::denied(Action::RetentionApprove, Reason::AlreadyApproved).with(
            Detail::RetentionRefused {
                reason: Reason::AlreadyApproved,
                hash: hash.clone(),
            },
        ),
    );
    // Approving twice is recorded and counts once.
    state
        .commit(Item::new(
            vec![Change::InsertRetentionApproval(row)],
            move |effect| vec![if effect.kept() { approved } else { again }],
        ))
        .await?;
    let approvals = state.store(move |s| s.retention_approvals(&hash)).await?;
    Ok(Json(view(&plan, &approvals)))
}
