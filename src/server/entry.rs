//! Entry as the service runs it: load the entry, apply the machine's
//! transition for the caller, and commit the new state with one access-log
//! row per event through the journal (a committed record and its slips in
//! the same commit). A refusal is recorded too, and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use super::AppState;
use super::auth::SessionCtx;
use super::error::AppError;
use crate::api::entry::{EntryRefusal, EntryView, FieldToDecide, Problem};
use crate::api::error::{ApiError, ErrorCode};
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::entry::checks::{Finding, Severity};
use crate::domain::entry::forms;
use crate::domain::entry::keying::Keying;
use crate::domain::entry::machine::{Entry, EntryError, EntryEvent, FormRules, Keyer, Step};
use crate::domain::entry::schema::FieldPath;
use crate::domain::entry::schema::FormSchema;
use crate::store::journal::{Applied, Change, Item};
use crate::store::{AuditEntry, ClaimRow, EntryRow, SlipRow, TaxRecordRow};

/// A refused entry step, as the client is told.
#[derive(Debug)]
pub enum EntryFailure {
    App(AppError),
    /// 422 with the problems to put right.
    Invalid {
        message: String,
        problems: Vec<Problem>,
    },
}

impl From<AppError> for EntryFailure {
    fn from(e: AppError) -> Self {
        EntryFailure::App(e)
    }
}

impl IntoResponse for EntryFailure {
    fn into_response(self) -> Response {
        match self {
            EntryFailure::App(e) => e.into_response(),
            EntryFailure::Invalid { message, problems } => {
                let body = EntryRefusal {
                    error: ApiError {
                        code: ErrorCode::EntryInvalid,
                        message,
                        search_refusal: None,
                    },
                    problems,
                };
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
        }
    }
}

pub type EntryResult<T> = Result<T, EntryFailure>;

/// The form's schema and figures, with the service's double-keying setting.
pub fn rules<'a>(state: &'a AppState, form: &str) -> Option<FormRules<'a>> {
    let schema: &'static FormSchema = forms::form(form)?;
    Some(FormRules {
        schema,
        year: forms::tax_year(schema.income_year)?,
        double: &state.config.double_keying,
    })
}

fn entry_label(id: &str) -> String {
    format!("entry:{id}")
}

fn seal(state: &AppState, id: &str, entry: &Entry) -> Result<Vec<u8>, AppError> {
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(entry).map_err(|_| AppError::internal())?);
    Ok(state.keys.seal_entry(&entry_label(id), &json))
}

fn open(state: &AppState, row: &EntryRow) -> Result<Entry, AppError> {
    let json = state
        .keys
        .open_entry(&entry_label(&row.id), &row.body)
        .map_err(|_| {
            tracing::error!(entry = %row.id, "stored entry does not decrypt");
            AppError::internal()
        })?;
    serde_json::from_slice(&json).map_err(|_| {
        tracing::error!(entry = %row.id, "stored entry does not decode");
        AppError::internal()
    })
}

fn keyers(entry: &Entry) -> (String, Option<String>) {
    match entry {
        Entry::FirstKeying(s) => (s.by.clone(), None),
        Entry::AwaitingSecond(s) => (s.first.by.clone(), None),
        Entry::SecondKeying(s) => (s.first.by.clone(), Some(s.by.clone())),
        Entry::Rekeying(s) => (s.first.by.clone(), Some(s.second.by.clone())),
        Entry::Adjudication(s) => (s.first.by.clone(), Some(s.second.by.clone())),
        Entry::Committed(c) => (c.first_by.clone(), c.second_by.clone()),
        Entry::Discarded(d) => (d.by.clone(), None),
    }
}

/// The stored row of `entry` at `revision`.
fn row_of(
    state: &AppState,
    id: &str,
    entry: &Entry,
    revision: i64,
    at: OffsetDateTime,
) -> Result<EntryRow, AppError> {
    let header = entry.header();
    let (first_by, second_by) = keyers(entry);
    Ok(EntryRow {
        id: id.to_owned(),
        form: header.form.clone(),
        person: header.person.clone(),
        paper: header.paper.clone(),
        state: entry.state_name().to_owned(),
        first_by,
        second_by,
        revision,
        body: seal(state, id, entry)?,
        updated_at: at,
    })
}

