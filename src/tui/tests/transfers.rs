//! The transfers tab (移転・提供): the list and one transfer, the persons
//! chosen on their records, a clerk's request with its summary, and a
//! supervisor's approval or rejection; each call and its body.

use crossterm::event::KeyCode;

use super::*;
use crate::api::transfer::{
    DestinationList, DestinationView, FormatList, FormatView, TransferList, TransferSummary,
    TransferView,
};
use crate::domain::transfer::destination::{Destination, DestinationKind};
use crate::domain::transfer::format::{FormatField, RecordField, TransferFormat};
use crate::domain::transfer::machine::Request as TransferRequest;
use crate::tui::action::TransfersAnswer;
use crate::tui::effect::TransfersCall;
use crate::tui::status::Note;

fn supervisor() -> SessionInfo {
    let mut s = session(Department::Assessment);
    s.staff.user_id = "kazei09".into();
    s.staff.role = crate::domain::roles::Role::Supervisor;
    s.permissions = crate::domain::roles::permissions(
        crate::domain::roles::Role::Supervisor,
        Department::Assessment,
    )
    .to_vec();
    s
}

fn transfer_calls(effects: Vec<Effect>) -> Vec<TransfersCall> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Transfers(call) => Some(call),
            _ => None,
        })
        .collect()
}

fn one_call(effects: Vec<Effect>) -> TransfersCall {
    let mut calls = transfer_calls(effects);
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls.remove(0)
}

fn answer(app: &mut App, answer: TransfersAnswer) -> Vec<Effect> {
    update(app, Action::Transfers(Box::new(answer)))
}

fn summaries() -> Vec<TransferSummary> {
    vec![
        TransferSummary {
            id: "t-0001".into(),
            state: "prepared".into(),
            prepared_by: "kazei01".into(),
            prepared_at: "2026-11-30T09:00:00Z".into(),
            destination: "kokuzei".into(),
            format: "tax_certificate@1".into(),
            records: 2,
            approved_by: None,
            signed_off_by: None,
            receipt: None,
        },
        TransferSummary {
            id: "t-0002".into(),
            state: "rejected".into(),
            prepared_by: "kazei01".into(),
            prepared_at: "2026-11-29T15:30:00Z".into(),
            destination: "print".into(),
            format: "tax_certificate@1".into(),
            records: 1,
            approved_by: None,
            signed_off_by: None,
            receipt: None,
        },
        TransferSummary {
            id: "t-0003".into(),
            state: "approved".into(),
            prepared_by: "kazei02".into(),
            prepared_at: "2026-11-28T10:00:00Z".into(),
            destination: "kokuzei".into(),
            format: "tax_certificate@2".into(),
            records: 120,
            approved_by: Some("kazei09".into()),
            signed_off_by: None,
            receipt: None,
        },
    ]
}

fn request() -> TransferRequest {
    TransferRequest {
        destination: "print".into(),
        format: "tax_certificate@1".into(),
        purpose: "課税証明書の送付".into(),
        legal_basis: "地方税法第20条の10".into(),
        persons: vec!["1000000001".into()],
        note: "本人の申請による".into(),
    }
}

fn view(state: &str) -> TransferView {
    let rejected = state == "rejected";
    TransferView {
        id: "t-0002".into(),
        state: state.into(),
        prepared_by: "kazei01".into(),
        prepared_at: "2026-11-29T15:30:00Z".into(),
        request: request(),
        approved_by: (state == "approved").then(|| "kazei09".into()),
        approved_at: (state == "approved").then(|| "2026-11-29T16:00:00Z".into()),
        signed_off_by: None,
        signed_off_at: None,
        hash: None,
        fingerprint: None,
        receipt: None,
        delivered_at: None,
        failure: None,
        rejected_by: rejected.then(|| "kazei09".into()),
        rejected_reason: rejected.then(|| "目的が不明確".into()),
        rejected_at_step: rejected.then(|| "prepared".into()),
    }
}

fn destination(id: &str, name: &str, kind: DestinationKind, basis: &str) -> DestinationView {
    DestinationView {
        destination: Destination {
            id: id.into(),
            name: name.into(),
            kind,
            endpoint: None,
            ca_pem: None,
            formats: vec!["tax_certificate".into()],
            legal_basis: basis.into(),
            active: true,
        },
        revision: 1,
        updated_by: "it01".into(),
        updated_at: "2026-11-01T09:00:00Z".into(),
    }
}

