//! Several service instances on one PostgreSQL database: one access-log
//! chain under parallel load, one winner for a TOTP code raced on two
//! instances, lockouts counted across instances, 503s during a database
//! outage and recovery without a restart, migrations raced at start-up, the
//! durability check and TLS. Runs when `BANSHO_TEST_PG_URL` is set; says
//! plainly that it was skipped otherwise.

mod common;

use common::pg;

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_instances_skipped() {
    let _ = pg::admin_url("postgres_instances");
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;
    use std::time::Duration;

    use bansho::api::terminal_bundle::TerminalBundle;
    use bansho::api::{ErrorCode, LoginRequest};
    use bansho::client::{ApiClient, ClientError};
    use bansho::secret::Pin;
    use bansho::server::clock::{Clock, ManualClock};
    use bansho::server::crypto::Keys;
    use bansho::server::data_dir;
    use bansho::server::{AppState, ServerConfig};
    use bansho::store::postgres::{PgOpenError, PgOptions, PostgresStore};
    use bansho::store::prelude::*;
    use bansho::testkit::{Roster, RunningService};
    use time::macros::datetime;

    use super::pg::{self, TestDb};

    const START: time::OffsetDateTime = datetime!(2026-11-23 00:00:10 UTC);
    const CLERK: &str = "kazei01";
    const COLLECTIONS: &str = "nozei01";
    const SUPERVISOR: &str = "shunin01";

    struct Instance {
        service: RunningService,
        clock: Arc<ManualClock>,
        store: Arc<dyn Store>,
    }

    struct Cluster {
        instances: Vec<Instance>,
        staff: Roster,
        db: Arc<TestDb>,
        /// The terminal every client of the test uses (mutual TLS).
        bundle: Arc<TerminalBundle>,
        /// The instances' shared service directory: CA and server certificate.
        _dir: Arc<tempfile::TempDir>,
    }

    fn open(url: &str, options: &PgOptions) -> Arc<dyn Store> {
        Arc::new(PostgresStore::open(url, options).expect("open postgres store"))
    }

    async fn cluster(test: &str, instances: usize, options: PgOptions) -> Option<Cluster> {
        let admin = pg::admin_url(test)?;
        let keys = Arc::new(Keys::from_master(&[3u8; 32]));
        let setup_keys = keys.clone();
        let setup_options = options.clone();
        let dir = Arc::new(tempfile::tempdir().expect("tmp"));
        let setup_dir = dir.clone();
        let (db, staff, bundle) = tokio::task::spawn_blocking(move || {
            let db = Arc::new(TestDb::create(&admin));
            let store = open(&db.url, &setup_options);
            data_dir::prepare_new_store(store.as_ref(), START).expect("prepare");
            bansho::server::pki::create(setup_dir.path(), &[]).expect("pki");
            let bundle = data_dir::enroll_terminal(
                store.as_ref(),
                &setup_keys,
                setup_dir.path(),
                "pg-terminal",
                None,
            )
            .expect("enroll");
            let mut staff = Roster::default();
            for s in data_dir::demo_staff() {
                staff
                    .create(store.as_ref(), &setup_keys, &s, START)
                    .expect("staff");
            }
            data_dir::seed_residents(
                store.as_ref(),
                &setup_keys,
                bansho::domain::synth::Origin::varied(7),
                300,
                |_| {},
            )
            .expect("seed");
            (db, staff, Arc::new(bundle))
        })
        .await
        .expect("setup");
        let mut running = Vec::new();
        for _ in 0..instances {
            let url = db.url.clone();
            let options = options.clone();
            let store = tokio::task::spawn_blocking(move || open(&url, &options))
                .await
                .expect("open");
            let clock = Arc::new(ManualClock::new(START));
            let state = AppState::new(
                store.clone(),
                keys.clone(),
                clock.clone(),
                ServerConfig {
                    // The load tests search faster than a clerk may.
                    reads_per_second: 10_000,
                    read_burst: 10_000,
                    terminal_logins_per_minute: 10_000,
                    ..ServerConfig::default()
                },
            );
            let service = RunningService::start(state, dir.path())
                .await
                .expect("start service");
            running.push(Instance {
                service,
                clock,
                store,
            });
        }
        Some(Cluster {
            instances: running,
            staff,
            db,
            bundle,
            _dir: dir,
        })
    }

    impl Cluster {
        /// Moves every instance's clock to the start of the next 30 s step.
        fn next_step(&self) {
            let at = bansho::testkit::next_step(self.instances[0].clock.now());
            for i in &self.instances {
                i.clock.set(at);
            }
        }

        fn request(&self, user: &str, purpose: &str) -> LoginRequest {
            self.staff
                .get(user)
                .unwrap_or_else(|| panic!("{user} is not on the test roster"))
                .login_request(purpose, self.instances[0].clock.now())
        }

        fn client(&self, instance: usize) -> ApiClient {
            self.instances[instance]
                .service
                .client(&self.bundle)
                .expect("client")
        }

        async fn login(&self, instance: usize, user: &str, purpose: &str) -> ApiClient {
            let response = self
                .client(instance)
                .login(&self.request(user, purpose))
                .await
                .expect("login");
            self.client(instance).with_token(response.token)
        }

        async fn verified_rows(&self) -> i64 {
            let store = self.instances[0].store.clone();
            tokio::task::spawn_blocking(move || {
                let key = Keys::from_master(&[3u8; 32]).audit_chain_key();
                bansho::store::chain::verify_store(store.as_ref(), &key)
                    .expect("read chain")
                    .unwrap_or_else(|broken| panic!("chain broken: {broken}"))
                    .verified()
            })
            .await
            .expect("verify")
        }
    }

    /// An outage answer: 503 from the service, or (on a new connection) the
    /// handshake refused because the terminal registry cannot be read.
    fn unavailable(error: &ClientError) -> bool {
        matches!(
            error,
            ClientError::Tls(bansho::client::tls::TlsProblem::ServiceUnavailable)
        ) || error.status() == Some(503)
            && matches!(
                error.code(),
                Some(ErrorCode::StoreUnavailable | ErrorCode::AuditUnavailable)
            )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_instances_under_parallel_load_keep_one_chain() {
        let Some(cluster) = cluster(
            "postgres_instances::two_instances_under_parallel_load_keep_one_chain",
            2,
            PgOptions::default(),
        )
        .await
        else {
            return;
        };
        cluster.next_step();
        let sessions = [
            cluster.login(0, CLERK, "assessment").await,
            cluster.login(1, COLLECTIONS, "collection").await,
            cluster.login(0, SUPERVISOR, "assessment").await,
        ];
        let before = cluster.verified_rows().await;
        const CLIENTS: usize = 12;
        const SEARCHES: usize = 15;
        let queries = ["タカハシ", "ヤマ", "サトウ", "1990-01-01", "本町"];
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            // Sessions live in the database: a session opened on one
            // instance works on the other.
            let token = sessions[c % 3].token().expect("token").clone();
            let client = cluster.client((c + 1) % 2).with_token(token);
            tasks.push(tokio::spawn(async move {
                for s in 0..SEARCHES {
                    client
                        .search(queries[(c + s) % queries.len()])
                        .await
                        .expect("search");
                }
            }));
        }
        for task in tasks {
            task.await.expect("client task");
        }
        let after = cluster.verified_rows().await;
        assert_eq!(
            after,
            before + (CLIENTS * SEARCHES) as i64,
            "one access-log row per search"
        );
        assert_eq!(
            cluster.db.count("SELECT count(*) FROM audit_log"),
            after,
            "every stored row is on the chain"
        );
        assert_eq!(
            cluster.db.count(
                "SELECT count(*) FROM (SELECT at < lag(at) OVER (ORDER BY seq) AS back
                 FROM audit_log) rows WHERE back"
            ),
            0,
            "rows are in time order"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_same_code_on_two_instances_lets_exactly_one_in() {
        let Some(cluster) = cluster(
            "postgres_instances::the_same_code_on_two_instances_lets_exactly_one_in",
            2,
            PgOptions::default(),
        )
        .await
        else {
            return;
        };
        for user in [CLERK, SUPERVISOR] {
            cluster.next_step();
            let request = cluster.request(user, "assessment");
            let attempts: Vec<_> = (0..10)
                .map(|i| {
                    let client = cluster.client(i % 2);
                    let request = request.clone();
                    tokio::spawn(async move { client.login(&request).await })
                })
                .collect();
            let mut wins = 0;
            for attempt in attempts {
                match attempt.await.expect("task") {
                    Ok(_) => wins += 1,
                    // Attempts are counted before they are checked: past
                    // the threshold the rest of a burst meets the lock.
                    Err(e) => assert!(
                        matches!(
                            e.code(),
                            Some(
                                ErrorCode::LoginFailed
                                    | ErrorCode::CodeJustUsed
                                    | ErrorCode::AccountLocked
                            )
                        ),
                        "{e}"
                    ),
                }
            }
            assert_eq!(wins, 1, "{user}");
        }
        cluster.verified_rows().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn failures_on_both_instances_add_up_to_one_lockout() {
        let Some(cluster) = cluster(
            "postgres_instances::failures_on_both_instances_add_up_to_one_lockout",
            2,
            PgOptions::default(),
        )
        .await
        else {
            return;
        };
        for i in 0..5 {
            let mut request = cluster.request(CLERK, "assessment");
            request.pin = Pin::new("wrong-pin-1234");
            let error = cluster.client(i % 2).login(&request).await.unwrap_err();
            assert_eq!(error.code(), Some(ErrorCode::LoginFailed));
        }
        cluster.next_step();
        for instance in 0..2 {
            let locked = cluster
                .client(instance)
                .login(&cluster.request(CLERK, "assessment"))
                .await
                .unwrap_err();
            assert_eq!(locked.code(), Some(ErrorCode::AccountLocked));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn thirty_parallel_wrong_pins_on_two_instances_check_at_most_five() {
        let Some(cluster) = cluster(
            "postgres_instances::thirty_parallel_wrong_pins_on_two_instances_check_at_most_five",
            2,
            PgOptions::default(),
        )
        .await
        else {
            return;
        };
        let mut request = cluster.request(SUPERVISOR, "assessment");
        request.pin = Pin::new("wrong-pin-1234");
        // Fifteen connections to each instance, all at once.
        let tasks: Vec<_> = (0..30)
            .map(|i| {
                let client = cluster.client(i % 2);
                let request = request.clone();
                tokio::spawn(async move { client.login(&request).await.unwrap_err().code() })
            })
            .collect();
        let mut codes = Vec::new();
        for task in tasks {
            codes.push(task.await.expect("task"));
        }
        let failed = codes
            .iter()
            .filter(|c| **c == Some(ErrorCode::LoginFailed))
            .count();
        let locked = codes
            .iter()
            .filter(|c| **c == Some(ErrorCode::AccountLocked))
            .count();
        assert_eq!((failed, locked), (5, 25), "{codes:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_database_outage_gives_503s_and_the_service_recovers() {
        let options = PgOptions {
            acquire_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            ..PgOptions::default()
        };
        let Some(cluster) = cluster(
            "postgres_instances::a_database_outage_gives_503s_and_the_service_recovers",
            2,
            options,
        )
        .await
        else {
            return;
        };
        cluster.next_step();
        let a = cluster.login(0, CLERK, "assessment").await;
        let b = cluster.login(1, SUPERVISOR, "assessment").await;
        a.search("タカハシ").await.expect("before the outage");

        // The outage: no new connections, every open one cut.
        let name = cluster.db.name.clone();
        cluster.db.admin(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{name}' AND pid <> pg_backend_pid();"
        ));
        for client in [&a, &b] {
            let error = client.search("タカハシ").await.unwrap_err();
            assert!(unavailable(&error), "{error}");
        }

        // The database comes back; the same service instances recover.
        cluster
            .db
            .admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
        for client in [&a, &b] {
            let mut recovered = false;
            for _ in 0..20 {
                match client.search("タカハシ").await {
                    Ok(_) => {
                        recovered = true;
                        break;
                    }
                    Err(error) => {
                        assert!(unavailable(&error), "{error}");
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                }
            }
            assert!(recovered, "the service recovers without a restart");
            client.search("ヤマ").await.expect("after recovery");
        }
        cluster.verified_rows().await;
    }

    /// Durability turned off under running instances (here for the
    /// database, met by the connections opened after a reconnect): writes,
    /// and so every audited read, get 503s until it is on again, and the
    /// chain stays whole.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn durability_turned_off_while_serving_refuses_writes_until_it_is_on() {
        let options = PgOptions {
            acquire_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            ..PgOptions::default()
        };
        let Some(cluster) = cluster(
            "postgres_instances::durability_turned_off_while_serving_refuses_writes_until_it_is_on",
            1,
            options,
        )
        .await
        else {
            return;
        };
        cluster.next_step();
        let a = cluster.login(0, CLERK, "assessment").await;
        a.search("タカハシ").await.expect("durable: served");
        let name = cluster.db.name.clone();
        let reconnect = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{name}' AND pid <> pg_backend_pid();"
        );
        cluster.db.admin(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off; {reconnect}"
        ));
        let before = cluster.db.count("SELECT count(*) FROM audit_log");
        for _ in 0..3 {
            let Err(error) = a.search("タカハシ").await else {
                panic!("served while a commit may not be durable");
            };
            assert!(unavailable(&error), "{error}");
        }
        assert_eq!(
            cluster.db.count("SELECT count(*) FROM audit_log"),
            before,
            "nothing committed while a commit may not be durable"
        );
        cluster.db.admin(&format!(
            "ALTER DATABASE {name} RESET synchronous_commit; {reconnect}"
        ));
        let mut served = false;
        for _ in 0..20 {
            match a.search("タカハシ").await {
                Ok(_) => {
                    served = true;
                    break;
                }
                Err(error) => {
                    assert!(unavailable(&error), "{error}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        assert!(
            served,
            "writes resume once durability is back, without a restart"
        );
        cluster.verified_rows().await;
    }

    #[test]
    fn instances_starting_together_migrate_once() {
        let Some(admin) =
            pg::admin_url("postgres_instances::instances_starting_together_migrate_once")
        else {
            return;
        };
        let db = TestDb::create(&admin);
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let (url, barrier) = (&db.url, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    open(url, &PgOptions::default())
                });
            }
        });
        // Each migration recorded exactly once.
        let applied = db.count("SELECT count(*) FROM schema_migrations");
        assert_eq!(
            applied,
            db.count("SELECT count(DISTINCT version) FROM schema_migrations")
        );
        assert_eq!(applied, 18);
    }

    #[test]
    fn unsafe_durability_is_refused_unless_allowed() {
        let Some(admin) =
            pg::admin_url("postgres_instances::unsafe_durability_is_refused_unless_allowed")
        else {
            return;
        };
        let db = TestDb::create(&admin);
        db.admin(&format!(
            "ALTER DATABASE {} SET synchronous_commit = off",
            db.name
        ));
        let refused = PostgresStore::open(&db.url, &PgOptions::default()).unwrap_err();
        assert!(
            matches!(
                &refused,
                PgOpenError::UnsafeDurability {
                    setting: "synchronous_commit",
                    ..
                }
            ),
            "{refused}"
        );
        let message = refused.to_string();
        assert!(message.contains("synchronous_commit = off"), "{message}");
        assert!(message.contains("--allow-unsafe-durability"), "{message}");
        let allowed = PgOptions {
            allow_unsafe_durability: true,
            ..PgOptions::default()
        };
        PostgresStore::open(&db.url, &allowed).expect("allowed when told");
    }

    #[test]
    fn tls_server_certificates_are_verified() {
        let Some(admin) = pg::admin_url("postgres_instances::tls_server_certificates_are_verified")
        else {
            return;
        };
        let ssl: String = pg::postgres_client(&admin)
            .query_one("SHOW ssl", &[])
            .expect("SHOW ssl")
            .get(0);
        if ssl != "on" {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "TLS test SKIPPED: the test server has ssl = {ssl}"
            );
            return;
        }
        let db = TestDb::create(&admin);
        // A private server certificate is not trusted without sslrootcert.
        let untrusted = PostgresStore::open(
            &format!("{}?sslmode=require", db.url),
            &PgOptions::default(),
        )
        .unwrap_err();
        assert!(untrusted.to_string().contains("certificate"), "{untrusted}");
        // With a server URL that names a trusted root (e.g. postgres://postgres@localhost/test
        // ?sslmode=require&sslrootcert=/etc/ssl/certs/ssl-cert-snakeoil.pem) the
        // connection to the test database is encrypted.
        if let Ok(server) = std::env::var("BANSHO_TEST_PG_TLS_URL") {
            let url = pg::with_database(&server, &db.name);
            let store = PostgresStore::open(&url, &PgOptions::default()).expect("TLS open");
            assert!(store.tls());
            store.set_meta("tls", "yes").expect("write over TLS");
        }
    }
}
