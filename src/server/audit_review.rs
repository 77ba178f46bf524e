//! The ready-made analyses of the access log. Each is a grouped count the
//! store computes over time buckets (office days, or the stretches outside
//! business hours), so ten million rows are never read into memory; only
//! the per-user baseline of `volume` is worked out here, over the small
//! per-user, per-day counts. Every finding carries the `/audit/rows` query
//! that pages through its rows.

use std::collections::{BTreeMap, HashMap};

use time::{Duration, OffsetDateTime};

use crate::api::AuditFinding;
use crate::domain::audit_event::{Action, Outcome};
use crate::server::ServerConfig;
use crate::server::actor::UNKNOWN_USER;
use crate::store::chain::format_time;
use crate::store::{AuditFilter, AuditGroup, Bucket, GroupBy, Store, StoreResult};

/// Opening hours, in minutes after the office's local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessHours {
    pub opens: u16,
    pub closes: u16,
}

impl Default for BusinessHours {
    /// 08:30 to 17:15, a municipal office's usual hours.
    fn default() -> Self {
        Self {
            opens: 8 * 60 + 30,
            closes: 17 * 60 + 15,
        }
    }
}

/// The analyses, by the name the route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    AfterHours,
    Volume,
    NoFollowUp,
    SupportMeasure,
    MyNumberReveals,
    Refused,
    SharedTerminals,
}