fn registries() -> (DestinationList, FormatList) {
    let format = |version| FormatView {
        format: TransferFormat {
            id: "tax_certificate".into(),
            version,
            title_ja: "課税証明".into(),
            title_en: "Tax certificate".into(),
            my_number: false,
            fields: vec![FormatField {
                field: RecordField::PersonNumber,
                required: true,
            }],
        },
        registered_by: "it01".into(),
        registered_at: "2026-11-01T09:00:00Z".into(),
    };
    (
        DestinationList {
            destinations: vec![
                destination(
                    "kokuzei",
                    "税務署（国税連携）",
                    DestinationKind::Partner,
                    "番号法第19条第8号",
                ),
                destination(
                    "print",
                    "窓口印刷",
                    DestinationKind::Print,
                    "地方税法第20条の10",
                ),
            ],
        },
        FormatList {
            formats: vec![format(1), format(2)],
        },
    )
}

/// A session on the transfers tab (the last), its list answered.
fn on_transfers(lang: Lang, who: SessionInfo) -> App {
    on_transfers_in(lang, who, false)
}

/// On the transfers tab; in `bansho demo` with `demo`.
fn on_transfers_in(lang: Lang, who: SessionInfo, demo: bool) -> App {
    let mut app = new_app(lang, demo);
    log_in_as(&mut app, who);
    update(&mut app, Action::Run(Command::WorkList));
    // Back round the tabs to the transfers (after it, a supervisor has the
    // erasure plan, the grants and the audit review).
    let mut effects = Vec::new();
    for _ in 0..8 {
        effects = update(&mut app, Action::Run(Command::PrevTab));
        if app.screen() == Screen::Transfers {
            break;
        }
    }
    assert!(matches!(one_call(effects), TransfersCall::List));
    assert_eq!(app.screen(), Screen::Transfers);
    answer(
        &mut app,
        TransfersAnswer::List(Ok(TransferList {
            transfers: summaries(),
        })),
    );
    app
}

fn clerk() -> SessionInfo {
    session(Department::Assessment)
}

fn status_text(app: &App) -> String {
    let Some(status) = app.status.as_ref() else {
        return String::new();
    };
    match &status.note {
        Note::Local { key, args } => {
            let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.i18n.tf(key, &refs)
        }
        Note::Service(text) => text.clone(),
    }
}

#[test]
fn the_transfers_tab_lists_what_the_caller_may_see_ja_and_en() {
    let app = on_transfers(Lang::Ja, clerk());
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("承認待ち"), "{text}");
    assert!(text.contains("移転・提供"), "{text}");
    insta::assert_snapshot!("transfers_list_ja", draw(&app, 80, 24).backend());
    let app = on_transfers(Lang::En, clerk());
    insta::assert_snapshot!("transfers_list_en", draw(&app, 80, 24).backend());
}

#[test]
fn enter_opens_one_transfer_with_its_request_persons_and_rejection() {
    let mut app = on_transfers(Lang::Ja, clerk());
    press(&mut app, KeyCode::Down);
    let call = one_call(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(&call, TransfersCall::View(id) if id == "t-0002"),
        "{call:?}"
    );
    answer(&mut app, TransfersAnswer::View(Ok(view("rejected"))));
    let text = screen_text(&draw(&app, 80, 24));
    for part in [
        "目的が不明確",
        "1000000001",
        "地方税法第20条の10",
        "承認待ち",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("transfers_detail_ja", draw(&app, 80, 24).backend());
    // A clerk has no approve key here: F8 does nothing.
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert!(app.popup.is_none());
    // Esc: back to the list, loaded again.
    assert!(matches!(
        one_call(press(&mut app, KeyCode::Esc)),
        TransfersCall::List
    ));
    assert!(app.transfers().is_some_and(|t| t.detail.is_none()));
}

#[test]
fn a_record_key_chooses_the_person_for_a_transfer_and_again_removes_them() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Assessment);
    search(&mut app, "髙橋", found(results(), false));
    open_record(&mut app, Department::Assessment);
    assert!(app.record().is_some_and(|r| r.can_transfer));
    press(&mut app, KeyCode::F(8));
    assert_eq!(app.transfer_picks, vec!["1000000001".to_string()]);
    assert!(status_text(&app).contains("1人"), "{}", status_text(&app));
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("移転・提供の対象です"), "{text}");
    press(&mut app, KeyCode::F(8));
    assert!(app.transfer_picks.is_empty());
    ctrl(&mut app, 't');
    assert_eq!(app.transfer_picks.len(), 1);
    // Forgotten at the idle lock.
    app.lock_session();
    assert!(app.transfer_picks.is_empty());
}

