//! Retention on the service's side: the day's plan made from what the
//! store lists, the approvals that carry it out (an IT officer and a
//! supervisor, two people, both on the plan's hash), and the erasure in
//! transactions of at most [`BATCH`] items, each with its tombstone.

use time::{Date, OffsetDateTime, Time};

use super::actor::Actor;
use super::settings::OfficeTimeZone;
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::retention::{self, Candidate, Kind, Period, Plan, PlanItem, Rules};
use crate::domain::roles::Role;
use crate::store::chain::ChainKey;
use crate::store::journal::{Change, Item};
use crate::store::{CandidateQuery, RetentionApprovalRow, Store, StoreError, StoreResult};

/// Items erased in one transaction: small enough that a transaction of
/// deletes with their rows stays short, large enough to be few of them.
pub const BATCH: usize = 256;

/// The roles whose approvals carry a plan out, in the order named.
pub const APPROVING_ROLES: [Role; 2] = [Role::ItOfficer, Role::Supervisor];

/// Midnight UTC of `day`, a day later: a cut-off that takes in every time
/// whose office date is `day` or earlier, whatever the office's offset.
fn generous_end_of(day: Date) -> OffsetDateTime {
    day.next_day()
        .and_then(Date::next_day)
        .unwrap_or(Date::MAX)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
}

/// `day` less the period, a day early (the plan decides exactly).
fn back(period: Period, day: Date) -> Date {
    let earlier = match period {
        Period::Years(n) => {
            let year = day
                .year()
                .saturating_sub(i32::try_from(n).unwrap_or(i32::MAX));
            day.replace_year(year)
                .or_else(|_| day.replace_day(28).and_then(|d| d.replace_year(year)))
                .unwrap_or(Date::MIN)
        }
        Period::Days(n) => day
            .checked_sub(time::Duration::days(i64::from(n)))
            .unwrap_or(Date::MIN),
    };
    earlier.next_day().unwrap_or(earlier)
}

/// The plan of `today` from the store's candidates.
pub fn make_plan(
    store: &dyn Store,
    rules: &Rules,
    zone: &OfficeTimeZone,
    today: Date,
) -> StoreResult<Plan> {
    let records_until = match rules.tax_record.period {
        // A record of tax year Y is due once Y + N has ended.
        Period::Years(n) => Date::from_calendar_date(
            today
                .year()
                .saturating_sub(i32::try_from(n).unwrap_or(i32::MAX)),
            time::Month::January,
            1,
        )
        .unwrap_or(Date::MIN),
        Period::Days(_) => back(rules.tax_record.period, today),
    };
    let query = CandidateQuery {
        persons_left_by: back(rules.person.period, today),
        records_committed_before: generous_end_of(records_until),
        drafts_changed_before: generous_end_of(back(rules.draft.period, today)),
    };
    let found = store.retention_candidates(&query)?;
    let local = |at: OffsetDateTime| {
        zone.local_date(at).ok_or_else(|| StoreError::Corrupt {
            table: "retention",
            column: "time".into(),
            problem: "a time outside the office's calendar".into(),
        })
    };
    let mut candidates = Vec::new();
    for (person, left_on) in found.persons {
        candidates.push(Candidate::Person { person, left_on });
    }
    // A record version counts under the tax year it was committed in: a
    // declaration is filed in its tax year, and a correction made later
    // is kept from its own year, so nothing goes before its time.
    for (person, form, version, at) in found.tax_records {
        candidates.push(Candidate::TaxRecord {
            person,
            form,
            version,
            tax_year: local(at)?.year(),
        });
    }
    for (entry, person, at) in found.drafts {
        candidates.push(Candidate::Draft {
            entry,
            person,
            changed_on: local(at)?,
        });
    }
    Ok(retention::plan(today, rules, &candidates))
}

/// The approvers who carry a plan out: the first IT officer and the first
/// supervisor who approved it, if they are two different people. Each
/// approval counts under the role its approver held when approving.
pub fn approvers(approvals: &[RetentionApprovalRow]) -> Option<(String, String)> {
    let first = |role: Role| {
        approvals
            .iter()
            .find(|a| a.role == role.as_str())
            .map(|a| a.user_id.clone())
    };
    // One approval per person per plan (the store's key), so the two are
    // two people unless an account's role changed between approvals.
    let it = first(Role::ItOfficer)?;
    let supervisor = first(Role::Supervisor).filter(|s| *s != it)?;
    Some((it, supervisor))
}

/// The roles still to approve.
pub fn awaiting(approvals: &[RetentionApprovalRow]) -> Vec<Role> {
    if approvers(approvals).is_some() {
        return Vec::new();
    }
    APPROVING_ROLES
        .into_iter()
        .filter(|role| !approvals.iter().any(|a| a.role == role.as_str()))
        .collect()
}

/// The change that erases an item.
fn change_of(item: &PlanItem) -> Option<Change> {
    Some(match item.kind {
        Kind::Person => Change::EraseResident {
            person: item.id.clone(),
        },
        Kind::TaxRecord => {
            let mut parts = item.id.rsplitn(3, '/');
            let version = parts.next()?.parse().ok()?;
            let form = parts.next()?.to_owned();
            let person = parts.next()?.to_owned();
            Change::EraseTaxRecord {
                person,
                form,
                version,
            }
        }
        Kind::Draft => Change::EraseDraft {
            entry: item.id.clone(),
        },
        Kind::Transient | Kind::AccessLog => return None,
    })
}

