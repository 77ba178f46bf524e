//! Cross-field checks, run on submit: each 所得 from its 収入, totals,
//! caps, income limits of dependents, ages as of 31 December of the income
//! year, numbers that must differ. Errors block the submit; a warning
//! needs the clerk's reason, which is stored with the keying.
//!
//! A form names its rule set; the figures come from its income year.

use std::collections::BTreeMap;

use super::keying::Keying;
use super::schema::{FieldKind, FieldPath, FormSchema};
use super::tax_year::TaxYear;
use crate::domain::wareki::tax_year_age;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The form cannot be submitted until it is put right.
    Error,
    /// The form can be submitted with a reason.
    Warning,
}

/// One finding of a check, naming the fields it concerns. `expected` is
/// the amount the check computed, where there is one: it is shown beside
/// the field (computed from the clerk's own figures, so it reveals nothing
/// another keying holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub fields: Vec<FieldPath>,
    pub expected: Option<i64>,
}

impl Finding {
    fn error(code: &'static str, fields: Vec<FieldPath>, expected: Option<i64>) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            fields,
            expected,
        }
    }

    fn warning(code: &'static str, fields: Vec<FieldPath>) -> Finding {
        Finding {
            code,
            severity: Severity::Warning,
            fields,
            expected: None,
        }
    }

    /// The person at `at` is claimed on another taxpayer's form too (名寄せ):
    /// the service finds that, the clerk confirms it against the paper.
    pub fn claimed_elsewhere(at: FieldPath) -> Finding {
        Finding::warning("claimed_elsewhere", vec![at])
    }

    /// The key a clerk's reason for a warning is filed under:
    /// `code@first_field`.
    pub fn key(&self) -> String {
        match self.fields.first() {
            Some(field) => format!("{}@{field}", self.code),
            None => self.code.to_owned(),
        }
    }

    /// What the service says in English (the workstation shows the code's
    /// text in the clerk's language).
    pub fn message(&self) -> String {
        let fields: Vec<String> = self.fields.iter().map(ToString::to_string).collect();
        let base = describe(self.code);
        match self.expected {
            Some(expected) => format!("{base} ({}: expected {expected})", fields.join(", ")),
            None => format!("{base} ({})", fields.join(", ")),
        }
    }
}

/// Every rule set a form may name, with the codes it can give.
pub const RULE_SETS: [&str; 2] = ["juminzei_shinkoku", "kyuyo_shiharai_hokokusho"];

/// Every finding code, whether it blocks, and its English description.
pub const CODES: [(&str, Severity, &str); 27] = [
    (
        "salary_income",
        Severity::Error,
        "給与所得 does not follow from 給与 revenue",
    ),
    (
        "pension_income",
        Severity::Error,
        "公的年金等 income does not follow from its revenue",
    ),
    (
        "income_exceeds_revenue",
        Severity::Error,
        "an income is larger than its revenue",
    ),
    (
        "interest_income",
        Severity::Error,
        "利子 income must equal its revenue",
    ),
    (
        "misc_total",
        Severity::Error,
        "(10) is not the sum of (7), (8) and (9)",
    ),
    (
        "income_total",
        Severity::Error,
        "(12) is not the sum of the income lines",
    ),
    (
        "life_insurance_cap",
        Severity::Error,
        "生命保険料控除 is above its cap",
    ),
    (
        "earthquake_insurance_cap",
        Severity::Error,
        "地震保険料控除 is above its cap",
    ),
    (
        "basic_deduction",
        Severity::Error,
        "基礎控除 does not match the total income",
    ),
    (
        "widow_single_parent",
        Severity::Error,
        "寡婦・ひとり親控除 is not one of its amounts",
    ),
    (
        "spouse_missing",
        Severity::Error,
        "a spouse deduction is claimed but the spouse is not keyed",
    ),
    (
        "spouse_income_over_limit",
        Severity::Error,
        "the spouse's income is above the limit for 配偶者控除",
    ),
    (
        "spouse_deduction",
        Severity::Error,
        "配偶者控除 is above what the incomes allow",
    ),
    (
        "spouse_both",
        Severity::Error,
        "配偶者控除 and 配偶者特別控除 cannot both be claimed",
    ),
    (
        "spouse_special",
        Severity::Error,
        "配偶者特別控除 is above what the incomes allow",
    ),
    (
        "dependents_deduction",
        Severity::Error,
        "扶養控除 is above what the dependents allow",
    ),
    (
        "dependent_income_over_limit",
        Severity::Error,
        "a dependent's income is above the limit",
    ),
    (
        "specific_relative",
        Severity::Error,
        "特定親族特別控除 is above what the relatives allow",
    ),
    (
        "number_is_taxpayers",
        Severity::Error,
        "a family member's My Number is the taxpayer's own",
    ),
    (
        "number_listed_twice",
        Severity::Error,
        "the same My Number is listed twice",
    ),
    (
        "medical",
        Severity::Error,
        "医療費控除 does not follow from the amounts paid",
    ),
    (
        "withheld_exceeds_paid",
        Severity::Error,
        "the tax withheld is larger than the amount paid",
    ),
    (
        "deductions_total",
        Severity::Error,
        "the total of deductions is less than its listed parts",
    ),
    (
        "large_amount",
        Severity::Warning,
        "an unusually large amount: check it against the paper",
    ),
    (
        "child_older_than_taxpayer",
        Severity::Warning,
        "a child is older than the taxpayer",
    ),
    (
        "claimed_elsewhere",
        Severity::Warning,
        "this person is claimed on another taxpayer's form too (名寄せ)",
    ),
    (
        "jan1_address_differs",
        Severity::Warning,
        "the 1 January address differs: check which city taxes",
    ),
];

