//! `bansho serve`: the records service, or with `--check-config` only a
//! check of its settings.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use super::ServeArgs;
use crate::server::clock::SystemClock;
use crate::server::settings::{self, Environment, Settings, SettingsFile};
use crate::server::{AppState, Application};

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.check_config {
        return check_config(&args);
    }
    super::refuse_unaudited()?;
    super::startup::existing_data_dir(&args.store.data)?;
    crate::telemetry::init_stderr(args.log_format);
    // The settings first: a mistake in them stops the service before the
    // store is touched.
    let settings = load(&args)?;
    tracing::info!(
        file = %settings.path.display(),
        read = settings.file_read,
        overrides = %settings.overrides.join(","),
        "settings"
    );
    // Opening may connect to a database and migrate it: off the async threads.
    let store_args = args.store.clone();
    let (store, keys) = tokio::task::spawn_blocking(move || super::admin::open(&store_args))
        .await
        .map_err(|_| anyhow::anyhow!("opening the store stopped"))??;
    let state = AppState::new(
        store,
        Arc::new(keys),
        Arc::new(SystemClock),
        settings.config,
    );
    let app = Application::build(state, args.listen, &args.store.data).await?;
    tracing::info!(addr = %app.addr(), "records service listening");
    app.run_until(super::stop_asked()).await?;
    tracing::info!("records service stopped");
    Ok(ExitCode::SUCCESS)
}

/// The settings named by `--config`, else the service directory's.
fn load(args: &ServeArgs) -> Result<Settings, settings::SettingsError> {
    let source = match &args.config {
        Some(path) => SettingsFile::named(path),
        None => SettingsFile::in_dir(&args.store.data),
    };
    settings::load(&source, &Environment::of_process())
}

/// `--check-config`: the summary on standard output and 0, or the error
/// (through `main`) and 1.
fn check_config(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let summary = load(args)?.summary();
    let mut out = std::io::stdout().lock();
    out.write_all(summary.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
