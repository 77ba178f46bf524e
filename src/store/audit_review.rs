//! Reading the access log for review: a filter over its rows, paged by
//! `seq` (never by offset, so a page is found by the index however deep it
//! lies), and grouped counts over time buckets that the analyses are made
//! of. The SQL is written once here for both backends; each runs it with
//! its own placeholders and value types.

use time::OffsetDateTime;

use super::chain::{AuditEntry, format_time};
use crate::domain::audit_event::{Action, Outcome};

/// Which rows: every field set narrows; nothing set is every row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user: Option<String>,
    /// Rows of users on the staff of this department (a supervisor's view).
    pub department: Option<String>,
    /// Rows about this person (by person number).
    pub person: Option<String>,
    /// Any of these actions; empty is any.
    pub actions: Vec<Action>,
    pub terminal: Option<String>,
    /// Rows at or after `from` and before `to`.
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Any of these outcomes; empty is any.
    pub outcomes: Vec<Outcome>,
    /// The stored detail, exactly (a refusal's reason).
    pub detail: Option<String>,
    /// Only rows that touch (or do not touch) a 支援措置 person.
    pub sensitive: Option<bool>,
    /// Leave out this user's rows (the not-logged-in "(unknown)").
    pub not_user: Option<String>,
}

/// A half-open interval of time `[start, end)` that counts are grouped by.
pub type Bucket = (OffsetDateTime, OffsetDateTime);

/// What rows are grouped by within a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    User,
    Terminal,
    /// User, outcome and detail: refusals by who and why.
    UserOutcomeDetail,
    /// User and person, for rows with no row by the same user about the
    /// same person in the same bucket whose action is one of `work`.
    UnfollowedPerson {
        work: Vec<Action>,
    },
}

/// One group's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditGroup {
    /// Index of the bucket in the list asked for.
    pub bucket: usize,
    /// The grouping's values, in `GroupBy`'s order (user, terminal, person,
    /// outcome, detail as they apply).
    pub keys: Vec<String>,
    pub rows: i64,
    /// Distinct users among the rows.
    pub users: i64,
    pub first_seq: i64,
    pub last_seq: i64,
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// A statement and its values, placeholders numbered in order.
#[derive(Debug, Default)]
pub(crate) struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
    /// `?N` (SQLite) or `$N` (PostgreSQL).
    dollar: bool,
}

impl Statement {
    pub(crate) fn new(dollar: bool) -> Self {
        Self {
            dollar,
            ..Self::default()
        }
    }

    /// Binds `value` and returns its placeholder.
    fn bind(&mut self, value: Param) -> String {
        self.params.push(value);
        let n = self.params.len();
        if self.dollar {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    }

    fn list(&mut self, values: impl IntoIterator<Item = String>) -> String {
        let marks: Vec<String> = values
            .into_iter()
            .map(|v| self.bind(Param::Text(v)))
            .collect();
        marks.join(", ")
    }
}

/// The WHERE conditions of `filter` on the log aliased `a`.
fn conditions(st: &mut Statement, filter: &AuditFilter) -> Vec<String> {
    let mut out = if st.dollar {
        keyed_conditions(st, filter)
    } else {
        term_condition(st, filter).into_iter().collect()
    };
    if let Some(user) = &filter.not_user {
        out.push(format!(
            "a.user_id <> {}",
            st.bind(Param::Text(user.clone()))
        ));
    }
    if !filter.actions.is_empty() {
        let marks = st.list(filter.actions.iter().map(|a| a.as_str().to_string()));
        out.push(format!("a.action IN ({marks})"));
    }
    if let Some(from) = filter.from {
        out.push(format!(
            "a.at >= {}",
            st.bind(Param::Text(format_time(from)))
        ));
    }
    if let Some(to) = filter.to {
        out.push(format!("a.at < {}", st.bind(Param::Text(format_time(to)))));
    }
    if !filter.outcomes.is_empty() {
        let marks = st.list(filter.outcomes.iter().map(|o| o.as_str().to_string()));
        out.push(format!("a.outcome IN ({marks})"));
    }
    if let Some(detail) = &filter.detail {
        out.push(format!(
            "a.detail = {}",
            st.bind(Param::Text(detail.clone()))
        ));
    }
    if let Some(sensitive) = filter.sensitive {
        out.push(format!("a.sensitive = {}", st.bind(Param::Bool(sensitive))));
    }
    out
}

/// PostgreSQL: the account, terminal and person filters on B-tree keys,
/// `(user_id, seq)`, `(terminal, seq)` and the subjects' `(person, seq)`.
fn keyed_conditions(st: &mut Statement, filter: &AuditFilter) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(user) = &filter.user {
        let mark = st.bind(Param::Text(user.clone()));
        out.push(format!("a.user_id = {mark}"));
    }
    if let Some(department) = &filter.department {
        let mark = st.bind(Param::Text(department.clone()));
        out.push(format!(
            "a.user_id IN (SELECT user_id FROM staff WHERE department = {mark})"
        ));
    }
    if let Some(person) = &filter.person {
        let mark = st.bind(Param::Text(person.clone()));
        out.push(format!(
            "a.seq IN (SELECT seq FROM audit_subjects WHERE person = {mark})"
        ));
    }
    if let Some(terminal) = &filter.terminal {
        let mark = st.bind(Param::Text(terminal.clone()));
        out.push(format!("a.terminal = {mark}"));
    }
    out
}

