//! Keymaps: TOML files with one section per layer, yazi style:
//!
//! ```toml
//! [global]
//! keymap = [ { on = ["ctrl-q"], run = "quit", desc = "Quit" } ]
//! ```
//!
//! `keymaps/default.toml` is embedded; a user file overrides it key by key
//! (`run = "noop"` unbinds a key). A broken user file is reported with its
//! file name and line, and the defaults are used.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Command;
use super::config_error::ConfigError;

pub const DEFAULT: &str = include_str!("../../keymaps/default.toml");
pub const FUNCTION_KEYS: &str = include_str!("../../keymaps/function-keys.toml");
pub const VIM: &str = include_str!("../../keymaps/vim.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    Global,
    Login,
    Search,
    Record,
    Help,
    Confirm,
    /// The idle-lock screen.
    Lock,
    /// The entry work list and the supervisor's decision queue.
    Entries,
    /// The keying form (first, second and re-keying).
    Entry,
    /// The summary before a keying is submitted.
    Summary,
    /// The supervisor's decision on differing fields, and the settling
    /// of an identity check's differences.
    Decision,
    /// 本人確認 at intake, before a first keying.
    Intake,
    /// The batches tab of the work screen.
    Batches,
    /// A person's record versions (and a re-verification item's record).
    History,
    /// A correction being proposed: the form, then its summary.
    Correction,
    /// A supervisor's review of a proposed correction.
    Review,
    /// The transfers tab: the list, and one transfer's detail (a
    /// supervisor approves or rejects there).
    Transfers,
    /// A transfer being prepared: the form, then its summary.
    TransferForm,
    /// A transfer being executed: the preview, the IT officer's sign-off
    /// at the preparer's terminal, the sending and its answer.
    TransferExec,
    /// The erasure plan an IT officer and a supervisor approve.
    Retention,
    /// The notice a role without resident search gets after login.
    NoSearch,
    /// The grants tab: the list, requests applied, refused and revoked.
    Grants,
    /// A grant request or a department's extension being typed.
    GrantForm,
    /// The access log tab: a filtered page of rows.
    Audit,
    /// The access log's filter, or an analysis period, being typed.
    AuditForm,
    /// The analyses tab: the seven analyses and their findings.
    Analyses,
    /// The holder's PIN change (forced after a handed-over PIN).
    PinChange,
    /// The IT officer's staff tab (職員): credentials and disabling.
    Staff,
    /// The roster reconciliation tab of the IT officer.
    Roster,
}

impl Layer {
    pub const ALL: [Layer; 29] = [
        Layer::Global,
        Layer::Login,
        Layer::Search,
        Layer::Record,
        Layer::Help,
        Layer::Confirm,
        Layer::Lock,
        Layer::Entries,
        Layer::Entry,
        Layer::Summary,
        Layer::Decision,
        Layer::Intake,
        Layer::Batches,
        Layer::History,
        Layer::Correction,
        Layer::Review,
        Layer::Transfers,
        Layer::TransferForm,
        Layer::TransferExec,
        Layer::Retention,
        Layer::NoSearch,
        Layer::Grants,
        Layer::GrantForm,
        Layer::Audit,
        Layer::AuditForm,
        Layer::Analyses,
        Layer::PinChange,
        Layer::Staff,
        Layer::Roster,
    ];

    fn index(self) -> usize {
        match self {
            Layer::Global => 0,
            Layer::Login => 1,
            Layer::Search => 2,
            Layer::Record => 3,
            Layer::Help => 4,
            Layer::Confirm => 5,
            Layer::Lock => 6,
            Layer::Entries => 7,
            Layer::Entry => 8,
            Layer::Summary => 9,
            Layer::Decision => 10,
            Layer::Intake => 11,
            Layer::Batches => 12,
            Layer::History => 13,
            Layer::Correction => 14,
            Layer::Review => 15,
            Layer::Transfers => 16,
            Layer::TransferForm => 17,
            Layer::TransferExec => 18,
            Layer::Retention => 19,
            Layer::NoSearch => 20,
            Layer::Grants => 21,
            Layer::GrantForm => 22,
            Layer::Audit => 23,
            Layer::AuditForm => 24,
            Layer::Analyses => 25,
            Layer::PinChange => 26,
            Layer::Staff => 27,
            Layer::Roster => 28,
        }
    }
}

