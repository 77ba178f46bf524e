//! The settings file's shape: TOML tables whose every key is known, each
//! value kept with its place in the file so a value that is well typed but
//! impossible can still be pointed at.

use serde::Deserialize;
use toml::Spanned;

use super::purposes::PurposeDef;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSettings {
    #[serde(default)]
    pub office: Office,
    #[serde(default)]
    pub login: Login,
    #[serde(default)]
    pub reads: Reads,
    #[serde(default)]
    pub entry: Entry,
    #[serde(default)]
    pub transfers: Transfers,
    #[serde(default)]
    pub print: Print,
    #[serde(default)]
    pub retention: Retention,
    #[serde(default)]
    pub purpose: Vec<Spanned<PurposeDef>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Entry {
    /// Kinds of field a second clerk keys again (`amount`, `date`,
    /// `my_number`, `corporate_number`, `text`, `kana`, `phone`, `choice`).
    pub double_keyed: Option<Spanned<Vec<String>>>,
    /// Days the office does not work, besides weekends (`2027-01-01`).
    pub holidays: Option<Spanned<Vec<String>>>,
    pub large_amount: Option<Spanned<u32>>,
    pub new_keyer_days: Option<Spanned<u32>>,
    pub sample_per_mille: Option<Spanned<u32>>,
}

/// Manual transfers: both in seconds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Transfers {
    pub sign_off_timeout: Option<Spanned<u32>>,
    pub send_timeout: Option<Spanned<u32>>,
}

/// Retention periods per kind of record, each with its legal basis.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Retention {
    #[serde(default)]
    pub tax_record_years: Option<Spanned<u32>>,
    #[serde(default)]
    pub person_years: Option<Spanned<u32>>,
    #[serde(default)]
    pub draft_days: Option<Spanned<u32>>,
    #[serde(default)]
    pub transient_days: Option<Spanned<u32>>,
    #[serde(default)]
    pub access_log_years: Option<Spanned<u32>>,
    #[serde(default)]
    pub tax_record_basis: Option<Spanned<String>>,
    #[serde(default)]
    pub person_basis: Option<Spanned<String>>,
    #[serde(default)]
    pub draft_basis: Option<Spanned<String>>,
    #[serde(default)]
    pub transient_basis: Option<Spanned<String>>,
    #[serde(default)]
    pub access_log_basis: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Print {
    /// The Japanese font file printouts are set in.
    pub font: Option<Spanned<String>>,
    /// The directory printouts are written to.
    pub spool: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Office {
    pub time_zone: Option<Spanned<String>>,
    pub opens_minutes: Option<Spanned<u32>>,
    pub closes_minutes: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Login {
    pub lockout_threshold: Option<Spanned<u32>>,
    pub lockout_minutes: Option<Spanned<u32>>,
    pub forget_after_hours: Option<Spanned<u32>>,
    pub tracked_ids_max: Option<Spanned<u32>>,
    pub verifications: Option<Spanned<u32>>,
    pub queue: Option<Spanned<u32>>,
    pub per_terminal_per_minute: Option<Spanned<u32>>,
    /// The longest a grant of a role may run, in days.
    pub grant_max_days: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Reads {
    pub per_second: Option<Spanned<u32>>,
    pub burst: Option<Spanned<u32>>,
}

/// A place in a text file, both counted from 1; the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The place of byte `offset` of `text`.
    pub fn of(text: &str, offset: usize) -> Self {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Self {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// Why the file could not be read as settings, and where.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FileError {
    pub position: Option<Position>,
    pub message: String,
}

/// Reads the text as settings; an unknown key or a wrong type is named with
/// its dotted key and its place.
pub(super) fn parse(text: &str) -> Result<FileSettings, FileError> {
    let syntax = |e: toml::de::Error| FileError {
        position: e.span().map(|s| Position::of(text, s.start)),
        message: e.message().trim_end().to_string(),
    };
    let document = toml::Deserializer::parse(text).map_err(syntax)?;
    serde_path_to_error::deserialize(document).map_err(|e| {
        let key = dotted(e.path());
        let mut error = syntax(e.into_inner());
        error.message = match error.message.strip_prefix("unknown field `") {
            // serde names the key alone; the path already ends in it.
            Some(rest) => {
                let expected = rest.split_once('`').map_or("", |(_, after)| after);
                format!("unknown key `{key}`{expected}")
            }
            None if key.is_empty() => error.message,
            None => format!("{key}: {}", error.message),
        };
        error
    })
}

/// `login.queue`, `purpose[1].code`: the path as the file spells it,
/// without the wrapper that keeps each value's place.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> FileError {
        parse(text).unwrap_err()
    }

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "a\nいろは = 1\n";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        let at = text.find('=').unwrap();
        assert_eq!(Position::of(text, at), Position { line: 2, column: 5 });
    }

    #[test]
    fn an_unknown_key_is_named_in_full_with_its_place() {
        let found = error("[login]\nlockout_threshold = 5\nlockout_minuts = 3\n");
        assert_eq!(found.position, Some(Position { line: 3, column: 1 }));
        assert!(
            found
                .message
                .starts_with("unknown key `login.lockout_minuts`"),
            "{}",
            found.message
        );
        assert!(
            found.message.contains("lockout_minutes"),
            "{}",
            found.message
        );
        let found = error("\n\n[logins]\nqueue = 1\n");
        assert_eq!(found.position.map(|p| p.line), Some(3));
        assert!(found.message.contains("`logins`"), "{}", found.message);
        let found = error("[[purpose]]\ncode = \"a\"\ndepartment = \"audit\"\nname = \"x\"\n");
        assert_eq!(found.position.map(|p| p.line), Some(4));
        assert!(
            found.message.contains("`purpose[0].name`"),
            "{}",
            found.message
        );
    }

    #[test]
    fn a_wrong_type_is_named_with_its_key_and_place() {
        let found = error("[login]\nqueue = \"many\"\n");
        assert_eq!(found.position, Some(Position { line: 2, column: 9 }));
        assert!(
            found.message.starts_with("login.queue: "),
            "{}",
            found.message
        );
        let found = error("[reads]\nburst = -1\n");
        assert!(
            found.message.starts_with("reads.burst: "),
            "{}",
            found.message
        );
        assert_eq!(found.position.map(|p| p.line), Some(2));
        let found = error("[[purpose]]\ncode = \"a\"\ndepartment = \"nowhere\"\n");
        assert!(
            found.message.contains("purpose[0].department"),
            "{}",
            found.message
        );
        assert!(found.message.contains("nowhere"), "{}", found.message);
        let found = error("login = 3\n");
        assert!(found.message.starts_with("login: "), "{}", found.message);
    }

    #[test]
    fn broken_toml_is_placed() {
        let found = error("[login\n");
        assert_eq!(found.position.map(|p| p.line), Some(1));
    }

    #[test]
    fn values_keep_their_place() {
        let file = parse("[login]\n\nqueue = 7\n").unwrap();
        let queue = file.login.queue.unwrap();
        assert_eq!(*queue.get_ref(), 7);
        assert_eq!(
            Position::of("[login]\n\nqueue = 7\n", queue.span().start),
            Position { line: 3, column: 9 }
        );
    }
}
