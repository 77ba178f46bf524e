//! Search, record view and the explicit reveal of a My Number. Each writes
//! its access-log row before any data leaves; if the row cannot be written,
//! nothing is returned.

use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use unicode_normalization::UnicodeNormalization;

use super::Caller;
use crate::api::error::ErrorCode;
use crate::api::{
    ReadTerm, ResidentRecord, ResidentSummary, RevealRequest, RevealResponse, SearchRefusal,
    SearchRequest, SearchResponse,
};
use crate::domain::person_number::PersonNumber;
use crate::domain::roles::{Permission, permissions};
use crate::domain::search_query::{QueryError, SearchQuery, SearchTerm, classify};
use crate::secret::Secret;
use crate::server::AppState;
use crate::server::auth::SessionCtx;
use crate::server::crypto::Keys;
use crate::server::error::AppError;
use crate::server::json::ApiJson;
use crate::store::{ResidentQuery, ResidentRow};

/// The store query for `terms` as searched by a caller holding `granted`.
pub(crate) fn to_store_query(
    keys: &Keys,
    granted: &[Permission],
    terms: &[SearchTerm],
) -> ResidentQuery {
    let mut q = ResidentQuery {
        may_match_protected_address: granted.contains(&Permission::ViewProtectedAddress),
        ..ResidentQuery::default()
    };
    for term in terms {
        match term {
            SearchTerm::MyNumber(n) => q.my_number_index.push(keys.my_number_index(n.expose())),
            SearchTerm::PersonNumber(p) => q.person_numbers.push(p.clone()),
            SearchTerm::BirthDate(d) => q.birth_dates.push(*d),
            SearchTerm::Reading(k) => q.kana_prefixes.push(k.clone()),
            SearchTerm::Name(k) => q.name_prefixes.push(k.clone()),
            SearchTerm::Address { key, .. } => q.address_fragments.push(key.clone()),
        }
    }
    q
}

fn address_visible(caller: &SessionCtx, row: &ResidentRow) -> bool {
    !row.support_measure || caller.can(Permission::ViewProtectedAddress)
}

fn summary(caller: &SessionCtx, row: ResidentRow) -> ResidentSummary {
    ResidentSummary {
        address: address_visible(caller, &row).then(|| row.address.clone()),
        person_number: row.person_number.into(),
        name: row.name,
        kana: row.kana,
        birth_date: row.birth_date.to_string(),
        sex: row.sex,
        status: row.status,
        support_measure: row.support_measure,
    }
}

const MY_NUMBER_SEARCH_REFUSED: &str = "searching by My Number is not part of your work: \
     search by name, date of birth or person number instead";

/// Whether the text was typed as a My Number, well-formed or not: a caller
/// who may not search by number learns nothing from its check digit either.
fn searches_by_my_number(classified: &Result<SearchQuery, QueryError>) -> bool {
    match classified {
        Ok(query) => query
            .terms
            .iter()
            .any(|t| matches!(t, SearchTerm::MyNumber(_))),
        Err(error) => matches!(error, QueryError::MyNumber(_)),
    }
}

pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<SearchRequest>,
) -> Result<Json<SearchResponse>, AppError> {
    let now = state.clock.now();
    let normalised: String = request.query.trim().nfkc().collect();
    let mut entry = caller.entry(now, Event::ok(Action::Search));
    entry.query_hmac = Some(state.keys.query_hmac(&normalised));

    let classified = classify(&request.query);
    if searches_by_my_number(&classified) && !caller.can(Permission::SearchByMyNumber) {
        let event = Event::denied(Action::Search, Reason::MyNumberSearchNotPermitted);
        state.audit(entry.event(event)).await?;
        return Err(AppError::search_refused(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            MY_NUMBER_SEARCH_REFUSED,
            SearchRefusal::MyNumberNotPermitted,
        ));
    }
    let terms = match classified {
        Ok(query) => query.terms,
        Err(error) => {
            let event = Event::new(Action::Search, Outcome::InvalidQuery, Detail::None);
            state.audit(entry.event(event)).await?;
            return Err(AppError::search_refused(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidQuery,
                error.to_string(),
                SearchRefusal::from(&error),
            ));
        }
    };
    let read_as = terms
        .iter()
        .map(|t| ReadTerm::of(t, caller.can(Permission::ViewMaskedMyNumber)))
        .collect();
    let query = to_store_query(
        &state.keys,
        permissions(caller.role, caller.department),
        &terms,
    );
    let limit = state.config.max_results;
    let mut rows = state
        .read(move |s| s.search_residents(&query, limit + 1))
        .await?;
    let truncated = rows.len() > limit;
    rows.truncate(limit);

    entry.subjects = rows.iter().map(|r| r.person_number.to_string()).collect();
    entry.sensitive = rows.iter().any(|r| r.support_measure);
    let results = Detail::Results {
        count: rows.len(),
        truncated,
    };
    state
        .audit(entry.event(Event::ok(Action::Search).with(results)))
        .await?;

    let results = rows.into_iter().map(|row| summary(&caller, row)).collect();
    Ok(Json(SearchResponse {
        read_as,
        results,
        truncated,
        limit,
    }))
}