/// A key with its modifiers, normalised so that what a terminal reports and
/// what a file names compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        match code {
            KeyCode::Char(c) => {
                // The character already says whether shift was held.
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                code = KeyCode::BackTab;
                mods.remove(KeyModifiers::SHIFT);
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        Key { code, mods }
    }

    pub fn from_event(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }

    /// Parses `ctrl-q`, `shift-tab`, `f5`, `enter`, `?`, `alt-x`, `space`.
    pub fn parse(text: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, flag) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break; // "ctrl-" alone, or the key "-" after a prefix
            }
            mods |= flag;
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                other => {
                    let n = other.strip_prefix('f')?.parse::<u8>().ok()?;
                    if (1..=24).contains(&n) {
                        KeyCode::F(n)
                    } else {
                        return None;
                    }
                }
            },
        };
        Some(Key::new(code, mods))
    }

    /// How the help overlay and the key hints name the key.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                out.push(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Backspace => out.push_str("Backspace"),
            KeyCode::Delete => out.push_str("Delete"),
            KeyCode::Insert => out.push_str("Insert"),
            KeyCode::Up => out.push_str("Up"),
            KeyCode::Down => out.push_str("Down"),
            KeyCode::Left => out.push_str("Left"),
            KeyCode::Right => out.push_str("Right"),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::PageUp => out.push_str("PageUp"),
            KeyCode::PageDown => out.push_str("PageDown"),
            _ => out.push('?'),
        }
        out
    }

    /// A bare printable key (no Ctrl/Alt): what a text field would take.
    pub fn is_bare_char(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// One key of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub command: Command,
    pub desc: String,
}

