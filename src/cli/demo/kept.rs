//! What a demo keeps in its directory so the next run can reuse it: the
//! demo terminal's bundle and the demo accounts' PINs and TOTP secrets, each
//! a 0600 file beside the store (which already holds the master key). A rerun
//! of `demo --data DIR` logs in with the same accounts from the same terminal;
//! only what is missing or no longer matches the store is made again, and a
//! replaced demo terminal is revoked.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::api::staff::ResetReason;
use crate::api::terminal_bundle::TerminalBundle;
use crate::secret::Pin;
use crate::server::crypto::Keys;
use crate::server::data_dir::{self, NewStaff};
use crate::server::{auth, pki, totp};
use crate::store::Store;

/// The demo terminal's bundle, in the demo's directory.
pub const TERMINAL_FILE: &str = "demo-terminal.toml";
/// The demo accounts' PINs and TOTP secrets (base32).
pub const ACCOUNTS_FILE: &str = "demo-accounts.toml";
/// Names of the demo's terminals: `demo`, then `demo-2`, `demo-3`, ...
const TERMINAL_NAME: &str = "demo";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    account: Vec<KeptAccount>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeptAccount {
    user_id: String,
    pin: String,
    totp_secret: String,
}

impl Drop for KeptAccount {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.pin.zeroize();
        self.totp_secret.zeroize();
    }
}

fn accounts_path(dir: &Path) -> PathBuf {
    dir.join(ACCOUNTS_FILE)
}

/// The kept credentials of `user_id`, if the file has them.
fn kept(file: Option<&AccountsFile>, user_id: &str) -> Option<(Pin, Zeroizing<Vec<u8>>)> {
    let account = file?.account.iter().find(|a| a.user_id == user_id)?;
    let secret = totp::from_base32(&account.totp_secret)?;
    Some((Pin::new(account.pin.as_str()), secret))
}

/// Whether the store's account still has these credentials.
fn matches(store: &dyn Store, keys: &Keys, user_id: &str, pin: &Pin, secret: &[u8]) -> bool {
    let Ok(Some(row)) = store.staff(user_id) else {
        return false;
    };
    let same_secret = keys
        .open_totp_secret(user_id, &row.totp_secret_enc)
        .is_ok_and(|stored| stored.as_slice() == secret);
    same_secret && auth::verify_pin(pin, &row.pin_hash)
}

/// The demo accounts of a reopened store: each one's kept PIN and secret if
/// they still open it, else new ones given to it (and kept for next time).
pub fn reuse_accounts(
    store: &dyn Store,
    keys: &Keys,
    dir: &Path,
    mut staff: Vec<NewStaff>,
) -> anyhow::Result<Vec<NewStaff>> {
    let path = accounts_path(dir);
    let file: Option<AccountsFile> = std::fs::read_to_string(&path)
        .ok()
        .map(Zeroizing::new)
        .and_then(|text| toml::from_str(&text).ok());
    let mut changed = file.is_none();
    for account in &mut staff {
        match kept(file.as_ref(), &account.user_id) {
            Some((pin, secret)) if matches(store, keys, &account.user_id, &pin, &secret) => {
                account.pin = pin;
                account.totp_secret = secret;
            }
            _ => {
                data_dir::reset_staff(store, keys, account, ResetReason::Enrolment)?;
                changed = true;
            }
        }
    }
    if changed {
        keep_accounts(dir, &staff)?;
    }
    Ok(staff)
}

/// Writes the accounts file (0600), replacing any older one.
pub fn keep_accounts(dir: &Path, staff: &[NewStaff]) -> anyhow::Result<()> {
    let file = AccountsFile {
        account: staff
            .iter()
            .map(|s| KeptAccount {
                user_id: s.user_id.clone(),
                pin: s.pin.expose().to_string(),
                totp_secret: totp::to_base32(&s.totp_secret).to_string(),
            })
            .collect(),
    };
    let text = Zeroizing::new(toml::to_string(&file).context("demo accounts")?);
    replace_private(&accounts_path(dir), text.as_bytes())
}

/// A private file written whole under a temporary name, then renamed over
/// `path`, so a kill never leaves half of it.
fn replace_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let partial = path.with_extension("toml.partial");
    let _ = std::fs::remove_file(&partial);
    crate::private_fs::write_new(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The demo terminal: the kept one if the registry still has it active,
/// else a new one (any other active demo terminal of this store revoked).
pub fn terminal(store: &dyn Store, keys: &Keys, dir: &Path) -> anyhow::Result<TerminalBundle> {
    let path = dir.join(TERMINAL_FILE);
    if let Ok(bundle) = TerminalBundle::load(&path)
        && registered(store, &bundle)
    {
        return Ok(bundle);
    }
    let terminals = store.terminals()?;
    let is_demo = |name: &str| {
        name == TERMINAL_NAME
            || name
                .strip_prefix(TERMINAL_NAME)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    for old in terminals
        .iter()
        .filter(|t| t.revoked_at.is_none() && is_demo(&t.name))
    {
        data_dir::revoke_terminal(store, keys, &old.name)?;
    }
    let taken = |name: &str| terminals.iter().any(|t| t.name == name);
    let name = std::iter::once(TERMINAL_NAME.to_string())
        .chain((2..).map(|n| format!("{TERMINAL_NAME}-{n}")))
        .find(|name| !taken(name))
        .unwrap_or_else(|| TERMINAL_NAME.to_string());
    let bundle = data_dir::enroll_terminal(store, keys, dir, &name, None)?;
    replace_private(&path, bundle.to_toml().as_bytes())?;
    Ok(bundle)
}

/// Whether the bundle's certificate is an active terminal of this store.
fn registered(store: &dyn Store, bundle: &TerminalBundle) -> bool {
    let Ok(der) = CertificateDer::from_pem_slice(bundle.certificate.as_bytes()) else {
        return false;
    };
    let fingerprint = pki::fingerprint(&der);
    matches!(
        store.terminal_by_fingerprint(&fingerprint),
        Ok(Some(row)) if row.revoked_at.is_none() && row.name == bundle.terminal
    )
}
