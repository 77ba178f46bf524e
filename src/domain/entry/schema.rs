//! A form is data: sections of fields and repeating tables, each field with
//! its kind, whether it is required and its limits. The schema decides what
//! may be keyed at all: a value for a field the form does not have is
//! refused, never stored.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a field holds, which decides how its text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Whole yen, thousands separators allowed.
    Amount,
    /// A date as clerks type it (和暦 or western).
    Date,
    Text,
    /// A reading in katakana (hiragana is taken and folded).
    Kana,
    MyNumber,
    /// 法人番号: 13 digits, the first a check digit.
    CorporateNumber,
    Phone,
    /// One of the field's listed codes.
    Choice,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Amount,
        FieldKind::Date,
        FieldKind::Text,
        FieldKind::Kana,
        FieldKind::MyNumber,
        FieldKind::CorporateNumber,
        FieldKind::Phone,
        FieldKind::Choice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Amount => "amount",
            FieldKind::Date => "date",
            FieldKind::Text => "text",
            FieldKind::Kana => "kana",
            FieldKind::MyNumber => "my_number",
            FieldKind::CorporateNumber => "corporate_number",
            FieldKind::Phone => "phone",
            FieldKind::Choice => "choice",
        }
    }

    /// Whether values of this kind are numbers a slip turns into a wrong
    /// bill or a wrong person: amounts, dates and identifying numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldKind::Amount | FieldKind::Date | FieldKind::MyNumber | FieldKind::CorporateNumber
        )
    }
}

/// One field of a form, as its schema file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub key: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// For text and kana: the most characters a value may have.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// For amounts: whether a loss (a negative amount) may be keyed.
    #[serde(default)]
    pub signed: bool,
    /// For amounts: the largest value, if lower than the general one.
    #[serde(default)]
    pub max: Option<i64>,
    /// For choices: the codes a value may be.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Whether this field is keyed twice regardless of the entry settings.
    #[serde(default)]
    pub double_keyed: Option<bool>,
    pub label_ja: String,
    pub label_en: String,
}

/// Fields that appear once.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub label_ja: String,
    pub label_en: String,
    pub fields: Vec<FieldSpec>,
}

/// Fields that repeat, one row per person listed (dependents).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub key: String,
    pub label_ja: String,
    pub label_en: String,
    pub max_rows: usize,
    pub fields: Vec<FieldSpec>,
}

/// A form's schema.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSchema {
    pub id: String,
    pub version: u32,
    /// The year the income was earned; its rates and limits apply.
    pub income_year: i32,
    pub title_ja: String,
    pub title_en: String,
    /// The cross-field rule set run on submit.
    pub rules: String,
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub tables: Vec<Table>,
}

/// Where a value sits on a form: `section.field` or `table[row].field`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    pub group: String,
    pub row: Option<usize>,
    pub field: String,
}

impl FieldPath {
    pub fn new(group: &str, field: &str) -> FieldPath {
        FieldPath {
            group: group.to_owned(),
            row: None,
            field: field.to_owned(),
        }
    }

    pub fn row(group: &str, row: usize, field: &str) -> FieldPath {
        FieldPath {
            group: group.to_owned(),
            row: Some(row),
            field: field.to_owned(),
        }
    }

    /// Reads `section.field` or `table[row].field`.
    pub fn parse(s: &str) -> Option<FieldPath> {
        let (group, field) = s.split_once('.')?;
        if field.is_empty() || field.contains(['.', '[', ']']) {
            return None;
        }
        match group.split_once('[') {
            None if !group.is_empty() && !group.contains(']') => Some(FieldPath::new(group, field)),
            Some((table, rest)) => {
                let index = rest.strip_suffix(']')?;
                if table.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                // `[01]` would name the same row as `[1]`: one spelling only.
                if index.len() > 1 && index.starts_with('0') {
                    return None;
                }
                Some(FieldPath::row(table, index.parse().ok()?, field))
            }
            None => None,
        }
    }
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        FieldPath::parse(&text).ok_or_else(|| {
            serde::de::Error::custom("not a field path (section.field or table[row].field)")
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            None => write!(f, "{}.{}", self.group, self.field),
            Some(row) => write!(f, "{}[{}].{}", self.group, row, self.field),
        }
    }
}

/// Why a schema file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {what} `{key}` appears twice")]
    Duplicate {
        file: String,
        what: &'static str,
        key: String,
    },
    #[error("{file}: field `{path}`: {problem}")]
    Field {
        file: String,
        path: String,
        problem: &'static str,
    },
}

impl FormSchema {
    /// Reads and checks a schema file's text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<FormSchema, SchemaError> {
        let schema: FormSchema = toml::from_str(text).map_err(|e| SchemaError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        schema.check(file)?;
        Ok(schema)
    }

