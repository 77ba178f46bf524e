//! `bansho sink`: runs the transfer receiving end until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use super::SinkArgs;

pub async fn run(args: SinkArgs) -> anyhow::Result<ExitCode> {
    let ca = crate::sink::prepare(&args.data, &args.names)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "bansho sink: listening on https://{addr}/transfers; the CA to pin for this destination is {}",
        ca.display()
    );
    crate::sink::serve(
        listener,
        &args.data,
        std::time::Duration::from_millis(args.answer_delay_ms),
        super::stop_asked(),
    )
    .await?;
    eprintln!("bansho sink: stopped");
    Ok(ExitCode::SUCCESS)
}
