//! Residents: inserts, the bulk load and the search.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::SqliteStore;
use super::sql::{Cols, count, query_first, query_rows, unavailable};
use crate::domain::person_number::PersonNumber;
use crate::store::sql::{ColumnReader, contains_pattern, format_date, prefix_upper_bound};
use crate::store::{ResidentQuery, ResidentRow, ResidentStore, StoreResult};

const RESIDENT_COLUMNS: &str = "person_number, my_number_enc, my_number_index, name, kana, name_key, \
     kana_key, birth_date, sex, postal_code, address, address_key, status, support_measure, left_on";

fn resident_from_row(r: &Cols<'_, '_>) -> StoreResult<ResidentRow> {
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

/// Whether the trigram index can find candidates for `fragment`: three
/// characters or more (shorter ones have no trigram) and no LIKE wildcard
/// (the index takes no ESCAPE clause).
fn trigram_searchable(fragment: &str) -> bool {
    fragment.chars().count() >= 3 && !fragment.contains(['%', '_', '\\'])
}

/// Trigrams of a fragment the index is asked for.
const TRIGRAMS_MATCHED: usize = 2;

/// An FTS5 query for the rows holding a few rare trigrams of `fragment`.
/// Intersecting every trigram (what the index does for LIKE) walks the long
/// lists of common ones (`3丁目` is in a fifth of all addresses). Instead:
/// the rarest trigram, then the rarest that does not overlap it (overlapping
/// trigrams occur in the same rows, so they narrow little). Every candidate
/// is re-checked with LIKE, so the answer is exactly LIKE's.
fn rare_trigrams(c: &Connection, fragment: &str) -> StoreResult<String> {
    let chars: Vec<char> = fragment.chars().collect();
    let mut stmt = c
        .prepare_cached("SELECT docs FROM residents_address_stats WHERE gram = ?1")
        .map_err(unavailable)?;
    // (documents, position, trigram)
    let mut counted: Vec<(i64, usize, String)> = Vec::with_capacity(chars.len());
    for (position, window) in chars.windows(3).enumerate() {
        let gram: String = window.iter().collect();
        let docs: i64 = stmt
            .query_row([&gram], |r| r.get(0))
            .optional()
            .map_err(unavailable)?
            .unwrap_or(0);
        counted.push((docs, position, gram));
    }
    counted.sort();
    let mut chosen: Vec<&(i64, usize, String)> = Vec::with_capacity(TRIGRAMS_MATCHED);
    for candidate in &counted {
        if chosen.len() == TRIGRAMS_MATCHED {
            break;
        }
        if chosen.iter().all(|c| c.1.abs_diff(candidate.1) >= 3) {
            chosen.push(candidate);
        }
    }
    if chosen.len() < TRIGRAMS_MATCHED {
        // A short fragment: take the next rarest, overlapping or not.
        for candidate in &counted {
            if chosen.len() == TRIGRAMS_MATCHED {
                break;
            }
            if !chosen.iter().any(|c| c.1 == candidate.1) {
                chosen.push(candidate);
            }
        }
    }
    Ok(chosen
        .iter()
        .map(|(_, _, gram)| format!("\"{}\"", gram.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND "))
}

/// Recounts the trigrams of all addresses (planning data for
/// [`rare_trigrams`]); a second or so at 2 million residents.
pub(super) fn refresh_trigram_stats(tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch(
        "DELETE FROM residents_address_stats;
         INSERT INTO residents_address_stats(gram, docs)
             SELECT term, doc FROM residents_address_vocab;",
    )
    .map_err(unavailable)
}

/// Rows per transaction of a bulk load into a store that already holds
/// residents (and so keeps its indexes while loading).
const LOAD_COMMIT_ROWS: u64 = 200_000;

impl SqliteStore {
    /// Bulk load (seeding): one connection with `synchronous=OFF` and a large
    /// page cache. Into an empty table the secondary indexes, the address
    /// trigram index and its triggers are dropped first and built once at
    /// the end, all in one transaction; into a filled one rows go in with the
    /// indexes in place, in large transactions. Either way the store is
    /// checkpointed and synced to disk before this returns.
    fn bulk_load(
        &self,
        batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
    ) -> StoreResult<u64> {
        let mut conn = self.connect()?;
        conn.pragma_update(None, "synchronous", "OFF")
            .map_err(unavailable)?;
        conn.pragma_update(None, "cache_size", -262_144)
            .map_err(unavailable)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(unavailable)?;
        // Index builds sort with a helper thread.
        conn.pragma_update(None, "threads", 2)
            .map_err(unavailable)?;
        let result = load_into(&mut conn, batches);
        // Whatever happened, leave nothing unsynced behind: back to FULL, and
        // the WAL copied into the database file and synced.
        let synced = conn
            .pragma_update(None, "synchronous", "FULL")
            .and_then(|_| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
            .map_err(unavailable);
        let loaded = result?;
        synced?;
        Ok(loaded)
    }
}

/// Adds residents; all or none if `c` is a transaction.
pub(crate) fn insert_residents(c: &Connection, rows: &[ResidentRow]) -> StoreResult<()> {
    let mut stmt = c
        .prepare_cached(&format!(
            "INSERT INTO residents({RESIDENT_COLUMNS})
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
        ))
        .map_err(unavailable)?;
    for r in rows {
        stmt.execute(params![
            r.person_number.as_str(),
            r.my_number_enc,
            r.my_number_index,
            r.name,
            r.kana,
            r.name_key,
            r.kana_key,
            format_date(r.birth_date),
            r.sex.as_str(),
            r.postal_code,
            r.address,
            r.address_key,
            r.status.as_str(),
            i64::from(r.support_measure),
            r.left_on.map(format_date),
        ])
        .map_err(unavailable)?;
    }
    Ok(())
}

fn load_into(
    conn: &mut Connection,
    batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
) -> StoreResult<u64> {
    let empty: bool = conn
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM residents)", [], |r| {
            r.get(0)
        })
        .map_err(unavailable)?;
    let mut loaded = 0u64;
    if !empty {
        let mut tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(unavailable)?;
        let mut in_tx = 0u64;
        for batch in batches {
            let batch = batch?;
            insert_residents(&tx, &batch)?;
            loaded += batch.len() as u64;
            in_tx += batch.len() as u64;
            if in_tx >= LOAD_COMMIT_ROWS {
                tx.commit().map_err(unavailable)?;
                tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                in_tx = 0;
            }
        }
        refresh_trigram_stats(&tx)?;
        tx.commit().map_err(unavailable)?;
        return Ok(loaded);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    // The schema's own definitions, so the rebuilt indexes and triggers are
    // exactly the ones the migrations made.
    let derived: Vec<(String, String, String)> = {
        let mut stmt = tx
            .prepare(
                "SELECT type, name, sql FROM sqlite_master
                 WHERE tbl_name = 'residents' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            )
            .map_err(unavailable)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(unavailable)?;
        rows.collect::<Result<_, _>>().map_err(unavailable)?
    };
    for (kind, name, _) in &derived {
        let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
        tx.execute_batch(&format!("DROP {kind} \"{}\"", name.replace('"', "\"\"")))
            .map_err(unavailable)?;
    }
    for batch in batches {
        let batch = batch?;
        insert_residents(&tx, &batch)?;
        loaded += batch.len() as u64;
    }
    for (_, _, sql) in &derived {
        tx.execute_batch(sql).map_err(unavailable)?;
    }
    tx.execute(
        "INSERT INTO residents_address(residents_address) VALUES ('rebuild')",
        [],
    )
    .map_err(unavailable)?;
    refresh_trigram_stats(&tx)?;
    tx.commit().map_err(unavailable)?;
    Ok(loaded)
}

impl ResidentStore for SqliteStore {
    fn insert_residents(&self, rows: &[ResidentRow]) -> StoreResult<()> {
        self.write(|tx| insert_residents(tx, rows))
    }

    fn load_residents(
        &self,
        batches: &mut dyn Iterator<Item = StoreResult<Vec<ResidentRow>>>,
    ) -> StoreResult<u64> {
        self.bulk_load(batches)
    }

    fn search_residents(&self, q: &ResidentQuery, limit: usize) -> StoreResult<Vec<ResidentRow>> {
        const ORDER: &str = "ORDER BY kana_key, birth_date, person_number";
        if q.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|c| {
            let mut clauses: Vec<&str> = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            for index in &q.my_number_index {
                clauses.push("my_number_index = ?");
                values.push(index.clone().into());
            }
            for pn in &q.person_numbers {
                clauses.push("person_number = ?");
                values.push(pn.as_str().to_string().into());
            }
            for date in &q.birth_dates {
                clauses.push("birth_date = ?");
                values.push(format_date(*date).into());
            }
            for prefix in &q.kana_prefixes {
                clauses.push("kana_key >= ? AND kana_key < ?");
                values.push(prefix.clone().into());
                values.push(prefix_upper_bound(prefix).into());
            }
            for prefix in &q.name_prefixes {
                clauses.push("name_key >= ? AND name_key < ?");
                values.push(prefix.clone().into());
                values.push(prefix_upper_bound(prefix).into());
            }
            for fragment in &q.address_fragments {
                if trigram_searchable(fragment) {
                    // Candidates from the trigram index (rows holding its
                    // rarest trigrams), each re-checked with LIKE below.
                    clauses.push(
                        "rowid IN (SELECT rowid FROM residents_address WHERE residents_address MATCH ?)",
                    );
                    values.push(rare_trigrams(c, fragment)?.into());
                }
                clauses.push("address_key LIKE ? ESCAPE '\\'");
                values.push(contains_pattern(fragment).into());
            }
            if q.excludes_protected() {
                clauses.push("support_measure = 0");
            }
            // The page is ranked on rowids first and only its rows are read:
            // where an index holds every column the terms and the order
            // need (the name index does), the candidates are sorted without
            // a table read each.
            let sql = format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents WHERE rowid IN (
                     SELECT rowid FROM residents WHERE {} {ORDER} LIMIT {limit}
                 ) {ORDER}",
                clauses.join(" AND "),
            );
            query_rows(
                c,
                "residents",
                &sql,
                rusqlite::params_from_iter(values),
                resident_from_row,
            )
        })
    }

    fn resident(&self, person_number: &PersonNumber) -> StoreResult<Option<ResidentRow>> {
        self.with(|c| {
            query_first(
                c,
                "residents",
                &format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE person_number = ?1"),
                [person_number.as_str()],
                resident_from_row,
            )
        })
    }

    fn resident_count(&self) -> StoreResult<u64> {
        self.with(|c| count(c, "SELECT count(*) FROM residents"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::resident::{ResidentStatus, Sex};

    fn resident(i: u64, address: &str) -> ResidentRow {
        ResidentRow {
            person_number: PersonNumber::from_index(i),
            my_number_enc: vec![i as u8],
            my_number_index: i.to_be_bytes().to_vec(),
            name: "山田 花子".into(),
            kana: "ヤマダ ハナコ".into(),
            name_key: "山田花子".into(),
            kana_key: format!("ヤマダハナコ{i:03}"),
            birth_date: time::macros::date!(1980 - 01 - 01),
            sex: Sex::Female,
            postal_code: "000-0101".into(),
            address: address.into(),
            address_key: address.into(),
            status: ResidentStatus::Resident,
            support_measure: false,
            left_on: None,
        }
    }

    const ADDRESSES: [&str; 6] = [
        "番所市本町3丁目4番5号",
        "番所市本町5号4番3丁目",
        "番所市中央1丁目1番1号 ABC荘101号室",
        "番所市中央1丁目11番1号",
        "番所市緑が丘2丁目1番10号",
        "番所市北町1-2-3 100%ハイツ_1",
    ];

    fn addresses(store: &SqliteStore, fragment: &str) -> Vec<String> {
        let query = ResidentQuery {
            address_fragments: vec![fragment.into()],
            ..ResidentQuery::default()
        };
        store
            .search_residents(&query, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.address)
            .collect()
    }

    /// The trigram path answers exactly what LIKE answers, after a bulk
    /// load into an empty table and after row-by-row inserts alike.
    #[test]
    fn address_fragments_find_what_like_finds() {
        let dir = tempfile::tempdir().unwrap();
        let bulk = SqliteStore::open(&dir.path().join("bulk.db")).unwrap();
        let single = SqliteStore::open(&dir.path().join("single.db")).unwrap();
        let rows: Vec<ResidentRow> = ADDRESSES
            .iter()
            .enumerate()
            .map(|(i, a)| resident(i as u64, a))
            .collect();
        let loaded = bulk
            .load_residents(&mut vec![Ok(rows[..3].to_vec()), Ok(rows[3..].to_vec())].into_iter())
            .unwrap();
        assert_eq!(loaded, 6);
        for row in &rows {
            single.insert_residents(std::slice::from_ref(row)).unwrap();
        }
        for fragment in [
            "本町3丁目4番5号",
            "3丁目4番",
            "1丁目1番1号",
            "1番1",
            "abc荘",
            "ABC荘101",
            "100%ハイツ_1",
            "本町",
            "1",
            "存在しない町",
        ] {
            let expected: Vec<String> = ADDRESSES
                .iter()
                .filter(|a| a.to_lowercase().contains(&fragment.to_lowercase()))
                .map(|a| a.to_string())
                .collect();
            assert_eq!(addresses(&bulk, fragment), expected, "bulk, {fragment}");
            assert_eq!(addresses(&single, fragment), expected, "single, {fragment}");
        }
        // A second bulk load into a filled table keeps the index in step.
        bulk.load_residents(&mut vec![Ok(vec![resident(9, "番所市西町9丁目9番9号")])].into_iter())
            .unwrap();
        assert_eq!(addresses(&bulk, "9丁目9番"), vec!["番所市西町9丁目9番9号"]);
    }

    #[test]
    fn a_bulk_load_with_a_duplicate_my_number_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("dup.db")).unwrap();
        let mut twin = resident(2, "番所市本町1丁目1番1号");
        twin.my_number_index = resident(1, "").my_number_index;
        let batch = vec![resident(1, "番所市本町1丁目1番1号"), twin];
        assert!(
            store
                .load_residents(&mut vec![Ok(batch)].into_iter())
                .is_err()
        );
        assert_eq!(store.resident_count().unwrap(), 0);
        assert!(addresses(&store, "本町1丁目").is_empty());
    }
}
