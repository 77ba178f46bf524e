//! Checks a command makes before any slow work: that the paths it was given
//! are what they must be, and that there is a terminal for the workstation
//! to draw on. Each refusal names the path (or the stream) and the problem,
//! where the operating system's own words would name neither.

use std::io::IsTerminal;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(
        "{dir} does not exist: give the service's directory, or create one with `bansho admin init --data {dir}`"
    )]
    NoDataDir { dir: String },
    #[error("{path} is a file, not a directory: --data names the folder that holds the store")]
    DataNotADir { path: String },
    #[error("{path} is a symbolic link to {target}, which does not exist")]
    DanglingLink { path: String, target: String },
    #[error("cannot create {dir}: {parent} is a file, not a directory")]
    ParentNotADir { dir: String, parent: String },
    #[error("cannot look at {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "the terminal bundle {path} does not exist: give the file `bansho admin terminal enroll` wrote (--terminal or BANSHO_TERMINAL)"
    )]
    NoBundle { path: String },
    #[error(
        "{path} is a directory, not a terminal bundle: give the bundle file itself (the NAME.toml that `bansho admin terminal enroll --out` wrote)"
    )]
    BundleIsADir { path: String },
    #[error(
        "standard output is not a terminal (it goes to a file or a pipe): the workstation draws its screen there; run it in a terminal window"
    )]
    OutputNotATerminal,
    #[error(
        "no terminal to read keys from: standard input is not a terminal and this process has no controlling terminal ({reason}); run it in a terminal window"
    )]
    NoControllingTerminal { reason: String },
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// What is at `path`, without following a final symbolic link first.
enum Found {
    Nothing,
    Dir,
    File,
    /// A symbolic link whose target is missing.
    Dangling(String),
}

fn look(path: &Path) -> Result<Found, StartupError> {
    let unreadable = |e: std::io::Error| StartupError::Unreadable {
        path: shown(path),
        reason: e.to_string(),
    };
    let link = match std::fs::symlink_metadata(path) {
        // A file on the way (a/file/dir) is found by looking at the parents.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Found::Nothing);
        }
        Err(e) => return Err(unreadable(e)),
        Ok(meta) => meta,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(Found::Dir),
        Ok(_) => Ok(Found::File),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && link.file_type().is_symlink() => {
            let target = std::fs::read_link(path).map_err(unreadable)?;
            Ok(Found::Dangling(shown(&target)))
        }
        Err(e) => Err(unreadable(e)),
    }
}

/// `--data DIR` of a command that needs an existing service directory.
pub fn existing_data_dir(dir: &Path) -> Result<(), StartupError> {
    match look(dir)? {
        Found::Dir => Ok(()),
        Found::Nothing => Err(StartupError::NoDataDir { dir: shown(dir) }),
        Found::File => Err(StartupError::DataNotADir { path: shown(dir) }),
        Found::Dangling(target) => Err(StartupError::DanglingLink {
            path: shown(dir),
            target,
        }),
    }
}

/// `--data DIR` of a command that creates the directory if it is missing
/// (`admin init`, `demo --data`): it and every parent that exists must be
/// directories.
pub fn creatable_data_dir(dir: &Path) -> Result<(), StartupError> {
    match look(dir)? {
        Found::Dir => return Ok(()),
        Found::File => return Err(StartupError::DataNotADir { path: shown(dir) }),
        Found::Dangling(target) => {
            return Err(StartupError::DanglingLink {
                path: shown(dir),
                target,
            });
        }
        Found::Nothing => {}
    }
    for parent in dir
        .ancestors()
        .skip(1)
        .filter(|p| !p.as_os_str().is_empty())
    {
        match look(parent)? {
            Found::Dir => return Ok(()),
            Found::Nothing => continue,
            Found::File => {
                return Err(StartupError::ParentNotADir {
                    dir: shown(dir),
                    parent: shown(parent),
                });
            }
            Found::Dangling(target) => {
                return Err(StartupError::DanglingLink {
                    path: shown(parent),
                    target,
                });
            }
        }
    }
    Ok(())
}

/// `--terminal FILE`: a bundle file, not a directory.
pub fn bundle_file(path: &Path) -> Result<(), StartupError> {
    match look(path)? {
        Found::File => Ok(()),
        Found::Dir => Err(StartupError::BundleIsADir { path: shown(path) }),
        Found::Nothing => Err(StartupError::NoBundle { path: shown(path) }),
        Found::Dangling(target) => Err(StartupError::DanglingLink {
            path: shown(path),
            target,
        }),
    }
}

/// A terminal for the workstation: standard output to draw on, and
/// standard input or the controlling terminal to read keys from (what
/// crossterm uses).
pub fn terminal_attached() -> Result<(), StartupError> {
    if !std::io::stdout().is_terminal() {
        return Err(StartupError::OutputNotATerminal);
    }
    if std::io::stdin().is_terminal() {
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map(drop)
        .map_err(|e| StartupError::NoControllingTerminal {
            reason: format!("/dev/tty: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_path_gets_its_own_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let file = dir.join("file");
        std::fs::write(&file, "x").unwrap();
        let missing = dir.join("missing");
        assert!(existing_data_dir(dir).is_ok());
        let error = existing_data_dir(&missing).unwrap_err().to_string();
        assert!(
            error.contains(&shown(&missing)) && error.contains("does not exist"),
            "{error}"
        );
        let error = existing_data_dir(&file).unwrap_err().to_string();
        assert!(error.contains("is a file"), "{error}");
        assert!(creatable_data_dir(&missing.join("a/b")).is_ok());
        let error = creatable_data_dir(&file.join("sub"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(&shown(&file)) && error.contains("is a file"),
            "{error}"
        );
        #[cfg(unix)]
        {
            let link = dir.join("link");
            std::os::unix::fs::symlink(dir.join("gone"), &link).unwrap();
            let error = creatable_data_dir(&link).unwrap_err().to_string();
            assert!(
                error.contains("gone") && error.contains("does not exist"),
                "{error}"
            );
        }
        let error = bundle_file(dir).unwrap_err().to_string();
        assert!(error.contains("is a directory"), "{error}");
        let error = bundle_file(&missing).unwrap_err().to_string();
        assert!(error.contains("does not exist"), "{error}");
        assert!(bundle_file(&file).is_ok());
    }
}
