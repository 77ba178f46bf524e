use std::collections::BTreeMap;

use super::*;
use crate::domain::entry::forms::{form, tax_year};
use crate::domain::entry::keying::Keying;

/// A salaried taxpayer with a spouse, a student child and a younger one;
/// every figure consistent. The My Numbers pass their check digit.
pub(crate) fn declaration_typed() -> BTreeMap<String, String> {
    [
        ("taxpayer.address", "番所市栄町5丁目23番3号"),
        ("taxpayer.jan1_address", "番所市栄町5丁目23番3号"),
        ("taxpayer.name", "山田 太郎"),
        ("taxpayer.kana", "ヤマダ タロウ"),
        ("taxpayer.birth", "S55.4.1"),
        ("taxpayer.sex", "male"),
        ("taxpayer.my_number", "123456789018"),
        ("revenue.salary", "5,000,000"),
        ("income.salary", "3,560,000"),
        ("income.misc_total", "0"),
        ("income.total", "3,560,000"),
        ("deductions.social_insurance", "720,000"),
        ("deductions.life_insurance", "70,000"),
        ("deductions.spouse", "330,000"),
        ("deductions.dependents", "450,000"),
        ("deductions.basic", "430,000"),
        ("spouse.name", "山田 花子"),
        ("spouse.my_number", "234567890121"),
        ("spouse.birth", "S57.6.10"),
        ("spouse.income", "0"),
        ("spouse.living", "together"),
        ("collection.method", "special"),
        ("dependents[0].name", "山田 一郎"),
        ("dependents[0].my_number", "345678901234"),
        ("dependents[0].relation", "child"),
        ("dependents[0].birth", "2005-05-05"),
        ("dependents[0].living", "together"),
        ("dependents[0].income", "0"),
        ("dependents[1].name", "山田 二郎"),
        ("dependents[1].my_number", "456789012346"),
        ("dependents[1].relation", "child"),
        ("dependents[1].birth", "2012-08-08"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn findings(typed: &BTreeMap<String, String>) -> Vec<Finding> {
    let schema = form("juminzei_shinkoku").unwrap();
    let keying = Keying::check(schema, typed).unwrap();
    run(schema, tax_year(schema.income_year).unwrap(), &keying)
}

fn codes(typed: &BTreeMap<String, String>) -> Vec<&'static str> {
    findings(typed).iter().map(|f| f.code).collect()
}

fn with(changes: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut typed = declaration_typed();
    for (k, v) in changes {
        if v.is_empty() {
            typed.remove(*k);
        } else {
            typed.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    typed
}

#[test]
fn a_consistent_declaration_passes_every_check() {
    assert_eq!(findings(&declaration_typed()), vec![]);
}

#[test]
fn salary_income_and_totals_follow_from_revenue() {
    let found = findings(&with(&[
        ("income.salary", "3,650,000"),
        ("income.total", "3,650,000"),
    ]));
    let salary = found.iter().find(|f| f.code == "salary_income").unwrap();
    assert_eq!(salary.expected, Some(3_560_000));
    assert_eq!(salary.fields, vec![FieldPath::new("income", "salary")]);
    // ⑫ itself is the sum of what was keyed, so only ⑥ is wrong.
    assert!(!found.iter().any(|f| f.code == "income_total"), "{found:?}");

    assert_eq!(
        codes(&with(&[("income.total", "3,650,000")])),
        vec!["income_total"]
    );
}

#[test]
fn caps_and_income_limits_of_the_family_are_enforced() {
    assert!(
        codes(&with(&[("deductions.life_insurance", "80,000")])).contains(&"life_insurance_cap")
    );
    assert!(codes(&with(&[("spouse.income", "600,000")])).contains(&"spouse_income_over_limit"));
    assert!(codes(&with(&[("deductions.spouse_special", "330,000")])).contains(&"spouse_both"));
    // The student child is 20 at the year's end: 特定扶養 45万; a third
    // child under 16 adds nothing.
    assert!(
        codes(&with(&[("deductions.dependents", "780,000")])).contains(&"dependents_deduction")
    );
    let over = findings(&with(&[
        ("dependents[0].birth", "1990-01-01"),
        ("dependents[0].income", "700,000"),
    ]));
    assert!(
        over.iter().any(|f| f.code == "dependent_income_over_limit"),
        "{over:?}"
    );
}

#[test]
fn ages_are_counted_at_the_end_of_the_income_year() {
    // Born 2003-01-02: 22 at the end of 2025 (特定扶養, 45万). Born
    // 2003-01-01: 23 already, since an age is reached at the end of the
    // day before the birthday; a general dependent (33万), so 45万 is over.
    assert_eq!(
        codes(&with(&[("dependents[0].birth", "2003-01-02")])),
        Vec::<&str>::new()
    );
    let older = findings(&with(&[("dependents[0].birth", "2003-01-01")]));
    let f = older
        .iter()
        .find(|f| f.code == "dependents_deduction")
        .unwrap();
    assert_eq!(f.expected, Some(330_000));
}

#[test]
fn family_numbers_differ_from_the_taxpayers_and_from_each_other() {
    let own = codes(&with(&[("dependents[0].my_number", "123456789018")]));
    assert!(own.contains(&"number_is_taxpayers"), "{own:?}");
    let twice = findings(&with(&[("dependents[1].my_number", "345678901234")]));
    let f = twice
        .iter()
        .find(|f| f.code == "number_listed_twice")
        .unwrap();
    assert_eq!(f.fields.len(), 2);
}

#[test]
fn warnings_name_what_to_confirm() {
    let w = findings(&with(&[("taxpayer.jan1_address", "東京都千代田区1-1")]));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].key(), "jan1_address_differs@taxpayer.jan1_address");
    let child = codes(&with(&[("dependents[1].birth", "1970-01-01")]));
    assert!(child.contains(&"child_older_than_taxpayer"), "{child:?}");
}

#[test]
fn medical_expenses_follow_the_threshold_and_cap() {
    // 5% of 3,560,000 is 178,000: the threshold is 100,000.
    let ok = with(&[
        ("deductions.medical_paid", "300,000"),
        ("deductions.medical", "200,000"),
    ]);
    assert_eq!(codes(&ok), Vec::<&str>::new());
    let wrong = findings(&with(&[
        ("deductions.medical_paid", "300,000"),
        ("deductions.medical", "300,000"),
    ]));
    assert_eq!(wrong[0].code, "medical");
    assert_eq!(wrong[0].expected, Some(200_000));
}

#[test]
fn the_employers_report_checks_its_own_figures() {
    let schema = form("kyuyo_shiharai_hokokusho").unwrap();
    let typed: BTreeMap<String, String> = [
        ("payer.name", "株式会社番所"),
        ("payer.address", "番所市本町1-1"),
        ("payer.corporate_number", "7000012050002"),
        ("recipient.address", "番所市栄町5丁目23番3号"),
        ("recipient.name", "山田 太郎"),
        ("recipient.birth", "1980-04-01"),
        ("recipient.my_number", "123456789018"),
        ("amounts.paid", "5,000,000"),
        ("amounts.after_deduction", "3,560,000"),
        ("amounts.deductions_total", "1,220,000"),
        ("amounts.withheld", "98,000"),
        ("amounts.social_insurance", "720,000"),
        ("amounts.life_insurance", "40,000"),
        ("dependents[0].name", "山田 一郎"),
        ("dependents[0].my_number", "123456789018"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let keying = Keying::check(schema, &typed).unwrap();
    let found: Vec<&str> = run(schema, tax_year(2025).unwrap(), &keying)
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(found, vec!["number_is_taxpayers"]);
}

#[test]
fn every_rule_set_is_known_and_every_code_described_once() {
    for form in crate::domain::entry::forms::forms().unwrap() {
        assert!(RULE_SETS.contains(&form.rules.as_str()), "{}", form.id);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (code, _, text) in CODES {
        assert!(seen.insert(code), "{code} twice");
        assert!(!text.is_empty());
    }
}
