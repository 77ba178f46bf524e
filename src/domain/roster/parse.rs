//! Reading a roster CSV: a header naming the four columns (in English or
//! Japanese, in any order), then one person a line. Every line is checked
//! and every bad one named; a roster with any is refused whole.

use std::collections::HashMap;

use csv::{ByteRecord, Position, ReaderBuilder};

use super::{
    BadLine, LineProblem, MAX_STAFF_ID_CHARS, Roster, RosterEntry, RosterStatus, parse_department,
};
use crate::text::is_unsafe_control;

/// The columns, by code name and the Japanese header HR writes.
const COLUMNS: [(&str, &str); 4] = [
    ("staff_id", "職員番号"),
    ("name", "氏名"),
    ("department", "所属"),
    ("status", "在籍区分"),
];

/// What a field holds once the spaces around it are gone (ASCII and
/// ideographic: Excel pads with either).
fn trimmed(text: &str) -> &str {
    text.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\u{3000}')
}

/// Line numbers of records by their byte offset, counted by this reader
/// rather than the csv crate's, which counts a CRLF file's lines one short.
/// Offsets only grow, so the file is scanned once.
struct Lines<'a> {
    bytes: &'a [u8],
    scanned: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            scanned: 0,
            line: 1,
        }
    }

    /// The line a record (or an error) at `position` starts on; `None`
    /// gives the line after the last one asked for.
    fn at(&mut self, position: Option<&Position>) -> u64 {
        let Some(position) = position else {
            return self.line + 1;
        };
        // The offset may point at the line break ending the record before.
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        while self
            .bytes
            .get(start)
            .is_some_and(|b| *b == b'\r' || *b == b'\n')
        {
            start += 1;
        }
        let start = start.min(self.bytes.len());
        if start > self.scanned {
            let newlines = self.bytes[self.scanned..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.scanned = start;
        }
        self.line
    }
}

/// Where each column is in a record, from the header's fields.
fn columns(header: &ByteRecord) -> Result<[usize; 4], Vec<LineProblem>> {
    let mut found: [Option<usize>; 4] = [None; 4];
    let mut problems = Vec::new();
    for (position, field) in header.iter().enumerate() {
        let Ok(text) = std::str::from_utf8(field) else {
            return Err(vec![LineProblem::NotUtf8]);
        };
        let text = trimmed(text.strip_prefix('\u{feff}').unwrap_or(text));
        let Some(column) = COLUMNS
            .iter()
            .position(|(code, ja)| code.eq_ignore_ascii_case(text) || *ja == text)
        else {
            problems.push(LineProblem::UnknownColumn {
                position: position + 1,
            });
            continue;
        };
        if found[column].replace(position).is_some() {
            problems.push(LineProblem::RepeatedColumn(COLUMNS[column].0));
        }
    }
    for (column, at) in found.iter().enumerate() {
        if at.is_none() {
            problems.push(LineProblem::MissingColumn(COLUMNS[column].0));
        }
    }
    match found {
        [Some(a), Some(b), Some(c), Some(d)] if problems.is_empty() => Ok([a, b, c, d]),
        _ => Err(problems),
    }
}

/// One person's line, or its first problem.
fn entry(record: &ByteRecord, at: &[usize; 4], line: u64) -> Result<RosterEntry, LineProblem> {
    if record.len() > at.len() {
        return Err(LineProblem::ExtraFields);
    }
    let mut fields = [""; 4];
    for (column, position) in at.iter().enumerate() {
        let name = COLUMNS[column].0;
        let raw = record.get(*position).unwrap_or_default();
        let text = std::str::from_utf8(raw).map_err(|_| LineProblem::NotUtf8)?;
        if text.chars().any(is_unsafe_control) {
            return Err(LineProblem::ControlCharacters(name));
        }
        let text = trimmed(text);
        if text.is_empty() {
            return Err(LineProblem::MissingField(name));
        }
        fields[column] = text;
    }
    let [staff_id, _name, department, status] = fields;
    if staff_id.chars().count() > MAX_STAFF_ID_CHARS {
        return Err(LineProblem::StaffIdTooLong);
    }
    Ok(RosterEntry {
        staff_id: staff_id.to_string(),
        department: parse_department(department).ok_or(LineProblem::UnknownDepartment)?,
        status: RosterStatus::parse(status).ok_or(LineProblem::UnknownStatus)?,
        line,
    })
}

/// Reads a roster from the bytes of its CSV file: the roster, or every bad
/// line (by line number, the header being line 1), in file order.
pub fn parse(bytes: &[u8]) -> Result<Roster, Vec<BadLine>> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut lines = Lines::new(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(header)) if header.iter().any(|f| !f.is_empty()) => header,
        Some(Err(e)) => {
            return Err(vec![BadLine {
                line: lines.at(e.position()),
                problem: LineProblem::Unreadable,
            }]);
        }
        _ => {
            return Err(vec![BadLine {
                line: 1,
                problem: LineProblem::NoHeader,
            }]);
        }
    };
    let header_line = lines.at(header.position());
    let at = columns(&header).map_err(|problems| {
        problems
            .into_iter()
            .map(|problem| BadLine {
                line: header_line,
                problem,
            })
            .collect::<Vec<_>>()
    })?;
    let mut bad = Vec::new();
    let mut entries = Vec::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                // The reader cannot go on past a broken quote: name where.
                bad.push(BadLine {
                    line: lines.at(e.position()),
                    problem: LineProblem::Unreadable,
                });
                break;
            }
        };
        let line = lines.at(record.position());
        // A line of empty fields (a trailing `,,,` from a spreadsheet) holds no one.
        if record
            .iter()
            .all(|f| trimmed(&String::from_utf8_lossy(f)).is_empty())
        {
            continue;
        }
        match entry(&record, &at, line) {
            Ok(person) => match first_seen.get(&person.staff_id) {
                Some(first) => bad.push(BadLine {
                    line,
                    problem: LineProblem::DuplicateStaffId { first_line: *first },
                }),
                None => {
                    first_seen.insert(person.staff_id.clone(), line);
                    entries.push(person);
                }
            },
            Err(problem) => bad.push(BadLine { line, problem }),
        }
    }
    if bad.is_empty() && entries.is_empty() {
        bad.push(BadLine {
            line: header_line + 1,
            problem: LineProblem::NobodyListed,
        });
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    Roster::new(entries).ok_or_else(|| {
        vec![BadLine {
            line: header_line,
            problem: LineProblem::Unreadable,
        }]
    })
}
