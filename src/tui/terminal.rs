//! The terminal in TUI mode, as an RAII guard: raw mode, alternate screen,
//! mouse capture (so the terminal's own selection cannot copy a screen) and
//! bracketed paste (so pasted text arrives as data). Restored on drop, and
//! by a panic hook installed before raw mode is entered.

use std::io::{Stdout, Write, stdout};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Backend = CrosstermBackend<Stdout>;

static HOOK: Once = Once::new();

/// What entering TUI mode writes to the terminal: the alternate screen,
/// mouse capture (the terminal's own selection, and so its copy, is off
/// while the workstation runs) and bracketed paste (pasted text arrives as
/// one event of data, never as keys).
pub fn write_setup(out: &mut impl Write) -> std::io::Result<()> {
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// What leaving TUI mode writes: the screen cleared first, then everything
/// [`write_setup`] turned on turned off again.
pub fn write_teardown(out: &mut impl Write) -> std::io::Result<()> {
    execute!(
        out,
        Clear(ClearType::All),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    )
}

/// Puts the terminal back as it was; safe to call more than once.
pub fn restore() {
    let mut out = stdout();
    let _ = write_teardown(&mut out);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal before any panic message is printed.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

pub struct TerminalGuard {
    pub terminal: Terminal<Backend>,
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = stdout();
        if let Err(e) = write_setup(&mut out) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(out)) {
            Ok(mut terminal) => {
                let _ = terminal.clear();
                Ok(TerminalGuard { terminal })
            }
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Clears the screen and ratatui's buffers: nothing of the last frame
    /// survives, on screen or in memory.
    pub fn clear(&mut self) -> std::io::Result<()> {
        self.terminal.clear()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: fn(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn setup_captures_the_mouse_and_brackets_pastes() {
        let setup = written(write_setup);
        for code in ["\x1b[?1049h", "\x1b[?1000h", "\x1b[?1006h", "\x1b[?2004h"] {
            assert!(setup.contains(code), "{code:?} missing from {setup:?}");
        }
        // No clipboard write (OSC 52) in anything the guard sends.
        let teardown = written(write_teardown);
        for code in ["\x1b[2J", "\x1b[?1000l", "\x1b[?2004l", "\x1b[?1049l"] {
            assert!(
                teardown.contains(code),
                "{code:?} missing from {teardown:?}"
            );
        }
        assert!(!setup.contains("\x1b]52") && !teardown.contains("\x1b]52"));
        // The screen is cleared before the alternate screen is left.
        assert!(teardown.find("\x1b[2J") < teardown.find("\x1b[?1049l"));
    }
}