#[test]
fn a_session_without_prepare_transfers_has_no_record_key() {
    let mut app = new_app(Lang::Ja, false);
    log_in(&mut app, Department::Collections);
    search(&mut app, "髙橋", found(results(), false));
    open_record(&mut app, Department::Collections);
    press(&mut app, KeyCode::F(8));
    assert!(app.transfer_picks.is_empty());
    assert!(status_text(&app).contains("依頼できません"));
}

/// A clerk with a person chosen, on the prepare form with the registries in.
fn on_form(lang: Lang) -> App {
    let mut app = on_transfers(lang, clerk());
    app.transfer_picks = vec!["1000000001".into()];
    // The tab again, so it has the picks.
    assert!(matches!(
        one_call(update(&mut app, Action::Run(Command::WorkList))),
        TransfersCall::List
    ));
    answer(
        &mut app,
        TransfersAnswer::List(Ok(TransferList {
            transfers: summaries(),
        })),
    );
    let call = one_call(press(&mut app, KeyCode::F(4)));
    assert!(matches!(call, TransfersCall::Registries));
    answer(&mut app, TransfersAnswer::Registries(Ok(registries())));
    app
}

#[test]
fn prepare_form_then_summary_then_the_request_as_typed() {
    let mut app = on_form(Lang::Ja);
    // The second destination: its legal basis fills in.
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "課税証明書の送付");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "本人の申請による");
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("窓口印刷"), "{text}");
    assert!(text.contains("地方税法第20条の10"), "{text}");
    insta::assert_snapshot!("transfers_form_ja", draw(&app, 80, 24).backend());
    // F8: the summary, nothing sent.
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert!(app.popup.is_none());
    insta::assert_snapshot!("transfers_summary_ja", draw(&app, 80, 24).backend());
    // F8 again asks first; Enter sends.
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::PrepareTransfer {
            destination: "print".into()
        })
    );
    let call = one_call(press(&mut app, KeyCode::Enter));
    let TransfersCall::Prepare(sent) = call else {
        panic!("{call:?}");
    };
    assert_eq!(sent, request());
    assert_eq!(
        serde_json::to_value(&sent).unwrap()["persons"],
        serde_json::json!(["1000000001"])
    );
    let effects = answer(&mut app, TransfersAnswer::Prepared(Ok(view("prepared"))));
    assert!(matches!(one_call(effects), TransfersCall::List));
    assert!(app.transfer_picks.is_empty());
    assert!(app.transfers().is_some_and(|t| t.form.is_none()));
}

#[test]
fn the_prepare_summary_in_english() {
    let mut app = on_form(Lang::En);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Tax certificate to the tax office");
    press(&mut app, KeyCode::F(8));
    insta::assert_snapshot!("transfers_summary_en", draw(&app, 80, 24).backend());
}

#[test]
fn a_missing_purpose_is_said_and_a_400_names_the_field() {
    let mut app = on_form(Lang::Ja);
    press(&mut app, KeyCode::F(8));
    assert!(status_text(&app).contains("目的"), "{}", status_text(&app));
    assert!(
        app.transfers()
            .is_some_and(|t| !t.form.as_ref().unwrap().summary)
    );
    // The focus went to the purpose.
    type_text(&mut app, "提供");
    press(&mut app, KeyCode::F(8));
    press(&mut app, KeyCode::F(8));
    one_call(press(&mut app, KeyCode::Enter));
    answer(
        &mut app,
        TransfersAnswer::Prepared(Err(Failure::service(
            ErrorCode::BadRequest,
            400,
            "`persons`: there is no resident 1000000001",
        ))),
    );
    let text = status_text(&app);
    assert!(text.contains("`persons`: there is no resident"), "{text}");
    // The form stays, back from the summary.
    assert!(
        app.transfers()
            .is_some_and(|t| t.form.as_ref().is_some_and(|f| !f.summary))
    );
}

