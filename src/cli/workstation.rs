//! `bansho tui`: the workstation against a running records service.

use std::process::ExitCode;

use super::{TuiArgs, UiArgs};
use crate::api::terminal_bundle::TerminalBundle;
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
    super::startup::bundle_file(&args.terminal)?;
    super::startup::terminal_attached()?;
    let bundle = TerminalBundle::load(&args.terminal)?;
    let Some(server) = args.server.clone().or_else(|| bundle.server.clone()) else {
        anyhow::bail!(
            "no service address: give --server https://HOST:PORT or enrol the terminal with --server"
        );
    };
    let client = ApiClient::for_terminal(&server, &bundle)?;
    drop(bundle);
    crate::tui::run(config(client, &args.ui, None)).await?;
    Ok(ExitCode::SUCCESS)
}

/// The workstation's settings from the command line.
pub fn config(client: ApiClient, ui: &UiArgs, demo: Option<crate::tui::DemoPanel>) -> TuiConfig {
    TuiConfig {
        client,
        lang: lang(ui),
        demo,
        keymap_file: ui.keymap.clone(),
        theme: ui.theme.clone(),
        idle_lock: std::time::Duration::from_secs(ui.idle_lock),
    }
}

/// `bansho` with no subcommand: the workstation with the terminal bundle
/// named by `BANSHO_TERMINAL`.
pub async fn run_default() -> anyhow::Result<ExitCode> {
    let Some(terminal) = std::env::var_os("BANSHO_TERMINAL") else {
        anyhow::bail!(
            "no terminal bundle: run `bansho tui --terminal FILE` or set BANSHO_TERMINAL (try `bansho demo` for a demonstration)"
        );
    };
    run(TuiArgs {
        terminal: terminal.into(),
        server: std::env::var("BANSHO_SERVER").ok(),
        ui: UiArgs {
            lang: None,
            keymap: None,
            theme: "dark".into(),
            idle_lock: 300,
        },
    })
    .await
}
