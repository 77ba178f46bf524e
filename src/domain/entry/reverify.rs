//! The next-day re-verification list (後日に抜き出して再確認): each business
//! day, the previous business days' commits that are error-prone by the
//! office's rules, plus a random sample, each assigned to a clerk who did
//! not key, verify or decide it.

use std::collections::BTreeSet;

use time::{Date, Duration, Weekday};

/// Which days the office works: Monday to Friday but the listed holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub holidays: BTreeSet<Date>,
}

impl Calendar {
    pub fn is_business_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    /// The days whose commits today's list covers: every day after the
    /// business day before `today`, up to yesterday; so Monday's list
    /// covers Friday, Saturday and Sunday, and a list after a holiday
    /// covers the holiday too. Empty when today is not a business day.
    pub fn days_covered(&self, today: Date) -> Vec<Date> {
        if !self.is_business_day(today) {
            return vec![];
        }
        let mut day = today - Duration::days(1);
        let mut days = vec![day];
        // At most a year back: a calendar of nothing but holidays ends.
        for _ in 0..366 {
            if self.is_business_day(day) {
                break;
            }
            day -= Duration::days(1);
            days.push(day);
        }
        days.reverse();
        days
    }
}

/// The office's rules: which commits are error-prone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub warning_overridden: bool,
    pub single_keyed: bool,
    /// Any amount at or above this.
    pub amount_at_least: Option<i64>,
    /// Keyed by someone in their first N days.
    pub new_keyer_days: i64,
    pub supervisor_decided: bool,
    /// The share of all other commits sampled, per thousand.
    pub sample_per_mille: u16,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            warning_overridden: true,
            single_keyed: true,
            amount_at_least: Some(10_000_000),
            new_keyer_days: 30,
            supervisor_decided: true,
            sample_per_mille: 20,
        }
    }
}

/// What the list needs to know of one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitFacts {
    pub entry: String,
    pub committed_on: Date,
    pub first_by: String,
    pub second_by: Option<String>,
    pub deciders: Vec<String>,
    pub warnings_overridden: usize,
    pub largest_amount: i64,
    /// When the first keyer started working on entries.
    pub first_keyer_since: Date,
    /// A draw in 0..1000 the service made when the entry committed: the
    /// sample is random but the list is the same however often it is made.
    pub draw: u16,
}

impl CommitFacts {
    /// Everyone who keyed, verified or decided it.
    pub fn hands(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.first_by.as_str())
            .chain(self.second_by.as_deref())
            .chain(self.deciders.iter().map(String::as_str))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Why {
    WarningOverridden,
    SingleKeyed,
    LargeAmount,
    NewKeyer,
    SupervisorDecided,
    Sample,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Why::WarningOverridden => "warning_overridden",
            Why::SingleKeyed => "single_keyed",
            Why::LargeAmount => "large_amount",
            Why::NewKeyer => "new_keyer",
            Why::SupervisorDecided => "supervisor_decided",
            Why::Sample => "sample",
        }
    }
}

/// Why a commit is on the list; empty when it is not.
pub fn reasons(rules: &Rules, commit: &CommitFacts) -> Vec<Why> {
    let mut why = Vec::new();
    if rules.warning_overridden && commit.warnings_overridden > 0 {
        why.push(Why::WarningOverridden);
    }
    if rules.single_keyed && commit.second_by.is_none() {
        why.push(Why::SingleKeyed);
    }
    if rules
        .amount_at_least
        .is_some_and(|limit| commit.largest_amount >= limit)
    {
        why.push(Why::LargeAmount);
    }
    if commit.committed_on - commit.first_keyer_since < Duration::days(rules.new_keyer_days) {
        why.push(Why::NewKeyer);
    }
    if rules.supervisor_decided && !commit.deciders.is_empty() {
        why.push(Why::SupervisorDecided);
    }
    if why.is_empty() && commit.draw < rules.sample_per_mille {
        why.push(Why::Sample);
    }
    why
}

/// One item of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub entry: String,
    pub why: Vec<Why>,
    pub assigned_to: Option<String>,
    pub due: Date,
}

/// Today's list over the commits of the days covered, each item assigned
/// to the least-loaded clerk who had no hand in it (`None` when there is
/// nobody else: a supervisor sees it unassigned).
pub fn build(
    rules: &Rules,
    calendar: &Calendar,
    today: Date,
    commits: &[CommitFacts],
    clerks: &[String],
) -> Vec<Item> {
    let days: BTreeSet<Date> = calendar.days_covered(today).into_iter().collect();
    let mut load: Vec<(usize, &String)> = clerks.iter().map(|c| (0, c)).collect();
    let mut items = Vec::new();
    for commit in commits.iter().filter(|c| days.contains(&c.committed_on)) {
        let why = reasons(rules, commit);
        if why.is_empty() {
            continue;
        }
        let free = load
            .iter_mut()
            .filter(|(_, clerk)| !commit.hands().any(|h| h == clerk.as_str()))
            .min_by_key(|(n, clerk)| (*n, clerk.as_str()));
        let assigned_to = free.map(|(n, clerk)| {
            *n += 1;
            clerk.clone()
        });
        items.push(Item {
            entry: commit.entry.clone(),
            why,
            assigned_to,
            due: today,
        });
    }
    items
}

