//! Paper comes in batches (束): the header gives how many forms it holds
//! and a control total, the sum of one amount field over them. The batch
//! closes only when what was keyed matches both.

use thiserror::Error;

use super::keying::Keying;
use super::schema::FieldPath;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchHeader {
    pub id: String,
    pub form: String,
    pub forms: usize,
    /// The amount field summed, e.g. `income.total`.
    pub control_field: FieldPath,
    pub control_total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BatchError {
    #[error("batch {batch}: the header says {declared} forms, {keyed} were keyed")]
    Count {
        batch: String,
        declared: usize,
        keyed: usize,
    },
    #[error("batch {batch}: the control total is {declared}, the keyed forms add up to {keyed}")]
    Total {
        batch: String,
        declared: i64,
        keyed: i64,
    },
}

impl BatchHeader {
    /// Checks the batch's keyed forms against its header.
    pub fn close<'k>(&self, keyed: impl IntoIterator<Item = &'k Keying>) -> Result<(), BatchError> {
        let (mut count, mut total) = (0usize, 0i64);
        for keying in keyed {
            count += 1;
            total = total.saturating_add(keying.amount_at(&self.control_field));
        }
        if count != self.forms {
            return Err(BatchError::Count {
                batch: self.id.clone(),
                declared: self.forms,
                keyed: count,
            });
        }
        if total != self.control_total {
            return Err(BatchError::Total {
                batch: self.id.clone(),
                declared: self.control_total,
                keyed: total,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::entry::forms::form;

    fn keyed(total: &str) -> Keying {
        let schema = form("kyuyo_shiharai_hokokusho").unwrap();
        let typed: BTreeMap<String, String> = [
            ("payer.name", "株式会社番所"),
            ("payer.address", "番所市本町1-1"),
            ("recipient.address", "番所市栄町1-1"),
            ("recipient.name", "山田 太郎"),
            ("recipient.birth", "1980-04-01"),
            ("recipient.my_number", "123456789018"),
            ("amounts.paid", total),
            ("amounts.after_deduction", "0"),
            ("amounts.deductions_total", "0"),
            ("amounts.withheld", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Keying::check(schema, &typed).unwrap()
    }

    #[test]
    fn a_batch_closes_only_when_count_and_total_match_and_a_mismatch_names_it() {
        let header = BatchHeader {
            id: "2026-02-16/001".into(),
            form: "kyuyo_shiharai_hokokusho".into(),
            forms: 2,
            control_field: FieldPath::new("amounts", "paid"),
            control_total: 8_000_000,
        };
        let (a, b) = (keyed("5,000,000"), keyed("3,000,000"));
        assert_eq!(header.close([&a, &b]), Ok(()));
        let e = header.close([&a]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "batch 2026-02-16/001: the header says 2 forms, 1 were keyed"
        );
        let c = keyed("3,000,600");
        let e = header.close([&a, &c]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "batch 2026-02-16/001: the control total is 8000000, the keyed forms add up to 8000600"
        );
    }
}