#[test]
fn a_supervisor_approves_or_rejects_with_a_reason_each_asking_first() {
    let mut app = on_transfers(Lang::Ja, supervisor());
    one_call(press(&mut app, KeyCode::Enter));
    let mut shown = view("prepared");
    shown.id = "t-0001".into();
    answer(&mut app, TransfersAnswer::View(Ok(shown)));
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert_eq!(
        app.pending(),
        Some(&PendingAction::ApproveTransfer {
            id: "t-0001".into()
        })
    );
    insta::assert_snapshot!("transfers_approve_ja", draw(&app, 80, 24).backend());
    let call = one_call(press(&mut app, KeyCode::Enter));
    assert!(
        matches!(&call, TransfersCall::Approve(id) if id == "t-0001"),
        "{call:?}"
    );
    // Own request (or any other reason): said the same way.
    answer(
        &mut app,
        TransfersAnswer::Decided {
            id: "t-0001".into(),
            result: Err(Failure::service(
                ErrorCode::TransferRefused,
                409,
                "nobody approves their own request",
            )),
        },
    );
    let text = status_text(&app);
    assert_eq!(text, app.i18n.t("failure.transfer_refused"));
    // F9: the reason is asked in the question.
    assert!(transfer_calls(press(&mut app, KeyCode::F(9))).is_empty());
    type_text(&mut app, "目的が不明確");
    let call = one_call(press(&mut app, KeyCode::Enter));
    let TransfersCall::Reject { id, reason } = call else {
        panic!("{call:?}");
    };
    assert_eq!((id.as_str(), reason.as_str()), ("t-0001", "目的が不明確"));
    let mut rejected = view("rejected");
    rejected.id = "t-0001".into();
    let effects = answer(
        &mut app,
        TransfersAnswer::Decided {
            id: "t-0001".into(),
            result: Ok(rejected),
        },
    );
    assert!(matches!(one_call(effects), TransfersCall::List));
    assert!(status_text(&app).contains("却下しました"));
}

/// The clerk's own approved transfer, opened on its detail.
fn on_own_approved() -> App {
    on_own_approved_in(false)
}

fn on_own_approved_in(demo: bool) -> App {
    let mut app = on_transfers_in(Lang::Ja, clerk(), demo);
    one_call(press(&mut app, KeyCode::Enter));
    let mut shown = view("approved");
    shown.id = "t-0001".into();
    answer(&mut app, TransfersAnswer::View(Ok(shown)));
    app
}

fn preview(remaining: Vec<String>) -> crate::api::transfer::PreviewView {
    let mut transfer = view("approved");
    transfer.id = "t-0001".into();
    transfer.state = "awaiting_sign_off".into();
    crate::api::transfer::PreviewView {
        transfer,
        destination_name: "税務署（国税連携）".into(),
        format: "tax_certificate@1 課税証明".into(),
        records: 2,
        fields: vec!["person_number".into(), "name".into(), "income".into()],
        hash: "3f7a9c2e5b1d4068a9e7c3b2f1d0e4a5968b7c6d5e4f3a2b1c0d9e8f7a6b5c4d".into(),
        fingerprint: "3f7a 9c2e 5b1d 4068".into(),
        to_reconfirm: remaining,
    }
}

/// On the preview with one 支援措置 record to reconfirm.
fn on_preview() -> App {
    let mut app = on_own_approved();
    let call = one_call(press(&mut app, KeyCode::F(5)));
    assert!(
        matches!(&call, TransfersCall::Preview(id) if id == "t-0001"),
        "{call:?}"
    );
    answer(
        &mut app,
        TransfersAnswer::Previewed {
            id: "t-0001".into(),
            result: Ok(Box::new(preview(vec!["1000000002".into()]))),
        },
    );
    app
}

fn with_state(state: &str) -> TransferView {
    let mut v = view("approved");
    v.id = "t-0001".into();
    v.state = state.into();
    v.signed_off_by = Some("it01".into());
    v.signed_off_at = Some("2026-11-30T10:05:00Z".into());
    v.hash = Some(preview(Vec::new()).hash);
    v.fingerprint = Some("3f7a 9c2e 5b1d 4068".into());
    v
}

