//! How the box was read, and refused searches, in the clerk's language.

use std::collections::BTreeSet;

use super::*;
use crate::api::{ApiError, ReadTerm, SearchRefusal, TermKind};
use crate::client::ClientError;
use crate::tui::i18n::I18n;
use crate::tui::search_refusal::{refusal_key, refusal_note};
use crate::tui::status::Note;
use crate::tui::widgets::read_as::kind_key;

fn term(kind: TermKind, shown: Option<&str>) -> ReadTerm {
    ReadTerm {
        kind,
        shown: shown.map(Into::into),
    }
}

fn read_as(terms: Vec<ReadTerm>, results: Vec<ResidentSummary>) -> Result<SearchResponse, Failure> {
    Ok(SearchResponse {
        read_as: terms,
        results,
        truncated: false,
        limit: 50,
    })
}

fn one_result(address: &str) -> Vec<ResidentSummary> {
    vec![summary(
        "1000000007",
        "本町 花子",
        "ホンマチ ハナコ",
        "1985-06-01",
        Sex::Female,
        Some(address),
        ResidentStatus::Resident,
        false,
    )]
}

/// A refusal as the client hands it over: the service's English text and
/// its code.
fn refused(status: u16, code: ErrorCode, message: &str, refusal: SearchRefusal) -> Failure {
    Failure::from(ClientError::Api {
        status,
        error: ApiError {
            code,
            message: message.into(),
            search_refusal: Some(refusal),
        },
    })
}

#[test]
fn the_line_above_the_results_says_how_the_box_was_read() {
    for (lang, name, expected) in [
        (
            Lang::Ja,
            "query_read_as_ja",
            "住所 栄町5-23-3、生年月日 1993-01-01 で検索",
        ),
        (
            Lang::En,
            "query_read_as_en",
            "Searched for address 栄町5-23-3, born 1993-01-01",
        ),
    ] {
        let mut app = new_app(lang, false);
        log_in(&mut app, Department::Assessment);
        search(
            &mut app,
            "栄町5-23-3 19930101",
            read_as(
                vec![
                    term(TermKind::Address, Some("栄町5-23-3")),
                    term(TermKind::BirthDate, Some("1993-01-01")),
                ],
                one_result("番所市栄町5丁目23番3号"),
            ),
        );
        let terminal = draw(&app, 80, 24);
        let text = screen_text(&terminal);
        assert!(text.contains(expected), "{text}");
        insta::assert_snapshot!(name, terminal.backend());
    }
}

/// The case the line is for: a surname that reads as a place (本町) is
/// searched as an address, and the line says so before anyone is picked.
#[test]
fn a_name_read_as_an_address_shows_as_an_address() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    search(
        &mut app,
        "本町",
        read_as(
            vec![term(TermKind::Address, Some("本町"))],
            one_result("番所市本町1丁目2番3号"),
        ),
    );
    let terminal = draw(&app, 80, 24);
    let text = screen_text(&terminal);
    assert!(text.contains("住所 本町 で検索"), "{text}");
    insta::assert_snapshot!("query_name_read_as_address_ja", terminal.backend());
}

#[test]
fn every_kind_of_term_has_its_label_and_a_my_number_shows_only_masked() {
    for lang in [Lang::Ja, Lang::En] {
        let mut app = new_app(lang, false);
        log_in(&mut app, Department::Assessment);
        search(
            &mut app,
            "123456789018",
            read_as(
                vec![
                    term(TermKind::MyNumber, Some("********9018")),
                    term(TermKind::MyNumber, None),
                    term(TermKind::PersonNumber, Some("1000000001")),
                    term(TermKind::Reading, Some("ヤマダ")),
                    term(TermKind::Name, Some("高橋")),
                    term(TermKind::BirthDate, Some("1993-01-01")),
                    term(TermKind::Address, Some("本町")),
                ],
                one_result("番所市本町1丁目2番3号"),
            ),
        );
        let text = screen_text(&draw(&app, 200, 24));
        let t = I18n::new(lang);
        let line = text
            .lines()
            .find(|l| l.contains("********9018"))
            .unwrap_or_else(|| panic!("no read-as line:\n{text}"));
        for kind in TermKind::ALL {
            assert!(line.contains(t.t(kind_key(kind))), "{kind:?}: {line}");
        }
        assert!(!line.contains("12345678"), "{line}");
    }
}

#[test]
fn the_line_goes_with_the_results_it_describes() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    // Before any search there is no line, and the screen is as it was.
    assert!(!screen_text(&draw(&app, 80, 24)).contains("で検索"));
    search(
        &mut app,
        "本町",
        read_as(
            vec![term(TermKind::Address, Some("本町"))],
            one_result("番所市本町1丁目2番3号"),
        ),
    );
    assert!(screen_text(&draw(&app, 80, 24)).contains("住所 本町 で検索"));
    // A refused search clears the results and the line with them.
    search(
        &mut app,
        "4320101",
        Err(refused(
            400,
            ErrorCode::InvalidQuery,
            "term 1 is not a valid date of birth",
            SearchRefusal::NotADate { term: 1 },
        )),
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(!text.contains("で検索"), "{text}");
    assert!(app.search.read_as.is_empty());
    // Logging out forgets it.
    search(
        &mut app,
        "本町",
        read_as(vec![term(TermKind::Address, Some("本町"))], vec![]),
    );
    assert!(!app.search.read_as.is_empty());
    press(&mut app, KeyCode::F(10));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen(), Screen::Login);
    assert!(app.search.read_as.is_empty());
}

