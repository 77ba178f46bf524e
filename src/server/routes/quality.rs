//! The supervisors' quality view: slips per 1,000 fields keyed, per
//! operator, per kind of field and per month, from the committed entries
//! and the slips found settling their differences.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;

use super::Caller;
use crate::api::entry::{OperatorQualityView, QualityReport, RateView};
use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::entry::forms;
use crate::domain::entry::quality::{self, Keyed, Rate, SlipFact};
use crate::domain::entry::schema::{FieldKind, FieldPath};
use crate::server::AppState;
use crate::server::entry::open_record;
use crate::server::error::AppError;

fn month(at: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}", at.year(), u8::from(at.month()))
}

fn rate(r: &Rate) -> RateView {
    RateView {
        fields: r.fields,
        slips: r.slips,
        per_thousand: (r.per_thousand() * 100.0).round() / 100.0,
    }
}

pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<QualityReport>, AppError> {
    let commits = state
        .store(|s| {
            s.entry_commits_between(
                time::OffsetDateTime::UNIX_EPOCH,
                time::macros::datetime!(9999-12-31 0:00 UTC),
            )
        })
        .await?;
    let double = &state.config.double_keying;
    let mut keyed = Vec::new();
    for row in &commits {
        let version = open_record(&state, row)?;
        let Some(schema) = forms::form(&row.form) else {
            continue;
        };
        let mut first: BTreeMap<FieldKind, u64> = BTreeMap::new();
        let mut second: BTreeMap<FieldKind, u64> = BTreeMap::new();
        for path in version.record.paths() {
            let Some(spec) = schema.field(path) else {
                continue;
            };
            *first.entry(spec.kind).or_default() += 1;
            if double.applies(spec) {
                *second.entry(spec.kind).or_default() += 1;
            }
        }
        keyed.push(Keyed {
            staff: version.first_by.clone(),
            month: month(row.committed_at),
            kinds: first,
        });
        if let Some(by) = &version.second_by {
            keyed.push(Keyed {
                staff: by.clone(),
                month: month(row.committed_at),
                kinds: second,
            });
        }
    }
    let staff = state.store(|s| s.list_staff()).await?;
    let mut slips = Vec::new();
    for member in staff {
        let id = member.user_id.clone();
        for slip in state.store(move |s| s.slips_of(&id)).await? {
            let kind = FieldPath::parse(&slip.field)
                .and_then(|p| {
                    forms::forms()
                        .ok()?
                        .iter()
                        .find_map(|f| f.field(&p).map(|s| s.kind))
                })
                .unwrap_or(FieldKind::Text);
            slips.push(SlipFact {
                staff: slip.staff,
                month: month(slip.at),
                kind,
            });
        }
    }
    let operators: Vec<OperatorQualityView> = quality::figures(&keyed, &slips)
        .into_iter()
        .map(|(staff, q)| OperatorQualityView {
            staff,
            total: rate(&q.total),
            by_kind: q
                .by_kind
                .iter()
                .map(|(k, r)| (k.as_str().to_owned(), rate(r)))
                .collect(),
            by_month: q
                .by_month
                .iter()
                .map(|(m, r)| (m.clone(), rate(r)))
                .collect(),
        })
        .collect();
    let log = caller.entry(
        state.clock.now(),
        Event::ok(Action::EntryQuality).with(Detail::Rows(operators.len())),
    );
    state.audit(log).await?;
    Ok(Json(QualityReport { operators }))
}
