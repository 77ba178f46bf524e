use proptest::prelude::*;
use time::macros::datetime;

use super::*;

const T0: OffsetDateTime = datetime!(2026-12-01 10:00 +9);
const TIMEOUT: Duration = Duration::minutes(10);

/// Staff of every role: two clerks, two supervisors, two IT officers.
const STAFF: [(&str, Role); 6] = [
    ("kazei01", Role::Clerk),
    ("kazei02", Role::Clerk),
    ("shunin01", Role::Supervisor),
    ("shunin02", Role::Supervisor),
    ("joho01", Role::ItOfficer),
    ("joho02", Role::ItOfficer),
];

fn actor(i: usize) -> Actor<'static> {
    Actor {
        staff: STAFF[i].0,
        role: STAFF[i].1,
    }
}

fn request(persons: &[&str]) -> Request {
    Request {
        destination: "kenmin-zei".into(),
        format: "tax_certificate@1".into(),
        purpose: "県民税の課税資料".into(),
        legal_basis: "番号法第19条第8号".into(),
        persons: persons.iter().map(|p| p.to_string()).collect(),
        note: String::new(),
    }
}

fn hash(n: u8) -> ManifestHash {
    ManifestHash::of(&[n])
}

fn prepared() -> Transfer {
    Transfer::prepare("t1", "kazei01", request(&["1000000001", "1000000002"]), T0)
        .unwrap()
        .transfer
}

fn sensitive(persons: &[&str]) -> BTreeSet<String> {
    persons.iter().map(|p| p.to_string()).collect()
}

fn awaiting(sensitive_persons: &[&str]) -> Transfer {
    let approved = prepared().approve(actor(2), T0).unwrap().transfer;
    approved
        .open_preview("kazei01", hash(1), sensitive(sensitive_persons), T0)
        .unwrap()
        .transfer
}

fn signed() -> Transfer {
    awaiting(&[])
        .sign(actor(4), &hash(1), &hash(1), TIMEOUT, T0)
        .unwrap()
        .transfer
}

fn receipt(h: ManifestHash) -> Receipt {
    Receipt {
        id: "r-1".into(),
        hash: h,
        at: T0,
    }
}

#[test]
fn the_happy_path_ends_delivered_with_one_event_per_step() {
    let sending = signed().start_attempt().unwrap();
    assert_eq!(
        sending.events,
        vec![TransferEvent::AttemptStarted { attempt: 1 }]
    );
    let done = sending.transfer.delivered(receipt(hash(1))).unwrap();
    assert_eq!(done.transfer.state_name(), "delivered");
    assert_eq!(done.transfer.sign_off().unwrap().officer, "joho01");
    assert_eq!(done.transfer.approval().unwrap().by, "shunin01");
}

#[test]
fn nobody_approves_their_own_request_and_only_a_supervisor_approves() {
    let t = prepared();
    let own = Actor {
        staff: "kazei01",
        role: Role::Supervisor,
    };
    assert_eq!(t.approve(own, T0), Err(TransferError::OwnRequest));
    assert_eq!(t.approve(actor(1), T0), Err(TransferError::NotSupervisor));
    assert_eq!(t.approve(actor(4), T0), Err(TransferError::NotSupervisor));
}

#[test]
fn the_witness_is_an_it_officer_who_neither_prepared_nor_approved() {
    let t = awaiting(&[]);
    assert_eq!(
        t.sign(actor(2), &hash(1), &hash(1), TIMEOUT, T0),
        Err(TransferError::NotItOfficer)
    );
    // An IT officer who approved it (were one allowed to) or prepared it.
    let approved_by_officer = match t.clone() {
        Transfer::AwaitingSignOff {
            header,
            mut approval,
            preview,
        } => {
            approval.by = "joho01".into();
            Transfer::AwaitingSignOff {
                header,
                approval,
                preview,
            }
        }
        _ => unreachable!(),
    };
    assert_eq!(
        approved_by_officer.sign(actor(4), &hash(1), &hash(1), TIMEOUT, T0),
        Err(TransferError::NotIndependent)
    );
    let preparer = Actor {
        staff: "kazei01",
        role: Role::ItOfficer,
    };
    assert_eq!(
        t.sign(preparer, &hash(1), &hash(1), TIMEOUT, T0),
        Err(TransferError::NotIndependent)
    );
}

#[test]
fn a_sign_off_on_other_content_is_refused_and_a_changed_manifest_voids_it() {
    let t = awaiting(&[]);
    assert_eq!(
        t.sign(actor(4), &hash(2), &hash(1), TIMEOUT, T0),
        Err(TransferError::HashMismatch)
    );
    assert_eq!(
        t.sign(actor(4), &hash(1), &hash(2), TIMEOUT, T0),
        Err(TransferError::HashMismatch)
    );
    let signed = signed();
    let voided = signed.void(hash(2)).unwrap();
    assert_eq!(voided.transfer.state_name(), "approved");
    assert!(voided.transfer.sign_off().is_none());
    // The same hash is no change.
    assert!(signed.void(hash(1)).is_err());
    // Once an attempt started, the content is frozen.
    let sending = signed.start_attempt().unwrap().transfer;
    assert!(sending.void(hash(2)).is_err());
    assert!(sending.revise("kazei01", request(&["1000000003"])).is_err());
}

