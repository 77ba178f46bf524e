//! The operators' quality figures: slips per 1,000 fields keyed, per
//! operator, per kind of field and per month. A slip is the keyer's whose
//! value did not stand when a difference was settled (see
//! [`super::machine::Slip`]); fields keyed count every field an operator
//! keyed in a committed entry.

use std::collections::BTreeMap;

use super::schema::FieldKind;

/// Fields one operator keyed in one commit, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    pub staff: String,
    /// `YYYY-MM`.
    pub month: String,
    pub kinds: BTreeMap<FieldKind, u64>,
}

/// One slip found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipFact {
    pub staff: String,
    pub month: String,
    pub kind: FieldKind,
}

/// Fields and slips of one group, and the rate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rate {
    pub fields: u64,
    pub slips: u64,
}

impl Rate {
    /// Slips per 1,000 fields keyed (0 when nothing was keyed).
    pub fn per_thousand(&self) -> f64 {
        if self.fields == 0 {
            0.0
        } else {
            self.slips as f64 * 1000.0 / self.fields as f64
        }
    }
}

/// Per operator: overall, by kind, by month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperatorQuality {
    pub total: Rate,
    pub by_kind: BTreeMap<FieldKind, Rate>,
    pub by_month: BTreeMap<String, Rate>,
}

/// The figures of every operator who keyed or slipped.
pub fn figures(keyed: &[Keyed], slips: &[SlipFact]) -> BTreeMap<String, OperatorQuality> {
    let mut out: BTreeMap<String, OperatorQuality> = BTreeMap::new();
    for k in keyed {
        let q = out.entry(k.staff.clone()).or_default();
        for (kind, n) in &k.kinds {
            q.total.fields += n;
            q.by_kind.entry(*kind).or_default().fields += n;
            q.by_month.entry(k.month.clone()).or_default().fields += n;
        }
    }
    for s in slips {
        let q = out.entry(s.staff.clone()).or_default();
        q.total.slips += 1;
        q.by_kind.entry(s.kind).or_default().slips += 1;
        q.by_month.entry(s.month.clone()).or_default().slips += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_per_thousand_fields_by_operator_kind_and_month() {
        let keyed = vec![
            Keyed {
                staff: "kazei01".into(),
                month: "2026-02".into(),
                kinds: [(FieldKind::Amount, 1500), (FieldKind::Date, 500)].into(),
            },
            Keyed {
                staff: "kazei01".into(),
                month: "2026-03".into(),
                kinds: [(FieldKind::Amount, 1000)].into(),
            },
            Keyed {
                staff: "kazei02".into(),
                month: "2026-02".into(),
                kinds: [(FieldKind::Amount, 400)].into(),
            },
        ];
        let slip = |staff: &str, month: &str, kind| SlipFact {
            staff: staff.into(),
            month: month.into(),
            kind,
        };
        let slips = vec![
            slip("kazei01", "2026-02", FieldKind::Amount),
            slip("kazei01", "2026-02", FieldKind::Date),
            slip("kazei01", "2026-03", FieldKind::Amount),
        ];
        let all = figures(&keyed, &slips);
        let one = &all["kazei01"];
        assert_eq!((one.total.fields, one.total.slips), (3000, 3));
        assert!((one.total.per_thousand() - 1.0).abs() < 1e-9);
        assert!((one.by_kind[&FieldKind::Date].per_thousand() - 2.0).abs() < 1e-9);
        assert!((one.by_month["2026-03"].per_thousand() - 1.0).abs() < 1e-9);
        assert_eq!(all["kazei02"].total.per_thousand(), 0.0);
        assert_eq!(Rate::default().per_thousand(), 0.0);
    }
}
