//! Keying slips: the ways a clerk mistypes a value read from paper. Each
//! kind works on the digits of the typed text (amounts, dates as era
//! codes, My Numbers, telephone numbers, the numbers in an address);
//! names, readings and choices are keyed without slips here.

use rand::Rng;

use crate::domain::entry::field::check;
use crate::domain::entry::schema::{FieldKind, FieldSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SlipKind {
    /// One digit replaced by another: `3456789` → `3456189`.
    Substitution,
    /// Two neighbouring digits swapped: `3456789` → `3457689`.
    Transposition,
    /// A digit left out: `3456789` → `345789`.
    Dropped,
    /// A digit typed twice: `3456789` → `34566789`.
    Doubled,
    /// An amount with a zero too many or too few at its end: ×10 or ÷10.
    ShiftedZeros,
    /// The amount of the line above or below keyed into this line.
    WrongField,
}

impl SlipKind {
    pub const ALL: [SlipKind; 6] = [
        SlipKind::Substitution,
        SlipKind::Transposition,
        SlipKind::Dropped,
        SlipKind::Doubled,
        SlipKind::ShiftedZeros,
        SlipKind::WrongField,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SlipKind::Substitution => "digit substitution",
            SlipKind::Transposition => "adjacent transposition",
            SlipKind::Dropped => "dropped digit",
            SlipKind::Doubled => "doubled digit",
            SlipKind::ShiftedZeros => "shifted zeros",
            SlipKind::WrongField => "wrong field",
        }
    }

    /// How often a clerk makes this kind, relative to the others, where it
    /// can be made: substitutions are the commonest keying slip, then
    /// transpositions, then digits left out or typed twice.
    pub fn weight(self) -> u32 {
        match self {
            SlipKind::Substitution => 40,
            SlipKind::Transposition => 20,
            SlipKind::Dropped => 12,
            SlipKind::Doubled => 12,
            SlipKind::ShiftedZeros => 8,
            SlipKind::WrongField => 8,
        }
    }

    /// `typed` with this slip made in it, or `None` where it cannot be made
    /// (no two different neighbouring digits, not an amount, no other line).
    /// `neighbour` is what the paper has on the line next to this one.
    pub fn apply(
        self,
        typed: &str,
        kind: FieldKind,
        neighbour: Option<&str>,
        rng: &mut impl Rng,
    ) -> Option<String> {
        let chars: Vec<char> = typed.chars().collect();
        let digits: Vec<usize> = (0..chars.len())
            .filter(|&i| chars[i].is_ascii_digit())
            .collect();
        let text = |chars: Vec<char>| chars.into_iter().collect::<String>();
        match self {
            SlipKind::Substitution => {
                let at = pick(rng, &digits)?;
                let old = chars[at].to_digit(10)?;
                let new = (old + rng.random_range(1..10)) % 10;
                let mut out = chars;
                out[at] = char::from_digit(new, 10)?;
                Some(text(out))
            }
            SlipKind::Transposition => {
                let pairs: Vec<usize> = digits
                    .iter()
                    .copied()
                    .filter(|&i| {
                        i + 1 < chars.len()
                            && chars[i + 1].is_ascii_digit()
                            && chars[i] != chars[i + 1]
                    })
                    .collect();
                let at = pick(rng, &pairs)?;
                let mut out = chars;
                out.swap(at, at + 1);
                Some(text(out))
            }
            SlipKind::Dropped => {
                if digits.len() < 2 {
                    return None;
                }
                let at = pick(rng, &digits)?;
                let mut out = chars;
                out.remove(at);
                Some(text(out))
            }
            SlipKind::Doubled => {
                let at = pick(rng, &digits)?;
                let mut out = chars;
                out.insert(at, out[at]);
                Some(text(out))
            }
            SlipKind::ShiftedZeros => {
                if kind != FieldKind::Amount || typed == "0" || digits.len() != chars.len() {
                    return None;
                }
                let fewer = typed.len() > 1 && typed.ends_with('0');
                if fewer && rng.random_bool(0.5) {
                    Some(typed[..typed.len() - 1].to_owned())
                } else {
                    Some(format!("{typed}0"))
                }
            }
            SlipKind::WrongField => {
                let other = neighbour.filter(|n| kind == FieldKind::Amount && *n != typed)?;
                Some(other.to_owned())
            }
        }
    }
}

/// One of `from`, at random.
fn pick(rng: &mut impl Rng, from: &[usize]) -> Option<usize> {
    (!from.is_empty()).then(|| from[rng.random_range(0..from.len())])
}

/// Whether `slipped` keys a different value from `typed` in `field`: it
/// fails the field's check, or passes it as another value.
pub fn changes_value(field: &FieldSpec, typed: &str, slipped: &str) -> bool {
    match (check(field, typed), check(field, slipped)) {
        (Ok(a), Ok(b)) => a != b,
        _ => true,
    }
}

