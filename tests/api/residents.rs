use bansho::api::{ErrorCode, ReadTerm, SearchRefusal, SearchResponse, TermKind};
use bansho::client::ClientError;
use bansho::domain::my_number::MyNumber;
use bansho::domain::person_number::PersonNumber;
use bansho::domain::resident::ResidentStatus;
use bansho::domain::synth;
use bansho::domain::wareki::Era;
use bansho::server::{ServerConfig, data_dir};
use bansho::store::prelude::*;
use reqwest::Method;

use crate::common::app::*;

async fn person_numbers(client: &bansho::client::ApiClient, query: &str) -> Vec<String> {
    client
        .search(query)
        .await
        .unwrap_or_else(|e| panic!("search {query:?}: {e}"))
        .results
        .into_iter()
        .map(|r| r.person_number)
        .collect()
}

#[tokio::test]
async fn the_one_box_finds_a_person_by_every_kind_of_input() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for query in [
        Known::TAKAHASHI_MY_NUMBER,
        "1234 5678 9018",
        "１２３４５６７８９０１８",
        Known::TAKAHASHI,
        "たかはし 19930101",
        "タカハシ 1993-01-01",
        "ﾀｶﾊｼ 4050101",
        "髙橋 H5.1.1",
        "高橋 平成5年1月1日",
        "本町3丁目4番5号",
        "高橋 本町3丁目",
    ] {
        let found = person_numbers(&clerk, query).await;
        assert!(
            found.contains(&Known::TAKAHASHI.to_string()),
            "{query:?} found {found:?}"
        );
        assert!(found.len() <= 50);
    }
    // 異体字 fold both ways.
    assert!(
        person_numbers(&clerk, "山崎")
            .await
            .contains(&Known::YAMAZAKI.to_string())
    );
    assert!(
        person_numbers(&clerk, "渡辺")
            .await
            .contains(&Known::DECEASED.to_string())
    );
    assert!(
        person_numbers(&clerk, "斎藤")
            .await
            .contains(&Known::PROTECTED.to_string())
    );
}

#[tokio::test]
async fn a_name_typed_with_a_space_finds_the_same_people_as_without() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let joined = person_numbers(&clerk, "髙橋一郎").await;
    assert!(joined.contains(&Known::TAKAHASHI.to_string()), "{joined:?}");
    for spaced in [
        "髙橋 一郎",
        "高橋　一郎",
        "タカハシ イチロウ",
        "たかはし　いちろう",
    ] {
        let found = person_numbers(&clerk, spaced).await;
        assert!(
            found.contains(&Known::TAKAHASHI.to_string()),
            "{spaced}: {found:?}"
        );
    }
}

#[tokio::test]
async fn a_bad_check_digit_is_an_error_and_nothing_is_searched() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let error = clerk.search("123456789019").await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidQuery));
    assert_eq!(error.status(), Some(400));
    assert!(error.to_string().contains("check digit"), "{error}");
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.action, "search");
    assert_eq!(row.entry.outcome, "invalid_query");
    assert!(row.entry.subjects.is_empty());
}

#[tokio::test]
async fn results_stop_at_50_and_say_so() {
    let app = spawn_app_with(test_config(), 3000).await;
    let clerk = app.login(CLERK).await;
    // A one-kana prefix matches far more than 50 of 3,000.
    let response = clerk.search("サ").await.expect("search");
    assert_eq!(response.results.len(), 50);
    assert!(response.truncated);
    assert_eq!(response.limit, 50);
    let narrow = clerk.search(Known::TAKAHASHI).await.expect("search");
    assert!(!narrow.truncated);
}

#[tokio::test]
async fn every_search_is_logged_with_the_people_shown_but_never_the_query() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let query = "たかはし 19930101";
    let found = person_numbers(&clerk, query).await;
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.action, "search");
    assert_eq!(row.entry.user_id, CLERK);
    assert_eq!(row.entry.purpose, "assessment");
    assert_eq!(row.entry.subjects, found);
    let hmac = row.entry.query_hmac.clone().expect("query HMAC");
    assert_eq!(hmac.len(), 64);
    let text = format!("{:?}", row.entry);
    for secret in [
        "たかはし",
        "タカハシ",
        "19930101",
        "髙橋",
        Known::TAKAHASHI_MY_NUMBER,
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // A My Number search logs its HMAC, never the digits.
    person_numbers(&clerk, Known::TAKAHASHI_MY_NUMBER).await;
    let row = &app.audit_tail(1)[0];
    assert!(!format!("{:?}", row.entry).contains(Known::TAKAHASHI_MY_NUMBER));
}