#[test]
fn every_support_measure_record_is_reconfirmed_before_the_sign_off() {
    let t = awaiting(&["1000000002"]);
    assert_eq!(
        t.sign(actor(4), &hash(1), &hash(1), TIMEOUT, T0),
        Err(TransferError::NotReconfirmed(1))
    );
    assert_eq!(
        t.reconfirm("kazei01", "1000000001"),
        Err(TransferError::NotSensitive)
    );
    assert_eq!(
        t.reconfirm("kazei02", "1000000002"),
        Err(TransferError::NotPreparer)
    );
    let t = t.reconfirm("kazei01", "1000000002").unwrap().transfer;
    assert!(t.sign(actor(4), &hash(1), &hash(1), TIMEOUT, T0).is_ok());
}

#[test]
fn a_late_sign_off_pauses_and_resuming_previews_again() {
    let t = awaiting(&["1000000002"])
        .reconfirm("kazei01", "1000000002")
        .unwrap()
        .transfer;
    let late = T0 + TIMEOUT + Duration::seconds(1);
    assert_eq!(
        t.sign(actor(4), &hash(1), &hash(1), TIMEOUT, late),
        Err(TransferError::TimedOut)
    );
    assert!(t.expire(TIMEOUT, T0 + TIMEOUT).is_err(), "not yet");
    let paused = t.expire(TIMEOUT, late).unwrap().transfer;
    assert_eq!(paused.state_name(), "paused");
    assert!(paused.start_attempt().is_err());
    assert!(
        paused
            .sign(actor(4), &hash(1), &hash(1), TIMEOUT, late)
            .is_err()
    );
    let resumed = paused
        .resume("kazei01", hash(1), sensitive(&["1000000002"]), late)
        .unwrap()
        .transfer;
    // Reconfirmed again, on the fresh preview.
    assert_eq!(
        resumed.sign(actor(4), &hash(1), &hash(1), TIMEOUT, late),
        Err(TransferError::NotReconfirmed(1))
    );
}

#[test]
fn a_failed_attempt_is_retried_with_the_same_signed_content() {
    let sending = signed().start_attempt().unwrap().transfer;
    let failed = sending.failed("connection refused").unwrap().transfer;
    assert_eq!(failed.state_name(), "failed");
    let retry = failed.start_attempt().unwrap();
    assert_eq!(
        retry.events,
        vec![TransferEvent::AttemptStarted { attempt: 2 }]
    );
    assert_eq!(retry.transfer.sign_off().unwrap().hash, hash(1));
    // A receipt for other content is not a delivery.
    assert_eq!(
        retry.transfer.delivered(receipt(hash(9))),
        Err(TransferError::ReceiptMismatch)
    );
    // A service stopped during an attempt starts it again.
    assert!(retry.transfer.start_attempt().is_ok());
}

#[test]
fn a_rejection_is_kept_with_its_reason_and_ends_the_transfer() {
    let rejected = prepared().reject("shunin01", "目的が不明確", T0).unwrap();
    let Transfer::Rejected { reason, step, .. } = &rejected.transfer else {
        panic!("{:?}", rejected.transfer);
    };
    assert_eq!(
        (reason.as_str(), step.as_str()),
        ("目的が不明確", "prepared")
    );
    assert!(rejected.transfer.approve(actor(3), T0).is_err());
    assert!(
        rejected
            .transfer
            .revise("kazei01", request(&["1"]))
            .is_err()
    );
    assert_eq!(
        prepared().reject("shunin01", " ", T0),
        Err(TransferError::NoReason)
    );
}

#[test]
fn a_request_needs_records_each_once_and_its_basis() {
    assert_eq!(
        Transfer::prepare("t", "kazei01", request(&[]), T0),
        Err(TransferError::Records)
    );
    assert_eq!(
        Transfer::prepare("t", "kazei01", request(&["1", "1"]), T0),
        Err(TransferError::Records)
    );
    let mut r = request(&["1"]);
    r.legal_basis = String::new();
    assert_eq!(
        Transfer::prepare("t", "kazei01", r, T0),
        Err(TransferError::Basis)
    );
}

// ---- random sequences ------------------------------------------------------

#[derive(Debug, Clone)]
enum Act {
    Revise(usize, bool),
    Approve(usize),
    Reject(usize),
    Open(usize, u8, bool),
    Reconfirm(usize),
    Sign(usize, u8, u8, i64),
    Void(u8),
    Expire(i64),
    Resume(usize, u8),
    Attempt,
    Deliver(u8),
    Fail,
}

