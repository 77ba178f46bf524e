//! `bansho tui`: the workstation against a running records service.

use std::process::ExitCode;

use super::{TuiArgs, UiArgs};
use crate::client::ApiClient;
use crate::tui::{Lang, TuiConfig};

pub fn lang(ui: &UiArgs) -> Lang {
    match ui.lang.as_deref() {
        Some("ja") => Lang::Ja,
        Some("en") => Lang::En,
        _ => Lang::from_env(),
    }
}

pub async fn run(args: TuiArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    crate::tui::run(TuiConfig {
        client,
        lang: lang(&args.ui),
        demo: None,
        keymap_file: args.ui.keymap.clone(),
        theme: args.ui.theme.clone(),
        idle_lock: crate::tui::DEFAULT_IDLE_LOCK,
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// `bansho` with no subcommand: the workstation against `BANSHO_SERVER` or
/// the default address.
pub async fn run_default() -> anyhow::Result<ExitCode> {
    let server =
        std::env::var("BANSHO_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8443".to_string());
    run(TuiArgs {
        server,
        ui: UiArgs {
            lang: None,
            keymap: None,
            theme: "dark".into(),
        },
    })
    .await
}
