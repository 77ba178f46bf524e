//! How a store's keys come from the master key: new stores use HKDF-SHA-256
//! and say so in their meta; stores created before keep the HMAC-derived
//! keys their My Numbers are sealed and their access log is chained under.

mod common;

use bansho::domain::audit_event::{Action, Event};
use bansho::domain::person_number::PersonNumber;
use bansho::server::crypto::{KeyDerivation, Keys, MasterKey};
use bansho::server::data_dir;
use bansho::server::store_location::{self, OpenOptions, StoreLocation};
use bansho::store::chain::verify_store;
use bansho::store::prelude::*;
use bansho::store::sqlite::SqliteStore;
use common::app::{Known, START, known_residents};

fn recorded(store: &dyn Store) -> Option<String> {
    store.get_meta(KeyDerivation::META_KEY).expect("meta")
}

#[test]
fn a_new_store_records_hkdf_and_its_keys_are_hkdf_derived() {
    let tmp = common::private_tempdir();
    let (store, keys) = data_dir::init(tmp.path(), &[]).expect("init");
    assert_eq!(recorded(store.as_ref()).as_deref(), Some("hkdf-sha256-v1"));
    assert_eq!(keys.derivation(), KeyDerivation::HkdfSha256V1);

    let master = MasterKey::load(&data_dir::key_path(tmp.path())).expect("master key");
    let hkdf = Keys::derive(&master, KeyDerivation::HkdfSha256V1);
    let hmac = Keys::derive(&master, KeyDerivation::HmacLabelV1);
    let digits = Known::TAKAHASHI_MY_NUMBER;
    assert_eq!(keys.my_number_index(digits), hkdf.my_number_index(digits));
    assert_ne!(keys.my_number_index(digits), hmac.my_number_index(digits));

    // Opened again, it is still read with HKDF keys.
    drop(store);
    let (_, reopened) = data_dir::open(tmp.path()).expect("open");
    assert_eq!(reopened.derivation(), KeyDerivation::HkdfSha256V1);
}

/// A store as `admin init` made it before the derivation was recorded:
/// HMAC-derived keys, a creation time, no record, a sealed My Number and
/// a keyed access log.
fn older_store(dir: &std::path::Path) -> Keys {
    let master = MasterKey::create(&data_dir::key_path(dir)).expect("master key");
    let keys = Keys::derive(&master, KeyDerivation::HmacLabelV1);
    let store = SqliteStore::open(&data_dir::db_path(dir)).expect("store");
    data_dir::prepare_new_store(&store, START).expect("prepare");
    rusqlite::Connection::open(data_dir::db_path(dir))
        .and_then(|c| c.execute("DELETE FROM meta WHERE key = ?1", [KeyDerivation::META_KEY]))
        .expect("as before the record");
    let rows: Vec<_> = known_residents()
        .iter()
        .map(|r| data_dir::resident_row(&keys, r))
        .collect();
    store.insert_residents(&rows).expect("residents");
    data_dir::record(&store, &keys, "boss", Event::ok(Action::AdminSeed)).expect("audit row");
    assert_eq!(recorded(&store), None);
    keys
}

#[test]
fn an_older_store_still_opens_with_its_keys_and_reads_its_my_numbers() {
    let tmp = common::private_tempdir();
    let old = older_store(tmp.path());
    for _ in 0..2 {
        // Twice: the first open records the derivation, the second reads it.
        let (store, keys) =
            store_location::open(&StoreLocation::dir(tmp.path()), &OpenOptions::default())
                .expect("an older store opens");
        assert_eq!(keys.derivation(), KeyDerivation::HmacLabelV1);
        assert_eq!(recorded(store.as_ref()).as_deref(), Some("hmac-label-v1"));
        let row = store
            .resident(&PersonNumber::parse(Known::TAKAHASHI).expect("person number"))
            .expect("read")
            .expect("the resident is there");
        let digits = keys
            .open_my_number(Known::TAKAHASHI, &row.my_number_enc)
            .expect("its My Number opens");
        assert_eq!(digits.as_slice(), Known::TAKAHASHI_MY_NUMBER.as_bytes());
        assert_eq!(
            keys.my_number_index(Known::TAKAHASHI_MY_NUMBER),
            row.my_number_index,
            "exact search by My Number still finds it"
        );
        assert_eq!(
            keys.query_hmac("タカハシ"),
            old.query_hmac("タカハシ"),
            "earlier access-log rows' query traces still match"
        );
        let chain = verify_store(store.as_ref(), &keys.audit_chain_key())
            .expect("read chain")
            .unwrap_or_else(|broken| panic!("the old chain does not verify: {broken}"));
        assert_eq!(chain.verified(), 1);
    }
}

#[test]
fn an_unknown_derivation_is_refused_naming_it() {
    let tmp = common::private_tempdir();
    let (store, _) = data_dir::init(tmp.path(), &[]).expect("init");
    store
        .set_meta(KeyDerivation::META_KEY, "rot13-v0")
        .expect("set");
    drop(store);
    let error = data_dir::open(tmp.path()).expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("key_derivation"), "{message}");
    assert!(message.contains("rot13-v0"), "{message}");
}
