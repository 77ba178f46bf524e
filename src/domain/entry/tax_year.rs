//! Rates and limits of one income year, read from `forms/tax-years/`.
//! The checks compute with these; no figure of the law is written in code.

use serde::Deserialize;

use super::schema::SchemaError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    pub up_to: i64,
    pub rate_percent: i64,
    pub addition: i64,
}

impl Bracket {
    fn apply(&self, amount: i64) -> i64 {
        amount * self.rate_percent / 100 + self.addition
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTable {
    pub from: i64,
    pub below: i64,
    pub step: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalaryDeduction {
    pub minimum: i64,
    pub minimum_up_to: i64,
    pub brackets: Vec<Bracket>,
    pub cap: i64,
    pub table: StepTable,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionDeduction {
    pub age_from: i32,
    pub minimum_under_age: i64,
    pub minimum_from_age: i64,
    pub brackets: Vec<Bracket>,
    pub cap: i64,
    pub other_income_threshold: i64,
    pub reduction: i64,
    pub reduction_step: i64,
    pub reduction_steps: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByIncome {
    pub income_up_to: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deductions {
    pub basic: Vec<ByIncome>,
    pub life_insurance_cap: i64,
    pub earthquake_insurance_cap: i64,
    pub widow: i64,
    pub single_parent: i64,
    pub working_student: i64,
    pub working_student_income_limit: i64,
    pub disability: i64,
    pub special_disability: i64,
    pub cohabiting_special_disability: i64,
    pub medical_cap: i64,
    pub medical_threshold: i64,
    pub medical_threshold_percent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseDeduction {
    pub taxpayer_income_up_to: i64,
    pub general: i64,
    pub elderly: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseSpecial {
    pub spouse_income_up_to: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spouse {
    pub income_limit: i64,
    pub taxpayer_income_limit: i64,
    pub elderly_age: i32,
    pub deduction: Vec<SpouseDeduction>,
    pub special: Vec<SpouseSpecial>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRange {
    pub from: i32,
    pub to: i32,
}

impl AgeRange {
    pub fn contains(self, age: i32) -> bool {
        (self.from..=self.to).contains(&age)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependents {
    pub income_limit: i64,
    pub deduction_from_age: i32,
    pub general: i64,
    pub specific_ages: AgeRange,
    pub specific: i64,
    pub elderly_from_age: i32,
    pub elderly: i64,
    pub elderly_parent_living_together: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecificRelative {
    pub ages: AgeRange,
    pub amounts: Vec<ByIncome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warnings {
    pub large_amount: i64,
}

/// One income year's figures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxYear {
    pub income_year: i32,
    pub salary_deduction: SalaryDeduction,
    pub pension_deduction: PensionDeduction,
    pub deductions: Deductions,
    pub spouse: Spouse,
    pub dependents: Dependents,
    pub specific_relative: SpecificRelative,
    pub warnings: Warnings,
}

fn by_income(rows: &[ByIncome], income: i64) -> i64 {
    rows.iter()
        .find(|r| income <= r.income_up_to)
        .map_or(0, |r| r.amount)
}

impl TaxYear {
    pub fn from_toml(file: &str, text: &str) -> Result<TaxYear, SchemaError> {
        toml::from_str(text).map_err(|e| SchemaError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })
    }

    /// 給与所得: pay less the salary deduction, read from the statutory
    /// table's steps where the table applies.
    pub fn salary_income(&self, pay: i64) -> i64 {
        let rule = &self.salary_deduction;
        if pay <= 0 {
            return 0;
        }
        let read_at = if (rule.table.from..rule.table.below).contains(&pay) {
            pay / rule.table.step * rule.table.step
        } else {
            pay
        };
        let deduction = if read_at <= rule.minimum_up_to {
            rule.minimum
        } else {
            rule.brackets
                .iter()
                .find(|b| read_at <= b.up_to)
                .map_or(rule.cap, |b| b.apply(read_at))
        };
        (read_at - deduction).max(0)
    }

    /// 公的年金等控除 for a pensioner of `age` (as of 31 December) whose
    /// other income is `other_income`.
    pub fn pension_deduction(&self, pay: i64, age: i32, other_income: i64) -> i64 {
        let rule = &self.pension_deduction;
        let minimum = if age >= rule.age_from {
            rule.minimum_from_age
        } else {
            rule.minimum_under_age
        };
        let by_bracket = rule
            .brackets
            .iter()
            .find(|b| pay <= b.up_to)
            .map_or(rule.cap, |b| b.apply(pay));
        let over = other_income - rule.other_income_threshold;
        let steps = if over > 0 {
            ((over + rule.reduction_step - 1) / rule.reduction_step).min(rule.reduction_steps)
        } else {
            0
        };
        (by_bracket.max(minimum) - steps * rule.reduction).max(0)
    }

    /// 基礎控除 for a taxpayer of total income `income`.
    pub fn basic_deduction(&self, income: i64) -> i64 {
        by_income(&self.deductions.basic, income)
    }

    /// The largest 配偶者控除 for a taxpayer of `income`, an elderly
    /// spouse or not; 0 above the taxpayer's limit.
    pub fn spouse_deduction(&self, income: i64, elderly: bool) -> i64 {
        self.spouse
            .deduction
            .iter()
            .find(|r| income <= r.taxpayer_income_up_to)
            .map_or(0, |r| if elderly { r.elderly } else { r.general })
    }

    /// The largest 配偶者特別控除 for a spouse of `spouse_income`.
    pub fn spouse_special(&self, spouse_income: i64) -> i64 {
        if spouse_income <= self.spouse.income_limit {
            return 0;
        }
        self.spouse
            .special
            .iter()
            .find(|r| spouse_income <= r.spouse_income_up_to)
            .map_or(0, |r| r.amount)
    }

    /// 特定親族特別控除 for a relative of `age` with `income`.
    pub fn specific_relative(&self, age: i32, income: i64) -> i64 {
        let rule = &self.specific_relative;
        if !rule.ages.contains(age) || income <= self.dependents.income_limit {
            return 0;
        }
        by_income(&rule.amounts, income)
    }

    /// 扶養控除 for one dependent (0 under the deduction age or above the
    /// income limit).
    pub fn dependent_deduction(&self, age: i32, income: i64, parent_living_together: bool) -> i64 {
        let rule = &self.dependents;
        if age < rule.deduction_from_age || income > rule.income_limit {
            0
        } else if rule.specific_ages.contains(age) {
            rule.specific
        } else if age >= rule.elderly_from_age {
            if parent_living_together {
                rule.elderly_parent_living_together
            } else {
                rule.elderly
            }
        } else {
            rule.general
        }
    }

    /// 医療費控除: paid less reimbursed less the threshold (the smaller of
    /// the fixed threshold and a share of total income), capped.
    pub fn medical_deduction(&self, paid: i64, reimbursed: i64, income: i64) -> i64 {
        let rule = &self.deductions;
        let threshold = rule
            .medical_threshold
            .min(income.max(0) * rule.medical_threshold_percent / 100);
        (paid - reimbursed - threshold).clamp(0, rule.medical_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::super::forms::tax_year;

    #[test]
    fn salary_income_follows_the_statutory_steps() {
        let year = tax_year(2025).unwrap();
        // Up to 1,900,000 yen the deduction is 650,000 yen.
        assert_eq!(year.salary_income(600_000), 0);
        assert_eq!(year.salary_income(1_000_000), 350_000);
        assert_eq!(year.salary_income(1_900_000), 1_250_000);
        // In the table, pay is read at the 4,000-yen step below it.
        assert_eq!(year.salary_income(1_903_999), 1_250_000);
        assert_eq!(year.salary_income(1_904_000), 1_252_800);
        // 3,000,000 × 70% − 80,000 and 5,000,000 × 80% − 440,000.
        assert_eq!(year.salary_income(3_000_000), 2_020_000);
        assert_eq!(year.salary_income(5_000_000), 3_560_000);
        // Above the table: 8,000,000 × 90% − 1,100,000; the cap above 8.5M.
        assert_eq!(year.salary_income(8_000_000), 6_100_000);
        assert_eq!(year.salary_income(10_000_000), 8_050_000);
    }

    #[test]
    fn pension_deduction_by_age_and_other_income() {
        let year = tax_year(2025).unwrap();
        assert_eq!(year.pension_deduction(1_000_000, 64, 0), 600_000);
        assert_eq!(year.pension_deduction(2_000_000, 64, 0), 775_000);
        assert_eq!(year.pension_deduction(2_000_000, 65, 0), 1_100_000);
        assert_eq!(year.pension_deduction(5_000_000, 70, 0), 1_435_000);
        assert_eq!(year.pension_deduction(20_000_000, 70, 0), 1_955_000);
        assert_eq!(year.pension_deduction(2_000_000, 65, 15_000_000), 1_000_000);
        assert_eq!(year.pension_deduction(2_000_000, 65, 30_000_000), 900_000);
    }

    #[test]
    fn personal_deductions_read_their_tables() {
        let year = tax_year(2025).unwrap();
        assert_eq!(year.basic_deduction(3_000_000), 430_000);
        assert_eq!(year.basic_deduction(24_200_000), 290_000);
        assert_eq!(year.basic_deduction(30_000_000), 0);
        assert_eq!(year.spouse_deduction(5_000_000, false), 330_000);
        assert_eq!(year.spouse_deduction(9_200_000, true), 260_000);
        assert_eq!(year.spouse_deduction(10_000_001, false), 0);
        assert_eq!(year.spouse_special(580_000), 0);
        assert_eq!(year.spouse_special(900_000), 330_000);
        assert_eq!(year.spouse_special(1_320_000), 30_000);
        assert_eq!(year.spouse_special(1_340_000), 0);
        assert_eq!(year.specific_relative(20, 900_000), 450_000);
        assert_eq!(year.specific_relative(20, 1_010_000), 310_000);
        assert_eq!(year.specific_relative(23, 900_000), 0);
        assert_eq!(year.dependent_deduction(10, 0, false), 0);
        assert_eq!(year.dependent_deduction(17, 0, false), 330_000);
        assert_eq!(year.dependent_deduction(20, 0, false), 450_000);
        assert_eq!(year.dependent_deduction(75, 0, true), 450_000);
        assert_eq!(year.dependent_deduction(75, 0, false), 380_000);
        assert_eq!(year.dependent_deduction(30, 600_000, false), 0);
        assert_eq!(year.medical_deduction(300_000, 50_000, 5_000_000), 150_000);
        assert_eq!(year.medical_deduction(300_000, 0, 1_000_000), 250_000);
        assert_eq!(year.medical_deduction(5_000_000, 0, 50_000_000), 2_000_000);
    }
}