    fn check(&self, file: &str) -> Result<(), SchemaError> {
        let mut groups = BTreeMap::new();
        let all = self
            .sections
            .iter()
            .map(|s| (&s.key, &s.fields))
            .chain(self.tables.iter().map(|t| (&t.key, &t.fields)));
        for (group, fields) in all {
            if groups.insert(group.clone(), ()).is_some() {
                return Err(SchemaError::Duplicate {
                    file: file.to_owned(),
                    what: "group",
                    key: group.clone(),
                });
            }
            let mut keys = BTreeMap::new();
            for field in fields {
                let path = format!("{group}.{}", field.key);
                if keys.insert(field.key.clone(), ()).is_some() {
                    return Err(SchemaError::Duplicate {
                        file: file.to_owned(),
                        what: "field",
                        key: path,
                    });
                }
                let problem = field_problem(field);
                if let Some(problem) = problem {
                    return Err(SchemaError::Field {
                        file: file.to_owned(),
                        path,
                        problem,
                    });
                }
            }
        }
        Ok(())
    }

    /// The spec of the field at `path`, if the form has it (and, in a
    /// table, the row is within its rows).
    pub fn field(&self, path: &FieldPath) -> Option<&FieldSpec> {
        let fields = match path.row {
            None => &self.sections.iter().find(|s| s.key == path.group)?.fields,
            Some(row) => {
                let table = self.tables.iter().find(|t| t.key == path.group)?;
                if row >= table.max_rows {
                    return None;
                }
                &table.fields
            }
        };
        fields.iter().find(|f| f.key == path.field)
    }

    /// Every field of the sections, in form order.
    pub fn section_fields(&self) -> impl Iterator<Item = (FieldPath, &FieldSpec)> {
        self.sections.iter().flat_map(|s| {
            s.fields
                .iter()
                .map(move |f| (FieldPath::new(&s.key, &f.key), f))
        })
    }

    /// The table named `key`.
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.key == key)
    }

    /// How many distinct fields the form has (a table's fields counted once).
    pub fn field_count(&self) -> usize {
        self.sections.iter().map(|s| s.fields.len()).sum::<usize>()
            + self.tables.iter().map(|t| t.fields.len()).sum::<usize>()
    }
}

fn field_problem(field: &FieldSpec) -> Option<&'static str> {
    let text_like = matches!(field.kind, FieldKind::Text | FieldKind::Kana);
    if field.key.is_empty()
        || !field
            .key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        return Some("a key is lower-case letters, digits and `_`");
    }
    if text_like && field.max_chars.is_none_or(|n| n == 0) {
        return Some("a text field needs `max_chars` above 0");
    }
    if !text_like && field.max_chars.is_some() {
        return Some("`max_chars` is only for text fields");
    }
    if field.kind == FieldKind::Choice && field.choices.is_empty() {
        return Some("a choice field needs `choices`");
    }
    if field.kind != FieldKind::Choice && !field.choices.is_empty() {
        return Some("`choices` is only for choice fields");
    }
    if field.kind != FieldKind::Amount && (field.signed || field.max.is_some()) {
        return Some("`signed` and `max` are only for amounts");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_read_back_as_written_and_only_one_spelling_is_taken() {
        for text in [
            "taxpayer.name",
            "dependents[0].birth",
            "dependents[12].income",
        ] {
            assert_eq!(FieldPath::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "",
            "name",
            ".name",
            "taxpayer.",
            "a.b.c",
            "dependents[].x",
            "dependents[01].x",
            "dependents[x].y",
            "dependents[1.x",
            "[1].x",
            "taxpayer].x",
        ] {
            assert_eq!(FieldPath::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_schema_with_an_unknown_setting_or_a_bad_field_names_file_and_field() {
        let base = r#"
id = "f"
version = 1
income_year = 2025
title_ja = "t"
title_en = "t"
rules = "none"
"#;
        let unknown = format!("{base}colour = \"red\"\n");
        let e = FormSchema::from_toml("f.toml", &unknown).unwrap_err();
        assert!(e.to_string().starts_with("f.toml: "), "{e}");
        assert!(e.to_string().contains("colour"), "{e}");

        let no_max = format!(
            "{base}[[sections]]\nkey = \"a\"\nlabel_ja = \"a\"\nlabel_en = \"a\"\nfields = [{{ key = \"name\", kind = \"text\", label_ja = \"x\", label_en = \"x\" }}]\n"
        );
        let e = FormSchema::from_toml("f.toml", &no_max).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.toml: field `a.name`: a text field needs `max_chars` above 0"
        );

        let twice = format!(
            "{base}[[sections]]\nkey = \"a\"\nlabel_ja = \"a\"\nlabel_en = \"a\"\nfields = [{{ key = \"x\", kind = \"date\", label_ja = \"x\", label_en = \"x\" }}, {{ key = \"x\", kind = \"date\", label_ja = \"x\", label_en = \"x\" }}]\n"
        );
        let e = FormSchema::from_toml("f.toml", &twice).unwrap_err();
        assert_eq!(e.to_string(), "f.toml: field `a.x` appears twice");
    }
}