impl Analysis {
    pub const ALL: [Analysis; 7] = [
        Analysis::AfterHours,
        Analysis::Volume,
        Analysis::NoFollowUp,
        Analysis::SupportMeasure,
        Analysis::MyNumberReveals,
        Analysis::Refused,
        Analysis::SharedTerminals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Analysis::AfterHours => "after_hours",
            Analysis::Volume => "volume",
            Analysis::NoFollowUp => "no_follow_up",
            Analysis::SupportMeasure => "support_measure",
            Analysis::MyNumberReveals => "my_number_reveals",
            Analysis::Refused => "refused",
            Analysis::SharedTerminals => "shared_terminals",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// Reads of resident data whose daily count `volume` compares.
pub const READS: [Action; 4] = [
    Action::Search,
    Action::View,
    Action::Reveal,
    Action::RecordView,
];

/// Work on a person's records that follows a view: keying, corrections,
/// transfers.
pub const WORK: [Action; 14] = [
    Action::EntryStart,
    Action::EntryDraft,
    Action::EntrySubmit,
    Action::EntrySecondStart,
    Action::EntrySecondSubmit,
    Action::EntryRekey,
    Action::EntryDecide,
    Action::EntryCommit,
    Action::EntryIdentity,
    Action::CorrectionPropose,
    Action::CorrectionApprove,
    Action::CorrectionReject,
    Action::TransferPrepare,
    Action::ReverifyResolve,
];

/// A day's count is unusual above mean + `VOLUME_SIGMAS`·sd of the user's
/// own trailing days, and above `VOLUME_FLOOR` (a quiet clerk's 3 views
/// after a usual 1 is not worth an auditor's time).
pub const VOLUME_SIGMAS: f64 = 3.0;
pub const VOLUME_FLOOR: i64 = 20;
/// The trailing baseline: the user's active days among the previous 28,
/// and at least 5 of them before a day is judged.
pub const BASELINE_DAYS: i64 = 28;
pub const BASELINE_MIN_DAYS: usize = 5;
/// A terminal used by this many users in a day is shared.
pub const SHARED_TERMINAL_USERS: i64 = 5;

/// The office's days that meet `[from, to)`, each clipped to it.
pub fn days(config: &ServerConfig, from: OffsetDateTime, to: OffsetDateTime) -> Vec<Bucket> {
    let zone = &config.time_zone;
    let mut out = Vec::new();
    let Some(mut date) = zone.local_date(from) else {
        return out;
    };
    while let Some(start) = zone.day_start(date) {
        if start >= to {
            break;
        }
        let Some(next) = date.next_day() else { break };
        let end = zone.day_start(next).unwrap_or(to);
        if end > from {
            out.push((start.max(from), end.min(to)));
        }
        date = next;
    }
    out
}

/// The stretches of `[from, to)` outside business hours on business days:
/// nights, weekends and holidays run together into one stretch each.
pub fn off_hours(config: &ServerConfig, from: OffsetDateTime, to: OffsetDateTime) -> Vec<Bucket> {
    let zone = &config.time_zone;
    let hours = config.business_hours;
    let mut open: Vec<Bucket> = Vec::new();
    let (Some(first), Some(last)) = (zone.local_date(from), zone.local_date(to)) else {
        return Vec::new();
    };
    let mut date = first;
    while date <= last {
        if config.calendar.is_business_day(date)
            && hours.opens < hours.closes
            && let (Some(s), Some(e)) = (
                zone.at_minute(date, hours.opens),
                zone.at_minute(date, hours.closes),
            )
        {
            open.push((s, e));
        }
        let Some(next) = date.next_day() else { break };
        date = next;
    }
    let mut gaps = Vec::new();
    let mut cursor = from;
    for (s, e) in open {
        if s > cursor && cursor < to {
            gaps.push((cursor, s.min(to)));
        }
        cursor = cursor.max(e);
    }
    if cursor < to {
        gaps.push((cursor, to));
    }
    gaps
}

fn filter_query(pairs: &[(&str, Option<String>)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| Some(((*k).to_string(), v.clone()?)))
        .collect()
}

fn names(actions: &[Action]) -> String {
    actions
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A bucket's times as findings show them: made once per bucket, not
/// once per finding (a year of `no_follow_up` can have 400,000).
struct BucketText {
    from: String,
    to: String,
    shown: String,
}

fn texts(config: &ServerConfig, buckets: &[Bucket]) -> Vec<BucketText> {
    buckets
        .iter()
        .map(|(s, e)| BucketText {
            from: format_time(*s),
            to: format_time(*e),
            shown: config.time_zone.show(*s),
        })
        .collect()
}

/// A finding from a group: its bucket's period, the group's counts.
fn finding(g: &AuditGroup, bucket: &BucketText, description: String) -> AuditFinding {
    AuditFinding {
        description,
        user: None,
        terminal: None,
        person: None,
        reason: None,
        from: bucket.from.clone(),
        to: bucket.to.clone(),
        rows: g.rows,
        users: g.users,
        baseline: None,
        first_seq: g.first_seq,
        last_seq: g.last_seq,
        filter: BTreeMap::new(),
    }
}

impl BucketText {
    /// The `from` and `to` pairs of a finding's filter.
    fn period(&self) -> [(&'static str, Option<String>); 2] {
        [
            ("from", Some(self.from.clone())),
            ("to", Some(self.to.clone())),
        ]
    }
}

/// Runs `analysis` over `[from, to)` within `scope` (a supervisor's
/// department, or everything).
pub fn run(
    store: &dyn Store,
    config: &ServerConfig,
    analysis: Analysis,
    scope: &AuditFilter,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> StoreResult<Vec<AuditFinding>> {
    let show = |at: OffsetDateTime| config.time_zone.show(at);
    let day_groups = |filter: AuditFilter, by: GroupBy| {
        let buckets = days(config, from, to);
        store
            .audit_groups(&filter, &buckets, &by)
            .map(|groups| (texts(config, &buckets), groups))
    };
    let with_period = |pairs: &[(&str, Option<String>)], t: &BucketText| {
        let mut all = pairs.to_vec();
        all.extend(t.period());
        filter_query(&all)
    };
    let mut out = Vec::new();
    match analysis {
        Analysis::AfterHours => {
            let gaps = off_hours(config, from, to);
            let text = texts(config, &gaps);
            for g in store.audit_groups(scope, &gaps, &GroupBy::User)? {
                let (b, t) = (gaps[g.bucket], &text[g.bucket]);
                let user = g.keys[0].clone();
                let mut f = finding(
                    &g,
                    t,
                    format!(
                        "{user}: {} rows outside business hours, {} to {}",
                        g.rows,
                        t.shown,
                        show(b.1)
                    ),
                );
                f.filter = with_period(&[("user", Some(user.clone()))], t);
                f.user = Some(user);
                out.push(f);
            }
        }
        Analysis::Volume => {
            let start = from - Duration::days(BASELINE_DAYS);
            let buckets = days(config, start, to);
            let text = texts(config, &buckets);
            let reads = AuditFilter {
                actions: READS.to_vec(),
                ..scope.clone()
            };
            let groups = store.audit_groups(&reads, &buckets, &GroupBy::User)?;
            let mut by_user: HashMap<&str, Vec<&AuditGroup>> = HashMap::new();
            for g in &groups {
                by_user.entry(g.keys[0].as_str()).or_default().push(g);
            }
            for g in &groups {
                let b = buckets[g.bucket];
                if b.0 < from {
                    continue;
                }
                let earlier: Vec<f64> = by_user[g.keys[0].as_str()]
                    .iter()
                    .filter(|o| {
                        let ob = buckets[o.bucket];
                        ob.0 < b.0 && ob.0 >= b.0 - Duration::days(BASELINE_DAYS)
                    })
                    .map(|o| o.rows as f64)
                    .collect();
                if earlier.len() < BASELINE_MIN_DAYS {
                    continue;
                }
                let n = earlier.len() as f64;
                let mean = earlier.iter().sum::<f64>() / n;
                let sd = (earlier.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
                if (g.rows as f64) <= mean + VOLUME_SIGMAS * sd || g.rows <= VOLUME_FLOOR {
                    continue;
                }
                let t = &text[g.bucket];
                let user = g.keys[0].clone();
                let mut f = finding(
                    g,
                    t,
                    format!(
                        "{user}: {} reads on {}, against a usual {mean:.1} a day",
                        g.rows, t.shown
                    ),
                );
                f.baseline = Some((mean * 10.0).round() / 10.0);
                f.filter = with_period(
                    &[
                        ("user", Some(user.clone())),
                        ("action", Some(names(&READS))),
                    ],
                    t,
                );
                f.user = Some(user);
                out.push(f);
            }
        }
        Analysis::NoFollowUp => {
            let views = AuditFilter {
                actions: vec![Action::View],
                outcomes: vec![Outcome::Ok],
                ..scope.clone()
            };
            let by = GroupBy::UnfollowedPerson {
                work: WORK.to_vec(),
            };
            let (text, groups) = day_groups(views, by)?;
            for g in groups {
                let t = &text[g.bucket];
                let (user, person) = (g.keys[0].clone(), g.keys[1].clone());
                let mut f = finding(
                    &g,
                    t,
                    format!(
                        "{user}: viewed person {person} {} times on {} with no work on their records that day",
                        g.rows, t.shown
                    ),
                );
                f.filter = with_period(
                    &[
                        ("user", Some(user.clone())),
                        ("person", Some(person.clone())),
                        ("action", Some(Action::View.as_str().into())),
                    ],
                    t,
                );
                (f.user, f.person) = (Some(user), Some(person));
                out.push(f);
            }
        }
        Analysis::SupportMeasure | Analysis::MyNumberReveals => {
            let (filter, what, pair) = if analysis == Analysis::SupportMeasure {
                let filter = AuditFilter {
                    sensitive: Some(true),
                    ..scope.clone()
                };
                (
                    filter,
                    "rows touching 支援措置 records",
                    ("sensitive", "true".to_string()),
                )
            } else {
                let filter = AuditFilter {
                    actions: vec![Action::Reveal],
                    ..scope.clone()
                };
                (
                    filter,
                    "My Number reveals (or attempts)",
                    ("action", Action::Reveal.as_str().to_string()),
                )
            };
            let (text, groups) = day_groups(filter, GroupBy::User)?;
            for g in groups {
                let t = &text[g.bucket];
                let user = g.keys[0].clone();
                let mut f = finding(&g, t, format!("{user}: {} {what} on {}", g.rows, t.shown));
                f.filter = with_period(
                    &[("user", Some(user.clone())), (pair.0, Some(pair.1.clone()))],
                    t,
                );
                f.user = Some(user);
                out.push(f);
            }
        }
        Analysis::Refused => {
            let refused = AuditFilter {
                outcomes: vec![Outcome::Denied, Outcome::Failure, Outcome::RateLimited],
                ..scope.clone()
            };
            let bucket = [(from, to)];
            let text = texts(config, &bucket);
            let groups = store.audit_groups(&refused, &bucket, &GroupBy::UserOutcomeDetail)?;
            for g in groups {
                let (user, outcome, reason) =
                    (g.keys[0].clone(), g.keys[1].clone(), g.keys[2].clone());
                let shown = if reason.is_empty() { "-" } else { &reason };
                let mut f = finding(
                    &g,
                    &text[0],
                    format!("{user}: {} refused ({outcome}: {shown})", g.rows),
                );
                f.filter = with_period(
                    &[
                        ("user", Some(user.clone())),
                        ("outcome", Some(outcome)),
                        ("detail", Some(reason.clone())),
                    ],
                    &text[0],
                );
                (f.user, f.reason) = (Some(user), Some(reason));
                out.push(f);
            }
        }
        Analysis::SharedTerminals => {
            let known = AuditFilter {
                not_user: Some(UNKNOWN_USER.into()),
                ..scope.clone()
            };
            let (text, groups) = day_groups(known, GroupBy::Terminal)?;
            for g in groups
                .into_iter()
                .filter(|g| g.users >= SHARED_TERMINAL_USERS)
            {
                let t = &text[g.bucket];
                let terminal = g.keys[0].clone();
                let mut f = finding(
                    &g,
                    t,
                    format!(
                        "terminal {terminal}: used by {} users on {}",
                        g.users, t.shown
                    ),
                );
                f.filter = with_period(&[("terminal", Some(terminal.clone()))], t);
                f.terminal = Some(terminal);
                out.push(f);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn off_hours_are_the_nights_weekend_and_holidays_of_the_office() {
        let mut config = ServerConfig::default();
        config
            .calendar
            .holidays
            .insert(time::macros::date!(2026 - 11 - 24));
        // Monday 2026-11-23 00:00 to Thursday 00:00, Tokyo; Tuesday a holiday.
        let from = datetime!(2026-11-22 15:00 UTC);
        let to = datetime!(2026-11-25 15:00 UTC);
        let gaps = off_hours(&config, from, to);
        assert_eq!(
            gaps,
            [
                (from, datetime!(2026-11-22 23:30 UTC)),
                // Monday 17:15 to Wednesday 08:30: the holiday between.
                (
                    datetime!(2026-11-23 08:15 UTC),
                    datetime!(2026-11-24 23:30 UTC)
                ),
                (datetime!(2026-11-25 08:15 UTC), to),
            ]
        );
        assert_eq!(days(&config, from, to).len(), 3);
        assert_eq!(Analysis::parse("volume"), Some(Analysis::Volume));
        assert_eq!(Analysis::parse("everything"), None);
    }
}
