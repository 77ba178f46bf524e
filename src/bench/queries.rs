//! Search queries of each kind a clerk types, drawn from the synthetic
//! residents actually in the store, so every query finds its person.

use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::domain::synth::{self, Origin};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MyNumber,
    PersonNumber,
    BirthDate,
    KanaPrefix,
    KanjiName,
    Address,
    Combination,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::MyNumber,
        Kind::PersonNumber,
        Kind::BirthDate,
        Kind::KanaPrefix,
        Kind::KanjiName,
        Kind::Address,
        Kind::Combination,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::MyNumber => "My Number",
            Kind::PersonNumber => "person number",
            Kind::BirthDate => "date of birth",
            Kind::KanaPrefix => "kana prefix",
            Kind::KanjiName => "kanji name (variant)",
            Kind::Address => "address fragment",
            Kind::Combination => "kana + date of birth",
        }
    }

    /// What the query looks like, for the documentation.
    pub fn example(self) -> &'static str {
        match self {
            Kind::MyNumber => "123456789018",
            Kind::PersonNumber => "1000012345",
            Kind::BirthDate => "1961-03-15",
            Kind::KanaPrefix => "サトウ (family reading: thousands match)",
            Kind::KanjiName => "髙橋一郎 (typed with the other spelling)",
            Kind::Address => "平岸3条5丁目2番10号 (本町3丁目4番5号 in the ten towns)",
            Kind::Combination => "サトウ 1961-03-15",
        }
    }
}

/// Spellings a clerk may type for a stored family name (異体字 both ways).
const VARIANTS: &[(&str, &str)] = &[
    ("高橋", "髙橋"),
    ("髙橋", "高橋"),
    ("渡辺", "渡邊"),
    ("渡邊", "渡辺"),
    ("渡邉", "渡辺"),
    ("斎藤", "齋藤"),
    ("齋藤", "斎藤"),
    ("齊藤", "斉藤"),
    ("山崎", "山﨑"),
    ("山﨑", "山崎"),
    ("宮崎", "宮﨑"),
    ("浜田", "濱田"),
    ("沢田", "澤田"),
    ("吉田", "𠮷田"),
    ("桜井", "櫻井"),
    ("中島", "中嶋"),
];

/// One query of `kind` about resident `index`.
pub fn query(kind: Kind, origin: Origin, index: u64) -> String {
    let r = origin.resident(index);
    match kind {
        Kind::MyNumber => r.my_number.expose().to_string(),
        Kind::PersonNumber => r.person_number.as_str().to_string(),
        Kind::BirthDate => r.birth_date.to_string(),
        Kind::KanaPrefix => r.family_kana,
        Kind::KanjiName => {
            let family = VARIANTS
                .iter()
                .find(|(stored, _)| *stored == r.family_name)
                .map(|(_, typed)| (*typed).to_string())
                .unwrap_or(r.family_name);
            format!("{family}{}", r.given_name)
        }
        Kind::Address => synth::street_fragment(&r.address).to_string(),
        Kind::Combination => format!("{} {}", r.family_kana, r.birth_date),
    }
}

/// `count` queries of `kind` about random residents among the first
/// `residents` (fixed random seed, so runs compare).
pub fn sample(kind: Kind, origin: Origin, residents: u64, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(0x6261_6e73_686f ^ kind as u64);
    let residents = residents.max(1);
    (0..count)
        .map(|_| query(kind, origin, rng.random_range(0..residents)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search_query::{SearchTerm, classify};

    #[test]
    fn every_kind_is_classified_as_meant() {
        let cities = [synth::City::Varied, synth::City::TenTowns];
        for (i, city) in (0..400).zip(cities.into_iter().cycle()) {
            for kind in Kind::ALL {
                let q = query(kind, Origin { seed: 1, city }, i);
                let terms = classify(&q).expect("query parses").terms;
                let ok = matches!(
                    (kind, terms.as_slice()),
                    (Kind::MyNumber, [SearchTerm::MyNumber(_)])
                        | (Kind::PersonNumber, [SearchTerm::PersonNumber(_)])
                        | (Kind::BirthDate, [SearchTerm::BirthDate(_)])
                        | (Kind::KanaPrefix, [SearchTerm::Reading(_)])
                        | (Kind::KanjiName, [SearchTerm::Name(_)])
                        | (Kind::Address, [SearchTerm::Address { .. }])
                        | (
                            Kind::Combination,
                            [SearchTerm::Reading(_), SearchTerm::BirthDate(_)]
                        )
                );
                assert!(ok, "{kind:?} {q:?} -> {terms:?}");
            }
        }
    }
}
