//! `bansho admin pia-report`: for each measure of the PIA's section III
//! that bansho carries out, the live evidence from the store, as text and
//! as a PDF an IT officer can attach to the assessment. It names staff,
//! terminals, transfers and counts; never a resident (transfers show how
//! many records, never whose).
//!
//! The measures and the tests that prove each are listed in
//! `docs/pia-controls.md`; this is what the running system shows for them.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::domain::audit_event::{Action, Outcome};
use crate::domain::grant::GrantState;
use crate::domain::transfer::machine::Transfer;
use crate::server::crypto::Keys;
use crate::store::chain::{self, format_time};
use crate::store::{GrantQuery, ReconciliationRow, Store, StoreResult, TransferQuery};

/// The most transfers one report lists (the count says if there were more).
const TRANSFERS_LISTED: usize = 1_000;
/// Access-log rows read at a time while counting the period's rows.
const PAGE: usize = 10_000;
/// The most grants read for one report.
const GRANTS_READ: usize = 100_000;
/// Lines of a section set together in the PDF (well under a page).
const BLOCK_LINES: usize = 36;

/// The period a report covers: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

/// One measure: its name as the PIA words it, and what shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: &'static str,
    pub lines: Vec<String>,
}

/// The report: when it was made, for which period, and its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub made_at: OffsetDateTime,
    pub period: Period,
    pub sections: Vec<Section>,
}

/// What the period's access-log rows show, counted in one pass.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct LogCounts {
    rows: u64,
    failed_logins: u64,
    lockouts: u64,
    refused: BTreeMap<&'static str, u64>,
    reveals: u64,
    sensitive: u64,
    retention_runs: Vec<String>,
    erased: u64,
    backups: u64,
    witness: Option<String>,
}

