//! The data directory of a service: the SQLite store, the master key, and the
//! setup tasks of `bansho admin init` and `bansho admin seed`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::Rng;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::actor::Actor;
use super::crypto::{KeyDerivation, Keys, MasterKey};
use super::{auth, totp};
use crate::api::staff::ResetReason;
use crate::api::terminal_bundle::TerminalBundle;
use crate::domain::actor::Actor as MachineActor;
use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::grant::Grant;
use crate::domain::pin_policy::check_pin;
use crate::domain::roles::{Department, Role};
use crate::domain::synth;
use crate::domain::terminal::{Enrolled, Revoked, Terminal, TerminalError, TerminalName};
use crate::secret::Pin;
use crate::store::journal::{Change, Committed, FailPoint, Item};
use crate::store::sqlite::SqliteStore;
use crate::store::{AuditEntry, PurposeRow, ResidentRow, StaffRow, Store};

pub const DB_FILE: &str = "bansho.db";
/// The access log's key record as this service directory last saw it.
pub const CHAIN_ANCHOR_FILE: &str = "keys/audit-chain.record";
pub const KEY_FILE: &str = "keys/master.key";
/// The verifier key of the access log's checkpoints, kept the first time a
/// checkpoint is made (the signing key itself is kept elsewhere).
pub const CHECKPOINT_VERIFIER_FILE: &str = "keys/audit-checkpoint.verifier";

