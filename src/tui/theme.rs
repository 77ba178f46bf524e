//! Themes: semantic roles (`error`, `masked`, `badge_deceased`...) mapped to
//! styles, from TOML files in `themes/`, embedded as defaults.
//!
//! ```toml
//! inherit = "dark"          # optional: a shipped theme to start from
//! [roles]
//! error = { fg = "#ff5f5f", modifiers = ["bold"] }
//! ```
//!
//! The `text` role's `bg` is the theme's background: the whole screen is
//! painted with it before anything is drawn, so a theme reads the same on a
//! dark or a light terminal. The `terminal` theme paints nothing (`reset`:
//! the terminal's own colours) and marks meaning with attributes only.
//!
//! Colours: names ratatui knows (`red`, `lightblue`, `darkgray`...),
//! `#rrggbb`, a 0-255 index, or `reset` (the terminal's own). The shipped
//! themes use indices 16-255, whose values are fixed, where the 16 named
//! colours are whatever each terminal makes of them. Modifiers: bold, dim,
//! italic, underlined, reversed, crossed_out. A broken file is reported with
//! its file name and line, and the dark theme is used.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::config_error::ConfigError;

const DARK: &str = include_str!("../../themes/dark.toml");
const LIGHT: &str = include_str!("../../themes/light.toml");
const HIGH_CONTRAST: &str = include_str!("../../themes/high-contrast.toml");
const MONO: &str = include_str!("../../themes/mono.toml");
const TERMINAL: &str = include_str!("../../themes/terminal.toml");

pub const BUILTIN: [(&str, &str); 5] = [
    ("dark", DARK),
    ("light", LIGHT),
    ("high-contrast", HIGH_CONTRAST),
    ("mono", MONO),
    ("terminal", TERMINAL),
];

macro_rules! roles {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// What a piece of the screen means; themes give each a style.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role { $($variant),* }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name),* }
            }

            pub fn parse(name: &str) -> Option<Role> {
                match name { $($name => Some(Role::$variant),)* _ => None }
            }

            fn index(self) -> usize {
                Role::ALL.iter().position(|r| *r == self).unwrap_or(0)
            }
        }
    };
}

roles! {
    Text => "text",
    Muted => "muted",
    Focus => "focus",
    Selection => "selection",
    SelectionUnfocused => "selection_unfocused",
    Error => "error",
    Warning => "warning",
    Info => "info",
    Masked => "masked",
    SensitiveRecord => "sensitive_record",
    BadgeDeceased => "badge_deceased",
    BadgeMovedOut => "badge_moved_out",
    BadgeSupport => "badge_support",
    Demo => "demo",
    Header => "header",
    Border => "border",
    Key => "key",
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    styles: Vec<Style>,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::builtin("dark").unwrap_or_else(|| Theme {
            styles: vec![Style::default(); Role::ALL.len()],
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    #[serde(default)]
    inherit: Option<toml::Spanned<String>>,
    #[serde(default)]
    roles: BTreeMap<String, toml::Spanned<StyleDe>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleDe {
    #[serde(default)]
    fg: Option<String>,
    #[serde(default)]
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(role.index()).copied().unwrap_or_default()
    }

    /// What the whole screen is painted with first: the `text` role's
    /// colours, without its modifiers (they belong to text, not to the
    /// empty cells around it).
    pub fn base(&self) -> Style {
        let text = self.style(Role::Text);
        Style {
            fg: text.fg,
            bg: text.bg,
            ..Style::default()
        }
    }

    /// A shipped theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, source) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        let blank = Theme {
            styles: vec![Style::default(); Role::ALL.len()],
        };
        blank.apply(source, &format!("themes/{name}.toml")).ok()
    }

    /// A shipped theme's name or the path of a theme file.
    pub fn load(name_or_path: &str) -> (Theme, Option<ConfigError>) {
        if let Some(theme) = Theme::builtin(name_or_path) {
            return (theme, None);
        }
        match std::fs::read_to_string(name_or_path) {
            Ok(source) => match Theme::parse(&source, name_or_path) {
                Ok(theme) => (theme, None),
                Err(e) => (Theme::default(), Some(e)),
            },
            Err(e) => (
                Theme::default(),
                Some(ConfigError::unreadable(name_or_path, e.kind().to_string())),
            ),
        }
    }

    /// A user theme file: its `inherit` theme (dark when absent) with the
    /// file's roles laid over it.
    pub fn parse(source: &str, file: &str) -> Result<Theme, ConfigError> {
        let de: FileDe =
            toml::from_str(source).map_err(|e| ConfigError::from_toml(file, source, &e))?;
        let base = match &de.inherit {
            None => Theme::default(),
            Some(name) => Theme::builtin(name.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    file,
                    source,
                    Some(name.span().start),
                    format!(
                        "unknown theme \"{}\" to inherit ({})",
                        name.get_ref(),
                        BUILTIN.map(|(n, _)| n).join(", ")
                    ),
                )
            })?,
        };
        base.overlay(de, source, file)
    }

    fn apply(self, source: &str, file: &str) -> Result<Theme, ConfigError> {
        let de: FileDe =
            toml::from_str(source).map_err(|e| ConfigError::from_toml(file, source, &e))?;
        self.overlay(de, source, file)
    }

    fn overlay(mut self, de: FileDe, source: &str, file: &str) -> Result<Theme, ConfigError> {
        for (name, spec) in de.roles {
            let at = Some(spec.span().start);
            let role = Role::parse(&name).ok_or_else(|| {
                ConfigError::at(file, source, at, format!("unknown role \"{name}\""))
            })?;
            let spec = spec.into_inner();
            let mut style = Style::default();
            if let Some(fg) = &spec.fg {
                style = style.fg(colour(fg).ok_or_else(|| {
                    ConfigError::at(file, source, at, format!("unknown colour \"{fg}\""))
                })?);
            }
            if let Some(bg) = &spec.bg {
                style = style.bg(colour(bg).ok_or_else(|| {
                    ConfigError::at(file, source, at, format!("unknown colour \"{bg}\""))
                })?);
            }
            for m in &spec.modifiers {
                style = style.add_modifier(modifier(m).ok_or_else(|| {
                    ConfigError::at(file, source, at, format!("unknown modifier \"{m}\""))
                })?);
            }
            if let Some(slot) = self.styles.get_mut(role.index()) {
                *slot = style;
            }
        }
        Ok(self)
    }
}

