use time::Duration;
use time::macros::datetime;

use super::*;

const AT: OffsetDateTime = datetime!(2027-04-01 09:00 UTC);

#[cfg(feature = "server")]
mod reading {
    use super::*;

    fn bad(csv: &str) -> Vec<(u64, &'static str)> {
        parse(csv.as_bytes())
            .expect_err("refused")
            .iter()
            .map(|b| (b.line, b.problem.code()))
            .collect()
    }

    #[test]
    fn english_and_japanese_headers_in_any_order_read_alike() {
        let english = "staff_id,name,department,status\n\
                       kazei01,山田 太郎,assessment,active\n\
                       nozei01,佐藤 花子,collections,leave\n";
        let japanese = "\u{feff}在籍区分,所属,氏名,職員番号\r\n\
                        在職,課税課,山田 太郎,kazei01\r\n\
                        休職,納税課,佐藤 花子,nozei01\r\n";
        let a = parse(english.as_bytes()).expect("english");
        let b = parse(japanese.as_bytes()).expect("japanese");
        assert_eq!(a.len(), 2);
        for roster in [&a, &b] {
            let kazei = roster.get("kazei01").expect("kazei01");
            assert_eq!(
                (kazei.department, kazei.status, kazei.line),
                (Department::Assessment, RosterStatus::Active, 2)
            );
            let nozei = roster.get("nozei01").expect("nozei01");
            assert_eq!(
                (nozei.department, nozei.status),
                (Department::Collections, RosterStatus::Leave)
            );
        }
    }

    #[test]
    fn codes_take_any_case_and_fields_any_padding() {
        let roster = parse(
            "STAFF_ID,Name,Department,Status\n joho01 ,\u{3000}鈴木\u{3000},Information_Systems,LEFT\n"
                .as_bytes(),
        )
        .expect("read");
        let joho = roster.get("joho01").expect("joho01");
        assert_eq!(joho.department, Department::InformationSystems);
        assert_eq!(joho.status, RosterStatus::Left);
        let audit = parse("staff_id,name,department,status\nk1,x,監査,退職\n".as_bytes()).unwrap();
        assert_eq!(audit.get("k1").unwrap().department, Department::Audit);
    }

    #[test]
    fn every_bad_line_is_named_with_what_is_wrong() {
        let csv = "staff_id,name,department,status\n\
                   kazei01,山田,assessment,active\n\
                   kazei02,田中,tax,active\n\
                   kazei03,佐藤,assessment,retired\n\
                   kazei04,,assessment,active\n\
                   kazei05,鈴木\u{1b}[2J,assessment,active\n\
                   kazei01,山田,assessment,left\n\
                   kazei06,高橋,assessment\n\
                   kazei07,伊藤,assessment,active,extra\n\
                   kazei08,\"渡辺\n次郎\",assessment,active\n";
        assert_eq!(
            bad(csv),
            [
                (3, "unknown_department"),
                (4, "unknown_status"),
                (5, "missing_field"),
                (6, "control_characters"),
                (7, "duplicate_staff_id"),
                (8, "missing_field"),
                (9, "extra_fields"),
                (10, "control_characters"),
            ]
        );
        let problems = parse(csv.as_bytes()).unwrap_err();
        assert_eq!(
            problems[4].to_string(),
            "line 7: the staff_id is on line 2 already"
        );
        assert_eq!(
            problems[2].to_string(),
            "line 5: `name` is empty or missing"
        );
        // No line's content is repeated back.
        for p in &problems {
            let text = p.to_string();
            assert!(
                !text.contains("retired") && !text.contains("tax,"),
                "{text}"
            );
        }
    }