#[test]
fn the_preview_shows_what_leaves_and_each_support_record_is_reconfirmed() {
    let mut app = on_preview();
    let text = screen_text(&draw(&app, 100, 30));
    for part in [
        "税務署（国税連携）",
        "person_number, name, income",
        "3 f 7 a    9 c 2 e",
        "3f7a9c2e 5b1d4068 a9e7c3b2 f1d0e4a5",
        "968b7c6d 5e4f3a2b 1c0d9e8f 7a6b5c4d",
        "1000000002  未確認",
        "残り1件",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("transfers_preview_ja", draw(&app, 100, 30).backend());
    // The sign-off waits for the reconfirmation.
    assert!(transfer_calls(press(&mut app, KeyCode::F(5))).is_empty());
    assert!(
        status_text(&app).contains("残り1件"),
        "{}",
        status_text(&app)
    );
    assert!(
        app.transfers()
            .unwrap()
            .exec
            .as_ref()
            .unwrap()
            .form
            .is_none()
    );
    let call = one_call(press(&mut app, KeyCode::F(7)));
    assert!(
        matches!(&call, TransfersCall::Reconfirm { id, person } if id == "t-0001" && person == "1000000002"),
        "{call:?}"
    );
    let mut now = preview(Vec::new()).transfer;
    now.state = "awaiting_sign_off".into();
    answer(
        &mut app,
        TransfersAnswer::Reconfirmed {
            id: "t-0001".into(),
            person: "1000000002".into(),
            result: Ok(now),
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("1000000002  再確認済み"), "{text}");
    // Again: nothing left to reconfirm, nothing sent.
    assert!(transfer_calls(press(&mut app, KeyCode::F(7))).is_empty());
    // Now the sign-off form opens.
    assert!(transfer_calls(press(&mut app, KeyCode::F(5))).is_empty());
    assert!(
        app.transfers()
            .unwrap()
            .exec
            .as_ref()
            .unwrap()
            .form
            .is_some()
    );
}

/// On the sign-off form, the preview having no 支援措置 record.
fn on_sign_off() -> App {
    on_sign_off_in(false)
}

fn on_sign_off_in(demo: bool) -> App {
    let mut app = on_own_approved_in(demo);
    one_call(press(&mut app, KeyCode::F(5)));
    answer(
        &mut app,
        TransfersAnswer::Previewed {
            id: "t-0001".into(),
            result: Ok(Box::new(preview(Vec::new()))),
        },
    );
    press(&mut app, KeyCode::F(5));
    app
}

/// In `bansho demo` the form shows the IT officers' PINs and codes, and
/// nobody else's.
#[test]
fn in_the_demo_the_sign_off_form_shows_the_it_officers_code() {
    let app = on_sign_off_in(true);
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("it01"), "{text}");
    assert!(
        text.contains("demo-pin-04") && text.contains("222333"),
        "{text}"
    );
    assert!(!text.contains("demo-pin-01"), "{text}");
    assert!(!text.contains("demo-pin-03"), "{text}");
    insta::assert_snapshot!("transfers_sign_off_demo_ja", draw(&app, 100, 30).backend());
    // Without the demo, no panel.
    let plain = screen_text(&draw(&on_sign_off(), 100, 30));
    assert!(!plain.contains("222333"), "{plain}");
}

#[test]
fn the_officer_signs_off_at_the_clerks_terminal_and_what_they_typed_is_wiped() {
    let mut app = on_sign_off();
    // Incomplete: said, nothing sent.
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
    assert!(
        status_text(&app).contains("ユーザーID"),
        "{}",
        status_text(&app)
    );
    type_text(&mut app, "it01");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "4321");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "123456");
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("****"), "{text}");
    assert!(!text.contains("4321"), "{text}");
    insta::assert_snapshot!("transfers_sign_off_ja", draw(&app, 100, 30).backend());
    let call = one_call(press(&mut app, KeyCode::F(8)));
    let TransfersCall::SignOff { id, request } = call else {
        panic!("{call:?}");
    };
    assert_eq!(id, "t-0001");
    assert_eq!(request.user_id, "it01");
    assert_eq!(request.pin.expose(), "4321");
    assert_eq!(request.totp.expose(), "123456");
    assert_eq!(request.hash, preview(Vec::new()).hash);
    assert!(!format!("{request:?}").contains("4321"));
    // Refused: the service's words, the form gone and wiped, the state asked.
    let effects = answer(
        &mut app,
        TransfersAnswer::SignedOff {
            id: "t-0001".into(),
            result: Err(Failure::service(
                ErrorCode::TransferRefused,
                409,
                "the sign-off took too long: the transfer is paused",
            )),
        },
    );
    assert!(
        status_text(&app).contains("paused"),
        "{}",
        status_text(&app)
    );
    assert!(matches!(one_call(effects), TransfersCall::View(id) if id == "t-0001"));
    assert!(
        app.transfers()
            .unwrap()
            .exec
            .as_ref()
            .unwrap()
            .form
            .is_none()
    );
    let mut paused = preview(Vec::new()).transfer;
    paused.state = "paused".into();
    answer(&mut app, TransfersAnswer::View(Ok(paused)));
    let exec = app.transfers().unwrap().exec.as_ref().unwrap();
    assert!(exec.preview.is_none(), "a paused transfer's preview goes");
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("中断"), "{text}");
}