fn describe(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or("a check failed", |(_, _, text)| text)
}

/// Runs the form's rule set over a keying that passed its field checks.
pub fn run(schema: &FormSchema, year: &TaxYear, keying: &Keying) -> Vec<Finding> {
    let mut findings = match schema.rules.as_str() {
        "juminzei_shinkoku" => declaration(year, keying),
        "kyuyo_shiharai_hokokusho" => salary_report(year, keying),
        // A form naming no known rule set cannot pass: the schema test
        // keeps this from shipping.
        _ => vec![Finding::error("unknown_rules", vec![], None)],
    };
    findings.extend(large_amounts(schema, year, keying));
    findings
}

fn path(group: &str, field: &str) -> FieldPath {
    FieldPath::new(group, field)
}

/// Equal, or a finding naming the field and what it should be.
fn expect(
    findings: &mut Vec<Finding>,
    code: &'static str,
    keying: &Keying,
    at: FieldPath,
    expected: i64,
) {
    if keying.amount_at(&at) != expected {
        findings.push(Finding::error(code, vec![at], Some(expected)));
    }
}

fn age_at_year_end(keying: &Keying, at: &FieldPath, income_year: i32) -> Option<i32> {
    keying
        .date_at(at)
        .and_then(|birth| tax_year_age(birth, income_year))
}

/// Every My Number on the form but the taxpayer's own, with where it is.
fn family_numbers<'k>(keying: &'k Keying, family: &[FieldPath]) -> Vec<(FieldPath, &'k str)> {
    family
        .iter()
        .filter_map(|p| keying.get(p).map(|n| (p.clone(), n)))
        .collect()
}

fn numbers_distinct(
    findings: &mut Vec<Finding>,
    keying: &Keying,
    own: &FieldPath,
    family: &[FieldPath],
) {
    let own = keying.get(own);
    let mut seen: BTreeMap<&str, FieldPath> = BTreeMap::new();
    for (at, number) in family_numbers(keying, family) {
        if Some(number) == own {
            findings.push(Finding::error(
                "number_is_taxpayers",
                vec![at.clone()],
                None,
            ));
        }
        if let Some(first) = seen.get(number) {
            findings.push(Finding::error(
                "number_listed_twice",
                vec![first.clone(), at.clone()],
                None,
            ));
        } else {
            seen.insert(number, at);
        }
    }
}

fn dependent_rows(keying: &Keying, table: &str, field: &str) -> Vec<FieldPath> {
    (0..keying.rows(table))
        .map(|r| FieldPath::row(table, r, field))
        .collect()
}

/// The My Numbers of the people a form claims as dependents (and the
/// spouse), for the service's check that no two taxpayers claim the same
/// person (名寄せ).
pub fn claimed_numbers<'k>(schema: &FormSchema, keying: &'k Keying) -> Vec<&'k str> {
    let mut paths = dependent_rows(keying, "dependents", "my_number");
    if schema.field(&path("spouse", "my_number")).is_some() {
        paths.push(path("spouse", "my_number"));
    }
    paths.iter().filter_map(|p| keying.get(p)).collect()
}