/// A row about one person's record; `protected` marks a 支援措置 person's,
/// which the access log highlights.
pub fn subject_row(
    caller: &SessionCtx,
    at: OffsetDateTime,
    person: &str,
    protected: bool,
    event: Event,
) -> AuditEntry {
    let mut row = caller.entry(at, event);
    row.subjects = vec![person.to_owned()];
    row.sensitive = protected;
    row
}

/// Whether `person` is under a 支援措置 (every touch of their record is
/// highlighted, and their address hidden from who may not see it).
pub async fn protected(state: &AppState, person: &str) -> Result<bool, AppError> {
    let Ok(number) = crate::domain::person_number::PersonNumber::parse(person) else {
        return Ok(false);
    };
    Ok(state
        .store(move |s| s.resident(&number))
        .await?
        .is_some_and(|r| r.support_measure))
}

fn event_of(id: &str, state: &'static str, event: &EntryEvent) -> Event {
    let (action, counts): (Action, Vec<(&'static str, usize)>) = match *event {
        EntryEvent::Started => (Action::EntryStart, vec![]),
        EntryEvent::DraftSaved { fields } => (Action::EntryDraft, vec![("fields", fields)]),
        EntryEvent::FirstSubmitted { fields, warnings } => (
            Action::EntrySubmit,
            vec![("fields", fields), ("warnings", warnings)],
        ),
        EntryEvent::SecondStarted => (Action::EntrySecondStart, vec![]),
        EntryEvent::SecondReleased => (Action::EntrySecondRelease, vec![]),
        EntryEvent::SecondSubmitted { differing } => {
            (Action::EntrySecondSubmit, vec![("differing", differing)])
        }
        EntryEvent::Rekeyed {
            fields,
            still_differing,
            ..
        } => (
            Action::EntryRekey,
            vec![("fields", fields), ("still_differing", still_differing)],
        ),
        EntryEvent::Decided { kept, returned } => (
            Action::EntryDecide,
            vec![("kept", kept), ("returned", returned)],
        ),
        EntryEvent::Committed { decided } => (Action::EntryCommit, vec![("decided", decided)]),
        EntryEvent::ChecksFailed { findings } => {
            (Action::EntryChecksFailed, vec![("findings", findings)])
        }
        EntryEvent::Discarded => (Action::EntryDiscard, vec![]),
        EntryEvent::IdentityRecorded { differences } => {
            (Action::EntryIdentity, vec![("differences", differences)])
        }
        EntryEvent::IdentitySettled { differences } => (
            Action::EntryIdentitySettle,
            vec![("differences", differences)],
        ),
    };
    Event::ok(action).with(Detail::Entry {
        id: id.to_owned(),
        state,
        counts,
    })
}

fn problem(f: &Finding) -> Problem {
    Problem {
        code: f.code.to_owned(),
        fields: f.fields.iter().map(ToString::to_string).collect(),
        severity: match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
        .to_owned(),
        key: (f.severity == Severity::Warning).then(|| f.key()),
        expected: f.expected,
        message: f.message(),
    }
}

fn problems(error: &EntryError) -> Vec<Problem> {
    match error {
        EntryError::Fields(errors) => errors
            .iter()
            .map(|e| Problem {
                code: e.code().to_owned(),
                fields: vec![e.path()],
                severity: "error".to_owned(),
                key: None,
                expected: None,
                message: e.to_string(),
            })
            .collect(),
        EntryError::Checks(findings) | EntryError::WarningsNeedReasons(findings) => {
            findings.iter().map(problem).collect()
        }
        other => vec![Problem {
            code: other.code().to_owned(),
            fields: vec![],
            severity: "error".to_owned(),
            key: None,
            expected: None,
            message: other.to_string(),
        }],
    }
}

/// How a machine refusal is recorded and answered.
pub fn refusal_of(error: &EntryError) -> (Outcome, Detail, EntryFailure) {
    let denied = |reason: Reason, status: StatusCode, code: ErrorCode| {
        (
            Outcome::Denied,
            Detail::Reason(reason),
            EntryFailure::App(AppError::new(status, code, error.to_string())),
        )
    };
    match error {
        EntryError::WrongState { .. } => denied(
            Reason::EntryState,
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
        ),
        EntryError::NotYourKeying => denied(
            Reason::NotYourKeying,
            StatusCode::FORBIDDEN,
            ErrorCode::EntryNotYours,
        ),
        EntryError::SecondKeyingNeedsDifferentClerk => denied(
            Reason::SameClerk,
            StatusCode::FORBIDDEN,
            ErrorCode::EntryNotYours,
        ),
        EntryError::DeciderKeyedEntry => denied(
            Reason::DeciderKeyed,
            StatusCode::FORBIDDEN,
            ErrorCode::EntryNotYours,
        ),
        invalid => (
            Outcome::Invalid,
            Detail::None,
            EntryFailure::Invalid {
                message: invalid.to_string(),
                problems: problems(invalid),
            },
        ),
    }
}

/// The entry `id`, or a recorded 404 (an id that is not there is logged
/// like any other miss).
pub async fn load(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
) -> Result<(EntryRow, Entry), AppError> {
    let key = id.to_owned();
    let found = if valid_id(id) {
        state.store(move |s| s.entry(&key)).await?
    } else {
        None
    };
    match found {
        Some(row) => {
            let entry = open(state, &row)?;
            Ok((row, entry))
        }
        None => {
            let at = state.clock.now();
            let event = Event::new(action, Outcome::NotFound, Detail::None);
            state.audit(caller.entry(at, event)).await?;
            Err(AppError::not_found("entry"))
        }
    }
}

/// Entry ids are 32 lower-case hex digits.
pub fn valid_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn new_id() -> String {
    super::crypto::new_token()[..32].to_owned()
}

/// A record version as stored, sealed and bound to whose record it is.
pub fn record_row(
    state: &AppState,
    person: &str,
    form: &str,
    source: &str,
    version: &crate::domain::entry::record::RecordVersion,
    at: OffsetDateTime,
) -> Result<TaxRecordRow, AppError> {
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(version).map_err(|_| AppError::internal())?);
    Ok(TaxRecordRow {
        person: person.to_owned(),
        form: form.to_owned(),
        version: 0,
        entry: source.to_owned(),
        body: state
            .keys
            .seal_entry(&record_label(person, form, source), &json),
        committed_at: at,
    })
}