/// Whether an open item is overdue on `today`: past its due business day.
pub fn overdue(item: &Item, today: Date) -> bool {
    today > item.due
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn commit(entry: &str, on: Date, first: &str, second: Option<&str>) -> CommitFacts {
        CommitFacts {
            entry: entry.into(),
            committed_on: on,
            first_by: first.into(),
            second_by: second.map(Into::into),
            deciders: vec![],
            warnings_overridden: 0,
            largest_amount: 1_000_000,
            first_keyer_since: date!(2020 - 04 - 01),
            draw: 999,
        }
    }

    #[test]
    fn a_list_covers_every_day_since_the_last_business_day() {
        // 2026-02-11 (Wed) is 建国記念の日.
        let calendar = Calendar {
            holidays: [date!(2026 - 02 - 11)].into(),
        };
        assert_eq!(
            calendar.days_covered(date!(2026 - 02 - 10)),
            vec![date!(2026 - 02 - 09)]
        );
        assert_eq!(
            calendar.days_covered(date!(2026 - 02 - 12)),
            vec![date!(2026 - 02 - 10), date!(2026 - 02 - 11)]
        );
        // Monday covers Friday to Sunday.
        assert_eq!(
            calendar.days_covered(date!(2026 - 02 - 16)),
            vec![
                date!(2026 - 02 - 13),
                date!(2026 - 02 - 14),
                date!(2026 - 02 - 15)
            ]
        );
        assert_eq!(calendar.days_covered(date!(2026 - 02 - 14)), vec![]);
        assert_eq!(calendar.days_covered(date!(2026 - 02 - 11)), vec![]);
    }

    #[test]
    fn error_prone_commits_are_listed_with_their_reasons_and_a_sample_of_the_rest() {
        let rules = Rules::default();
        let day = date!(2026 - 02 - 13);
        let mut warned = commit("e1", day, "kazei01", Some("kazei02"));
        warned.warnings_overridden = 1;
        let single = commit("e2", day, "kazei01", None);
        let mut large = commit("e3", day, "kazei01", Some("kazei02"));
        large.largest_amount = 12_000_000;
        let mut new = commit("e4", day, "kazei03", Some("kazei02"));
        new.first_keyer_since = date!(2026 - 02 - 01);
        let mut decided = commit("e5", day, "kazei01", Some("kazei02"));
        decided.deciders = vec!["kazei-sv".into()];
        let mut sampled = commit("e6", day, "kazei01", Some("kazei02"));
        sampled.draw = 3;
        let plain = commit("e7", day, "kazei01", Some("kazei02"));
        let expected = [
            vec![Why::WarningOverridden],
            vec![Why::SingleKeyed],
            vec![Why::LargeAmount],
            vec![Why::NewKeyer],
            vec![Why::SupervisorDecided],
            vec![Why::Sample],
            vec![],
        ];
        for (c, why) in [warned, single, large, new, decided, sampled, plain]
            .iter()
            .zip(expected)
        {
            assert_eq!(reasons(&rules, c), why, "{}", c.entry);
        }
    }

    #[test]
    fn nobody_reverifies_what_they_keyed_verified_or_decided() {
        let rules = Rules::default();
        let calendar = Calendar::default();
        let day = date!(2026 - 02 - 13);
        let clerks: Vec<String> = ["kazei01", "kazei02", "kazei03"].map(String::from).to_vec();
        let mut commits = Vec::new();
        for i in 0..12 {
            let mut c = commit(
                &format!("e{i}"),
                day,
                clerks[i % 3].as_str(),
                Some(clerks[(i + 1) % 3].as_str()),
            );
            c.warnings_overridden = 1;
            commits.push(c);
        }
        let mut only_two = commit("e-x", day, "kazei01", Some("kazei02"));
        only_two.deciders = vec!["kazei03".into()];
        commits.push(only_two);
        let list = build(&rules, &calendar, date!(2026 - 02 - 16), &commits, &clerks);
        assert_eq!(list.len(), 13);
        for (item, commit) in list.iter().zip(&commits) {
            if let Some(to) = &item.assigned_to {
                assert!(!commit.hands().any(|h| h == to), "{} to {to}", item.entry);
            }
        }
        // Everyone had a hand in the last one: it is left for a supervisor.
        assert_eq!(list[12].assigned_to, None);
        assert!(overdue(&list[0], date!(2026 - 02 - 17)));
        assert!(!overdue(&list[0], date!(2026 - 02 - 16)));
    }
}
