use rand::{Rng, SeedableRng};
use time::macros::datetime;

use super::*;

const RULES: SessionRules = SessionRules {
    idle: Duration::minutes(15),
    absolute: Duration::hours(12),
};
const LOGIN: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);
const ASSESSMENT: &[&str] = &["assessment", "certificate"];

fn clerk() -> Actor {
    Actor::staff("kazei01", "counter-01")
}

fn minutes(n: i64) -> OffsetDateTime {
    LOGIN + Duration::minutes(n)
}

fn awaiting() -> Session {
    Session::open(&clerk(), LOGIN, &RULES, ASSESSMENT, None).unwrap()
}

fn active() -> Session {
    Session::open(&clerk(), LOGIN, &RULES, ASSESSMENT, Some("certificate")).unwrap()
}

fn ended() -> Session {
    active().logout(&clerk(), minutes(1), &RULES).unwrap()
}

fn open_of(session: &Session) -> &Open {
    session.open_part().expect("not ended")
}

fn ended_as(session: Session) -> Ended {
    match session {
        Session::Ended(e) => e,
        other => panic!("not ended: {other:?}"),
    }
}

/// Each way a transition may be refused whatever the state it starts from.
fn refusals_common_to_open_sessions(
    transition: impl Fn(Session, &Actor, OffsetDateTime) -> Result<Session, SessionError>,
) {
    for session in [awaiting(), active()] {
        assert_eq!(
            transition(
                session.clone(),
                &Actor::staff("kazei01", "counter-02"),
                minutes(1)
            ),
            Err(SessionError::OtherTerminal {
                opened_at: "counter-01".into(),
                used_at: "counter-02".into(),
            })
        );
        assert_eq!(
            transition(
                session.clone(),
                &Actor::staff("kazei02", "counter-01"),
                minutes(1)
            ),
            Err(SessionError::OtherUser)
        );
        for actor in [Actor::Console, Actor::Service] {
            assert_eq!(
                transition(session.clone(), &actor, minutes(1)),
                Err(SessionError::NotStaff)
            );
        }
        assert_eq!(
            transition(session.clone(), &clerk(), minutes(15)),
            Err(SessionError::Expired {
                reason: EndReason::IdleTimeout
            })
        );
    }
    assert_eq!(
        transition(ended(), &clerk(), minutes(2)),
        Err(SessionError::AlreadyEnded {
            reason: EndReason::Logout
        })
    );
}

#[test]
fn a_login_opens_a_session_with_its_times() {
    let session = awaiting();
    let open = open_of(&session);
    assert_eq!(open.user_id, "kazei01");
    assert_eq!(open.terminal, "counter-01");
    assert_eq!(open.opened_at, LOGIN);
    assert_eq!(open.last_seen_at, LOGIN);
    assert_eq!(open.expires_at, LOGIN + Duration::hours(12));
}

#[test]
fn with_several_purposes_and_none_asked_the_session_awaits_one() {
    assert!(matches!(awaiting(), Session::AwaitingPurpose(_)));
    assert_eq!(awaiting().purpose(), None);
    // A department the settings left without a purpose: the same.
    let none = Session::open(&clerk(), LOGIN, &RULES, &[], None).unwrap();
    assert!(matches!(none, Session::AwaitingPurpose(_)));
}

#[test]
fn a_purpose_asked_at_login_or_the_only_one_makes_it_active() {
    assert_eq!(active().purpose(), Some("certificate"));
    let only = Session::open(&clerk(), LOGIN, &RULES, &["collection"], None).unwrap();
    assert!(matches!(&only, Session::Active(a) if a.purpose == "collection"));
}

#[test]
fn a_login_asking_another_departments_purpose_is_refused() {
    assert_eq!(
        Session::open(&clerk(), LOGIN, &RULES, ASSESSMENT, Some("collection")),
        Err(SessionError::PurposeNotAllowed {
            purpose: "collection".into()
        })
    );
}

