//! A one-line text field. The text lives in a zeroizing buffer allocated
//! once (no reallocation copies left behind), the cursor is placed by display
//! width so CJK text and IME composition line up, and long text scrolls.
//! The editing keys are the ones shells have taught everyone: Home/End and
//! Ctrl-A/Ctrl-E, Ctrl-U (delete to the start), Ctrl-W (delete the word
//! before the cursor; words end at an ASCII or an ideographic space).

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;
use zeroize::{Zeroize, Zeroizing};

use crossterm::event::{KeyCode, KeyModifiers};

use crate::tui::keymap::Key;
use crate::tui::sanitize::{display_width, fit_prefix, strip_controls};

/// The masking character for secret fields: ASCII, so never ambiguous width.
const MASK: char = '*';

/// What separates words for Ctrl-W: an ASCII or an ideographic (全角) space.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

/// A key that edits the text of a focused field (printable characters
/// aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    DeleteToStart,
    DeleteWord,
}

impl Edit {
    fn of(key: Key) -> Option<Edit> {
        let edit = match (key.code, key.mods) {
            (KeyCode::Backspace, KeyModifiers::NONE) => Edit::Backspace,
            (KeyCode::Delete, KeyModifiers::NONE) => Edit::Delete,
            (KeyCode::Left, KeyModifiers::NONE) => Edit::Left,
            (KeyCode::Right, KeyModifiers::NONE) => Edit::Right,
            (KeyCode::Home, KeyModifiers::NONE) => Edit::Home,
            (KeyCode::End, KeyModifiers::NONE) => Edit::End,
            (KeyCode::Char('a'), KeyModifiers::CONTROL) => Edit::Home,
            (KeyCode::Char('e'), KeyModifiers::CONTROL) => Edit::End,
            (KeyCode::Char('u'), KeyModifiers::CONTROL) => Edit::DeleteToStart,
            (KeyCode::Char('w'), KeyModifiers::CONTROL) => Edit::DeleteWord,
            _ => return None,
        };
        Some(edit)
    }
}

/// Whether a focused field takes `key` (a printable character or an
/// editing key): there the keymap never sees it.
pub fn takes(key: Key) -> bool {
    key.is_bare_char() || Edit::of(key).is_some()
}

pub struct TextInput {
    buf: Zeroizing<String>,
    /// Cursor position in characters (not bytes, not columns).
    cursor: usize,
    max_chars: usize,
    masked: bool,
}

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput")
            .field("chars", &self.char_count())
            .field("cursor", &self.cursor)
            .field("masked", &self.masked)
            .finish()
    }
}

impl TextInput {
    /// A field of at most `max_chars` characters.
    pub fn new(max_chars: usize) -> TextInput {
        TextInput {
            buf: Zeroizing::new(String::with_capacity(max_chars * 4)),
            cursor: 0,
            max_chars,
            masked: false,
        }
    }

    /// A field whose text is drawn as `*`.
    pub fn secret(max_chars: usize) -> TextInput {
        TextInput {
            masked: true,
            ..TextInput::new(max_chars)
        }
    }