#[tokio::test]
async fn badges_come_through_for_moved_out_deceased_and_protected() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let r = clerk.search(Known::YAMAZAKI).await.expect("search").results;
    assert_eq!(r[0].status, ResidentStatus::MovedOut);
    let r = clerk.search(Known::DECEASED).await.expect("search").results;
    assert_eq!(r[0].status, ResidentStatus::Deceased);
    let r = clerk
        .search(Known::PROTECTED)
        .await
        .expect("search")
        .results;
    assert!(r[0].support_measure);
    assert_eq!(r[0].address, None, "clerk may not see a protected address");
    assert!(app.audit_tail(1)[0].entry.sensitive, "touch is highlighted");
}

#[tokio::test]
async fn the_my_number_is_masked_for_assessment_and_absent_for_everyone_else() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let record = clerk.resident(Known::TAKAHASHI).await.expect("record");
    assert_eq!(record.my_number_masked.as_deref(), Some("********9018"));
    assert!(record.can_reveal);

    for user in [COLLECTIONS, AUDITOR] {
        let client = app.login(user).await;
        let (status, body, _) = client
            .raw(
                Method::GET,
                &format!("/residents/{}", Known::TAKAHASHI),
                None,
            )
            .await
            .expect("raw");
        assert_eq!(status, 200, "{user}");
        assert!(!body.contains("9018"), "{user} got the digits: {body}");
        assert!(body.contains("\"my_number_masked\":null"), "{body}");
        let record = client.resident(Known::TAKAHASHI).await.expect("record");
        assert!(!record.can_reveal);
    }
}

#[tokio::test]
async fn revealing_is_explicit_permitted_and_logged() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let shown = clerk
        .reveal(Known::TAKAHASHI, "counter_identity")
        .await
        .expect("reveal");
    assert_eq!(shown.my_number.expose(), Known::TAKAHASHI_MY_NUMBER);
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("reveal", "ok")
    );
    assert_eq!(row.entry.subjects, vec![Known::TAKAHASHI.to_string()]);

    let collections = app.login(COLLECTIONS).await;
    let (status, body, _) = collections
        .raw(
            Method::POST,
            &format!("/residents/{}/reveal", Known::TAKAHASHI),
            Some(r#"{"reason":"curious"}"#.into()),
        )
        .await
        .expect("raw");
    assert_eq!(status, 403);
    assert!(!body.contains("9018"));
    let row = &app.audit_tail(1)[0];
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("reveal", "denied")
    );
    assert_eq!(row.entry.user_id, COLLECTIONS);
}

#[tokio::test]
async fn a_protected_address_is_shown_only_with_the_permission() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let (_, body, _) = clerk
        .raw(
            Method::GET,
            &format!("/residents/{}", Known::PROTECTED),
            None,
        )
        .await
        .expect("raw");
    assert!(!body.contains(Known::PROTECTED_ADDRESS), "{body}");
    let record = clerk.resident(Known::PROTECTED).await.expect("record");
    assert!(record.address_hidden);
    assert!(app.audit_tail(1)[0].entry.sensitive);

    let supervisor = app.login(SUPERVISOR).await;
    let record = supervisor.resident(Known::PROTECTED).await.expect("record");
    assert_eq!(record.address.as_deref(), Some(Known::PROTECTED_ADDRESS));
}

#[tokio::test]
async fn an_unknown_or_malformed_person_number_is_a_clear_error() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    let missing = clerk.resident("9999999999").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
    let bad = clerk.resident("12ab").await.unwrap_err();
    assert_eq!(bad.status(), Some(400));
}

/// Enough read allowance for a probe of a few hundred searches.
fn probing_config() -> ServerConfig {
    ServerConfig {
        reads_per_second: 1000,
        read_burst: 1000,
        ..ServerConfig::default()
    }
}