/// A slip in `typed`, of a kind drawn by weight among those that can be
/// made on it and change its value; `None` when no kind can (a name).
pub fn make(
    field: &FieldSpec,
    typed: &str,
    neighbour: Option<&str>,
    rng: &mut impl Rng,
) -> Option<(SlipKind, String)> {
    let candidates: Vec<(SlipKind, String)> = SlipKind::ALL
        .iter()
        .filter_map(|&kind| {
            let slipped = kind.apply(typed, field.kind, neighbour, rng)?;
            changes_value(field, typed, &slipped).then_some((kind, slipped))
        })
        .collect();
    let total: u32 = candidates.iter().map(|(k, _)| k.weight()).sum();
    if total == 0 {
        return None;
    }
    let mut draw = rng.random_range(0..total);
    for (kind, slipped) in candidates {
        if draw < kind.weight() {
            return Some((kind, slipped));
        }
        draw -= kind.weight();
    }
    None
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::domain::entry::forms;
    use crate::domain::entry::schema::FieldPath;

    fn digits(s: &str) -> Vec<char> {
        s.chars().filter(char::is_ascii_digit).collect()
    }

    #[test]
    fn each_kind_changes_the_value_as_named() {
        let mut rng = StdRng::seed_from_u64(3);
        let amount = FieldKind::Amount;
        for _ in 0..500 {
            let typed = "3456789";
            let sub = SlipKind::Substitution
                .apply(typed, amount, None, &mut rng)
                .unwrap();
            let differ = typed
                .chars()
                .zip(sub.chars())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!((sub.len(), differ), (7, 1), "{sub}");

            let swap = SlipKind::Transposition
                .apply(typed, amount, None, &mut rng)
                .unwrap();
            let at: Vec<usize> = (0..7)
                .filter(|&i| typed.as_bytes()[i] != swap.as_bytes()[i])
                .collect();
            assert_eq!(at.len(), 2, "{swap}");
            assert_eq!(at[1], at[0] + 1, "{swap}");
            assert_eq!(typed.as_bytes()[at[0]], swap.as_bytes()[at[1]], "{swap}");

            let dropped = SlipKind::Dropped
                .apply(typed, amount, None, &mut rng)
                .unwrap();
            assert_eq!(dropped.len(), 6);
            let mut rest = typed.chars();
            assert!(
                dropped.chars().all(|c| rest.any(|t| t == c)),
                "{dropped}: a subsequence"
            );

            let doubled = SlipKind::Doubled
                .apply(typed, amount, None, &mut rng)
                .unwrap();
            assert_eq!(doubled.len(), 8);
            let twice = doubled.as_bytes().windows(2).any(|w| w[0] == w[1]);
            assert!(twice, "{doubled}");
            let mut rest = doubled.chars();
            assert!(typed.chars().all(|c| rest.any(|t| t == c)), "{doubled}");

            let shifted = SlipKind::ShiftedZeros
                .apply("3456780", amount, None, &mut rng)
                .unwrap();
            assert!(
                ["34567800", "345678"].contains(&shifted.as_str()),
                "{shifted}"
            );
            let more = SlipKind::ShiftedZeros
                .apply("3456789", amount, None, &mut rng)
                .unwrap();
            assert_eq!(more, "34567890");

            let wrong = SlipKind::WrongField.apply(typed, amount, Some("430000"), &mut rng);
            assert_eq!(wrong.as_deref(), Some("430000"));
        }
    }

    #[test]
    fn kinds_that_cannot_be_made_on_a_value_are_not() {
        let mut rng = StdRng::seed_from_u64(4);
        let amount = FieldKind::Amount;
        assert_eq!(
            SlipKind::Transposition
                .apply("1000", amount, None, &mut rng)
                .map(|s| s.len()),
            Some(4)
        );
        assert_eq!(
            SlipKind::Transposition.apply("7777", amount, None, &mut rng),
            None
        );
        assert_eq!(SlipKind::Dropped.apply("5", amount, None, &mut rng), None);
        assert_eq!(
            SlipKind::ShiftedZeros.apply("0", amount, None, &mut rng),
            None
        );
        // Zeros are an amount's: a date or a number is not shifted.
        assert_eq!(
            SlipKind::ShiftedZeros.apply("3500315", FieldKind::Date, None, &mut rng),
            None
        );
        assert_eq!(
            SlipKind::WrongField.apply("10", amount, None, &mut rng),
            None
        );
        assert_eq!(
            SlipKind::WrongField.apply("10", amount, Some("10"), &mut rng),
            None
        );
        assert_eq!(
            SlipKind::WrongField.apply("10", FieldKind::Date, Some("20"), &mut rng),
            None
        );
        // Separators stay where they are; only digits slip.
        let phone = SlipKind::Doubled
            .apply("090-1234-5678", FieldKind::Phone, None, &mut rng)
            .unwrap();
        assert_eq!(phone.matches('-').count(), 2);
        assert_eq!(digits(&phone).len(), 12);
    }

    #[test]
    fn a_slip_always_keys_another_value_and_names_have_none() {
        let schema = forms::form("juminzei_shinkoku").unwrap();
        let field = |group, key| schema.field(&FieldPath::new(group, key)).unwrap();
        let mut rng = StdRng::seed_from_u64(5);
        let cases = [
            (field("revenue", "salary"), "3456000"),
            (field("income", "total"), "10"),
            (field("taxpayer", "birth"), "3500315"),
            (field("taxpayer", "my_number"), "123456789018"),
            (field("taxpayer", "phone"), "090-1234-5678"),
            (field("taxpayer", "address"), "番所市本町3丁目4番5号"),
        ];
        let mut kinds = std::collections::BTreeSet::new();
        for (spec, typed) in cases {
            for _ in 0..300 {
                let (kind, slipped) = make(spec, typed, Some("430000"), &mut rng).unwrap();
                assert!(changes_value(spec, typed, &slipped), "{typed} -> {slipped}");
                kinds.insert(kind);
            }
        }
        assert_eq!(kinds.len(), SlipKind::ALL.len(), "{kinds:?}");
        // An amount of "00" is the amount 0: not a slip.
        assert!(!changes_value(field("income", "total"), "0", "00"));
        assert_eq!(
            make(
                field("taxpayer", "name"),
                "高橋\u{3000}一郎",
                None,
                &mut rng
            ),
            None
        );
        assert_eq!(make(field("taxpayer", "sex"), "male", None, &mut rng), None);
    }
}