fn declaration(year: &TaxYear, k: &Keying) -> Vec<Finding> {
    let mut f = Vec::new();
    let y = year.income_year;
    let taxpayer_age = age_at_year_end(k, &path("taxpayer", "birth"), y);

    // Income from revenue.
    if k.has("revenue", "salary") || k.has("income", "salary") {
        let expected = year.salary_income(k.amount("revenue", "salary"));
        expect(
            &mut f,
            "salary_income",
            k,
            path("income", "salary"),
            expected,
        );
    }
    if k.has("revenue", "pension") || k.has("income", "pension") {
        let pay = k.amount("revenue", "pension");
        let other = k.amount("income", "total") - k.amount("income", "pension");
        let deduction = year.pension_deduction(pay, taxpayer_age.unwrap_or(0), other);
        expect(
            &mut f,
            "pension_income",
            k,
            path("income", "pension"),
            (pay - deduction).max(0),
        );
    }
    for line in [
        "business",
        "agriculture",
        "real_estate",
        "dividend",
        "misc_business",
        "misc_other",
    ] {
        if k.amount("income", line) > k.amount("revenue", line) {
            f.push(Finding::error(
                "income_exceeds_revenue",
                vec![path("income", line), path("revenue", line)],
                None,
            ));
        }
    }
    if k.has("revenue", "interest") || k.has("income", "interest") {
        let expected = k.amount("revenue", "interest");
        expect(
            &mut f,
            "interest_income",
            k,
            path("income", "interest"),
            expected,
        );
    }
    let misc = ["pension", "misc_business", "misc_other"]
        .iter()
        .map(|l| k.amount("income", l))
        .sum::<i64>();
    expect(&mut f, "misc_total", k, path("income", "misc_total"), misc);
    let total = [
        "business",
        "agriculture",
        "real_estate",
        "interest",
        "dividend",
        "salary",
        "misc_total",
        "transfer_occasional",
    ]
    .iter()
    .map(|l| k.amount("income", l))
    .sum::<i64>();
    expect(&mut f, "income_total", k, path("income", "total"), total);
    let total = k.amount("income", "total");

    // Deductions within their caps and tables.
    let d = &year.deductions;
    if k.amount("deductions", "life_insurance") > d.life_insurance_cap {
        let at = path("deductions", "life_insurance");
        f.push(Finding::error(
            "life_insurance_cap",
            vec![at],
            Some(d.life_insurance_cap),
        ));
    }
    if k.amount("deductions", "earthquake_insurance") > d.earthquake_insurance_cap {
        let at = path("deductions", "earthquake_insurance");
        let cap = d.earthquake_insurance_cap;
        f.push(Finding::error(
            "earthquake_insurance_cap",
            vec![at],
            Some(cap),
        ));
    }
    expect(
        &mut f,
        "basic_deduction",
        k,
        path("deductions", "basic"),
        year.basic_deduction(total),
    );
    let widow = k.amount("deductions", "widow_single_parent");
    if ![0, d.widow, d.single_parent].contains(&widow) {
        f.push(Finding::error(
            "widow_single_parent",
            vec![path("deductions", "widow_single_parent")],
            None,
        ));
    }
    if k.has("deductions", "medical") || k.amount("deductions", "medical_paid") > 0 {
        let expected = year.medical_deduction(
            k.amount("deductions", "medical_paid"),
            k.amount("deductions", "medical_reimbursed"),
            total,
        );
        expect(
            &mut f,
            "medical",
            k,
            path("deductions", "medical"),
            expected,
        );
    }

    // The spouse.
    let spouse = k.amount("deductions", "spouse");
    let special = k.amount("deductions", "spouse_special");
    let spouse_income = k.amount("spouse", "income");
    if (spouse > 0 || special > 0) && !(k.has("spouse", "name") && k.has("spouse", "my_number")) {
        f.push(Finding::error(
            "spouse_missing",
            vec![path("spouse", "name"), path("spouse", "my_number")],
            None,
        ));
    }
    if spouse > 0 && special > 0 {
        f.push(Finding::error(
            "spouse_both",
            vec![
                path("deductions", "spouse"),
                path("deductions", "spouse_special"),
            ],
            None,
        ));
    }
    if spouse > 0 {
        if spouse_income > year.spouse.income_limit {
            f.push(Finding::error(
                "spouse_income_over_limit",
                vec![path("spouse", "income")],
                Some(year.spouse.income_limit),
            ));
        }
        let elderly = age_at_year_end(k, &path("spouse", "birth"), y)
            .is_some_and(|a| a >= year.spouse.elderly_age);
        let allowed = year.spouse_deduction(total, elderly);
        if spouse > allowed {
            f.push(Finding::error(
                "spouse_deduction",
                vec![path("deductions", "spouse")],
                Some(allowed),
            ));
        }
    }
    if special > 0 {
        let allowed = if total <= year.spouse.taxpayer_income_limit {
            year.spouse_special(spouse_income)
        } else {
            0
        };
        if special > allowed {
            let at = path("deductions", "spouse_special");
            f.push(Finding::error("spouse_special", vec![at], Some(allowed)));
        }
    }

    // Dependents: each one's age at the year's end and income.
    let mut dependents_allowed = 0;
    let mut relatives_allowed = 0;
    for row in 0..k.rows("dependents") {
        let at = |field| FieldPath::row("dependents", row, field);
        let income = k.amount_at(&at("income"));
        let age = age_at_year_end(k, &at("birth"), y).unwrap_or(0);
        let parent_together =
            k.get(&at("relation")) == Some("parent") && k.get(&at("living")) == Some("together");
        dependents_allowed += year.dependent_deduction(age, income, parent_together);
        relatives_allowed += year.specific_relative(age, income);
        let relative = year.specific_relative(age, income) > 0;
        if age >= year.dependents.deduction_from_age
            && income > year.dependents.income_limit
            && !relative
        {
            f.push(Finding::error(
                "dependent_income_over_limit",
                vec![at("income")],
                Some(year.dependents.income_limit),
            ));
        }
        if k.get(&at("relation")) == Some("child")
            && let (Some(child), Some(own)) = (
                k.date_at(&at("birth")),
                k.date_at(&path("taxpayer", "birth")),
            )
            && child < own
        {
            f.push(Finding::warning(
                "child_older_than_taxpayer",
                vec![at("birth")],
            ));
        }
    }
    if k.amount("deductions", "dependents") > dependents_allowed {
        let at = path("deductions", "dependents");
        f.push(Finding::error(
            "dependents_deduction",
            vec![at],
            Some(dependents_allowed),
        ));
    }
    if k.amount("deductions", "specific_relative") > relatives_allowed {
        let at = path("deductions", "specific_relative");
        f.push(Finding::error(
            "specific_relative",
            vec![at],
            Some(relatives_allowed),
        ));
    }

    // Numbers: no family member is the taxpayer, nobody is listed twice.
    let mut family = vec![path("spouse", "my_number")];
    family.extend(dependent_rows(k, "dependents", "my_number"));
    numbers_distinct(&mut f, k, &path("taxpayer", "my_number"), &family);

    if let (Some(now), Some(jan1)) = (
        k.get(&path("taxpayer", "address")),
        k.get(&path("taxpayer", "jan1_address")),
    ) && now != jan1
    {
        f.push(Finding::warning(
            "jan1_address_differs",
            vec![path("taxpayer", "jan1_address")],
        ));
    }
    f
}

