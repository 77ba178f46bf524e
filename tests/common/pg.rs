//! Fresh PostgreSQL databases for tests: one per test, created through the
//! URL in `BANSHO_TEST_PG_URL` (any database the user may connect to; the
//! user needs CREATEDB) and dropped when the test ends.

use std::io::Write;
use std::sync::Once;
#[cfg(feature = "postgres")]
use std::sync::atomic::{AtomicU32, Ordering};

pub const PG_URL_ENV: &str = "BANSHO_TEST_PG_URL";
/// Set in CI: a missing PostgreSQL is a failure there, never a skip.
pub const PG_REQUIRED_ENV: &str = "BANSHO_REQUIRE_PG";

/// The admin URL, or `None` after saying plainly that the PostgreSQL half
/// is skipped. Written straight to stderr so the test harness does not
/// swallow it.
pub fn admin_url(test: &str) -> Option<String> {
    static BANNER: Once = Once::new();
    let reason = if !cfg!(feature = "postgres") {
        "this build has no `postgres` feature"
    } else {
        match std::env::var(PG_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => return Some(url),
            _ => "BANSHO_TEST_PG_URL is not set",
        }
    };
    assert!(
        std::env::var_os(PG_REQUIRED_ENV).is_none(),
        "{test}: PostgreSQL is required here ({PG_REQUIRED_ENV} is set) but {reason}"
    );
    BANNER.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** PostgreSQL half SKIPPED: {reason}; every postgres::* test below passes \
             without running. Set BANSHO_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
             to run it. ***\n"
        );
    });
    None
}

/// Runs `f` on a plain thread: the synchronous `postgres` client starts its
/// own runtime, which is not allowed on an async worker thread.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("helper thread"))
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

/// A database that exists for the life of this value.
#[cfg(feature = "postgres")]
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

#[cfg(feature = "postgres")]
impl TestDb {
    pub fn create(admin_url: &str) -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "bansho_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        off_runtime(|| {
            let mut admin = postgres_client(admin_url);
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
        });
        TestDb {
            url: with_database(admin_url, &name),
            name,
            admin_url: admin_url.to_string(),
        }
    }

    /// Runs SQL as the admin (connected to the admin URL's database).
    pub fn admin(&self, sql: &str) {
        let url = self.admin_url.clone();
        let sql = sql.to_string();
        off_runtime(move || {
            postgres_client(&url)
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        });
    }

    /// Runs SQL inside the test database; the error text on failure.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        let url = self.url.clone();
        let sql = sql.to_string();
        off_runtime(move || {
            postgres_client(&url)
                .batch_execute(&sql)
                .map_err(|e| format!("{e:?}"))
        })
    }

    /// One number from a query in the test database.
    pub fn count(&self, sql: &str) -> i64 {
        let url = self.url.clone();
        let sql = sql.to_string();
        off_runtime(move || {
            postgres_client(&url)
                .query_one(sql.as_str(), &[])
                .expect("count query")
                .get::<_, i64>(0)
        })
    }
}

#[cfg(feature = "postgres")]
impl Drop for TestDb {
    fn drop(&mut self) {
        let url = self.admin_url.clone();
        let name = self.name.clone();
        off_runtime(move || {
            if let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) {
                // Two statements: DROP DATABASE cannot run in the implicit
                // transaction of a multi-statement query.
                let _ =
                    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
                if let Err(e) =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                {
                    let _ = writeln!(std::io::stderr(), "could not drop {name}: {e}");
                }
            }
        });
    }
}

#[cfg(feature = "postgres")]
pub fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL")
}