/// The probe: narrowing an address search 丁目 by 丁目, 番 by 番, 号 by 号,
/// with the name, reading or person number alongside, never makes the
/// 支援措置 resident (齋藤 美咲, 番所市北町9丁目9番9号) appear for a clerk
/// who may not see the address; the supervisor, who may, finds her by it.
#[tokio::test]
async fn an_address_term_never_makes_a_protected_resident_match_without_the_permission() {
    let app = spawn_app_with(probing_config(), 300).await;
    let clerk = app.login(CLERK).await;
    let mut probes = Vec::new();
    for n in 1..=12 {
        for m in 1..=12 {
            probes.push(format!("齋藤 北町{n}丁目{m}番"));
        }
    }
    for k in 1..=12 {
        probes.push(format!("齋藤 北町9丁目9番{k}号"));
        probes.push(format!("北町9丁目9番{k}号"));
        probes.push(format!("さいとう 9丁目9番{k}号"));
        probes.push(format!("{} 9丁目9番{k}号", Known::PROTECTED));
        probes.push(format!("19880707 9-9-{k}"));
    }
    probes.push("北町".into());
    probes.push("番所市".into());
    for query in &probes {
        let response = clerk
            .search(query)
            .await
            .unwrap_or_else(|e| panic!("search {query:?}: {e}"));
        assert!(
            !response
                .results
                .iter()
                .any(|r| r.person_number == Known::PROTECTED),
            "{query:?} found the protected resident"
        );
    }
    // Her name alone still finds her, with the address hidden.
    let by_name = clerk.search("齋藤").await.expect("search").results;
    let row = by_name
        .iter()
        .find(|r| r.person_number == Known::PROTECTED)
        .expect("found by name");
    assert_eq!(row.address, None);

    let supervisor = app.login(SUPERVISOR).await;
    let found = supervisor
        .search("齋藤 北町9丁目9番9号")
        .await
        .expect("search")
        .results;
    let row = found
        .iter()
        .find(|r| r.person_number == Known::PROTECTED)
        .expect("the supervisor finds her by the address");
    assert_eq!(row.address.as_deref(), Some(Known::PROTECTED_ADDRESS));
}

fn shown(response: &SearchResponse) -> (Vec<String>, usize, bool) {
    let people = response
        .results
        .iter()
        .map(|r| r.person_number.clone())
        .collect::<Vec<_>>();
    let count = people.len();
    (people, count, response.truncated)
}

/// With exactly the limit of other residents matching, a protected resident
/// whose address also matches must not tip the answer into "truncated": the
/// list, its count and the flag are those of the same search with her gone.
#[tokio::test]
async fn a_protected_resident_changes_neither_count_nor_truncation_of_an_address_search() {
    let config = ServerConfig {
        max_results: 3,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, 0).await;
    let neighbours: Vec<_> = (1..=3u8)
        .map(|i| {
            let mut r = synth::generate(1, u64::from(i));
            r.person_number = PersonNumber::parse(&format!("910000000{i}")).expect("person");
            r.my_number = MyNumber::from_base(&[9, 1, 0, 0, 0, 0, 0, 0, 0, 0, i]);
            r.family_name = "齋藤".into();
            r.family_kana = "サイトウ".into();
            r.address = format!("番所市北町9丁目9番{i}号");
            r.support_measure = false;
            data_dir::resident_row(&app.keys, &r)
        })
        .collect();
    app.store.insert_residents(&neighbours).expect("insert");
    let query = "齋藤 北町9丁目9番";

    let clerk = app.login(CLERK).await;
    let with_her = shown(&clerk.search(query).await.expect("search"));
    app.raw_db()
        .execute(
            "DELETE FROM residents WHERE person_number = ?1",
            [Known::PROTECTED],
        )
        .expect("delete");
    let without_her = shown(&clerk.search(query).await.expect("search"));
    let mut neighbours_shown = without_her.0.clone();
    neighbours_shown.sort();
    assert_eq!(
        (neighbours_shown, without_her.1, without_her.2),
        (
            vec![
                "9100000001".to_string(),
                "9100000002".to_string(),
                "9100000003".to_string()
            ],
            3,
            false
        ),
        "the neighbours fill the limit exactly"
    );
    assert_eq!(with_her, without_her);
}

