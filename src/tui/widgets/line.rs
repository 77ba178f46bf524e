//! Lines of spans cut to a width.

use ratatui::text::{Line, Span};

use crate::tui::sanitize::{display_width, fit_prefix};

/// Cuts a line of spans to `width` columns without splitting a character.
pub fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut out = Vec::new();
    for span in spans {
        if left == 0 {
            break;
        }
        let w = display_width(&span.content);
        if w <= left {
            left -= w;
            out.push(span);
        } else {
            let cut = fit_prefix(&span.content, left);
            left = 0;
            out.push(Span::styled(cut, span.style));
        }
    }
    Line::from(out)
}

/// A hash in groups of eight characters, as it is read out against another
/// screen or the console (a transfer's manifest, an erasure plan).
pub fn hash_groups(hash: &str) -> Vec<String> {
    hash.as_bytes()
        .chunks(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}