#[test]
fn only_staff_at_a_terminal_open_sessions() {
    for actor in [Actor::Console, Actor::Service] {
        assert_eq!(
            Session::open(&actor, LOGIN, &RULES, ASSESSMENT, None),
            Err(SessionError::NotStaff)
        );
    }
}

#[test]
fn a_request_keeps_the_state_and_moves_last_seen() {
    for session in [awaiting(), active()] {
        let purpose = session.purpose().map(str::to_string);
        let seen = session
            .request(&clerk(), minutes(10), &RULES, Account::Enabled)
            .unwrap();
        assert_eq!(open_of(&seen).last_seen_at, minutes(10));
        assert_eq!(open_of(&seen).expires_at, LOGIN + Duration::hours(12));
        assert_eq!(seen.purpose().map(str::to_string), purpose);
        // Kept alive by requests, it outlives the idle time.
        let later = seen
            .request(&clerk(), minutes(24), &RULES, Account::Enabled)
            .unwrap();
        assert_eq!(open_of(&later).last_seen_at, minutes(24));
    }
}

#[test]
fn a_request_with_an_earlier_time_does_not_age_the_session() {
    let seen = active()
        .request(&clerk(), minutes(10), &RULES, Account::Enabled)
        .unwrap()
        .request(&clerk(), minutes(9), &RULES, Account::Enabled)
        .unwrap();
    assert_eq!(open_of(&seen).last_seen_at, minutes(10));
}

#[test]
fn a_request_after_the_idle_time_ends_the_session() {
    for session in [awaiting(), active()] {
        let purpose = session.purpose().map(str::to_string);
        let ended = ended_as(
            session
                .request(&clerk(), minutes(15), &RULES, Account::Enabled)
                .unwrap(),
        );
        assert_eq!(ended.reason, EndReason::IdleTimeout);
        assert_eq!(ended.ended_at, minutes(15));
        assert_eq!(ended.purpose, purpose);
        assert_eq!(
            (ended.user_id.as_str(), ended.terminal.as_str()),
            ("kazei01", "counter-01")
        );
    }
    // A minute short of it, the session lives.
    assert!(matches!(
        active().request(&clerk(), minutes(14), &RULES, Account::Enabled),
        Ok(Session::Active(_))
    ));
}

#[test]
fn the_absolute_end_comes_first_however_busy_the_session() {
    let mut session = active();
    let mut at = LOGIN;
    while at < LOGIN + Duration::hours(12) {
        session = session
            .request(&clerk(), at, &RULES, Account::Enabled)
            .unwrap();
        assert!(matches!(session, Session::Active(_)), "at {at}");
        at += Duration::minutes(10);
    }
    let ended = ended_as(
        session
            .request(&clerk(), at, &RULES, Account::Enabled)
            .unwrap(),
    );
    assert_eq!(ended.reason, EndReason::AbsoluteTimeout);
    // Idle and past the absolute end: the absolute end is named.
    let both = ended_as(
        active()
            .request(&clerk(), minutes(13 * 60), &RULES, Account::Enabled)
            .unwrap(),
    );
    assert_eq!(both.reason, EndReason::AbsoluteTimeout);
}

#[test]
fn a_request_for_a_disabled_account_ends_the_session() {
    let ended = ended_as(
        active()
            .request(&clerk(), minutes(1), &RULES, Account::Disabled)
            .unwrap(),
    );
    assert_eq!(ended.reason, EndReason::AccountDisabled);
    assert_eq!(ended.purpose.as_deref(), Some("certificate"));
}

#[test]
fn a_request_without_a_grant_in_force_ends_the_session() {
    let ended = ended_as(
        active()
            .request(&clerk(), minutes(1), &RULES, Account::NoGrant)
            .unwrap(),
    );
    assert_eq!(ended.reason, EndReason::GrantEnded);
}