#[test]
fn a_shown_term_is_drawn_without_its_controls() {
    let mut app = new_app(Lang::En, false);
    log_in(&mut app, Department::Assessment);
    search(
        &mut app,
        "x",
        read_as(
            vec![term(TermKind::Name, Some("山田\x1b[2J\u{202E}太郎"))],
            vec![],
        ),
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("name 山田〓[2J〓太郎"), "{text}");
    assert!(!text.contains('\x1b'));
}

#[test]
fn a_refused_search_is_said_in_japanese_under_lang_ja() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    let english =
        "term 2 is not a valid date of birth: 平成 has no year 32 (it ended on 2019-04-30)";
    search(
        &mut app,
        "やまだ 4320101",
        Err(refused(
            400,
            ErrorCode::InvalidQuery,
            english,
            SearchRefusal::EraYearAfterLast {
                term: 2,
                era: crate::domain::wareki::Era::Heisei,
                year: 32,
                era_end: "2019-04-30".into(),
            },
        )),
    );
    let terminal = draw(&app, 120, 24);
    let text = screen_text(&terminal);
    assert!(
        text.contains("生年月日（2番目の語）：平成32年はありません（平成は2019-04-30まで）"),
        "{text}"
    );
    assert!(!text.contains("not a valid"), "{text}");
    insta::assert_snapshot!("query_refused_date_ja", terminal.backend());

    // The My Number refusal of a role whose work does not need the number.
    search(
        &mut app,
        "123456789018",
        Err(refused(
            403,
            ErrorCode::Forbidden,
            "searching by My Number is not part of your work",
            SearchRefusal::MyNumberNotPermitted,
        )),
    );
    let text = screen_text(&draw(&app, 120, 24));
    assert!(
        text.contains("個人番号での検索はあなたの業務に含まれません"),
        "{text}"
    );
}

#[test]
fn a_service_error_without_a_refusal_code_keeps_the_service_text() {
    let failure = Failure::from(ClientError::Api {
        status: 429,
        error: ApiError {
            code: ErrorCode::RateLimited,
            message: "too many requests".into(),
            search_refusal: None,
        },
    });
    assert_eq!(
        failure.message,
        crate::tui::action::FailureText::Service("too many requests".into())
    );
}

/// The keys of one locale section.
fn section_keys(lang: Lang, section: &str) -> BTreeSet<String> {
    let source = match lang {
        Lang::Ja => include_str!("../../../locales/ja.toml"),
        Lang::En => include_str!("../../../locales/en.toml"),
    };
    let table: toml::Table = source.parse().expect("locale parses");
    table
        .get(section)
        .and_then(|v| v.as_table())
        .map(|t| t.keys().map(|k| format!("{section}.{k}")).collect())
        .unwrap_or_default()
}

#[test]
fn every_refusal_code_has_text_in_both_locales_and_no_key_is_unused() {
    let examples = SearchRefusal::examples();
    let used: BTreeSet<String> = examples.iter().map(|r| refusal_key(r).to_owned()).collect();
    assert_eq!(used.len(), examples.len(), "one key per refusal");
    for refusal in &examples {
        assert_eq!(
            refusal_key(refusal),
            format!("search_refusal.{}", refusal.code())
        );
    }
    for lang in [Lang::Ja, Lang::En] {
        let t = I18n::new(lang);
        assert_eq!(section_keys(lang, "search_refusal"), used, "{lang:?}");
        for refusal in &examples {
            let Note::Local { key, args } = refusal_note(refusal) else {
                panic!("{refusal:?} is not localised");
            };
            let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let text = t.tf(key, &refs);
            assert!(!text.contains('{'), "{lang:?} {key}: unfilled {text}");
            // Every parameter the refusal carries is said.
            for (name, value) in &args {
                assert!(
                    text.contains(value.as_str()),
                    "{lang:?} {key}: {name} missing"
                );
            }
        }
    }
    // The read-as line: the sentence, the separator and one label a kind.
    let mut read_as: BTreeSet<String> = TermKind::ALL
        .iter()
        .map(|k| kind_key(*k).to_owned())
        .collect();
    read_as.extend(["read_as.line".to_owned(), "read_as.separator".to_owned()]);
    for lang in [Lang::Ja, Lang::En] {
        assert_eq!(section_keys(lang, "read_as"), read_as, "{lang:?}");
        assert!(I18n::new(lang).t("read_as.line").contains("{terms}"));
    }
}
