//! `bansho admin ...`: IT officer tasks run on the service's machine. Each
//! writes its own access-log row.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use time::OffsetDateTime;

use super::{
    AdminArgs, AdminCommand, AuditCommand, BackupArgs, RestoreArgs, StoreArgs, TerminalCommand,
    UserCommand,
};
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::roles::{Department, Role};
use crate::server::backup;
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, NewStaff};
use crate::server::store_location::{self, OpenOptions, StoreLocation};
use crate::server::totp;
use crate::store::Store;
use crate::store::chain::ChainBreak;

/// Who the access log names for commands run at the console.
const ACTOR: &str = data_dir::ADMIN;

pub async fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    // Argon2 and batch inserts block: keep them off the async threads.
    tokio::task::spawn_blocking(move || run_blocking(args))
        .await
        .context("admin task stopped")?
}

fn run_blocking(args: AdminArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AdminCommand::Init {
            store,
            admin_user,
            server_names,
        } => init(&store, &admin_user, &server_names),
        AdminCommand::Terminal { command } => terminal(command),
        AdminCommand::Seed {
            store,
            residents,
            seed,
        } => seed_cmd(&store, residents, seed),
        AdminCommand::Audit {
            command: AuditCommand::Verify { store },
        } => verify(&store),
        AdminCommand::User { command } => match command {
            UserCommand::Add {
                store,
                id,
                name,
                role,
                department,
            } => add_user(&store, &id, &name, &role, &department),
            UserCommand::List { store } => list_users(&store),
        },
        AdminCommand::Backup(args) => backup_cmd(&args),
        AdminCommand::Restore(args) => restore_cmd(&args),
    }
}

/// The store named by `--data` or `--store`, and how to open it. Refuses a
/// data directory that other accounts could read or write, before anything
/// in it is opened: with `--store` it still holds the keys and the CA.
pub fn location(args: &StoreArgs) -> anyhow::Result<(StoreLocation, OpenOptions)> {
    crate::private_fs::check_private(&args.data)?;
    let location = StoreLocation {
        dir: args.data.clone(),
        url: args.store.clone(),
    };
    let options = OpenOptions {
        allow_unsafe_durability: args.allow_unsafe_durability,
    };
    Ok((location, options))
}

/// Opens the existing store named by the arguments.
pub fn open(args: &StoreArgs) -> anyhow::Result<(Arc<dyn Store>, Keys)> {
    super::startup::existing_data_dir(&args.data)?;
    let (location, options) = location(args)?;
    Ok(store_location::open(&location, &options)?)
}

fn append(store: &dyn Store, keys: &Keys, event: Event) -> anyhow::Result<()> {
    data_dir::record(store, keys, ACTOR, event)
        .context("the access log cannot be written, so the command is not done")?;
    Ok(())
}

/// Prints a new account's secrets once. Standard output only; nothing is
/// kept anywhere else.
fn print_enrolment(staff: &NewStaff) {
    let secret = totp::to_base32(&staff.totp_secret);
    let uri = totp::otpauth_uri("bansho", &staff.user_id, &staff.totp_secret);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "user:        {}", staff.user_id);
    let _ = writeln!(out, "PIN:         {}", staff.pin.expose());
    let _ = writeln!(out, "TOTP secret: {}", secret.as_str());
    let _ = writeln!(out, "TOTP URI:    {}", uri.as_str());
    let _ = writeln!(
        out,
        "These are shown once. Hand them over in person; enrol the secret in an authenticator app."
    );
}

fn init(args: &StoreArgs, admin_user: &str, server_names: &[String]) -> anyhow::Result<ExitCode> {
    super::startup::creatable_data_dir(&args.data)?;
    let (location, options) = location(args)?;
    let (store, keys) = store_location::init(&location, &options, server_names)?;
    let staff = NewStaff::generated(
        admin_user,
        "IT officer",
        Role::ItOfficer,
        Department::InformationSystems,
    );
    data_dir::create_staff(store.as_ref(), &keys, &staff, OffsetDateTime::now_utc())?;
    append(
        store.as_ref(),
        &keys,
        Event::ok(Action::AdminInit).with(Detail::FirstItOfficer(admin_user.to_string())),
    )?;
    data_dir::anchor_chain(&args.data, store.as_ref())?;
    println!("Created a bansho store in {}", location.describe());
    print_enrolment(&staff);
    Ok(ExitCode::SUCCESS)
}

