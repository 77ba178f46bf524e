use proptest::prelude::*;
use time::macros::datetime;

use super::*;

const AT: OffsetDateTime = datetime!(2026-11-23 09:00 UTC);

fn member(user: &str, role: Role, department: Department) -> Member {
    Member {
        user_id: user.into(),
        role,
        department,
    }
}

fn supervisor() -> Member {
    member("shunin01", Role::Supervisor, Department::Assessment)
}

fn it(user: &str) -> Member {
    member(user, Role::ItOfficer, Department::InformationSystems)
}

fn asked(days: i64) -> GrantRequest {
    GrantRequest {
        id: "g1".into(),
        user_id: "kazei09".into(),
        role: Role::Clerk,
        department: Department::Assessment,
        from: AT,
        until: AT + Duration::days(days),
        reason: "new clerk for the filing season".into(),
    }
}

fn requested() -> Grant {
    Grant::request(&supervisor(), asked(90), AT, &GrantRules::default()).expect("request")
}

#[test]
fn requested_applied_active_then_expired() {
    let grant = requested();
    assert_eq!(grant.status_at(AT), GrantStatus::Requested);
    assert!(!grant.in_force_at(AT));
    let active = grant.apply(&it("joho01"), AT).expect("apply");
    assert_eq!(active.revision, 2);
    assert_eq!(active.decided_by.as_deref(), Some("joho01"));
    assert!(active.in_force_at(AT));
    assert!(active.in_force_at(AT + Duration::days(90) - Duration::seconds(1)));
    assert_eq!(
        active.status_at(AT + Duration::days(90)),
        GrantStatus::Expired
    );
}

#[test]
fn a_supervisor_requests_only_for_their_department() {
    let rules = GrantRules::default();
    let other = member("shunin02", Role::Supervisor, Department::Collections);
    assert_eq!(
        Grant::request(&other, asked(30), AT, &rules),
        Err(GrantError::NotRequester)
    );
    let clerk = member("kazei01", Role::Clerk, Department::Assessment);
    assert_eq!(
        Grant::request(&clerk, asked(30), AT, &rules),
        Err(GrantError::NotRequester)
    );
    // An IT officer requests for information systems only.
    assert_eq!(
        Grant::request(&it("joho01"), asked(30), AT, &rules),
        Err(GrantError::NotRequester)
    );
    let for_it = GrantRequest {
        role: Role::ItOfficer,
        department: Department::InformationSystems,
        ..asked(30)
    };
    assert!(Grant::request(&it("joho01"), for_it, AT, &rules).is_ok());
}

#[test]
fn the_requester_never_applies() {
    let for_it = GrantRequest {
        role: Role::ItOfficer,
        department: Department::InformationSystems,
        ..asked(30)
    };
    let grant = Grant::request(&it("joho01"), for_it, AT, &GrantRules::default()).unwrap();
    assert_eq!(
        grant.clone().apply(&it("joho01"), AT),
        Err(GrantError::SelfApplication)
    );
    assert_eq!(
        grant.clone().apply(&it("kazei09"), AT),
        Err(GrantError::OwnGrant)
    );
    assert_eq!(
        grant.apply(&supervisor(), AT),
        Err(GrantError::NotItOfficer)
    );
}

#[test]
fn periods_are_checked() {
    let rules = GrantRules {
        max_length: Duration::days(30),
    };
    assert_eq!(
        Grant::request(&supervisor(), asked(31), AT, &rules),
        Err(GrantError::TooLong { days: 30 })
    );
    assert_eq!(
        Grant::request(&supervisor(), asked(0), AT, &rules),
        Err(GrantError::EmptyPeriod)
    );
    let past = GrantRequest {
        from: AT - Duration::days(10),
        until: AT - Duration::days(1),
        ..asked(1)
    };
    assert_eq!(
        Grant::request(&supervisor(), past, AT, &rules),
        Err(GrantError::AlreadyOver)
    );
    let misfit = GrantRequest {
        role: Role::Auditor,
        ..asked(10)
    };
    assert_eq!(
        Grant::request(&supervisor(), misfit, AT, &rules),
        Err(GrantError::NoWork)
    );
    let silent = GrantRequest {
        reason: "  ".into(),
        ..asked(10)
    };
    assert_eq!(
        Grant::request(&supervisor(), silent, AT, &rules),
        Err(GrantError::NoReason)
    );
}

#[test]
fn a_request_whose_period_passed_is_not_applied() {
    let late = AT + Duration::days(91);
    assert_eq!(
        requested().apply(&it("joho01"), late),
        Err(GrantError::AlreadyOver)
    );
}

