#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;

use bansho::cli::{Cli, Command};
use bansho::text::mark_controls;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The workstation waits on one person and one connection: one thread
    // serves it, and keeps its memory small. Everything else gets a
    // worker per core.
    let runtime = if cli.runs_workstation() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Runtime::new()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            let message = error.to_string();
            eprintln!("bansho: cannot start: {}", mark_controls(&message));
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            #[cfg(all(feature = "server", feature = "tui"))]
            Some(Command::Demo(args)) => bansho::cli::demo::run(args).await,
            #[cfg(feature = "tui")]
            Some(Command::Tui(args)) => bansho::cli::workstation::run(args).await,
            #[cfg(feature = "tui")]
            None => bansho::cli::workstation::run_default().await,
            #[cfg(not(feature = "tui"))]
            None => {
                use clap::CommandFactory;
                let _ = Cli::command().print_help();
                Ok(std::process::ExitCode::SUCCESS)
            }
            #[cfg(feature = "server")]
            Some(Command::Serve(args)) => bansho::cli::serve::run(args).await,
            #[cfg(feature = "server")]
            Some(Command::Admin(args)) => bansho::cli::admin::run(args).await,
            #[cfg(feature = "server")]
            Some(Command::Bench(args)) => bansho::cli::bench::run(args).await,
            #[cfg(feature = "server")]
            Some(Command::Sink(args)) => bansho::cli::sink::run(args).await,
            #[cfg(feature = "server")]
            Some(Command::Witness(args)) => bansho::cli::witness::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            // The chain can quote untrusted text (a file's content, a path,
            // the service's words): controls show as markers, never act.
            let message = format!("{error:#}");
            eprintln!("bansho: {}", mark_controls(&message));
            std::process::ExitCode::FAILURE
        }
    }
}
