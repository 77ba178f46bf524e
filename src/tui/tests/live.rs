//! A real records service in this process for the workstation's tests: a
//! fresh SQLite store in a temporary directory, the demo staff, a manual
//! clock, mutual TLS on a loopback port. The tests log in through the
//! typed client, put the session into an `App`, and [`Live::drive`] runs
//! the calls `update` asks for against the service, feeding each answer
//! back, until none is left: the screens see exactly what the service
//! sends.

use std::sync::Arc;

use time::macros::datetime;

use crate::api::LoginResponse;
use crate::api::terminal_bundle::TerminalBundle;
use crate::client::ApiClient;
use crate::server::clock::{Clock, ManualClock};
use crate::server::data_dir;
use crate::server::{AppState, ServerConfig};
use crate::store::Store;
use crate::testkit::{Roster, RunningService, next_step};
use crate::tui::app::App;
use crate::tui::update::{Effect, update};

/// Monday 7 January 2030, 09:00:10 at the office (Tokyo): later than
/// the console's rows of the setup, which carry the real time, so the
/// service's rows are stamped by this clock and the screens are the same
/// on every run.
pub const START: time::OffsetDateTime = datetime!(2030-01-07 00:00:10 UTC);

pub struct Live {
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    bundle: TerminalBundle,
    roster: Roster,
    service: RunningService,
}

/// The purpose each demo account logs in under.
fn purpose_of(user: &str) -> &'static str {
    match user {
        "nozei01" => "collection",
        "joho01" => "system_operation",
        "kansa01" => "audit",
        _ => "assessment",
    }
}

impl Live {
    pub async fn start() -> Live {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_path_buf();
        let (store, keys, roster, bundle) = tokio::task::spawn_blocking(move || {
            let (store, keys) = data_dir::init(&path, &[]).expect("init store");
            let bundle =
                data_dir::enroll_terminal(store.as_ref(), &keys, &path, "counter-01", None)
                    .expect("enroll terminal");
            let mut roster = Roster::default();
            // A second apart, so the grants made with the accounts list
            // in the same order on every run.
            for (i, s) in (0..).zip(data_dir::demo_staff()) {
                let at = START + time::Duration::seconds(i);
                roster
                    .create(store.as_ref(), &keys, &s, at)
                    .expect("create staff");
            }
            (store, keys, roster, bundle)
        })
        .await
        .expect("setup");
        let clock = Arc::new(ManualClock::new(START));
        let config = ServerConfig {
            terminal_logins_per_minute: 10_000,
            reads_per_second: 10_000,
            read_burst: 10_000,
            ..ServerConfig::default()
        };
        let store: Arc<dyn Store> = store;
        let state = AppState::new(store.clone(), Arc::new(keys), clock.clone(), config);
        let service = RunningService::start(state, dir.path())
            .await
            .expect("start service");
        Live {
            clock,
            store,
            _dir: dir,
            bundle,
            roster,
            service,
        }
    }

    /// `user` logged in at the terminal with a fresh code: the client that
    /// holds the session, and the login's answer.
    pub async fn login(&self, user: &str) -> (ApiClient, LoginResponse) {
        self.clock.set(next_step(self.clock.now()));
        let account = self.roster.get(user).expect("a demo account");
        let request = account.login_request(purpose_of(user), self.clock.now());
        let terminal = self.service.client(&self.bundle).expect("client");
        let response = terminal.login(&request).await.expect("login");
        (terminal.with_token(response.token.clone()), response)
    }

    /// Runs the grant and audit calls among `effects` against the service
    /// with `client`, each answer into `update`, until none is left.
    pub async fn drive(app: &mut App, client: &ApiClient, mut effects: Vec<Effect>) {
        while !effects.is_empty() {
            let mut next = Vec::new();
            for effect in effects {
                let action = match effect {
                    Effect::Grants(call) => call.run(client.clone()).await,
                    Effect::Audit(call) => call.run(client.clone()).await,
                    _ => continue,
                };
                next.extend(update(app, action));
            }
            effects = next;
        }
    }
}
