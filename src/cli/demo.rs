//! `bansho demo`: a throwaway records service on 127.0.0.1 with synthetic
//! residents and one account of each role, and the workstation in front of
//! it. The login screen shows the demo accounts and their live codes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use time::OffsetDateTime;

use super::DemoArgs;
use crate::client::ApiClient;
use crate::domain::roles::{Department, Role};
use crate::server::clock::SystemClock;
use crate::server::data_dir::{self, NewStaff, demo_staff};
use crate::server::{AppState, Application, ServerConfig, totp};
use crate::store::Store;
use crate::tui::{DemoAccount, DemoPanel};

fn role_label(role: Role, department: Department) -> String {
    let dept = match department {
        Department::Assessment => "課税",
        Department::Collections => "納税",
        Department::InformationSystems => "情報",
        Department::Audit => "監査",
    };
    let role = match role {
        Role::Clerk => "clerk",
        Role::Supervisor => "supervisor",
        Role::ItOfficer => "IT officer",
        Role::Auditor => "auditor",
    };
    format!("{dept} {role}")
}

/// Creates (or reopens) the demo store; returns the demo accounts.
fn prepare(dir: &std::path::Path, args: &DemoArgs) -> anyhow::Result<Vec<NewStaff>> {
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
        store.set_meta("synthetic_seed", &args.seed.to_string())?;
        let total = args.residents;
        eprintln!("bansho demo: seeding {total} synthetic residents...");
        data_dir::seed_residents(store.as_ref(), &keys, args.seed, total, |done| {
            if done % 200_000 == 0 {
                eprintln!("  {done}/{total}");
            }
        })?;
        store.append_audit(&[data_dir::admin_entry(
            "demo",
            "admin_seed",
            format!("residents={total};seed={}", args.seed),
        )])?;
    }
    Ok(staff)
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    super::refuse_unaudited()?;
    let temp = match &args.data {
        Some(_) => None,
        None => Some(tempfile::Builder::new().prefix("bansho-demo-").tempdir()?),
    };
    let dir: PathBuf = match (&args.data, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => anyhow::bail!("no data directory"),
    };
    crate::telemetry::init_file(crate::private_fs::open_append(&dir.join("service.log"))?);

    let prepare_dir = dir.clone();
    let seed_args = DemoArgs {
        residents: args.residents,
        seed: args.seed,
        data: args.data.clone(),
        ui: args.ui.clone(),
    };
    let staff = tokio::task::spawn_blocking(move || prepare(&prepare_dir, &seed_args)).await??;

    let (store, keys) = data_dir::open(&dir)?;
    // The demo terminal goes through the same mutual TLS as any other.
    let bundle = data_dir::enroll_terminal(
        store.as_ref(),
        &dir,
        &format!("demo-{}", std::process::id()),
        None,
    )?;
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

    let panel_accounts = Arc::new(staff_panel(&staff));
    let demo = DemoPanel {
        accounts: Arc::new(move || panel_accounts.current()),
    };

    let client = ApiClient::for_terminal(&base, &bundle)?;
    drop(bundle);
    let result = crate::tui::run(super::workstation::config(client, &args.ui, Some(demo))).await;

    let _ = stop.send(());
    let _ = server.await;
    drop(temp);
    result?;
    Ok(ExitCode::SUCCESS)
}

/// The demo accounts with what the login screen needs to show.
struct StaffPanel {
    accounts: Vec<(
        String,
        String,
        crate::secret::Pin,
        zeroize::Zeroizing<Vec<u8>>,
    )>,
}

fn staff_panel(staff: &[NewStaff]) -> StaffPanel {
    StaffPanel {
        accounts: staff
            .iter()
            .map(|s| {
                (
                    s.user_id.clone(),
                    role_label(s.role, s.department),
                    s.pin.clone(),
                    s.totp_secret.clone(),
                )
            })
            .collect(),
    }
}

impl StaffPanel {
    fn current(&self) -> Vec<DemoAccount> {
        let now = OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        let left = totp::STEP_SECONDS - now % totp::STEP_SECONDS;
        self.accounts
            .iter()
            .map(|(user_id, label, pin, secret)| DemoAccount {
                user_id: user_id.clone(),
                label: label.clone(),
                pin: pin.clone(),
                code: totp::code_at(secret, totp::DIGITS, now),
                seconds_left: left,
            })
            .collect()
    }
}
