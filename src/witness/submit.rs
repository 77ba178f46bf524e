//! The service's side of the witness protocol: a checkpoint of the store's
//! log sent to a witness with the consistency proof from the last size
//! the witness cosigned, and its cosignature checked with the witness's
//! key before it is kept.

use std::path::Path;

use anyhow::Context as _;

use super::request::{AddCheckpoint, parse_size};
use crate::store::Store;
use crate::store::checkpoint::{self, Checkpoint};
use crate::store::cosignature::WitnessKey;

/// Where the witness is and how it is known.
pub struct Witness {
    /// `https://host:port` (the path `/add-checkpoint` is added).
    pub url: String,
    client: reqwest::Client,
    pub key: WitnessKey,
}

/// A witness's answer to one submission.
enum Answer {
    Cosigned(String),
    /// The size it last cosigned, not the one sent as old.
    Conflict(u64),
}

impl Witness {
    /// A client that trusts only the witness's own CA (`ca`, PEM).
    pub fn new(url: &str, ca: &Path, key: &str) -> anyhow::Result<Self> {
        let key = WitnessKey::parse(key).context(
            "--witness-key is not a witness key (NAME+ID+KEY, as `bansho witness` prints it)",
        )?;
        let pem = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
        let ca_cert = reqwest::Certificate::from_pem(&pem)
            .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca_cert)
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .https_only(true)
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("the witness client cannot be set up")?;
        Ok(Self {
            url: url.trim_end_matches('/').to_string(),
            client,
            key,
        })
    }

    async fn send(&self, request: &AddCheckpoint) -> anyhow::Result<Answer> {
        let endpoint = format!("{}/add-checkpoint", self.url);
        let response = self
            .client
            .post(&endpoint)
            .body(request.to_body())
            .send()
            .await
            .with_context(|| format!("the witness at {} cannot be reached", self.url))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let said = crate::text::strip_controls(body.trim());
        match status.as_u16() {
            200 => Ok(Answer::Cosigned(body)),
            409 => parse_size(body.trim_end_matches('\n'))
                .map(Answer::Conflict)
                .with_context(|| format!("the witness answered 409 without a size: {said}")),
            403 => anyhow::bail!(
                "the witness refused the checkpoint (403): it does not trust the key that signed \
                 it: {said}"
            ),
            422 => anyhow::bail!(
                "the witness refused the checkpoint (422): the log does not extend the last \
                 checkpoint it cosigned, so the log was rewritten: {said}"
            ),
            404 => anyhow::bail!(
                "the witness refused the checkpoint (404): it witnesses another log under this \
                 key: {said}"
            ),
            code => anyhow::bail!("the witness refused the checkpoint ({code}): {said}"),
        }
    }

    /// Has `made` (the whole log's checkpoint, signed as `note`) cosigned:
    /// from `old` (the last size this witness cosigned, as the store
    /// knows it), or, if the witness knows another, once more from that.
    /// Returns the note with the checked cosignature line after it.
    pub async fn cosign(
        &self,
        store: &dyn Store,
        made: &Checkpoint,
        note: &str,
        old: u64,
    ) -> anyhow::Result<String> {
        let mut old = old.min(made.size);
        for _ in 0..2 {
            let proof = checkpoint::log_consistency_proof(store, old, made.size)?
                .context("the log has fewer rows than the checkpoint")?;
            let request = AddCheckpoint {
                old,
                proof,
                note: note.to_string(),
            };
            match self.send(&request).await? {
                Answer::Cosigned(lines) => return self.checked(made, note, &lines),
                Answer::Conflict(known) if known > made.size => anyhow::bail!(
                    "the witness has cosigned a checkpoint of {known} rows but the log has {}: \
                     rows the witness saw were cut from its end",
                    made.size
                ),
                Answer::Conflict(known) if known == old => anyhow::bail!(
                    "the witness has cosigned another checkpoint of {known} rows: the log was \
                     rewritten"
                ),
                Answer::Conflict(known) => old = known,
            }
        }
        anyhow::bail!("the witness's last size changed while it was asked; try again")
    }

    fn checked(&self, made: &Checkpoint, note: &str, lines: &str) -> anyhow::Result<String> {
        let text = made.text();
        self.key
            .check(&text, lines)
            .context("the witness's answer carries no valid cosignature of its key")?;
        let line = lines
            .lines()
            .find(|line| self.key.check(&text, line).is_ok())
            .unwrap_or_default();
        Ok(format!("{note}{line}\n"))
    }
}