/// Terminal name recorded for administrative commands run on the server.
pub use super::actor::CONSOLE_TERMINAL;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0} already holds a bansho store; refusing to overwrite it")]
    AlreadyInitialised(String),
    #[error("{0} holds no bansho store; run `bansho admin init --data {0}` first")]
    NotInitialised(String),
    #[error(transparent)]
    Keys(#[from] super::crypto::KeyError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] crate::store::postgres::PgOpenError),
    #[error("cannot create {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("user {0} already exists")]
    StaffExists(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Pki(#[from] super::pki::PkiError),
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

pub fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

/// The business purposes (業務) a fresh store records; the service records
/// its configured ones when it starts.
pub fn default_purposes() -> Vec<PurposeRow> {
    super::settings::default_purposes()
        .into_iter()
        .map(|p| PurposeRow {
            code: p.code,
            name_ja: p.name_ja,
            name_en: p.name_en,
        })
        .collect()
}

/// Creates the store, master key, terminal CA and server certificate in
/// `dir`. `server_names` are the host names or addresses terminals will use
/// for the service (loopback is always included).
pub fn init(dir: &Path, server_names: &[String]) -> Result<(Arc<SqliteStore>, Keys), SetupError> {
    if db_path(dir).exists() {
        return Err(SetupError::AlreadyInitialised(dir.display().to_string()));
    }
    let keys = init_service_dir(dir, server_names)?;
    let store = Arc::new(SqliteStore::open(&db_path(dir))?);
    prepare_new_store(store.as_ref(), OffsetDateTime::now_utc())?;
    Ok((store, keys))
}

/// Creates a service directory without its records: the master key (unless
/// it comes from the environment), the terminal CA and the server
/// certificate. Refuses a directory that already has them.
pub fn init_service_dir(dir: &Path, server_names: &[String]) -> Result<Keys, SetupError> {
    if key_path(dir).exists() || dir.join(super::pki::CA_CERT).exists() {
        return Err(SetupError::AlreadyInitialised(dir.display().to_string()));
    }
    crate::private_fs::create_dir_all(dir).map_err(|e| SetupError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let master = if std::env::var(super::crypto::MASTER_KEY_ENV).is_ok() {
        MasterKey::load(&key_path(dir))?
    } else {
        MasterKey::create(&key_path(dir))?
    };
    super::pki::create(dir, server_names)?;
    Ok(Keys::derive(&master, KeyDerivation::NEW))
}

/// Fills a freshly created store of any backend: the purposes, how its
/// keys are derived, and its creation time (which marks it as initialised).
pub fn prepare_new_store(store: &dyn Store, now: OffsetDateTime) -> Result<(), SetupError> {
    for purpose in default_purposes() {
        store.upsert_purpose(&purpose)?;
    }
    store.set_meta(KeyDerivation::META_KEY, KeyDerivation::NEW.name())?;
    store.set_meta("created_at", &crate::store::chain::format_time(now))?;
    Ok(())
}

/// The key record of the access log as this directory saw it, if it has.
pub fn chain_anchor(dir: &Path) -> Result<Option<String>, SetupError> {
    let path = dir.join(CHAIN_ANCHOR_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SetupError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Keeps the store's access-log key record in the service directory the
/// first time it is seen there, for `audit verify` to hold the store to.
pub fn anchor_chain(dir: &Path, store: &dyn Store) -> Result<(), SetupError> {
    if chain_anchor(dir)?.is_some() {
        return Ok(());
    }
    let Some(record) = store.get_meta(crate::store::chain::CHAIN_RECORD)? else {
        return Ok(());
    };
    let path = dir.join(CHAIN_ANCHOR_FILE);
    // The keys folder is absent when the master key comes from the
    // environment.
    path.parent()
        .map_or(Ok(()), crate::private_fs::create_dir_all)
        .and_then(|()| super::crypto::write_private(&path, record.as_bytes()))
        .map_err(|e| SetupError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// The checkpoint verifier key this service directory keeps, if any.
pub fn checkpoint_verifier(dir: &Path) -> Result<Option<String>, SetupError> {
    let path = dir.join(CHECKPOINT_VERIFIER_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SetupError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// Keeps `verifier` as this directory's checkpoint verifier key unless it
/// keeps one already.
pub fn anchor_checkpoint_verifier(dir: &Path, verifier: &str) -> Result<(), SetupError> {
    if checkpoint_verifier(dir)?.is_some() {
        return Ok(());
    }
    let path = dir.join(CHECKPOINT_VERIFIER_FILE);
    path.parent()
        .map_or(Ok(()), crate::private_fs::create_dir_all)
        .and_then(|()| super::crypto::write_private(&path, format!("{verifier}\n").as_bytes()))
        .map_err(|e| SetupError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Stores a signed checkpoint, and the witness's cosignature of it if
/// there is one (with the witness's name), with the access-log row that
/// records them, in one transaction; false if one of that size is stored
/// already.
pub fn store_checkpoint(
    store: &dyn Store,
    keys: &Keys,
    checkpoint: &crate::store::checkpoint::Checkpoint,
    row: crate::store::CheckpointRow,
    cosigned: Option<(crate::store::CosignatureRow, String)>,
) -> Result<bool, SetupError> {
    let (size, fingerprint) = (checkpoint.size, checkpoint.fingerprint());
    let detail = match &cosigned {
        Some((_, witness)) => Detail::CosignedCheckpoint {
            size,
            fingerprint,
            witness: witness.clone(),
        },
        None => Detail::Checkpoint { size, fingerprint },
    };
    let entry =
        Actor::console(ADMIN).entry(row.made_at, Event::ok(Action::AuditCheckpoint).with(detail));
    let mut changes = vec![Change::InsertCheckpoint(row)];
    changes.extend(cosigned.map(|(row, _)| Change::InsertCosignature(row)));
    Ok(commit(store, keys, changes, entry)?.effect.kept())
}

/// Opens an existing store and its key.
pub fn open(dir: &Path) -> Result<(Arc<SqliteStore>, Keys), SetupError> {
    if !db_path(dir).exists() {
        return Err(SetupError::NotInitialised(dir.display().to_string()));
    }
    let master = MasterKey::load(&key_path(dir))?;
    let store = Arc::new(SqliteStore::open(&db_path(dir))?);
    let keys = store_keys(store.as_ref(), &master)?;
    Ok((store, keys))
}

/// The keys of an existing store, by the derivation it records. A store
/// created before derivations were recorded (it has a creation time but no
/// record) used HMAC labels and keeps them: its data is keyed by them. The
/// record is written then, so it is never inferred again.
pub fn store_keys(store: &dyn Store, master: &MasterKey) -> Result<Keys, SetupError> {
    let derivation = match store.get_meta(KeyDerivation::META_KEY)? {
        Some(name) => KeyDerivation::from_name(&name).ok_or_else(|| {
            SetupError::Invalid(format!(
                "the store's {} is {name:?}, which this version of bansho does not know",
                KeyDerivation::META_KEY
            ))
        })?,
        None if store.get_meta("created_at")?.is_some() => {
            let legacy = KeyDerivation::HmacLabelV1;
            store.set_meta(KeyDerivation::META_KEY, legacy.name())?;
            legacy
        }
        None => KeyDerivation::NEW,
    };
    Ok(Keys::derive(master, derivation))
}

/// A staff account to create, with its secrets in memory only.
pub struct NewStaff {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub department: Department,
    pub pin: Pin,
    pub totp_secret: Zeroizing<Vec<u8>>,
    /// The PIN is handed over: its holder must change it at the next login.
    pub pin_change_required: bool,
}

impl NewStaff {
    /// A new account with a generated PIN and TOTP secret.
    pub fn generated(
        user_id: &str,
        display_name: &str,
        role: Role,
        department: Department,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            display_name: display_name.into(),
            role,
            department,
            pin: generate_pin(),
            totp_secret: totp::new_secret(),
            pin_change_required: true,
        }
    }

    /// The same account without the PIN change at the first login: for the
    /// demo's accounts, whose PINs its panel shows, and for test and
    /// benchmark accounts.
    pub fn keeping_pin(self) -> Self {
        Self {
            pin_change_required: false,
            ..self
        }
    }
}

/// The demo's staff: one of each role, in both departments that search,
/// with fresh secrets.
pub fn demo_staff() -> Vec<NewStaff> {
    [
        ("kazei01", "課税 一郎", Role::Clerk, Department::Assessment),
        ("kazei02", "課税 二郎", Role::Clerk, Department::Assessment),
        ("kazei03", "課税 三子", Role::Clerk, Department::Assessment),
        ("nozei01", "納税 花子", Role::Clerk, Department::Collections),
        (
            "shunin01",
            "主任 健",
            Role::Supervisor,
            Department::Assessment,
        ),
        (
            "joho01",
            "情報 守",
            Role::ItOfficer,
            Department::InformationSystems,
        ),
        ("kansa01", "監査 正", Role::Auditor, Department::Audit),
    ]
    .into_iter()
    .map(|(id, name, role, dept)| NewStaff::generated(id, name, role, dept).keeping_pin())
    .collect()
}

/// A random 10-digit PIN that passes the PIN policy.
pub fn generate_pin() -> Pin {
    let mut rng = rand::rng();
    loop {
        let pin: String = (0..10)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        if check_pin(&pin).is_ok() {
            return Pin::new(pin);
        }
    }
}

fn valid_user_id(user_id: &str) -> bool {
    (3..=32).contains(&user_id.len())
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Stores a staff account: PIN hashed with Argon2id, TOTP secret sealed.
pub fn create_staff(
    store: &dyn Store,
    keys: &Keys,
    staff: &NewStaff,
    now: OffsetDateTime,
) -> Result<(), SetupError> {
    if !valid_user_id(&staff.user_id) {
        return Err(SetupError::Invalid(
            "a user ID has 3 to 32 characters: letters, digits, '-', '_' or '.'".into(),
        ));
    }
    check_pin(staff.pin.expose()).map_err(|e| SetupError::Invalid(e.to_string()))?;
    if store.staff(&staff.user_id)?.is_some() {
        return Err(SetupError::StaffExists(staff.user_id.clone()));
    }
    let pin_hash = auth::hash_pin(&staff.pin)
        .map_err(|_| SetupError::Invalid("the PIN could not be hashed".into()))?;
    let row = StaffRow {
        user_id: staff.user_id.clone(),
        display_name: staff.display_name.clone(),
        role: staff.role,
        department: staff.department,
        pin_hash,
        totp_secret_enc: keys.seal_totp_secret(&staff.user_id, &staff.totp_secret),
        last_totp_step: None,
        disabled: false,
        created_at: now,
        pin_change_required: staff.pin_change_required,
    };
    let added = Event::ok(Action::StaffAdd).with(Detail::StaffAdded {
        user: staff.user_id.clone(),
        role: staff.role.as_str(),
        department: staff.department.as_str(),
    });
    // The account's role comes from its grant: one in force from `now`
    // (the account's start), without expiry, applied at the console.
    let grant = Grant::bootstrap(
        super::crypto::new_token()[..32].to_owned(),
        &staff.user_id,
        staff.role,
        staff.department,
        now,
        ADMIN,
    );
    let committed = commit(
        store,
        keys,
        vec![Change::InsertStaff(row), Change::InsertGrant(grant)],
        Actor::console(ADMIN).entry(now, added),
    )?;
    if !committed.effect.kept() {
        return Err(SetupError::StaffExists(staff.user_id.clone()));
    }
    Ok(())
}

/// The console user administrative changes are recorded under.
pub const ADMIN: &str = "admin-cli";

/// Commits `changes` with `row` through the journal, at once (a command,
/// not a request: no group commit to wait for). Nothing is kept if the row
/// cannot be written; a refused change (a conflict, nothing to change) is
/// returned in the effect, without its row.
pub fn commit(
    store: &dyn Store,
    keys: &Keys,
    changes: Vec<Change>,
    row: AuditEntry,
) -> Result<Committed, SetupError> {
    let item = Item::new(
        changes,
        move |effect| {
            if effect.kept() { vec![row] } else { Vec::new() }
        },
    );
    let mut committed = store.commit(
        &keys.audit_chain_key(),
        OffsetDateTime::now_utc(),
        vec![item],
        FailPoint::None,
    )?;
    committed
        .pop()
        .ok_or_else(|| SetupError::Invalid("the journal answered nothing".into()))
}

/// What issuing new credentials to an account changes: the PIN hash and
/// the sealed secret replaced (the PIN change requirement as `staff` asks),
/// the account's lockout cleared and every session of it ended.
pub fn reset_changes(keys: &Keys, staff: &NewStaff, pin_hash: String) -> Vec<Change> {
    vec![
        Change::ResetCredentials {
            user_id: staff.user_id.clone(),
            pin_hash,
            totp_secret_enc: keys.seal_totp_secret(&staff.user_id, &staff.totp_secret),
            pin_change_required: staff.pin_change_required,
        },
        Change::ClearLoginAttempts {
            key: keys.login_guard_key(&staff.user_id),
        },
        Change::EndSessionsOf {
            user_id: staff.user_id.clone(),
            keep: None,
        },
    ]
}

/// How many sessions a committed reset ended.
pub fn sessions_ended(effect: &crate::store::journal::Effect) -> u64 {
    effect
        .applied
        .iter()
        .find_map(|a| match a {
            crate::store::journal::Applied::Count(n) => Some(*n),
            _ => None,
        })
        .unwrap_or(0)
}

/// Gives an existing account a new PIN and TOTP secret at the console,
/// with the reason its row names; refuses an account that is not there.
pub fn reset_staff(
    store: &dyn Store,
    keys: &Keys,
    staff: &NewStaff,
    reason: ResetReason,
) -> Result<(), SetupError> {
    check_pin(staff.pin.expose()).map_err(|e| SetupError::Invalid(e.to_string()))?;
    if store.staff(&staff.user_id)?.is_none() {
        return Err(SetupError::Invalid(format!(
            "--id: there is no account {}",
            staff.user_id
        )));
    }
    let pin_hash = auth::hash_pin(&staff.pin)
        .map_err(|_| SetupError::Invalid("the PIN could not be hashed".into()))?;
    let user = staff.user_id.clone();
    let item = Item::new(reset_changes(keys, staff, pin_hash), move |effect| {
        if !effect.kept() {
            return Vec::new();
        }
        let detail = Detail::CredentialsReset {
            user,
            reason: reason.as_str(),
            sessions_ended: sessions_ended(effect),
        };
        vec![Actor::console(ADMIN).entry(
            OffsetDateTime::now_utc(),
            Event::ok(Action::CredentialsReset).with(detail),
        )]
    });
    let committed = store
        .commit(
            &keys.audit_chain_key(),
            OffsetDateTime::now_utc(),
            vec![item],
            FailPoint::None,
        )?
        .pop()
        .ok_or_else(|| SetupError::Invalid("the journal answered nothing".into()))?;
    if !committed.effect.kept() {
        return Err(SetupError::Invalid(format!(
            "--id: there is no account {}",
            staff.user_id
        )));
    }
    Ok(())
}

/// Registers a terminal: issues its client certificate and returns the
/// bundle to install on it.
pub fn enroll_terminal(
    store: &dyn Store,
    keys: &Keys,
    dir: &Path,
    name: &str,
    server: Option<String>,
) -> Result<TerminalBundle, SetupError> {
    let refused = |e: TerminalError| SetupError::Invalid(e.to_string());
    let name = TerminalName::parse(name).map_err(refused)?;
    let existing = terminal_named(store, &name)?;
    if let Some(existing) = &existing {
        // Before a certificate is issued for nothing.
        return Err(refused(TerminalError::NameTaken {
            name: existing.name().as_str().to_string(),
        }));
    }
    let issued = super::pki::issue_terminal(dir, name.as_str())?;
    let now = OffsetDateTime::now_utc();
    let enrolled = Terminal::enroll(
        &MachineActor::Console,
        now,
        name.clone(),
        issued.fingerprint.clone(),
        existing.as_ref(),
    )
    .map_err(refused)?;
    let name = name.as_str();
    let row = Actor::console(ADMIN).entry(
        now,
        Event::ok(Action::TerminalEnroll).with(Detail::TerminalName(name.to_string())),
    );
    let change = Change::InsertTerminal(terminal_row(&enrolled));
    if !commit(store, keys, vec![change], row)?.effect.kept() {
        return Err(refused(TerminalError::NameTaken {
            name: name.to_string(),
        }));
    }
    Ok(TerminalBundle {
        terminal: name.to_string(),
        server,
        certificate: issued.certificate_pem,
        private_key: crate::secret::Secret::new(issued.private_key_pem.as_str()),
        ca: issued.ca_pem,
    })
}

/// A bundle's file, created (empty, 0600, never over an existing file)
/// before the terminal is registered, so a path that cannot be written
/// stops the enrolment before anything is stored. Removed again unless
/// written.
pub struct BundleFile {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl BundleFile {
    pub fn claim(path: &Path) -> Result<Self, SetupError> {
        let io = |e: std::io::Error| SetupError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_fs::create_dir_all(dir).map_err(io)?;
        }
        let file = crate::private_fs::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io)?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    pub fn write(mut self, bundle: &TerminalBundle) -> Result<(), SetupError> {
        use std::io::Write;
        let io = |e: std::io::Error| SetupError::Io {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io(std::io::ErrorKind::Other.into()))?;
        let written = file
            .write_all(bundle.to_toml().as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(error) = written {
            let _ = std::fs::remove_file(&self.path);
            return Err(io(error));
        }
        Ok(())
    }
}

impl Drop for BundleFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Revokes the active terminal `name` with its row; false if there is none.
pub fn revoke_terminal(store: &dyn Store, keys: &Keys, name: &str) -> Result<bool, SetupError> {
    let Ok(name) = TerminalName::parse(name) else {
        return Ok(false);
    };
    let Some(terminal) = terminal_named(store, &name)? else {
        return Ok(false);
    };
    let now = OffsetDateTime::now_utc();
    if terminal.revoke(&MachineActor::Console, now).is_err() {
        return Ok(false);
    }
    let row = Actor::console(ADMIN).entry(
        now,
        Event::ok(Action::TerminalRevoke).with(Detail::TerminalName(name.as_str().to_string())),
    );
    let change = Change::RevokeTerminal {
        name: name.as_str().to_string(),
    };
    Ok(commit(store, keys, vec![change], row)?.effect.kept())
}

/// The registry's terminal of that name, as the machine sees it.
fn terminal_named(store: &dyn Store, name: &TerminalName) -> Result<Option<Terminal>, SetupError> {
    let Some(row) = store
        .terminals()?
        .into_iter()
        .find(|t| t.name == name.as_str())
    else {
        return Ok(None);
    };
    let enrolled = Enrolled {
        name: name.clone(),
        fingerprint: row.fingerprint,
        enrolled_at: row.created_at,
    };
    Ok(Some(match row.revoked_at {
        None => Terminal::Enrolled(enrolled),
        Some(revoked_at) => Terminal::Revoked(Revoked {
            name: enrolled.name,
            fingerprint: enrolled.fingerprint,
            enrolled_at: enrolled.enrolled_at,
            revoked_at,
        }),
    }))
}

/// The stored form of a terminal's state.
fn terminal_row(terminal: &Terminal) -> crate::store::TerminalRow {
    let (name, fingerprint, created_at, revoked_at) = match terminal {
        Terminal::Enrolled(t) => (&t.name, &t.fingerprint, t.enrolled_at, None),
        Terminal::Revoked(t) => (&t.name, &t.fingerprint, t.enrolled_at, Some(t.revoked_at)),
    };
    crate::store::TerminalRow {
        name: name.as_str().to_string(),
        fingerprint: fingerprint.clone(),
        created_at,
        revoked_at,
    }
}

/// Records an administrative command that changed nothing the journal
/// holds (a listing, a verification, a bulk load already durable).
pub fn record(store: &dyn Store, keys: &Keys, actor: &str, event: Event) -> Result<(), SetupError> {
    let row = Actor::console(actor).entry(OffsetDateTime::now_utc(), event);
    commit(store, keys, Vec::new(), row).map(drop)
}

/// The stored form of a synthetic resident.
pub fn resident_row(keys: &Keys, r: &synth::SyntheticResident) -> ResidentRow {
    use crate::domain::{itaiji, kana};
    let name = format!("{}\u{3000}{}", r.family_name, r.given_name);
    let reading = format!("{}\u{3000}{}", r.family_kana, r.given_kana);
    ResidentRow {
        my_number_enc: keys.seal_my_number(r.person_number.as_str(), r.my_number.expose()),
        my_number_index: keys.my_number_index(r.my_number.expose()),
        name_key: itaiji::name_key(&name),
        kana_key: kana::reading_key(&reading),
        address_key: itaiji::address_key(&r.address),
        name,
        kana: reading,
        birth_date: r.birth_date,
        sex: r.sex,
        postal_code: r.postal_code.clone(),
        address: r.address.clone(),
        status: r.status,
        support_measure: r.support_measure,
        left_on: r.left_on,
        person_number: r.person_number.clone(),
    }
}

/// The store's meta key holding the seed of its synthetic residents.
const SEED_KEY: &str = "synthetic_seed";

/// The seed and city a store's synthetic residents are drawn from: those
/// recorded when it was first seeded, or `wanted`, recorded now. One store,
/// one seed: a second seed would draw colliding My Numbers. A store seeded
/// before the city was recorded holds the ten towns.
pub fn synthetic_origin(
    store: &dyn Store,
    wanted: synth::Origin,
) -> Result<synth::Origin, SetupError> {
    let Some(seed) = store.get_meta(SEED_KEY)? else {
        store.set_meta(synth::City::META_KEY, wanted.city.as_str())?;
        store.set_meta(SEED_KEY, &wanted.seed.to_string())?;
        return Ok(wanted);
    };
    let seed = seed.parse().map_err(|_| {
        SetupError::Invalid(format!(
            "the store's synthetic seed {seed:?} is not a number"
        ))
    })?;
    let city = match store.get_meta(synth::City::META_KEY)? {
        None => synth::City::TenTowns,
        Some(name) => synth::City::parse(&name).ok_or_else(|| {
            SetupError::Invalid(format!(
                "the store's synthetic city {name:?} is not one bansho knows"
            ))
        })?,
    };
    Ok(synth::Origin { seed, city })
}

/// Adds `count` synthetic residents drawn from `origin` after those already stored,
/// as one bulk load; `progress` hears the running total. Rows are generated and sealed
/// (AES-256-GCM, HMAC) on worker threads while the store inserts the batches
/// before them.
pub fn seed_residents(
    store: &dyn Store,
    keys: &Keys,
    origin: synth::Origin,
    count: u64,
    mut progress: impl FnMut(u64),
) -> Result<u64, SetupError> {
    const BATCH: u64 = 10_000;
    let start = store.resident_count()?;
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8) as u64;
    let batches = count.div_ceil(BATCH);
    let loaded = std::thread::scope(|scope| {
        // Worker w makes batches w, w + workers, ...; each hands them over on
        // its own bounded channel, so memory stays a few batches per worker
        // and the batches arrive in order.
        let receivers: Vec<_> = (0..workers)
            .map(|w| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ResidentRow>>(2);
                scope.spawn(move || {
                    let mut b = w;
                    while b < batches {
                        let first = b * BATCH;
                        let n = BATCH.min(count - first);
                        let rows: Vec<ResidentRow> = (start + first..start + first + n)
                            .map(|i| resident_row(keys, &origin.resident(i)))
                            .collect();
                        if tx.send(rows).is_err() {
                            return;
                        }
                        b += workers;
                    }
                });
                rx
            })
            .collect();
        let mut done = 0u64;
        let mut ordered = (0..batches).map(|b| {
            let rows = receivers[(b % workers) as usize].recv().map_err(|_| {
                crate::store::StoreError::Unavailable("a seeding worker stopped".into())
            })?;
            done += rows.len() as u64;
            progress(done);
            Ok(rows)
        });
        store.load_residents(&mut ordered)
        // Leaving the scope drops the receivers first, so a worker blocked
        // on a full channel after a failed load ends too.
    })?;
    Ok(loaded)
}
