//! What is due for erasure on a day, and the hash two people approve.
//!
//! A plan lists items (kind, internal ID, rule, reason, due date): never a
//! name or a number. Its hash is SHA-256 over a canonical text of the
//! items and the rules they fall under, so an approval is bound to exactly
//! what will be erased: one more item, or a rule changed, is another plan.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Date;

use super::rules::{Kind, Rule, Rules};

/// Something the store holds that a rule may have come due for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    /// One version of a committed record and the tax year it counts under.
    TaxRecord {
        person: String,
        form: String,
        version: i64,
        tax_year: i32,
    },
    /// A resident who left (moved out or died) on `left_on`.
    Person { person: String, left_on: Date },
    /// An entry never committed, last changed on `changed_on`.
    Draft {
        entry: String,
        person: String,
        changed_on: Date,
    },
}

/// One thing to erase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PlanItem {
    pub kind: Kind,
    /// The internal ID: a person number, `person/form/version` for a
    /// record version, an entry's ID.
    pub id: String,
    /// The rule's name (`person_5y`).
    pub rule: String,
    /// Why, in a few words.
    pub reason: String,
    /// The first day it may be erased.
    pub due: Date,
}

/// A rule the plan states but erases nothing under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stated {
    pub rule: String,
    pub basis: String,
    pub note: &'static str,
}

/// The erasure plan of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub today: Date,
    pub items: Vec<PlanItem>,
    /// The rule set, with its bases.
    pub rules: Vec<Rule>,
    pub stated: Vec<Stated>,
    /// Hex SHA-256 of [`Plan::canonical`].
    pub hash: String,
}

impl Plan {
    /// How many items of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.items.iter().filter(|i| i.kind == kind).count()
    }

    /// The text the hash covers: a version line, every rule (name and
    /// basis), then every item (kind, ID, rule, due date), one per line in
    /// the plan's order. Not the day it was made: the same items under the
    /// same rules are the same plan tomorrow.
    pub fn canonical(rules: &[Rule], items: &[PlanItem]) -> String {
        let mut text = String::from("bansho-retention-plan-v1\n");
        for rule in rules {
            text.push_str(&format!("rule\t{}\t{}\n", rule.name(), rule.basis));
        }
        for item in items {
            text.push_str(&format!(
                "item\t{}\t{}\t{}\t{}\n",
                item.kind.as_str(),
                item.id,
                item.rule,
                item.due
            ));
        }
        text
    }
}

/// The tax record item ID.
pub fn record_id(person: &str, form: &str, version: i64) -> String {
    format!("{person}/{form}/{version}")
}