/// The person an item's tombstone is about, when it is about one.
fn subject_of(item: &PlanItem) -> Option<String> {
    match item.kind {
        Kind::Person => Some(item.id.clone()),
        Kind::TaxRecord => item.id.split('/').next().map(str::to_owned),
        _ => None,
    }
}

/// Erases every item of `plan` approved by `approvers`, as `actor`: each
/// batch of at most [`BATCH`] items in one transaction with a tombstone
/// per item (kind, internal ID, rule, approvers), then compacts the store
/// so nothing erased stays in its files. Returns how many were erased (an
/// item already gone writes a `not_found` row instead).
pub fn erase(
    store: &dyn Store,
    key: &ChainKey,
    actor: &Actor,
    plan: &Plan,
    approvers: &(String, String),
) -> StoreResult<usize> {
    let mut erased = 0;
    for batch in plan.items.chunks(BATCH) {
        let now = OffsetDateTime::now_utc();
        let items = batch
            .iter()
            .filter_map(|item| {
                let change = change_of(item)?;
                let detail = Detail::Erased {
                    kind: item.kind.as_str(),
                    id: item.id.clone(),
                    rule: item.rule.clone(),
                    approvers: approvers.clone(),
                };
                let mut row = actor.entry(now, Event::ok(Action::RetentionErase).with(detail));
                row.subjects = subject_of(item).into_iter().collect();
                Some(Item::new(vec![change], move |effect| {
                    let mut row = row;
                    if !effect.kept() {
                        row.outcome = Outcome::NotFound;
                    }
                    vec![row]
                }))
            })
            .collect();
        let committed = store.commit_erasure(key, now, items)?;
        erased += committed.iter().filter(|c| c.effect.kept()).count();
    }
    let done = Detail::RetentionDone {
        hash: plan.hash.clone(),
        erased,
    };
    store.append_audit(
        key,
        &[actor.entry(
            OffsetDateTime::now_utc(),
            Event::ok(Action::RetentionRun).with(done),
        )],
    )?;
    store.compact_after_erasure()?;
    Ok(erased)
}

/// When the day's plan is made: 05:00 in the office's calendar, before the
/// office opens, on the day after `now`'s (or `now`'s own, if still to come).
pub fn next_plan_at(zone: &OfficeTimeZone, now: OffsetDateTime) -> OffsetDateTime {
    let at = |day: Date| {
        zone.day_start(day)
            .map(|start| start + time::Duration::hours(5))
    };
    let today = zone.local_date(now).unwrap_or(now.date());
    match at(today) {
        Some(t) if t > now => t,
        _ => today
            .next_day()
            .and_then(at)
            .unwrap_or(now + time::Duration::days(1)),
    }
}

/// The row recording a refused run or approval of the plan `hash`.
pub fn refusal(
    actor: &Actor,
    action: Action,
    reason: Reason,
    hash: &str,
) -> crate::store::AuditEntry {
    actor.entry(
        OffsetDateTime::now_utc(),
        Event::new(
            action,
            Outcome::Denied,
            Detail::RetentionRefused {
                reason,
                hash: hash.to_owned(),
            },
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(user: &str, role: Role) -> RetentionApprovalRow {
        RetentionApprovalRow {
            hash: "h".into(),
            user_id: user.into(),
            role: role.as_str().into(),
            at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn two_different_people_of_the_two_roles_carry_a_plan() {
        assert_eq!(approvers(&[]), None);
        assert_eq!(
            approvers(&[approval("joho01", Role::ItOfficer)]),
            None,
            "one approval is not two"
        );
        assert_eq!(
            approvers(&[
                approval("joho01", Role::ItOfficer),
                approval("joho02", Role::ItOfficer)
            ]),
            None,
            "two IT officers are not a supervisor"
        );
        assert_eq!(
            approvers(&[
                approval("joho01", Role::ItOfficer),
                approval("shunin01", Role::Supervisor)
            ]),
            Some(("joho01".into(), "shunin01".into()))
        );
        assert_eq!(
            awaiting(&[approval("shunin01", Role::Supervisor)]),
            [Role::ItOfficer]
        );
    }

    #[test]
    fn record_ids_read_back_into_their_parts() {
        let item = PlanItem {
            kind: Kind::TaxRecord,
            id: "9000000001/juminzei_shinkoku/3".into(),
            rule: "tax_record_7y".into(),
            reason: String::new(),
            due: Date::MIN,
        };
        assert!(matches!(
            change_of(&item),
            Some(Change::EraseTaxRecord { person, form, version: 3 })
                if person == "9000000001" && form == "juminzei_shinkoku"
        ));
    }

    #[test]
    fn the_plan_is_made_before_the_office_opens() {
        use time::macros::datetime;
        let tokyo = OfficeTimeZone::default();
        // 09:00 in Tokyo: the next plan is tomorrow's, at 05:00 (20:00 UTC).
        assert_eq!(
            next_plan_at(&tokyo, datetime!(2026-11-23 00:00 UTC)),
            datetime!(2026-11-23 20:00 UTC)
        );
        // 03:00 in Tokyo: today's is still to come.
        assert_eq!(
            next_plan_at(&tokyo, datetime!(2026-11-22 18:00 UTC)),
            datetime!(2026-11-22 20:00 UTC)
        );
    }

    #[test]
    fn cut_offs_take_in_a_day_more_than_due() {
        let day = time::macros::date!(2026 - 03 - 01);
        assert_eq!(
            back(Period::Years(5), day),
            time::macros::date!(2021 - 03 - 02)
        );
        assert_eq!(
            back(Period::Days(30), day),
            time::macros::date!(2026 - 01 - 31)
        );
    }
}