/// SQLite: the account, terminal, department and person filters as one
/// query of the FTS5 index `audit_terms` (migrations 21 and 22 say why),
/// so the index intersects them itself. A department is any of its
/// staff's accounts, looked up in the same statement.
fn term_condition(st: &mut Statement, filter: &AuditFilter) -> Option<String> {
    let mut terms = Vec::new();
    if let Some(user) = &filter.user {
        terms.push(quoted(&account_term(user)));
    }
    if let Some(terminal) = &filter.terminal {
        terms.push(quoted(&terminal_term(terminal)));
    }
    if let Some(person) = &filter.person {
        terms.push(quoted(person));
    }
    let mut query = Vec::new();
    if !terms.is_empty() {
        query.push(st.bind(Param::Text(terms.join(" AND "))));
    }
    if let Some(department) = &filter.department {
        let mark = st.bind(Param::Text(department.clone()));
        // 'none' is no term of any row: a department without staff
        // matches nothing.
        query.push(format!(
            "'(' || (SELECT coalesce(group_concat('u' || hex(user_id), ' OR '), 'none') \
             FROM staff WHERE department = {mark}) || ')'"
        ));
    }
    (!query.is_empty()).then(|| {
        format!(
            "a.seq IN (SELECT rowid FROM audit_terms WHERE audit_terms MATCH {})",
            query.join(" || ' AND ' || ")
        )
    })
}

/// The terms SQLite indexes for a row of the log: its account, its
/// terminal and the person numbers it is about.
pub(crate) fn terms(entry: &AuditEntry) -> String {
    let mut terms = vec![account_term(&entry.user_id), terminal_term(&entry.terminal)];
    terms.extend(entry.subjects.iter().cloned());
    terms.join(" ")
}

/// An account as one term: 'u' and its UTF-8 bytes in hex, as SQLite's
/// `'u' || hex(user_id)` writes it.
fn account_term(user: &str) -> String {
    format!("u{}", hex::encode_upper(user))
}

fn terminal_term(terminal: &str) -> String {
    format!("t{}", hex::encode_upper(terminal))
}

