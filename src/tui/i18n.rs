//! UI text from `locales/{ja,en}.toml`, embedded at build time. Every label
//! the terminal draws comes from here; a missing key shows the key itself.

use std::collections::HashMap;

const JA: &str = include_str!("../../locales/ja.toml");
const EN: &str = include_str!("../../locales/en.toml");

/// The language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    Ja,
    #[default]
    En,
}

impl Lang {
    /// From the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG`;
    /// `ja*` means Japanese, anything else English.
    pub fn from_env() -> Lang {
        let pick = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty());
        Lang::from_locale(pick.as_deref().unwrap_or(""))
    }

    /// `ja_JP.UTF-8` → Ja; anything else → En.
    pub fn from_locale(value: &str) -> Lang {
        if value.to_ascii_lowercase().starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }
}

/// The strings of one language, keyed `section.name`.
#[derive(Debug, Clone)]
pub struct I18n {
    lang: Lang,
    strings: HashMap<String, String>,
}

impl I18n {
    pub fn new(lang: Lang) -> I18n {
        let source = match lang {
            Lang::Ja => JA,
            Lang::En => EN,
        };
        I18n {
            lang,
            strings: flatten(source),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text for `key`, or the key itself when it is missing.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.strings.contains_key(key)
    }

    /// [`I18n::t`] with `{name}` placeholders filled in.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// `[a] b = "x"` → `a.b = x`. A file that does not parse yields nothing
/// (keys then show as themselves; the unit tests keep the files valid).
fn flatten(source: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(table) = source.parse::<toml::Table>() {
        walk("", &table, &mut out);
    }
    out
}

fn walk(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(full, s.clone());
            }
            toml::Value::Table(t) => walk(&full, t, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_locales_parse_and_have_the_same_keys() {
        for source in [JA, EN] {
            assert!(source.parse::<toml::Table>().is_ok());
        }
        let ja: BTreeSet<_> = flatten(JA).into_keys().collect();
        let en: BTreeSet<_> = flatten(EN).into_keys().collect();
        assert!(ja.len() > 50);
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(only_ja.is_empty(), "only in ja.toml: {only_ja:?}");
        assert!(only_en.is_empty(), "only in en.toml: {only_en:?}");
    }

    #[test]
    fn japanese_labels_are_real() {
        let ja = I18n::new(Lang::Ja);
        assert_eq!(ja.t("login.title"), "ログイン");
        assert_eq!(ja.t("login.user_id"), "利用者ID");
        assert_eq!(ja.t("login.pin"), "暗証番号");
        assert_eq!(ja.t("field.my_number"), "個人番号");
        assert_eq!(ja.t("badge.support"), "支援措置");
        assert_eq!(ja.tf("search.count", &[("n", "3")]), "3件");
        assert_eq!(ja.t("no.such.key"), "no.such.key");
    }

    #[test]
    fn every_command_has_a_description_and_a_hint() {
        for lang in [Lang::Ja, Lang::En] {
            let t = I18n::new(lang);
            for command in crate::tui::action::Command::ALL {
                for section in ["action", "hint"] {
                    let key = format!("{section}.{}", command.name());
                    assert!(t.has(&key), "{lang:?}: {key} missing");
                }
            }
            for key in [
                "lock.title",
                "lock.notice",
                "lock.prompt",
                "lock.other_user",
                "lock.missing_fields",
                "lock.in_progress",
                "lock.switched",
                "hint.submit_unlock",
            ] {
                assert!(t.has(key), "{lang:?}: {key} missing");
            }
        }
    }

    /// The non-test Rust sources under `dir`, with their paths.
    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "tests") {
                    sources(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // A module's unit tests come last, after `#[cfg(test)]`.
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                out.push((path.display().to_string(), code.to_string()));
            }
        }
    }

    /// The string literals of `code`, outside comments (good enough for
    /// this code base: no raw strings, no `//` inside a literal).
    fn literals(code: &str) -> Vec<String> {
        let mut out = Vec::new();
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let mut chars = line.chars();
            let mut current: Option<String> = None;
            while let Some(c) = chars.next() {
                match (&mut current, c) {
                    (None, '"') => current = Some(String::new()),
                    (None, '/') if chars.as_str().starts_with('/') => break,
                    (None, '\'') => {
                        // A char literal such as '"': skip it whole.
                        let rest = chars.as_str();
                        if let Some(end) = rest.get(1..).and_then(|r| r.find('\''))
                            && end <= 2
                        {
                            chars.nth(end);
                        }
                    }
                    (Some(text), '\\') => {
                        if let Some(next) = chars.next() {
                            text.push('\\');
                            text.push(next);
                        }
                    }
                    (Some(_), '"') => out.extend(current.take()),
                    (Some(text), c) => text.push(c),
                    (None, _) => {}
                }
            }
        }
        out
    }

    fn tui_sources() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        sources(&root.join("src/tui"), &mut out);
        sources(&root.join("src/cli/demo"), &mut out);
        assert!(out.len() > 20, "sources not found: {out:?}");
        out
    }

    #[test]
    fn every_locale_key_in_the_code_is_in_both_locales() {
        let en = flatten(EN);
        let ja = flatten(JA);
        let sections: BTreeSet<&str> = en.keys().filter_map(|k| k.split('.').next()).collect();
        let mut checked = 0;
        for (file, code) in tui_sources() {
            for literal in literals(&code) {
                let Some((section, rest)) = literal.split_once('.') else {
                    continue;
                };
                let plain = |s: &str| {
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                };
                // A file name such as service.log is not a key.
                let file_name = ["log", "toml", "db", "lock", "pem", "txt"].contains(&rest);
                if !sections.contains(section) || !plain(section) || !plain(rest) || file_name {
                    continue;
                }
                checked += 1;
                assert!(
                    en.contains_key(&literal),
                    "{file}: {literal} not in en.toml"
                );
                assert!(
                    ja.contains_key(&literal),
                    "{file}: {literal} not in ja.toml"
                );
            }
        }
        assert!(checked > 50, "only {checked} keys found");
    }

    /// Text a clerk reads comes from the locale files: no Japanese in the
    /// code at all (the demo's role labels included), and no English words
    /// in the workstation either, but for the messages about a keymap or
    /// theme file's own syntax (which quote that file).
    #[test]
    fn no_user_facing_text_is_a_literal_in_the_code() {
        const FILE_SYNTAX: [&str; 3] = ["keymap.rs", "theme.rs", "config_error.rs"];
        let japanese = |c: char| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff66}'..='\u{ff9f}');
        let words = |s: &str| {
            s.split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1)
                .count()
        };
        for (file, code) in tui_sources() {
            for literal in literals(&code) {
                assert!(!literal.chars().any(japanese), "{file}: \"{literal}\"");
                // The command line speaks English, like every `bansho` command.
                let command_line = file.contains("/src/cli/");
                if command_line || FILE_SYNTAX.iter().any(|f| file.ends_with(f)) {
                    continue;
                }
                assert!(
                    words(&literal) < 2 || !literal.contains(' '),
                    "{file}: \"{literal}\" reads like UI text: put it in locales/"
                );
            }
        }
    }

    #[test]
    fn lang_from_locale_names() {
        assert_eq!(Lang::from_locale("ja_JP.UTF-8"), Lang::Ja);
        assert_eq!(Lang::from_locale("ja"), Lang::Ja);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }
}
