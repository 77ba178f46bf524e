//! Where a service keeps its records: a data directory (embedded SQLite, the
//! master key in the directory) or a PostgreSQL URL (the master key from
//! `BANSHO_MASTER_KEY` or a key file). `serve` and `admin` open a store
//! through here and do not care which backend it is.

use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;

use super::crypto::{Keys, MASTER_KEY_ENV};
use super::data_dir::{self, SetupError};
use crate::store::Store;

/// Meta key holding a keyed check value of the master key, so a store is
/// never opened (and written) with the wrong key.
const KEY_CHECK: &str = "key_check";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A data directory created by `bansho admin init --data DIR`.
    Dir(PathBuf),
    /// A PostgreSQL database.
    Url {
        url: String,
        /// The master key file; `BANSHO_MASTER_KEY` wins when set.
        key_file: Option<PathBuf>,
    },
}

impl StoreLocation {
    /// From the `--data` / `--store` / `--key-file` arguments.
    pub fn from_args(
        data: Option<PathBuf>,
        store: Option<String>,
        key_file: Option<PathBuf>,
    ) -> Result<Self, SetupError> {
        match (data, store) {
            (Some(dir), None) => Ok(Self::Dir(dir)),
            (None, Some(url)) => Ok(Self::Url { url, key_file }),
            (Some(_), Some(_)) => Err(SetupError::Invalid(
                "give either --data DIR or --store URL, not both".into(),
            )),
            (None, None) => Err(SetupError::Invalid(
                "give --data DIR (embedded store) or --store postgres://... (PostgreSQL)".into(),
            )),
        }
    }

    /// For messages: the directory, or the database without its password.
    pub fn describe(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            Self::Url { url, .. } => redact_url(url),
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
        Some(stored) if stored != key_check(keys) => Err(SetupError::Invalid(
            "the master key does not belong to this store (wrong BANSHO_MASTER_KEY or key file)"
                .into(),
        )),
        Some(_) => Ok(()),
        // Stores made before the check existed: record it now.
        None => {
            store.set_meta(KEY_CHECK, &key_check(keys))?;
            Ok(())
        }
    }
}

/// Creates a new store and its master key.
pub fn init(
    location: &StoreLocation,
    options: &OpenOptions,
) -> Result<(Arc<dyn Store>, Keys), SetupError> {
    match location {
        StoreLocation::Dir(dir) => {
            let (store, keys) = data_dir::init(dir)?;
            store.set_meta(KEY_CHECK, &key_check(&keys))?;
            Ok((store as Arc<dyn Store>, keys))
        }
        StoreLocation::Url { url, key_file } => {
            let store = open_postgres(url, options)?;
            if store.get_meta("created_at")?.is_some() {
                return Err(SetupError::AlreadyInitialised(redact_url(url)));
            }
            let keys = match key_file {
                _ if std::env::var(MASTER_KEY_ENV).is_ok() => {
                    Keys::load(std::path::Path::new("-"))?
                }
                Some(path) if path.exists() => Keys::load(path)?,
                Some(path) => Keys::create(path)?,
                None => return Err(no_key()),
            };
            data_dir::prepare_new_store(store.as_ref(), OffsetDateTime::now_utc())?;
            store.set_meta(KEY_CHECK, &key_check(&keys))?;
            Ok((store, keys))
        }
    }
}

/// Opens an existing store and its master key.
pub fn open(
    location: &StoreLocation,
    options: &OpenOptions,
) -> Result<(Arc<dyn Store>, Keys), SetupError> {
    let (store, keys): (Arc<dyn Store>, Keys) = match location {
        StoreLocation::Dir(dir) => {
            let (store, keys) = data_dir::open(dir)?;
            (store as Arc<dyn Store>, keys)
        }
        StoreLocation::Url { url, key_file } => {
            let keys = match key_file {
                _ if std::env::var(MASTER_KEY_ENV).is_ok() => {
                    Keys::load(std::path::Path::new("-"))?
                }
                Some(path) => Keys::load(path)?,
                None => return Err(no_key()),
            };
            let store = open_postgres(url, options)?;
            if store.get_meta("created_at")?.is_none() {
                return Err(SetupError::Invalid(format!(
                    "{} holds no bansho store; run `bansho admin init --store URL` first",
                    redact_url(url)
                )));
            }
            (store, keys)
        }
    };
    check_key(store.as_ref(), &keys)?;
    Ok((store, keys))
}

fn no_key() -> SetupError {
    SetupError::Invalid(format!(
        "with --store the master key comes from {MASTER_KEY_ENV} (64 hex digits) or --key-file PATH"
    ))
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
    fn exactly_one_location_is_given() {
        assert!(StoreLocation::from_args(None, None, None).is_err());
        assert!(
            StoreLocation::from_args(Some("d".into()), Some("postgres://h/d".into()), None)
                .is_err()
        );
        assert_eq!(
            StoreLocation::from_args(Some("d".into()), None, None).ok(),
            Some(StoreLocation::Dir("d".into()))
        );
    }
}
