//! Encrypted backups of a service directory (embedded SQLite store) and
//! their restore (`docs/admin-guide.md`, "Backups and restore").
//!
//! A backup is one age file (X25519 recipients, authenticated in 64 KiB
//! chunks, so a changed or cut-short file does not decrypt). Its plaintext:
//!
//! ```text
//! bansho-backup 1\n
//! {manifest as one line of JSON}\n
//! then for each file of the manifest, in order: its bytes
//! end\n
//! ```
//!
//! It holds a snapshot of the store (SQLite's online backup API, taken while
//! the service runs) and the directory's files a restored service needs:
//! the terminal CA and server certificate with their keys (enrolled
//! terminals keep working), the access log's key record (`audit verify`
//! holds the store to it) and the settings file. It never holds the master
//! key: that key seals the My Numbers and keys the access-log chain, never
//! changes after `admin init`, and is kept apart, so the holder of a backup
//! and its age identity still cannot read a My Number nor forge a log row.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::data_dir::{CHAIN_ANCHOR_FILE, DB_FILE, KEY_FILE};
use super::{pki, settings};
use crate::store::sqlite::SqliteStore;

const MAGIC: &str = "bansho-backup 1";
const END: &str = "end";

/// The directory's files a backup carries besides the store, when present.
pub const CARRIED: &[&str] = &[
    CHAIN_ANCHOR_FILE,
    pki::CA_CERT,
    pki::CA_KEY,
    pki::SERVER_CERT,
    pki::SERVER_KEY,
    settings::SETTINGS_FILE,
];

/// What `bansho admin backup` says to a PostgreSQL store.
pub const POSTGRES_ADVICE: &str = "this store is in PostgreSQL: `bansho admin backup` copies only \
     the embedded SQLite store. Back PostgreSQL up with its own tools (pg_dump --format=custom for \
     a consistent snapshot, or pg_basebackup with WAL archiving for point-in-time recovery), \
     encrypt the result, and keep a copy of the --data directory's tls/ and keys/audit-chain.record \
     with it; docs/admin-guide.md, \"Backups and restore\", says how";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: a backup never overwrites a file; name a new one")]
    Exists(String),
    #[error("{0:?} is not an age recipient (a public key that starts with age1)")]
    BadRecipient(String),
    #[error("no recipient: give --recipient age1... or --recipient-file FILE")]
    NoRecipient,
    #[error("{0} holds no age recipient (lines that start with age1; # starts a comment)")]
    EmptyRecipientFile(String),
    #[error("{0} holds no age identity (a line that starts with AGE-SECRET-KEY-1)")]
    NoIdentity(String),
    #[error("{0} is not a bansho backup: it is not an age-encrypted file")]
    NotABackup(String),
    #[error(
        "{backup} was not made for the identity in {identity}: none of its keys opens it (it was encrypted to another recipient)"
    )]
    WrongIdentity { backup: String, identity: String },
    #[error(
        "{0} has been altered or cut short: its authentication failed ({1}); nothing was restored"
    )]
    Tampered(String, String),
    #[error("{0} decrypts, but is not a bansho backup ({1}); nothing was restored")]
    Format(String, String),
    #[error("{0} is not empty: a restore goes into an empty or new directory only; name a new one")]
    NotEmpty(String),
    #[error("{0} is a file, not a directory")]
    NotADir(String),
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// One carried file: its path in the directory, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a backup holds: when it was made and the store's counts at the
/// snapshot, then its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub made_at: String,
    /// The last access-log row in the snapshot.
    pub audit_seq: i64,
    pub residents: i64,
    pub entries: i64,
    pub files: Vec<FileEntry>,
}

/// The recipients given on the command line and in a recipients file.
pub fn recipients(
    given: &[String],
    file: Option<&Path>,
) -> Result<Vec<age::x25519::Recipient>, BackupError> {
    let mut texts: Vec<String> = given.to_vec();
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).map_err(io_at(file))?;
        let before = texts.len();
        texts.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
        if texts.len() == before {
            return Err(BackupError::EmptyRecipientFile(file.display().to_string()));
        }
    }
    if texts.is_empty() {
        return Err(BackupError::NoRecipient);
    }
    texts
        .into_iter()
        .map(|t| t.parse().map_err(|_| BackupError::BadRecipient(t)))
        .collect()
}

/// The identities in an age identity file (as `age-keygen` writes it).
pub fn identities(file: &Path) -> Result<Vec<age::x25519::Identity>, BackupError> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(file).map_err(io_at(file))?);
    let found: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .filter_map(|l| l.parse().ok())
        .collect();
    if found.is_empty() {
        return Err(BackupError::NoIdentity(file.display().to_string()));
    }
    Ok(found)
}