fn colour(text: &str) -> Option<Color> {
    Color::from_str(text).ok()
}

fn modifier(text: &str) -> Option<Modifier> {
    Some(match text {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_themes_define_every_role() {
        for (name, source) in BUILTIN {
            let de: FileDe = toml::from_str(source).unwrap_or_else(|e| panic!("{name}: {e}"));
            for role in Role::ALL {
                assert!(
                    de.roles.contains_key(role.name()),
                    "{name} lacks {}",
                    role.name()
                );
            }
            assert!(Theme::builtin(name).is_some(), "{name}");
        }
    }

    #[test]
    fn terminal_uses_only_the_terminals_colours_but_marks_badges() {
        let terminal = Theme::builtin("terminal").unwrap();
        for role in Role::ALL {
            let s = terminal.style(*role);
            assert!(matches!(s.fg, None | Some(Color::Reset)), "{}", role.name());
            assert!(matches!(s.bg, None | Some(Color::Reset)), "{}", role.name());
        }
        for role in [
            Role::BadgeDeceased,
            Role::BadgeMovedOut,
            Role::BadgeSupport,
            Role::Error,
            Role::Selection,
            Role::SelectionUnfocused,
            Role::Focus,
        ] {
            assert!(
                !terminal.style(role).add_modifier.is_empty(),
                "{}",
                role.name()
            );
        }
    }

    #[test]
    fn custom_theme_inherits_and_overrides() {
        let src =
            "inherit = \"light\"\n[roles]\nerror = { fg = \"#ff0000\", modifiers = [\"bold\"] }\n";
        let theme = Theme::parse(src, "mine.toml").unwrap();
        let light = Theme::builtin("light").unwrap();
        assert_eq!(
            theme.style(Role::Error),
            Style::default()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.style(Role::Masked), light.style(Role::Masked));
        assert_ne!(theme.style(Role::Error), light.style(Role::Error));
    }

    #[test]
    fn broken_theme_names_file_and_line_and_falls_back() {
        let src = "inherit = \"dark\"\n[roles]\ntext = { fg = \"white\" }\nfocus = { fg = \"mauve-ish\" }\n";
        let err = Theme::parse(src, "mine.toml").unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("mauve-ish"));

        let err = Theme::parse("inherit = \"sepia\"\n", "mine.toml").unwrap_err();
        assert_eq!(err.line, Some(1));

        let err = Theme::parse("[roles]\nbogus = { fg = \"red\" }\n", "t.toml").unwrap_err();
        assert_eq!(err.line, Some(2));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "[roles\ntext = 1\n").unwrap();
        let (theme, err) = Theme::load(path.to_str().unwrap());
        let err = err.unwrap();
        assert!(err.file.ends_with("t.toml"));
        assert_eq!(err.line, Some(1));
        assert_eq!(theme, Theme::default());
    }
}
