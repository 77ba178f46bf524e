//! Text made safe and measurable for a terminal.
//!
//! Untrusted text (names, addresses, error details from the service) must pass
//! through [`strip_controls`] before it reaches any terminal output: a control
//! sequence in a record could otherwise write to the clipboard, clear the screen
//! or reorder what the clerk sees.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Marker appended by [`truncate_to_width`] when text is cut.
///
/// `…` (U+2026) is East Asian Ambiguous width: some CJK terminals draw it two
/// columns wide, which would break table alignment. Three ASCII dots are one
/// column each everywhere.
pub const TRUNCATION_MARKER: &str = "...";

/// True for characters that must never reach a terminal: C0 controls, DEL, C1
/// controls and the bidirectional formatting characters.
pub fn is_unsafe_control(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{001F}'
            | '\u{007F}'..='\u{009F}'
            | '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Removes C0 controls (tab and newlines included), DEL, C1 controls and bidi
/// controls. Borrows when there was nothing to remove.
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_unsafe_control) {
        Cow::Owned(s.chars().filter(|c| !is_unsafe_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Columns the text occupies in a terminal.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns. When text is cut, [`TRUNCATION_MARKER`]
/// is appended and counted within `max`; a double-width character is never
/// split. If `max` is narrower than the marker, the text is cut without it.
pub fn truncate_to_width(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_owned();
    }
    let marker_width = display_width(TRUNCATION_MARKER);
    let (budget, marker) = if max >= marker_width {
        (max - marker_width, TRUNCATION_MARKER)
    } else {
        (max, "")
    };
    let mut out = String::with_capacity(s.len().min(budget * 4) + marker.len());
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push_str(marker);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escape_sequences_are_defused() {
        let hostile = "山田\x1b]52;c;AAAA\x07\x1b[2J\u{202E}";
        let clean = strip_controls(hostile);
        assert!(!clean.contains('\x1b'));
        assert!(!clean.contains('\x07'));
        assert!(!clean.contains('\u{202E}'));
        assert_eq!(clean, "山田]52;c;AAAA[2J");
    }

    #[test]
    fn all_listed_controls_are_removed() {
        let controls = [
            '\u{0}', '\t', '\n', '\r', '\u{1f}', '\u{7f}', '\u{80}', '\u{9b}', '\u{9f}', '\u{61c}',
            '\u{200e}', '\u{200f}', '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}',
        ];
        for c in controls {
            let s = format!("a{c}b");
            assert_eq!(strip_controls(&s), "ab", "U+{:04X} kept", c as u32);
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        let s = "山田 太郎 (ヤマダ タロウ) 1-2-3";
        assert!(matches!(strip_controls(s), Cow::Borrowed(_)));
        assert!(matches!(strip_controls("a\nb"), Cow::Owned(_)));
        // Zero-width joiner and ordinary punctuation are not controls.
        assert_eq!(strip_controls("a\u{200d}b・"), "a\u{200d}b・");
    }

    #[test]
    fn widths_count_double_width_characters() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("山田"), 4);
        assert_eq!(display_width("ﾔﾏﾀﾞ"), 4);
        assert_eq!(display_width(""), 0);
    }

    #[test]
    fn truncation_never_splits_a_wide_character() {
        assert_eq!(truncate_to_width("山田太郎", 8), "山田太郎");
        assert_eq!(truncate_to_width("山田太郎", 7), "山田...");
        assert_eq!(truncate_to_width("山田太郎", 6), "山...");
        assert_eq!(truncate_to_width("abcdefgh", 6), "abc...");
        assert_eq!(truncate_to_width("山田", 2), "山");
        assert_eq!(truncate_to_width("山田", 1), "");
        assert_eq!(truncate_to_width("山田", 0), "");
        for max in 0..12 {
            assert!(display_width(&truncate_to_width("山田a太郎bc", max)) <= max);
        }
    }
}