/// A term as an FTS5 string, so nothing in it is read as query syntax.
fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// The rows `filter` selects with `seq < before`, newest first, at most
/// `limit`: the columns are `columns`, on the log aliased `a`.
pub(crate) fn query(
    dollar: bool,
    columns: &str,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: usize,
) -> Statement {
    let mut st = Statement::new(dollar);
    let mut conds = conditions(&mut st, filter);
    if let Some(before) = before {
        conds.push(format!("a.seq < {}", st.bind(Param::Int(before))));
    }
    let limit = st.bind(Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    let columns = columns
        .split(", ")
        .map(|c| format!("a.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    st.sql = format!(
        "SELECT {columns} FROM audit_log a {} ORDER BY a.seq DESC LIMIT {limit}",
        where_clause(&conds)
    );
    st
}

/// Counts of the rows `filter` selects in each bucket, grouped by `by`.
/// Columns: bucket, three keys (NULL where unused), rows, users, first and
/// last seq. Each bucket is an index range scan over `at`.
pub(crate) fn groups(
    dollar: bool,
    filter: &AuditFilter,
    buckets: &[Bucket],
    by: &GroupBy,
) -> Option<Statement> {
    if buckets.is_empty() {
        return None;
    }
    let mut st = Statement::new(dollar);
    let values: Vec<String> = buckets
        .iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let s = st.bind(Param::Text(format_time(*start)));
            let e = st.bind(Param::Text(format_time(*end)));
            // The index is ours, never input: written as a literal so
            // PostgreSQL types the column without a cast.
            format!("({i}, {s}, {e})")
        })
        .collect();
    let conds = conditions(&mut st, filter);
    let null = "CAST(NULL AS TEXT)";
    // SQLite's planner would rather walk an action's or user's index over
    // the whole log than the time range of each bucket; told which, each
    // bucket is a range scan.
    let by_time = if st.dollar {
        ""
    } else {
        " INDEXED BY audit_log_at"
    };
    let (keys, join, group) = match by {
        GroupBy::User => (
            format!("a.user_id, {null}, {null}"),
            String::new(),
            "a.user_id",
        ),
        GroupBy::Terminal => (
            format!("a.terminal, {null}, {null}"),
            String::new(),
            "a.terminal",
        ),
        GroupBy::UserOutcomeDetail => (
            "a.user_id, a.outcome, a.detail".to_string(),
            String::new(),
            "a.user_id, a.outcome, a.detail",
        ),
        GroupBy::UnfollowedPerson { work } => {
            let marks = st.list(work.iter().map(|a| a.as_str().to_string()));
            st.sql = unfollowed_sql(&values.join(", "), &conds, &marks, by_time, null);
            return Some(st);
        }
    };
    st.sql = format!(
        "WITH b(i, s, e) AS (VALUES {values})
         SELECT CAST(b.i AS BIGINT), {keys}, COUNT(*), COUNT(DISTINCT a.user_id), MIN(a.seq), MAX(a.seq)
         FROM b JOIN audit_log a{by_time} ON a.at >= b.s AND a.at < b.e {join}
         {} GROUP BY b.i, {group} ORDER BY b.i, {group}",
        where_clause(&conds),
        values = values.join(", "),
    );
    Some(st)
}

/// The views of [`GroupBy::UnfollowedPerson`]: each (bucket, user,
/// person) of the rows `conds` select, less those the same user worked on
/// in that bucket. Both sides are one grouped pass over the buckets' time
/// ranges; the subtraction is a join of the two small results, so no row
/// looks up another (which cost a lookup per view).
fn unfollowed_sql(values: &str, conds: &[String], work: &str, by_time: &str, null: &str) -> String {
    format!(
        "WITH b(i, s, e) AS (VALUES {values}),
         v AS (SELECT b.i AS i, a.user_id AS u, p.person AS person, COUNT(*) AS n,
                      MIN(a.seq) AS lo, MAX(a.seq) AS hi
               FROM b JOIN audit_log a{by_time} ON a.at >= b.s AND a.at < b.e
               JOIN audit_subjects p ON p.seq = a.seq
               {} GROUP BY b.i, a.user_id, p.person),
         w AS MATERIALIZED (SELECT DISTINCT b.i AS i, f.user_id AS u, q.person AS person
               FROM b JOIN audit_log f{by_time} ON f.at >= b.s AND f.at < b.e
               JOIN audit_subjects q ON q.seq = f.seq
               WHERE f.action IN ({work}))
         SELECT CAST(v.i AS BIGINT), v.u, v.person, {null}, v.n, CAST(1 AS BIGINT), v.lo, v.hi
         FROM v LEFT JOIN w ON w.i = v.i AND w.u = v.u AND w.person = v.person
         WHERE w.i IS NULL
         ORDER BY v.i, v.u, v.person",
        where_clause(conds),
    )
}

/// A row of [`groups`] as read back.
pub(crate) fn group_row(bucket: i64, keys: [Option<String>; 3], counts: [i64; 4]) -> AuditGroup {
    AuditGroup {
        bucket: usize::try_from(bucket).unwrap_or(usize::MAX),
        keys: keys.into_iter().flatten().collect(),
        rows: counts[0],
        users: counts[1],
        first_seq: counts[2],
        last_seq: counts[3],
    }
}