/// The backup file, claimed (created, mode 0600) before anything is done,
/// and removed again unless it is finished.
pub struct Target {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl Target {
    pub fn claim(path: &Path) -> Result<Self, BackupError> {
        let file = crate::private_fs::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    BackupError::Exists(path.display().to_string())
                }
                _ => io_at(path)(e),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A new folder in `parent` that only its owner can use (0700 whatever
/// the umask), removed when dropped.
fn private_tempdir(parent: &Path, prefix: &str) -> Result<tempfile::TempDir, BackupError> {
    let work = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .map_err(io_at(parent))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(crate::private_fs::DIR_MODE);
        std::fs::set_permissions(work.path(), mode).map_err(io_at(work.path()))?;
    }
    Ok(work)
}

fn sha256_of(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io_at(path))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(io_at(path))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn count(conn: &rusqlite::Connection, sql: &str) -> Result<i64, BackupError> {
    conn.query_row(sql, [], |r| r.get(0))
        .map_err(|e| crate::store::StoreError::Unavailable(e.to_string()).into())
}

/// Takes a snapshot of the store in `dir` and writes it with the carried
/// files into `target`, encrypted to `recipients`. The plaintext snapshot
/// lives only in a private folder inside `dir` (which already holds the
/// store) and is gone when this returns.
pub fn make(
    dir: &Path,
    target: Target,
    recipients: &[age::x25519::Recipient],
    made_at: String,
) -> Result<Manifest, BackupError> {
    let work = private_tempdir(dir, ".backup-")?;
    let snapshot = work.path().join(DB_FILE);
    let store = SqliteStore::open(&super::data_dir::db_path(dir))?;
    store.snapshot(&snapshot)?;
    drop(store);

    let (audit_seq, residents, entries) = {
        let conn = rusqlite::Connection::open(&snapshot)
            .map_err(|e| crate::store::StoreError::Unavailable(e.to_string()))?;
        (
            count(&conn, "SELECT COALESCE(MAX(seq), 0) FROM audit_log")?,
            count(&conn, "SELECT COUNT(*) FROM residents")?,
            count(&conn, "SELECT COUNT(*) FROM entries")?,
        )
    };

    let mut sources = vec![(DB_FILE.to_string(), snapshot.clone())];
    for name in CARRIED {
        let path = dir.join(name);
        if path.is_file() {
            sources.push((name.to_string(), path));
        }
    }
    let mut files = Vec::new();
    for (name, path) in &sources {
        let (bytes, sha256) = sha256_of(path)?;
        files.push(FileEntry {
            path: name.clone(),
            bytes,
            sha256,
        });
    }
    let manifest = Manifest {
        made_at,
        audit_seq,
        residents,
        entries,
        files,
    };

    let mut target = target;
    let out_path = target.path.clone();
    let out_err = io_at(&out_path);
    let file = target
        .file
        .as_ref()
        .ok_or_else(|| out_err(std::io::ErrorKind::Other.into()))?
        .try_clone()
        .map_err(&out_err)?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| BackupError::Io {
                path: out_path.display().to_string(),
                reason: e.to_string(),
            })?;
    let mut writer = encryptor
        .wrap_output(std::io::BufWriter::new(file))
        .map_err(&out_err)?;
    let header = serde_json::to_string(&manifest).map_err(|e| BackupError::Io {
        path: out_path.display().to_string(),
        reason: e.to_string(),
    })?;
    writeln!(writer, "{MAGIC}\n{header}").map_err(&out_err)?;
    for ((_, path), entry) in sources.iter().zip(&manifest.files) {
        let mut file = std::fs::File::open(path).map_err(io_at(path))?;
        let copied =
            std::io::copy(&mut (&mut file).take(entry.bytes), &mut writer).map_err(&out_err)?;
        if copied != entry.bytes {
            return Err(BackupError::Io {
                path: path.display().to_string(),
                reason: "the file changed size while it was copied".into(),
            });
        }
    }
    writeln!(writer, "{END}").map_err(&out_err)?;
    let buffered = writer.finish().map_err(&out_err)?;
    let file = buffered.into_inner().map_err(|e| out_err(e.into_error()))?;
    file.sync_all().map_err(&out_err)?;
    // Finished: the file stays.
    target.file.take();
    Ok(manifest)
}

/// Where a restore may write: an empty or missing directory.
pub fn check_restorable(dir: &Path) -> Result<(), BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(BackupError::NotEmpty(dir.display().to_string()))
            } else {
                Ok(())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dir.is_file() => Err(BackupError::NotADir(dir.display().to_string())),
        Err(e) => Err(io_at(dir)(e)),
    }
}

/// A restored directory waiting beside its destination until it is
/// complete; removed if it is never put in place.
pub struct Staged {
    work: tempfile::TempDir,
    pub manifest: Manifest,
}

impl Staged {
    pub fn path(&self) -> &Path {
        self.work.path()
    }

