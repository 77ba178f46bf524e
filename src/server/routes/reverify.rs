//! The next-day re-verification list: a clerk's items, closing them, and
//! what a supervisor sees open past its day or without anyone to do it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::Caller;
use crate::api::entry::{ReverifyItemView, ReverifyList};
use crate::api::error::ErrorCode;
use crate::domain::audit_event::{Action, Detail, Event, Reason};
use crate::server::AppState;
use crate::server::error::AppError;
use crate::server::reverify::{ensure_today, today};
use crate::store::ReverifyRow;
use crate::store::journal::{Change, Item};

fn view(row: ReverifyRow, today: time::Date) -> ReverifyItemView {
    ReverifyItemView {
        overdue: row.state == "open" && today > row.due,
        days_overdue: if row.state == "open" && today > row.due {
            (today - row.due).whole_days()
        } else {
            0
        },
        entry: row.entry,
        list_day: row.list_day.to_string(),
        person: row.person,
        form: row.form,
        why: row
            .why
            .split(',')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        assigned_to: row.assigned_to,
        due: row.due.to_string(),
        state: row.state,
    }
}

async fn answer(
    state: &AppState,
    caller: &Caller,
    action: Action,
    items: Vec<ReverifyItemView>,
) -> Result<Json<ReverifyList>, AppError> {
    let mut log = caller.entry(
        state.clock.now(),
        Event::ok(action).with(Detail::Rows(items.len())),
    );
    log.subjects = items.iter().map(|i| i.person.clone()).collect();
    state.audit(log).await?;
    Ok(Json(ReverifyList { items }))
}

/// The caller's open items, today's list made first if it is not yet.
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReverifyList>, AppError> {
    ensure_today(&state, &caller).await?;
    let today = today(&state)?;
    let me = caller.user_id.clone();
    let rows = state
        .store(move |s| s.reverify_items("open", Some(&me)))
        .await?;
    let items = rows.into_iter().map(|r| view(r, today)).collect();
    answer(&state, &caller, Action::ReverifyList, items).await
}

/// Open items past their day, and items nobody could be given.
pub async fn overdue(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReverifyList>, AppError> {
    ensure_today(&state, &caller).await?;
    let today = today(&state)?;
    let rows = state.store(|s| s.reverify_items("open", None)).await?;
    let items = rows
        .into_iter()
        .filter(|r| today > r.due || r.assigned_to.is_none())
        .map(|r| view(r, today))
        .collect();
    answer(&state, &caller, Action::ReverifyOverdue, items).await
}

async fn resolve(
    state: AppState,
    caller: Caller,
    entry: String,
    outcome: &'static str,
) -> Result<StatusCode, AppError> {
    let rows = {
        let me = caller.user_id.clone();
        state
            .store(move |s| s.reverify_items("open", Some(&me)))
            .await?
    };
    let person = rows
        .iter()
        .find(|r| r.entry == entry)
        .map(|r| r.person.clone());
    let at = state.clock.now();
    let mut log = caller.entry(
        at,
        Event::ok(Action::ReverifyResolve).with(Detail::Reverified {
            entry: entry.clone(),
            outcome,
        }),
    );
    log.subjects = person.iter().cloned().collect();
    let change = Change::ResolveReverifyItem {
        entry: entry.clone(),
        by: caller.user_id.clone(),
        state: outcome.to_owned(),
    };
    let committed = state.commit(Item::recorded(vec![change], log)).await?;
    if committed.effect.refusal().is_some() {
        let mut denied = caller.entry(
            at,
            Event::denied(Action::ReverifyResolve, Reason::NotYourItem),
        );
        denied.subjects = person.into_iter().collect();
        state.audit(denied).await?;
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no open item of yours for that entry",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Checked against the paper: it stands.
pub async fn verified(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
) -> Result<StatusCode, AppError> {
    resolve(state, caller, entry, "verified").await
}

/// Checked against the paper: it needs a correction (proposed next).
pub async fn correction(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry): Path<String>,
) -> Result<StatusCode, AppError> {
    resolve(state, caller, entry, "correction").await
}
