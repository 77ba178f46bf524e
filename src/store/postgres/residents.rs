//! Residents: inserts and the search.

use ::postgres::GenericClient;
use ::postgres::types::ToSql;

use super::PostgresStore;
use super::sql::{
    Cols, INSERT_CHUNK, count, db_error, limit_of, query_first, query_rows, values_list,
};
use crate::domain::person_number::PersonNumber;
use crate::store::sql::{ColumnReader, contains_pattern, format_date, prefix_upper_bound};
use crate::store::{ResidentQuery, ResidentRow, ResidentStore, StoreResult};

const RESIDENT_COLUMNS: &str = "person_number, my_number_enc, my_number_index, name, kana, name_key, \
     kana_key, birth_date, sex, postal_code, address, address_key, status, support_measure, left_on";
const RESIDENT_WIDTH: usize = 15;

fn resident_from_row(r: &Cols<'_>) -> StoreResult<ResidentRow> {
    Ok(ResidentRow {
        person_number: r.person_number(0)?,
        my_number_enc: r.get(1)?,
        my_number_index: r.get(2)?,
        name: r.text(3)?,
        kana: r.text(4)?,
        name_key: r.text(5)?,
        kana_key: r.text(6)?,
        birth_date: r.date(7)?,
        sex: r.sex(8)?,
        postal_code: r.text(9)?,
        address: r.text(10)?,
        address_key: r.text(11)?,
        status: r.resident_status(12)?,
        support_measure: r.get(13)?,
        left_on: r.opt_date(14)?,
    })
}

/// Adds residents in multi-row INSERTs; all or none if `c` is a
/// transaction.
pub(crate) fn insert_residents(
    c: &mut impl GenericClient,
    rows: &[ResidentRow],
) -> StoreResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO residents({RESIDENT_COLUMNS}) VALUES {}",
            values_list(chunk.len(), RESIDENT_WIDTH)
        );
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * RESIDENT_WIDTH);
        // The typed columns as the text they are stored as.
        let texts: Vec<(&str, String, &str, &str, Option<String>)> = chunk
            .iter()
            .map(|r| {
                (
                    r.person_number.as_str(),
                    format_date(r.birth_date),
                    r.sex.as_str(),
                    r.status.as_str(),
                    r.left_on.map(format_date),
                )
            })
            .collect();
        for (r, (person_number, birth_date, sex, status, left_on)) in chunk.iter().zip(&texts) {
            params.extend_from_slice(&[
                person_number,
                &r.my_number_enc,
                &r.my_number_index,
                &r.name,
                &r.kana,
                &r.name_key,
                &r.kana_key,
                birth_date,
                sex,
                &r.postal_code,
                &r.address,
                &r.address_key,
                status,
                &r.support_measure,
                left_on,
            ]);
        }
        c.execute(&sql, &params).map_err(db_error)?;
    }
    Ok(())
}

impl ResidentStore for PostgresStore {
    fn insert_residents(&self, rows: &[ResidentRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write(|tx| insert_residents(tx, rows))
    }

    fn search_residents(&self, q: &ResidentQuery, limit: usize) -> StoreResult<Vec<ResidentRow>> {
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<String> = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let next = |value: Box<dyn ToSql + Sync>, values: &mut Vec<Box<dyn ToSql + Sync>>| {
            values.push(value);
            format!("${}", values.len())
        };
        for index in &q.my_number_index {
            let p = next(Box::new(index.clone()), &mut values);
            clauses.push(format!("my_number_index = {p}"));
        }
        for pn in &q.person_numbers {
            let p = next(Box::new(pn.as_str().to_string()), &mut values);
            clauses.push(format!("person_number = {p}"));
        }
        for date in &q.birth_dates {
            let p = next(Box::new(format_date(*date)), &mut values);
            clauses.push(format!("birth_date = {p}"));
        }
        // The columns are COLLATE "C": byte order, as in SQLite.
        for prefix in &q.kana_prefixes {
            let low = next(Box::new(prefix.clone()), &mut values);
            let high = next(Box::new(prefix_upper_bound(prefix)), &mut values);
            clauses.push(format!("kana_key >= {low} AND kana_key < {high}"));
        }
        for prefix in &q.name_prefixes {
            let low = next(Box::new(prefix.clone()), &mut values);
            let high = next(Box::new(prefix_upper_bound(prefix)), &mut values);
            clauses.push(format!("name_key >= {low} AND name_key < {high}"));
        }
        // SQLite's LIKE ignores ASCII case; ILIKE under the "C" collation
        // folds exactly ASCII too.
        for fragment in &q.address_fragments {
            let p = next(Box::new(contains_pattern(fragment)), &mut values);
            clauses.push(format!("address_key ILIKE {p} ESCAPE '\\'"));
        }
        if q.excludes_protected() {
            clauses.push("NOT support_measure".into());
        }
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE {} \
             ORDER BY kana_key, birth_date, person_number LIMIT {}",
            clauses.join(" AND "),
            limit_of(limit)
        );
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        self.with(|c| query_rows(c, "residents", &sql, &params, resident_from_row))
    }

    fn resident(&self, person_number: &PersonNumber) -> StoreResult<Option<ResidentRow>> {
        self.with(|c| {
            query_first(
                c,
                "residents",
                &format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE person_number = $1"),
                &[&person_number.as_str()],
                resident_from_row,
            )
        })
    }

    fn resident_count(&self) -> StoreResult<u64> {
        self.with(|c| count(c, "SELECT count(*) FROM residents", &[]))
    }
}
