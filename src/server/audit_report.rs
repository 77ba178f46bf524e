//! Audit reports: an analysis's findings as CSV or as a PDF set in the
//! configured Japanese font. A report names staff by user ID and residents
//! by person number only: no role holds a permission that puts names in it,
//! and the access log never holds a My Number; any run of twelve or more
//! digits (the shape of one, from free text) is masked all the same.

use crate::api::AuditFindings;
use crate::server::print;

/// Report file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Pdf,
}

impl ReportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "pdf" => Some(Self::Pdf),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Pdf => "application/pdf",
        }
    }
}

/// Who made a report, and when (as the office's clock shows it).
#[derive(Debug, Clone)]
pub struct Made {
    pub by: String,
    pub at: String,
}

/// `text` with every run of 12 or more digits masked.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 12 {
            out.extend(run.chars().map(|_| '*'));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

const CSV_HEADER: [&str; 14] = [
    "kind",
    "from",
    "to",
    "description",
    "user",
    "terminal",
    "person",
    "reason",
    "rows",
    "users",
    "baseline",
    "first_seq",
    "last_seq",
    "filter",
];

fn filter_text(filter: &std::collections::BTreeMap<String, String>) -> String {
    filter
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// One line per finding under a header line; the report's own facts
/// (who, when) are in the access log's row for it.
pub fn csv(report: &AuditFindings) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| format!("the CSV could not be made: {e}");
    w.write_record(CSV_HEADER).map_err(fail)?;
    for f in &report.findings {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let row = [
            report.kind.clone(),
            f.from.clone(),
            f.to.clone(),
            f.description.clone(),
            opt(&f.user),
            opt(&f.terminal),
            opt(&f.person),
            opt(&f.reason),
            f.rows.to_string(),
            f.users.to_string(),
            f.baseline.map(|b| b.to_string()).unwrap_or_default(),
            f.first_seq.to_string(),
            f.last_seq.to_string(),
            filter_text(&f.filter),
        ];
        w.write_record(row.iter().map(|v| scrub(v))).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| format!("the CSV could not be made: {e}"))
}

/// The report on A4: a heading block (analysis, period, who made it and
/// when, how many findings), then one block per finding.
pub fn pdf(
    report: &AuditFindings,
    made: &Made,
    font: krilla::text::Font,
) -> Result<Vec<u8>, String> {
    let labels = print::section_labels("audit_report");
    let label = |key: &str| labels.get(key).cloned().unwrap_or_else(|| key.to_string());
    let line = |text: String| (scrub(&text), print::TEXT_SIZE);
    let mut blocks = vec![vec![
        (label("title"), print::TITLE_SIZE),
        line(format!("{}：{}", label("analysis"), report.kind)),
        line(format!(
            "{}：{} – {}",
            label("period"),
            report.from,
            report.to
        )),
        line(format!("{}：{}", label("made_by"), made.by)),
        line(format!("{}：{}", label("made_at"), made.at)),
        line(format!("{}：{}", label("findings"), report.findings.len())),
    ]];
    if report.findings.is_empty() {
        blocks.push(vec![line(label("none"))]);
    }
    for (n, f) in report.findings.iter().enumerate() {
        let mut block = vec![line(label("finding").replace("{n}", &(n + 1).to_string()))];
        let texts = [
            f.description.clone(),
            format!("{}：{}", label("rows"), f.rows),
            format!("{}：{}–{}", label("seqs"), f.first_seq, f.last_seq),
            format!("{}：{}", label("filter"), filter_text(&f.filter)),
        ];
        for text in texts {
            for (i, part) in print::wrap(&text, print::COLUMNS - 2)
                .into_iter()
                .enumerate()
            {
                let indent = if i == 0 { "　" } else { "　　" };
                block.push(line(format!("{indent}{part}")));
            }
        }
        blocks.push(block);
    }
    print::document(blocks, font)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_digit_runs_are_masked_and_person_numbers_kept() {
        assert_eq!(
            scrub("reason=123456789018 for 9000000001"),
            "reason=************ for 9000000001"
        );
        assert_eq!(scrub("１２"), "１２");
    }
}
