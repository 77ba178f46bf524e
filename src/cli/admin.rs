//! `bansho admin ...`: IT officer tasks run on the service's machine. Each
//! writes its own access-log row.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use time::OffsetDateTime;

use super::{
    AdminArgs, AdminCommand, AuditCommand, BackupArgs, RestoreArgs, StoreArgs, TerminalCommand,
    UserCommand, WitnessClientArgs,
};
use crate::api::staff::ResetReason;
use crate::domain::audit_event::{Action, Detail, Event, Outcome, Reason};
use crate::domain::roles::{Department, Role};
use crate::domain::synth;
use crate::server::backup;
use crate::server::credentials;
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, NewStaff};
use crate::server::store_location::{self, OpenOptions, StoreLocation};
use crate::server::totp;
use crate::store::Store;
use crate::store::chain::ChainBreak;
use crate::store::checkpoint;

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
            city,
        } => seed_cmd(&store, residents, seed, city),
        AdminCommand::Audit { command } => match command {
            AuditCommand::Verify {
                store,
                verifier,
                witness_key,
            } => verify(&store, verifier.as_deref(), witness_key.as_deref()),
            AuditCommand::Checkpoint {
                store,
                key,
                latest,
                witness,
            } => match key {
                Some(key) if !latest => checkpoint(&store, &key, &witness),
                _ => latest_checkpoint(&store),
            },
            AuditCommand::Report(args) => super::audit_report::run(&args),
            AuditCommand::Keygen { out, name } => keygen(&out, &name),
        },
        AdminCommand::User { command } => match command {
            UserCommand::Add {
                store,
                id,
                name,
                role,
                department,
            } => add_user(&store, &id, &name, &role, &department),
            UserCommand::List { store } => list_users(&store),
            UserCommand::Disable { store, id } => super::grant::disable_user(&store, &id),
            UserCommand::Reset { store, id, reason } => reset_user(&store, &id, &reason),
        },
        AdminCommand::Grant { command } => super::grant::run(command),
        AdminCommand::Backup(args) => backup_cmd(&args),
        AdminCommand::Restore(args) => restore_cmd(&args),
        AdminCommand::Retention { command } => super::retention::run(command),
        AdminCommand::PiaReport(args) => super::pia_report::run(&args),
        AdminCommand::Roster { command } => super::roster::run(command),
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

