use std::collections::BTreeMap;

use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::domain::entry::checks::tests::declaration_typed;
use crate::domain::entry::forms::{form, tax_year};
use crate::secret::KeyedValue;

const T0: OffsetDateTime = datetime!(2026-02-16 09:00 UTC);

fn rules(double: &DoubleKeying) -> FormRules<'_> {
    let schema = form("juminzei_shinkoku").unwrap();
    FormRules {
        schema,
        year: tax_year(schema.income_year).unwrap(),
        double,
    }
}

fn header() -> Header {
    Header {
        form: "juminzei_shinkoku".into(),
        person: "1000000001".into(),
        paper: "2026-02-16/001/003".into(),
        identity: None,
    }
}

fn secret(typed: BTreeMap<String, String>) -> BTreeMap<String, KeyedValue> {
    typed
        .into_iter()
        .map(|(k, v)| (k, KeyedValue::new(v)))
        .collect()
}

fn submission(typed: BTreeMap<String, String>) -> Submission {
    Submission {
        typed: secret(typed),
        reasons: BTreeMap::new(),
        claimed_elsewhere: Default::default(),
    }
}

/// The double-keyed part of the consistent declaration, as a second clerk
/// keys it from the paper.
fn second_typed(rules: FormRules<'_>, from: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    from.iter()
        .filter(|(k, _)| {
            FieldPath::parse(k)
                .and_then(|p| rules.schema.field(&p))
                .is_some_and(|f| rules.double.applies(f))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn first_done(rules: FormRules<'_>) -> Entry {
    let step = Entry::start(header(), "kazei01", T0);
    step.entry
        .submit_first(rules, "kazei01", &submission(declaration_typed()), T0)
        .unwrap()
        .entry
}

#[test]
fn equal_keyings_commit_with_both_clerks_named() {
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let entry = first_done(rules);
    assert_eq!(entry.state_name(), "awaiting_second");
    let entry = entry.start_second("kazei02", T0).unwrap().entry;
    let step = entry
        .submit_second(
            rules,
            "kazei02",
            &second_typed(rules, &declaration_typed()),
            T0,
        )
        .unwrap();
    assert_eq!(
        step.events,
        vec![
            EntryEvent::SecondSubmitted { differing: 0 },
            EntryEvent::Committed { decided: 0 }
        ]
    );
    let Entry::Committed(c) = step.entry else {
        panic!("{:?}", step.entry.state_name())
    };
    assert_eq!(
        (c.first_by.as_str(), c.second_by.as_deref()),
        ("kazei01", Some("kazei02"))
    );
    assert!(step.slips.is_empty());
}

#[test]
fn the_first_keyer_can_never_key_the_second_time() {
    let double = DoubleKeying::default();
    let entry = first_done(rules(&double));
    assert_eq!(
        entry.start_second("kazei01", T0).unwrap_err(),
        EntryError::SecondKeyingNeedsDifferentClerk
    );
}

#[test]
fn differing_fields_are_named_without_values_then_rekeyed_or_decided() {
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let entry = first_done(rules).start_second("kazei02", T0).unwrap().entry;
    let mut typed = second_typed(rules, &declaration_typed());
    typed.insert("revenue.salary".into(), "5,000,600".into());
    typed.insert("deductions.social_insurance".into(), "702,000".into());
    let step = entry.submit_second(rules, "kazei02", &typed, T0).unwrap();
    let Entry::Rekeying(r) = &step.entry else {
        panic!()
    };
    let named: Vec<String> = r.fields.iter().map(ToString::to_string).collect();
    assert_eq!(named, ["deductions.social_insurance", "revenue.salary"]);
    assert_eq!(r.by, Keyer::Second);

    // Only the fields asked may be keyed again.
    let stray: BTreeMap<String, String> = [("income.total".to_owned(), "1".to_owned())].into();
    assert!(matches!(
        step.entry.rekey(rules, "kazei02", &stray, T0),
        Err(EntryError::Fields(_))
    ));
    assert_eq!(
        step.entry
            .rekey(rules, "kazei03", &BTreeMap::<String, String>::new(), T0)
            .unwrap_err(),
        EntryError::NotYourKeying
    );

    // The salary is now keyed as the first clerk did; the social
    // insurance again as before: that one goes to a supervisor.
    let again: BTreeMap<String, String> = [
        ("revenue.salary".to_owned(), "5000000".to_owned()),
        (
            "deductions.social_insurance".to_owned(),
            "702,000".to_owned(),
        ),
    ]
    .into();
    let step = step.entry.rekey(rules, "kazei02", &again, T0).unwrap();
    assert_eq!(step.slips.len(), 1);
    assert_eq!(step.slips[0].field, FieldPath::new("revenue", "salary"));
    assert_eq!(step.slips[0].keyer, Keyer::Second);
    let Entry::Adjudication(a) = &step.entry else {
        panic!("{}", step.entry.state_name())
    };
    assert_eq!(a.fields.len(), 1);
    let field = FieldPath::new("deductions", "social_insurance");
    assert_eq!(a.first.keying.get(&field), Some("720000"));
    assert_eq!(a.second.keying.get(&field), Some("702000"));

    // Neither keyer decides; a decision needs a reason.
    let keep_first: BTreeMap<FieldPath, Decision> =
        [(field.clone(), Decision::Keep(Keyer::First))].into();
    for keyer in ["kazei01", "kazei02"] {
        assert_eq!(
            step.entry
                .decide(rules, keyer, &keep_first, "paper says 720,000", T0)
                .unwrap_err(),
            EntryError::DeciderKeyedEntry
        );
    }
    assert_eq!(
        step.entry
            .decide(rules, "kazei-sv", &keep_first, " ", T0)
            .unwrap_err(),
        EntryError::ReasonRequired
    );
    let decided = step
        .entry
        .decide(rules, "kazei-sv", &keep_first, "paper says 720,000", T0)
        .unwrap();
    let Entry::Committed(c) = &decided.entry else {
        panic!("{}", decided.entry.state_name())
    };
    assert_eq!(c.decided.get(&field).map(String::as_str), Some("kazei-sv"));
    assert_eq!(c.record.get(&field), Some("720000"));
    assert_eq!(decided.slips[0].keyer, Keyer::Second);
}

#[test]
fn a_field_returned_to_the_first_keyer_is_keyed_again_by_them() {
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let entry = first_done(rules).start_second("kazei02", T0).unwrap().entry;
    let mut typed = second_typed(rules, &declaration_typed());
    typed.insert("deductions.life_insurance".into(), "7,000".into());
    let step = entry.submit_second(rules, "kazei02", &typed, T0).unwrap();
    let again: BTreeMap<String, String> =
        [("deductions.life_insurance".to_owned(), "7000".to_owned())].into();
    let step = step.entry.rekey(rules, "kazei02", &again, T0).unwrap();
    let field = FieldPath::new("deductions", "life_insurance");
    let back: BTreeMap<FieldPath, Decision> =
        [(field.clone(), Decision::Return(Keyer::First))].into();
    let step = step
        .entry
        .decide(rules, "kazei-sv", &back, "ask the first keyer", T0)
        .unwrap();
    let Entry::Rekeying(r) = &step.entry else {
        panic!()
    };
    assert_eq!(r.by, Keyer::First);
    // The first keyer agrees with the second now: their value was the slip.
    // The record then fails its checks? No: 7,000 is within the cap.
    let step = step.entry.rekey(rules, "kazei01", &again, T0).unwrap();
    assert_eq!(
        step.slips,
        vec![Slip {
            field: field.clone(),
            keyer: Keyer::First,
            by: "kazei01".into()
        }]
    );
    let Entry::Committed(c) = &step.entry else {
        panic!("{}", step.entry.state_name())
    };
    assert_eq!(c.record.get(&field), Some("7000"));
}

#[test]
fn errors_block_a_first_submit_and_warnings_need_a_reason() {
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let entry = Entry::start(header(), "kazei01", T0).entry;
    let mut typed = declaration_typed();
    typed.insert("income.salary".into(), "3,650,000".into());
    assert!(matches!(
        entry.submit_first(rules, "kazei01", &submission(typed), T0),
        Err(EntryError::Checks(f)) if f[0].code == "salary_income"
    ));
    let mut typed = declaration_typed();
    typed.insert("taxpayer.jan1_address".into(), "東京都千代田区1-1".into());
    let Err(EntryError::WarningsNeedReasons(w)) =
        entry.submit_first(rules, "kazei01", &submission(typed.clone()), T0)
    else {
        panic!()
    };
    let mut with_reason = submission(typed);
    with_reason
        .reasons
        .insert(w[0].key(), "moved in on 2025-03-01".into());
    let step = entry
        .submit_first(rules, "kazei01", &with_reason, T0)
        .unwrap();
    let Entry::AwaitingSecond(s) = &step.entry else {
        panic!()
    };
    assert_eq!(s.first.reasons.len(), 1);
    assert_eq!(
        entry
            .submit_first(rules, "kazei02", &with_reason, T0)
            .unwrap_err(),
        EntryError::NotYourKeying
    );
}

#[test]
fn an_unknown_field_is_refused_not_ignored() {
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let entry = Entry::start(header(), "kazei01", T0).entry;
    let mut typed = declaration_typed();
    typed.insert("taxpayer.religion".into(), "x".into());
    let Err(EntryError::Fields(errors)) =
        entry.submit_first(rules, "kazei01", &submission(typed), T0)
    else {
        panic!()
    };
    assert_eq!(errors[0].code(), "unknown_field");
    assert_eq!(errors[0].path(), "taxpayer.religion");
}

#[test]
fn a_form_with_nothing_double_keyed_commits_on_the_first_submit() {
    let double = DoubleKeying {
        kinds: Default::default(),
    };
    let rules = rules(&double);
    let step = Entry::start(header(), "kazei01", T0)
        .entry
        .submit_first(rules, "kazei01", &submission(declaration_typed()), T0)
        .unwrap();
    let Entry::Committed(c) = step.entry else {
        panic!()
    };
    assert_eq!(c.second_by, None);
}

// ---- random sequences ------------------------------------------------------

const STAFF: [&str; 4] = ["kazei01", "kazei02", "kazei03", "kazei-sv"];

#[derive(Debug, Clone)]
enum Act {
    SaveDraft(usize),
    SubmitFirst(usize, bool),
    StartSecond(usize),
    Release(usize),
    SubmitSecond(usize, Vec<bool>),
    Rekey(usize, Vec<bool>),
    Decide(usize, Vec<u8>),
    Discard(usize),
}

fn act() -> impl Strategy<Value = Act> {
    let who = 0..STAFF.len();
    prop_oneof![
        who.clone().prop_map(Act::SaveDraft),
        (who.clone(), any::<bool>()).prop_map(|(w, b)| Act::SubmitFirst(w, b)),
        who.clone().prop_map(Act::StartSecond),
        who.clone().prop_map(Act::Release),
        (who.clone(), prop::collection::vec(any::<bool>(), 3))
            .prop_map(|(w, s)| Act::SubmitSecond(w, s)),
        (who.clone(), prop::collection::vec(any::<bool>(), 3)).prop_map(|(w, s)| Act::Rekey(w, s)),
        (who.clone(), prop::collection::vec(0u8..4, 3)).prop_map(|(w, d)| Act::Decide(w, d)),
        who.prop_map(Act::Discard),
    ]
}

/// Three amounts a keyer may slip on, with a right and a wrong value.
const SLIPPABLE: [(&str, &str, &str); 3] = [
    ("deductions.social_insurance", "720,000", "702,000"),
    ("deductions.life_insurance", "70,000", "7,000"),
    ("spouse.income", "0", "10,000"),
];

fn typed_with(slips: &[bool], base: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut typed = base;
    for ((field, right, wrong), slip) in SLIPPABLE.iter().zip(slips) {
        if typed.contains_key(*field) {
            typed.insert(
                (*field).to_owned(),
                if *slip { wrong } else { right }.to_string(),
            );
        }
    }
    typed
}

fn apply(entry: &Entry, rules: FormRules<'_>, act: &Act) -> Result<Step, EntryError> {
    match act {
        Act::SaveDraft(w) => entry.save_draft(STAFF[*w], secret(declaration_typed())),
        Act::SubmitFirst(w, slip) => {
            let typed = typed_with(&[*slip, false, false], declaration_typed());
            entry.submit_first(rules, STAFF[*w], &submission(typed), T0)
        }
        Act::StartSecond(w) => entry.start_second(STAFF[*w], T0),
        Act::Release(w) => entry.release_second(STAFF[*w], *w == 3),
        Act::SubmitSecond(w, slips) => {
            let typed = typed_with(slips, second_typed(rules, &declaration_typed()));
            entry.submit_second(rules, STAFF[*w], &typed, T0)
        }
        Act::Rekey(w, slips) => {
            let Entry::Rekeying(r) = entry else {
                return entry.rekey(rules, STAFF[*w], &BTreeMap::<String, String>::new(), T0);
            };
            let asked: BTreeMap<String, String> = SLIPPABLE
                .iter()
                .zip(slips)
                .filter(|((f, _, _), _)| r.fields.iter().any(|p| p.to_string() == *f))
                .map(|((f, right, wrong), slip)| {
                    (
                        (*f).to_owned(),
                        if *slip { wrong } else { right }.to_string(),
                    )
                })
                .collect();
            entry.rekey(rules, STAFF[*w], &asked, T0)
        }
        Act::Decide(w, choices) => {
            let Entry::Adjudication(a) = entry else {
                return entry.decide(rules, STAFF[*w], &BTreeMap::new(), "r", T0);
            };
            let decisions = a
                .fields
                .iter()
                .zip(choices.iter().cycle())
                .map(|(f, c)| {
                    let d = match c {
                        0 => Decision::Keep(Keyer::First),
                        1 => Decision::Keep(Keyer::Second),
                        2 => Decision::Return(Keyer::First),
                        _ => Decision::Return(Keyer::Second),
                    };
                    (f.clone(), d)
                })
                .collect();
            entry.decide(rules, STAFF[*w], &decisions, "checked the paper", T0)
        }
        Act::Discard(w) => entry.discard(STAFF[*w], *w == 3, "duplicate form", T0),
    }
}

fn keyers(entry: &Entry) -> Option<(&str, &str)> {
    match entry {
        Entry::SecondKeying(s) => Some((&s.first.by, &s.by)),
        Entry::Rekeying(s) => Some((&s.first.by, &s.second.by)),
        Entry::Adjudication(s) => Some((&s.first.by, &s.second.by)),
        Entry::Committed(c) => c.second_by.as_deref().map(|s| (c.first_by.as_str(), s)),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Random actions by random staff: a refused step changes nothing; an
    /// applied one has its event; nobody keys twice or decides what they
    /// keyed; nothing commits without two agreeing keyings or a decision;
    /// an entry never vanishes (only an explicit discard ends it unsent).
    #[test]
    fn no_sequence_of_actions_breaks_the_entry_rules(acts in prop::collection::vec(act(), 1..40)) {
        let double = DoubleKeying::default();
        let rules = rules(&double);
        let mut entry = Entry::start(header(), STAFF[0], T0).entry;
        // The last values each keyer gave for each slippable field.
        for act in &acts {
            let before = entry.clone();
            match apply(&entry, rules, act) {
                Err(_) => prop_assert_eq!(&entry, &before),
                Ok(step) => {
                    prop_assert!(!step.events.is_empty(), "{:?} gave no event", act);
                    if let (Some((a, b)), Some(next)) = (keyers(&step.entry), Some(&step.entry)) {
                        prop_assert_ne!(a, b, "{}", next.state_name());
                    }
                    if let Entry::Committed(c) = &step.entry {
                        let committed = step.events.iter().any(|e| matches!(e, EntryEvent::Committed { .. }));
                        prop_assert!(committed, "no commit event");
                        for p in c.record.paths() {
                            if let Some(spec) = rules.schema.field(p) && rules.double.applies(spec) {
                                let agreed = match &before {
                                    Entry::SecondKeying(s) => s.first.keying.get(p) == c.record.get(p),
                                    Entry::Rekeying(r) => r.second.keying.get(p) == r.first.keying.get(p)
                                        || r.fields.contains(p) || r.decided.contains_key(p),
                                    Entry::Adjudication(a) => a.second.keying.get(p) == a.first.keying.get(p)
                                        || a.fields.contains(p),
                                    _ => false,
                                };
                                prop_assert!(agreed || c.decided.contains_key(p), "{} committed unchecked", p);
                            }
                        }
                        for decider in c.decided.values() {
                            prop_assert_ne!(decider.as_str(), c.first_by.as_str());
                            prop_assert_ne!(Some(decider.as_str()), c.second_by.as_deref());
                        }
                        // Committed holds what the checks pass.
                        let found = checks::run(rules.schema, rules.year, &c.record);
                        prop_assert!(found.iter().all(|f| f.severity == Severity::Warning));
                    }
                    if let Entry::Discarded(d) = &step.entry {
                        prop_assert!(matches!(act, Act::Discard(_)));
                        prop_assert!(!d.reason.is_empty());
                    }
                    prop_assert_eq!(step.entry.header(), before.header());
                    entry = step.entry;
                }
            }
        }
    }
}

/// The random sequences above reach every state, so their checks are not
/// passing vacuously; and every state reached survives being stored.
#[test]
fn random_sequences_reach_every_state() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let double = DoubleKeying::default();
    let rules = rules(&double);
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..2000 {
        let acts = prop::collection::vec(act(), 1..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut entry = Entry::start(header(), STAFF[0], T0).entry;
        for act in &acts {
            if let Ok(step) = apply(&entry, rules, act) {
                entry = step.entry;
                seen.insert(entry.state_name());
                // Every state is stored as JSON and read back unchanged.
                let stored = serde_json::to_string(&entry).unwrap();
                assert_eq!(serde_json::from_str::<Entry>(&stored).unwrap(), entry);
            }
        }
    }
    let all = [
        "first_keying",
        "awaiting_second",
        "second_keying",
        "rekeying",
        "adjudication",
        "committed",
        "discarded",
    ];
    for state in all {
        assert!(seen.contains(state), "{state} never reached: {seen:?}");
    }
}

#[test]
fn an_identity_difference_blocks_the_submit_until_a_supervisor_settles_it() {
    use crate::domain::entry::identity::{
        Basic4Field, IdDocument, IdentityCheck, Intake, NumberDocument,
    };
    let double = DoubleKeying::default();
    let rules = rules(&double);
    let mut h = header();
    h.identity = Some(IdentityCheck {
        intake: Intake::Counter {
            documents: vec![IdDocument::DriversLicence],
            number_document: NumberDocument::NotificationCard,
        },
        differences: vec![Basic4Field::Address],
        settled_by: None,
        settled_reason: None,
    });
    let entry = Entry::start(h, "kazei01", T0).entry;
    let typed = submission(declaration_typed());
    assert_eq!(
        entry
            .submit_first(rules, "kazei01", &typed, T0)
            .unwrap_err(),
        EntryError::IdentityUnsettled
    );
    assert_eq!(
        entry.settle_identity("kazei01", "seen").unwrap_err(),
        EntryError::DeciderKeyedEntry
    );
    assert_eq!(
        entry.settle_identity("kazei-sv", " ").unwrap_err(),
        EntryError::ReasonRequired
    );
    let settled = entry
        .settle_identity("kazei-sv", "moved on 2026-01-10: 転入届 seen")
        .unwrap();
    assert_eq!(
        settled.events,
        vec![EntryEvent::IdentitySettled { differences: 1 }]
    );
    assert_eq!(
        settled
            .entry
            .settle_identity("kazei-sv", "again")
            .unwrap_err(),
        EntryError::NothingToSettle
    );
    assert!(
        settled
            .entry
            .submit_first(rules, "kazei01", &typed, T0)
            .is_ok()
    );
}