fn salary_report(year: &TaxYear, k: &Keying) -> Vec<Finding> {
    let mut f = Vec::new();
    let paid = k.amount("amounts", "paid");
    expect(
        &mut f,
        "salary_income",
        k,
        path("amounts", "after_deduction"),
        year.salary_income(paid),
    );
    if k.amount("amounts", "withheld") > paid {
        f.push(Finding::error(
            "withheld_exceeds_paid",
            vec![path("amounts", "withheld"), path("amounts", "paid")],
            None,
        ));
    }
    let parts = ["social_insurance", "life_insurance", "earthquake_insurance"]
        .iter()
        .map(|p| k.amount("amounts", p))
        .sum::<i64>();
    if k.amount("amounts", "deductions_total") < parts {
        let at = path("amounts", "deductions_total");
        f.push(Finding::error("deductions_total", vec![at], Some(parts)));
    }
    if k.amount("amounts", "life_insurance") > year.deductions.life_insurance_cap {
        let cap = year.deductions.life_insurance_cap;
        f.push(Finding::error(
            "life_insurance_cap",
            vec![path("amounts", "life_insurance")],
            Some(cap),
        ));
    }
    let family = dependent_rows(k, "dependents", "my_number");
    numbers_distinct(&mut f, k, &path("recipient", "my_number"), &family);
    f
}

fn large_amounts(schema: &FormSchema, year: &TaxYear, keying: &Keying) -> Vec<Finding> {
    keying
        .paths()
        .filter(|p| schema.field(p).is_some_and(|s| s.kind == FieldKind::Amount))
        .filter(|p| keying.amount_at(p).abs() >= year.warnings.large_amount)
        .map(|p| Finding::warning("large_amount", vec![p.clone()]))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