/// A My Number search by a role whose work does not need the number:
/// 403 with a message saying what to search by, a refused row, no search.
async fn assert_my_number_search_refused(app: &TestApp, user: &str, query: &str) {
    let client = app.login(user).await;
    let body = serde_json::json!({ "query": query }).to_string();
    let (status, body, _) = client
        .raw(Method::POST, "/residents/search", Some(body))
        .await
        .expect("raw");
    assert_eq!(status, 403, "{user} {query:?}: {body}");
    let error: bansho::api::error::ErrorBody = serde_json::from_str(&body).expect("error body");
    assert_eq!(error.error.code, ErrorCode::Forbidden);
    let message = &error.error.message;
    assert!(
        message.contains("My Number") && message.contains("name, date of birth or person number"),
        "{message}"
    );
    assert!(!body.contains(Known::TAKAHASHI), "{body}");
    assert_eq!(
        error.error.search_refusal,
        Some(SearchRefusal::MyNumberNotPermitted),
        "{body}"
    );
    let row = &app.audit_tail(1)[0];
    assert_eq!(row.entry.user_id, user);
    assert_eq!(
        (row.entry.action.as_str(), row.entry.outcome.as_str()),
        ("search", "denied")
    );
    assert_eq!(row.entry.detail, "my_number_search_not_permitted");
    assert!(row.entry.subjects.is_empty(), "nothing was searched");
}

#[tokio::test]
async fn searching_by_my_number_is_refused_where_the_work_does_not_need_it() {
    let app = spawn_app().await;
    for user in [COLLECTIONS, AUDITOR] {
        for query in [
            Known::TAKAHASHI_MY_NUMBER,
            "1234 5678 9018",
            "1234-5678-9018",
            "高橋 123456789018",
            // A wrong check digit is refused alike: no oracle for it either.
            "123456789019",
        ] {
            assert_my_number_search_refused(&app, user, query).await;
        }
        // Their own work's searches still answer.
        let client = app.login(user).await;
        assert!(
            person_numbers(&client, "高橋 本町3丁目")
                .await
                .contains(&Known::TAKAHASHI.to_string()),
            "{user}"
        );
    }
    for user in [CLERK, SUPERVISOR] {
        let client = app.login(user).await;
        assert_eq!(
            person_numbers(&client, Known::TAKAHASHI_MY_NUMBER).await,
            [Known::TAKAHASHI],
            "{user}"
        );
    }
}

fn read(kind: TermKind, shown: &str) -> ReadTerm {
    ReadTerm {
        kind,
        shown: Some(shown.into()),
    }
}

/// Residents at these addresses, written as the register writes them;
/// their person numbers.
fn residents_at(app: &TestApp, addresses: &[&str]) -> Vec<String> {
    let rows: Vec<_> = addresses
        .iter()
        .zip(1u8..)
        .map(|(address, i)| {
            let mut r = synth::generate(5, u64::from(i));
            r.person_number = PersonNumber::parse(&format!("95000000{i:02}")).expect("person");
            r.my_number = MyNumber::from_base(&[9, 5, 0, 0, 0, 0, 0, 0, 0, i / 10, i % 10]);
            r.address = (*address).into();
            r.support_measure = false;
            data_dir::resident_row(&app.keys, &r)
        })
        .collect();
    app.store.insert_residents(&rows).expect("insert");
    rows.iter().map(|r| r.person_number.to_string()).collect()
}

