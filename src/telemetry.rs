//! Logging. Nothing logged carries personal data or secrets: those live in
//! redacting types. Untrusted text cannot forge lines or send escape
//! sequences to whoever reads the log (log injection): the text format
//! escapes the control characters of every field ([`EscapedFields`]; the
//! stock formatter escapes only the message), the JSON format through
//! serde_json plus [`EscapeC1`] for what serde_json leaves raw.

use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::util::SubscriberInitExt;

/// How the service writes its log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people; coloured only when standard error is a terminal.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("BANSHO_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Colour only for a person at a terminal: escape sequences in a log file
/// or a collector are noise at best.
fn colour_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The subscriber writing `format` to `writer`.
fn subscriber<W>(
    format: LogFormat,
    ansi: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => Box::new(
            builder
                .fmt_fields(EscapedFields)
                .with_ansi(ansi)
                .with_writer(writer)
                .finish(),
        ),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_ansi(false)
                .with_writer(EscapeC1(writer))
                .finish(),
        ),
    }
}

/// Logs to standard error (the service).
pub fn init_stderr(format: LogFormat) {
    // try_init also forwards the `log` records of the TLS and database crates.
    let _ = subscriber(format, colour_stderr(), filter(), std::io::stderr).try_init();
}

/// Logs to a file (the demo, whose terminal belongs to the workstation).
/// The caller opens it, so it decides the file's mode.
pub fn init_file(file: std::fs::File) {
    let _ = subscriber(
        LogFormat::Text,
        false,
        filter(),
        std::sync::Mutex::new(file),
    )
    .try_init();
}

/// Whether a character must not reach a log line as itself: the control
/// characters (line breaks, escape sequences, C1 controls) and the marks
/// that reorder or break a line on display.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Passes text on with each character of [`must_escape`] as `\u{..}`.
struct Escaped<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if must_escape(c) {
                write!(self.0, "\\u{{{:x}}}", c as u32)?;
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// The text format's fields, `name=value` separated by spaces like the
/// stock formatter's, with every value escaped.
pub struct EscapedFields;

impl<'w> FormatFields<'w> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = EscapingVisitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct EscapingVisitor<'w> {
    writer: Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Visit for EscapingVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `log.*` fields carry the metadata of records from the `log` crate,
        // which the line shows already.
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let separator = if std::mem::take(&mut self.first) {
            ""
        } else {
            " "
        };
        self.result = if field.name() == "message" {
            write!(self.writer, "{separator}")
                .and_then(|()| write!(Escaped(&mut self.writer), "{value:?}"))
        } else {
            write!(self.writer, "{separator}{}=", field.name())
                .and_then(|()| write!(Escaped(&mut self.writer), "{value:?}"))
        };
    }
}

/// Writes DEL and the C1 controls (U+0080 to U+009F, which some terminals
/// act on as escape sequences) as JSON `\u` escapes. serde_json escapes the
/// C0 controls itself but leaves these raw; in JSON output they can only
/// occur inside strings, where the escape means the same character.
pub struct EscapeC1<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapeC1<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter(self.0.make_writer())
    }
}

/// The writer of [`EscapeC1`]. The formatter hands it one whole line per
/// write, so a two-byte character is never split between calls.
pub struct EscapingWriter<W>(W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        let mut bytes = buf.iter().copied().peekable();
        while let Some(b) = bytes.next() {
            match (b, bytes.peek().copied()) {
                (0x7f, _) => out.extend_from_slice(b"\\u007f"),
                // U+0080..U+009F is 0xC2 followed by 0x80..0x9F in UTF-8.
                (0xc2, Some(next @ 0x80..=0x9f)) => {
                    bytes.next();
                    write!(out, "\\u{next:04x}")?;
                }
                _ => out.push(b),
            }
        }
        self.0.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat, text: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(format, false, EnvFilter::new("info"), move || {
            writer.clone()
        });
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(user = %text, "login refused");
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    const HOSTILE: &str = "evil\n2026-01-01T00:00:00Z  INFO FORGED\r\x1b[2J\x07\u{9b}31m\x7f";

    fn assert_no_controls(log: &str) {
        let body = log.strip_suffix('\n').unwrap_or(log);
        assert!(
            !body
                .chars()
                .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
            "a control character reached the log: {log:?}"
        );
    }

    #[test]
    fn json_lines_parse_and_carry_no_raw_control_character() {
        let log = logged(LogFormat::Json, HOSTILE);
        assert_eq!(log.lines().count(), 1, "{log:?}");
        assert_no_controls(&log);
        let line: serde_json::Value = serde_json::from_str(&log).unwrap();
        assert_eq!(line["fields"]["message"], "login refused");
        // The value survives intact for the collector, only escaped.
        assert_eq!(line["fields"]["user"], HOSTILE);
        assert_eq!(line["level"], "INFO");
    }

    #[test]
    fn text_lines_escape_every_control_character_of_every_field() {
        let log = logged(LogFormat::Text, HOSTILE);
        assert_eq!(log.lines().count(), 1, "{log:?}");
        assert_no_controls(&log);
        assert!(
            log.ends_with(
                " login refused user=evil\\u{a}2026-01-01T00:00:00Z  INFO FORGED\\u{d}\\u{1b}[2J\\u{7}\\u{9b}31m\\u{7f}\n"
            ),
            "{log:?}"
        );
    }

    #[test]
    fn the_escaping_writer_leaves_other_text_alone() {
        let mut out = Vec::new();
        EscapingWriter(&mut out)
            .write_all("課税 é \u{a0} \u{9f}\u{80}\x7f".as_bytes())
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "課税 é \u{a0} \\u009f\\u0080\\u007f"
        );
    }
}
