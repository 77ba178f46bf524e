//! Files and folders that only their owner can use. The service's directory
//! holds names, addresses and keys, so everything bansho creates there is
//! made 0600 (files) or 0700 (folders) whatever the umask, and a directory
//! others can read or write is refused before anything in it is opened.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of the folders bansho creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files bansho creates.
pub const FILE_MODE: u32 = 0o600;
/// Permission bits of the group and of others: none may be set.
const SHARED_BITS: u32 = 0o077;

/// Creates `path` and any missing parents, each 0700.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(path)
}

/// Options that create a file as 0600 (an existing file keeps its mode).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Writes a new file (never an existing one) readable by its owner only,
/// creating its folder if needed, and syncs it to disk.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_all(dir)?;
    }
    let mut file = options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Opens a file for appending, creating it 0600 if it is missing.
pub fn open_append(path: &Path) -> io::Result<File> {
    options().create(true).append(true).open(path)
}

/// Creates an empty 0600 file unless one is there already. SQLite gives its
/// `-wal` and `-shm` files the mode of the main file, so creating that one
/// first decides the mode of all three.
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    options().write(true).create(true).open(path).map(drop)
}

/// A path that others may read or write, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedPath {
    pub path: PathBuf,
    pub mode: u32,
}

impl SharedPath {
    /// `chmod` keeping the owner's bits and dropping the rest.
    pub fn fix(&self) -> String {
        format!(
            "chmod {:o} {}",
            self.mode & 0o700,
            shell_word(&self.path.display().to_string())
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(
        "{dir} holds names, addresses and keys, but other accounts can read or write it; \
         refusing to use it until only its owner can:{}",
        list(.shared)
    )]
    Shared {
        dir: String,
        shared: Vec<SharedPath>,
    },
    #[error("cannot check who may read {path}: {reason}")]
    Io { path: String, reason: String },
}

fn list(shared: &[SharedPath]) -> String {
    shared
        .iter()
        .map(|s| {
            format!(
                "\n  {} has mode {:04o}: run `{}`",
                s.path.display(),
                s.mode,
                s.fix()
            )
        })
        .collect()
}

/// Quotes a path for a shell command line when it needs it.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%,=".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Refuses `dir` if it, or any file or folder under it, has a group or
/// other permission bit. A missing `dir` passes (there is nothing to read
/// yet). Symbolic links are judged by what they point to and not followed
/// further.
pub fn check_private(dir: &Path) -> Result<(), PrivacyError> {
    let mut shared = Vec::new();
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(dir, e)),
        Ok(meta) => {
            note(dir, &meta, &mut shared);
            if meta.is_dir() {
                walk(dir, &mut shared)?;
            }
        }
    }
    if shared.is_empty() {
        Ok(())
    } else {
        Err(PrivacyError::Shared {
            dir: dir.display().to_string(),
            shared,
        })
    }
}

fn walk(dir: &Path, shared: &mut Vec<SharedPath>) -> Result<(), PrivacyError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| io_error(dir, e))?;
    entries.sort();
    for path in entries {
        let link = std::fs::symlink_metadata(&path).map_err(|e| io_error(&path, e))?;
        if link.file_type().is_symlink() {
            let target = std::fs::metadata(&path).map_err(|e| io_error(&path, e))?;
            note(&path, &target, shared);
        } else {
            note(&path, &link, shared);
            if link.is_dir() {
                walk(&path, shared)?;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn note(path: &Path, meta: &std::fs::Metadata, shared: &mut Vec<SharedPath>) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & SHARED_BITS != 0 {
        shared.push(SharedPath {
            path: path.to_path_buf(),
            mode,
        });
    }
}

#[cfg(not(unix))]
fn note(_path: &Path, _meta: &std::fs::Metadata, _shared: &mut Vec<SharedPath>) {
    let _ = SHARED_BITS;
}

fn io_error(path: &Path, e: io::Error) -> PrivacyError {
    PrivacyError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_files_and_folders_are_the_owners_only() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a/b/secret");
        write_new(&file, b"x").unwrap();
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);
        let log = tmp.path().join("a/log");
        open_append(&log).unwrap();
        create_if_missing(&tmp.path().join("a/db")).unwrap();
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(&tmp.path().join("a/db")), 0o600);
        check_private(&tmp.path().join("a")).unwrap();
    }

    #[test]
    fn a_shared_folder_or_file_is_named_with_its_chmod() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        write_new(&dir.join("tls/ca.pem"), b"x").unwrap();
        write_new(&dir.join("bansho.db"), b"x").unwrap();
        chmod(&dir.join("tls"), 0o755);
        chmod(&dir.join("bansho.db"), 0o640);
        let error = check_private(&dir).unwrap_err();
        let PrivacyError::Shared { shared, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(shared.len(), 2, "{error}");
        let text = error.to_string();
        let db = dir.join("bansho.db");
        let tls = dir.join("tls");
        for (path, mode, fix) in [(&db, "0640", "chmod 600"), (&tls, "0755", "chmod 700")] {
            let line = format!(
                "{} has mode {mode}: run `{fix} {}`",
                path.display(),
                path.display()
            );
            assert!(text.contains(&line), "{text}");
        }
        assert!(!text.contains("ca.pem"), "{text}");
    }

    #[test]
    fn the_chmod_quotes_a_path_the_shell_would_split() {
        let shared = SharedPath {
            path: "/srv/bansho data/it's".into(),
            mode: 0o750,
        };
        assert_eq!(shared.fix(), r"chmod 700 '/srv/bansho data/it'\''s'");
    }

    #[test]
    fn a_missing_directory_passes_and_a_link_is_judged_by_its_target() {
        let tmp = tempfile::tempdir().unwrap();
        check_private(&tmp.path().join("none")).unwrap();
        let outside = tmp.path().join("outside.db");
        std::fs::write(&outside, b"x").unwrap();
        chmod(&outside, 0o644);
        let dir = tmp.path().join("data");
        create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("bansho.db")).unwrap();
        let text = check_private(&dir).unwrap_err().to_string();
        assert!(text.contains("bansho.db has mode 0644"), "{text}");
    }
}
