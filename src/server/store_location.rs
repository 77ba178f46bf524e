//! Where a service keeps its records: a data directory (embedded SQLite, the
//! master key in the directory) or a PostgreSQL URL (the master key from
//! `BANSHO_MASTER_KEY` or a key file). `serve` and `admin` open a store
//! through here and do not care which backend it is.

use std::path::PathBuf;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::crypto::{Keys, MASTER_KEY_ENV, MasterKey};
use super::data_dir::{self, SetupError};
use crate::store::{MetaStore, Store};

/// Meta key holding a keyed check value of the master key, so a store is
/// never opened (and written) with the wrong key.
const KEY_CHECK: &str = "key_check";

/// A service's directory (master key, terminal CA, server certificate, and
/// the embedded store) and, optionally, a PostgreSQL database that holds the
/// records instead of the directory's SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLocation {
    pub dir: PathBuf,
    pub url: Option<String>,
}

impl StoreLocation {
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            url: None,
        }
    }

    /// For messages: the directory, or the database without its password.
    pub fn describe(&self) -> String {
        match &self.url {
            None => self.dir.display().to_string(),
            Some(url) => redact_url(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user@host/db`, query kept.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(invalid URL)".into();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Options for opening a store.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// PostgreSQL: run even with `fsync`, `synchronous_commit` or
    /// `full_page_writes` off.
    pub allow_unsafe_durability: bool,
}

fn key_check(keys: &Keys) -> String {
    keys.query_hmac("bansho-master-key-check-v1")
}

fn check_key(store: &dyn Store, keys: &Keys) -> Result<(), SetupError> {
    match store.get_meta(KEY_CHECK)? {
        // Compared in constant time: the value is keyed by the master key.
        Some(stored) if !bool::from(stored.as_bytes().ct_eq(key_check(keys).as_bytes())) => {
            Err(SetupError::Invalid(
                "the master key does not belong to this store (wrong BANSHO_MASTER_KEY or key file)"
                    .into(),
            ))
        }
        Some(_) => Ok(()),
        // Stores made before the check existed: record it now.
        None => {
            store.set_meta(KEY_CHECK, &key_check(keys))?;
            Ok(())
        }
    }
}

/// Creates the service directory (key, CA, server certificate) and a new
/// store in it or in PostgreSQL.
pub fn init(
    location: &StoreLocation,
    options: &OpenOptions,
    server_names: &[String],
) -> Result<(Arc<dyn Store>, Keys), SetupError> {
    let store: Arc<dyn Store> = match &location.url {
        None => {
            let (store, keys) = data_dir::init(&location.dir, server_names)?;
            store.set_meta(KEY_CHECK, &key_check(&keys))?;
            return Ok((store, keys));
        }
        Some(url) => {
            let store = open_postgres(url, options)?;
            if store.get_meta("created_at")?.is_some() {
                return Err(SetupError::AlreadyInitialised(redact_url(url)));
            }
            store
        }
    };
    let keys = data_dir::init_service_dir(&location.dir, server_names)?;
    data_dir::prepare_new_store(store.as_ref(), OffsetDateTime::now_utc())?;
    store.set_meta(KEY_CHECK, &key_check(&keys))?;
    Ok((store, keys))
}

/// Opens an existing store and the service directory's master key.
pub fn open(
    location: &StoreLocation,
    options: &OpenOptions,
) -> Result<(Arc<dyn Store>, Keys), SetupError> {
    let (store, keys): (Arc<dyn Store>, Keys) = match &location.url {
        None => {
            let (store, keys) = data_dir::open(&location.dir)?;
            (store as Arc<dyn Store>, keys)
        }
        Some(url) => {
            if std::env::var(MASTER_KEY_ENV).is_err() && !data_dir::key_path(&location.dir).exists()
            {
                return Err(SetupError::NotInitialised(
                    location.dir.display().to_string(),
                ));
            }
            let master = MasterKey::load(&data_dir::key_path(&location.dir))?;
            let store = open_postgres(url, options)?;
            if store.get_meta("created_at")?.is_none() {
                return Err(SetupError::Invalid(format!(
                    "{} holds no bansho store; run `bansho admin init --data DIR --store URL` first",
                    redact_url(url)
                )));
            }
            let keys = data_dir::store_keys(store.as_ref(), &master)?;
            (store, keys)
        }
    };
    check_key(store.as_ref(), &keys)?;
    data_dir::anchor_chain(&location.dir, store.as_ref())?;
    Ok((store, keys))
}

#[cfg(feature = "postgres")]
fn open_postgres(url: &str, options: &OpenOptions) -> Result<Arc<dyn Store>, SetupError> {
    use crate::store::postgres::{PgOptions, PostgresStore};
    let store = PostgresStore::open(
        url,
        &PgOptions {
            allow_unsafe_durability: options.allow_unsafe_durability,
            ..PgOptions::default()
        },
    )?;
    tracing::info!(
        target = store.target(),
        tls = store.tls(),
        "PostgreSQL store open"
    );
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(_url: &str, _options: &OpenOptions) -> Result<Arc<dyn Store>, SetupError> {
    Err(SetupError::Invalid(
        "this build has no PostgreSQL support (build with the `postgres` feature)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://bansho:s3cret@db:5432/city?sslmode=require"),
            "postgres://bansho@db:5432/city?sslmode=require"
        );
        assert_eq!(redact_url("postgres://db/city"), "postgres://db/city");
    }

    #[test]
    fn descriptions_never_show_a_password() {
        let location = StoreLocation {
            dir: "d".into(),
            url: Some("postgres://u:pw@h/db".into()),
        };
        assert_eq!(location.describe(), "postgres://u@h/db");
        assert_eq!(StoreLocation::dir("d").describe(), "d");
    }
}
