//! Helpers both SQL backends share: how values are written to and read
//! from columns, and the text patterns the resident search uses.

use std::fmt::Display;

use time::{Date, OffsetDateTime};

use super::chain::parse_time;
use super::{StoreError, StoreResult};
use crate::domain::person_number::PersonNumber;
use crate::domain::resident::{ResidentStatus, Sex};
use crate::domain::roles::{Department, Role};

/// One row being decoded, as a backend offers it. The typed readers are
/// shared, so both backends accept and refuse exactly the same stored text,
/// and a value that does not decode is [`StoreError::Corrupt`] naming its
/// table and column.
pub(crate) trait ColumnReader {
    /// The table the row comes from.
    fn table(&self) -> &'static str;
    /// The name of column `index` in the query.
    fn column_name(&self, index: usize) -> String;
    fn text(&self, index: usize) -> StoreResult<String>;
    fn opt_text(&self, index: usize) -> StoreResult<Option<String>>;

    /// The error for a value of column `index` that does not decode;
    /// `problem` must not quote the value.
    fn corrupt(&self, index: usize, problem: impl Display) -> StoreError {
        StoreError::Corrupt {
            table: self.table(),
            column: self.column_name(index),
            problem: problem.to_string(),
        }
    }

    fn time(&self, index: usize) -> StoreResult<OffsetDateTime> {
        let text = self.text(index)?;
        parse_time(&text).ok_or_else(|| self.corrupt(index, "not an RFC 3339 time"))
    }

    /// An access-log action, by its stored name.
    fn action(&self, index: usize) -> StoreResult<crate::domain::audit_event::Action> {
        let text = self.text(index)?;
        crate::domain::audit_event::Action::parse(&text)
            .ok_or_else(|| self.corrupt(index, "not an action the log can hold"))
    }

    /// An access-log outcome, by its stored name.
    fn outcome(&self, index: usize) -> StoreResult<crate::domain::audit_event::Outcome> {
        let text = self.text(index)?;
        crate::domain::audit_event::Outcome::parse(&text)
            .ok_or_else(|| self.corrupt(index, "not an outcome the log can hold"))
    }

    fn opt_time(&self, index: usize) -> StoreResult<Option<OffsetDateTime>> {
        match self.opt_text(index)? {
            Some(text) => parse_time(&text)
                .map(Some)
                .ok_or_else(|| self.corrupt(index, "not an RFC 3339 time")),
            None => Ok(None),
        }
    }

    fn role(&self, index: usize) -> StoreResult<Role> {
        Role::parse(&self.text(index)?).ok_or_else(|| self.corrupt(index, "not a known role"))
    }

    fn department(&self, index: usize) -> StoreResult<Department> {
        Department::parse(&self.text(index)?)
            .ok_or_else(|| self.corrupt(index, "not a known department"))
    }

    fn opt_department(&self, index: usize) -> StoreResult<Option<Department>> {
        match self.opt_text(index)? {
            Some(text) => Department::parse(&text)
                .map(Some)
                .ok_or_else(|| self.corrupt(index, "not a known department")),
            None => Ok(None),
        }
    }

    fn finding_reason(&self, index: usize) -> StoreResult<crate::domain::roster::FindingReason> {
        crate::domain::roster::FindingReason::parse(&self.text(index)?)
            .ok_or_else(|| self.corrupt(index, "not a roster finding's reason"))
    }

    fn grant_state(&self, index: usize) -> StoreResult<crate::domain::grant::GrantState> {
        crate::domain::grant::GrantState::parse(&self.text(index)?)
            .ok_or_else(|| self.corrupt(index, "not a grant state"))
    }

    fn sex(&self, index: usize) -> StoreResult<Sex> {
        self.text(index)?
            .parse()
            .map_err(|e| self.corrupt(index, e))
    }

    fn resident_status(&self, index: usize) -> StoreResult<ResidentStatus> {
        self.text(index)?
            .parse()
            .map_err(|e| self.corrupt(index, e))
    }

    /// Exactly as written: 10 ASCII digits, nothing around them.
    fn person_number(&self, index: usize) -> StoreResult<PersonNumber> {
        let text = self.text(index)?;
        match PersonNumber::parse(&text) {
            Ok(number) if number.as_str() == text => Ok(number),
            _ => Err(self.corrupt(index, "not a person number of 10 ASCII digits")),
        }
    }

    /// A calendar date written by [`format_date`].
    fn date(&self, index: usize) -> StoreResult<Date> {
        Date::parse(&self.text(index)?, DATE_FORMAT)
            .map_err(|_| self.corrupt(index, "not a date (YYYY-MM-DD)"))
    }

    /// A calendar date, or nothing.
    fn opt_date(&self, index: usize) -> StoreResult<Option<Date>> {
        match self.opt_text(index)? {
            Some(text) => Date::parse(&text, DATE_FORMAT)
                .map(Some)
                .map_err(|_| self.corrupt(index, "not a date (YYYY-MM-DD)")),
            None => Ok(None),
        }
    }

    /// A comma-separated list of person numbers (an audit row's subjects).
    fn subjects(&self, index: usize) -> StoreResult<Vec<String>> {
        Ok(split_subjects(&self.text(index)?))
    }
}

/// A roster finding from the columns `grant_id, user_id, role, department,
/// reason, roster_department`, in that order.
pub(crate) fn finding_from_row(
    r: &impl ColumnReader,
) -> StoreResult<crate::domain::roster::Finding> {
    Ok(crate::domain::roster::Finding {
        grant_id: r.text(0)?,
        user_id: r.text(1)?,
        role: r.role(2)?,
        department: r.department(3)?,
        reason: r.finding_reason(4)?,
        roster_department: r.opt_department(5)?,
    })
}

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A calendar date as stored: `YYYY-MM-DD`, so text order is date order.
pub(crate) fn format_date(date: Date) -> String {
    date.format(DATE_FORMAT)
        .unwrap_or_else(|_| date.to_string())
}

/// An audit row's subjects as stored: comma-separated.
pub(crate) fn join_subjects(subjects: &[String]) -> String {
    subjects.join(",")
}

pub(crate) fn split_subjects(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(',').map(str::to_string).collect()
    }
}

/// The smallest string greater than every string starting with `prefix`.
pub(crate) fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// `LIKE` pattern matching `fragment` anywhere, with wildcards escaped.
pub(crate) fn contains_pattern(fragment: &str) -> String {
    let mut pattern = String::with_capacity(fragment.len() + 2);
    pattern.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("1_2%"), "%1\\_2\\%%");
    }

    #[test]
    fn prefix_bound_sorts_after_every_extension() {
        let upper = prefix_upper_bound("ヤマ");
        assert!("ヤマダ" < upper.as_str());
        assert!("ヤマ" < upper.as_str());
        assert!("ヤミ" > upper.as_str());
    }

    #[test]
    fn subjects_round_trip() {
        assert!(split_subjects("").is_empty());
        let two = vec!["1000000001".to_string(), "1000000002".to_string()];
        assert_eq!(split_subjects(&join_subjects(&two)), two);
    }
}