/// The plan of `today` under `rules` from what the store listed. A record
/// or draft of a person who is erased too is not listed on its own: it goes
/// with the person. A record of tax year Y is kept for the rule's years
/// after Y ends; a person for its years after they left; a draft for its
/// days after its last change.
pub fn plan(today: Date, rules: &Rules, candidates: &[Candidate]) -> Plan {
    let due = |rule: &Rule, from: Date| rule.period.after(from);
    // By kind and ID: the store lists each once; if not, the same plan
    // comes of the same candidates in any order (the greatest item stays).
    let mut items: BTreeMap<(Kind, String), PlanItem> = BTreeMap::new();
    let mut keep = |item: PlanItem| {
        let key = (item.kind, item.id.clone());
        match items.get(&key) {
            Some(kept) if *kept >= item => {}
            _ => {
                items.insert(key, item);
            }
        }
    };
    let mut persons = BTreeSet::new();
    for candidate in candidates {
        if let Candidate::Person { person, left_on } = candidate {
            let when = due(&rules.person, *left_on);
            if when <= today {
                persons.insert(person.clone());
                keep(PlanItem {
                    kind: Kind::Person,
                    id: person.clone(),
                    rule: rules.person.name(),
                    reason: format!("left on {left_on}"),
                    due: when,
                });
            }
        }
    }
    for candidate in candidates {
        match candidate {
            Candidate::TaxRecord {
                person,
                form,
                version,
                tax_year,
            } if !persons.contains(person) => {
                let Some(year_end) = Date::from_calendar_date(*tax_year, time::Month::December, 31)
                    .ok()
                    .and_then(Date::next_day)
                else {
                    continue;
                };
                let when = due(&rules.tax_record, year_end);
                if when <= today {
                    keep(PlanItem {
                        kind: Kind::TaxRecord,
                        id: record_id(person, form, *version),
                        rule: rules.tax_record.name(),
                        reason: format!("tax year {tax_year}"),
                        due: when,
                    });
                }
            }
            Candidate::Draft {
                entry,
                person,
                changed_on,
            } if !persons.contains(person) => {
                let when = due(&rules.draft, *changed_on);
                if when <= today {
                    keep(PlanItem {
                        kind: Kind::Draft,
                        id: entry.clone(),
                        rule: rules.draft.name(),
                        reason: format!("not committed, last changed on {changed_on}"),
                        due: when,
                    });
                }
            }
            _ => {}
        }
    }
    let mut items: Vec<PlanItem> = items.into_values().collect();
    items.sort();
    let rules_list: Vec<Rule> = rules.all().into_iter().cloned().collect();
    let hash = hex_sha256(&Plan::canonical(&rules_list, &items));
    Plan {
        today,
        items,
        stated: vec![
            Stated {
                rule: rules.transient.name(),
                basis: rules.transient.basis.clone(),
                note: "the service keeps no transient results: nothing to erase",
            },
            Stated {
                rule: rules.access_log.name(),
                basis: rules.access_log.basis.clone(),
                note: "kept, archived by procedure: the chain and its checkpoints depend on every row",
            },
        ],
        rules: rules_list,
        hash,
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::retention::rules::Period;
    use proptest::prelude::*;
    use time::macros::date;

    fn person(id: &str, left_on: Date) -> Candidate {
        Candidate::Person {
            person: id.into(),
            left_on,
        }
    }

    fn record(person: &str, version: i64, tax_year: i32) -> Candidate {
        Candidate::TaxRecord {
            person: person.into(),
            form: "juminzei_shinkoku".into(),
            version,
            tax_year,
        }
    }

    #[test]
    fn only_what_is_due_is_listed() {
        let rules = Rules::default();
        let today = date!(2026 - 06 - 01);
        let plan = plan(
            today,
            &rules,
            &[
                person("000000000001", date!(2021 - 06 - 01)),
                person("000000000002", date!(2021 - 06 - 02)),
                record("000000000003", 1, 2018),
                record("000000000003", 2, 2019),
                Candidate::Draft {
                    entry: "e1".into(),
                    person: "000000000003".into(),
                    changed_on: date!(2026 - 05 - 02),
                },
                Candidate::Draft {
                    entry: "e2".into(),
                    person: "000000000003".into(),
                    changed_on: date!(2026 - 05 - 03),
                },
            ],
        );
        let ids: Vec<&str> = plan.items.iter().map(|i| i.id.as_str()).collect();
        // 2018 ends 2019-01-01 + 7 years = 2026-01-01; 2019's is 2027.
        assert_eq!(
            ids,
            ["000000000003/juminzei_shinkoku/1", "000000000001", "e1"]
        );
        assert_eq!(plan.count(Kind::Person), 1);
        assert_eq!(plan.items[1].due, date!(2026 - 06 - 01));
        assert_eq!(plan.items[1].rule, "person_5y");
    }

    #[test]
    fn what_hangs_on_an_erased_person_goes_with_them() {
        let rules = Rules::default();
        let plan = plan(
            date!(2040 - 01 - 01),
            &rules,
            &[
                person("000000000001", date!(2020 - 01 - 01)),
                record("000000000001", 1, 2019),
            ],
        );
        assert_eq!(plan.items.len(), 1);
        assert_eq!(plan.items[0].kind, Kind::Person);
    }

    #[test]
    fn the_access_log_and_transient_results_are_stated_not_erased() {
        let plan = plan(date!(2026 - 01 - 01), &Rules::default(), &[]);
        assert!(plan.items.is_empty());
        let stated: Vec<&str> = plan.stated.iter().map(|s| s.rule.as_str()).collect();
        assert_eq!(stated, ["transient_7d", "access_log_10y"]);
        assert_eq!(plan.hash.len(), 64);
    }

    #[test]
    fn a_rule_change_is_another_plan() {
        let candidates = [person("000000000001", date!(2010 - 01 - 01))];
        let today = date!(2026 - 01 - 01);
        let mut rules = Rules::default();
        let first = plan(today, &rules, &candidates);
        rules.person.basis.push('。');
        assert_ne!(first.hash, plan(today, &rules, &candidates).hash);
        rules = Rules::default();
        rules.person.period = Period::Years(6);
        let other = plan(today, &rules, &candidates);
        assert_eq!(other.items.len(), 1);
        assert_ne!(first.hash, other.hash);
    }

    fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
        let day = (0i32..20_000).prop_map(|n| {
            date!(1990 - 01 - 01)
                .checked_add(time::Duration::days(i64::from(n)))
                .unwrap_or(Date::MIN)
        });
        let one = prop_oneof![
            (0u8..20, day.clone()).prop_map(|(p, d)| person(&format!("{p:012}"), d)),
            (0u8..20, 1i64..4, 1990i32..2040).prop_map(|(p, v, y)| record(
                &format!("{p:012}"),
                v,
                y
            )),
            (0u8..20, 0u8..20, day).prop_map(|(e, p, d)| Candidate::Draft {
                entry: format!("e{e}"),
                person: format!("{p:012}"),
                changed_on: d,
            }),
        ];
        prop::collection::vec(one, 0..40)
    }

    proptest! {
        #[test]
        fn the_hash_is_of_the_items_not_their_order(mut list in candidates(), seed in any::<u64>()) {
            let rules = Rules::default();
            let today = date!(2030 - 01 - 01);
            let first = plan(today, &rules, &list);
            // Any order of the same candidates makes the same plan.
            let len = list.len().max(1);
            list.rotate_left(usize::try_from(seed).unwrap_or(0) % len);
            list.reverse();
            let again = plan(today, &rules, &list);
            prop_assert_eq!(&first.hash, &again.hash);
            prop_assert_eq!(&first.items, &again.items);
            // Nothing listed before it is due, and nothing twice.
            for item in &first.items {
                prop_assert!(item.due <= today);
            }
            let unique: BTreeSet<_> = first.items.iter().map(|i| (i.kind, &i.id)).collect();
            prop_assert_eq!(unique.len(), first.items.len());
        }

        #[test]
        fn one_item_less_is_another_hash(list in candidates()) {
            let rules = Rules::default();
            let today = date!(2030 - 01 - 01);
            let full = plan(today, &rules, &list);
            prop_assume!(!full.items.is_empty());
            let fewer = Plan::canonical(&full.rules, &full.items[1..]);
            prop_assert_ne!(hex_sha256(&fewer), full.hash);
        }
    }
}
