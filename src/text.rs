//! Text made safe and measurable for a terminal.
//!
//! Untrusted text (names, addresses, error details from the service) must pass
//! through [`mark_controls`] before it reaches any terminal output: a control
//! sequence in a record could otherwise write to the clipboard, clear the screen
//! or reorder what the clerk sees, and a removed line break would silently join
//! two words.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Marker appended by [`truncate_to_width`] when text is cut.
///
/// `…` (U+2026) is East Asian Ambiguous width: some CJK terminals draw it two
/// columns wide, which would break table alignment. Three ASCII dots are one
/// column each everywhere.
pub const TRUNCATION_MARKER: &str = "...";

/// Drawn in place of each run of characters that [`mark_controls`] takes
/// out, so that `田中\r\n管理者` reads `田中〓管理者`, not `田中管理者`.
///
/// 〓 (U+3013 GETA MARK) is what Japanese print has long used for a
/// character that cannot be shown. Its East Asian Width is W, two columns in
/// every terminal; U+FFFD and `?`-like marks are either ambiguous width (A)
/// or read as ordinary text.
pub const UNSHOWN_MARKER: char = '\u{3013}';

/// True for characters that must never reach a terminal and that a search
/// refuses: C0 controls, DEL, C1 controls, the bidirectional formatting
/// characters (embeddings, overrides, isolates, marks), the line and
/// paragraph separators, and the zero-width and other invisible format
/// characters (soft hyphen, zero-width space, joiners, word joiner,
/// invisible operators, byte-order mark, interlinear annotation, tags), each
/// of which can make text read other than it is. Variation selectors are not
/// among them: an ideographic variation sequence is how a 異体字 of a name
/// is written.
pub fn is_unsafe_control(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{001F}'
            | '\u{007F}'..='\u{009F}'
            | '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Removes every [`is_unsafe_control`] character without a trace: for what
/// the clerk types, where a control is refused at the key. Borrows when there
/// was nothing to remove.
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_unsafe_control) {
        Cow::Owned(s.chars().filter(|c| !is_unsafe_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Replaces each run of [`is_unsafe_control`] characters with one
/// [`UNSHOWN_MARKER`]: for untrusted text (from the service, from files,
/// error messages), which must neither act on the terminal nor join what
/// the controls separated. Borrows when there was nothing to replace.
pub fn mark_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if is_unsafe_control(c) {
            if !in_run {
                out.push(UNSHOWN_MARKER);
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    Cow::Owned(out)
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
    fn invisible_format_characters_are_controls_too() {
        for c in [
            '\u{ad}',
            '\u{180e}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2064}',
            '\u{206a}',
            '\u{feff}',
            '\u{fffb}',
            '\u{e0001}',
            '\u{e007f}',
        ] {
            assert!(is_unsafe_control(c), "U+{:04X} allowed", c as u32);
        }
        // Ordinary text, full-width spaces and the variation selectors of
        // 異体字 sequences are not controls.
        for c in [
            'a',
            '・',
            '\u{3000}',
            '\u{a0}',
            '\u{fe00}',
            '\u{e0100}',
            '\u{e01ef}',
            '〓',
        ] {
            assert!(!is_unsafe_control(c), "U+{:04X} refused", c as u32);
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        let s = "山田 太郎 (ヤマダ タロウ) 1-2-3 葛\u{e0100}城";
        assert!(matches!(strip_controls(s), Cow::Borrowed(_)));
        assert!(matches!(mark_controls(s), Cow::Borrowed(_)));
        assert!(matches!(strip_controls("a\nb"), Cow::Owned(_)));
    }

    #[test]
    fn each_run_of_controls_becomes_one_visible_marker() {
        assert_eq!(mark_controls("田中\r\n管理者"), "田中〓管理者");
        assert_eq!(
            mark_controls("山田\x1b]52;c;AAAA\x07\x1b[2J\u{202E}太郎"),
            "山田〓]52;c;AAAA〓[2J〓太郎"
        );
        assert_eq!(mark_controls("\x1b\x1b\u{200b}a\tb\u{7f}"), "〓a〓b〓");
        assert_eq!(mark_controls("\r\n"), "〓");
        // Wide everywhere: two columns, never the ambiguous width of U+FFFD.
        assert_eq!(display_width(&UNSHOWN_MARKER.to_string()), 2);
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