fn person_param(raw: &str) -> Result<PersonNumber, AppError> {
    PersonNumber::parse(raw).map_err(|e| AppError::bad_request(e.to_string()))
}

async fn load(
    state: &AppState,
    caller: &SessionCtx,
    action: Action,
    person: &PersonNumber,
) -> Result<ResidentRow, AppError> {
    let key = person.clone();
    match state.read(move |s| s.resident(&key)).await? {
        Some(row) => Ok(row),
        None => {
            let mut entry = caller.entry(
                state.clock.now(),
                Event::new(action, Outcome::NotFound, Detail::None),
            );
            entry.subjects = vec![person.as_str().to_string()];
            state.audit(entry).await?;
            Err(AppError::not_found("resident"))
        }
    }
}

fn decrypt_my_number(state: &AppState, row: &ResidentRow) -> Result<Secret, AppError> {
    let digits = state
        .keys
        .open_my_number(row.person_number.as_str(), &row.my_number_enc)
        .map_err(|_| {
            tracing::error!(person = %row.person_number, "stored My Number does not decrypt");
            AppError::internal()
        })?;
    let text = std::str::from_utf8(&digits).map_err(|_| AppError::internal())?;
    Ok(Secret::new(text))
}

pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<Json<ResidentRecord>, AppError> {
    let person = person_param(&person)?;
    let row = load(&state, &caller, Action::View, &person).await?;

    let masked = if caller.can(Permission::ViewMaskedMyNumber) {
        let number = decrypt_my_number(&state, &row)?;
        let digits = number.expose();
        Some(format!(
            "********{}",
            &digits[digits.len().saturating_sub(4)..]
        ))
    } else {
        None
    };
    let visible = address_visible(&caller, &row);

    let event = match visible {
        true => Event::ok(Action::View),
        false => Event::ok(Action::View).with(Detail::Reason(Reason::AddressHidden)),
    };
    let mut entry = caller.entry(state.clock.now(), event);
    entry.subjects = vec![row.person_number.to_string()];
    entry.sensitive = row.support_measure;
    state.audit(entry).await?;

    Ok(Json(ResidentRecord {
        sex: row.sex,
        status: row.status,
        postal_code: visible.then(|| row.postal_code.clone()),
        address: visible.then(|| row.address.clone()),
        address_hidden: !visible,
        person_number: row.person_number.into(),
        name: row.name,
        kana: row.kana,
        birth_date: row.birth_date.to_string(),
        support_measure: row.support_measure,
        my_number_masked: masked,
        can_reveal: caller.can(Permission::RevealMyNumber),
    }))
}

/// Reasons a clerk may give for revealing a number: short codes, so the log
/// never holds free text.
fn valid_reason(reason: &str) -> bool {
    (1..=32).contains(&reason.len())
        && reason
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
    ApiJson(request): ApiJson<RevealRequest>,
) -> Result<Json<RevealResponse>, AppError> {
    let person = person_param(&person)?;
    if !valid_reason(&request.reason) {
        return Err(AppError::bad_request(
            "reason must be a short code of lowercase letters, digits and _",
        ));
    }
    let row = load(&state, &caller, Action::Reveal, &person).await?;
    let number = decrypt_my_number(&state, &row)?;
    let event = Event::ok(Action::Reveal).with(Detail::RevealReason(request.reason.clone()));
    let mut entry = caller.entry(state.clock.now(), event);
    entry.subjects = vec![row.person_number.to_string()];
    entry.sensitive = row.support_measure;
    state.audit(entry).await?;
    Ok(Json(RevealResponse { my_number: number }))
}
