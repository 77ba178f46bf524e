//! What every integration test binary shares. The service, its staff and
//! computed TOTP codes come from `bansho::testkit` (the benchmarks use it
//! too); here are the parts only tests need: the API tests' service with a
//! manual clock and known residents, running the `bansho` binary, private
//! temporary directories and PostgreSQL test databases.
//!
//! Each test binary uses a part of this; what one does not use is not dead.
#![allow(dead_code)]

#[cfg(feature = "server")]
pub mod app;
pub mod bin;
pub mod pg;
#[cfg(unix)]
pub mod tmux;

/// A temporary directory only its owner can use, as a data directory must
/// be (tempfile makes them 0777 less the umask).
pub fn private_tempdir() -> tempfile::TempDir {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir().expect("tmp")
}

/// Where Debian's fonts-ipaexfont-gothic puts its font.
const IPAEX: &str = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf";

/// The font the printouts are set in, or None (said plainly) where it is
/// not installed; with BANSHO_REQUIRE_FONT=1 (CI) its absence fails the test.
pub fn font() -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from(IPAEX);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("BANSHO_REQUIRE_FONT").as_deref() == Ok("1") {
        panic!(
            "{IPAEX} is missing and BANSHO_REQUIRE_FONT=1: apt-get install fonts-ipaexfont-gothic"
        );
    }
    eprintln!("SKIPPED: {IPAEX} is missing (apt-get install fonts-ipaexfont-gothic)");
    None
}
