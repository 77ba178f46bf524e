//! A person's record versions, and corrections of them: proposed by a
//! clerk, approved (a new version) or rejected by another, kept either way.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use time::format_description::well_known::Rfc3339;

use super::Caller;
use crate::api::entry::{
    CorrectionList, CorrectionView, FieldChange, ProposeCorrectionRequest, RecordHistory,
    RecordVersionView, ReviewRequest,
};
use crate::api::error::ErrorCode;
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::entry::checks::{self, Severity};
use crate::domain::entry::correction::{Correction, CorrectionError, Proposal, diff};
use crate::domain::entry::keying::Keying;
use crate::domain::entry::record::RecordVersion;
use crate::domain::entry::schema::{FieldKind, FieldPath, FormSchema};
use crate::domain::person_number::PersonNumber;
use crate::domain::roles::Permission;
use crate::secret::KeyedValue;
use crate::server::AppState;
use crate::server::auth::SessionCtx;
use crate::server::entry::{EntryResult, open_record, protected, record_row, rules, subject_row};
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::journal::{Change, Item};
use crate::store::{AuditEntry, CorrectionRow, TaxRecordRow};

const LIST_LIMIT: usize = 200;

/// What the caller may see of a person's record, and how its rows are
/// marked.
#[derive(Clone, Copy)]
struct Sight {
    /// A 支援措置 person: every row touching the record is highlighted.
    protected: bool,
    /// Whether the person's own address may be shown.
    address: bool,
}

async fn sight(state: &AppState, caller: &SessionCtx, person: &str) -> Result<Sight, AppError> {
    let protected = protected(state, person).await?;
    Ok(Sight {
        protected,
        address: !protected || caller.can(Permission::ViewProtectedAddress),
    })
}

/// The fields of a form that hold the person's own address (the payer's
/// address on an employer's report is not the resident's).
const OWN_ADDRESSES: [&str; 3] = [
    "taxpayer.address",
    "taxpayer.jan1_address",
    "recipient.address",
];

fn log_row(
    caller: &SessionCtx,
    person: &str,
    sight: Sight,
    event: Event,
    at: time::OffsetDateTime,
) -> AuditEntry {
    subject_row(caller, at, person, sight.protected, event)
}

/// A value as shown: a My Number only as its last four digits; a protected
/// person's address not at all to a caller who may not see it.
fn shown(schema: &FormSchema, sight: Sight, field: &FieldPath, value: &str) -> Option<KeyedValue> {
    if !sight.address && OWN_ADDRESSES.contains(&field.to_string().as_str()) {
        return None;
    }
    Some(match schema.field(field).map(|f| f.kind) {
        Some(FieldKind::MyNumber) => {
            let last4 = &value[value.len().saturating_sub(4)..];
            KeyedValue::new(format!("********{last4}"))
        }
        _ => KeyedValue::new(value),
    })
}

fn person_and_form(
    person: &str,
    form: &str,
) -> Result<(PersonNumber, &'static FormSchema), AppError> {
    let person =
        PersonNumber::parse(person).map_err(|e| AppError::bad_request(format!("person: {e}")))?;
    let schema = crate::domain::entry::forms::form(form)
        .ok_or_else(|| AppError::bad_request(format!("there is no form `{form}`")))?;
    Ok((person, schema))
}

async fn versions(
    state: &AppState,
    person: &str,
    form: &str,
) -> Result<Vec<(TaxRecordRow, RecordVersion)>, AppError> {
    let (p, f) = (person.to_owned(), form.to_owned());
    let rows = state.store(move |s| s.tax_records(&p, &f)).await?;
    rows.into_iter()
        .map(|row| open_record(state, &row).map(|v| (row, v)))
        .collect()
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path((person, form)): Path<(String, String)>,
) -> Result<Json<RecordHistory>, AppError> {
    let (person, schema) = person_and_form(&person, &form)?;
    let sight = sight(&state, &caller, person.as_str()).await?;
    let found = versions(&state, person.as_str(), &form).await?;
    let mut out = Vec::new();
    let mut before: Option<&Keying> = None;
    for (row, v) in &found {
        let changed = match before {
            Some(b) => diff(b, &v.record)
                .iter()
                .map(|c| c.field.to_string())
                .collect(),
            None => vec![],
        };
        out.push(RecordVersionView {
            version: row.version,
            at: row.committed_at.format(&Rfc3339).unwrap_or_default(),
            first_by: v.first_by.clone(),
            second_by: v.second_by.clone(),
            decided: v
                .decided
                .iter()
                .map(|(f, who)| (f.to_string(), who.clone()))
                .collect(),
            corrected_by: v.corrected_by.clone(),
            approved_by: v.approved_by.clone(),
            reason: v.reason.clone(),
            paper: v.paper.clone(),
            values: v
                .record
                .paths()
                .filter_map(|p| {
                    let value = shown(schema, sight, p, v.record.get(p)?)?;
                    Some((p.to_string(), value))
                })
                .collect(),
            changed,
        });
        before = Some(&v.record);
    }
    let event = Event::ok(Action::RecordView).with(Detail::Rows(out.len()));
    state
        .audit(log_row(
            &caller,
            person.as_str(),
            sight,
            event,
            state.clock.now(),
        ))
        .await?;
    Ok(Json(RecordHistory {
        person: person.as_str().to_owned(),
        form,
        versions: out,
    }))
}

