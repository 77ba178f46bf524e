//! Text helpers for anything drawn on the terminal: control stripping and
//! display-width measurement. Every string that came from the service goes
//! through [`clean`] before it is drawn.
//!
//! These mirror `crate::text` (same signatures) until that module lands; the
//! rest of the TUI only calls this module, so the swap is one file.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Whether `c` must never reach the terminal: C0 and C1 controls (ESC, BEL,
/// CR, LF, TAB included), DEL, and bidi controls that reorder what is shown.
fn is_forbidden(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || (0x202a..=0x202e).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || u == 0x200e
        || u == 0x200f
        || u == 0x061c
}

/// Removes C0/C1 controls, ESC, DEL and bidi controls.
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_forbidden) {
        Cow::Owned(s.chars().filter(|c| !is_forbidden(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Columns `s` takes on a terminal (CJK characters take two).
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The longest prefix of `s` that fits in `width` columns; a double-width
/// character that would straddle the edge is left out, never split.
pub fn truncate_to_width(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// Server-provided text made safe to draw: controls stripped, NFC.
pub fn clean(s: &str) -> String {
    strip_controls(s).nfc().collect()
}

/// [`clean`], then cut to `width` columns with a plain ASCII marker ("~")
/// when something was left out (no ambiguous-width ellipsis).
pub fn clean_fit(s: &str, width: usize) -> String {
    let text = clean(s);
    if display_width(&text) <= width {
        return text;
    }
    if width == 0 {
        return String::new();
    }
    let mut cut = truncate_to_width(&text, width - 1);
    cut.push('~');
    cut
}

/// `s` padded with spaces on the right to exactly `width` columns (cut first
/// if longer).
pub fn pad_to_width(s: &str, width: usize) -> String {
    let mut out = truncate_to_width(s, width);
    let w = display_width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_bell_and_bidi() {
        let s = "山田\x1b]52;c;QUJD\x07\x1b[2J\u{202E}太郎\u{9b}\u{7f}\u{2066}";
        let out = strip_controls(s);
        assert_eq!(out, "山田]52;c;QUJD[2J太郎");
        assert!(matches!(strip_controls("髙橋"), Cow::Borrowed(_)));
    }

    #[test]
    fn widths_and_truncation_respect_double_width() {
        assert_eq!(display_width("髙橋abc"), 7);
        assert_eq!(truncate_to_width("髙橋一郎", 5), "髙橋");
        assert_eq!(truncate_to_width("a髙橋", 2), "a");
        assert_eq!(clean_fit("齋藤花子", 5), "齋藤~");
        assert_eq!(display_width(&pad_to_width("齋藤", 6)), 6);
        assert_eq!(pad_to_width("齋藤", 3), "齋 ");
    }
}
