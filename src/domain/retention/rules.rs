//! The retention rules: one per kind of record, each a period and the legal
//! basis the office keeps it under, as text the office may edit.

use serde::Serialize;
use time::Date;

/// The kinds of record a rule covers. The stored and printed names are
/// stable: tombstones in the access log carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One version of a committed tax record, kept by its tax year.
    TaxRecord,
    /// A resident who moved out or died, with everything kept on them.
    Person,
    /// An entry never committed (abandoned or discarded), by its last change.
    Draft,
    /// Transient results (query results, exports in a spool).
    Transient,
    /// The access log: stated, never erased by the service.
    AccessLog,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TaxRecord => "tax_record",
            Kind::Person => "person",
            Kind::Draft => "draft",
            Kind::Transient => "transient",
            Kind::AccessLog => "access_log",
        }
    }
}

/// How long a record is kept after the date its rule counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Years(u32),
    Days(u32),
}

impl Period {
    /// `from` plus the period; 29 February plus whole years falls on
    /// 28 February when the year has none.
    pub fn after(self, from: Date) -> Date {
        match self {
            Period::Years(n) => {
                let year = from
                    .year()
                    .saturating_add(i32::try_from(n).unwrap_or(i32::MAX));
                from.replace_year(year)
                    .or_else(|_| from.replace_day(28).and_then(|d| d.replace_year(year)))
                    .unwrap_or(Date::MAX)
            }
            Period::Days(n) => from
                .checked_add(time::Duration::days(i64::from(n)))
                .unwrap_or(Date::MAX),
        }
    }

    /// `7y`, `30d`: the short form tombstones and the plan's hash carry.
    pub fn short(self) -> String {
        match self {
            Period::Years(n) => format!("{n}y"),
            Period::Days(n) => format!("{n}d"),
        }
    }
}

/// One kind's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub kind: Kind,
    pub period: Period,
    /// The legal basis, as the office states it.
    pub basis: String,
}

impl Rule {
    /// `tax_record_7y`: the rule's name in tombstones.
    pub fn name(&self) -> String {
        format!("{}_{}", self.kind.as_str(), self.period.short())
    }
}

/// The office's rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub tax_record: Rule,
    pub person: Rule,
    pub draft: Rule,
    pub transient: Rule,
    pub access_log: Rule,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            tax_record: Rule {
                kind: Kind::TaxRecord,
                period: Period::Years(7),
                basis: "地方税法 第17条の5 (更正・決定等の期間制限) / 地方税法施行令".into(),
            },
            person: Rule {
                kind: Kind::Person,
                period: Period::Years(5),
                basis: "住民基本台帳法施行令 第34条 (消除された住民票の保存); 課税資料として保有する期間は課の定めによる".into(),
            },
            draft: Rule {
                kind: Kind::Draft,
                period: Period::Days(30),
                basis: "番号法 第20条 (特定個人情報の収集・保管の制限): 事務に必要な範囲を超えて保管しない".into(),
            },
            transient: Rule {
                kind: Kind::Transient,
                period: Period::Days(7),
                basis: "番号法 第20条: 事務に必要な範囲を超えて保管しない".into(),
            },
            access_log: Rule {
                kind: Kind::AccessLog,
                period: Period::Years(10),
                basis: "特定個人情報の適正な取扱いに関するガイドライン (行政機関等編): アクセス記録の保存".into(),
            },
        }
    }
}

impl Rules {
    /// Every rule, in the order the plan lists them.
    pub fn all(&self) -> [&Rule; 5] {
        [
            &self.tax_record,
            &self.person,
            &self.draft,
            &self.transient,
            &self.access_log,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_add_whole_years_and_days() {
        assert_eq!(
            Period::Years(5).after(date!(2020 - 03 - 31)),
            date!(2025 - 03 - 31)
        );
        assert_eq!(
            Period::Years(1).after(date!(2024 - 02 - 29)),
            date!(2025 - 02 - 28)
        );
        assert_eq!(
            Period::Days(30).after(date!(2026 - 01 - 15)),
            date!(2026 - 02 - 14)
        );
    }

    #[test]
    fn rule_names_carry_kind_and_period() {
        let rules = Rules::default();
        assert_eq!(rules.tax_record.name(), "tax_record_7y");
        assert_eq!(rules.draft.name(), "draft_30d");
        assert_eq!(rules.access_log.name(), "access_log_10y");
    }
}
