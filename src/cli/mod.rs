//! The command line: `bansho` subcommands and their arguments.

#[cfg(feature = "server")]
pub mod admin;
#[cfg(feature = "server")]
mod audit_report;
#[cfg(feature = "server")]
pub mod bench;
#[cfg(all(feature = "server", feature = "tui"))]
pub mod demo;
#[cfg(feature = "server")]
mod grant;
pub mod period;
#[cfg(feature = "server")]
mod pia_report;
#[cfg(feature = "server")]
mod retention;
#[cfg(feature = "server")]
mod roster;
#[cfg(feature = "server")]
pub mod serve;
#[cfg(feature = "server")]
pub mod sink;
pub mod startup;
#[cfg(feature = "server")]
pub mod witness;
#[cfg(feature = "tui")]
pub mod workstation;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The refusal of every command that would serve people from a
/// `bench-unaudited` build (benchmark only: it writes no access log).
#[cfg(feature = "server")]
pub(crate) fn refuse_unaudited() -> anyhow::Result<()> {
    if crate::server::journal::AUDITED {
        Ok(())
    } else {
        anyhow::bail!(
            "this binary was built with the benchmark-only feature bench-unaudited: it writes no \
             access log and must never serve anyone; rebuild without that feature"
        )
    }
}

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

impl Cli {
    /// Whether this runs the workstation alone (no service in the process).
    pub fn runs_workstation(&self) -> bool {
        #[cfg(feature = "tui")]
        if matches!(self.command, None | Some(Command::Tui(_))) {
            return true;
        }
        false
    }
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
    /// Benchmarks (docs/performance.md): figures, never pass/fail.
    #[cfg(feature = "server")]
    Bench(BenchArgs),
    /// A receiving end for manual transfers, as a partner system runs one
    /// (for tests, the demo and trying a destination out).
    #[cfg(feature = "server")]
    Sink(SinkArgs),
    /// A witness of the access log's checkpoints, on a host apart from the
    /// service: it cosigns each checkpoint that extends the last it saw.
    #[cfg(feature = "server")]
    Witness(WitnessArgs),
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:9444")]
    pub listen: std::net::SocketAddr,
    /// Its own directory (made 0700 on first start): its certificates, its
    /// cosigning key and the history of what it cosigned. Never a service
    /// directory.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// A log verifier key to trust (`NAME+ID+KEY`, as `bansho admin audit
    /// keygen` prints it), or a file of them, one a line (repeatable; at
    /// least one).
    #[arg(long = "log-key", value_name = "KEY_OR_FILE", required = true)]
    pub log_keys: Vec<String>,
    /// Host names or addresses submitters use besides loopback, for its
    /// certificate (on first start).
    #[arg(long = "name", value_name = "HOST")]
    pub names: Vec<String>,
    /// The name in its cosignatures (on first start, when its key is made).
    #[arg(long, value_name = "NAME", default_value = crate::witness::DEFAULT_NAME)]
    pub key_name: String,
}

