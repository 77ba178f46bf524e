//! Paper declarations for the entry benchmarks: a 住民税申告書 as a taxpayer
//! fills it in, for a synthetic resident, with figures that follow from the
//! income year's tables (給与所得 from pay, 公的年金等控除 by age, 基礎控除,
//! spouse and dependents' deductions), so the true form passes every check.
//!
//! Each field holds the text a clerk types from the paper: amounts as
//! plain digits (a numeric keypad), dates as the office's 7-digit era code
//! (`3500315` for 昭和50年3月15日), numbers as their digits.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use time::{Date, Month};

use crate::domain::entry::checks::{self, Finding};
use crate::domain::entry::keying::{Keying, KeyingError};
use crate::domain::entry::schema::{FieldPath, FormSchema};
use crate::domain::entry::tax_year::TaxYear;
use crate::domain::my_number::MyNumber;
use crate::domain::resident::{ResidentStatus, Sex};
use crate::domain::synth::{FEMALE_NAMES, MALE_NAMES, SyntheticResident};
use crate::domain::wareki::{tax_year_age, to_wareki_code};

/// The form the benchmarks key.
pub const FORM: &str = "juminzei_shinkoku";

/// One declaration on paper: what is written in each field, by place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    /// The internal person number of the taxpayer.
    pub person: String,
    pub fields: BTreeMap<FieldPath, String>,
}

impl Paper {
    /// The typed text of every field, by field name, as the API takes it.
    pub fn typed(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|(p, v)| (p.to_string(), v.clone()))
            .collect()
    }

    /// The rows of `table` written on the paper.
    pub fn rows(&self, table: &str) -> usize {
        self.fields
            .keys()
            .filter(|p| p.group == table)
            .filter_map(|p| p.row.map(|r| r + 1))
            .max()
            .unwrap_or(0)
    }

    /// The checked values the paper holds: what a committed record of it
    /// must be.
    pub fn truth(&self, schema: &FormSchema) -> Result<Keying, Vec<KeyingError>> {
        Keying::check(schema, &self.typed())
    }
}

/// Why a drawn declaration is not one the service would take.
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error("a drawn declaration fails its field checks: {0:?}")]
    Fields(Vec<String>),
    #[error("a drawn declaration fails its cross-field checks: {0:?}")]
    Checks(Vec<&'static str>),
}

/// Whether a resident can be a taxpayer of the income year: living here,
/// an adult, not under a support measure.
pub fn can_declare(resident: &SyntheticResident, income_year: i32) -> bool {
    let age = tax_year_age(resident.birth_date, income_year).unwrap_or(0);
    resident.status == ResidentStatus::Resident
        && !resident.support_measure
        && (20..=90).contains(&age)
}

/// A declaration for `resident`, checked with the form's own field and
/// cross-field checks: it is returned only if it passes every one with no
/// warning.
pub fn declaration(
    schema: &FormSchema,
    year: &TaxYear,
    resident: &SyntheticResident,
    rng: &mut impl Rng,
) -> Result<Paper, PaperError> {
    let paper = draw(year, resident, rng);
    let keying = paper.truth(schema).map_err(|errors| {
        PaperError::Fields(errors.iter().map(|e| e.code().to_owned()).collect())
    })?;
    let findings: Vec<Finding> = checks::run(schema, year, &keying);
    if !findings.is_empty() {
        return Err(PaperError::Checks(
            findings.iter().map(|f| f.code).collect(),
        ));
    }
    Ok(paper)
}

/// The date as a clerk keys it: the era code, or ISO before 明治.
fn date_text(date: Date) -> String {
    to_wareki_code(date).unwrap_or_else(|| date.to_string())
}

/// A date in `year` on a day every month has.
fn date_in(year: i32, rng: &mut impl Rng) -> Date {
    let month = Month::try_from(rng.random_range(1..=12u8)).unwrap_or(Month::January);
    let day = rng.random_range(1..=28u8);
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

/// Yen: a value in `range`, to the yen as pay and premiums are.
fn yen(rng: &mut impl Rng, range: std::ops::RangeInclusive<i64>) -> i64 {
    rng.random_range(range)
}

/// A random valid My Number not yet in `taken`.
fn fresh_number(rng: &mut impl Rng, taken: &mut BTreeSet<String>) -> String {
    loop {
        let mut base = [0u8; 11];
        for d in &mut base {
            *d = rng.random_range(0..10);
        }
        let number = MyNumber::from_base(&base).expose().to_owned();
        if number != "000000000000" && taken.insert(number.clone()) {
            return number;
        }
    }
}

fn given_name(rng: &mut impl Rng, sex: Sex) -> &'static str {
    let names = match sex {
        Sex::Male => MALE_NAMES,
        Sex::Female => FEMALE_NAMES,
    };
    names[rng.random_range(0..names.len())].0
}