fn record_label(person: &str, form: &str, source: &str) -> String {
    format!("record:{person}:{form}:{source}")
}

/// A stored record version, opened.
pub fn open_record(
    state: &AppState,
    row: &TaxRecordRow,
) -> Result<crate::domain::entry::record::RecordVersion, AppError> {
    let label = record_label(&row.person, &row.form, &row.entry);
    let json = state.keys.open_entry(&label, &row.body).map_err(|_| {
        tracing::error!(person = %row.person, version = row.version, "stored record does not decrypt");
        AppError::internal()
    })?;
    serde_json::from_slice(&json).map_err(|_| {
        tracing::error!(person = %row.person, version = row.version, "stored record does not decode");
        AppError::internal()
    })
}

/// The family My Numbers of a keying (dependents' rows and the spouse),
/// with where they are.
fn family_numbers(keying: &Keying) -> Vec<(FieldPath, String)> {
    let mut paths: Vec<FieldPath> = (0..keying.rows("dependents"))
        .map(|r| FieldPath::row("dependents", r, "my_number"))
        .collect();
    paths.push(FieldPath::new("spouse", "my_number"));
    paths
        .into_iter()
        .filter_map(|p| keying.get(&p).map(|n| (p.clone(), n.to_owned())))
        .collect()
}

