//! Logging. Nothing logged carries personal data or secrets: those live in
//! redacting types, and the formatter escapes control characters (log
//! injection) as tracing-subscriber 0.3.20+ does.

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("BANSHO_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Logs to standard error (the service).
pub fn init_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Logs to a file (the demo, whose terminal belongs to the workstation).
pub fn init_file(path: &std::path::Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(())
}