/// Where `admin audit checkpoint` has its checkpoint cosigned and `admin
/// audit verify` which witness's cosignature it checks.
#[derive(Debug, Clone, Args)]
pub struct WitnessClientArgs {
    /// The witness's address, e.g. https://witness.city.local:9444
    #[arg(long, value_name = "URL", env = "BANSHO_WITNESS_URL", requires_all = ["witness_ca", "witness_key"])]
    pub witness: Option<String>,
    /// The witness's CA certificate (its tls/ca.pem), the only CA trusted
    /// for it.
    #[arg(long, value_name = "FILE", env = "BANSHO_WITNESS_CA")]
    pub witness_ca: Option<PathBuf>,
    /// The witness's cosigning key (`NAME+ID+KEY`, as `bansho witness`
    /// prints it on start).
    #[arg(long, value_name = "KEY", env = "BANSHO_WITNESS_KEY")]
    pub witness_key: Option<String>,
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct SinkArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:9443")]
    pub listen: std::net::SocketAddr,
    /// Where it keeps its certificates and what it received (made 0700 on
    /// first start).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Host names or addresses senders use besides loopback, for its
    /// certificate (on first start).
    #[arg(long = "name", value_name = "HOST")]
    pub names: Vec<String>,
    /// Milliseconds to wait after storing a transfer before answering: to
    /// rehearse a sender that stops, or times out, before its receipt.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub answer_delay_ms: u64,
}

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[cfg(feature = "server")]
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time and peak memory to seed N residents into a fresh store.
    Seed {
        #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
        residents: u64,
        /// Seed into DIR (must not hold a store yet) instead of a temporary directory.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The synthetic city: varied or ten-towns.
        #[arg(long, default_value = "varied", value_parser = parse_city)]
        city: crate::domain::synth::City,
    },
    /// Search latency per query kind: store floor, server side, end to end over TLS.
    Search {
        /// Store sizes, comma-separated (one store each).
        #[arg(long, default_value = "2000000")]
        residents: String,
        /// Queries per kind.
        #[arg(long, default_value_t = 1000)]
        iterations: usize,
        /// Keep the stores in DIR/<residents> and reuse them next time
        /// (DIR/<residents>-ten-towns for the ten towns).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The synthetic city: varied, or ten-towns (the address search's
        /// worst case).
        #[arg(long, default_value = "varied", value_parser = parse_city)]
        city: crate::domain::synth::City,
    },
    /// Audited searches per second with N concurrent sessions.
    Throughput {
        #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
        residents: u64,
        /// Concurrent sessions, comma-separated.
        #[arg(long, default_value = "1,8,32,64")]
        sessions: String,
        /// Seconds per concurrency level.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Queries: all (every kind in turn) or exact (My Number, person number).
        #[arg(long, default_value = "all")]
        mix: String,
        /// Reuse (or create) the store in DIR.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Write the rates to FILE (for --baseline of another run).
        #[arg(long)]
        save: Option<PathBuf>,
        /// Rates of another run (e.g. the bench-unaudited build) to compare with.
        #[arg(long)]
        baseline: Option<PathBuf>,
    },
    /// Audited exact searches from a separate load generator (oha) over
    /// mutual TLS, beside an echo on the same TLS and HTTP stack.
    Load {
        /// The oha binary (`cargo install oha`).
        #[arg(long, default_value = "oha")]
        oha: PathBuf,
        #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=2_000_000))]
        residents: u64,
        /// Reuse (or create) the store in DIR.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Concurrent connections, comma-separated.
        #[arg(long, default_value = "32")]
        connections: String,
        /// Seconds per run.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        seconds: u64,
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=20))]
        runs: u64,
    },
    /// Workstation start time, memory and keystroke-to-frame time.
    #[cfg(feature = "tui")]
    Tui {
        /// Key presses measured.
        #[arg(long, default_value_t = 500)]
        keys: usize,
        /// Runs of the real binary.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The workstation binary to run (default: this one), e.g. the
        /// terminal-only build that clerks' terminals install.
        #[arg(long)]
        workstation: Option<PathBuf>,
    },
    /// Access-log review at scale: a filtered page and each analysis
    /// over a log of N rows (a year of work).
    Audit {
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        rows: u64,
        /// Timed runs of each query.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Keep the log in DIR/audit-review.db and reuse it next time.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Access-log verification time against log size.
    Verify {
        /// Log sizes, comma-separated, grown in turn.
        #[arg(long, default_value = "10000,100000,1000000")]
        rows: String,
    },
    /// Share of keying slips that reach a committed record, with and
    /// without double keying (docs/entry-accuracy.md).
    EntryAccuracy {
        /// Declarations drawn and keyed.
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        declarations: u64,
        /// Chance of a slip in each keyed field that has digits (0.02 = 2 %).
        #[arg(long, default_value_t = 0.02)]
        rate: f64,
        /// Seed of the declarations and the slips: the same seed repeats a run.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Entry speed: field check, submit to commit with 16 clerks, next-day list.
    Entry {
        /// Pairs of clerks keying at once (a first and a second keyer each).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
        pairs: u64,
        /// Declarations each pair keys.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        per_pair: u64,
        /// Commits of the day the next-day list is built over.
        #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        commits: u64,
        /// Passes over the drawn fields in the field-check loop.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        passes: u64,
    },
    /// A manual transfer through the service to a sink on loopback:
    /// preview (manifest + SHA-256), reconfirm, sign-off, send.
    Transfer {
        /// Records in each transfer.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        records: u64,
        /// Transfers timed.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
        runs: u64,
    },
    /// Every benchmark on a tiny data set (a few seconds; CI runs this).
    Smoke,
}

#[derive(Debug, Clone, Args)]
pub struct UiArgs {
    /// Interface language: ja or en (default: from LANG).
    #[arg(long, value_parser = ["ja", "en"])]
    pub lang: Option<String>,
    /// Your keymap file; its bindings override the defaults.
    #[arg(long)]
    pub keymap: Option<PathBuf>,
    /// Theme: dark, light, high-contrast, mono, terminal, or a theme file.
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

#[cfg(feature = "server")]
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: std::net::SocketAddr,
    /// Log lines on standard error: text (coloured only on a terminal) or
    /// json (one object per line, for log collectors).
    #[arg(long, value_enum, default_value_t = crate::telemetry::LogFormat::Text)]
    pub log_format: crate::telemetry::LogFormat,
    /// The settings file (default: bansho.toml in the --data directory, if
    /// it is there). BANSHO_<SECTION>_<KEY> variables override its keys.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Check the settings (file and environment), print the ones the service
    /// would run with and exit: 0 if they are valid. Starts nothing and
    /// opens no store.
    #[arg(long)]
    pub check_config: bool,
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
        /// How the city's addresses are laid out: varied (hundreds of towns)
        /// or ten-towns (every address trigram shared by thousands). A store
        /// keeps the city of its first seeding.
        #[arg(long, default_value = "varied", value_parser = parse_city)]
        city: crate::domain::synth::City,
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
    /// Grants of roles: list, request, apply, revoke, extend
    /// (docs/admin-guide.md, section 3).
    Grant {
        #[command(subcommand)]
        command: GrantCommand,
    },
    /// Write an encrypted backup of the store while the service runs.
    Backup(BackupArgs),
    /// Restore a backup into an empty or new data directory.
    Restore(RestoreArgs),
    /// Retention: the erasure plan, and carrying out an approved one.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// The PIA evidence report: for each measure of the PIA's section III
    /// that bansho carries out, what the store shows now (text; a PDF too
    /// with --pdf). It names staff and terminals, never a resident.
    PiaReport(PiaReportArgs),
    /// The HR roster against the grants: reconcile a roster file, revoke
    /// what it found (docs/admin-guide.md, "Roster reconciliation").
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
}

/// `bansho admin roster ...`.
#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Compare the roster FILE (CSV: staff_id, name, department, status)
    /// with every grant in force; print the findings and the
    /// reconciliation's id, or the bad lines (and exit non-zero).
    Reconcile {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Revoke every grant of the newest reconciliation's findings that is
    /// still in force. Without --yes: print them, revoke nothing, exit 2.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        /// The reconciliation, as `reconcile` printed it.
        #[arg(long)]
        id: String,
        /// Revoke them (nothing asks on standard input).
        #[arg(long)]
        yes: bool,
    },
}

