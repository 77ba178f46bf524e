//! What became of every slip, added up per slip kind, field kind and
//! keying, and the tables `bansho bench entry-accuracy` prints.

use std::collections::BTreeMap;

use super::keyer::{Caught, Slip, Stage};
use super::slip::SlipKind;

/// Where one slip ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Caught(Caught),
    /// The committed record holds the slip's value.
    Reached,
    /// Neither caught nor in the record: the simulation lost track of it
    /// (never expected; counted so a table would show it).
    Unsettled,
}

pub fn fate(slip: &Slip, reached: bool) -> Fate {
    match (reached, slip.caught) {
        (true, _) => Fate::Reached,
        (false, Some(how)) => Fate::Caught(how),
        (false, None) => Fate::Unsettled,
    }
}

/// Slips made and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row {
    pub made: usize,
    pub field_check: usize,
    pub cross_check: usize,
    pub comparison: usize,
    pub reached: usize,
    pub unsettled: usize,
}

impl Row {
    pub fn add(&mut self, fate: Fate) {
        self.made += 1;
        match fate {
            Fate::Caught(Caught::FieldCheck) => self.field_check += 1,
            Fate::Caught(Caught::CrossCheck) => self.cross_check += 1,
            Fate::Caught(Caught::Comparison) => self.comparison += 1,
            Fate::Reached => self.reached += 1,
            Fate::Unsettled => self.unsettled += 1,
        }
    }

    /// The share of slips made that reached a committed record.
    pub fn reached_share(&self) -> String {
        if self.made == 0 {
            "-".into()
        } else {
            format!("{:.1} %", 100.0 * self.reached as f64 / self.made as f64)
        }
    }
}

/// One configuration's figures over every declaration.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub by_kind: BTreeMap<SlipKind, Row>,
    pub by_field_kind: BTreeMap<&'static str, Row>,
    pub by_stage: BTreeMap<Stage, Row>,
    pub total: Row,
    pub declarations: usize,
    pub committed: usize,
    pub discarded: usize,
    /// Fields in the committed records, and those that differ from the paper.
    pub record_fields: usize,
    pub wrong_fields: usize,
    pub records_wrong: usize,
    /// Wrong fields no slip explains (never expected).
    pub unexplained: usize,
    /// Fields typed: first keyings, second keyings, keyed again.
    pub keyed: BTreeMap<Stage, usize>,
    pub decisions: usize,
    pub seconds: f64,
}

impl Tally {
    pub fn add_slip(&mut self, slip: &Slip, reached: bool) {
        let fate = fate(slip, reached);
        self.by_kind.entry(slip.kind).or_default().add(fate);
        self.by_field_kind
            .entry(slip.field_kind.as_str())
            .or_default()
            .add(fate);
        self.by_stage.entry(slip.stage).or_default().add(fate);
        self.total.add(fate);
    }
}

fn cells(row: &Row) -> String {
    format!(
        "{} | {} | {} | {} | {} | {}",
        row.made,
        row.field_check,
        row.cross_check,
        row.comparison,
        row.reached,
        row.reached_share()
    )
}

const HEADER: &str = "| made | caught by field checks | caught by cross-field checks | caught by comparison | reached a committed record | reached, share of made |";

/// The slip table of one configuration.
pub fn kind_table(tally: &Tally) -> String {
    let mut out = format!("| slip {HEADER}\n|---|---:|---:|---:|---:|---:|---:|\n");
    for kind in SlipKind::ALL {
        let row = tally.by_kind.get(&kind).copied().unwrap_or_default();
        out.push_str(&format!("| {} | {} |\n", kind.label(), cells(&row)));
    }
    out.push_str(&format!("| **total** | {} |\n", cells(&tally.total)));
    out
}

/// Slips by the kind of field they were made in, both configurations.
pub fn field_kind_table(without: &Tally, with: &Tally) -> String {
    let mut out = String::from(
        "| field kind | made, single | reached, single | made, double | reached, double |\n|---|---:|---:|---:|---:|\n",
    );
    let mut kinds: Vec<&str> = without
        .by_field_kind
        .keys()
        .chain(with.by_field_kind.keys())
        .copied()
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let a = without.by_field_kind.get(kind).copied().unwrap_or_default();
        let b = with.by_field_kind.get(kind).copied().unwrap_or_default();
        out.push_str(&format!(
            "| {kind} | {} | {} ({}) | {} | {} ({}) |\n",
            a.made,
            a.reached,
            a.reached_share(),
            b.made,
            b.reached,
            b.reached_share()
        ));
    }
    out
}

