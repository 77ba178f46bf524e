//! Which fields are keyed twice, and where two keyings differ.

use std::collections::BTreeSet;

use super::keying::Keying;
use super::schema::{FieldKind, FieldPath, FieldSpec, FormSchema};

/// Which fields a second clerk keys again: the service's setting. A
/// field's own `double_keyed` in its schema wins over the kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoubleKeying {
    pub kinds: BTreeSet<FieldKind>,
}

impl Default for DoubleKeying {
    /// Every amount, date and number.
    fn default() -> Self {
        DoubleKeying {
            kinds: [
                FieldKind::Amount,
                FieldKind::Date,
                FieldKind::MyNumber,
                FieldKind::CorporateNumber,
            ]
            .into_iter()
            .collect(),
        }
    }
}

impl DoubleKeying {
    pub fn applies(&self, spec: &FieldSpec) -> bool {
        spec.double_keyed
            .unwrap_or_else(|| self.kinds.contains(&spec.kind))
    }

    /// Whether anything on this form is keyed twice.
    pub fn any(&self, schema: &FormSchema) -> bool {
        schema
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .chain(schema.tables.iter().flat_map(|t| &t.fields))
            .any(|f| self.applies(f))
    }

    /// The double-keyed fields on which `a` and `b` differ (one keyed and
    /// the other not counts as differing).
    pub fn differing(&self, schema: &FormSchema, a: &Keying, b: &Keying) -> BTreeSet<FieldPath> {
        a.paths()
            .chain(b.paths())
            .filter(|p| schema.field(p).is_some_and(|s| self.applies(s)))
            .filter(|p| a.get(p) != b.get(p))
            .cloned()
            .collect()
    }

    /// The fields of `keying` that were keyed once only.
    pub fn single_keyed<'k>(
        &self,
        schema: &FormSchema,
        keying: &'k Keying,
    ) -> impl Iterator<Item = &'k FieldPath> {
        keying
            .paths()
            .filter(move |p| schema.field(p).is_some_and(|s| !self.applies(s)))
    }
}