/// `bansho admin audit report`.
#[derive(Debug, Args)]
pub struct AuditReportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The analysis: after_hours, volume, no_follow_up, support_measure,
    /// my_number_reveals, refused or shared_terminals.
    pub kind: String,
    /// The period (default: the 30 days up to the end of today).
    #[command(flatten)]
    pub period: period::PeriodArgs,
    /// csv or pdf.
    #[arg(long, default_value = "csv", value_parser = ["csv", "pdf"])]
    pub format: String,
    /// The file to write (a new file, 0600); without it a CSV goes to
    /// standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The Japanese font to set a PDF in (default: `print.font`).
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
}

/// `bansho admin pia-report`.
#[derive(Debug, Args)]
pub struct PiaReportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The period (default: the year up to the end of today).
    #[command(flatten)]
    pub period: period::PeriodArgs,
    /// Also write the report as a PDF to FILE (a new file, 0600).
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// The Japanese font to set the PDF in (default: `print.font`).
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,
}

/// `bansho admin retention ...` (docs/admin-guide.md, "Retention and
/// erasure"). Both read the retention rules and the time zone from the
/// service's settings, so the plan is the one the service shows.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Print what would be erased, why, and the plan's hash.
    Plan {
        #[command(flatten)]
        store: StoreArgs,
        /// The settings file (default: bansho.toml in the service directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The day to plan for (YYYY-MM-DD; default: today in the office).
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
    /// Erase what the plan of HASH lists, once an IT officer and a
    /// supervisor (two people) approved that hash.
    Run {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The approved plan's hash, as `plan` printed it.
        #[arg(long, value_name = "HASH")]
        plan: String,
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
    },
}

/// `bansho admin backup`: an online snapshot of the embedded store and the
/// directory's certificates, encrypted to age recipients. The master key is
/// not in it (docs/admin-guide.md, "Backups and restore").
#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The backup file to write; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// An age public key (age1...) to encrypt to (repeatable).
    #[arg(long, value_name = "AGE_PUBLIC_KEY")]
    pub recipient: Vec<String>,
    /// A file of age public keys, one a line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub recipient_file: Option<PathBuf>,
}

