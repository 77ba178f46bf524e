//! One form's entry, from the first keying to a committed record.
//!
//! ```text
//! FirstKeying ──submit──▶ AwaitingSecond ──start──▶ SecondKeying ──submit──┐
//!      │ (nothing double-keyed)                ◀──release──┘               │
//!      └──────────────▶ Committed ◀── agree ────────────────────────────────┤
//!                          ▲                                                 │ differ
//!                          └── agree ── Rekeying ◀──────── return ── Adjudication
//!                                         └──── still differ ──────────▶ ▲
//! ```
//!
//! The second keying is blind: the second clerk keys the double-keyed
//! fields on an empty form and, where they differ, is told only which
//! fields to key again. A field that still differs goes to a supervisor,
//! who sees both values and keeps one, or returns the field to either
//! keyer; a decision needs a reason. The second keyer is never the first,
//! and a supervisor who keyed the entry cannot decide it: by staff ID,
//! for every role. Every transition is a typed event the service records
//! in the same commit as the new state. Transitions take `&self` and
//! return the next state, so a refused step leaves the entry as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

use super::checks::{self, Finding, Severity};
use super::compare::DoubleKeying;
use super::identity::IdentityCheck;
use super::keying::{Keying, KeyingError};
use super::schema::{FieldPath, FormSchema};
use super::tax_year::TaxYear;
use crate::secret::KeyedValue;

/// What an entry is checked against.
#[derive(Debug, Clone, Copy)]
pub struct FormRules<'a> {
    pub schema: &'a FormSchema,
    pub year: &'a TaxYear,
    pub double: &'a DoubleKeying,
}

/// What an entry is of: the form, the person (internal person number) and
/// the paper it was keyed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub form: String,
    pub person: String,
    /// Where the paper is kept (batch and sheet), shown to a supervisor.
    pub paper: String,
    /// The identity check at intake, when one was recorded.
    #[serde(default)]
    pub identity: Option<IdentityCheck>,
}

/// What a clerk sends: the typed text of each field, and a reason for
/// each warning they accept (by [`Finding::key`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    pub typed: BTreeMap<String, KeyedValue>,
    pub reasons: BTreeMap<String, String>,
    /// Fields whose person another taxpayer's committed form claims too
    /// (名寄せ), as the service found: each is a warning needing a reason.
    pub claimed_elsewhere: BTreeSet<FieldPath>,
}

/// A finished keying and who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyed {
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub keying: Keying,
    /// Reasons given for warnings, by finding key.
    pub reasons: BTreeMap<String, String>,
}

/// Which of the two keyers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyer {
    First,
    Second,
}

