//! `bansho admin grant ...` and `bansho admin user disable`: the grant
//! machine's steps on the store directly, each with its access-log row in
//! the same transaction. A request and an application name who makes them
//! (`--as`): the rules are the service's, with the role and department of
//! that person's grant in force, so the console cannot apply what it
//! requested. Revocation and extension are the console's, as an IT officer.

use std::process::ExitCode;

use anyhow::{Context, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::GrantCommand;
use super::StoreArgs;
use super::admin::open;
use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::grant::{Grant, GrantRequest, GrantRules, GrantState, GrantStatus, Member};
use crate::domain::roles::{Department, Role};
use crate::server::actor::Actor;
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, ADMIN};
use crate::store::journal::{Change, FailPoint, Item};
use crate::store::{AuditEntry, GrantQuery, GrantRow, Store};

pub fn run(command: GrantCommand) -> anyhow::Result<ExitCode> {
    match command {
        GrantCommand::List {
            store,
            user,
            department,
            state,
        } => list(&store, user, department.as_deref(), state.as_deref()),
        GrantCommand::Request {
            store,
            by,
            user,
            role,
            department,
            from,
            until,
            reason,
        } => {
            let role = Role::parse(&role)
                .context("--role must be clerk, supervisor, it_officer or auditor")?;
            let department = department_arg(&department)?;
            let now = OffsetDateTime::now_utc();
            let from = match from {
                Some(text) => time_arg("--from", &text)?,
                None => now,
            };
            let until = time_arg("--until", &until)?;
            request(&store, &by, &user, role, department, (from, until), &reason)
        }
        GrantCommand::Apply { store, by, id } => apply(&store, &by, &id),
        GrantCommand::Revoke { store, id, reason } => revoke(&store, &id, &reason),
        GrantCommand::Extend {
            store,
            department,
            until,
            reason,
        } => extend(
            &store,
            department_arg(&department)?,
            time_arg("--until", &until)?,
            &reason,
        ),
    }
}

fn department_arg(text: &str) -> anyhow::Result<Department> {
    Department::parse(text)
        .context("--department must be assessment, collections, information_systems or audit")
}

fn time_arg(flag: &str, text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .with_context(|| format!("{flag} must be an RFC 3339 time, such as 2027-03-31T15:00:00Z"))
}

/// The console acting as an IT officer.
fn console() -> Member {
    Member {
        user_id: ADMIN.into(),
        role: Role::ItOfficer,
        department: Department::InformationSystems,
    }
}

/// `user` with the role of their grant in force now.
fn member(store: &dyn Store, user: &str, now: OffsetDateTime) -> anyhow::Result<Member> {
    let staff = store.staff(user)?.filter(|s| !s.disabled);
    let grant = store.active_grant(user, now)?;
    match (staff, grant) {
        (Some(_), Some(grant)) => Ok(Member {
            user_id: user.into(),
            role: grant.role,
            department: grant.department,
        }),
        _ => bail!("{user} has no enabled account with a grant in force"),
    }
}

fn detail(grant: &GrantRow) -> Detail {
    Detail::Grant {
        id: grant.id.clone(),
        user: grant.user_id.clone(),
        role: grant.role.as_str(),
        department: grant.department.as_str(),
        state: grant.state.as_str(),
        until: grant.expires_at.map(crate::store::chain::format_time),
    }
}

/// Commits `changes` with `rows`, all or nothing.
fn commit(
    store: &dyn Store,
    keys: &Keys,
    changes: Vec<Change>,
    rows: Vec<AuditEntry>,
) -> anyhow::Result<()> {
    let item = Item::new(
        changes,
        move |effect| {
            if effect.kept() { rows } else { Vec::new() }
        },
    );
    let committed = store.commit(
        &keys.audit_chain_key(),
        OffsetDateTime::now_utc(),
        vec![item],
        FailPoint::None,
    )?;
    match committed.first() {
        Some(c) if c.effect.kept() => Ok(()),
        _ => bail!("the grant changed meanwhile (or is not there): nothing was done"),
    }
}

fn print(grant: &GrantRow, now: OffsetDateTime) {
    let show = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
    println!(
        "{}  {:<12} {:<10} {:<20} {:<9} {} .. {}",
        grant.id,
        grant.user_id,
        grant.role.as_str(),
        grant.department.as_str(),
        grant.status_at(now).as_str(),
        show(grant.starts_at),
        grant.expires_at.map_or_else(|| "-".into(), show),
    );
}

fn list(
    args: &StoreArgs,
    user: Option<String>,
    department: Option<&str>,
    state: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let department = department.map(department_arg).transpose()?;
    let state = state
        .map(|s| {
            GrantState::parse(s).context("--state must be requested, active, refused or revoked")
        })
        .transpose()?;
    let (store, keys) = open(args)?;
    let grants = store.grants(
        &GrantQuery {
            user_id: user,
            department,
            state,
        },
        10_000,
    )?;
    data_dir::record(
        store.as_ref(),
        &keys,
        ADMIN,
        Event::ok(Action::GrantList).with(Detail::Rows(grants.len())),
    )?;
    let now = OffsetDateTime::now_utc();
    for grant in &grants {
        print(grant, now);
    }
    Ok(ExitCode::SUCCESS)
}

