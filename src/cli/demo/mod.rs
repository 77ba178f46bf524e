//! `bansho demo`: a throwaway records service on 127.0.0.1 with synthetic
//! residents and one account of each role, and the workstation in front of
//! it. The login screen shows the demo accounts and their live codes.

use crate::domain::audit_event::{Action, Detail, Event};
use crate::domain::synth;
use std::path::Path;

use std::process::ExitCode;
use std::sync::Arc;

use time::OffsetDateTime;

use super::DemoArgs;
use crate::client::ApiClient;
use crate::server::clock::SystemClock;
use crate::server::data_dir::{self, NewStaff, demo_staff};
use crate::server::{AppState, Application};
use crate::tui::DemoPanel;

pub mod day;
mod dir;
pub mod kept;
pub mod panel;
pub mod sink;
pub use dir::{DemoDir, LOG_FILE, MARKER_FILE};
use panel::StaffPanel;
use sink::DemoSink;

/// Creates (or reopens) the demo store in `dir`; returns the demo accounts.
pub fn prepare(dir: &Path, residents: u64, seed: u64) -> anyhow::Result<Vec<NewStaff>> {
    let fresh = !data_dir::db_path(dir).exists();
    let (store, keys) = if fresh {
        data_dir::init(dir, &[])?
    } else {
        data_dir::open(dir)?
    };
    // A kept store keeps its accounts: the same PINs and secrets next time.
    // The demo staff have worked here a year: the next-day list's rule for
    // keyers in their first days does not take every entry they key.
    let staff = if fresh {
        let staff = demo_staff();
        let since = OffsetDateTime::now_utc() - time::Duration::days(365);
        for s in &staff {
            data_dir::create_staff(store.as_ref(), &keys, s, since)?;
        }
        kept::keep_accounts(dir, &staff)?;
        staff
    } else {
        kept::reuse_accounts(store.as_ref(), &keys, dir, demo_staff())?
    };
    if fresh {
        let origin = data_dir::synthetic_origin(store.as_ref(), synth::Origin::varied(seed))?;
        eprintln!("bansho demo: seeding {residents} synthetic residents...");
        data_dir::seed_residents(store.as_ref(), &keys, origin, residents, |done| {
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
    if args.data.is_none() {
        for stale in demo_dir.remove_stale() {
            eprintln!(
                "bansho demo: removed {}, left by a demo that was stopped outright",
                stale.display()
            );
        }
    }
    if let Some(log) = demo_dir.take_log() {
        crate::telemetry::init_file(log);
    }
    let dir = demo_dir.path().to_path_buf();

    let prepare_dir = dir.clone();
    let (residents, seed) = (args.residents, args.seed);
    let fresh = !data_dir::db_path(&dir).exists();
    let staff =
        tokio::task::spawn_blocking(move || prepare(&prepare_dir, residents, seed)).await??;
    // The receiving end of the demo's transfers, for as long as it runs.
    let sink = DemoSink::start(&dir).await?;
    // A fresh store gets a day of entry work; a kept one keeps what it has.
    if fresh {
        let lang = super::workstation::lang(&args.ui);
        let i18n = crate::tui::i18n::I18n::new(lang);
        let destination = sink.destination(
            i18n.t("demo_work.sink_name"),
            i18n.t("demo_work.sink_legal_basis"),
        );
        let now = OffsetDateTime::now_utc();
        match day::seed(&dir, &staff, now, lang, Some(&destination)).await? {
            Some(seeded) => eprintln!("bansho demo: seeded {seeded}"),
            None => eprintln!(
                "bansho demo: too few residents for a day of entry work (--residents 500 or more)"
            ),
        }
    }

    let (store, keys) = data_dir::open(&dir)?;
    sink.keep_registered(store.as_ref(), &keys)?;
    // The demo terminal goes through the same mutual TLS as any other.
    let bundle = kept::terminal(store.as_ref(), &keys, &dir)?;
    let panel = StaffPanel::new(staff, store.clone());
    let state = AppState::new(store, Arc::new(keys), Arc::new(SystemClock), day::config());
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
    sink.stop().await;
    drop(demo_dir);
    result?;
    Ok(ExitCode::SUCCESS)
}