/// The fields of a submission whose person another taxpayer's committed
/// form of the same income year claims (名寄せ). Unreadable text is left
/// to the machine's checks, which refuse it.
pub async fn claimed_elsewhere(
    state: &AppState,
    form: &str,
    person: &str,
    typed: &std::collections::BTreeMap<String, crate::secret::KeyedValue>,
) -> Result<BTreeSet<FieldPath>, AppError> {
    let Some(rules) = rules(state, form) else {
        return Ok(BTreeSet::new());
    };
    let Ok(keying) = Keying::check(rules.schema, typed) else {
        return Ok(BTreeSet::new());
    };
    let numbers: Vec<(FieldPath, Vec<u8>)> = family_numbers(&keying)
        .into_iter()
        .map(|(p, n)| (p, state.keys.my_number_index(&n)))
        .collect();
    if numbers.is_empty() {
        return Ok(BTreeSet::new());
    }
    let indexes: Vec<Vec<u8>> = numbers.iter().map(|(_, i)| i.clone()).collect();
    let (form, year) = (form.to_owned(), rules.schema.income_year);
    let claims = state
        .store(move |s| s.claims(&indexes, &form, year))
        .await?;
    Ok(numbers
        .into_iter()
        .filter(|(_, index)| {
            claims
                .iter()
                .any(|c| &c.number_index == index && c.person != person)
        })
        .map(|(p, _)| p)
        .collect())
}

/// What a step committed.
pub struct StepCommitted {
    pub entry: Entry,
    pub version: Option<i64>,
}

/// Applies `step` (already computed from the entry read at `revision`)
/// through the journal: the new state, a committed record and slips, and a
/// row per event, all or nothing. An entry changed since it was read is
/// refused (409) and recorded as such.
async fn commit_step(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    revision: Option<i64>,
    step: Step,
    action: Action,
    extra: Vec<Change>,
) -> EntryResult<StepCommitted> {
    let at = state.clock.now();
    let header = step.entry.header().clone();
    let next_revision = revision.map_or(1, |r| r + 1);
    let row = row_of(state, id, &step.entry, next_revision, at)?;
    let mut changes = vec![match revision {
        None => Change::InsertEntry(row),
        Some(expected_revision) => Change::UpdateEntry {
            row,
            expected_revision,
        },
    }];
    changes.extend(extra);
    if let Entry::Committed(c) = &step.entry {
        let year = rules(state, &header.form).map_or(0, |r| r.schema.income_year);
        let claims: Vec<ClaimRow> = family_numbers(&c.record)
            .into_iter()
            .map(|(_, n)| ClaimRow {
                number_index: state.keys.my_number_index(&n),
                form: header.form.clone(),
                income_year: year,
                person: header.person.clone(),
                entry: id.to_owned(),
            })
            .collect();
        if !claims.is_empty() {
            changes.push(Change::InsertClaims(claims));
        }
        let version = crate::domain::entry::record::RecordVersion::committed(c);
        changes.push(Change::InsertTaxRecord {
            row: record_row(state, &header.person, &header.form, id, &version, at)?,
            after: None,
        });
    }
    if !step.slips.is_empty() {
        let slips = step
            .slips
            .iter()
            .map(|s| SlipRow {
                entry: id.to_owned(),
                field: s.field.to_string(),
                keyer: match s.keyer {
                    Keyer::First => "first",
                    Keyer::Second => "second",
                }
                .to_owned(),
                staff: s.by.clone(),
                at,
            })
            .collect();
        changes.push(Change::InsertSlips(slips));
    }
    let name = step.entry.state_name();
    let sensitive = protected(state, &header.person).await?;
    let rows: Vec<AuditEntry> = step
        .events
        .iter()
        .map(|e| subject_row(caller, at, &header.person, sensitive, event_of(id, name, e)))
        .collect();
    let committed = state
        .commit(Item::new(changes, move |effect| {
            if effect.kept() { rows } else { Vec::new() }
        }))
        .await?;
    if let Some(refusal) = committed.effect.refusal() {
        tracing::info!(entry = %id, ?refusal, "entry step refused by the store");
        let event = Event::denied(action, Reason::EntryChanged);
        state
            .audit(subject_row(caller, at, &header.person, sensitive, event))
            .await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            "the entry changed since it was read: open it again",
        )
        .into());
    }
    let version = committed.effect.applied.iter().find_map(|a| match a {
        Applied::Version(v) => Some(*v),
        _ => None,
    });
    Ok(StepCommitted {
        entry: step.entry,
        version,
    })
}

