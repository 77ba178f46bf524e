//! `bansho admin roster reconcile FILE` and `bansho admin roster revoke`:
//! the service's reconciliation ([`crate::server::roster`]) on the store
//! directly, as the console's IT officer, each step with its access-log
//! rows in the same transaction. Nothing asks on standard input: without
//! `--yes` a revocation only says what it would do.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use time::OffsetDateTime;

use super::RosterCommand;
use super::StoreArgs;
use super::admin::open;
use crate::domain::grant::Member;
use crate::domain::roles::{Department, Role};
use crate::server::actor::Actor;
use crate::server::crypto::Keys;
use crate::server::data_dir::ADMIN;
use crate::server::roster::{self, BAD_LINES_NAMED, ROSTER_BODY_LIMIT, Reconciled};
use crate::store::journal::{FailPoint, Item};
use crate::store::{GrantRow, ReconciliationRow, Store};

/// Exit status of a revocation shown but not made (no `--yes`).
const NOT_CONFIRMED: u8 = 2;

pub fn run(command: RosterCommand) -> anyhow::Result<ExitCode> {
    match command {
        RosterCommand::Reconcile { store, file } => reconcile(&store, &file),
        RosterCommand::Revoke { store, id, yes } => revoke(&store, &id, yes),
    }
}

fn commit(store: &dyn Store, keys: &Keys, item: Item) -> anyhow::Result<bool> {
    let committed = store
        .commit(
            &keys.audit_chain_key(),
            OffsetDateTime::now_utc(),
            vec![item],
            FailPoint::None,
        )
        .context("the access log cannot be written, so nothing was done")?;
    Ok(committed.first().is_some_and(|c| c.effect.kept()))
}

fn print_findings(row: &ReconciliationRow, grants: &[GrantRow], now: OffsetDateTime) {
    for f in &row.findings {
        let status = grants
            .iter()
            .find(|g| g.id == f.grant_id)
            .map_or("unknown", |g| g.status_at(now).as_str());
        let reason = match f.roster_department {
            Some(to) => format!("{} (roster: {})", f.reason.as_str(), to.as_str()),
            None => f.reason.as_str().to_owned(),
        };
        println!(
            "{:<16} {}  {:<10} {:<20} {:<9} {reason}",
            f.user_id,
            f.grant_id,
            f.role.as_str(),
            f.department.as_str(),
            status,
        );
    }
}

fn reconcile(args: &StoreArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read the roster {}", file.display()))?
        .len();
    if size > ROSTER_BODY_LIMIT as u64 {
        bail!(
            "the roster {} is larger than the {} KiB the service takes",
            file.display(),
            ROSTER_BODY_LIMIT / 1024
        );
    }
    let bytes = std::fs::read(file)
        .with_context(|| format!("cannot read the roster {}", file.display()))?;
    let (store, keys) = open(args)?;
    let now = OffsetDateTime::now_utc();
    let actor = Actor::console(ADMIN);
    let id = crate::server::entry::new_id();
    match roster::reconcile(store.as_ref(), &bytes, ADMIN, id, now)? {
        Reconciled::Malformed { sha256, bad } => {
            let row = roster::refused(&actor, &sha256, bad.len(), now);
            commit(store.as_ref(), &keys, Item::record(row))?;
            eprintln!(
                "{}: {} bad lines; nothing was compared or applied",
                file.display(),
                bad.len()
            );
            for line in bad.iter().take(BAD_LINES_NAMED) {
                eprintln!("  {line}");
            }
            if bad.len() > BAD_LINES_NAMED {
                eprintln!("  ... and {} more", bad.len() - BAD_LINES_NAMED);
            }
            Ok(ExitCode::FAILURE)
        }
        Reconciled::Made(row) => {
            if !commit(store.as_ref(), &keys, roster::made(&actor, &row, now))? {
                bail!("the reconciliation could not be stored (its id is taken): run it again");
            }
            let grants = roster::finding_grants(store.as_ref(), &row)?;
            println!(
                "reconciliation {}  roster sha256 {}  {} people",
                row.id, row.roster_sha256, row.lines
            );
            print_findings(&row, &grants, now);
            println!("{} findings", row.findings.len());
            if !row.findings.is_empty() {
                println!(
                    "to revoke their grants: bansho admin roster revoke --data {} --id {} --yes",
                    args.data.display(),
                    row.id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The console acting as an IT officer.
fn console() -> Member {
    Member {
        user_id: ADMIN.into(),
        role: Role::ItOfficer,
        department: Department::InformationSystems,
    }
}

fn revoke(args: &StoreArgs, id: &str, yes: bool) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let now = OffsetDateTime::now_utc();
    let row = store
        .reconciliation(id)?
        .with_context(|| format!("--id: no reconciliation {id}"))?;
    let latest = store.latest_reconciliation()?.map(|l| l.id);
    let grants = roster::finding_grants(store.as_ref(), &row)?;
    let due: Vec<&GrantRow> = grants
        .iter()
        .filter(|g| roster::revocable_by(g, ADMIN, now))
        .collect();
    if !yes {
        println!(
            "reconciliation {id} would revoke {} grants in force:",
            due.len()
        );
        for g in &due {
            println!(
                "  {:<16} {}  {} / {}",
                g.user_id,
                g.id,
                g.role.as_str(),
                g.department.as_str()
            );
        }
        println!("run again with --yes to revoke them");
        return Ok(ExitCode::from(NOT_CONFIRMED));
    }
    let actor = Actor::console(ADMIN);
    let count = due.len();
    let planned = roster::revocation(
        &row,
        latest.as_deref(),
        grants.clone(),
        (&console(), &actor),
        count,
        now,
    );
    let (item, revoked) = match planned {
        Ok(planned) => planned,
        Err(refusal) => {
            commit(
                store.as_ref(),
                &keys,
                Item::record(roster::revoke_refused(&actor, id, now)),
            )?;
            bail!("{refusal}; nothing was revoked");
        }
    };
    if !commit(store.as_ref(), &keys, item)? {
        bail!("a grant or the reconciliation changed meanwhile: nothing was revoked");
    }
    for g in &revoked {
        println!("revoked {}  {:<16} {}", g.id, g.user_id, g.role.as_str());
    }
    println!(
        "{} grants revoked: their holders' sessions end at their next request",
        revoked.len()
    );
    Ok(ExitCode::SUCCESS)
}
