//! What the sink has received: one file of the bytes and one of the
//! receipt per idempotency key, each written whole and synced before the
//! receipt is answered, so a sender that retries after any failure gets
//! the first receipt and the content is stored once.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::transfer::SinkReceipt;
use crate::domain::transfer::manifest::ManifestHash;

pub struct Received {
    dir: PathBuf,
    /// One store at a time: a key is checked and written as one step.
    lock: Mutex<()>,
}

pub enum Stored {
    New(SinkReceipt),
    /// The same bytes under the same key: the first receipt again.
    Again(SinkReceipt),
    /// Other bytes under a key already used.
    Conflict,
}

/// The same SHA-256 the sender signs.
fn hash(bytes: &[u8]) -> String {
    ManifestHash::of(bytes).as_str().to_owned()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

impl Received {
    pub fn open(dir: &Path) -> std::io::Result<Received> {
        let dir = dir.join("received");
        crate::private_fs::create_dir_all(&dir)?;
        Ok(Received {
            dir,
            lock: Mutex::new(()),
        })
    }

    fn content_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn receipt_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.receipt.json"))
    }

    /// How many transfers have arrived (each key once).
    pub fn count(&self) -> std::io::Result<usize> {
        let mut n = 0;
        for entry in std::fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            if name.to_string_lossy().ends_with(".receipt.json") {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The bytes stored under `key`, if any.
    pub fn content(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.content_path(key)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn store(&self, key: &str, body: &[u8], records: usize) -> std::io::Result<Stored> {
        let _one = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let hash = hash(body);
        let receipt_path = self.receipt_path(key);
        if let Ok(text) = std::fs::read(&receipt_path) {
            let first: SinkReceipt = serde_json::from_slice(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            return Ok(if first.hash == hash {
                Stored::Again(first)
            } else {
                Stored::Conflict
            });
        }
        // Content without a receipt was never acknowledged: it is written
        // again from this request.
        let content = self.content_path(key);
        let _ = std::fs::remove_file(&content);
        crate::private_fs::write_new(&content, body)?;
        let at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        let receipt = SinkReceipt {
            receipt: format!("rcpt-{}", &hash[..16]),
            hash,
            received_at: at,
            records,
        };
        let text = serde_json::to_vec(&receipt)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let partial = self.dir.join(format!("{key}.receipt.part"));
        let _ = std::fs::remove_file(&partial);
        crate::private_fs::write_new(&partial, &text)?;
        std::fs::rename(&partial, &receipt_path)?;
        sync_dir(&self.dir)?;
        Ok(Stored::New(receipt))
    }
}
