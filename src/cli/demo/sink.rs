//! The demo's receiving end: a `bansho sink` on 127.0.0.1 in the demo's
//! own process, with its certificates and what it received under the demo
//! directory, registered as an approved destination so that a newcomer
//! can run a whole transfer. A kept demo directory keeps the sink's port;
//! when that port is taken the sink listens elsewhere and the registered
//! endpoint follows, as an IT officer's change with its access-log row.

use std::path::{Path, PathBuf};

use anyhow::Context;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::transfer::destination::{Destination, DestinationKind};
use crate::server::actor::Actor;
use crate::server::crypto::Keys;
use crate::server::data_dir;
use crate::store::journal::Change;
use crate::store::{DestinationRow, Store};

/// The demo destination's registry ID.
pub const DESTINATION: &str = "demo-sink";
/// The sink's directory under the demo directory.
const SINK_DIR: &str = "sink";
/// The port the sink last listened on, kept for the next run.
const PORT_FILE: &str = "port";

fn keep_port(path: &Path, port: u16) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = crate::private_fs::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.write_all(port.to_string().as_bytes())?;
    file.sync_all()
}

/// The running demo sink.
pub struct DemoSink {
    dir: PathBuf,
    port: u16,
    ca_pem: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl DemoSink {
    /// Starts the sink of the demo directory `demo_dir`, on its kept port
    /// if that is free.
    pub async fn start(demo_dir: &Path) -> anyhow::Result<DemoSink> {
        let dir = demo_dir.join(SINK_DIR);
        let ca = crate::sink::prepare(&dir, &[])?;
        let ca_pem = std::fs::read_to_string(&ca)
            .with_context(|| format!("the demo sink's CA {}", ca.display()))?;
        let kept = std::fs::read_to_string(dir.join(PORT_FILE))
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        let listener = match kept {
            Some(port) => TcpListener::bind(("127.0.0.1", port)).await.ok(),
            None => None,
        };
        let listener = match listener {
            Some(listener) => listener,
            None => TcpListener::bind(("127.0.0.1", 0))
                .await
                .context("the demo sink cannot listen on 127.0.0.1")?,
        };
        let port = listener.local_addr()?.port();
        if kept != Some(port) {
            keep_port(&dir.join(PORT_FILE), port).context("the demo sink's port file")?;
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let serve_dir = dir.clone();
        let task = tokio::spawn(async move {
            crate::sink::serve(
                listener,
                &serve_dir,
                std::time::Duration::ZERO,
                async move {
                    let _ = stopped.await;
                },
            )
            .await
        });
        Ok(DemoSink {
            dir,
            port,
            ca_pem,
            stop,
            task,
        })
    }

    /// Where the sink keeps what it received.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the sink takes transfers this run.
    fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/transfers", self.port)
    }

    /// The destination as the demo's IT officer registers it.
    pub fn destination(&self, name: &str, legal_basis: &str) -> Destination {
        Destination {
            id: DESTINATION.into(),
            name: name.into(),
            kind: DestinationKind::Partner,
            endpoint: Some(self.endpoint()),
            ca_pem: Some(self.ca_pem.clone()),
            formats: vec!["tax_certificate".into()],
            legal_basis: legal_basis.into(),
            active: true,
        }
    }

    /// Points the registered demo destination of a kept store at this
    /// run's port, if it moved; nothing when it is not registered.
    pub fn keep_registered(&self, store: &dyn Store, keys: &Keys) -> anyhow::Result<()> {
        let Some(row) = store.destination(DESTINATION)? else {
            return Ok(());
        };
        let mut registered: Destination =
            serde_json::from_str(&row.body).context("the demo destination's registry entry")?;
        let endpoint = Some(self.endpoint());
        if registered.endpoint == endpoint {
            return Ok(());
        }
        registered.endpoint = endpoint;
        let at = OffsetDateTime::now_utc();
        let changed = DestinationRow {
            id: row.id.clone(),
            revision: row.revision + 1,
            body: serde_json::to_string(&registered)?,
            updated_by: data_dir::ADMIN.into(),
            updated_at: at,
        };
        let event = Event::ok(Action::DestinationChange).with(Detail::Registry(row.id.clone()));
        let entry = Actor::console(data_dir::ADMIN).entry(at, event);
        let change = Change::UpdateDestination {
            row: changed,
            expected_revision: row.revision,
        };
        data_dir::commit(store, keys, vec![change], entry)?;
        Ok(())
    }

    /// Stops the sink and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TransferStore;

    /// A kept store whose sink finds its port taken: the sink listens
    /// elsewhere and the registered endpoint follows, once, with its row.
    #[tokio::test]
    async fn a_kept_store_follows_the_sink_to_a_new_port() {
        let temp = tempfile::tempdir().unwrap();
        let (store, keys) = data_dir::init(temp.path(), &[]).unwrap();
        let first = DemoSink::start(temp.path()).await.unwrap();
        let registered = first.destination("デモ受信側", "番号法第19条第8号");
        let row = DestinationRow {
            id: DESTINATION.into(),
            revision: 1,
            body: serde_json::to_string(&registered).unwrap(),
            updated_by: "joho01".into(),
            updated_at: OffsetDateTime::now_utc(),
        };
        let entry = Actor::console("joho01").entry(
            OffsetDateTime::now_utc(),
            Event::ok(Action::DestinationRegister).with(Detail::Registry(DESTINATION.into())),
        );
        data_dir::commit(
            store.as_ref(),
            &keys,
            vec![Change::InsertDestination(row)],
            entry,
        )
        .unwrap();
        // The same port: nothing to change.
        first.keep_registered(store.as_ref(), &keys).unwrap();
        assert_eq!(store.destination(DESTINATION).unwrap().unwrap().revision, 1);

        // While the first still holds its port, a second run listens elsewhere.
        let second = DemoSink::start(temp.path()).await.unwrap();
        assert_ne!(second.port, first.port);
        second.keep_registered(store.as_ref(), &keys).unwrap();
        let now = store.destination(DESTINATION).unwrap().unwrap();
        assert_eq!(now.revision, 2);
        let now: Destination = serde_json::from_str(&now.body).unwrap();
        assert_eq!(now.endpoint, Some(second.endpoint()));
        assert_eq!(now.name, "デモ受信側");
        let kept = std::fs::read_to_string(second.dir().join(PORT_FILE)).unwrap();
        assert_eq!(kept, second.port.to_string());
        first.stop().await;
        second.stop().await;
    }
}