/// The examples of the issue and of the operator guide, typed as a clerk
/// types them: hyphens of every width find the written 丁目/番/号, and the
/// answer says each was read as an address.
#[tokio::test]
async fn hyphenated_addresses_find_the_written_ones() {
    let app = spawn_app().await;
    let people = residents_at(
        &app,
        &[
            "番所市栄町5丁目23番3号",
            "番所市本町4丁目5番1号",
            "番所市本町3丁目14番5号",
            "番所市本町3丁目4番56号",
        ],
    );
    let sakae = people[0].clone();
    let clerk = app.login(CLERK).await;
    for (typed, shown, person) in [
        ("5-23-3", "5-23-3", &sakae),
        ("栄町5-23-3", "栄町5-23-3", &sakae),
        ("栄町５－２３－３", "栄町5-23-3", &sakae),
        ("栄町5丁目23番3号", "栄町5丁目23番3号", &sakae),
        ("４－５", "4-5", &Known::TAKAHASHI.to_string()),
        ("4-5", "4-5", &Known::TAKAHASHI.to_string()),
        ("本町3丁目", "本町3丁目", &Known::TAKAHASHI.to_string()),
    ] {
        let response = clerk
            .search(typed)
            .await
            .unwrap_or_else(|e| panic!("search {typed:?}: {e}"));
        assert_eq!(
            response.read_as,
            [read(TermKind::Address, shown)],
            "{typed:?}"
        );
        let found: Vec<&str> = response
            .results
            .iter()
            .map(|r| r.person_number.as_str())
            .collect();
        assert!(
            found.contains(&person.as_str()),
            "{typed:?} found {found:?}"
        );
    }
    // A number ends where it ends: 4-5 is not 4-56. Typed without the 町
    // name, its first number may end a longer one (14番5号).
    let found = clerk.search("4-5").await.expect("search").results;
    let numbers: Vec<&str> = found.iter().map(|r| r.person_number.as_str()).collect();
    assert!(
        numbers.contains(&people[1].as_str()),
        "4丁目5番: {numbers:?}"
    );
    assert!(
        numbers.contains(&people[2].as_str()),
        "14番5号: {numbers:?}"
    );
    assert!(
        !numbers.contains(&people[3].as_str()),
        "4番56号: {numbers:?}"
    );
    for result in found {
        let address = result.address.unwrap_or_default();
        let numbers: Vec<&str> = address
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .collect();
        assert!(
            numbers
                .windows(2)
                .any(|w| w[0].ends_with('4') && w[1] == "5"),
            "4-5 found {address}"
        );
    }
}

#[tokio::test]
async fn the_answer_says_how_the_box_was_read_and_the_log_stays_without_it() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for (typed, read_as) in [
        (
            "やまだ 4050101",
            vec![
                read(TermKind::Reading, "ヤマダ"),
                read(TermKind::BirthDate, "1993-01-01"),
            ],
        ),
        (
            "髙橋 本町3丁目",
            vec![
                read(TermKind::Name, "高橋"),
                read(TermKind::Address, "本町3丁目"),
            ],
        ),
        ("ﾔﾏﾀﾞ　ﾀﾛｳ", vec![read(TermKind::Reading, "ヤマダタロウ")]),
        ("H5.1.1", vec![read(TermKind::BirthDate, "1993-01-01")]),
        (
            Known::TAKAHASHI,
            vec![read(TermKind::PersonNumber, Known::TAKAHASHI)],
        ),
        // A surname that reads as a place is searched as an address, and
        // the answer says so.
        ("本町", vec![read(TermKind::Address, "本町")]),
        (
            "1234 5678 9018",
            vec![read(TermKind::MyNumber, "********9018")],
        ),
    ] {
        let response = clerk.search(typed).await.expect("search");
        assert_eq!(response.read_as, read_as, "{typed:?}");
        let row = &app.audit_tail(1)[0];
        assert_eq!(row.entry.action, "search");
        let logged = format!("{:?}", row.entry);
        for term in &read_as {
            let shown = term.shown.as_deref().unwrap_or_default();
            if term.kind != TermKind::PersonNumber {
                assert!(!logged.contains(shown), "{shown} logged: {logged}");
            }
        }
        assert!(!logged.contains("9018"), "{logged}");
    }
    // The full number never travels back, not even in the answer's JSON.
    let body = serde_json::json!({ "query": Known::TAKAHASHI_MY_NUMBER }).to_string();
    let (status, body, _) = clerk
        .raw(Method::POST, "/residents/search", Some(body))
        .await
        .expect("raw");
    assert_eq!(status, 200);
    assert!(!body.contains(Known::TAKAHASHI_MY_NUMBER), "{body}");
    assert!(
        body.contains(r#""read_as":[{"kind":"my_number","shown":"********9018"}]"#),
        "{body}"
    );
}