fn other(sex: Sex) -> Sex {
    match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

/// Builds the fields of one declaration.
struct Sheet {
    fields: BTreeMap<FieldPath, String>,
}

impl Sheet {
    fn put(&mut self, group: &str, field: &str, text: impl Into<String>) {
        self.fields
            .insert(FieldPath::new(group, field), text.into());
    }

    /// An amount, written only when it is not zero (blank lines are zero).
    fn amount(&mut self, group: &str, field: &str, amount: i64) {
        if amount != 0 {
            self.put(group, field, amount.to_string());
        }
    }

    fn row(&mut self, row: usize, field: &str, text: impl Into<String>) {
        self.fields
            .insert(FieldPath::row("dependents", row, field), text.into());
    }
}

/// A family member claimed on the form.
struct Dependent {
    name: String,
    birth: Date,
    relation: &'static str,
    together: bool,
    income: i64,
}

fn draw(year: &TaxYear, r: &SyntheticResident, rng: &mut impl Rng) -> Paper {
    let y = year.income_year;
    let age = tax_year_age(r.birth_date, y).unwrap_or(40);
    let mut sheet = Sheet {
        fields: BTreeMap::new(),
    };
    let mut numbers: BTreeSet<String> = [r.my_number.expose().to_owned()].into();

    sheet.put("taxpayer", "address", r.address.clone());
    sheet.put(
        "taxpayer",
        "name",
        format!("{}\u{3000}{}", r.family_name, r.given_name),
    );
    sheet.put(
        "taxpayer",
        "kana",
        format!("{}\u{3000}{}", r.family_kana, r.given_kana),
    );
    sheet.put("taxpayer", "birth", date_text(r.birth_date));
    sheet.put("taxpayer", "sex", r.sex.as_str());
    if rng.random_bool(0.6) {
        let phone = if rng.random_bool(0.7) {
            format!(
                "0{}0-{:04}-{:04}",
                rng.random_range(7..=9),
                rng.random_range(0..10_000),
                rng.random_range(0..10_000)
            )
        } else {
            format!(
                "011-{:03}-{:04}",
                rng.random_range(200..1000),
                rng.random_range(0..10_000)
            )
        };
        sheet.put("taxpayer", "phone", phone);
    }
    sheet.put("taxpayer", "my_number", r.my_number.expose());

    // Revenue and income.
    let retired = age >= 65;
    let roll: f64 = rng.random();
    let salary_pay = match (retired, roll) {
        (false, x) if x < 0.88 => yen(rng, 1_200_000..=3_000_000) + yen(rng, 0..=6_000_000),
        (true, x) if x < 0.25 => yen(rng, 400_000..=1_800_000),
        _ => 0,
    };
    let (business_revenue, business_income) = if !retired && roll >= 0.88 {
        let revenue = yen(rng, 3_000_000..=18_000_000);
        let expenses = revenue * rng.random_range(50..=85) / 100;
        (revenue, revenue - expenses)
    } else {
        (0, 0)
    };
    let (misc_revenue, misc_income) = if rng.random_bool(0.08) {
        let revenue = yen(rng, 100_000..=800_000);
        (revenue, revenue - revenue * rng.random_range(0..=30) / 100)
    } else {
        (0, 0)
    };
    let salary_income = year.salary_income(salary_pay);
    let pension_pay = if retired {
        yen(rng, 800_000..=3_500_000)
    } else {
        0
    };
    let other_income = salary_income + business_income + misc_income;
    let pension_income = if pension_pay > 0 {
        (pension_pay - year.pension_deduction(pension_pay, age, other_income)).max(0)
    } else {
        0
    };
    sheet.amount("revenue", "business", business_revenue);
    sheet.amount("revenue", "salary", salary_pay);
    sheet.amount("revenue", "pension", pension_pay);
    sheet.amount("revenue", "misc_other", misc_revenue);
    sheet.amount("income", "business", business_income);
    if salary_pay > 0 {
        sheet.put("income", "salary", salary_income.to_string());
    }
    if pension_pay > 0 {
        sheet.put("income", "pension", pension_income.to_string());
    }
    sheet.amount("income", "misc_other", misc_income);
    let misc_total = pension_income + misc_income;
    sheet.amount("income", "misc_total", misc_total);
    let total = business_income + salary_income + misc_total;
    sheet.put("income", "total", total.to_string());

    // Deductions the taxpayer paid for.
    let social = salary_pay * rng.random_range(140..=152) / 1000
        + business_income * rng.random_range(80..=120) / 1000
        + pension_pay * rng.random_range(40..=90) / 1000;
    sheet.amount("deductions", "social_insurance", social);
    if business_income > 0 && rng.random_bool(0.3) {
        let small = rng.random_range(1..=70) * 12_000;
        sheet.amount("deductions", "small_enterprise", small);
    }
    if rng.random_bool(0.6) {
        let cap = year.deductions.life_insurance_cap;
        sheet.amount("deductions", "life_insurance", yen(rng, 10_000..=cap));
    }
    if rng.random_bool(0.25) {
        let cap = year.deductions.earthquake_insurance_cap;
        sheet.amount("deductions", "earthquake_insurance", yen(rng, 1_000..=cap));
    }
    if rng.random_bool(0.02) {
        sheet.amount(
            "deductions",
            "student_disability",
            year.deductions.disability,
        );
    }
    sheet.put(
        "deductions",
        "basic",
        year.basic_deduction(total).to_string(),
    );
    if rng.random_bool(0.12) {
        let paid = yen(rng, 100_000..=600_000);
        let reimbursed = if rng.random_bool(0.4) {
            yen(rng, 10_000..=paid / 3)
        } else {
            0
        };
        sheet.put("deductions", "medical_paid", paid.to_string());
        sheet.amount("deductions", "medical_reimbursed", reimbursed);
        let medical = year.medical_deduction(paid, reimbursed, total);
        sheet.put("deductions", "medical", medical.to_string());
    }

    // The spouse.
    let married = match age {
        25..=34 => rng.random_bool(0.4),
        35..=64 => rng.random_bool(0.65),
        65.. => rng.random_bool(0.6),
        _ => false,
    };
    if married {
        let spouse_sex = other(r.sex);
        let birth = date_in(r.birth_date.year() + rng.random_range(-6..=6), rng);
        let spouse_age = tax_year_age(birth, y).unwrap_or(age);
        let income = match rng.random_range(0..100) {
            0..55 => 0,
            55..80 => yen(rng, 1..=year.spouse.income_limit),
            _ => yen(rng, year.spouse.income_limit + 1..=1_330_000),
        };
        let name = format!("{}\u{3000}{}", r.family_name, given_name(rng, spouse_sex));
        sheet.put("spouse", "name", name);
        sheet.put("spouse", "my_number", fresh_number(rng, &mut numbers));
        sheet.put("spouse", "birth", date_text(birth));
        sheet.amount("spouse", "income", income);
        let living = if rng.random_bool(0.92) {
            "together"
        } else {
            "apart"
        };
        sheet.put("spouse", "living", living);
        if income <= year.spouse.income_limit {
            let elderly = spouse_age >= year.spouse.elderly_age;
            sheet.amount(
                "deductions",
                "spouse",
                year.spouse_deduction(total, elderly),
            );
        } else if total <= year.spouse.taxpayer_income_limit {
            sheet.amount("deductions", "spouse_special", year.spouse_special(income));
        }
    } else if (25..=64).contains(&age) && rng.random_bool(0.06) {
        // A single parent or a widow: only on forms without a spouse.
        let amount = if r.sex == Sex::Female && rng.random_bool(0.3) {
            year.deductions.widow
        } else {
            year.deductions.single_parent
        };
        sheet.amount("deductions", "widow_single_parent", amount);
    }

    // Dependents: children, and now and then an elderly parent.
    let mut family: Vec<Dependent> = Vec::new();
    if (25..=60).contains(&age) {
        let children = match rng.random_range(0..100) {
            0..40 => 0,
            40..65 => 1,
            65..90 => 2,
            _ => 3,
        };
        for _ in 0..children {
            let oldest = (age - 20).min(24);
            let child_age = rng.random_range(0..=oldest);
            let birth = date_in(y - child_age, rng);
            let child_age = tax_year_age(birth, y).unwrap_or(0);
            let ages = year.specific_relative.ages;
            let income = if ages.contains(child_age) && rng.random_bool(0.3) {
                yen(rng, 100_000..=1_200_000)
            } else if child_age >= 16 && rng.random_bool(0.1) {
                yen(rng, 10_000..=year.dependents.income_limit)
            } else {
                0
            };
            family.push(Dependent {
                name: format!("{}\u{3000}{}", r.family_name, given_name(rng, Sex::Female)),
                birth,
                relation: "child",
                together: rng.random_bool(0.9),
                income,
            });
        }
    }
    if (40..=65).contains(&age) && rng.random_bool(0.1) {
        let birth = date_in(r.birth_date.year() - rng.random_range(25..=35), rng);
        let income = if rng.random_bool(0.5) {
            yen(rng, 10_000..=480_000)
        } else {
            0
        };
        family.push(Dependent {
            name: format!("{}\u{3000}{}", r.family_name, given_name(rng, Sex::Male)),
            birth,
            relation: "parent",
            together: rng.random_bool(0.6),
            income,
        });
    }
    let mut dependents = 0;
    let mut relatives = 0;
    for (row, d) in family.iter().enumerate() {
        let d_age = tax_year_age(d.birth, y).unwrap_or(0);
        let parent_together = d.relation == "parent" && d.together;
        dependents += year.dependent_deduction(d_age, d.income, parent_together);
        relatives += year.specific_relative(d_age, d.income);
        sheet.row(row, "name", d.name.clone());
        sheet.row(row, "my_number", fresh_number(rng, &mut numbers));
        sheet.row(row, "relation", d.relation);
        sheet.row(row, "birth", date_text(d.birth));
        sheet.row(row, "living", if d.together { "together" } else { "apart" });
        if d.income > 0 {
            sheet.row(row, "income", d.income.to_string());
        }
    }
    sheet.amount("deductions", "dependents", dependents);
    sheet.amount("deductions", "specific_relative", relatives);

    let method = if salary_pay > 0 && !retired {
        "special"
    } else {
        "ordinary"
    };
    sheet.put("collection", "method", method);
    Paper {
        person: r.person_number.as_str().to_owned(),
        fields: sheet.fields,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::domain::entry::forms;
    use crate::domain::synth;

    #[test]
    fn drawn_declarations_pass_every_check_and_vary_as_real_ones_do() {
        let schema = forms::form(FORM).unwrap();
        let year = forms::tax_year(schema.income_year).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut drawn = 0;
        for index in 0..3_000 {
            let resident = synth::generate(1, index);
            if !can_declare(&resident, year.income_year) {
                continue;
            }
            drawn += 1;
            let paper = declaration(schema, year, &resident, &mut rng)
                .unwrap_or_else(|e| panic!("resident {index}: {e}"));
            for (field, key) in [
                (FieldPath::new("revenue", "salary"), "salary"),
                (FieldPath::new("revenue", "pension"), "pension"),
                (FieldPath::new("revenue", "business"), "business"),
                (FieldPath::new("deductions", "spouse"), "spouse"),
                (
                    FieldPath::new("deductions", "spouse_special"),
                    "spouse_special",
                ),
                (FieldPath::new("deductions", "dependents"), "dependents"),
                (
                    FieldPath::new("deductions", "specific_relative"),
                    "specific_relative",
                ),
                (FieldPath::new("deductions", "medical"), "medical"),
                (FieldPath::new("taxpayer", "phone"), "phone"),
            ] {
                if paper.fields.contains_key(&field) {
                    *seen.entry(key).or_default() += 1;
                }
            }
            if paper.rows("dependents") > 0 {
                *seen.entry("with dependents").or_default() += 1;
            }
        }
        assert!(drawn > 1_500, "{drawn}");
        // Every kind of declaration the checks know is drawn now and then.
        for key in [
            "salary",
            "pension",
            "business",
            "spouse",
            "spouse_special",
            "dependents",
            "specific_relative",
            "medical",
            "phone",
            "with dependents",
        ] {
            assert!(seen.get(key).copied().unwrap_or(0) >= 10, "{key}: {seen:?}");
        }
    }

    #[test]
    fn dates_and_amounts_are_written_as_a_clerk_keys_them() {
        let schema = forms::form(FORM).unwrap();
        let year = forms::tax_year(schema.income_year).unwrap();
        let resident = (0..)
            .map(|i| synth::generate(1, i))
            .find(|r| can_declare(r, year.income_year))
            .unwrap();
        let paper = declaration(schema, year, &resident, &mut StdRng::seed_from_u64(1)).unwrap();
        let birth = &paper.fields[&FieldPath::new("taxpayer", "birth")];
        assert_eq!(birth.len(), 7, "{birth}");
        assert!(birth.bytes().all(|b| b.is_ascii_digit()), "{birth}");
        let total = &paper.fields[&FieldPath::new("income", "total")];
        assert!(total.bytes().all(|b| b.is_ascii_digit()), "{total}");
        assert_eq!(paper.person, resident.person_number.as_str());
    }
}