/// Prints an account's new secrets once, the QR code of the secret for an
/// authenticator app too. Standard output only; nothing is kept anywhere
/// else.
fn print_enrolment(staff: &NewStaff) {
    let secret = totp::to_base32(&staff.totp_secret);
    let uri = totp::otpauth_uri(credentials::ISSUER, &staff.user_id, &staff.totp_secret);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "user:        {}", staff.user_id);
    let _ = writeln!(out, "PIN:         {}", staff.pin.expose());
    let _ = writeln!(out, "TOTP secret: {}", secret.as_str());
    let _ = writeln!(out, "TOTP URI:    {}", uri.as_str());
    if let Some(lines) = crate::qr::lines(&uri) {
        let _ = writeln!(out, "Scan with the authenticator app:");
        for line in lines.iter() {
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(
        out,
        "These are shown once. Hand them over in person; enrol the secret in an authenticator app."
    );
    if staff.pin_change_required {
        let _ = writeln!(out, "The PIN must be changed at the first login.");
    }
}

/// New credentials for an account at the console, printed once.
fn reset_user(args: &StoreArgs, id: &str, reason: &str) -> anyhow::Result<ExitCode> {
    let reason =
        ResetReason::parse(reason).context("--reason: lost_device, forgotten_pin or enrolment")?;
    let (store, keys) = open(args)?;
    let Some(account) = store.staff(id)? else {
        anyhow::bail!("--id: there is no account {id}");
    };
    let staff = NewStaff::generated(
        &account.user_id,
        &account.display_name,
        account.role,
        account.department,
    );
    data_dir::reset_staff(store.as_ref(), &keys, &staff, reason)?;
    println!("New credentials for {id}: their sessions are ended.");
    print_enrolment(&staff);
    Ok(ExitCode::SUCCESS)
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

fn seed_cmd(
    args: &StoreArgs,
    residents: u64,
    seed: u64,
    city: synth::City,
) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let origin = data_dir::synthetic_origin(store.as_ref(), synth::Origin { seed, city })?;
    let seed = origin.seed;
    let started = std::time::Instant::now();
    let added = data_dir::seed_residents(store.as_ref(), &keys, origin, residents, |done| {
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

fn verify(
    args: &StoreArgs,
    verifier: Option<&str>,
    witness_key: Option<&str>,
) -> anyhow::Result<ExitCode> {
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
            // The chain holds; now the latest checkpoint, which a chain
            // made again from a rewritten or cut log cannot match.
            let checked = match trusted_verifier(&args.data, verifier)? {
                Some(verifier) => Some(checkpoint::check_latest(store.as_ref(), &verifier, true)?),
                None if store.checkpoints(1)?.is_empty() => None,
                None => {
                    eprintln!(
                        "access log checkpoints NOT CHECKED: the service directory keeps no \
                         checkpoint verifier key ({}); pass --verifier KEY from the paper record",
                        data_dir::CHECKPOINT_VERIFIER_FILE
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            // Then the latest checkpoint the witness cosigned: rows it saw
            // cannot be cut even with the store's own checkpoints.
            let cosigned = match witness_key {
                None => None,
                Some(text) => {
                    let witness = crate::store::cosignature::WitnessKey::parse(text).context(
                        "--witness-key is not a witness key (NAME+ID+KEY, as `bansho witness` prints it)",
                    )?;
                    let Some(verifier) = trusted_verifier(&args.data, verifier)? else {
                        eprintln!(
                            "access log cosignatures NOT CHECKED: no checkpoint verifier key \
                             (pass --verifier KEY from the paper record)"
                        );
                        return Ok(ExitCode::FAILURE);
                    };
                    Some((
                        witness.name().to_string(),
                        checkpoint::check_cosigned(store.as_ref(), &verifier, &witness)?,
                    ))
                }
            };
            let broken = match (&checked, &cosigned) {
                (Some(Err(broken)), _) | (_, Some((_, Err(broken)))) => Some(broken),
                _ => None,
            };
            if let Some(broken) = broken {
                let event = Event::new(
                    Action::AuditVerify,
                    Outcome::Broken,
                    Detail::Reason(broken.reason()),
                );
                let _ = append(store.as_ref(), &keys, event);
                eprintln!("access log BROKEN: {broken}");
                return Ok(ExitCode::FAILURE);
            }
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
            match checked {
                Some(Ok(Some(latest))) => println!(
                    "  it extends its latest signed checkpoint: {} rows, fingerprint {}",
                    latest.size,
                    latest.fingerprint()
                ),
                _ => println!(
                    "  no signed checkpoint yet: make one with `bansho admin audit checkpoint --key FILE`"
                ),
            }
            if let Some((name, Ok((cosigned, timestamp)))) = cosigned {
                let at = OffsetDateTime::from_unix_timestamp(timestamp as i64)
                    .map(crate::store::chain::format_time)
                    .unwrap_or_else(|_| timestamp.to_string());
                println!(
                    "  it extends the latest checkpoint the witness {name} cosigned: {} rows, \
                     fingerprint {}, cosigned {at}",
                    cosigned.size,
                    cosigned.fingerprint()
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

/// The verifier key checkpoints are checked with: the one given, else the
/// one the service directory keeps (never one the store itself names).
fn trusted_verifier(
    dir: &Path,
    given: Option<&str>,
) -> anyhow::Result<Option<checkpoint::VerifierKey>> {
    if let Some(given) = given {
        return checkpoint::VerifierKey::parse(given)
            .map(Some)
            .context("--verifier is not a checkpoint verifier key (NAME+ID+KEY)");
    }
    data_dir::checkpoint_verifier(dir)?
        .map(|text| {
            checkpoint::VerifierKey::parse(&text).with_context(|| {
                format!(
                    "{} does not hold a checkpoint verifier key",
                    data_dir::CHECKPOINT_VERIFIER_FILE
                )
            })
        })
        .transpose()
}

/// Reads the checkpoint signing key from a file outside the service
/// directory that only its owner can read.
fn signing_key(path: &Path, data: &Path) -> anyhow::Result<checkpoint::SignerKey> {
    let named = || format!("the checkpoint key {}", path.display());
    let file = std::fs::canonicalize(path).with_context(named)?;
    let dir = std::fs::canonicalize(data).with_context(|| data.display().to_string())?;
    if file.starts_with(&dir) {
        anyhow::bail!(
            "{} is inside the service directory {}: whoever holds the store would hold the key \
             too. Keep it apart (removable media, another account) and name it with --key",
            path.display(),
            data.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .with_context(named)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            anyhow::bail!(
                "{} can be read by other accounts (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&file).with_context(named)?);
    checkpoint::SignerKey::parse(&text)
        .with_context(|| format!("{} is not a checkpoint signing key", path.display()))
}

fn print_checkpoint(checkpoint: &checkpoint::Checkpoint, note: &str, verifier: &str) {
    use crate::text::strip_controls;
    // A stored note is read from the store: shown with no control
    // character, line by line.
    let mut out = std::io::stdout().lock();
    for line in note.lines() {
        let _ = writeln!(out, "{}", strip_controls(line));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "rows:         {}", checkpoint.size);
    let _ = writeln!(out, "fingerprint:  {}", checkpoint.fingerprint());
    let _ = writeln!(out, "verifier key: {}", strip_controls(verifier));
    let _ = writeln!(
        out,
        "Write the date, the rows and the fingerprint in the 業務日誌 (paper record)."
    );
}

/// Has the new checkpoint cosigned by the witness, if one is named: the
/// row to keep with it and the witness's name, or why there is none.
fn cosign(
    store: &dyn Store,
    witness: &WitnessClientArgs,
    made: &checkpoint::Checkpoint,
    note: &str,
) -> anyhow::Result<Option<(crate::store::CosignatureRow, String)>> {
    let (Some(url), Some(ca), Some(key)) =
        (&witness.witness, &witness.witness_ca, &witness.witness_key)
    else {
        return Ok(None);
    };
    let witness = crate::witness::submit::Witness::new(url, ca, key)?;
    let key_text = witness.key.to_text();
    // The size the witness last cosigned, as this store knows it; the
    // witness corrects it if it knows another.
    let old = store
        .cosignatures(&key_text, 1)?
        .pop()
        .map_or(0, |row| row.size.max(0) as u64);
    let cosigned =
        tokio::runtime::Handle::current().block_on(witness.cosign(store, made, note, old))?;
    let row = crate::store::CosignatureRow {
        size: made.size as i64,
        witness: key_text,
        note: cosigned,
        cosigned_at: OffsetDateTime::now_utc(),
    };
    Ok(Some((row, witness.key.name().to_string())))
}

fn checkpoint(
    args: &StoreArgs,
    key: &Path,
    witness: &WitnessClientArgs,
) -> anyhow::Result<ExitCode> {
    let key = signing_key(key, &args.data)?;
    let (store, keys) = open(args)?;
    let verifier = key.verifier();
    if let Some(known) = trusted_verifier(&args.data, None)?
        && known != verifier
    {
        anyhow::bail!(
            "this is not the checkpoint key of this service directory (its verifier key is in {}); \
             nothing was signed",
            data_dir::CHECKPOINT_VERIFIER_FILE
        );
    }
    // Never sign a log that does not verify: a checkpoint would make a
    // rewritten or cut log look like the true one.
    let anchor = data_dir::chain_anchor(&args.data)?;
    if let Err(broken) = crate::store::chain::verify_store_anchored(
        store.as_ref(),
        &keys.audit_chain_key(),
        anchor.as_deref(),
    )? {
        anyhow::bail!("the access log does not verify ({broken}); nothing was signed");
    }
    if let Err(broken) = checkpoint::check_latest(store.as_ref(), &verifier, false)? {
        anyhow::bail!("{broken}; nothing was signed");
    }
    let Some((made, row)) = checkpoint::make(store.as_ref(), &key, OffsetDateTime::now_utc())?
    else {
        anyhow::bail!("the access log is empty; nothing to sign");
    };
    let note = row.note.clone();
    // A witness that refuses, or cannot be reached, does not stop the
    // checkpoint: it is kept uncosigned and the refusal is the exit status.
    let (cosigned, refusal) = match cosign(store.as_ref(), witness, &made, &note) {
        Ok(cosigned) => (cosigned, None),
        Err(refusal) => (None, Some(refusal)),
    };
    let witness_name = cosigned.as_ref().map(|(_, name)| name.clone());
    if !data_dir::store_checkpoint(store.as_ref(), &keys, &made, row, cosigned)? {
        anyhow::bail!("a checkpoint of {} rows is stored already", made.size);
    }
    data_dir::anchor_checkpoint_verifier(&args.data, &verifier.to_text())?;
    print_checkpoint(&made, &note, &verifier.to_text());
    if let Some(name) = witness_name {
        println!("cosigned by:  {name}");
    }
    if let Some(refusal) = refusal {
        return Err(refusal.context(
            "the checkpoint was stored WITHOUT the witness's cosignature; see docs/admin-guide.md, \
             \"When the witness refuses\"",
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn latest_checkpoint(args: &StoreArgs) -> anyhow::Result<ExitCode> {
    let (store, keys) = open(args)?;
    let latest = store.checkpoints(1)?.pop();
    append(
        store.as_ref(),
        &keys,
        Event::ok(Action::AuditRead).with(Detail::Rows(usize::from(latest.is_some()))),
    )?;
    let Some(row) = latest else {
        println!("no signed checkpoint yet");
        return Ok(ExitCode::SUCCESS);
    };
    // Shown as stored; `audit verify` is what checks it.
    let Ok(parsed) = checkpoint::Checkpoint::parse(
        row.note
            .rfind("\n\n")
            .map_or(row.note.as_str(), |end| &row.note[..end + 1]),
    ) else {
        anyhow::bail!(
            "the latest stored checkpoint does not read as one; run `bansho admin audit verify`"
        );
    };
    print_checkpoint(&parsed, &row.note, &row.verifier);
    println!(
        "made:         {}",
        crate::store::chain::format_time(row.made_at)
    );
    Ok(ExitCode::SUCCESS)
}

fn keygen(out: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::Rng::fill(&mut rand::rng(), &mut seed[..]);
    let key = checkpoint::SignerKey::from_seed(name, &seed)
        .context("the key name must not be empty or hold spaces or '+'")?;
    let mut text = key.to_text();
    text.push('\n');
    crate::private_fs::write_new(out, text.as_bytes()).with_context(|| {
        format!(
            "cannot create {} (an existing file is never overwritten)",
            out.display()
        )
    })?;
    println!(
        "Wrote the checkpoint signing key to {} (mode 0600). Keep it apart from the service \
         directory and its backups; checkpoints are made with `bansho admin audit checkpoint --key {}`.",
        out.display(),
        out.display()
    );
    println!("verifier key: {}", key.verifier().to_text());
    Ok(ExitCode::SUCCESS)
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
            "{:<16} {:<12} {:<20} {}{}",
            s.user_id,
            s.role.as_str(),
            s.department.as_str(),
            if s.disabled { "disabled" } else { "active" },
            if s.pin_change_required {
                ", PIN change pending"
            } else {
                ""
            }
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
