//! The HR roster (職員名簿) against the grants: who left (退職), who is on
//! leave (休職), who moved to another department, and whose account is not
//! on the roster at all, each a finding on a grant still in force (or
//! scheduled) that an IT officer may then revoke in one confirmed step.
//!
//! A roster is read whole or not at all ([`parse`]): any bad line and
//! nothing is compared. The names on it are checked as present and clean,
//! never kept: a finding names the account, the grant and the reason.
//!
//! Pure: the time is passed in, the grants are given.

#[cfg(feature = "server")]
mod parse;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::grant::{Grant, GrantStatus};
use super::roles::{Department, Role};

#[cfg(feature = "server")]
pub use parse::parse;

/// The longest staff ID a roster may hold.
pub const MAX_STAFF_ID_CHARS: usize = 64;

/// Whether a person on the roster works, has left, or is on leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RosterStatus {
    /// 在職
    Active,
    /// 退職
    Left,
    /// 休職
    Leave,
}

impl RosterStatus {
    const ALL: [RosterStatus; 3] = [
        RosterStatus::Active,
        RosterStatus::Left,
        RosterStatus::Leave,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RosterStatus::Active => "active",
            RosterStatus::Left => "left",
            RosterStatus::Leave => "leave",
        }
    }

    /// The word HR writes for it.
    pub fn japanese(self) -> &'static str {
        match self {
            RosterStatus::Active => "在職",
            RosterStatus::Left => "退職",
            RosterStatus::Leave => "休職",
        }
    }

    /// The code (any letter case) or the Japanese word.
    pub fn parse(text: &str) -> Option<RosterStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text) || s.japanese() == text)
    }
}

/// The Japanese names a roster may give a department by, besides its code.
pub fn department_names(department: Department) -> &'static [&'static str] {
    match department {
        Department::Assessment => &["課税課"],
        Department::Collections => &["納税課"],
        Department::InformationSystems => &["情報システム課"],
        Department::Audit => &["監査部門", "監査"],
    }
}

/// A department by its code (any letter case) or one of its Japanese names.
pub fn parse_department(text: &str) -> Option<Department> {
    [
        Department::Assessment,
        Department::Collections,
        Department::InformationSystems,
        Department::Audit,
    ]
    .into_iter()
    .find(|d| d.as_str().eq_ignore_ascii_case(text) || department_names(*d).contains(&text))
}

/// One person on the roster, as far as the comparison needs: never the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub staff_id: String,
    pub department: Department,
    pub status: RosterStatus,
    /// Where it is in the file (the header is line 1).
    pub line: u64,
}

/// A roster read without a bad line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    entries: BTreeMap<String, RosterEntry>,
}

impl Roster {
    /// A roster of these people; `None` if a staff ID is there twice.
    pub fn new(entries: Vec<RosterEntry>) -> Option<Roster> {
        let mut map = BTreeMap::new();
        for entry in entries {
            if map.insert(entry.staff_id.clone(), entry).is_some() {
                return None;
            }
        }
        Some(Roster { entries: map })
    }

    pub fn get(&self, staff_id: &str) -> Option<&RosterEntry> {
        self.entries.get(staff_id)
    }

