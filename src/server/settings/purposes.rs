//! Business purposes (業務): each belongs to one department, whose staff
//! choose among their department's purposes after login.

use serde::Deserialize;

use crate::domain::roles::Department;

/// Longest purpose code: it is written into every access-log row.
const CODE_MAX: usize = 32;
/// Longest purpose name, in characters: it is shown in the header.
const NAME_MAX: usize = 40;

/// A business purpose (業務) and the department whose work it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeDef {
    pub code: String,
    pub department: Department,
    pub name_ja: String,
    pub name_en: String,
}

/// The purposes of a fresh office: each department's own.
pub fn default_purposes() -> Vec<PurposeDef> {
    [
        (
            "assessment",
            Department::Assessment,
            "個人住民税の賦課",
            "Resident tax assessment",
        ),
        (
            "certificate",
            Department::Assessment,
            "税証明の発行",
            "Tax certificates",
        ),
        (
            "collection",
            Department::Collections,
            "収納・滞納整理",
            "Collection and arrears",
        ),
        (
            "system_operation",
            Department::InformationSystems,
            "システム運用",
            "System operation",
        ),
        ("audit", Department::Audit, "監査", "Audit"),
    ]
    .into_iter()
    .map(|(code, department, ja, en)| PurposeDef {
        code: code.into(),
        department,
        name_ja: ja.into(),
        name_en: en.into(),
    })
    .collect()
}

/// Every department, in the order the summary lists them.
pub const DEPARTMENTS: [Department; 4] = [
    Department::Assessment,
    Department::Collections,
    Department::InformationSystems,
    Department::Audit,
];

/// What is wrong with the purpose at `index` (0-based) of a list.
#[derive(Debug, PartialEq, Eq)]
pub struct PurposeProblem {
    pub index: usize,
    pub message: String,
}

/// Checks a configured list: codes well formed and unique, both names
/// present and free of control characters.
pub fn check(purposes: &[&PurposeDef]) -> Result<(), PurposeProblem> {
    for (index, p) in purposes.iter().enumerate() {
        let problem = |message: String| PurposeProblem { index, message };
        let code_ok = (1..=CODE_MAX).contains(&p.code.len())
            && p.code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(problem(format!(
                "purpose code `{}`: use 1 to {CODE_MAX} lowercase letters, digits or _",
                p.code.escape_debug()
            )));
        }
        if purposes[..index].iter().any(|q| q.code == p.code) {
            return Err(problem(format!("purpose code `{}` appears twice", p.code)));
        }
        for (key, name) in [("name_ja", &p.name_ja), ("name_en", &p.name_en)] {
            if name.trim().is_empty() {
                return Err(problem(format!("purpose `{}` needs {key}", p.code)));
            }
            if name.chars().any(crate::text::is_unsafe_control) {
                return Err(problem(format!(
                    "purpose `{}`: {key} holds a control or invisible character",
                    p.code
                )));
            }
            if name.chars().count() > NAME_MAX {
                return Err(problem(format!(
                    "purpose `{}`: {key} is longer than {NAME_MAX} characters",
                    p.code
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purpose(code: &str, ja: &str, en: &str) -> PurposeDef {
        PurposeDef {
            code: code.into(),
            department: Department::Audit,
            name_ja: ja.into(),
            name_en: en.into(),
        }
    }

    fn problem(list: &[PurposeDef]) -> PurposeProblem {
        check(&list.iter().collect::<Vec<_>>()).unwrap_err()
    }

    #[test]
    fn the_defaults_pass() {
        assert_eq!(
            check(&default_purposes().iter().collect::<Vec<_>>()),
            Ok(())
        );
    }

    #[test]
    fn each_fault_is_named_with_its_place() {
        let good = purpose("a", "エー", "A");
        let cases = [
            (purpose("Bad", "x", "x"), "lowercase"),
            (purpose("", "x", "x"), "lowercase"),
            (purpose(&"a".repeat(33), "x", "x"), "lowercase"),
            (purpose("a", "x", "x"), "appears twice"),
            (purpose("b", " ", "x"), "needs name_ja"),
            (purpose("b", "x", ""), "needs name_en"),
            (purpose("b", "x\u{202E}y", "x"), "control"),
            (purpose("b", &"長".repeat(41), "x"), "longer than 40"),
        ];
        for (bad, expected) in cases {
            let found = problem(&[good.clone(), bad]);
            assert_eq!(found.index, 1);
            assert!(found.message.contains(expected), "{}", found.message);
        }
    }
}