    #[test]
    fn lines_are_counted_in_files_with_crlf_and_blank_lines() {
        let csv = "staff_id,name,department,status\r\n\r\nk1,x,assessment,active\r\nk2,y,nowhere,active\r\n";
        assert_eq!(bad(csv), [(4, "unknown_department")]);
        let quoted = "staff_id,name,department,status\r\nk1,\"a\r\nb\",audit,active\r\nk2,y,nowhere,active\r\n";
        assert_eq!(
            bad(quoted),
            [(2, "control_characters"), (4, "unknown_department")]
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_name_their_line() {
        let mut csv = b"staff_id,name,department,status\nkazei01,".to_vec();
        // 山田 in Shift_JIS.
        csv.extend([0x8e, 0x52, 0x93, 0x63]);
        csv.extend(b",assessment,active\n");
        assert_eq!(
            parse(&csv).unwrap_err(),
            [BadLine {
                line: 2,
                problem: LineProblem::NotUtf8
            }]
        );
    }

    #[test]
    fn a_bad_header_names_its_columns() {
        assert_eq!(bad(""), [(1, "no_header")]);
        assert_eq!(bad("\n\n"), [(1, "no_header")]);
        assert_eq!(
            bad("staff_id,name,section,status\nk1,x,assessment,active\n"),
            [(1, "unknown_column"), (1, "missing_column")]
        );
        assert_eq!(
            bad("staff_id,職員番号,name,department,status\n"),
            [(1, "repeated_column")]
        );
        assert_eq!(
            bad("staff_id,name,department,status\n"),
            [(2, "nobody_listed")]
        );
        let text = parse(b"staff_id,name,status\n").unwrap_err()[0].to_string();
        assert_eq!(text, "line 1: the header has no column `department`");
    }

    #[test]
    fn a_long_id_is_refused_and_empty_rows_are_skipped() {
        let long = format!(
            "staff_id,name,department,status\n{},x,assessment,active\n",
            "k".repeat(MAX_STAFF_ID_CHARS + 1)
        );
        assert_eq!(bad(&long), [(2, "staff_id_too_long")]);
        let rows =
            "staff_id,name,department,status\nk1,x,assessment,active\n,,,\nk2,y,audit,active\n";
        assert_eq!(parse(rows.as_bytes()).unwrap().len(), 2);
    }
}

fn grant(id: &str, user: &str, department: Department) -> Grant {
    Grant::bootstrap(
        id.into(),
        user,
        Role::Clerk,
        department,
        AT - Duration::days(100),
        "admin-cli",
    )
}

fn person(staff_id: &str, department: Department, status: RosterStatus) -> RosterEntry {
    RosterEntry {
        staff_id: staff_id.into(),
        department,
        status,
        line: 2,
    }
}

#[test]
fn findings_name_the_grant_the_user_and_the_reason() {
    let roster = Roster::new(vec![
        person("fine01", Department::Assessment, RosterStatus::Active),
        person("left01", Department::Assessment, RosterStatus::Left),
        person("leave01", Department::Collections, RosterStatus::Leave),
        person("moved01", Department::Collections, RosterStatus::Active),
    ])
    .expect("roster");
    let mut expired = grant("g-expired", "ghost02", Department::Assessment);
    expired.expires_at = Some(AT - Duration::days(1));
    let mut revoked = grant("g-revoked", "left01", Department::Assessment);
    revoked.state = crate::domain::grant::GrantState::Revoked;
    let mut scheduled = grant("g-later", "left01", Department::Audit);
    scheduled.starts_at = AT + Duration::days(3);
    let grants = [
        grant("g-fine", "fine01", Department::Assessment),
        grant("g-left", "left01", Department::Assessment),
        grant("g-leave", "leave01", Department::Collections),
        grant("g-moved", "moved01", Department::Assessment),
        grant("g-ghost", "ghost01", Department::Audit),
        expired,
        revoked,
        scheduled,
    ];
    let findings = compare(&roster, &grants, AT);
    let got: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.user_id.as_str(),
                f.grant_id.as_str(),
                f.reason,
                f.roster_department,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ghost01", "g-ghost", FindingReason::NotOnRoster, None),
            ("leave01", "g-leave", FindingReason::OnLeave, None),
            ("left01", "g-later", FindingReason::Left, None),
            ("left01", "g-left", FindingReason::Left, None),
            (
                "moved01",
                "g-moved",
                FindingReason::Moved,
                Some(Department::Collections)
            ),
        ]
    );
    let moved = &findings[4];
    assert_eq!(
        (moved.role, moved.department),
        (Role::Clerk, Department::Assessment)
    );
}

#[test]
fn a_roster_where_everyone_fits_finds_nothing() {
    let roster = Roster::new(vec![person(
        "fine01",
        Department::Assessment,
        RosterStatus::Active,
    )])
    .expect("roster");
    assert!(compare(&roster, &[grant("g", "fine01", Department::Assessment)], AT).is_empty());
    assert!(
        Roster::new(vec![
            person("a", Department::Audit, RosterStatus::Active),
            person("a", Department::Audit, RosterStatus::Left),
        ])
        .is_none()
    );
}

#[test]
fn names_read_back() {
    for reason in FindingReason::ALL {
        assert_eq!(FindingReason::parse(reason.as_str()), Some(reason));
    }
    for status in RosterStatus::ALL {
        assert_eq!(RosterStatus::parse(status.as_str()), Some(status));
        assert_eq!(RosterStatus::parse(status.japanese()), Some(status));
    }
    assert_eq!(parse_department("納税課"), Some(Department::Collections));
    assert_eq!(parse_department("総務課"), None);
}