#[test]
fn a_request_from_another_terminal_is_refused_and_leaves_the_session() {
    let session = active();
    let elsewhere = Actor::staff("kazei01", "counter-09");
    assert_eq!(
        session
            .clone()
            .request(&elsewhere, minutes(1), &RULES, Account::Enabled),
        Err(SessionError::OtherTerminal {
            opened_at: "counter-01".into(),
            used_at: "counter-09".into(),
        })
    );
    // The session itself is not moved by the refused request.
    assert!(
        session
            .request(&clerk(), minutes(2), &RULES, Account::Enabled)
            .is_ok()
    );
    // But an expired session ends wherever the request came from.
    let ended = ended_as(
        active()
            .request(&elsewhere, minutes(20), &RULES, Account::Enabled)
            .unwrap(),
    );
    assert_eq!(ended.reason, EndReason::IdleTimeout);
}

#[test]
fn a_request_is_refused_to_anyone_but_the_sessions_user() {
    assert_eq!(
        active().request(
            &Actor::staff("kazei02", "counter-01"),
            minutes(1),
            &RULES,
            Account::Enabled
        ),
        Err(SessionError::OtherUser)
    );
    assert_eq!(
        active().request(&Actor::Service, minutes(1), &RULES, Account::Enabled),
        Err(SessionError::NotStaff)
    );
    assert_eq!(
        ended().request(&clerk(), minutes(2), &RULES, Account::Enabled),
        Err(SessionError::AlreadyEnded {
            reason: EndReason::Logout
        })
    );
}

#[test]
fn choosing_a_purpose_makes_the_session_active() {
    let chosen = awaiting()
        .choose_purpose(&clerk(), minutes(1), &RULES, ASSESSMENT, "assessment")
        .unwrap();
    assert!(matches!(&chosen, Session::Active(a) if a.purpose == "assessment"));
    assert_eq!(open_of(&chosen), open_of(&awaiting()), "times unchanged");
}

#[test]
fn a_purpose_of_another_department_is_refused() {
    assert_eq!(
        awaiting().choose_purpose(&clerk(), minutes(1), &RULES, ASSESSMENT, "collection"),
        Err(SessionError::PurposeNotAllowed {
            purpose: "collection".into()
        })
    );
}

#[test]
fn a_purpose_is_chosen_once() {
    assert_eq!(
        active().choose_purpose(&clerk(), minutes(1), &RULES, ASSESSMENT, "assessment"),
        Err(SessionError::PurposeAlreadyChosen {
            purpose: "certificate".into()
        })
    );
}

#[test]
fn choosing_is_refused_as_every_transition_of_an_open_session() {
    refusals_common_to_open_sessions(|s, actor, at| {
        s.choose_purpose(actor, at, &RULES, ASSESSMENT, "assessment")
    });
}

#[test]
fn logout_ends_the_session_with_its_purpose() {
    for session in [awaiting(), active()] {
        let purpose = session.purpose().map(str::to_string);
        let ended = ended_as(session.logout(&clerk(), minutes(3), &RULES).unwrap());
        assert_eq!(ended.reason, EndReason::Logout);
        assert_eq!(ended.ended_at, minutes(3));
        assert_eq!(ended.purpose, purpose);
    }
}

#[test]
fn logout_is_refused_as_every_transition_of_an_open_session() {
    refusals_common_to_open_sessions(|s, actor, at| s.logout(actor, at, &RULES));
}

#[test]
fn a_proven_unlock_renews_the_session_and_keeps_its_purpose() {
    for session in [awaiting(), active()] {
        let purpose = session.purpose().map(str::to_string);
        let renewed = session
            .unlock(&clerk(), minutes(10), &RULES, UnlockProof::Proven)
            .unwrap();
        let open = open_of(&renewed);
        assert_eq!(open.opened_at, minutes(10));
        assert_eq!(open.last_seen_at, minutes(10));
        assert_eq!(open.expires_at, minutes(10) + Duration::hours(12));
        assert_eq!(renewed.purpose().map(str::to_string), purpose);
    }
}

