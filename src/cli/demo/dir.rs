//! Where the demo keeps its store and log: a fresh temporary directory,
//! removed when the demo ends, or `--data DIR`, kept. Either way only its
//! owner can read it: the synthetic records look like real ones.
//!
//! Each holds a marker file that the running demo keeps locked. A demo
//! killed outright (SIGKILL, a power cut) cannot remove its temporary
//! directory, but the system releases its lock: the next demo removes such
//! a directory, and only such a one, a folder under the temporary directory
//! named like its own, owned by the same user, whose marker says it is a
//! bansho demo's and is no longer locked. A kept directory whose marker is
//! still locked belongs to a demo that is running, and is refused.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The demo's log, in its data directory (the terminal is the workstation's).
pub const LOG_FILE: &str = "service.log";
/// The marker: the running demo's process ID, locked while it runs.
pub const MARKER_FILE: &str = "demo.lock";
/// How a temporary demo directory's name starts.
const PREFIX: &str = "bansho-demo-";
/// The marker's first line.
const MARKER_HEAD: &str = "bansho demo";

pub struct DemoDir {
    path: PathBuf,
    log: Option<File>,
    /// Locked for as long as this lives.
    marker: Option<File>,
    /// Dropped last: the directory goes after the marker is closed.
    _temp: Option<tempfile::TempDir>,
}

impl DemoDir {
    /// Creates the directory 0700 (a kept one that others can read or
    /// write is refused, and one another demo is using), takes its marker
    /// and opens its log file, 0600.
    pub fn create(data: Option<&Path>) -> anyhow::Result<Self> {
        let (path, temp) = match data {
            Some(dir) => {
                crate::private_fs::check_private(dir)?;
                crate::private_fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                (dir.to_path_buf(), None)
            }
            None => {
                // tempfile makes folders 0777 less the umask unless told.
                #[cfg(unix)]
                let mode =
                    std::os::unix::fs::PermissionsExt::from_mode(crate::private_fs::DIR_MODE);
                let mut builder = tempfile::Builder::new();
                builder.prefix(PREFIX);
                #[cfg(unix)]
                builder.permissions(mode);
                let parent = std::env::temp_dir();
                let temp = builder.tempdir_in(&parent).with_context(|| {
                    format!(
                        "cannot create the demo's temporary directory in {} (TMPDIR)",
                        parent.display()
                    )
                })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let marker = take_marker(&path)?;
        let log_path = path.join(LOG_FILE);
        let log = crate::private_fs::open_append(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        Ok(Self {
            path,
            log: Some(log),
            marker: Some(marker),
            _temp: temp,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log file, once: the service's log writes to it from then on.
    pub fn take_log(&mut self) -> Option<File> {
        self.log.take()
    }

    /// Removes what earlier demos killed outright left in the temporary
    /// directory; returns the directories removed.
    pub fn remove_stale(&self) -> Vec<PathBuf> {
        let Some(parent) = self.path.parent() else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(parent) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| *path != self.path && self.is_stale(path))
            .filter(|path| std::fs::remove_dir_all(path).is_ok())
            .collect()
    }

    /// Whether `path` is a temporary demo directory whose demo is gone:
    /// named like ours, a real directory (not a link) of our owner, with a
    /// demo's marker that nobody holds.
    fn is_stale(&self, path: &Path) -> bool {
        let named = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(PREFIX));
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return false;
        };
        if !named || !meta.is_dir() || !same_owner(&meta, &self.path) {
            return false;
        }
        let marker = path.join(MARKER_FILE);
        let is_file = std::fs::symlink_metadata(&marker).is_ok_and(|m| m.is_file());
        let Ok(mut file) = File::options().read(true).write(true).open(&marker) else {
            return false;
        };
        let mut text = String::new();
        let ours = is_file
            && file.read_to_string(&mut text).is_ok()
            && text.lines().next() == Some(MARKER_HEAD);
        // Held: its demo is running. Released: its demo ended without
        // removing it.
        ours && file.try_lock().is_ok()
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        // A kept directory loses its marker; a temporary one goes whole.
        if self.marker.take().is_some() && self._temp.is_none() {
            let _ = std::fs::remove_file(self.path.join(MARKER_FILE));
        }
    }
}

/// Creates (or reopens) the marker, locks it and writes this process's ID
/// in it. Refused if another demo holds it.
fn take_marker(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(MARKER_FILE);
    let mut file = crate::private_fs::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        let pid = text
            .lines()
            .find_map(|l| l.strip_prefix("pid "))
            .unwrap_or("?");
        anyhow::bail!(
            "{} is in use by another bansho demo (process {pid}); stop that one first",
            dir.display()
        );
    }
    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let text = format!(
        "{MARKER_HEAD}\npid {}\nstarted {started}\n",
        std::process::id()
    );
    file.set_len(0)
        .and_then(|()| file.write_all(text.as_bytes()))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(file)
}

#[cfg(unix)]
fn same_owner(meta: &std::fs::Metadata, ours: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(ours).is_ok_and(|mine| mine.uid() == meta.uid())
}

#[cfg(not(unix))]
fn same_owner(_: &std::fs::Metadata, _: &Path) -> bool {
    true
}
