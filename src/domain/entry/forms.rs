//! The forms and income years bansho ships, embedded from `forms/`.

use std::sync::OnceLock;

use super::schema::{FormSchema, SchemaError};
use super::tax_year::TaxYear;

const FORM_FILES: [(&str, &str); 2] = [
    (
        "forms/juminzei-shinkoku.toml",
        include_str!("../../../forms/juminzei-shinkoku.toml"),
    ),
    (
        "forms/kyuyo-shiharai-hokokusho.toml",
        include_str!("../../../forms/kyuyo-shiharai-hokokusho.toml"),
    ),
];

const TAX_YEAR_FILES: [(&str, &str); 1] = [(
    "forms/tax-years/2025.toml",
    include_str!("../../../forms/tax-years/2025.toml"),
)];

fn load<T>(
    files: &[(&str, &str)],
    read: fn(&str, &str) -> Result<T, SchemaError>,
) -> Result<Vec<T>, SchemaError> {
    files.iter().map(|(file, text)| read(file, text)).collect()
}

fn builtin_forms() -> &'static Result<Vec<FormSchema>, SchemaError> {
    static FORMS: OnceLock<Result<Vec<FormSchema>, SchemaError>> = OnceLock::new();
    FORMS.get_or_init(|| load(&FORM_FILES, FormSchema::from_toml))
}

fn builtin_years() -> &'static Result<Vec<TaxYear>, SchemaError> {
    static YEARS: OnceLock<Result<Vec<TaxYear>, SchemaError>> = OnceLock::new();
    YEARS.get_or_init(|| load(&TAX_YEAR_FILES, TaxYear::from_toml))
}

/// Every shipped form; an error names the file that does not parse (a
/// test keeps that from ever shipping).
pub fn forms() -> Result<&'static [FormSchema], SchemaError> {
    builtin_forms().as_deref().map_err(Clone::clone)
}

/// The form with `id`.
pub fn form(id: &str) -> Option<&'static FormSchema> {
    forms().ok()?.iter().find(|f| f.id == id)
}

/// The figures of an income year.
pub fn tax_year(income_year: i32) -> Option<&'static TaxYear> {
    builtin_years()
        .as_ref()
        .ok()?
        .iter()
        .find(|y| y.income_year == income_year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_form_and_year_parses_and_each_form_has_its_year() {
        let forms = forms().unwrap();
        assert_eq!(forms.len(), FORM_FILES.len());
        for form in forms {
            assert!(tax_year(form.income_year).is_some(), "{}", form.id);
        }
        let declaration = form("juminzei_shinkoku").unwrap();
        assert!(
            declaration.field_count() >= 25,
            "{}",
            declaration.field_count()
        );
        assert!(form("kyuyo_shiharai_hokokusho").is_some());
    }
}