/// A supervisor's decision on one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Keep(Keyer),
    /// Key it again, blind, by this keyer.
    Return(Keyer),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstKeying {
    pub header: Header,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// What was typed so far, unchecked: a crash loses at most one field.
    pub draft: BTreeMap<String, KeyedValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingSecond {
    pub header: Header,
    pub first: Keyed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondKeying {
    pub header: Header,
    pub first: Keyed,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rekeying {
    pub header: Header,
    pub first: Keyed,
    pub second: Keyed,
    /// Who keys the fields again.
    pub by: Keyer,
    pub fields: BTreeSet<FieldPath>,
    /// Fields a supervisor already decided, and who.
    pub decided: BTreeMap<FieldPath, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjudication {
    pub header: Header,
    pub first: Keyed,
    pub second: Keyed,
    /// The fields to decide: they differ, or a check of the agreed record
    /// failed on them.
    pub fields: BTreeSet<FieldPath>,
    pub decided: BTreeMap<FieldPath, String>,
}

impl Adjudication {
    /// The checks the agreed record fails (the first keying is the record
    /// once the keyings agree): shown to the supervisor beside the fields.
    pub fn findings(&self, rules: FormRules<'_>) -> Vec<Finding> {
        checks::run(rules.schema, rules.year, &self.first.keying)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    pub header: Header,
    pub record: Keying,
    pub reasons: BTreeMap<String, String>,
    pub first_by: String,
    /// `None` when nothing on the form is double-keyed.
    pub second_by: Option<String>,
    /// Fields a supervisor decided, and who.
    pub decided: BTreeMap<FieldPath, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discarded {
    pub header: Header,
    pub by: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An entry in one of its states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Entry {
    FirstKeying(FirstKeying),
    AwaitingSecond(AwaitingSecond),
    SecondKeying(SecondKeying),
    Rekeying(Rekeying),
    Adjudication(Adjudication),
    Committed(Committed),
    Discarded(Discarded),
}

/// Who made a slip, found when a difference was settled: the keyer whose
/// value did not stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slip {
    pub field: FieldPath,
    pub keyer: Keyer,
    pub by: String,
}

/// What a transition did: the access log's row for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryEvent {
    Started,
    DraftSaved {
        fields: usize,
    },
    FirstSubmitted {
        fields: usize,
        warnings: usize,
    },
    SecondStarted,
    SecondReleased,
    SecondSubmitted {
        differing: usize,
    },
    Rekeyed {
        by: Keyer,
        fields: usize,
        still_differing: usize,
    },
    Decided {
        kept: usize,
        returned: usize,
    },
    /// The entry committed: the record is a new version of the person's.
    Committed {
        decided: usize,
    },
    /// The agreed record failed a check and went to a supervisor.
    ChecksFailed {
        findings: usize,
    },
    Discarded,
    /// The identity check at intake recorded, with how many of the 基本4情報
    /// differ.
    IdentityRecorded {
        differences: usize,
    },
    /// A supervisor settled the differences of the identity check.
    IdentitySettled {
        differences: usize,
    },
}

/// The outcome of a transition: the next state, its event, and slips
/// found on the way (for the operators' quality figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub entry: Entry,
    pub events: Vec<EntryEvent>,
    pub slips: Vec<Slip>,
}

impl Step {
    fn to(entry: Entry, event: EntryEvent) -> Step {
        Step {
            entry,
            events: vec![event],
            slips: vec![],
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    #[error("this step is not possible while the entry is {state}")]
    WrongState { state: &'static str },
    #[error("this entry is being keyed by another clerk")]
    NotYourKeying,
    #[error("the second keying must be done by a different clerk")]
    SecondKeyingNeedsDifferentClerk,
    #[error("a supervisor who keyed this entry cannot decide it")]
    DeciderKeyedEntry,
    #[error("the form has {} problem(s) in its fields", .0.len())]
    Fields(Vec<KeyingError>),
    #[error("the form fails {} check(s)", .0.len())]
    Checks(Vec<Finding>),
    #[error("{} warning(s) need a reason", .0.len())]
    WarningsNeedReasons(Vec<Finding>),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("every field to decide needs a decision: {0} left")]
    Undecided(usize),
    #[error("a decision names a field that is not to be decided")]
    NotToDecide,
    #[error("fields can be returned to one keyer at a time")]
    ReturnedToBoth,
    #[error("a field keyed once is the first keyer's to keep or key again")]
    SingleKeyedField,
    #[error(
        "the presented 基本4情報 differ from the registered ones: a supervisor settles that first"
    )]
    IdentityUnsettled,
    #[error("there is no difference of identity to settle")]
    NothingToSettle,
    #[error("the identity check of this entry is recorded already")]
    IdentityRecorded,
}

impl EntryError {
    /// The stable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            EntryError::WrongState { .. } => "entry_wrong_state",
            EntryError::NotYourKeying => "entry_not_yours",
            EntryError::SecondKeyingNeedsDifferentClerk => "second_keying_needs_different_clerk",
            EntryError::DeciderKeyedEntry => "decider_keyed_entry",
            EntryError::Fields(_) => "entry_fields",
            EntryError::Checks(_) => "entry_checks",
            EntryError::WarningsNeedReasons(_) => "warnings_need_reasons",
            EntryError::ReasonRequired => "reason_required",
            EntryError::Undecided(_) => "undecided_fields",
            EntryError::NotToDecide => "not_to_decide",
            EntryError::ReturnedToBoth => "returned_to_both",
            EntryError::SingleKeyedField => "single_keyed_field",
            EntryError::IdentityUnsettled => "identity_unsettled",
            EntryError::NothingToSettle => "nothing_to_settle",
            EntryError::IdentityRecorded => "identity_recorded",
        }
    }
}

fn wrong(entry: &Entry) -> EntryError {
    EntryError::WrongState {
        state: entry.state_name(),
    }
}

/// Field checks, then the form's cross-field checks on the whole record;
/// errors block and each warning needs a reason.
fn checked(
    rules: FormRules<'_>,
    submission: &Submission,
) -> Result<(Keying, BTreeMap<String, String>, usize), EntryError> {
    let keying = Keying::check(rules.schema, &submission.typed).map_err(EntryError::Fields)?;
    let mut findings = checks::run(rules.schema, rules.year, &keying);
    findings.extend(
        submission
            .claimed_elsewhere
            .iter()
            .filter(|p| keying.get(p).is_some())
            .cloned()
            .map(Finding::claimed_elsewhere),
    );
    let (errors, warnings): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.severity == Severity::Error);
    if !errors.is_empty() {
        return Err(EntryError::Checks(errors));
    }
    let unexplained: Vec<Finding> = warnings
        .iter()
        .filter(|w| {
            submission
                .reasons
                .get(&w.key())
                .is_none_or(|r| r.trim().is_empty())
        })
        .cloned()
        .collect();
    if !unexplained.is_empty() {
        return Err(EntryError::WarningsNeedReasons(unexplained));
    }
    // Only reasons for warnings that were given are kept.
    let reasons = warnings
        .iter()
        .filter_map(|w| submission.reasons.get_key_value(&w.key()))
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    Ok((keying, reasons, warnings.len()))
}

/// Only the fields `within` takes, field checks only: a blind (re)keying.
fn checked_within<V: AsRef<str>>(
    rules: FormRules<'_>,
    typed: &BTreeMap<String, V>,
    within: &dyn Fn(&FieldPath) -> bool,
) -> Result<Keying, EntryError> {
    Keying::check_within(rules.schema, typed, within).map_err(EntryError::Fields)
}

impl Entry {
    /// A clerk starts keying a form for a person.
    pub fn start(header: Header, by: &str, at: OffsetDateTime) -> Step {
        Step::to(
            Entry::FirstKeying(FirstKeying {
                header,
                by: by.to_owned(),
                started_at: at,
                draft: BTreeMap::new(),
            }),
            EntryEvent::Started,
        )
    }

    pub fn state_name(&self) -> &'static str {
        match self {
            Entry::FirstKeying(_) => "first_keying",
            Entry::AwaitingSecond(_) => "awaiting_second",
            Entry::SecondKeying(_) => "second_keying",
            Entry::Rekeying(_) => "rekeying",
            Entry::Adjudication(_) => "adjudication",
            Entry::Committed(_) => "committed",
            Entry::Discarded(_) => "discarded",
        }
    }

    pub fn header(&self) -> &Header {
        match self {
            Entry::FirstKeying(s) => &s.header,
            Entry::AwaitingSecond(s) => &s.header,
            Entry::SecondKeying(s) => &s.header,
            Entry::Rekeying(s) => &s.header,
            Entry::Adjudication(s) => &s.header,
            Entry::Committed(s) => &s.header,
            Entry::Discarded(s) => &s.header,
        }
    }

    /// The first keyer saves what they typed so far.
    pub fn save_draft(
        &self,
        by: &str,
        draft: BTreeMap<String, KeyedValue>,
    ) -> Result<Step, EntryError> {
        let Entry::FirstKeying(s) = self else {
            return Err(wrong(self));
        };
        if s.by != by {
            return Err(EntryError::NotYourKeying);
        }
        let fields = draft
            .values()
            .filter(|v| !v.expose().trim().is_empty())
            .count();
        let next = FirstKeying { draft, ..s.clone() };
        Ok(Step::to(
            Entry::FirstKeying(next),
            EntryEvent::DraftSaved { fields },
        ))
    }

    /// The first keyer submits the whole form.
    pub fn submit_first(
        &self,
        rules: FormRules<'_>,
        by: &str,
        submission: &Submission,
        at: OffsetDateTime,
    ) -> Result<Step, EntryError> {
        let Entry::FirstKeying(s) = self else {
            return Err(wrong(self));
        };
        if s.by != by {
            return Err(EntryError::NotYourKeying);
        }
        if s.header.identity.as_ref().is_some_and(|i| !i.clear()) {
            return Err(EntryError::IdentityUnsettled);
        }
        let (keying, reasons, warnings) = checked(rules, submission)?;
        let event = EntryEvent::FirstSubmitted {
            fields: keying.len(),
            warnings,
        };
        let first = Keyed {
            by: by.to_owned(),
            at,
            keying,
            reasons,
        };
        if !rules.double.any(rules.schema) {
            let committed = Committed {
                header: s.header.clone(),
                record: first.keying,
                reasons: first.reasons,
                first_by: first.by,
                second_by: None,
                decided: BTreeMap::new(),
                at,
            };
            return Ok(Step {
                entry: Entry::Committed(committed),
                events: vec![event, EntryEvent::Committed { decided: 0 }],
                slips: vec![],
            });
        }
        let next = AwaitingSecond {
            header: s.header.clone(),
            first,
        };
        Ok(Step::to(Entry::AwaitingSecond(next), event))
    }

    /// A second clerk takes the entry for blind keying.
    pub fn start_second(&self, by: &str, at: OffsetDateTime) -> Result<Step, EntryError> {
        let Entry::AwaitingSecond(s) = self else {
            return Err(wrong(self));
        };
        if s.first.by == by {
            return Err(EntryError::SecondKeyingNeedsDifferentClerk);
        }
        let next = SecondKeying {
            header: s.header.clone(),
            first: s.first.clone(),
            by: by.to_owned(),
            started_at: at,
        };
        Ok(Step::to(
            Entry::SecondKeying(next),
            EntryEvent::SecondStarted,
        ))
    }

    /// The second clerk (or a supervisor who did not key it) gives the
    /// entry back, so another clerk can key it: nobody is left stuck.
    pub fn release_second(&self, by: &str, supervisor: bool) -> Result<Step, EntryError> {
        let Entry::SecondKeying(s) = self else {
            return Err(wrong(self));
        };
        let may = s.by == by || (supervisor && s.first.by != by);
        if !may {
            return Err(EntryError::NotYourKeying);
        }
        let next = AwaitingSecond {
            header: s.header.clone(),
            first: s.first.clone(),
        };
        Ok(Step::to(
            Entry::AwaitingSecond(next),
            EntryEvent::SecondReleased,
        ))
    }

    /// The second clerk submits the double-keyed fields, keyed blind.
    pub fn submit_second<V: AsRef<str>>(
        &self,
        rules: FormRules<'_>,
        by: &str,
        typed: &BTreeMap<String, V>,
        at: OffsetDateTime,
    ) -> Result<Step, EntryError> {
        let Entry::SecondKeying(s) = self else {
            return Err(wrong(self));
        };
        if s.by != by {
            return Err(EntryError::NotYourKeying);
        }
        let double = |p: &FieldPath| {
            rules
                .schema
                .field(p)
                .is_some_and(|f| rules.double.applies(f))
        };
        let keying = checked_within(rules, typed, &double)?;
        let second = Keyed {
            by: by.to_owned(),
            at,
            keying,
            reasons: BTreeMap::new(),
        };
        let differing = rules
            .double
            .differing(rules.schema, &s.first.keying, &second.keying);
        let event = EntryEvent::SecondSubmitted {
            differing: differing.len(),
        };
        if differing.is_empty() {
            let mut step = agreed(
                rules,
                &s.header,
                &s.first,
                &second,
                BTreeMap::new(),
                false,
                at,
            );
            step.events.insert(0, event);
            return Ok(step);
        }
        let next = Rekeying {
            header: s.header.clone(),
            first: s.first.clone(),
            second,
            by: Keyer::Second,
            fields: differing,
            decided: BTreeMap::new(),
        };
        Ok(Step::to(Entry::Rekeying(next), event))
    }

    /// The keyer asked keys the named fields again, blind.
    pub fn rekey<V: AsRef<str>>(
        &self,
        rules: FormRules<'_>,
        by: &str,
        typed: &BTreeMap<String, V>,
        at: OffsetDateTime,
    ) -> Result<Step, EntryError> {
        let Entry::Rekeying(s) = self else {
            return Err(wrong(self));
        };
        let keyer_id = match s.by {
            Keyer::First => &s.first.by,
            Keyer::Second => &s.second.by,
        };
        if keyer_id != by {
            return Err(EntryError::NotYourKeying);
        }
        let asked = |p: &FieldPath| s.fields.contains(p);
        let again = checked_within(rules, typed, &asked)?;
        let (mut first, mut second) = (s.first.clone(), s.second.clone());
        let mut slips = Vec::new();
        for field in &s.fields {
            // The keyer asked was told only that the field differs: when
            // their new value is the other keyer's, their first one was
            // the slip.
            let (own, other) = match s.by {
                Keyer::First => (&mut first, &second),
                Keyer::Second => (&mut second, &first),
            };
            let settled = again.get(field) == other.keying.get(field);
            own.keying = own.keying.take(&again, field);
            if settled {
                slips.push(Slip {
                    field: field.clone(),
                    keyer: s.by,
                    by: by.to_owned(),
                });
            }
        }
        let mut still: BTreeSet<FieldPath> =
            rules
                .double
                .differing(rules.schema, &first.keying, &second.keying);
        still.retain(|f| !s.decided.contains_key(f));
        let event = EntryEvent::Rekeyed {
            by: s.by,
            fields: s.fields.len(),
            still_differing: still.len(),
        };
        let mut step = if still.is_empty() {
            agreed(
                rules,
                &s.header,
                &first,
                &second,
                s.decided.clone(),
                false,
                at,
            )
        } else {
            let next = Adjudication {
                header: s.header.clone(),
                first,
                second,
                fields: still,
                decided: s.decided.clone(),
            };
            Step {
                entry: Entry::Adjudication(next),
                events: vec![],
                slips: vec![],
            }
        };
        step.events.insert(0, event);
        step.slips.extend(slips);
        Ok(step)
    }

    /// A supervisor decides the fields in question: keeps one keyer's
    /// value, or returns the field to a keyer. A reason is required.
    pub fn decide(
        &self,
        rules: FormRules<'_>,
        by: &str,
        decisions: &BTreeMap<FieldPath, Decision>,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<Step, EntryError> {
        let Entry::Adjudication(s) = self else {
            return Err(wrong(self));
        };
        if s.first.by == by || s.second.by == by {
            return Err(EntryError::DeciderKeyedEntry);
        }
        if reason.trim().is_empty() {
            return Err(EntryError::ReasonRequired);
        }
        if decisions.keys().any(|f| !s.fields.contains(f)) {
            return Err(EntryError::NotToDecide);
        }
        let undecided = s
            .fields
            .iter()
            .filter(|f| !decisions.contains_key(*f))
            .count();
        if undecided > 0 {
            return Err(EntryError::Undecided(undecided));
        }
        let returned_to: BTreeSet<Keyer> = decisions
            .values()
            .filter_map(|d| match d {
                Decision::Return(k) => Some(*k),
                Decision::Keep(_) => None,
            })
            .collect();
        if returned_to.len() > 1 {
            return Err(EntryError::ReturnedToBoth);
        }
        // The second keyer keyed only the double-keyed fields: anything
        // else is the first keyer's to stand by or key again.
        let single = |f: &FieldPath| {
            rules
                .schema
                .field(f)
                .is_none_or(|spec| !rules.double.applies(spec))
        };
        let seconds = |d: &Decision| {
            matches!(
                d,
                Decision::Keep(Keyer::Second) | Decision::Return(Keyer::Second)
            )
        };
        if decisions.iter().any(|(f, d)| single(f) && seconds(d)) {
            return Err(EntryError::SingleKeyedField);
        }
        let (mut first, mut second) = (s.first.clone(), s.second.clone());
        let mut decided = s.decided.clone();
        let mut slips = Vec::new();
        let mut returned = BTreeSet::new();
        for (field, decision) in decisions {
            match decision {
                Decision::Keep(Keyer::First) => {
                    if first.keying.get(field) != second.keying.get(field) {
                        slips.push(Slip {
                            field: field.clone(),
                            keyer: Keyer::Second,
                            by: second.by.clone(),
                        });
                    }
                    second.keying = second.keying.take(&first.keying, field);
                    decided.insert(field.clone(), by.to_owned());
                }
                Decision::Keep(Keyer::Second) => {
                    if first.keying.get(field) != second.keying.get(field) {
                        slips.push(Slip {
                            field: field.clone(),
                            keyer: Keyer::First,
                            by: first.by.clone(),
                        });
                    }
                    first.keying = first.keying.take(&second.keying, field);
                    decided.insert(field.clone(), by.to_owned());
                }
                Decision::Return(_) => {
                    returned.insert(field.clone());
                }
            }
        }
        let event = EntryEvent::Decided {
            kept: decisions.len() - returned.len(),
            returned: returned.len(),
        };
        if let Some(&keyer) = returned_to.first() {
            let next = Rekeying {
                header: s.header.clone(),
                first,
                second,
                by: keyer,
                fields: returned,
                decided,
            };
            let mut step = Step::to(Entry::Rekeying(next), event);
            step.slips = slips;
            return Ok(step);
        }
        let mut step = agreed(rules, &s.header, &first, &second, decided, true, at);
        step.events.insert(0, event);
        step.slips.extend(slips);
        Ok(step)
    }

    /// The first keyer records the identity check at intake, once, before
    /// the form is submitted.
    pub fn record_identity(&self, by: &str, check: IdentityCheck) -> Result<Step, EntryError> {
        let Entry::FirstKeying(s) = self else {
            return Err(wrong(self));
        };
        if s.by != by {
            return Err(EntryError::NotYourKeying);
        }
        if s.header.identity.is_some() {
            return Err(EntryError::IdentityRecorded);
        }
        let differences = check.differences.len();
        let mut next = s.clone();
        next.header.identity = Some(check);
        Ok(Step::to(
            Entry::FirstKeying(next),
            EntryEvent::IdentityRecorded { differences },
        ))
    }

    /// A supervisor who is not keying it settles the differences of the
    /// identity check (after looking at the documents), with a reason.
    pub fn settle_identity(&self, by: &str, reason: &str) -> Result<Step, EntryError> {
        let Entry::FirstKeying(s) = self else {
            return Err(wrong(self));
        };
        if s.by == by {
            return Err(EntryError::DeciderKeyedEntry);
        }
        if reason.trim().is_empty() {
            return Err(EntryError::ReasonRequired);
        }
        let Some(check) = s.header.identity.as_ref().filter(|i| !i.clear()) else {
            return Err(EntryError::NothingToSettle);
        };
        let mut next = s.clone();
        let differences = check.differences.len();
        next.header.identity = Some(IdentityCheck {
            settled_by: Some(by.to_owned()),
            settled_reason: Some(reason.trim().to_owned()),
            ..check.clone()
        });
        Ok(Step::to(
            Entry::FirstKeying(next),
            EntryEvent::IdentitySettled { differences },
        ))
    }

    /// The first keyer drops their draft, or a supervisor who keyed
    /// nothing of it discards an entry not yet committed; a reason is
    /// required and the entry stays on record as discarded.
    pub fn discard(
        &self,
        by: &str,
        supervisor: bool,
        reason: &str,
        at: OffsetDateTime,
    ) -> Result<Step, EntryError> {
        let keyers: Vec<&str> = match self {
            Entry::FirstKeying(s) => vec![&s.by],
            Entry::AwaitingSecond(s) => vec![&s.first.by],
            Entry::SecondKeying(s) => vec![&s.first.by, &s.by],
            Entry::Rekeying(s) => vec![&s.first.by, &s.second.by],
            Entry::Adjudication(s) => vec![&s.first.by, &s.second.by],
            Entry::Committed(_) | Entry::Discarded(_) => return Err(wrong(self)),
        };
        let own_draft = matches!(self, Entry::FirstKeying(s) if s.by == by);
        let supervisor_apart = supervisor && !keyers.contains(&by);
        if !(own_draft || supervisor_apart) {
            return Err(if supervisor {
                EntryError::DeciderKeyedEntry
            } else {
                EntryError::NotYourKeying
            });
        }
        if reason.trim().is_empty() {
            return Err(EntryError::ReasonRequired);
        }
        let next = Discarded {
            header: self.header().clone(),
            by: by.to_owned(),
            reason: reason.trim().to_owned(),
            at,
        };
        Ok(Step::to(Entry::Discarded(next), EntryEvent::Discarded))
    }
}

/// Both keyings agree on every double-keyed field: the record is the first
/// keying (the second holds only double-keyed fields). Its checks run
/// again; a failure goes to a supervisor, and so does a new warning unless
/// a supervisor's decision, with its reason, led here.
fn agreed(
    rules: FormRules<'_>,
    header: &Header,
    first: &Keyed,
    second: &Keyed,
    decided: BTreeMap<FieldPath, String>,
    by_supervisor: bool,
    at: OffsetDateTime,
) -> Step {
    let findings = checks::run(rules.schema, rules.year, &first.keying);
    let blocking: Vec<Finding> = findings
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error
                || (!by_supervisor && !first.reasons.contains_key(&f.key()))
        })
        .collect();
    if !blocking.is_empty() {
        let fields = blocking
            .iter()
            .flat_map(|f| f.fields.iter().cloned())
            .collect();
        let event = EntryEvent::ChecksFailed {
            findings: blocking.len(),
        };
        let next = Adjudication {
            header: header.clone(),
            first: first.clone(),
            second: second.clone(),
            fields,
            decided,
        };
        return Step::to(Entry::Adjudication(next), event);
    }
    let committed = Committed {
        header: header.clone(),
        record: first.keying.clone(),
        reasons: first.reasons.clone(),
        first_by: first.by.clone(),
        second_by: Some(second.by.clone()),
        decided: decided.clone(),
        at,
    };
    Step::to(
        Entry::Committed(committed),
        EntryEvent::Committed {
            decided: decided.len(),
        },
    )
}

#[cfg(test)]
mod tests;