fn sealed(state: &AppState, id: &str, c: &Correction) -> Result<Vec<u8>, AppError> {
    let json = zeroize::Zeroizing::new(serde_json::to_vec(c).map_err(|_| AppError::internal())?);
    Ok(state.keys.seal_entry(&format!("correction:{id}"), &json))
}

fn opened(state: &AppState, row: &CorrectionRow) -> Result<Correction, AppError> {
    let json = state
        .keys
        .open_entry(&format!("correction:{}", row.id), &row.body)
        .map_err(|_| AppError::internal())?;
    serde_json::from_slice(&json).map_err(|_| AppError::internal())
}

fn row_of(
    state: &AppState,
    id: &str,
    person: &str,
    form: &str,
    c: &Correction,
    revision: i64,
    at: time::OffsetDateTime,
) -> Result<CorrectionRow, AppError> {
    Ok(CorrectionRow {
        id: id.to_owned(),
        person: person.to_owned(),
        form: form.to_owned(),
        state: c.state_name().to_owned(),
        proposed_by: c.proposal().by.clone(),
        revision,
        body: sealed(state, id, c)?,
        updated_at: at,
    })
}

fn view_of(
    schema: &FormSchema,
    sight: Sight,
    id: &str,
    person: &str,
    form: &str,
    c: &Correction,
    current: &Keying,
) -> CorrectionView {
    let p = c.proposal();
    let (reviewed_by, review_reason) = match c {
        Correction::Proposed(_) => (None, None),
        Correction::Approved { by, reason, .. } | Correction::Rejected { by, reason, .. } => {
            (Some(by.clone()), Some(reason.clone()))
        }
    };
    CorrectionView {
        id: id.to_owned(),
        person: person.to_owned(),
        form: form.to_owned(),
        state: c.state_name().to_owned(),
        base_version: i64::from(p.record_version),
        proposed_by: p.by.clone(),
        reason: p.reason.clone(),
        paper: p.paper.clone(),
        changes: diff(current, &p.proposed)
            .into_iter()
            .map(|ch| FieldChange {
                field: ch.field.to_string(),
                before: ch.before.and_then(|v| shown(schema, sight, ch.field, v)),
                after: ch.after.and_then(|v| shown(schema, sight, ch.field, v)),
            })
            .collect(),
        reviewed_by,
        review_reason,
        version: None,
    }
}

fn refused(error: &CorrectionError) -> (Outcome, Detail, AppError) {
    let reason = |r: Reason, status: StatusCode, code: ErrorCode| {
        (
            Outcome::Denied,
            Detail::Reason(r),
            AppError::new(status, code, error.to_string()),
        )
    };
    match error {
        CorrectionError::OwnCorrection => reason(
            Reason::OwnCorrection,
            StatusCode::FORBIDDEN,
            ErrorCode::EntryNotYours,
        ),
        CorrectionError::Stale => reason(
            Reason::RecordChanged,
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
        ),
        CorrectionError::AlreadyReviewed => reason(
            Reason::AlreadyReviewed,
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
        ),
        other => (
            Outcome::Invalid,
            Detail::None,
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::EntryInvalid,
                other.to_string(),
            ),
        ),
    }
}

async fn refuse(
    state: &AppState,
    caller: &SessionCtx,
    person: &str,
    action: Action,
    error: &CorrectionError,
) -> AppError {
    let (outcome, detail, answer) = refused(error);
    let sight = match sight(state, caller, person).await {
        Ok(sight) => sight,
        Err(e) => return e,
    };
    let row = log_row(
        caller,
        person,
        sight,
        Event::new(action, outcome, detail),
        state.clock.now(),
    );
    match state.audit(row).await {
        Ok(_) => answer,
        Err(e) => e,
    }
}