/// Commands that must never sit on a bare printable key.
const DANGEROUS: &[Command] = &[
    Command::Reveal,
    Command::ResetCredentials,
    Command::DisableAccount,
    Command::Logout,
    Command::Confirm,
    Command::SwitchUser,
    Command::Send,
    Command::Discard,
    Command::NewBatch,
    Command::CloseBatch,
    Command::MarkVerified,
    Command::MarkNeedsCorrection,
    Command::Approve,
    Command::Reject,
    Command::NewTransfer,
    Command::Execute,
    Command::Reconfirm,
    Command::SignOff,
    Command::Revoke,
    Command::Extend,
    Command::SaveCsv,
    Command::SavePdf,
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    layers: [Vec<Binding>; 29],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    #[serde(default)]
    global: Option<SectionDe>,
    #[serde(default)]
    login: Option<SectionDe>,
    #[serde(default)]
    search: Option<SectionDe>,
    #[serde(default)]
    record: Option<SectionDe>,
    #[serde(default)]
    help: Option<SectionDe>,
    #[serde(default)]
    confirm: Option<SectionDe>,
    #[serde(default)]
    lock: Option<SectionDe>,
    #[serde(default)]
    entries: Option<SectionDe>,
    #[serde(default)]
    entry: Option<SectionDe>,
    #[serde(default)]
    summary: Option<SectionDe>,
    #[serde(default)]
    batches: Option<SectionDe>,
    #[serde(default)]
    decision: Option<SectionDe>,
    #[serde(default)]
    intake: Option<SectionDe>,
    history: Option<SectionDe>,
    #[serde(default)]
    correction: Option<SectionDe>,
    #[serde(default)]
    review: Option<SectionDe>,
    #[serde(default)]
    transfers: Option<SectionDe>,
    #[serde(default)]
    transfer_form: Option<SectionDe>,
    #[serde(default)]
    transfer_exec: Option<SectionDe>,
    #[serde(default)]
    retention: Option<SectionDe>,
    #[serde(default)]
    no_search: Option<SectionDe>,
    #[serde(default)]
    grants: Option<SectionDe>,
    #[serde(default)]
    grant_form: Option<SectionDe>,
    #[serde(default)]
    audit: Option<SectionDe>,
    #[serde(default)]
    audit_form: Option<SectionDe>,
    #[serde(default)]
    analyses: Option<SectionDe>,
    pin_change: Option<SectionDe>,
    #[serde(default)]
    staff: Option<SectionDe>,
    roster: Option<SectionDe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionDe {
    #[serde(default)]
    keymap: Vec<toml::Spanned<BindingDe>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingDe {
    on: Vec<String>,
    run: String,
    #[serde(default)]
    desc: String,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn defaults() -> Keymap {
        // The embedded file is checked by a unit test; should it ever fail,
        // an empty keymap still leaves Ctrl-C handled by the runtime.
        Keymap::parse(DEFAULT, "keymaps/default.toml").unwrap_or_default()
    }

    /// Parses a keymap file; `file` names it in errors.
    pub fn parse(source: &str, file: &str) -> Result<Keymap, ConfigError> {
        let de: FileDe =
            toml::from_str(source).map_err(|e| ConfigError::from_toml(file, source, &e))?;
        let mut map = Keymap::default();
        let sections = [
            (Layer::Global, de.global),
            (Layer::Login, de.login),
            (Layer::Search, de.search),
            (Layer::Record, de.record),
            (Layer::Help, de.help),
            (Layer::Confirm, de.confirm),
            (Layer::Lock, de.lock),
            (Layer::Entries, de.entries),
            (Layer::Entry, de.entry),
            (Layer::Summary, de.summary),
            (Layer::Decision, de.decision),
            (Layer::Intake, de.intake),
            (Layer::Batches, de.batches),
            (Layer::History, de.history),
            (Layer::Correction, de.correction),
            (Layer::Review, de.review),
            (Layer::Transfers, de.transfers),
            (Layer::TransferForm, de.transfer_form),
            (Layer::TransferExec, de.transfer_exec),
            (Layer::Retention, de.retention),
            (Layer::NoSearch, de.no_search),
            (Layer::Grants, de.grants),
            (Layer::GrantForm, de.grant_form),
            (Layer::Audit, de.audit),
            (Layer::AuditForm, de.audit_form),
            (Layer::Analyses, de.analyses),
            (Layer::PinChange, de.pin_change),
            (Layer::Staff, de.staff),
            (Layer::Roster, de.roster),
        ];
        for (layer, section) in sections {
            let Some(section) = section else { continue };
            for entry in section.keymap {
                let offset = Some(entry.span().start);
                let entry = entry.into_inner();
                let command = Command::parse(&entry.run).ok_or_else(|| {
                    ConfigError::at(
                        file,
                        source,
                        offset,
                        format!("unknown action \"{}\"", entry.run),
                    )
                })?;
                let key = match entry.on.as_slice() {
                    [one] => Key::parse(one).ok_or_else(|| {
                        ConfigError::at(file, source, offset, format!("unknown key \"{one}\""))
                    })?,
                    _ => {
                        return Err(ConfigError::at(
                            file,
                            source,
                            offset,
                            "\"on\" must name exactly one key",
                        ));
                    }
                };
                if DANGEROUS.contains(&command) && key.is_bare_char() {
                    return Err(ConfigError::at(
                        file,
                        source,
                        offset,
                        format!(
                            "\"{}\" must be on a function key or a Ctrl chord, not a bare letter",
                            entry.run
                        ),
                    ));
                }
                map.layers[layer.index()].push(Binding {
                    key,
                    command,
                    desc: entry.desc,
                });
            }
        }
        Ok(map)
    }

    /// Defaults with the user's file (if any) laid over them key by key.
    /// The path may also name a shipped keymap: `function-keys` or `vim`.
    pub fn load(user: Option<&Path>) -> (Keymap, Option<ConfigError>) {
        let defaults = Keymap::defaults();
        let Some(path) = user else {
            return (defaults, None);
        };
        let file = path.display().to_string();
        let source = match path.to_str() {
            Some("default") => return (defaults, None),
            Some("function-keys") if !path.exists() => FUNCTION_KEYS.to_string(),
            Some("vim") if !path.exists() => VIM.to_string(),
            _ => match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => {
                    let err = ConfigError::unreadable(&file, e.kind().to_string());
                    return (defaults, Some(err));
                }
            },
        };
        match Keymap::parse(&source, &file) {
            Ok(user) => (defaults.overlay(user), None),
            Err(err) => (defaults, Some(err)),
        }
    }

    /// `self` with every key that `user` binds replaced by the user's
    /// binding. The user's bindings come first in each layer, so the key bar
    /// and the help name a preset's own keys before the defaults it keeps.
    pub fn overlay(mut self, user: Keymap) -> Keymap {
        for (mine, theirs) in self.layers.iter_mut().zip(user.layers) {
            mine.retain(|b| !theirs.iter().any(|u| u.key == b.key));
            let kept = std::mem::take(mine);
            *mine = theirs
                .into_iter()
                .filter(|b| b.command != Command::Noop)
                .chain(kept)
                .collect();
        }
        self
    }

    pub fn lookup(&self, layer: Layer, key: Key) -> Option<Command> {
        self.layers[layer.index()]
            .iter()
            .find(|b| b.key == key)
            .map(|b| b.command)
    }

    pub fn bindings(&self, layer: Layer) -> &[Binding] {
        &self.layers[layer.index()]
    }

    /// The first key bound to `command` in `layer`, for hints.
    pub fn key_for(&self, layer: Layer, command: Command) -> Option<Key> {
        self.layers[layer.index()]
            .iter()
            .find(|b| b.command == command)
            .map(|b| b.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap_or_else(|| panic!("bad key {s}"))
    }

    #[test]
    fn shipped_keymaps_parse() {
        for (src, name) in [
            (DEFAULT, "default"),
            (FUNCTION_KEYS, "function-keys"),
            (VIM, "vim"),
        ] {
            match Keymap::parse(src, name) {
                Ok(map) => {
                    assert!(!map.bindings(Layer::Lock).is_empty(), "{name}: no [lock]");
                    for layer in Layer::ALL {
                        for b in map.bindings(layer) {
                            assert!(!b.desc.is_empty(), "{name}: {:?} has no desc", b.key);
                        }
                    }
                }
                Err(e) => panic!("{e}"),
            }
        }
        let map = Keymap::defaults();
        assert_eq!(
            map.lookup(Layer::Global, key("ctrl-q")),
            Some(Command::Quit)
        );
        assert_eq!(
            map.lookup(Layer::Global, key("ctrl-c")),
            Some(Command::Quit)
        );
        assert_eq!(map.lookup(Layer::Record, key("f5")), Some(Command::Reveal));
        assert_eq!(
            map.lookup(Layer::Lock, key("f9")),
            Some(Command::SwitchUser)
        );
        assert_eq!(map.lookup(Layer::Lock, key("enter")), Some(Command::Submit));
        for layer in Layer::ALL {
            for b in map.bindings(layer) {
                assert!(!b.desc.is_empty(), "{:?} has no desc", b.key);
            }
        }
    }

    #[test]
    fn key_names_and_terminal_events_agree() {
        let q = Key::from_event(&KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::CONTROL));
        assert_eq!(q, key("ctrl-q"));
        let help = Key::from_event(&KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT));
        assert_eq!(help, key("?"));
        let back = Key::from_event(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(back, key("shift-tab"));
        assert_eq!(key("F10").code, KeyCode::F(10));
        let shift_f3 = Key::from_event(&KeyEvent::new(KeyCode::F(3), KeyModifiers::SHIFT));
        assert_eq!(shift_f3, key("shift-f3"));
        assert_ne!(shift_f3, key("f3"));
        assert_eq!(key("ctrl-r").label(), "Ctrl-R");
        assert_eq!(key("-").code, KeyCode::Char('-'));
        assert!(Key::parse("f99").is_none());
        assert!(Key::parse("hyper-x").is_none());
    }

    #[test]
    fn bad_toml_names_file_and_line_and_keeps_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(
            &path,
            "[global]\nkeymap = [\n  { on = [\"ctrl-q\"], run = \"quit\" \n",
        )
        .unwrap();
        let (map, err) = Keymap::load(Some(&path));
        let err = err.unwrap();
        assert!(err.file.ends_with("keys.toml"), "{err}");
        assert!(err.line.is_some(), "{err}");
        assert_eq!(map, Keymap::defaults());
    }

    #[test]
    fn unknown_action_and_key_name_the_line() {
        let src = "[global]\nkeymap = [\n  { on = [\"ctrl-q\"], run = \"quit\", desc = \"Quit\" },\n  { on = [\"ctrl-x\"], run = \"explode\", desc = \"?\" },\n]\n";
        let err = Keymap::parse(src, "mine.toml").unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("explode"));
        assert_eq!(err.to_string(), "mine.toml:4: unknown action \"explode\"");

        let src = "[search]\nkeymap = [\n\n  { on = [\"ctrl-zz\"], run = \"quit\" },\n]\n";
        let err = Keymap::parse(src, "mine.toml").unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("ctrl-zz"));

        let src = "[sideways]\nkeymap = []\n";
        let err = Keymap::parse(src, "mine.toml").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
    }

    #[test]
    fn dangerous_commands_refuse_bare_letters() {
        let src = "[record]\nkeymap = [ { on = [\"r\"], run = \"reveal\" } ]\n";
        let err = Keymap::parse(src, "k.toml").unwrap_err();
        assert_eq!(err.line, Some(2));
        let src = "[lock]\nkeymap = [ { on = [\"s\"], run = \"switch_user\" } ]\n";
        let err = Keymap::parse(src, "k.toml").unwrap_err();
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn user_file_overrides_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(
            &path,
            "[global]\nkeymap = [\n { on = [\"ctrl-q\"], run = \"noop\" },\n { on = [\"f12\"], run = \"quit\", desc = \"Quit\" },\n]\n",
        )
        .unwrap();
        let (map, err) = Keymap::load(Some(&path));
        assert!(err.is_none());
        assert_eq!(map.lookup(Layer::Global, key("ctrl-q")), None);
        assert_eq!(map.lookup(Layer::Global, key("f12")), Some(Command::Quit));
        assert_eq!(
            map.lookup(Layer::Global, key("ctrl-c")),
            Some(Command::Quit)
        );
        assert_eq!(map.lookup(Layer::Record, key("f5")), Some(Command::Reveal));
    }

    #[test]
    fn missing_file_is_reported_not_fatal() {
        let (map, err) = Keymap::load(Some(Path::new("/nonexistent/keys.toml")));
        assert!(err.unwrap().file.contains("keys.toml"));
        assert_eq!(map, Keymap::defaults());
        let (vim, err) = Keymap::load(Some(Path::new("vim")));
        assert!(err.is_none());
        assert_eq!(
            vim.lookup(Layer::Search, key("j")),
            Some(Command::SelectNext)
        );
    }
}
