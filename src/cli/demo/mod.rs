//! `bansho demo`: a throwaway records service on 127.0.0.1 with synthetic
//! residents and one account of each role, and the workstation in front of
//! it. The login screen shows the demo accounts and their live codes.

use crate::domain::audit_event::{Action, Detail, Event};
use std::path::{Path, PathBuf};

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use time::OffsetDateTime;

use super::DemoArgs;
use crate::client::ApiClient;
use crate::server::clock::SystemClock;
use crate::server::data_dir::{self, NewStaff, demo_staff};
use crate::server::{AppState, Application, ServerConfig};
use crate::store::MetaStore;
use crate::tui::DemoPanel;

pub mod panel;
use panel::StaffPanel;

/// The demo's log, in its data directory (the terminal is the workstation's).
pub const LOG_FILE: &str = "service.log";

/// Where the demo keeps its store and log: a fresh temporary directory,
/// removed when this is dropped, or `--data DIR`, kept. Either way only its
/// owner can read it: the synthetic records look like real ones.
pub struct DemoDir {
    path: PathBuf,
    log: Option<std::fs::File>,
    _temp: Option<tempfile::TempDir>,
}

impl DemoDir {
    /// Creates the directory 0700 (a kept one that others can read or
    /// write is refused) and opens its log file, 0600.
    pub fn create(data: Option<&Path>) -> anyhow::Result<Self> {
        let (path, temp) = match data {
            Some(dir) => {
                crate::private_fs::check_private(dir)?;
                crate::private_fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                (dir.to_path_buf(), None)
            }
            None => {
                // tempfile makes folders 0777 less the umask unless told.
                #[cfg(unix)]
                let mode =
                    std::os::unix::fs::PermissionsExt::from_mode(crate::private_fs::DIR_MODE);
                let mut builder = tempfile::Builder::new();
                builder.prefix("bansho-demo-");
                #[cfg(unix)]
                builder.permissions(mode);
                let parent = std::env::temp_dir();
                let temp = builder.tempdir_in(&parent).with_context(|| {
                    format!(
                        "cannot create the demo's temporary directory in {} (TMPDIR)",
                        parent.display()
                    )
                })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        let log_path = path.join(LOG_FILE);
        let log = crate::private_fs::open_append(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        Ok(Self {
            path,
            log: Some(log),
            _temp: temp,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log file, once: the service's log writes to it from then on.
    pub fn take_log(&mut self) -> Option<std::fs::File> {
        self.log.take()
    }
}

/// Creates (or reopens) the demo store in `dir`; returns the demo accounts.
pub fn prepare(dir: &Path, residents: u64, seed: u64) -> anyhow::Result<Vec<NewStaff>> {
    let fresh = !data_dir::db_path(dir).exists();
    let (store, keys) = if fresh {
        data_dir::init(dir, &[])?
    } else {
        data_dir::open(dir)?
    };
    // Every run gets fresh demo credentials, so a kept store can be reopened.
    let staff = demo_staff();
    for s in &staff {
        if fresh {
            data_dir::create_staff(store.as_ref(), &keys, s, OffsetDateTime::now_utc())?;
        } else {
            data_dir::reset_staff(store.as_ref(), &keys, s)?;
        }
    }
    if fresh {
        store.set_meta("synthetic_seed", &seed.to_string())?;
        eprintln!("bansho demo: seeding {residents} synthetic residents...");
        data_dir::seed_residents(store.as_ref(), &keys, seed, residents, |done| {
            if done % 200_000 == 0 {
                eprintln!("  {done}/{residents}");
            }
        })?;
        let seeded = Event::ok(Action::AdminSeed).with(Detail::Seeded { residents, seed });
        data_dir::record(store.as_ref(), &keys, "demo", seeded)?;
    }
    Ok(staff)
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    super::refuse_unaudited()?;
    // Before the store is made and seeded: both take a while.
    if let Some(dir) = &args.data {
        super::startup::creatable_data_dir(dir)?;
    }
    super::startup::terminal_attached()?;
    let mut demo_dir = DemoDir::create(args.data.as_deref())?;
    if let Some(log) = demo_dir.take_log() {
        crate::telemetry::init_file(log);
    }
    let dir = demo_dir.path().to_path_buf();

    let prepare_dir = dir.clone();
    let (residents, seed) = (args.residents, args.seed);
    let staff =
        tokio::task::spawn_blocking(move || prepare(&prepare_dir, residents, seed)).await??;

    let (store, keys) = data_dir::open(&dir)?;
    // The demo terminal goes through the same mutual TLS as any other.
    let bundle = data_dir::enroll_terminal(
        store.as_ref(),
        &keys,
        &dir,
        &format!("demo-{}", std::process::id()),
        None,
    )?;
    let panel = StaffPanel::new(staff, store.clone());
    let state = AppState::new(
        store,
        Arc::new(keys),
        Arc::new(SystemClock),
        ServerConfig::default(),
    );
    let app = Application::build(state, "127.0.0.1:0".parse()?, &dir).await?;
    let base = app.url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));

    let demo = DemoPanel {
        accounts: Arc::new(move || panel.current()),
    };

    let client = ApiClient::for_terminal(&base, &bundle)?;
    drop(bundle);
    let result = crate::tui::run(super::workstation::config(client, &args.ui, Some(demo))).await;

    let _ = stop.send(());
    let _ = server.await;
    drop(demo_dir);
    result?;
    Ok(ExitCode::SUCCESS)
}
