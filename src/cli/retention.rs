//! `bansho admin retention plan | run`. The plan prints kinds, internal IDs,
//! rules and counts, never what a record says. A run recomputes the plan,
//! refuses unless its hash is the one approved by an IT officer and a
//! supervisor (two people whose accounts still hold those roles), then
//! erases it and compacts the store.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use time::Date;

use super::RetentionCommand;
use super::admin::open;
use crate::domain::audit_event::{Action, Detail, Event, Reason};
use crate::domain::retention::Plan;
use crate::server::ServerConfig;
use crate::server::actor::Actor;
use crate::server::data_dir;
use crate::server::retention::{self, approvers, refusal};
use crate::server::settings::{self, Environment, SettingsFile};
use crate::store::{RetentionApprovalRow, Store};

pub fn run(command: RetentionCommand) -> anyhow::Result<ExitCode> {
    match command {
        RetentionCommand::Plan {
            store,
            config,
            today,
        } => {
            let config = settings_of(&store.data, config.as_deref())?;
            let (store, keys) = open(&store)?;
            let day = day_of(&config, today.as_deref())?;
            let plan =
                retention::make_plan(store.as_ref(), &config.retention, &config.time_zone, day)?;
            let approvals = store.retention_approvals(&plan.hash)?;
            let event = Event::ok(Action::RetentionPlanView).with(Detail::RetentionPlan {
                hash: plan.hash.clone(),
                items: plan.items.len(),
            });
            data_dir::record(store.as_ref(), &keys, data_dir::ADMIN, event)
                .context("the access log cannot be written, so the plan is not shown")?;
            print_plan(&plan, &approvals);
            Ok(ExitCode::SUCCESS)
        }
        RetentionCommand::Run {
            store: args,
            config,
            plan: hash,
            today,
        } => {
            let config = settings_of(&args.data, config.as_deref())?;
            let (store, keys) = open(&args)?;
            let day = day_of(&config, today.as_deref())?;
            let actor = Actor::console(data_dir::ADMIN);
            let key = keys.audit_chain_key();
            let hash = hash.trim().to_ascii_lowercase();
            let plan =
                retention::make_plan(store.as_ref(), &config.retention, &config.time_zone, day)?;
            if plan.hash != hash {
                store.append_audit(
                    &key,
                    &[refusal(
                        &actor,
                        Action::RetentionRun,
                        Reason::StalePlan,
                        &hash,
                    )],
                )?;
                eprintln!(
                    "refused: {hash} is not the current plan ({}); print the plan again and have it approved",
                    plan.hash
                );
                return Ok(ExitCode::FAILURE);
            }
            let approvals = standing(store.as_ref(), store.retention_approvals(&hash)?)?;
            let Some(approvers) = approvers(&approvals) else {
                store.append_audit(
                    &key,
                    &[refusal(
                        &actor,
                        Action::RetentionRun,
                        Reason::ApprovalsMissing,
                        &hash,
                    )],
                )?;
                eprintln!(
                    "refused: the plan needs the approval of an IT officer and of a supervisor, two different people (GET /admin/retention/plan, POST /admin/retention/approvals)"
                );
                return Ok(ExitCode::FAILURE);
            };
            let erased = retention::erase(store.as_ref(), &key, &actor, &plan, &approvers)
                .context("the erasure stopped; what was committed stays erased, with its tombstones; run the plan again")?;
            println!(
                "erased {erased} of {} items of plan {hash}, approved by {} and {}; the store is compacted",
                plan.items.len(),
                approvers.0,
                approvers.1
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The service's settings, as `bansho serve` reads them.
pub(super) fn settings_of(
    data: &std::path::Path,
    config: Option<&std::path::Path>,
) -> anyhow::Result<ServerConfig> {
    let source = match config {
        Some(path) => SettingsFile::named(path),
        None => SettingsFile::in_dir(data),
    };
    Ok(settings::load(&source, &Environment::of_process())?.config)
}

fn day_of(config: &ServerConfig, today: Option<&str>) -> anyhow::Result<Date> {
    match today {
        Some(text) => Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
            .with_context(|| {
                format!(
                    "--today: `{}` is not a date (2027-04-01)",
                    text.escape_debug()
                )
            }),
        None => config
            .time_zone
            .local_date(time::OffsetDateTime::now_utc())
            .context("today is outside the office's calendar"),
    }
}

/// The approvals whose approver still has that role, by the grant in
/// force now, and an enabled account: an approval by someone since moved,
/// whose grant ended, or who was disabled does not count.
fn standing(
    store: &dyn Store,
    approvals: Vec<RetentionApprovalRow>,
) -> anyhow::Result<Vec<RetentionApprovalRow>> {
    let mut kept = Vec::new();
    for approval in approvals {
        let now = time::OffsetDateTime::now_utc();
        if let Some(staff) = store.staff(&approval.user_id)?
            && !staff.disabled
            && let Some(grant) = store.active_grant(&approval.user_id, now)?
            && grant.role.as_str() == approval.role
        {
            kept.push(approval);
        }
    }
    Ok(kept)
}

fn print_plan(plan: &Plan, approvals: &[RetentionApprovalRow]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "retention plan for {}", plan.today);
    let _ = writeln!(out, "rules:");
    for rule in &plan.rules {
        let stated = plan.stated.iter().find(|s| s.rule == rule.name());
        let what = match stated {
            Some(s) => s.note.to_string(),
            None => format!("{} to erase", plan.count(rule.kind)),
        };
        let _ = writeln!(out, "  {:<16} {what}", rule.name());
        let _ = writeln!(out, "  {:<16} basis: {}", "", rule.basis);
    }
    let _ = writeln!(out, "items ({}):", plan.items.len());
    for item in &plan.items {
        let _ = writeln!(
            out,
            "  {:<10} {:<48} {:<16} due {}  {}",
            item.kind.as_str(),
            item.id,
            item.rule,
            item.due,
            item.reason
        );
    }
    let _ = writeln!(out, "approvals:");
    if approvals.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for a in approvals {
        let _ = writeln!(out, "  {} ({}) at {}", a.user_id, a.role, a.at);
    }
    let _ = writeln!(out, "hash: {}", plan.hash);
}