fn refusal_of(error: ClientError) -> Option<SearchRefusal> {
    match error {
        ClientError::Api { error, .. } => error.search_refusal,
        _ => None,
    }
}

/// Every refusal of the classifier carries its code and parameters, beside
/// the English message for API clients.
#[tokio::test]
async fn a_refused_search_carries_a_code_and_its_parameters() {
    let app = spawn_app().await;
    let clerk = app.login(CLERK).await;
    for (typed, refusal, english) in [
        (
            "123456789019",
            SearchRefusal::MyNumberCheckDigit,
            "check digit",
        ),
        (
            "やまだ 4320101",
            SearchRefusal::EraYearAfterLast {
                term: 2,
                era: Era::Heisei,
                year: 32,
                era_end: "2019-04-30".into(),
            },
            "has no year 32",
        ),
        (
            "1993-02-30",
            SearchRefusal::NoSuchDate {
                term: 1,
                year: 1993,
                month: 2,
                day: 30,
            },
            "no such date",
        ),
        (
            "山田 yamada",
            SearchRefusal::Unrecognised { term: 2 },
            "term 2 is not understood",
        ),
        (
            "山田\u{200b}",
            SearchRefusal::ControlCharacter { position: 3 },
            "character 3",
        ),
        (
            "a b c d e f g",
            SearchRefusal::TooManyTerms { max_terms: 6 },
            "at most 6",
        ),
    ] {
        let error = clerk.search(typed).await.unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::InvalidQuery), "{typed:?}");
        assert!(error.to_string().contains(english), "{typed:?}: {error}");
        assert_eq!(refusal_of(error), Some(refusal), "{typed:?}");
    }
    let body = serde_json::json!({ "query": "123456789019" }).to_string();
    let (status, body, _) = clerk
        .raw(Method::POST, "/residents/search", Some(body))
        .await
        .expect("raw");
    assert_eq!(status, 400);
    assert!(
        body.contains(r#""search_refusal":{"reason":"my_number_check_digit"}"#),
        "{body}"
    );
}

/// The examples of the operator guide's table of what the search box
/// takes, as a clerk types them: each is searched (none refused) and finds
/// someone, and each address example is read as an address.
#[tokio::test]
async fn every_example_of_the_operator_guide_search_table_works() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/operator-guide.md"
    ))
    .expect("operator guide");
    let section = guide
        .split("## The search box")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the search box section");
    let mut examples: Vec<(String, bool)> = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let address = cells.get(1).is_some_and(|c| c.starts_with("address"));
        let typed = cells[0].trim_start_matches("| ");
        examples.extend(
            typed
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|e| (e.to_string(), address)),
        );
    }
    assert!(examples.len() >= 15, "{examples:?}");

    let app = spawn_app().await;
    let mut yamada = synth::generate(9, 1);
    // The guide's 宛名番号 is the first one a fresh store gives out.
    yamada.person_number = PersonNumber::from_index(1);
    yamada.my_number = MyNumber::from_base(&[9, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    (yamada.family_name, yamada.family_kana) = ("山田".into(), "ヤマダ".into());
    (yamada.given_name, yamada.given_kana) = ("太郎".into(), "タロウ".into());
    yamada.birth_date = time::macros::date!(1993 - 01 - 01);
    yamada.address = "番所市栄町5丁目23番3号".into();
    yamada.support_measure = false;
    app.store
        .insert_residents(&[data_dir::resident_row(&app.keys, &yamada)])
        .expect("insert");
    let clerk = app.login(CLERK).await;
    for (typed, address) in &examples {
        let response = clerk
            .search(typed)
            .await
            .unwrap_or_else(|e| panic!("the guide's {typed:?} is refused: {e}"));
        assert!(
            !response.results.is_empty(),
            "the guide's {typed:?} finds nobody"
        );
        if *address {
            assert_eq!(
                response.read_as.iter().map(|r| r.kind).collect::<Vec<_>>(),
                [TermKind::Address],
                "{typed:?}"
            );
        }
    }
}
