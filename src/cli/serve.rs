//! `bansho serve`: the records service.

use std::process::ExitCode;
use std::sync::Arc;

use super::ServeArgs;
use crate::server::clock::SystemClock;
use crate::server::{AppState, Application, ServerConfig, data_dir};

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    super::refuse_unaudited()?;
    crate::telemetry::init_stderr();
    let (store, keys) = data_dir::open(&args.data)?;
    let state = AppState::new(
        store,
        Arc::new(keys),
        Arc::new(SystemClock),
        ServerConfig::default(),
    );
    let app = Application::build(state, args.listen, &args.data).await?;
    tracing::info!(addr = %app.addr(), "records service listening");
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
