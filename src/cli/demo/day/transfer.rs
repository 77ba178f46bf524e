//! The demo's manual transfer, made as yesterday's last work: `joho01`
//! registers the shipped tax-certificate format and the demo's receiving
//! end as an approved destination, `kazei01` prepares a transfer of three
//! of yesterday's committed records to it, and `shunin01` approves it.
//! What is left is the part done at the terminal: the preview, the IT
//! officer's sign-off beside the clerk, and the sending.

use reqwest::Method;

use super::{Committed, KEYER, Office, SUPERVISOR, call};
use crate::api::transfer::{DestinationView, FormatView, TransferView};
use crate::domain::transfer::destination::Destination;
use crate::domain::transfer::format::shipped;

/// The demo's IT officer.
pub const IT_OFFICER: &str = "joho01";
/// Records the demo transfer carries.
const RECORDS: usize = 3;

impl Office {
    /// Registers `destination` and prepares and approves one transfer of
    /// `committed` records to it; the transfer's ID.
    pub(super) async fn transfer(
        &self,
        destination: &Destination,
        committed: &[Committed],
    ) -> anyhow::Result<String> {
        let it = self.login_for(IT_OFFICER, "system_operation").await?;
        let format = shipped()?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("no transfer format is shipped"))?;
        let format_id = format!("{}@{}", format.id, format.version);
        let _: FormatView =
            call(&it, Method::POST, "/admin/transfer-formats", Some(&format)).await?;
        self.pass(60);
        let _: DestinationView = call(
            &it,
            Method::POST,
            "/admin/transfer-destinations",
            Some(destination),
        )
        .await?;
        self.pass(30);
        let _ = it.logout().await;

        let clerk = self.login(KEYER).await?;
        let request = serde_json::json!({
            "destination": destination.id,
            "format": format_id,
            "purpose": self.reasons.transfer_purpose,
            "legal_basis": destination.legal_basis,
            "persons": committed.iter().take(RECORDS).map(|c| c.person.as_str()).collect::<Vec<_>>(),
            "note": self.reasons.transfer_note,
        });
        let prepared: TransferView =
            call(&clerk, Method::POST, "/transfers", Some(&request)).await?;
        self.pass(120);
        let _ = clerk.logout().await;

        let supervisor = self.login(SUPERVISOR).await?;
        let path = format!("/transfers/{}/approve", prepared.id);
        let _: TransferView = call(&supervisor, Method::POST, &path, None::<&()>).await?;
        self.pass(30);
        let _ = supervisor.logout().await;
        Ok(prepared.id)
    }
}
