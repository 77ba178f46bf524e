//! `bansho bench tui`: how light the workstation is.
//!
//! - keystroke to frame, in process: the TUI's own `update` for a key press
//!   and `render` of the next frame on ratatui's `TestBackend` (120x40),
//!   with 50 real search results (Japanese names) on screen;
//! - the real binary (`bansho tui`) in a pseudo-terminal made by `script`
//!   (util-linux): time from spawning it to the login screen's text in its
//!   output, then logging in and searching through the keyboard, its peak
//!   resident set (VmHWM) with 50 results shown, and the time from writing a
//!   cursor key to the first byte of the next frame.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{ChildStdin, Command as Process, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::harness::Harness;
use super::stats::{self, Summary, fmt, summarize};
use crate::tui::Lang;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;
use crate::tui::ui::render;
use crate::tui::update::{Effect, update};

/// A query that matches far more than 50 residents.
const BROAD: &str = "サトウ";

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let at = Instant::now();
    update(
        app,
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE), at),
    )
}

/// Keystroke → frame in process. Returns the per-key times.
async fn in_process(harness: &Harness, keys: usize) -> anyhow::Result<Summary> {
    let staff = harness.staff(1).await?;
    let staff = staff.first().ok_or_else(|| anyhow::anyhow!("no staff"))?;
    let client = harness.client()?;
    let login = client.login(&Harness::login_request(staff)).await?;
    let session = client.with_token(login.token.clone());
    let response = session.search(BROAD).await?;
    anyhow::ensure!(
        response.results.len() >= 50,
        "the store is too small for 50 results"
    );

    let theme = Theme::builtin("dark").ok_or_else(|| anyhow::anyhow!("no dark theme"))?;
    let mut app = App::new(Lang::Ja, Keymap::defaults(), theme, None);

    // Through the login form as a clerk types it, then the service's answer.
    let request = Harness::login_request(staff);
    let typed = [
        request.user_id.as_str(),
        request.pin.expose(),
        request.totp.expose(),
    ];
    for (i, text) in typed.iter().enumerate() {
        for c in text.chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, if i < 2 { KeyCode::Tab } else { KeyCode::Enter });
    }
    key(&mut app, KeyCode::Enter);
    update(&mut app, Action::LoggedIn(Ok(Box::new(login))));
    // F3: to the search box (as the keymap has it), then type and search.
    key(&mut app, KeyCode::F(3));
    for c in BROAD.chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let seq = key(&mut app, KeyCode::Enter)
        .into_iter()
        .find_map(|e| match e {
            Effect::Search { seq, .. } => Some(seq),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("Enter did not search"))?;
    update(
        &mut app,
        Action::Searched {
            seq,
            result: Ok(response),
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    terminal.draw(|frame| render(&app, frame))?;

    let mut times = Vec::with_capacity(keys);
    for i in 0..keys {
        // Down through the list and back up, so the selection keeps moving.
        let code = if (i / 49) % 2 == 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        let started = Instant::now();
        key(&mut app, code);
        terminal.draw(|frame| render(&app, frame))?;
        times.push(started.elapsed());
    }
    Ok(summarize(&mut times))
}

/// The real binary's output, as it arrives.
struct Output {
    chunks: mpsc::Receiver<(Instant, Vec<u8>)>,
    seen: Vec<u8>,
}

impl Output {
    /// Waits until `text` has appeared; returns when its chunk arrived.
    fn wait_for(&mut self, text: &str, timeout: Duration) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = self.find(text) {
                return Ok(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok((at, bytes)) => {
                    self.seen.extend_from_slice(&bytes);
                    if contains(&self.seen, text.as_bytes()) {
                        return Ok(at);
                    }
                }
                Err(_) => anyhow::bail!("waited for {text:?} from the workstation in vain"),
            }
        }
    }

    fn find(&self, text: &str) -> Option<Instant> {
        contains(&self.seen, text.as_bytes()).then(Instant::now)
    }

    /// Drops what arrived so far (waiting `settle` for stragglers).
    fn drain(&mut self, settle: Duration) {
        while self.chunks.recv_timeout(settle).is_ok() {}
        self.seen.clear();
    }

    /// The time the next chunk arrives.
    fn next_chunk(&mut self, timeout: Duration) -> anyhow::Result<Instant> {
        let (at, bytes) = self
            .chunks
            .recv_timeout(timeout)
            .map_err(|_| anyhow::anyhow!("no frame after a key"))?;
        self.seen.extend_from_slice(&bytes);
        Ok(at)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

pub struct Binary {
    pub to_login: Duration,
    pub peak_rss_mib: f64,
    pub key_to_frame: Summary,
}

async fn binary(harness: &Harness, exe: &Path, keys: usize) -> anyhow::Result<Binary> {
    let staff = harness.staff(1).await?;
    let staff = staff.first().ok_or_else(|| anyhow::anyhow!("no staff"))?;
    let bundle_path = harness
        .dir
        .join(format!("{}.toml", harness.bundle.terminal));
    harness.bundle.save(&bundle_path)?;
    let command = format!(
        "stty cols 120 rows 40; exec {} tui --terminal {} --server {} --lang en",
        shell_quote(&exe.to_string_lossy()),
        shell_quote(&bundle_path.to_string_lossy()),
        shell_quote(&harness.base),
    );
    let started = Instant::now();
    let mut child = Process::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot run script(1) from util-linux: {e}"))?;
    let stdin = Arc::new(Mutex::new(child.stdin.take()));
    let result = drive(&mut child, &stdin, started, staff, keys).await;
    // Quit (Ctrl-Q logs out), then make sure nothing is left running.
    send(&stdin, b"\x11");
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(&bundle_path);
    result
}

/// Writes to the workstation's terminal as typed keys.
fn send(stdin: &Arc<Mutex<Option<ChildStdin>>>, bytes: &[u8]) {
    if let Ok(mut guard) = stdin.lock()
        && let Some(stdin) = guard.as_mut()
    {
        let _ = stdin.write_all(bytes);
        let _ = stdin.flush();
    }
}

/// The cursor position query (DSR) a terminal answers; the pseudo-terminal
/// of script(1) has no emulator behind it, so the benchmark answers, as
/// every real terminal does at once (crossterm waits 2 s for it otherwise).
const CURSOR_QUERY: &[u8] = b"\x1b[6n";

async fn drive(
    child: &mut std::process::Child,
    stdin: &Arc<Mutex<Option<ChildStdin>>>,
    started: Instant,
    staff: &crate::testkit::Account,
    keys: usize,
) -> anyhow::Result<Binary> {
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no output"))?;
    let (tx, rx) = mpsc::channel();
    let answer = stdin.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let at = Instant::now();
            if contains(&buf[..n], CURSOR_QUERY) {
                send(&answer, b"\x1b[1;1R");
            }
            if tx.send((at, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    let mut out = Output {
        chunks: rx,
        seen: Vec::new(),
    };
    let login_at = out.wait_for("Login", Duration::from_secs(20))?;
    let to_login = login_at.duration_since(started);

    let pid = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id()))?
        .split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("the workstation process is not found"))?;

    let request = Harness::login_request(staff);
    let typed = format!(
        "{}\t{}\t{}\r",
        request.user_id,
        request.pin.expose(),
        request.totp.expose()
    );
    send(stdin, typed.as_bytes());
    // The assessment department has two purposes: pick the first. (A frame
    // writes only the cells that changed, so wait for text the login
    // screen did not have in those cells, not for the box's title.)
    out.wait_for("(certificate)", Duration::from_secs(20))?;
    send(stdin, b"\x1b[B\r");
    out.wait_for("Resident search", Duration::from_secs(20))?;
    out.drain(Duration::from_millis(200));
    send(stdin, format!("{BROAD}\r").as_bytes());
    out.wait_for("found", Duration::from_secs(20))?;
    out.drain(Duration::from_millis(300));
    let peak_rss_mib = stats::proc_status_kb(&pid, "VmHWM")
        .map(|kb| kb as f64 / 1024.0)
        .ok_or_else(|| anyhow::anyhow!("no VmHWM for the workstation"))?;

    let mut times = Vec::with_capacity(keys);
    for i in 0..keys {
        let arrow: &[u8] = if (i / 49) % 2 == 0 {
            b"\x1b[B"
        } else {
            b"\x1b[A"
        };
        out.drain(Duration::from_millis(5));
        let sent = Instant::now();
        send(stdin, arrow);
        let at = out.next_chunk(Duration::from_secs(5))?;
        times.push(at.duration_since(sent));
    }
    Ok(Binary {
        to_login,
        peak_rss_mib,
        key_to_frame: summarize(&mut times),
    })
}

/// `workstation`: the binary to run as the workstation (default: this one).
pub async fn run(keys: usize, runs: usize, workstation: Option<&Path>) -> anyhow::Result<()> {
    let exe = match workstation {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()?,
    };
    anyhow::ensure!(exe.is_file(), "no workstation binary at {}", exe.display());
    eprintln!(
        "tui: in-process keystroke to frame, then {} {runs} times",
        exe.display()
    );
    let harness = Harness::start(None, 2_000).await?;
    let inproc = in_process(&harness, keys).await?;
    println!(
        "| keystroke → frame (in process, TestBackend 120x40, 50 results) | p50 | p99 | max |"
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| cursor key, update + render | {} | {} | {} |",
        fmt(inproc.p50),
        fmt(inproc.p99),
        fmt(inproc.max)
    );
    println!();
    println!(
        "| run | start → login screen | peak RSS, 50 results shown | key → frame p50 | key → frame p99 | key → frame max |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for run in 1..=runs {
        let b = binary(&harness, &exe, keys.min(200)).await?;
        println!(
            "| {run} | {} | {:.1} MiB | {} | {} | {} |",
            fmt(b.to_login),
            b.peak_rss_mib,
            fmt(b.key_to_frame.p50),
            fmt(b.key_to_frame.p99),
            fmt(b.key_to_frame.max)
        );
    }
    Ok(())
}
