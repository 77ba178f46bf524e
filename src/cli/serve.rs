//! `bansho serve`: the records service.

use std::process::ExitCode;
use std::sync::Arc;

use super::ServeArgs;
use crate::server::clock::SystemClock;
use crate::server::{AppState, Application};

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::refuse_unaudited()?;
    crate::telemetry::init_stderr(args.log_format);
    // Opening may connect to a database and migrate it: off the async threads.
    let store_args = args.store.clone();
    let (store, keys) = tokio::task::spawn_blocking(move || super::admin::open(&store_args))
        .await
        .map_err(|_| anyhow::anyhow!("opening the store stopped"))??;
    let config = crate::server::settings::load(&args.store.data)?;
    let state = AppState::new(store, Arc::new(keys), Arc::new(SystemClock), config);
    let app = Application::build(state, args.listen, &args.store.data).await?;
    tracing::info!(addr = %app.addr(), "records service listening");
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