#[test]
fn a_signed_off_transfer_is_sent_and_a_failure_is_sent_again() {
    let mut app = on_sign_off();
    type_text(&mut app, "it01");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "4321");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "123456");
    one_call(press(&mut app, KeyCode::F(8)));
    answer(
        &mut app,
        TransfersAnswer::SignedOff {
            id: "t-0001".into(),
            result: Ok(with_state("signed_off")),
        },
    );
    assert!(status_text(&app).contains("it01"), "{}", status_text(&app));
    let call = one_call(press(&mut app, KeyCode::F(8)));
    assert!(
        matches!(&call, TransfersCall::Send(id) if id == "t-0001"),
        "{call:?}"
    );
    let mut failed = with_state("failed");
    failed.failure = Some("the destination did not answer in time".into());
    answer(
        &mut app,
        TransfersAnswer::Sent {
            id: "t-0001".into(),
            result: Ok(failed),
        },
    );
    assert!(
        status_text(&app).contains("did not answer"),
        "{}",
        status_text(&app)
    );
    insta::assert_snapshot!("transfers_failed_ja", draw(&app, 100, 30).backend());
    // F8 again: the retry.
    let call = one_call(press(&mut app, KeyCode::F(8)));
    assert!(
        matches!(&call, TransfersCall::Send(id) if id == "t-0001"),
        "{call:?}"
    );
    let mut delivered = with_state("delivered");
    delivered.receipt = Some("rcpt-0001".into());
    delivered.delivered_at = Some("2026-11-30T10:06:00Z".into());
    answer(
        &mut app,
        TransfersAnswer::Sent {
            id: "t-0001".into(),
            result: Ok(delivered),
        },
    );
    assert!(
        status_text(&app).contains("rcpt-0001"),
        "{}",
        status_text(&app)
    );
    insta::assert_snapshot!("transfers_delivered_ja", draw(&app, 100, 30).backend());
    // Delivered: nothing more to send.
    assert!(transfer_calls(press(&mut app, KeyCode::F(8))).is_empty());
}

#[test]
fn only_the_preparer_executes_and_the_history_shows_every_step() {
    // A supervisor sees the detail with who did what, but no execute key.
    let mut app = on_transfers(Lang::Ja, supervisor());
    one_call(press(&mut app, KeyCode::Enter));
    let mut delivered = with_state("delivered");
    delivered.approved_at = Some("2026-11-29T16:00:00Z".into());
    delivered.approved_by = Some("kazei09".into());
    delivered.receipt = Some("rcpt-0001".into());
    delivered.delivered_at = Some("2026-11-30T10:06:00Z".into());
    answer(&mut app, TransfersAnswer::View(Ok(delivered)));
    let text = screen_text(&draw(&app, 100, 30));
    for part in [
        "kazei01  2026-11-29T15:30:00Z",
        "kazei09  2026-11-29T16:00:00Z",
        "it01  2026-11-30T10:05:00Z",
        "rcpt-0001  2026-11-30T10:06:00Z",
        "3f7a 9c2e 5b1d 4068",
        "送達済み",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    insta::assert_snapshot!("transfers_history_ja", draw(&app, 100, 30).backend());
    assert!(transfer_calls(press(&mut app, KeyCode::F(5))).is_empty());
    assert!(app.transfers().unwrap().exec.is_none());
    // A clerk on another clerk's transfer: told so, nothing sent.
    let mut app = on_transfers(Lang::Ja, clerk());
    one_call(press(&mut app, KeyCode::Enter));
    let mut other = view("approved");
    other.prepared_by = "kazei02".into();
    answer(&mut app, TransfersAnswer::View(Ok(other)));
    assert!(transfer_calls(press(&mut app, KeyCode::F(5))).is_empty());
    assert!(
        status_text(&app).contains("作成した職員"),
        "{}",
        status_text(&app)
    );
}