/// Slips by the keying they were made in (double keying only).
pub fn stage_table(tally: &Tally) -> String {
    let mut out = format!("| made in {HEADER}\n|---|---:|---:|---:|---:|---:|---:|\n");
    for stage in Stage::ALL {
        let row = tally.by_stage.get(&stage).copied().unwrap_or_default();
        out.push_str(&format!("| {} | {} |\n", stage.label(), cells(&row)));
    }
    out
}

fn per_mille(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.2}", 1000.0 * part as f64 / whole as f64)
    }
}

/// The records the runs committed, side by side.
pub fn record_table(without: &Tally, with: &Tally) -> String {
    let mut out = String::from("| | single keying | double keying |\n|---|---:|---:|\n");
    type Cell = fn(&Tally) -> String;
    let rows: [(&str, Cell); 10] = [
        ("declarations", |t| t.declarations.to_string()),
        ("records committed", |t| t.committed.to_string()),
        ("entries discarded", |t| t.discarded.to_string()),
        ("fields in committed records", |t| {
            t.record_fields.to_string()
        }),
        ("fields differing from the paper", |t| {
            t.wrong_fields.to_string()
        }),
        ("  per 1,000 fields", |t| {
            per_mille(t.wrong_fields, t.record_fields)
        }),
        ("records with a field differing from the paper", |t| {
            t.records_wrong.to_string()
        }),
        ("fields typed (first / second / again)", |t| {
            let n = |s| t.keyed.get(&s).copied().unwrap_or(0);
            format!(
                "{} / {} / {}",
                n(Stage::First),
                n(Stage::Second),
                n(Stage::Rekey)
            )
        }),
        ("supervisor decisions (fields)", |t| t.decisions.to_string()),
        ("seconds", |t| format!("{:.1}", t.seconds)),
    ];
    for (label, value) in rows {
        out.push_str(&format!(
            "| {label} | {} | {} |\n",
            value(without),
            value(with)
        ));
    }
    if without.unexplained + with.unexplained + without.total.unsettled + with.total.unsettled > 0 {
        out.push_str(&format!(
            "| differences no slip explains / slips unaccounted for | {} / {} | {} / {} |\n",
            without.unexplained, without.total.unsettled, with.unexplained, with.total.unsettled
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entry::schema::{FieldKind, FieldPath};

    fn slip(kind: SlipKind, caught: Option<Caught>) -> Slip {
        Slip {
            kind,
            stage: Stage::First,
            field: FieldPath::new("revenue", "salary"),
            field_kind: FieldKind::Amount,
            typed: "1".into(),
            caught,
        }
    }

    #[test]
    fn a_slip_in_the_record_counts_as_reached_whatever_caught_it_on_the_way() {
        let mut tally = Tally::default();
        tally.add_slip(&slip(SlipKind::Dropped, Some(Caught::FieldCheck)), false);
        tally.add_slip(&slip(SlipKind::Dropped, Some(Caught::Comparison)), true);
        tally.add_slip(&slip(SlipKind::Substitution, None), true);
        tally.add_slip(
            &slip(SlipKind::Substitution, Some(Caught::CrossCheck)),
            false,
        );
        let dropped = tally.by_kind[&SlipKind::Dropped];
        assert_eq!(
            (dropped.made, dropped.field_check, dropped.reached),
            (2, 1, 1)
        );
        assert_eq!(tally.total.reached, 2);
        assert_eq!(tally.total.cross_check, 1);
        assert_eq!(tally.total.reached_share(), "50.0 %");
        let table = kind_table(&tally);
        assert!(
            table.contains("| dropped digit | 2 | 1 | 0 | 0 | 1 | 50.0 % |"),
            "{table}"
        );
        assert!(
            table.contains("| **total** | 4 | 1 | 1 | 0 | 2 | 50.0 % |"),
            "{table}"
        );
    }
}
