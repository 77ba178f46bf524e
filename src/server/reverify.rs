//! The next-day re-verification list, made the first time it is asked for
//! on a business day: the commits of the days it covers, picked by the
//! office's rules (`domain::entry::reverify`), each assigned to a clerk who
//! did not key, verify or decide it. Making it twice adds nothing.

use std::collections::BTreeSet;

use time::Date;

use super::AppState;
use super::auth::SessionCtx;
use super::entry::open_record;
use super::error::AppError;
use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::entry::forms;
use crate::domain::entry::reverify::{self, CommitFacts, Item};
use crate::domain::entry::schema::FieldKind;
use crate::domain::roles::{Department, Role};
use crate::store::ReverifyRow;
use crate::store::journal::{Change, Item as JournalItem};

/// Today in the office's calendar.
pub fn today(state: &AppState) -> Result<Date, AppError> {
    state
        .config
        .time_zone
        .local_date(state.clock.now())
        .ok_or_else(AppError::internal)
}

/// A draw in 0..1000 for the sample: keyed, so nobody can tell in advance
/// which entries will be sampled, and the same however often it is made.
fn draw(state: &AppState, entry: &str) -> u16 {
    let mac = state.keys.query_hmac(&format!("reverify-sample:{entry}"));
    u16::from_str_radix(&mac[..4], 16).map_or(0, |n| n % 1000)
}

async fn facts(
    state: &AppState,
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
) -> Result<Vec<CommitFacts>, AppError> {
    let rows = state
        .store(move |s| s.entry_commits_between(from, to))
        .await?;
    let staff = state.store(|s| s.list_staff()).await?;
    let since = |user: &str| {
        staff
            .iter()
            .find(|s| s.user_id == user)
            .map_or(Date::MIN, |s| s.created_at.date())
    };
    let zone = &state.config.time_zone;
    let mut out = Vec::new();
    for row in rows {
        let version = open_record(state, &row)?;
        let schema = forms::form(&row.form);
        let largest_amount = version
            .record
            .paths()
            .filter(|p| {
                schema
                    .and_then(|s| s.field(p))
                    .is_some_and(|f| f.kind == FieldKind::Amount)
            })
            .map(|p| version.record.amount_at(p).abs())
            .max()
            .unwrap_or(0);
        let deciders: BTreeSet<String> = version.decided.values().cloned().collect();
        out.push(CommitFacts {
            entry: row.entry.clone(),
            committed_on: zone
                .local_date(row.committed_at)
                .ok_or_else(AppError::internal)?,
            first_by: version.first_by.clone(),
            second_by: version.second_by.clone(),
            deciders: deciders.into_iter().collect(),
            warnings_overridden: version.reasons.len(),
            largest_amount,
            first_keyer_since: since(&version.first_by),
            draw: draw(state, &row.entry),
        });
    }
    Ok(out)
}

fn row_of(item: &Item, today: Date, person: &str, form: &str) -> ReverifyRow {
    ReverifyRow {
        entry: item.entry.clone(),
        list_day: today,
        person: person.to_owned(),
        form: form.to_owned(),
        why: item
            .why
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(","),
        assigned_to: item.assigned_to.clone(),
        due: item.due,
        state: "open".to_owned(),
        resolved_by: None,
        resolved_at: None,
    }
}

/// Makes today's list if it has items not yet listed; returns how many
/// were added.
pub async fn ensure_today(state: &AppState, caller: &SessionCtx) -> Result<usize, AppError> {
    let today = today(state)?;
    let days = state.config.calendar.days_covered(today);
    let (Some(first), zone) = (days.first(), &state.config.time_zone) else {
        return Ok(0);
    };
    let from = zone.day_start(*first).ok_or_else(AppError::internal)?;
    let to = zone.day_start(today).ok_or_else(AppError::internal)?;
    let commits = facts(state, from, to).await?;
    let mut listed = BTreeSet::new();
    for s in ["open", "verified", "correction"] {
        let rows = state.store(move |st| st.reverify_items(s, None)).await?;
        listed.extend(rows.into_iter().map(|r| r.entry));
    }
    let fresh: Vec<CommitFacts> = commits
        .into_iter()
        .filter(|c| !listed.contains(&c.entry))
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    // Who may be given an item: enabled assessment clerks by the grant in
    // force now (the staff row's own role gives no access).
    let now = state.clock.now();
    let clerks: Vec<String> = state
        .store(move |s| {
            let mut clerks = Vec::new();
            for staff in s.list_staff()? {
                if staff.disabled {
                    continue;
                }
                if let Some(grant) = s.active_grant(&staff.user_id, now)?
                    && grant.role == Role::Clerk
                    && grant.department == Department::Assessment
                {
                    clerks.push(staff.user_id);
                }
            }
            Ok(clerks)
        })
        .await?;
    let items = reverify::build(
        &state.config.reverify_rules,
        &state.config.calendar,
        today,
        &fresh,
        &clerks,
    );
    if items.is_empty() {
        return Ok(0);
    }
    let mut rows = Vec::new();
    for item in &items {
        let entry = item.entry.clone();
        let stored = state
            .store(move |s| s.entry(&entry))
            .await?
            .ok_or_else(AppError::internal)?;
        rows.push(row_of(item, today, &stored.person, &stored.form));
    }
    let added = rows.len();
    let mut log = caller.entry(
        state.clock.now(),
        Event::ok(Action::ReverifyBuild).with(Detail::Rows(added)),
    );
    log.subjects = rows.iter().map(|r| r.person.clone()).collect();
    state
        .commit(JournalItem::recorded(
            vec![Change::InsertReverifyItems(rows)],
            log,
        ))
        .await?;
    Ok(added)
}
