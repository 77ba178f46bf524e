//! Text helpers for anything drawn on the terminal: control marking and
//! display-width measurement. Every string that came from the service goes
//! through [`clean`] before it is drawn, so each run of controls shows as
//! one [`UNSHOWN_MARKER`] (two columns wide, measured like any text).
//!
//! Control handling and widths come from `crate::text`, shared with the
//! rest of the crate; the layout helpers here build on them.

use unicode_normalization::UnicodeNormalization;
use unicode_width::UnicodeWidthChar;

pub use crate::text::{UNSHOWN_MARKER, display_width, mark_controls, strip_controls};

/// The longest prefix of `s` that fits in `width` columns; a double-width
/// character that would straddle the edge is left out, never split.
pub fn fit_prefix(s: &str, width: usize) -> String {
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

/// Server-provided text made safe to draw: each run of controls replaced
/// by [`UNSHOWN_MARKER`], NFC.
pub fn clean(s: &str) -> String {
    mark_controls(s).nfc().collect()
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
    let mut cut = fit_prefix(&text, width - 1);
    cut.push('~');
    cut
}

/// `s` padded with spaces on the right to exactly `width` columns (cut first
/// if longer).
pub fn pad_to_width(s: &str, width: usize) -> String {
    let mut out = fit_prefix(s, width);
    let w = display_width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_markers_and_never_join_words() {
        let s = "山田\x1b]52;c;QUJD\x07\x1b[2J\u{202E}太郎\u{9b}\u{7f}\u{2066}";
        assert_eq!(clean(s), "山田〓]52;c;QUJD〓[2J〓太郎〓");
        assert_eq!(clean("田中\r\n管理者"), "田中〓管理者");
        assert_eq!(clean("田中\u{200b}管理者"), "田中〓管理者");
        assert_eq!(clean("髙橋"), "髙橋");
        // Typed text still loses its controls without a trace.
        assert_eq!(strip_controls("山\t田"), "山田");
    }

    #[test]
    fn markers_are_measured_like_any_wide_character() {
        let name = "田中\r\n管理者";
        assert_eq!(display_width(&clean(name)), 12);
        assert_eq!(clean_fit(name, 12), "田中〓管理者");
        assert_eq!(clean_fit(name, 7), "田中〓~");
        // The marker is never split at the edge.
        assert_eq!(clean_fit(name, 6), "田中~");
        assert_eq!(display_width(&pad_to_width(&clean(name), 15)), 15);
        assert_eq!(pad_to_width(&clean("a\x1bb"), 2), "a ");
        for width in 0..14 {
            assert!(display_width(&clean_fit(name, width)) <= width, "{width}");
        }
    }

    #[test]
    fn widths_and_truncation_respect_double_width() {
        assert_eq!(display_width("髙橋abc"), 7);
        assert_eq!(fit_prefix("髙橋一郎", 5), "髙橋");
        assert_eq!(fit_prefix("a髙橋", 2), "a");
        assert_eq!(clean_fit("齋藤花子", 5), "齋藤~");
        assert_eq!(display_width(&pad_to_width("齋藤", 6)), 6);
        assert_eq!(pad_to_width("齋藤", 3), "齋 ");
    }
}