fn count_log(store: &dyn Store, period: Period) -> StoreResult<LogCounts> {
    let mut counts = LogCounts::default();
    let mut after = 0;
    loop {
        let page = store.audit_rows(after, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.seq;
        for record in &page {
            let e = &record.entry;
            if e.action == Action::AuditCheckpoint
                && let Some(name) = e.detail.split(";witness=").nth(1)
            {
                counts.witness = Some(name.to_string());
            }
            if e.at < period.from || e.at >= period.to {
                continue;
            }
            counts.rows += 1;
            counts.sensitive += u64::from(e.sensitive);
            let refused = matches!(
                e.outcome,
                Outcome::Denied | Outcome::Failure | Outcome::RateLimited
            );
            match e.action {
                Action::Login | Action::Unlock if refused => {
                    counts.failed_logins += 1;
                    if e.detail.split(';').any(|part| part == "locked") {
                        counts.lockouts += 1;
                    }
                }
                Action::Reveal if e.outcome == Outcome::Ok => counts.reveals += 1,
                Action::RetentionRun if e.outcome == Outcome::Ok => counts
                    .retention_runs
                    .push(format!("{}  {}", format_time(e.at), e.detail)),
                Action::RetentionErase if e.outcome == Outcome::Ok => counts.erased += 1,
                Action::Backup if e.outcome == Outcome::Ok => counts.backups += 1,
                _ => {}
            }
            if refused {
                *counts.refused.entry(e.action.as_str()).or_default() += 1;
            }
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok(counts)
}

fn staff_section(store: &dyn Store) -> StoreResult<Section> {
    let staff = store.list_staff()?;
    let mut by_role: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for s in &staff {
        let key = (
            s.role.as_str().to_string(),
            s.department.as_str().to_string(),
        );
        let entry = by_role.entry(key).or_default();
        if s.disabled {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    let mut lines = vec![format!(
        "{} staff accounts, {} enabled",
        staff.len(),
        staff.iter().filter(|s| !s.disabled).count()
    )];
    for ((role, department), (enabled, disabled)) in by_role {
        lines.push(format!(
            "  {role} / {department}: {enabled} enabled, {disabled} disabled"
        ));
    }
    for s in &staff {
        let state = if s.disabled { "disabled" } else { "enabled" };
        lines.push(format!(
            "  {:<16} {:<12} {:<20} {state}",
            s.user_id,
            s.role.as_str(),
            s.department.as_str()
        ));
    }
    lines.push(roster_line(store.latest_reconciliation()?.as_ref()));
    Ok(Section {
        title: "アクセス権限の管理 (users and their roles)",
        lines,
    })
}

/// When the HR roster was last compared with the grants, what it found
/// and how many of those grants were revoked.
fn roster_line(latest: Option<&ReconciliationRow>) -> String {
    let Some(r) = latest else {
        return "Roster reconciliation: none made yet (bansho admin roster reconcile FILE)".into();
    };
    let revoked = match r.revoked {
        Some(n) => format!(
            "{n} grants revoked {}",
            r.revoked_at.map(format_time).unwrap_or_default()
        ),
        None => "none revoked".into(),
    };
    format!(
        "Roster reconciliation: last made {} by {} ({} people, roster SHA-256 {}): {} findings, {revoked}",
        format_time(r.made_at),
        r.made_by,
        r.lines,
        &r.roster_sha256[..r.roster_sha256.len().min(16)],
        r.findings.len(),
    )
}

fn grants_section(store: &dyn Store, period: Period, now: OffsetDateTime) -> StoreResult<Section> {
    let grants = store.grants(&GrantQuery::default(), GRANTS_READ)?;
    let in_force = grants.iter().filter(|g| g.in_force_at(now)).count();
    let soon = now + time::Duration::days(30);
    let expiring: Vec<_> = grants
        .iter()
        .filter(|g| g.in_force_at(now) && g.expires_at.is_some_and(|e| e < soon))
        .collect();
    let in_period =
        |at: Option<OffsetDateTime>| at.is_some_and(|t| t >= period.from && t < period.to);
    let applied = grants
        .iter()
        .filter(|g| g.state == GrantState::Active && in_period(g.decided_at))
        .count();
    let revoked = grants.iter().filter(|g| in_period(g.revoked_at)).count();
    let waiting = grants
        .iter()
        .filter(|g| g.state == GrantState::Requested)
        .count();
    let mut lines = vec![
        format!("Grants in force now: {in_force}; requests waiting for an IT officer: {waiting}"),
        format!("In the period: {applied} applied, {revoked} revoked"),
        format!("Expiring within 30 days: {}", expiring.len()),
    ];
    for g in expiring {
        lines.push(format!(
            "  {:<16} {} / {} until {}",
            g.user_id,
            g.role.as_str(),
            g.department.as_str(),
            g.expires_at.map(format_time).unwrap_or_default()
        ));
    }
    Ok(Section {
        title: "アクセス権限の付与・失効 (grants)",
        lines,
    })
}

fn terminals_section(store: &dyn Store) -> StoreResult<Section> {
    let terminals = store.terminals()?;
    let active: Vec<_> = terminals
        .iter()
        .filter(|t| t.revoked_at.is_none())
        .collect();
    let mut lines = vec![format!(
        "{} registered terminals, {} active, {} revoked (mutual TLS: no other connects)",
        terminals.len(),
        active.len(),
        terminals.len() - active.len()
    )];
    for t in &terminals {
        let state = match t.revoked_at {
            Some(at) => format!("revoked {}", format_time(at)),
            None => "active".to_string(),
        };
        lines.push(format!(
            "  {:<24} since {}  {state}",
            t.name,
            format_time(t.created_at)
        ));
    }
    Ok(Section {
        title: "端末の管理 (registered terminals)",
        lines,
    })
}

/// One transfer's line: what left, to whom, approved and witnessed by whom.
fn transfer_line(transfer: &Transfer) -> String {
    let header = transfer.header();
    let approved = transfer.approval().map_or("-", |a| a.by.as_str());
    let witnessed = transfer.sign_off().map_or("-", |s| s.officer.as_str());
    let receipt = match transfer {
        Transfer::Delivered { receipt, .. } => receipt.id.as_str(),
        _ => "-",
    };
    format!(
        "  {}  {}  {} records  to {}  prepared {}  approved {approved}  witnessed {witnessed}  receipt {receipt}",
        header.id,
        transfer.state_name(),
        header.request.persons.len(),
        header.request.destination,
        header.prepared_by,
    )
}

fn transfers_section(store: &dyn Store, keys: &Keys, period: Period) -> StoreResult<Section> {
    let query = TransferQuery {
        from: Some(period.from),
        to: Some(period.to),
        ..TransferQuery::default()
    };
    let rows = store.transfers_in(&query, TRANSFERS_LISTED + 1)?;
    let mut lines = vec![format!(
        "{}{} transfers with a step in the period (each with an IT officer's sign-off at the clerk's terminal before sending)",
        if rows.len() > TRANSFERS_LISTED {
            "more than "
        } else {
            ""
        },
        rows.len().min(TRANSFERS_LISTED)
    )];
    for row in rows.iter().take(TRANSFERS_LISTED) {
        match super::transfer_seal::open(keys, row) {
            Ok(transfer) => lines.push(transfer_line(&transfer)),
            Err(e) => lines.push(format!("  {}  cannot be read: {e}", row.id)),
        }
    }
    Ok(Section {
        title: "特定個人情報の提供・移転の記録 (transfers and their witnesses)",
        lines,
    })
}

fn log_section(
    store: &dyn Store,
    keys: &Keys,
    anchor: Option<&str>,
    counts: &LogCounts,
) -> StoreResult<Section> {
    let mut lines = Vec::new();
    match chain::verify_store_anchored(store, &keys.audit_chain_key(), anchor)? {
        Ok(verified) => lines.push(format!(
            "Access log chain: intact, {} rows verified",
            verified.verified()
        )),
        Err(broken) => lines.push(format!("Access log chain: BROKEN ({broken})")),
    }
    match store.checkpoints(1)?.pop() {
        Some(row) => lines.push(format!(
            "Latest signed checkpoint: {} rows, made {}",
            row.size,
            format_time(row.made_at)
        )),
        None => lines.push("Latest signed checkpoint: none made yet".to_string()),
    }
    let cosigned = match &counts.witness {
        Some(name) => store.cosignatures(name, 1)?.pop(),
        None => None,
    };
    match cosigned {
        Some(row) => lines.push(format!(
            "Latest cosigned checkpoint: {} rows, cosigned {} by the witness {}",
            row.size,
            format_time(row.cosigned_at),
            counts.witness.as_deref().unwrap_or("-")
        )),
        None => lines.push("Latest cosigned checkpoint: none".to_string()),
    }
    lines.push(format!("Rows in the period: {}", counts.rows));
    lines.push(format!(
        "  My Number reveals: {}; rows touching 支援措置 records: {}",
        counts.reveals, counts.sensitive
    ));
    Ok(Section {
        title: "アクセス記録の保存と確認 (the access log)",
        lines,
    })
}

fn login_section(counts: &LogCounts) -> Section {
    let mut lines = vec![format!(
        "Failed logins and unlocks: {}; of them ending in a lockout: {}",
        counts.failed_logins, counts.lockouts
    )];
    if !counts.refused.is_empty() {
        lines.push("Refused requests by kind:".to_string());
        for (action, n) in &counts.refused {
            lines.push(format!("  {action}: {n}"));
        }
    }
    Section {
        title: "不正アクセスの防止 (failed logins, lockouts, refusals)",
        lines,
    }
}

fn retention_section(counts: &LogCounts) -> Section {
    let mut lines = vec![format!(
        "Erasure runs in the period: {}; records erased (tombstones): {}",
        counts.retention_runs.len(),
        counts.erased
    )];
    lines.extend(counts.retention_runs.iter().map(|r| format!("  {r}")));
    lines.push(format!("Backups made in the period: {}", counts.backups));
    Section {
        title: "保存期間経過後の消去とバックアップ (retention and backups)",
        lines,
    }
}

/// Gathers the report over `period` from `store`; `anchor` is the chain
/// record the service directory keeps, if any.
pub fn gather(
    store: &dyn Store,
    keys: &Keys,
    anchor: Option<&str>,
    period: Period,
    made_at: OffsetDateTime,
) -> StoreResult<Report> {
    let counts = count_log(store, period)?;
    let sections = vec![
        staff_section(store)?,
        grants_section(store, period, made_at)?,
        terminals_section(store)?,
        transfers_section(store, keys, period)?,
        log_section(store, keys, anchor, &counts)?,
        login_section(&counts),
        retention_section(&counts),
    ];
    Ok(Report {
        made_at,
        period,
        sections,
    })
}

impl Report {
    fn heading(&self) -> [String; 2] {
        [
            "bansho: 特定個人情報保護評価 第III章 の措置の実施状況 (PIA evidence report)"
                .to_string(),
            format!(
                "Period {} to {}; made {}",
                format_time(self.period.from),
                format_time(self.period.to),
                format_time(self.made_at)
            ),
        ]
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in self.heading() {
            out.push_str(&line);
            out.push('\n');
        }
        for section in &self.sections {
            out.push('\n');
            out.push_str(section.title);
            out.push('\n');
            for line in &section.lines {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// The report as a PDF set in `font`.
    pub fn to_pdf(&self, font: krilla::text::Font) -> Result<Vec<u8>, String> {
        use super::print::{COLUMNS, DocLine, TEXT_SIZE, TITLE_SIZE, document, wrap};
        let [title, period] = self.heading();
        let mut blocks: Vec<Vec<DocLine>> = vec![vec![(title, TITLE_SIZE), (period, TEXT_SIZE)]];
        for section in &self.sections {
            let lines: Vec<String> = section
                .lines
                .iter()
                .flat_map(|line| wrap(line, COLUMNS))
                .collect();
            // A block stays on one page: a long section goes in pieces.
            for (i, piece) in lines.chunks(BLOCK_LINES).enumerate() {
                let mut block = Vec::with_capacity(piece.len() + 1);
                if i == 0 {
                    block.push((section.title.to_string(), TITLE_SIZE - 3.0));
                }
                block.extend(piece.iter().map(|l| (l.clone(), TEXT_SIZE)));
                blocks.push(block);
            }
        }
        document(blocks, font)
    }
}