#[test]
fn a_failed_unlock_is_refused_and_changes_nothing() {
    assert_eq!(
        active().unlock(&clerk(), minutes(10), &RULES, UnlockProof::Failed),
        Err(SessionError::UnlockFailed)
    );
}

#[test]
fn a_lockout_during_unlock_ends_the_session() {
    let ended = ended_as(
        active()
            .unlock(&clerk(), minutes(10), &RULES, UnlockProof::LockedOut)
            .unwrap(),
    );
    assert_eq!(ended.reason, EndReason::LockedOut);
    assert_eq!(ended.ended_at, minutes(10));
}

#[test]
fn unlock_is_refused_as_every_transition_of_an_open_session() {
    refusals_common_to_open_sessions(|s, actor, at| {
        s.unlock(actor, at, &RULES, UnlockProof::Proven)
    });
}

#[test]
fn end_reasons_have_the_access_logs_names() {
    let names: Vec<&str> = [
        EndReason::Logout,
        EndReason::IdleTimeout,
        EndReason::AbsoluteTimeout,
        EndReason::AccountDisabled,
        EndReason::LockedOut,
        EndReason::GrantEnded,
    ]
    .into_iter()
    .map(EndReason::as_str)
    .collect();
    assert_eq!(
        names,
        [
            "logout",
            "idle_timeout",
            "absolute_timeout",
            "staff_disabled",
            "locked_out",
            "grant_ended"
        ]
    );
}

/// Random runs of every transition, by the right and the wrong actors, at
/// times moving forward: what holds after each step.
#[test]
fn random_runs_keep_the_rules() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let actors = [
        clerk(),
        Actor::staff("kazei01", "counter-02"),
        Actor::staff("kazei02", "counter-01"),
        Actor::Service,
    ];
    for _ in 0..500 {
        let mut session = if rng.random_bool(0.5) {
            awaiting()
        } else {
            active()
        };
        let mut at = LOGIN;
        for _ in 0..40 {
            at += Duration::seconds(rng.random_range(0..20 * 60));
            let actor = &actors[rng.random_range(0..actors.len())];
            let before = session.clone();
            let result = match rng.random_range(0..4) {
                0 => before.clone().request(
                    actor,
                    at,
                    &RULES,
                    if rng.random_bool(0.05) {
                        Account::Disabled
                    } else {
                        Account::Enabled
                    },
                ),
                1 => before.clone().choose_purpose(
                    actor,
                    at,
                    &RULES,
                    ASSESSMENT,
                    ["assessment", "collection"][rng.random_range(0..2)],
                ),
                2 => before.clone().logout(actor, at, &RULES),
                _ => before.clone().unlock(
                    actor,
                    at,
                    &RULES,
                    [
                        UnlockProof::Proven,
                        UnlockProof::Failed,
                        UnlockProof::LockedOut,
                    ][rng.random_range(0..3)],
                ),
            };
            match (&before, result) {
                (Session::Ended(e), result) => {
                    assert_eq!(result, Err(SessionError::AlreadyEnded { reason: e.reason }));
                }
                (_, Err(_)) => {}
                (_, Ok(next)) => {
                    if let Some(open) = next.open_part() {
                        assert_eq!(open.expires_at - open.opened_at, RULES.absolute);
                        assert!(open.last_seen_at <= at);
                        assert!(at < open.expires_at, "an open session past its end");
                        assert!(at < open.last_seen_at + RULES.idle || open.last_seen_at == at);
                    }
                    if let Session::Active(a) = &next {
                        assert!(ASSESSMENT.contains(&a.purpose.as_str()));
                    }
                    // A purpose, once chosen, stays.
                    if let Some(purpose) = before.purpose() {
                        assert_eq!(next.purpose(), Some(purpose));
                    }
                    session = next;
                }
            }
        }
    }
}