/// `bansho admin restore`: a backup into a new data directory.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file written by `bansho admin backup`.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The directory to restore into: it must be empty or not exist yet.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The age identity file (AGE-SECRET-KEY-1...) of a recipient.
    #[arg(long, value_name = "KEYFILE")]
    pub identity: PathBuf,
    /// The store's master key file, kept apart from backups (default:
    /// BANSHO_MASTER_KEY). Written to keys/master.key of the restored
    /// directory once it is checked against the store.
    #[arg(long, value_name = "FILE")]
    pub master_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and check the latest signed checkpoint: exit 0 if
    /// intact, 1 naming the first bad row or what the checkpoint found.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// The checkpoint verifier key (`NAME+ID+KEY`, as `keygen` and
        /// `checkpoint` print it) to check with, instead of the one the
        /// service directory keeps.
        #[arg(long, value_name = "KEY")]
        verifier: Option<String>,
        /// Also check the latest checkpoint cosigned by this witness key
        /// (`NAME+ID+KEY`) and that the log still extends it.
        #[arg(long, value_name = "KEY", env = "BANSHO_WITNESS_KEY")]
        witness_key: Option<String>,
    },
    /// Make a signed checkpoint of the access log as it is now, store it
    /// and print it with its fingerprint for the paper record. Refused if
    /// the log does not verify.
    Checkpoint {
        #[command(flatten)]
        store: StoreArgs,
        /// The checkpoint signing key from `keygen`, kept apart from the
        /// service directory (removable media, another account): a key in
        /// the --data directory is refused.
        #[arg(
            long,
            value_name = "FILE",
            env = "BANSHO_CHECKPOINT_KEY",
            required_unless_present = "latest"
        )]
        key: Option<PathBuf>,
        /// Print the latest stored checkpoint instead; no key needed.
        #[arg(long, conflicts_with = "key")]
        latest: bool,
        #[command(flatten)]
        witness: WitnessClientArgs,
    },
    /// One of the ready-made analyses as a report for the audit (CSV or
    /// PDF), with staff by user ID and residents by person number only;
    /// its making is logged before it is written.
    Report(AuditReportArgs),
    /// Create a checkpoint signing key in FILE (mode 0600, never an
    /// existing file) and print its verifier key.
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The key's name in signatures (no spaces or '+').
        #[arg(long, default_value = "bansho.audit")]
        name: String,
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
    /// Disable an account: its sessions end at their next request.
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        id: String,
    },
    /// Issue an account a new PIN and TOTP secret (a new authenticator or a
    /// forgotten PIN): prints them once, with the secret as a QR code; the
    /// account's sessions end and its PIN must be changed at the next login.
    Reset {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        id: String,
        /// lost_device, forgotten_pin or enrolment.
        #[arg(long, default_value = "enrolment")]
        reason: String,
    },
}

/// `bansho admin grant ...`. A request and an application each name who
/// makes them (`--as`), a supervisor and an IT officer with a grant in
/// force, two people; revocation and extension are the console's (an IT
/// officer's task).
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// List grants, latest requested first.
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        department: Option<String>,
        /// requested, active, refused or revoked.
        #[arg(long)]
        state: Option<String>,
    },
    /// Request a grant, as the department's supervisor.
    Request {
        #[command(flatten)]
        store: StoreArgs,
        /// The supervisor requesting (an IT officer for information_systems).
        #[arg(long = "as", value_name = "USER")]
        by: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        department: String,
        /// RFC 3339 (default: now).
        #[arg(long)]
        from: Option<String>,
        /// RFC 3339.
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
    /// Apply a requested grant, as an IT officer other than the requester.
    Apply {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long = "as", value_name = "USER")]
        by: String,
        #[arg(long)]
        id: String,
    },
    /// Revoke a grant: the user's sessions end at their next request.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Extend every active grant of a department expiring before UNTIL.
    Extend {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        department: String,
        /// RFC 3339.
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
}

/// SIGTERM (a service manager stopping it) or Ctrl-C: either ends a
/// server the same orderly way.
#[cfg(feature = "server")]
pub(crate) async fn stop_asked() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `--city`: the synthetic city's name.
fn parse_city(text: &str) -> Result<crate::domain::synth::City, String> {
    crate::domain::synth::City::parse(text)
        .ok_or_else(|| format!("{text:?} is not a city: varied or ten-towns"))
}
