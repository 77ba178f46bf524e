//! The command line: `bansho` subcommands and their arguments.

#[cfg(feature = "server")]
pub mod admin;
#[cfg(all(feature = "server", feature = "tui"))]
pub mod demo;
#[cfg(feature = "server")]
pub mod serve;
#[cfg(feature = "tui")]
pub mod workstation;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "bansho",
    version,
    about = "番所: tax records workstation and records service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a throwaway service with synthetic residents and open the workstation.
    #[cfg(all(feature = "server", feature = "tui"))]
    Demo(DemoArgs),
    /// The workstation, against a running records service.
    #[cfg(feature = "tui")]
    Tui(TuiArgs),
    /// The records service.
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// IT officer tasks.
    #[cfg(feature = "server")]
    Admin(AdminArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UiArgs {
    /// Interface language: ja or en (default: from LANG).
    #[arg(long, value_parser = ["ja", "en"])]
    pub lang: Option<String>,
    /// Your keymap file; its bindings override the defaults.
    #[arg(long)]
    pub keymap: Option<PathBuf>,
    /// Theme: dark, light, high-contrast, mono, or a theme file.
    #[arg(long, default_value = "dark")]
    pub theme: String,
    /// Seconds without input before the screen is blanked and locked.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=3600))]
    pub idle_lock: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Synthetic residents to seed (up to 2,000,000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(0..=2_000_000))]
    pub residents: u64,
    /// Seed for the synthetic data: the same seed gives the same residents.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the store in DIR instead of a temporary directory.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub ui: UiArgs,
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// This terminal's bundle from `bansho admin terminal enroll`.
    #[arg(long, env = "BANSHO_TERMINAL")]
    pub terminal: PathBuf,
    /// Address of the records service (default: the one in the bundle).
    #[arg(long, env = "BANSHO_SERVER")]
    pub server: Option<String>,
    #[command(flatten)]
    pub ui: UiArgs,
}

/// Where the records are: `--data DIR` (embedded SQLite) or `--store URL`
/// (PostgreSQL). Exactly one is required.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The service's directory, created by `bansho admin init`: master key,
    /// terminal CA, server certificate, and the embedded store.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Keep the records in PostgreSQL instead of the directory's SQLite file:
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require&sslrootcert=FILE].
    /// May come from BANSHO_STORE, which keeps a password off the command line.
    #[arg(long, value_name = "URL", env = "BANSHO_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// With --store: run even though the database server has fsync,
    /// synchronous_commit or full_page_writes off (committed records could be
    /// lost in a crash). For test systems only.
    #[arg(long, requires = "store")]
    pub allow_unsafe_durability: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a store, its keys, the terminal CA and the first IT officer.
    Init {
        #[command(flatten)]
        store: StoreArgs,
        /// User ID of the first IT officer.
        #[arg(long, default_value = "admin")]
        admin_user: String,
        /// Host name or address terminals use for the service (repeatable;
        /// localhost and 127.0.0.1 are always included).
        #[arg(long = "server-name")]
        server_names: Vec<String>,
    },
    /// Registered terminals.
    Terminal {
        #[command(subcommand)]
        command: TerminalCommand,
    },
    /// Add synthetic residents.
    Seed {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
        residents: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The access log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain: exit 0 if intact, 1 naming the first bad row.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TerminalCommand {
    /// Register a terminal and write its certificate bundle (mode 0600).
    Enroll {
        /// Terminal name (3-32 letters, digits, '-', '_', '.').
        name: String,
        #[command(flatten)]
        store: StoreArgs,
        /// Where to write the bundle (default: NAME.bansho-terminal.toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Service address to write into the bundle, e.g. https://records.city.local:8443
        #[arg(long)]
        server: Option<String>,
    },
    /// List registered terminals.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a terminal: it is refused at its next connection or request.
    Revoke {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; prints its PIN and TOTP enrolment secret once.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// User ID (3-32 letters, digits, '-', '_', '.').
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// clerk, supervisor, it_officer or auditor.
        #[arg(long)]
        role: String,
        /// assessment, collections, information_systems or audit.
        #[arg(long)]
        department: String,
    },
    /// List staff accounts.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}