    pub fn text(&self) -> &str {
        &self.buf
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn char_count(&self) -> usize {
        self.buf.chars().count()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.buf
            .char_indices()
            .nth(char_index)
            .map(|(i, _)| i)
            .unwrap_or(self.buf.len())
    }

    /// Types one character at the cursor. Controls are refused.
    pub fn insert(&mut self, c: char) -> bool {
        let mut tmp = [0u8; 4];
        if strip_controls(c.encode_utf8(&mut tmp)).is_empty()
            || self.char_count() >= self.max_chars
            || self.buf.len() + c.len_utf8() > self.buf.capacity()
        {
            return false;
        }
        let at = self.byte_at(self.cursor);
        self.buf.insert(at, c);
        self.cursor += 1;
        true
    }

    /// The keys of a focused field: printable characters and the editing
    /// keys ([`takes`]). Returns whether the key was used.
    pub fn edit(&mut self, key: Key) -> bool {
        if key.is_bare_char() {
            if let KeyCode::Char(c) = key.code {
                self.insert(c);
            }
            return true;
        }
        let Some(edit) = Edit::of(key) else {
            return false;
        };
        match edit {
            Edit::Backspace => self.backspace(),
            Edit::Delete => self.delete(),
            Edit::Left => self.left(),
            Edit::Right => self.right(),
            Edit::Home => self.home(),
            Edit::End => self.end(),
            Edit::DeleteToStart => self.delete_to_start(),
            // A secret's words would tell where its spaces are: all goes.
            Edit::DeleteWord if self.masked => self.delete_to_start(),
            Edit::DeleteWord => self.delete_word(),
        }
        true
    }

    /// Pasted text, as data: line breaks and other controls are dropped.
    pub fn insert_str(&mut self, text: &str) {
        for c in text.chars() {
            self.insert(c);
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.buf.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.char_count() {
            let at = self.byte_at(self.cursor);
            self.buf.remove(at);
        }
    }

    /// Ctrl-U: everything before the cursor goes.
    pub fn delete_to_start(&mut self) {
        self.delete_before(0);
    }

    /// Ctrl-W: the word before the cursor goes, with the spaces between it
    /// and the cursor.
    pub fn delete_word(&mut self) {
        let before: Vec<char> = self.buf.chars().take(self.cursor).collect();
        let mut start = before.len();
        while start > 0 && is_space(before[start - 1]) {
            start -= 1;
        }
        while start > 0 && !is_space(before[start - 1]) {
            start -= 1;
        }
        self.delete_before(start);
    }

    /// Removes the characters from `start` up to the cursor.
    fn delete_before(&mut self, start: usize) {
        if start >= self.cursor {
            return;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.buf.replace_range(from..to, "");
        self.cursor = start;
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.char_count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.char_count();
    }

    /// Empties the field, wiping the old text.
    pub fn clear(&mut self) {
        self.buf.zeroize();
        self.cursor = 0;
    }

    /// What is drawn: the text, or one mask character per character.
    pub fn shown(&self) -> String {
        if self.masked {
            std::iter::repeat_n(MASK, self.char_count()).collect()
        } else {
            strip_controls(&self.buf).into_owned()
        }
    }

    /// The columns of the field's text from `first` (a char index) up to the
    /// cursor.
    fn width_between(shown: &str, first: usize, cursor: usize) -> usize {
        shown
            .chars()
            .skip(first)
            .take(cursor.saturating_sub(first))
            .map(|c| UnicodeWidthChar::width(c).unwrap_or(0))
            .sum()
    }

    /// The first shown character and the cursor's column for a field
    /// `width` columns wide: scrolls so that the cursor stays visible.
    pub fn layout(&self, width: usize) -> (usize, usize) {
        let shown = self.shown();
        let room = width.saturating_sub(1);
        let mut first = 0;
        while first < self.cursor && Self::width_between(&shown, first, self.cursor) > room {
            first += 1;
        }
        (first, Self::width_between(&shown, first, self.cursor))
    }

    /// Draws the field into `area` (one line); with `focused`, puts the
    /// terminal cursor at the display column of the text cursor.
    pub fn draw(&self, frame: &mut Frame, area: Rect, style: Style, focused: bool) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let width = usize::from(area.width);
        let (first, column) = self.layout(width);
        let shown: String = self.shown().chars().skip(first).collect();
        let visible = fit_prefix(&shown, width);
        let line = Rect { height: 1, ..area };
        frame.render_widget(Span::styled(visible, style), line);
        if focused {
            let x = area
                .x
                .saturating_add(u16::try_from(column).unwrap_or(u16::MAX));
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        }
    }

    /// Columns the whole text takes.
    pub fn width(&self) -> usize {
        display_width(&self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn cursor_sits_at_the_display_column_of_japanese_text() {
        let mut input = TextInput::new(64);
        for c in "髙橋aい".chars() {
            input.insert(c);
        }
        assert_eq!(input.layout(40), (0, 7));
        input.left();
        assert_eq!(input.layout(40), (0, 5));
        input.home();
        input.right();
        assert_eq!(input.layout(40), (0, 2));
        input.insert('齋');
        assert_eq!(input.text(), "髙齋橋aい");
        assert_eq!(input.layout(40), (0, 4));
        input.backspace();
        input.delete();
        assert_eq!(input.text(), "髙aい");
        assert_eq!(input.width(), 5);

        let mut terminal = Terminal::new(TestBackend::new(20, 1)).unwrap();
        terminal
            .draw(|f| input.draw(f, Rect::new(3, 0, 10, 1), Style::default(), true))
            .unwrap();
        // cursor after "髙" = column 3 + 2
        terminal
            .backend_mut()
            .assert_cursor_position(Position::new(5, 0));
    }

    #[test]
    fn long_text_scrolls_without_splitting_wide_characters() {
        let mut input = TextInput::new(64);
        input.insert_str("山田太郎山田太郎");
        let (first, col) = input.layout(7);
        assert_eq!(first, 5);
        assert_eq!(col, 6);
        let mut terminal = Terminal::new(TestBackend::new(7, 1)).unwrap();
        terminal
            .draw(|f| input.draw(f, Rect::new(0, 0, 7, 1), Style::default(), true))
            .unwrap();
        terminal.backend().assert_buffer_lines(["田太郎 "]);
        terminal
            .backend_mut()
            .assert_cursor_position(Position::new(6, 0));
    }

    #[test]
    fn secret_fields_show_masks_and_paste_drops_line_breaks() {
        let mut pin = TextInput::secret(32);
        pin.insert_str("12\r\n34\x1b");
        assert_eq!(pin.text(), "1234");
        assert_eq!(pin.shown(), "****");
        pin.clear();
        assert!(pin.is_empty());
        let mut short = TextInput::new(3);
        short.insert_str("abcdef");
        assert_eq!(short.text(), "abc");
    }
}
