//! `bansho witness`: runs the checkpoint witness until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use anyhow::Context as _;

use super::WitnessArgs;
use crate::store::checkpoint::VerifierKey;

/// The log keys given: each a key, or a file of keys one a line (`#`
/// starts a comment).
fn log_keys(given: &[String]) -> anyhow::Result<Vec<VerifierKey>> {
    let mut keys = Vec::new();
    for item in given {
        if let Ok(key) = VerifierKey::parse(item) {
            keys.push(key);
            continue;
        }
        let text = std::fs::read_to_string(item).with_context(|| {
            format!(
                "--log-key {item}: neither a log verifier key (NAME+ID+KEY) nor a readable file"
            )
        })?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            keys.push(VerifierKey::parse(line).with_context(|| {
                format!(
                    "{item} line {}: not a log verifier key (NAME+ID+KEY)",
                    i + 1
                )
            })?);
        }
    }
    if keys.is_empty() {
        anyhow::bail!("a witness needs at least one log key to trust (--log-key)");
    }
    Ok(keys)
}

pub async fn run(args: WitnessArgs) -> anyhow::Result<ExitCode> {
    let trusted = log_keys(&args.log_keys)?;
    let (ca, key) = crate::witness::prepare(&args.data, &args.names, &args.key_name)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "bansho witness: listening on https://{addr}/add-checkpoint for {} log key(s); the CA to pin is {}",
        trusted.len(),
        ca.display()
    );
    eprintln!("bansho witness: cosigning key {}", key.verifier().to_text());
    crate::witness::serve(listener, &args.data, key, trusted, super::stop_asked()).await?;
    eprintln!("bansho witness: stopped");
    Ok(ExitCode::SUCCESS)
}