fn request(
    args: &StoreArgs,
    by: &str,
    user: &str,
    role: Role,
    department: Department,
    (from, until): (OffsetDateTime, OffsetDateTime),
    reason: &str,
) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let now = OffsetDateTime::now_utc();
    if store.staff(user)?.is_none() {
        bail!("--user: there is no account {user}");
    }
    let by = member(store.as_ref(), by, now)?;
    let asked = GrantRequest {
        id: crate::server::entry::new_id(),
        user_id: user.into(),
        role,
        department,
        from,
        until,
        reason: reason.into(),
    };
    let grant = Grant::request(&by, asked, now, &GrantRules::default())?;
    let row = Actor::console(&by.user_id)
        .entry(now, Event::ok(Action::GrantRequest).with(detail(&grant)));
    commit(
        store.as_ref(),
        &keys,
        vec![Change::InsertGrant(grant.clone())],
        vec![row],
    )?;
    print(&grant, now);
    Ok(ExitCode::SUCCESS)
}

/// Loads grant `id`, applies `step` as `by`, commits it with its row.
fn step(
    args: &StoreArgs,
    id: &str,
    by: Option<&str>,
    action: Action,
    step: impl FnOnce(Grant, &Member, OffsetDateTime) -> Result<Grant, crate::domain::grant::GrantError>,
) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let now = OffsetDateTime::now_utc();
    let by = match by {
        Some(user) => member(store.as_ref(), user, now)?,
        None => console(),
    };
    let grant = store
        .grant(id)?
        .with_context(|| format!("--id: no grant {id}"))?;
    let read_at = grant.revision;
    let next = step(grant, &by, now)?;
    let row = Actor::console(&by.user_id).entry(now, Event::ok(action).with(detail(&next)));
    commit(
        store.as_ref(),
        &keys,
        vec![Change::UpdateGrant {
            row: next.clone(),
            expected_revision: read_at,
        }],
        vec![row],
    )?;
    print(&next, now);
    Ok(ExitCode::SUCCESS)
}

fn apply(args: &StoreArgs, by: &str, id: &str) -> anyhow::Result<ExitCode> {
    step(args, id, Some(by), Action::GrantApply, |g, by, at| {
        g.apply(by, at)
    })
}

fn revoke(args: &StoreArgs, id: &str, reason: &str) -> anyhow::Result<ExitCode> {
    step(args, id, None, Action::GrantRevoke, |g, by, at| {
        g.revoke(by, at, reason)
    })
}

fn extend(
    args: &StoreArgs,
    department: Department,
    until: OffsetDateTime,
    reason: &str,
) -> anyhow::Result<ExitCode> {
    if reason.trim().is_empty() {
        bail!("--reason is required");
    }
    let (store, keys) = open(args)?;
    let now = OffsetDateTime::now_utc();
    let by = console();
    let grants = store.grants(
        &GrantQuery {
            user_id: None,
            department: Some(department),
            state: Some(GrantState::Active),
        },
        10_000,
    )?;
    let mut changes = Vec::new();
    let mut rows = Vec::new();
    let mut extended = Vec::new();
    for grant in grants {
        let due = matches!(
            grant.status_at(now),
            GrantStatus::Active | GrantStatus::Scheduled
        ) && grant.extends_to(until);
        if !due {
            continue;
        }
        let read_at = grant.revision;
        let next = grant.extend(&by, now, until, &GrantRules::default())?;
        rows.push(
            Actor::console(ADMIN).entry(now, Event::ok(Action::GrantExtend).with(detail(&next))),
        );
        changes.push(Change::UpdateGrant {
            row: next.clone(),
            expected_revision: read_at,
        });
        extended.push(next);
    }
    if extended.is_empty() {
        data_dir::record(
            store.as_ref(),
            &keys,
            ADMIN,
            Event::ok(Action::GrantExtend).with(Detail::Rows(0)),
        )?;
    } else {
        commit(store.as_ref(), &keys, changes, rows)?;
    }
    for grant in &extended {
        print(grant, now);
    }
    println!("{} grants extended", extended.len());
    Ok(ExitCode::SUCCESS)
}

pub fn disable_user(args: &StoreArgs, id: &str) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    if store.staff(id)?.is_none() {
        bail!("--id: there is no account {id}");
    }
    let row = Actor::console(ADMIN).entry(
        OffsetDateTime::now_utc(),
        Event::ok(Action::StaffDisable).with(Detail::User(id.into())),
    );
    let committed = data_dir::commit(
        store.as_ref(),
        &keys,
        vec![Change::DisableStaff { user_id: id.into() }],
        row,
    )?;
    if !committed.effect.kept() {
        bail!("{id} is disabled already");
    }
    println!("{id} disabled: their sessions end at their next request");
    Ok(ExitCode::SUCCESS)
}