    /// How many people it lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What is wrong with one line of a roster. None of them repeats what the
/// line holds: a roster is HR data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The file is empty, or its first line names no columns.
    NoHeader,
    /// The header lacks this column (by its code name).
    MissingColumn(&'static str),
    /// The header names a column twice (by its code name).
    RepeatedColumn(&'static str),
    /// The header has a column that is none of the four.
    UnknownColumn {
        position: usize,
    },
    /// A line's bytes are not UTF-8.
    NotUtf8,
    /// The field of this column is empty or absent.
    MissingField(&'static str),
    /// More fields than the header has columns.
    ExtraFields,
    /// Control, invisible or bidirectional characters in this column.
    ControlCharacters(&'static str),
    /// A staff ID longer than the accounts take.
    StaffIdTooLong,
    UnknownDepartment,
    UnknownStatus,
    /// The staff ID is on an earlier line too.
    DuplicateStaffId {
        first_line: u64,
    },
    /// A header and no one under it.
    NobodyListed,
    /// The CSV itself cannot be read there (an unclosed quote, say).
    Unreadable,
}

impl LineProblem {
    /// The stable code the API names it by.
    pub fn code(&self) -> &'static str {
        match self {
            LineProblem::NoHeader => "no_header",
            LineProblem::MissingColumn(_) => "missing_column",
            LineProblem::RepeatedColumn(_) => "repeated_column",
            LineProblem::UnknownColumn { .. } => "unknown_column",
            LineProblem::NotUtf8 => "not_utf8",
            LineProblem::MissingField(_) => "missing_field",
            LineProblem::ExtraFields => "extra_fields",
            LineProblem::ControlCharacters(_) => "control_characters",
            LineProblem::StaffIdTooLong => "staff_id_too_long",
            LineProblem::UnknownDepartment => "unknown_department",
            LineProblem::UnknownStatus => "unknown_status",
            LineProblem::DuplicateStaffId { .. } => "duplicate_staff_id",
            LineProblem::NobodyListed => "nobody_listed",
            LineProblem::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::NoHeader => f.write_str(
                "no header: the first line names the columns staff_id, name, department, status (or 職員番号, 氏名, 所属, 在籍区分)",
            ),
            LineProblem::MissingColumn(column) => {
                write!(f, "the header has no column `{column}`")
            }
            LineProblem::RepeatedColumn(column) => {
                write!(f, "the header names the column `{column}` twice")
            }
            LineProblem::UnknownColumn { position } => write!(
                f,
                "column {position} of the header is not one of staff_id, name, department, status (職員番号, 氏名, 所属, 在籍区分)"
            ),
            LineProblem::NotUtf8 => f.write_str("not UTF-8: save the roster as UTF-8 CSV"),
            LineProblem::MissingField(column) => write!(f, "`{column}` is empty or missing"),
            LineProblem::ExtraFields => f.write_str("more fields than the header has columns"),
            LineProblem::ControlCharacters(column) => write!(
                f,
                "`{column}` holds control or invisible characters (a line break inside a field counts)"
            ),
            LineProblem::StaffIdTooLong => write!(
                f,
                "`staff_id` is longer than {} characters",
                MAX_STAFF_ID_CHARS
            ),
            LineProblem::UnknownDepartment => f.write_str(
                "unknown department: assessment, collections, information_systems or audit (課税課, 納税課, 情報システム課, 監査部門)",
            ),
            LineProblem::UnknownStatus => {
                f.write_str("unknown status: active, left or leave (在職, 退職, 休職)")
            }
            LineProblem::DuplicateStaffId { first_line } => {
                write!(f, "the staff_id is on line {first_line} already")
            }
            LineProblem::NobodyListed => f.write_str("the roster lists nobody"),
            LineProblem::Unreadable => f.write_str("the CSV cannot be read here"),
        }
    }
}

/// A bad line: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: u64,
    pub problem: LineProblem,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Why a grant is a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingReason {
    /// The holder has left (退職).
    Left,
    /// The holder is on leave (休職).
    OnLeave,
    /// The holder works in another department than the grant's.
    Moved,
    /// The account is not on the roster.
    NotOnRoster,
}

impl FindingReason {
    pub const ALL: [FindingReason; 4] = [
        FindingReason::Left,
        FindingReason::OnLeave,
        FindingReason::Moved,
        FindingReason::NotOnRoster,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingReason::Left => "left",
            FindingReason::OnLeave => "on_leave",
            FindingReason::Moved => "moved",
            FindingReason::NotOnRoster => "not_on_roster",
        }
    }

    pub fn parse(text: &str) -> Option<FindingReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A grant the roster says should not be in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub grant_id: String,
    pub user_id: String,
    pub role: Role,
    /// The grant's department.
    pub department: Department,
    pub reason: FindingReason,
    /// Where the roster has the holder, for [`FindingReason::Moved`].
    pub roster_department: Option<Department>,
}

/// Whether a grant gives (or will give) its role: what a roster can call
/// into question and a revocation can end.
pub fn may_be_revoked(grant: &Grant, at: OffsetDateTime) -> bool {
    matches!(
        grant.status_at(at),
        GrantStatus::Active | GrantStatus::Scheduled
    )
}

/// The findings on `grants` at `at`: one per grant in force or scheduled
/// whose holder has left, is on leave, works in another department, or is
/// not on the roster; by user, then grant.
pub fn compare(roster: &Roster, grants: &[Grant], at: OffsetDateTime) -> Vec<Finding> {
    let mut findings: Vec<Finding> = grants
        .iter()
        .filter(|g| may_be_revoked(g, at))
        .filter_map(|g| {
            let (reason, roster_department) = match roster.get(&g.user_id) {
                None => (FindingReason::NotOnRoster, None),
                Some(p) if p.status == RosterStatus::Left => (FindingReason::Left, None),
                Some(p) if p.status == RosterStatus::Leave => (FindingReason::OnLeave, None),
                Some(p) if p.department != g.department => {
                    (FindingReason::Moved, Some(p.department))
                }
                Some(_) => return None,
            };
            Some(Finding {
                grant_id: g.id.clone(),
                user_id: g.user_id.clone(),
                role: g.role,
                department: g.department,
                reason,
                roster_department,
            })
        })
        .collect();
    findings.sort_by(|a, b| (&a.user_id, &a.grant_id).cmp(&(&b.user_id, &b.grant_id)));
    findings
}

#[cfg(test)]
mod tests;
