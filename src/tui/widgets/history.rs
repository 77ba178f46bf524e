//! A text field's recall list: the last entries of this session, newest
//! first, in memory only (never written anywhere) and wiped when dropped.
//! Its owner (the search screen) is dropped at lock and logout, and the
//! list with it. Up in an empty field recalls the newest entry and, while
//! the field still shows a recalled entry, older ones; Down goes back
//! towards an empty field.

use std::collections::VecDeque;

use zeroize::Zeroizing;

/// How many entries are kept; older ones are wiped.
pub const CAPACITY: usize = 50;

#[derive(Default)]
pub struct History {
    /// Newest first.
    entries: VecDeque<Zeroizing<String>>,
    /// The entry the field shows, while it shows one.
    at: Option<usize>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The entries are what clerks searched for: names, numbers.
        f.debug_struct("History")
            .field("entries", &self.entries.len())
            .field("at", &self.at)
            .finish()
    }
}

impl History {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `entry` was sent: it becomes the newest (once), the oldest beyond
    /// [`CAPACITY`] goes.
    pub fn record(&mut self, entry: &str) {
        self.at = None;
        if entry.is_empty() {
            return;
        }
        if let Some(i) = self.entries.iter().position(|e| e.as_str() == entry) {
            self.entries.remove(i);
        }
        self.entries.push_front(Zeroizing::new(entry.to_string()));
        self.entries.truncate(CAPACITY);
    }

    /// Whether the field shows the entry last recalled.
    fn showing(&self, shown: &str) -> Option<usize> {
        self.at
            .filter(|&i| self.entries.get(i).is_some_and(|e| e.as_str() == shown))
    }

    /// Up, with `shown` in the field: the entry to show instead, or None
    /// when Up is not the list's (the field holds text of its own).
    pub fn older(&mut self, shown: &str) -> Option<&str> {
        let next = match self.showing(shown) {
            Some(i) => (i + 1).min(self.entries.len() - 1),
            None if shown.is_empty() && !self.entries.is_empty() => 0,
            None => {
                self.at = None;
                return None;
            }
        };
        self.at = Some(next);
        self.entries.get(next).map(|e| e.as_str())
    }

    /// Down, with `shown` in the field: a newer entry, or "" after the
    /// newest; None when the field shows no recalled entry.
    pub fn newer(&mut self, shown: &str) -> Option<&str> {
        let Some(i) = self.showing(shown) else {
            self.at = None;
            return None;
        };
        if i == 0 {
            self.at = None;
            return Some("");
        }
        self.at = Some(i - 1);
        self.entries.get(i - 1).map(|e| e.as_str())
    }
}