fn version_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

pub async fn propose(
    State(state): State<AppState>,
    caller: Caller,
    Path((person, form)): Path<(String, String)>,
    ApiJson(request): ApiJson<ProposeCorrectionRequest>,
) -> EntryResult<(StatusCode, Json<CorrectionView>)> {
    let (person, schema) = person_and_form(&person, &form)?;
    let rules = rules(&state, &form).ok_or_else(AppError::internal)?;
    let found = versions(&state, person.as_str(), &form).await?;
    let Some((latest_row, latest)) = found.last() else {
        return Err(AppError::not_found("record").into());
    };
    // The named fields, checked as on the form; the rest stay as they are.
    let named: std::collections::BTreeSet<String> = request.fields.keys().cloned().collect();
    let within = |p: &FieldPath| named.contains(&p.to_string());
    let changed = Keying::check_within(schema, &request.fields, &within).map_err(|errors| {
        let error = crate::domain::entry::machine::EntryError::Fields(errors);
        let (_, _, failure) = crate::server::entry::refusal_of(&error);
        failure
    })?;
    let mut proposed = latest.record.clone();
    for text in &named {
        if let Some(path) = FieldPath::parse(text) {
            proposed = proposed.take(&changed, &path);
        }
    }
    let errors: Vec<_> = checks::run(schema, rules.year, &proposed)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        let error = crate::domain::entry::machine::EntryError::Checks(errors);
        let (_, _, failure) = crate::server::entry::refusal_of(&error);
        return Err(failure);
    }
    let at = state.clock.now();
    let proposal = Proposal {
        record_version: version_u32(request.base_version),
        by: caller.user_id.clone(),
        at,
        reason: request.reason.trim().to_owned(),
        paper: request.paper.trim().to_owned(),
        proposed,
    };
    let correction =
        match Correction::propose(&latest.record, version_u32(latest_row.version), proposal) {
            Ok(c) => c,
            Err(e) => {
                return Err(refuse(
                    &state,
                    &caller,
                    person.as_str(),
                    Action::CorrectionPropose,
                    &e,
                )
                .await
                .into());
            }
        };
    let id = crate::server::entry::new_id();
    let sight = sight(&state, &caller, person.as_str()).await?;
    let view = view_of(
        schema,
        sight,
        &id,
        person.as_str(),
        &form,
        &correction,
        &latest.record,
    );
    let row = row_of(&state, &id, person.as_str(), &form, &correction, 1, at)?;
    let detail = Detail::Correction {
        id: id.clone(),
        state: "proposed",
        changed: view.changes.len(),
        version: None,
    };
    let log = log_row(
        &caller,
        person.as_str(),
        sight,
        Event::ok(Action::CorrectionPropose).with(detail),
        at,
    );
    state
        .commit(Item::recorded(vec![Change::InsertCorrection(row)], log))
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn load(
    state: &AppState,
    caller: &SessionCtx,
    id: &str,
    action: Action,
) -> Result<(CorrectionRow, Correction), AppError> {
    let key = id.to_owned();
    let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let found = if valid {
        state.store(move |s| s.correction(&key)).await?
    } else {
        None
    };
    match found {
        Some(row) => {
            let c = opened(state, &row)?;
            Ok((row, c))
        }
        None => {
            let event = Event::new(action, Outcome::NotFound, Detail::None);
            state.audit(caller.entry(state.clock.now(), event)).await?;
            Err(AppError::not_found("correction"))
        }
    }
}