#[test]
fn refused_and_revoked_are_final() {
    let refused = requested()
        .refuse(&it("joho01"), AT, "not needed")
        .expect("refuse");
    assert_eq!(refused.status_at(AT), GrantStatus::Refused);
    assert!(refused.clone().apply(&it("joho01"), AT).is_err());
    let revoked = requested()
        .apply(&it("joho01"), AT)
        .unwrap()
        .revoke(&it("joho02"), AT + Duration::hours(1), "moved")
        .expect("revoke");
    assert_eq!(revoked.status_at(AT), GrantStatus::Revoked);
    assert!(!revoked.in_force_at(AT + Duration::hours(2)));
    for next in [
        revoked.clone().revoke(&it("joho01"), AT, "again"),
        revoked.clone().apply(&it("joho01"), AT),
        revoked.extend(
            &it("joho01"),
            AT,
            AT + Duration::days(100),
            &GrantRules::default(),
        ),
    ] {
        assert!(matches!(next, Err(GrantError::WrongState { .. })));
    }
}

#[test]
fn extension_only_moves_expiry_later() {
    let active = requested().apply(&it("joho01"), AT).unwrap();
    let rules = GrantRules::default();
    let longer = active
        .clone()
        .extend(&it("joho01"), AT, AT + Duration::days(120), &rules)
        .expect("extend");
    assert_eq!(longer.expires_at, Some(AT + Duration::days(120)));
    assert_eq!(
        active
            .clone()
            .extend(&it("joho01"), AT, AT + Duration::days(30), &rules),
        Err(GrantError::EmptyPeriod)
    );
    assert_eq!(
        active.extend(&it("joho01"), AT, AT + Duration::days(400), &rules),
        Err(GrantError::TooLong { days: 366 })
    );
}

#[test]
fn a_scheduled_grant_starts_at_its_start() {
    let later = GrantRequest {
        from: AT + Duration::days(7),
        until: AT + Duration::days(30),
        ..asked(1)
    };
    let grant = Grant::request(&supervisor(), later, AT, &GrantRules::default())
        .unwrap()
        .apply(&it("joho01"), AT)
        .unwrap();
    assert_eq!(grant.status_at(AT), GrantStatus::Scheduled);
    assert!(grant.in_force_at(AT + Duration::days(7)));
}

#[test]
fn states_round_trip() {
    for state in GrantState::ALL {
        assert_eq!(GrantState::parse(state.as_str()), Some(state));
    }
    assert_eq!(GrantState::parse("expired"), None);
}

#[derive(Debug, Clone)]
enum Step {
    Apply(usize),
    Refuse(usize),
    Revoke(usize),
    Extend(usize, i64),
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..4usize).prop_map(Step::Apply),
        (0..4usize).prop_map(Step::Refuse),
        (0..4usize).prop_map(Step::Revoke),
        ((0..4usize), (1..500i64)).prop_map(|(w, d)| Step::Extend(w, d)),
        (1..100i64).prop_map(Step::Wait),
    ]
}

proptest! {
    /// Whatever happens, by whoever: the requester or grantee never applies,
    /// nobody extends their own, only IT officers change a grant, the revision rises by one with each
    /// change, and nothing leaves refused or revoked.
    #[test]
    fn the_rules_hold_for_any_run(steps in prop::collection::vec(step(), 0..20)) {
        let people = [
            it("joho01"),
            it("joho02"),
            supervisor(),
            member("kazei09", Role::ItOfficer, Department::InformationSystems),
        ];
        let rules = GrantRules::default();
        let mut grant = requested();
        let mut at = AT;
        for step in steps {
            let before = grant.clone();
            let next = match step {
                Step::Wait(days) => { at += Duration::days(days); continue; }
                Step::Apply(w) => before.clone().apply(&people[w], at),
                Step::Refuse(w) => before.clone().refuse(&people[w], at, "no"),
                Step::Revoke(w) => before.clone().revoke(&people[w], at, "moved"),
                Step::Extend(w, d) => before.clone().extend(&people[w], at, at + Duration::days(d), &rules),
            };
            if let Ok(next) = next {
                let by = match step {
                    Step::Apply(w) | Step::Refuse(w) | Step::Revoke(w) | Step::Extend(w, _) => &people[w],
                    Step::Wait(_) => unreachable!(),
                };
                prop_assert_eq!(by.role, Role::ItOfficer);
                if matches!(step, Step::Apply(_) | Step::Extend(..)) {
                    prop_assert_ne!(&by.user_id, &next.user_id);
                }
                prop_assert!(!matches!(before.state, GrantState::Refused | GrantState::Revoked));
                if next.state == GrantState::Active && before.state == GrantState::Requested {
                    prop_assert_ne!(&by.user_id, &next.requested_by);
                }
                prop_assert_eq!(next.revision, before.revision + 1);
                grant = next;
            }
        }
    }
}
