//! A simulated clerk keying from paper: every field with digits slips at
//! the given rate, independently; what the clerk typed is kept with the
//! slip in it, so the simulation knows what each keying holds without
//! asking the service (which never tells a keyer the other's values).

use std::collections::BTreeMap;

use rand::Rng;
use rand::rngs::StdRng;

use super::paper::Paper;
use super::slip::{self, SlipKind};
use crate::domain::entry::field::check;
use crate::domain::entry::schema::{FieldKind, FieldPath, FormSchema};
use crate::secret::KeyedValue;

/// Which keying a slip was made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    First,
    Second,
    /// Fields keyed again after the keyings differed.
    Rekey,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::First, Stage::Second, Stage::Rekey];

    pub fn label(self) -> &'static str {
        match self {
            Stage::First => "first keying",
            Stage::Second => "second keying",
            Stage::Rekey => "keying again after a difference",
        }
    }
}

/// What stopped a slip before it reached a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    FieldCheck,
    CrossCheck,
    Comparison,
}

/// One slip a simulated clerk made.
#[derive(Debug, Clone)]
pub struct Slip {
    pub kind: SlipKind,
    pub stage: Stage,
    pub field: FieldPath,
    pub field_kind: FieldKind,
    /// What was typed instead of the paper's text.
    pub typed: String,
    pub caught: Option<Caught>,
}

impl Slip {
    /// The value the slip keys, if it passes the field's check.
    pub fn value(&self, schema: &FormSchema) -> Option<String> {
        let spec = schema.field(&self.field)?;
        check(spec, &self.typed)
            .ok()
            .flatten()
            .map(|v| v.canonical())
    }
}

/// What a keyer typed into one field, and the slip in it (an index into
/// the entry's slips).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub text: String,
    pub slip: Option<usize>,
}

/// Everything one keyer has typed, by field.
#[derive(Debug, Clone, Default)]
pub struct Keyed(pub BTreeMap<FieldPath, Typed>);

impl Keyed {
    /// The typed text of every field, as the API takes it.
    pub fn request(&self) -> BTreeMap<String, KeyedValue> {
        self.0
            .iter()
            .map(|(p, t)| (p.to_string(), KeyedValue::new(t.text.clone())))
            .collect()
    }

    /// `fields` as they are typed now, as the API takes them.
    pub fn request_of(&self, fields: &[FieldPath]) -> BTreeMap<String, KeyedValue> {
        fields
            .iter()
            .filter_map(|p| {
                self.0
                    .get(p)
                    .map(|t| (p.to_string(), KeyedValue::new(t.text.clone())))
            })
            .collect()
    }

    /// The value held at `path`, as the service keeps it.
    pub fn value(&self, schema: &FormSchema, path: &FieldPath) -> Option<String> {
        let typed = self.0.get(path)?;
        let spec = schema.field(path)?;
        check(spec, &typed.text)
            .ok()
            .flatten()
            .map(|v| v.canonical())
    }

    /// Puts the paper's text back at `path` (or nothing, where the paper
    /// has none); returns the slip that was there.
    pub fn correct(&mut self, paper: &Paper, path: &FieldPath) -> Option<usize> {
        let slip = self.0.get(path).and_then(|t| t.slip);
        match paper.fields.get(path) {
            Some(text) => {
                self.0.insert(
                    path.clone(),
                    Typed {
                        text: text.clone(),
                        slip: None,
                    },
                );
            }
            None => {
                self.0.remove(path);
            }
        }
        slip
    }

    /// The slips in every field.
    pub fn slips(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.values().filter_map(|t| t.slip)
    }
}

/// A clerk who slips at `rate` per keyed field.
pub struct Clerk {
    pub rate: f64,
    pub rng: StdRng,
}

/// The amount on the line above or below `path` on the paper, if any.
fn neighbour<'p>(
    schema: &FormSchema,
    paper: &'p Paper,
    path: &FieldPath,
    rng: &mut impl Rng,
) -> Option<&'p str> {
    if path.row.is_some() {
        return None;
    }
    let section = schema.sections.iter().find(|s| s.key == path.group)?;
    let at = section.fields.iter().position(|f| f.key == path.field)?;
    let line = |i: usize| {
        let spec = section.fields.get(i)?;
        (spec.kind == FieldKind::Amount)
            .then(|| paper.fields.get(&FieldPath::new(&path.group, &spec.key)))
            .flatten()
            .map(String::as_str)
    };
    let above = at.checked_sub(1).and_then(line);
    let below = line(at + 1);
    match (above, below) {
        (Some(a), Some(b)) => Some(if rng.random_bool(0.5) { a } else { b }),
        (a, b) => a.or(b),
    }
}

impl Clerk {
    /// Keys `fields` from `paper` (those the paper has), recording each
    /// slip in `slips` as made at `stage`.
    pub fn key(
        &mut self,
        schema: &FormSchema,
        paper: &Paper,
        fields: &[FieldPath],
        stage: Stage,
        slips: &mut Vec<Slip>,
    ) -> Keyed {
        let mut keyed = Keyed::default();
        for path in fields {
            let (Some(text), Some(spec)) = (paper.fields.get(path), schema.field(path)) else {
                continue;
            };
            let mut typed = Typed {
                text: text.clone(),
                slip: None,
            };
            if self.rng.random_bool(self.rate) {
                let next_to = neighbour(schema, paper, path, &mut self.rng);
                if let Some((kind, text)) = slip::make(spec, text, next_to, &mut self.rng) {
                    typed = Typed {
                        text: text.clone(),
                        slip: Some(slips.len()),
                    };
                    slips.push(Slip {
                        kind,
                        stage,
                        field: path.clone(),
                        field_kind: spec.kind,
                        typed: text,
                        caught: None,
                    });
                }
            }
            keyed.0.insert(path.clone(), typed);
        }
        keyed
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::bench::entry::paper::{self, FORM};
    use crate::domain::entry::forms;
    use crate::domain::synth;

    #[test]
    fn a_keyer_slips_at_its_rate_and_only_where_there_are_digits() {
        let schema = forms::form(FORM).unwrap();
        let year = forms::tax_year(schema.income_year).unwrap();
        let mut rng = StdRng::seed_from_u64(9);
        let mut keyer = Clerk {
            rate: 0.1,
            rng: StdRng::seed_from_u64(10),
        };
        let (mut fields, mut slipped) = (0usize, 0usize);
        for index in 0..400 {
            let resident = synth::generate(1, index);
            if !paper::can_declare(&resident, year.income_year) {
                continue;
            }
            let paper = paper::declaration(schema, year, &resident, &mut rng).unwrap();
            let all: Vec<FieldPath> = paper.fields.keys().cloned().collect();
            let mut slips = Vec::new();
            let keyed = keyer.key(schema, &paper, &all, Stage::First, &mut slips);
            assert_eq!(keyed.0.len(), paper.fields.len());
            for (path, typed) in &keyed.0 {
                let on_paper = &paper.fields[path];
                match typed.slip {
                    None => assert_eq!(&typed.text, on_paper),
                    Some(i) => {
                        let slip = &slips[i];
                        assert_eq!((&slip.field, &slip.typed), (path, &typed.text));
                        assert!(on_paper.chars().any(|c| c.is_ascii_digit()), "{path}");
                    }
                }
            }
            fields += paper
                .fields
                .values()
                .filter(|v| v.chars().any(|c| c.is_ascii_digit()))
                .count();
            slipped += slips.len();
        }
        let rate = slipped as f64 / fields as f64;
        assert!((0.08..0.12).contains(&rate), "{slipped} of {fields}");
    }
}