/// The record version a correction was proposed against.
async fn base_of(
    state: &AppState,
    row: &CorrectionRow,
    c: &Correction,
) -> Result<(Keying, i64), AppError> {
    let found = versions(state, &row.person, &row.form).await?;
    let base = i64::from(c.proposal().record_version);
    let latest = found.last().map_or(0, |(r, _)| r.version);
    let record = found
        .into_iter()
        .find(|(r, _)| r.version == base)
        .map(|(_, v)| v.record)
        .ok_or_else(AppError::internal)?;
    Ok((record, latest))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CorrectionList>, AppError> {
    let rows = state
        .store(|s| s.corrections_in("proposed", LIST_LIMIT))
        .await?;
    let mut corrections = Vec::new();
    let mut touches_protected = false;
    for row in rows {
        let c = opened(&state, &row)?;
        let sight = sight(&state, &caller, &row.person).await?;
        touches_protected |= sight.protected;
        let (base, _) = base_of(&state, &row, &c).await?;
        let schema = rules(&state, &row.form)
            .ok_or_else(AppError::internal)?
            .schema;
        corrections.push(view_of(
            schema,
            sight,
            &row.id,
            &row.person,
            &row.form,
            &c,
            &base,
        ));
    }
    let mut log = caller.entry(
        state.clock.now(),
        Event::ok(Action::CorrectionList).with(Detail::Rows(corrections.len())),
    );
    log.subjects = corrections.iter().map(|c| c.person.clone()).collect();
    log.sensitive = touches_protected;
    state.audit(log).await?;
    Ok(Json(CorrectionList { corrections }))
}

pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CorrectionView>, AppError> {
    let (row, c) = load(&state, &caller, &id, Action::CorrectionView).await?;
    let (base, _) = base_of(&state, &row, &c).await?;
    let schema = rules(&state, &row.form)
        .ok_or_else(AppError::internal)?
        .schema;
    let sight = sight(&state, &caller, &row.person).await?;
    let view = view_of(schema, sight, &id, &row.person, &row.form, &c, &base);
    let detail = Detail::Correction {
        id: id.clone(),
        state: c.state_name(),
        changed: view.changes.len(),
        version: None,
    };
    state
        .audit(log_row(
            &caller,
            &row.person,
            sight,
            Event::ok(Action::CorrectionView).with(detail),
            state.clock.now(),
        ))
        .await?;
    Ok(Json(view))
}

async fn review(
    state: AppState,
    caller: Caller,
    id: String,
    reason: String,
    approve: bool,
) -> Result<Json<CorrectionView>, AppError> {
    let action = if approve {
        Action::CorrectionApprove
    } else {
        Action::CorrectionReject
    };
    let (row, c) = load(&state, &caller, &id, action).await?;
    let (base, latest) = base_of(&state, &row, &c).await?;
    let at = state.clock.now();
    let current = version_u32(latest);
    let reviewed = if approve {
        c.approve(&caller.user_id, current, &reason, at)
    } else {
        c.reject(&caller.user_id, current, &reason, at)
    };
    let reviewed = match reviewed {
        Ok(r) => r,
        Err(e) => return Err(refuse(&state, &caller, &row.person, action, &e).await),
    };
    let mut changes = vec![Change::UpdateCorrection {
        row: row_of(
            &state,
            &id,
            &row.person,
            &row.form,
            &reviewed,
            row.revision + 1,
            at,
        )?,
        expected_revision: row.revision,
    }];
    if approve {
        let found = versions(&state, &row.person, &row.form).await?;
        let (_, latest_version) = found.last().ok_or_else(AppError::internal)?;
        let next = latest_version.corrected(reviewed.proposal(), &caller.user_id, at);
        changes.push(Change::InsertTaxRecord {
            row: record_row(&state, &row.person, &row.form, &id, &next, at)?,
            after: Some(latest),
        });
    }
    let schema = rules(&state, &row.form)
        .ok_or_else(AppError::internal)?
        .schema;
    let sight = sight(&state, &caller, &row.person).await?;
    let mut view = view_of(schema, sight, &id, &row.person, &row.form, &reviewed, &base);
    let (person, changed, state_name) = (
        row.person.clone(),
        view.changes.len(),
        reviewed.state_name(),
    );
    let caller_row = caller.clone();
    let id_row = id.clone();
    let committed = state
        .commit(Item::new(changes, move |effect| {
            if !effect.kept() {
                return vec![];
            }
            let version = effect.applied.iter().find_map(|a| match a {
                crate::store::journal::Applied::Version(v) => Some(*v),
                _ => None,
            });
            let detail = Detail::Correction {
                id: id_row,
                state: state_name,
                changed,
                version,
            };
            vec![log_row(
                &caller_row,
                &person,
                sight,
                Event::ok(action).with(detail),
                effect.at,
            )]
        }))
        .await?;
    if committed.effect.refusal().is_some() {
        let event = Event::denied(action, Reason::RecordChanged);
        state
            .audit(log_row(&caller, &row.person, sight, event, at))
            .await?;
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::EntryConflict,
            "the record or the correction changed since it was read: open it again",
        ));
    }
    view.version = committed.effect.applied.iter().find_map(|a| match a {
        crate::store::journal::Applied::Version(v) => Some(*v),
        _ => None,
    });
    Ok(Json(view))
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<CorrectionView>, AppError> {
    review(state, caller, id, request.reason, true).await
}

pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<CorrectionView>, AppError> {
    review(state, caller, id, request.reason, false).await
}