    /// Puts the restored directory at `dir` (empty or missing).
    pub fn place(self, dir: &Path) -> Result<(), BackupError> {
        check_restorable(dir)?;
        if dir.exists() {
            std::fs::remove_dir(dir).map_err(io_at(dir))?;
        }
        let staged = self.work.keep();
        std::fs::rename(&staged, dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            io_at(dir)(e)
        })
    }
}

fn allowed(path: &str) -> bool {
    path == DB_FILE || CARRIED.contains(&path)
}

/// Decrypts `backup` with `identities` and writes its files into a new
/// private folder beside `dir`. Every byte is authenticated before the
/// folder can be put in place; a file that is not a backup, was made for
/// another key, or was altered, is refused by name.
pub fn unpack(
    backup: &Path,
    identity_file: &Path,
    identities: &[age::x25519::Identity],
    dir: &Path,
) -> Result<Staged, BackupError> {
    check_restorable(dir)?;
    let shown = backup.display().to_string();
    let tampered = |e: &dyn std::fmt::Display| BackupError::Tampered(shown.clone(), e.to_string());
    let format = |what: &str| BackupError::Format(shown.clone(), what.to_string());

    let input = std::fs::File::open(backup).map_err(io_at(backup))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::new(input)).map_err(|e| match e {
        age::DecryptError::Io(e) if e.kind() != std::io::ErrorKind::InvalidData => io_at(backup)(e),
        age::DecryptError::InvalidMac => tampered(&e),
        _ => BackupError::NotABackup(shown.clone()),
    })?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => BackupError::WrongIdentity {
                backup: shown.clone(),
                identity: identity_file.display().to_string(),
            },
            other => tampered(&other),
        })?;
    let mut reader = BufReader::new(reader);

    let mut line = String::new();
    let read_line = |reader: &mut BufReader<_>, line: &mut String| {
        line.clear();
        // A line longer than any manifest is not one.
        let mut limited = reader.take(1 << 20);
        limited.read_line(line).map_err(|e| tampered(&e))
    };
    read_line(&mut reader, &mut line)?;
    if line.trim_end() != MAGIC {
        return Err(format("no bansho-backup header"));
    }
    read_line(&mut reader, &mut line)?;
    let manifest: Manifest =
        serde_json::from_str(line.trim_end()).map_err(|_| format("unreadable manifest"))?;
    if !manifest.files.iter().any(|f| f.path == DB_FILE) {
        return Err(format("no store in it"));
    }

    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::private_fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    let work = private_tempdir(&parent, ".bansho-restore-")?;
    for entry in &manifest.files {
        if !allowed(&entry.path) || entry.path == KEY_FILE {
            return Err(format(&format!("unexpected file {:?}", entry.path)));
        }
        let path = work.path().join(&entry.path);
        if let Some(folder) = path.parent() {
            crate::private_fs::create_dir_all(folder).map_err(io_at(folder))?;
        }
        let file = crate::private_fs::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_at(&path))?;
        let mut hashing = HashingWriter {
            inner: std::io::BufWriter::new(file),
            hasher: Sha256::new(),
        };
        let copied = std::io::copy(&mut (&mut reader).take(entry.bytes), &mut hashing)
            .map_err(|e| tampered(&e))?;
        if copied != entry.bytes || hex::encode(hashing.hasher.finalize()) != entry.sha256 {
            return Err(format(&format!(
                "{} does not match its manifest",
                entry.path
            )));
        }
        let file = hashing
            .inner
            .into_inner()
            .map_err(|e| io_at(&path)(e.into_error()))?;
        file.sync_all().map_err(io_at(&path))?;
    }
    read_line(&mut reader, &mut line)?;
    if line.trim_end() != END {
        return Err(format("no end mark"));
    }
    // Reading to the end checks the last chunk's tag: a file cut short or
    // with bytes added after the end fails here.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).map_err(|e| tampered(&e))?;
    if !rest.is_empty() {
        return Err(format("bytes after the end mark"));
    }
    Ok(Staged { work, manifest })
}

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_store_and_carried_files_are_restored_never_the_master_key() {
        assert!(allowed(DB_FILE));
        assert!(allowed(pki::CA_KEY));
        assert!(!allowed(KEY_FILE));
        assert!(!CARRIED.contains(&KEY_FILE));
        assert!(!allowed("../escape"));
        assert!(!allowed("/etc/passwd"));
    }

    #[test]
    fn recipients_are_parsed_and_a_bad_one_is_named() {
        let key = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(recipients(&[key], None).map(|r| r.len()).ok(), Some(1));
        let bad = recipients(&["age1nope".into()], None);
        assert!(matches!(bad, Err(BackupError::BadRecipient(t)) if t == "age1nope"));
        assert!(matches!(
            recipients(&[], None),
            Err(BackupError::NoRecipient)
        ));
    }
}