fn seed_cmd(args: &StoreArgs, residents: u64, seed: u64) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    // One store, one seed: a second seed would draw colliding My Numbers.
    let seed = match store.get_meta("synthetic_seed")? {
        Some(stored) => stored.parse().context("stored seed is not a number")?,
        None => {
            store.set_meta("synthetic_seed", &seed.to_string())?;
            seed
        }
    };
    let started = std::time::Instant::now();
    let added = data_dir::seed_residents(store.as_ref(), &keys, seed, residents, |done| {
        if done % 100_000 == 0 {
            eprintln!("  {done} residents");
        }
    })?;
    append(
        store.as_ref(),
        &keys,
        Event::ok(Action::AdminSeed).with(Detail::Seeded {
            residents: added,
            seed,
        }),
    )?;
    println!(
        "Added {added} synthetic residents in {:.1} s ({} in the store)",
        started.elapsed().as_secs_f64(),
        store.resident_count()?
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let started = std::time::Instant::now();
    let anchor = data_dir::chain_anchor(&args.data)?;
    match crate::store::chain::verify_store_anchored(
        store.as_ref(),
        &keys.audit_chain_key(),
        anchor.as_deref(),
    )? {
        Ok(verified) => {
            let rows = verified.verified();
            let unkeyed = verified.unkeyed();
            append(
                store.as_ref(),
                &keys,
                Event::ok(Action::AuditVerify).with(Detail::Intact { rows }),
            )?;
            println!(
                "access log intact: {rows} rows verified in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            if unkeyed > 0 {
                println!(
                    "  of them {unkeyed} written before keyed chaining (format v1): they are \
                     protected by the first keyed row after them"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            // Record the finding too; the chain after a break stays broken,
            // but the finding itself must be on the record.
            let finding = match broken {
                ChainBreak::WrongKey => Detail::Reason(Reason::WrongKey),
                ChainBreak::Record => Detail::Reason(Reason::KeyRecord),
                _ => Detail::FirstBadRow(broken.seq()),
            };
            // A removed key record is not written again by this row: the
            // next append would otherwise start a new keyed part.
            if broken != ChainBreak::Record {
                let event = Event::new(Action::AuditVerify, Outcome::Broken, finding);
                let _ = append(store.as_ref(), &keys, event);
            }
            match broken {
                ChainBreak::WrongKey => eprintln!("access log NOT CHECKED: {broken}"),
                _ => eprintln!("access log BROKEN at {broken}"),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn terminal(command: TerminalCommand) -> anyhow::Result<ExitCode> {
    match command {
        TerminalCommand::Enroll {
            name,
            store: args,
            out,
            server,
        } => {
            let (store, keys) = open(&args)?;
            let out = out.unwrap_or_else(|| format!("{name}.bansho-terminal.toml").into());
            // The bundle's file is claimed first: a path that cannot be
            // written must not leave a registered terminal behind.
            let file = data_dir::BundleFile::claim(&out)?;
            let bundle =
                data_dir::enroll_terminal(store.as_ref(), &keys, &args.data, &name, server)?;
            file.write(&bundle)?;
            println!(
                "Registered terminal {name}. Its bundle is {} (mode 0600): copy it to the terminal and point `bansho tui --terminal` at it.",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        TerminalCommand::List { store: args } => {
            let (store, keys) = open(&args)?;
            let terminals = store.terminals()?;
            append(
                store.as_ref(),
                &keys,
                Event::ok(Action::TerminalList).with(Detail::Rows(terminals.len())),
            )?;
            for t in terminals {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", crate::store::chain::format_time(at)),
                    None => "active".to_string(),
                };
                println!(
                    "{:<20} {}  {}",
                    t.name,
                    &t.fingerprint[..16.min(t.fingerprint.len())],
                    state
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TerminalCommand::Revoke { name, store: args } => {
            let (store, keys) = open(&args)?;
            if !data_dir::revoke_terminal(store.as_ref(), &keys, &name)? {
                anyhow::bail!("no active terminal named {name}");
            }
            println!("Revoked terminal {name}: it is refused from its next request on.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add_user(
    args: &StoreArgs,
    id: &str,
    name: &str,
    role: &str,
    department: &str,
) -> anyhow::Result<ExitCode> {
    let role =
        Role::parse(role).context("role must be clerk, supervisor, it_officer or auditor")?;
    let department = Department::parse(department)
        .context("department must be assessment, collections, information_systems or audit")?;
    let (store, keys) = open(args)?;
    let staff = NewStaff::generated(id, name, role, department);
    data_dir::create_staff(store.as_ref(), &keys, &staff, OffsetDateTime::now_utc())?;
    print_enrolment(&staff);
    Ok(ExitCode::SUCCESS)
}

fn list_users(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let staff = store.list_staff()?;
    append(
        store.as_ref(),
        &keys,
        Event::ok(Action::StaffList).with(Detail::Rows(staff.len())),
    )?;
    for s in staff {
        println!(
            "{:<16} {:<12} {:<20} {}",
            s.user_id,
            s.role.as_str(),
            s.department.as_str(),
            if s.disabled { "disabled" } else { "active" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The file name of a path, for a log row that must not name folders.
fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An online backup: the access-log row first (no row, no backup), then
/// the snapshot, which therefore holds the row of its own making.
fn backup_cmd(args: &BackupArgs) -> anyhow::Result<ExitCode> {
    if args.store.store.is_some() {
        anyhow::bail!(backup::POSTGRES_ADVICE);
    }
    let recipients = backup::recipients(&args.recipient, args.recipient_file.as_deref())?;
    let (store, keys) = open(&args.store)?;
    let target = backup::Target::claim(&args.to)?;
    append(
        store.as_ref(),
        &keys,
        Event::ok(Action::Backup).with(Detail::BackupFile {
            file: file_name(&args.to),
            recipients: recipients.len(),
        }),
    )?;
    drop(store);
    let started = std::time::Instant::now();
    let made_at = crate::store::chain::format_time(OffsetDateTime::now_utc());
    let manifest = backup::make(&args.store.data, target, &recipients, made_at)
        .context("the backup was not made")?;
    println!(
        "Backup written to {} in {:.1} s: {} residents, {} entries, access log up to row {}",
        args.to.display(),
        started.elapsed().as_secs_f64(),
        manifest.residents,
        manifest.entries,
        manifest.audit_seq
    );
    println!(
        "It does not hold the master key: keep that apart, as `bansho admin restore` needs it."
    );
    Ok(ExitCode::SUCCESS)
}

/// A restore: decrypted and checked in a private folder beside `--data`,
/// the master key checked against the restored store, the restore written
/// in its access log, and only then put in place.
fn restore_cmd(args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    if args.master_key.is_none() && std::env::var(crate::server::crypto::MASTER_KEY_ENV).is_err() {
        anyhow::bail!(
            "a restore needs the store's master key, which backups do not hold: give \
             --master-key FILE (the copy kept apart) or set {}",
            crate::server::crypto::MASTER_KEY_ENV
        );
    }
    backup::check_restorable(&args.data)?;
    let identities = backup::identities(&args.identity)?;
    let staged = backup::unpack(&args.from, &args.identity, &identities, &args.data)?;
    if let Some(key) = &args.master_key {
        let text = zeroize::Zeroizing::new(
            std::fs::read(key).with_context(|| format!("cannot read {}", key.display()))?,
        );
        let path = data_dir::key_path(staged.path());
        if let Some(folder) = path.parent() {
            crate::private_fs::create_dir_all(folder)?;
        }
        crate::server::crypto::write_private(&path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let manifest = staged.manifest.clone();
    {
        let (store, keys) =
            store_location::open(&StoreLocation::dir(staged.path()), &OpenOptions::default())
                .context(
                    "the restored store does not open with this master key; nothing was restored",
                )?;
        append(
            store.as_ref(),
            &keys,
            Event::ok(Action::Restore).with(Detail::Restored {
                made_at: manifest.made_at.clone(),
                last_row: manifest.audit_seq,
            }),
        )?;
    }
    staged.place(&args.data)?;
    println!(
        "Restored the backup made {} into {}: {} residents, {} entries, access log up to row {}",
        manifest.made_at,
        args.data.display(),
        manifest.residents,
        manifest.entries,
        manifest.audit_seq
    );
    println!(
        "Run `bansho admin audit verify --data {}` before serving from it.",
        args.data.display()
    );
    Ok(ExitCode::SUCCESS)
}