/// Records and answers a refused step.
async fn refuse(
    state: &AppState,
    caller: &SessionCtx,
    person: &str,
    action: Action,
    id: &str,
    error: &EntryError,
) -> EntryFailure {
    let (outcome, detail, failure) = refusal_of(error);
    let detail = match detail {
        Detail::None => Detail::EntryRefused {
            id: id.to_owned(),
            code: error.code(),
        },
        other => other,
    };
    let at = state.clock.now();
    let sensitive = match protected(state, person).await {
        Ok(p) => p,
        Err(e) => return EntryFailure::App(e),
    };
    match state
        .audit(subject_row(
            caller,
            at,
            person,
            sensitive,
            Event::new(action, outcome, detail),
        ))
        .await
    {
        Ok(_) => failure,
        Err(e) => EntryFailure::App(e),
    }
}

/// A new entry for a person, started by the caller, filed under the
/// batches named (at most one).
pub async fn start(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    step: Step,
    batches: Vec<String>,
) -> EntryResult<StepCommitted> {
    let filed = batches
        .into_iter()
        .map(|batch| Change::AddToBatch {
            batch,
            entry: id.to_owned(),
        })
        .collect();
    commit_step(state, caller, id, None, step, Action::EntryStart, filed).await
}

/// Loads the entry, runs `transition` for the caller and commits its step.
pub async fn transition(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
    transition: impl FnOnce(&Entry, FormRules<'_>) -> Result<Step, EntryError>,
) -> EntryResult<StepCommitted> {
    let (stored, entry) = load(state, caller, id, action).await?;
    let Some(rules) = rules(state, &stored.form) else {
        tracing::error!(entry = %id, form = %stored.form, "entry of a form this service does not have");
        return Err(AppError::internal().into());
    };
    match transition(&entry, rules) {
        Ok(step) => {
            commit_step(
                state,
                caller,
                id,
                Some(stored.revision),
                step,
                action,
                vec![],
            )
            .await
        }
        Err(error) => Err(refuse(state, caller, &stored.person, action, id, &error).await),
    }
}

/// The double-keyed fields of a form, as field names a second clerk keys
/// (`table[].field` for a table's).
pub fn double_keyed_fields(rules: FormRules<'_>) -> Vec<String> {
    let mut out: Vec<String> = rules
        .schema
        .section_fields()
        .filter(|(_, f)| rules.double.applies(f))
        .map(|(p, _)| p.to_string())
        .collect();
    for table in &rules.schema.tables {
        for field in table.fields.iter().filter(|f| rules.double.applies(f)) {
            out.push(format!("{}[].{}", table.key, field.key));
        }
    }
    out
}

/// The entry as `caller` may see it: blind to what others keyed, except a
/// supervisor deciding who did not key it.
pub fn view_for(
    caller: &SessionCtx,
    id: &str,
    entry: &Entry,
    rules: FormRules<'_>,
    version: Option<i64>,
    deciding: bool,
) -> EntryView {
    let header = entry.header();
    let (first_by, second_by) = keyers(entry);
    let me = caller.user_id.as_str();
    let mut view = EntryView {
        id: id.to_owned(),
        form: header.form.clone(),
        person: header.person.clone(),
        paper: header.paper.clone(),
        state: entry.state_name().to_owned(),
        first_by,
        second_by,
        draft: None,
        to_key: vec![],
        to_decide: vec![],
        version,
        identity: header
            .identity
            .as_ref()
            .map(|i| crate::api::entry::IdentityView {
                differences: i
                    .differences
                    .iter()
                    .map(|d| d.as_str().to_owned())
                    .collect(),
                settled_by: i.settled_by.clone(),
            }),
    };
    match entry {
        Entry::FirstKeying(s) if s.by == me && !deciding => view.draft = Some(s.draft.clone()),
        Entry::SecondKeying(s) if s.by == me && !deciding => {
            view.to_key = double_keyed_fields(rules)
        }
        Entry::Rekeying(r) if !deciding => {
            let asked = match r.by {
                Keyer::First => &r.first.by,
                Keyer::Second => &r.second.by,
            };
            if asked == me {
                view.to_key = r.fields.iter().map(ToString::to_string).collect();
            }
        }
        Entry::Adjudication(a) if deciding && a.first.by != me && a.second.by != me => {
            let findings = a.findings(rules);
            view.to_decide = a
                .fields
                .iter()
                .map(|f| FieldToDecide {
                    field: f.to_string(),
                    first: a.first.keying.get(f).map(crate::secret::KeyedValue::new),
                    second: a.second.keying.get(f).map(crate::secret::KeyedValue::new),
                    findings: findings
                        .iter()
                        .filter(|x| x.fields.contains(f))
                        .map(|x| x.code.to_owned())
                        .collect(),
                })
                .collect();
        }
        _ => {}
    }
    view
}

/// Whether `caller` has something to do with an entry in a work list.
pub fn is_work_of(caller: &SessionCtx, entry: &Entry) -> bool {
    let me = caller.user_id.as_str();
    match entry {
        Entry::FirstKeying(s) => s.by == me,
        Entry::AwaitingSecond(s) => s.first.by != me,
        Entry::SecondKeying(s) => s.by == me,
        Entry::Rekeying(r) => match r.by {
            Keyer::First => r.first.by == me,
            Keyer::Second => r.second.by == me,
        },
        _ => false,
    }
}

/// A first keying by someone else whose identity check at intake differs
/// and is not settled: a supervisor's to settle.
pub fn is_identity_settling_of(caller: &SessionCtx, entry: &Entry) -> bool {
    match entry {
        Entry::FirstKeying(s) => {
            s.by != caller.user_id && s.header.identity.as_ref().is_some_and(|i| !i.clear())
        }
        _ => false,
    }
}

/// Entries a supervisor may decide: in adjudication, keyed by others.
pub fn is_decision_of(caller: &SessionCtx, row: &EntryRow) -> bool {
    let me = Some(caller.user_id.as_str());
    row.state == "adjudication"
        && Some(row.first_by.as_str()) != me
        && row.second_by.as_deref() != me
}

/// The version a committed entry stored, if it did.
pub async fn version_of(state: &AppState, row: &EntryRow) -> Result<Option<i64>, AppError> {
    if row.state != "committed" {
        return Ok(None);
    }
    let (person, form, id) = (row.person.clone(), row.form.clone(), row.id.clone());
    let versions = state.store(move |s| s.tax_records(&person, &form)).await?;
    Ok(versions
        .into_iter()
        .find(|v| v.entry == id)
        .map(|v| v.version))
}

/// The states a work list or decision list looks at.
pub const WORK_STATES: [&str; 4] = [
    "first_keying",
    "awaiting_second",
    "second_keying",
    "rekeying",
];

/// Fields named in a decision, parsed; an unknown name is refused.
pub fn parse_paths<V>(
    named: BTreeMap<String, V>,
) -> Result<BTreeMap<crate::domain::entry::schema::FieldPath, V>, EntryFailure> {
    let mut out = BTreeMap::new();
    let mut bad = BTreeSet::new();
    for (text, v) in named {
        match crate::domain::entry::schema::FieldPath::parse(&text) {
            Some(p) => {
                out.insert(p, v);
            }
            None => {
                bad.insert(text);
            }
        }
    }
    if bad.is_empty() {
        return Ok(out);
    }
    Err(EntryFailure::Invalid {
        message: "a decision names something that is not a field".to_owned(),
        problems: bad
            .into_iter()
            .map(|f| Problem {
                code: "unknown_field".into(),
                fields: vec![f],
                severity: "error".into(),
                key: None,
                expected: None,
                message: "not a field path (section.field or table[row].field)".into(),
            })
            .collect(),
    })
}