fn act() -> impl Strategy<Value = Act> {
    let who = 0..STAFF.len();
    let h = 1u8..4;
    prop_oneof![
        (who.clone(), any::<bool>()).prop_map(|(w, s)| Act::Revise(w, s)),
        who.clone().prop_map(Act::Approve),
        who.clone().prop_map(Act::Reject),
        (who.clone(), h.clone(), any::<bool>()).prop_map(|(w, h, s)| Act::Open(w, h, s)),
        who.clone().prop_map(Act::Reconfirm),
        (who.clone(), h.clone(), h.clone(), 0i64..20)
            .prop_map(|(w, a, b, m)| Act::Sign(w, a, b, m)),
        h.clone().prop_map(Act::Void),
        (0i64..20).prop_map(Act::Expire),
        (who, h.clone()).prop_map(|(w, h)| Act::Resume(w, h)),
        Just(Act::Attempt),
        h.prop_map(Act::Deliver),
        Just(Act::Fail),
    ]
}

fn apply(t: &Transfer, act: &Act) -> Result<Step, TransferError> {
    let at = |minutes: i64| T0 + Duration::minutes(minutes);
    let persons = ["1000000001", "1000000002"];
    match act {
        Act::Revise(w, small) => {
            let r = if *small {
                request(&persons[..1])
            } else {
                request(&persons)
            };
            t.revise(STAFF[*w].0, r)
        }
        Act::Approve(w) => t.approve(actor(*w), T0),
        Act::Reject(w) => t.reject(STAFF[*w].0, "不備", T0),
        Act::Open(w, h, s) => {
            let s = if *s {
                sensitive(&persons[1..])
            } else {
                BTreeSet::new()
            };
            t.open_preview(STAFF[*w].0, hash(*h), s, T0)
        }
        Act::Reconfirm(w) => t.reconfirm(STAFF[*w].0, persons[1]),
        Act::Sign(w, seen, now, m) => t.sign(actor(*w), &hash(*seen), &hash(*now), TIMEOUT, at(*m)),
        Act::Void(h) => t.void(hash(*h)),
        Act::Expire(m) => t.expire(TIMEOUT, at(*m)),
        Act::Resume(w, h) => t.resume(STAFF[*w].0, hash(*h), sensitive(&persons[1..]), T0),
        Act::Attempt => t.start_attempt(),
        Act::Deliver(h) => t.delivered(receipt(hash(*h))),
        Act::Fail => t.failed("unreachable"),
    }
}

fn role_of(staff: &str) -> Role {
    STAFF
        .iter()
        .find(|(s, _)| *s == staff)
        .map(|(_, r)| *r)
        .unwrap_or(Role::Clerk)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Random actions by random staff: a refused step changes nothing, an
    /// applied one has its event; a sign-off is by an IT officer who
    /// neither prepared nor approved, over the hash the preview showed,
    /// with every 支援措置 record reconfirmed; the approver is a
    /// supervisor other than the preparer; once an attempt has started the
    /// signed hash never changes; a delivery is of the signed hash and is
    /// final, and so is a rejection.
    #[test]
    fn no_sequence_of_actions_breaks_the_transfer_rules(acts in prop::collection::vec(act(), 1..40)) {
        let mut t = prepared();
        let mut frozen: Option<ManifestHash> = None;
        for act in &acts {
            let before = t.clone();
            match apply(&t, act) {
                Err(_) => prop_assert_eq!(&t, &before),
                Ok(step) => {
                    prop_assert!(!step.events.is_empty(), "{:?} gave no event", act);
                    prop_assert!(
                        !matches!(before, Transfer::Delivered { .. } | Transfer::Rejected { .. }),
                        "{:?} moved a finished transfer", act
                    );
                    let next = &step.transfer;
                    let preparer = next.header().prepared_by.clone();
                    if let Some(a) = next.approval() {
                        prop_assert_ne!(&a.by, &preparer);
                        prop_assert_eq!(role_of(&a.by), Role::Supervisor);
                    }
                    if let Some(s) = next.sign_off() {
                        prop_assert_eq!(role_of(&s.officer), Role::ItOfficer);
                        prop_assert_ne!(&s.officer, &preparer);
                        prop_assert_ne!(&s.officer, &next.approval().unwrap().by);
                    }
                    if let (Transfer::AwaitingSignOff { preview, .. }, Transfer::SignedOff { sign_off, .. }) = (&before, next) {
                        prop_assert_eq!(&preview.hash, &sign_off.hash);
                        prop_assert!(preview.sensitive.is_subset(&preview.reconfirmed));
                    }
                    if let Some(h) = &frozen {
                        prop_assert_eq!(Some(h), next.sign_off().map(|s| &s.hash), "{:?}", act);
                    }
                    if matches!(next, Transfer::Sending { .. }) {
                        frozen = next.sign_off().map(|s| s.hash.clone());
                    }
                    if let Transfer::Delivered { receipt, sign_off, .. } = next {
                        prop_assert_eq!(&receipt.hash, &sign_off.hash);
                    }
                    t = step.transfer;
                }
            }
        }
    }
}
