//! Manual transfers through the real service: the registries IT officers
//! keep, a clerk's request, the supervisor's approval or rejection, and
//! who may see which transfer.

use bansho::api::transfer::{
    DestinationList, DestinationView, FormatList, FormatView, PreviewView, TransferList,
    TransferView,
};
use bansho::client::ApiClient;
use bansho::domain::audit_event::{Action, Outcome};
use bansho::domain::transfer::destination::{Destination, DestinationKind};
use bansho::domain::transfer::format::shipped;
use bansho::server::clock::Clock;
use reqwest::Method;

use crate::common::app::*;

pub(crate) async fn call<T: serde::de::DeserializeOwned>(
    client: &ApiClient,
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, (u16, String)> {
    let (status, text, _) = client.raw(method, path, body).await.expect("request");
    if (200..300).contains(&status) {
        Ok(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
    } else {
        Err((status, text))
    }
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Option<String> {
    Some(serde_json::to_string(value).unwrap())
}

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

fn destination(formats: &[&str]) -> Destination {
    Destination {
        id: "kenmin-zei".into(),
        name: "県税事務所".into(),
        kind: DestinationKind::Partner,
        endpoint: Some("https://127.0.0.1:9443/transfers".into()),
        ca_pem: Some(CA.into()),
        formats: formats.iter().map(|f| f.to_string()).collect(),
        legal_basis: "番号法第19条第8号".into(),
        active: true,
    }
}

/// The IT officer registers the shipped format and one destination.
async fn registered(app: &TestApp) -> ApiClient {
    let it = app.login(IT).await;
    let format = shipped().unwrap().remove(0);
    let _: FormatView = call(&it, Method::POST, "/admin/transfer-formats", json(&format))
        .await
        .unwrap();
    let _: DestinationView = call(
        &it,
        Method::POST,
        "/admin/transfer-destinations",
        json(&destination(&["tax_certificate"])),
    )
    .await
    .unwrap();
    it
}

fn request(persons: &[&str]) -> String {
    request_to("kenmin-zei", persons)
}

/// A clerk's request of the shipped format to `destination`.
pub(crate) fn request_to(destination: &str, persons: &[&str]) -> String {
    serde_json::json!({
        "destination": destination,
        "format": "tax_certificate@1",
        "purpose": "県民税の課税資料",
        "legal_basis": "番号法第19条第8号",
        "persons": persons,
        "note": "",
    })
    .to_string()
}

#[tokio::test]
async fn it_officers_register_each_destination_and_format_version_once() {
    let app = spawn_app().await;
    let it = registered(&app).await;
    let format = shipped().unwrap().remove(0);
    let again =
        call::<FormatView>(&it, Method::POST, "/admin/transfer-formats", json(&format)).await;
    assert_eq!(again.unwrap_err().0, 409);
    let twice = call::<DestinationView>(
        &it,
        Method::POST,
        "/admin/transfer-destinations",
        json(&destination(&["tax_certificate"])),
    )
    .await;
    assert_eq!(twice.unwrap_err().0, 409);
    // A destination naming a format nobody registered.
    let mut other = destination(&["bank_export"]);
    other.id = "bank".into();
    let (status, text) = call::<DestinationView>(
        &it,
        Method::POST,
        "/admin/transfer-destinations",
        json(&other),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 400);
    assert!(text.contains("bank_export"), "{text}");
    // Plain http is refused with what is wrong.
    let mut plain = destination(&["tax_certificate"]);
    plain.id = "plain".into();
    plain.endpoint = Some("http://127.0.0.1:9443/".into());
    let (status, text) = call::<DestinationView>(
        &it,
        Method::POST,
        "/admin/transfer-destinations",
        json(&plain),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 400);
    assert!(text.contains("https://"), "{text}");

    // A change from the revision read; a stale one is refused.
    let mut changed = destination(&["tax_certificate"]);
    changed.active = false;
    let body = serde_json::json!({ "revision": 1, "destination": changed }).to_string();
    let view: DestinationView = call(
        &it,
        Method::PUT,
        "/admin/transfer-destinations/kenmin-zei",
        Some(body.clone()),
    )
    .await
    .unwrap();
    assert_eq!((view.revision, view.destination.active), (2, false));
    let stale = call::<DestinationView>(
        &it,
        Method::PUT,
        "/admin/transfer-destinations/kenmin-zei",
        Some(body),
    )
    .await;
    assert_eq!(stale.unwrap_err().0, 409);

    // The clerk sees the registries to prepare a transfer.
    let clerk = app.login(CLERK).await;
    let listed: DestinationList = call(&clerk, Method::GET, "/transfer-destinations", None)
        .await
        .unwrap();
    assert_eq!(listed.destinations.len(), 1);
    let formats: FormatList = call(&clerk, Method::GET, "/transfer-formats", None)
        .await
        .unwrap();
    assert_eq!(formats.formats[0].format.label(), "tax_certificate@1");
    let rows = app.audit_tail(12);
    for action in [
        Action::FormatRegister,
        Action::DestinationRegister,
        Action::DestinationChange,
    ] {
        assert!(
            rows.iter()
                .any(|r| r.entry.action == action && r.entry.user_id == IT),
            "{action:?}"
        );
    }
}

#[tokio::test]
async fn a_request_is_approved_by_a_supervisor_and_a_rejection_is_kept_with_its_reason() {
    let app = spawn_app().await;
    registered(&app).await;
    let clerk = app.login(CLERK).await;
    let prepared: TransferView = call(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&[Known::TAKAHASHI, Known::PROTECTED])),
    )
    .await
    .unwrap();
    assert_eq!(prepared.state, "prepared");
    assert_eq!(prepared.prepared_by, CLERK);
    // Its row names both persons; one is under a support measure.
    let row = app
        .audit_tail(5)
        .into_iter()
        .find(|r| r.entry.action == Action::TransferPrepare)
        .unwrap();
    assert_eq!(row.entry.subjects.len(), 2);
    assert!(row.entry.sensitive);
    assert!(
        !row.entry.detail.contains(Known::TAKAHASHI),
        "{}",
        row.entry.detail
    );

    // A clerk cannot approve (their role has no such permission).
    let path = format!("/transfers/{}/approve", prepared.id);
    assert_eq!(
        call::<TransferView>(&clerk, Method::POST, &path, None)
            .await
            .unwrap_err()
            .0,
        403
    );
    let supervisor = app.login(SUPERVISOR).await;
    let approved: TransferView = call(&supervisor, Method::POST, &path, None).await.unwrap();
    assert_eq!(
        (approved.state.as_str(), approved.approved_by.as_deref()),
        ("approved", Some(SUPERVISOR))
    );
    // Approving twice is a refused step, recorded.
    let (status, text) = call::<TransferView>(&supervisor, Method::POST, &path, None)
        .await
        .unwrap_err();
    assert_eq!(status, 409);
    assert!(text.contains("transfer_refused"), "{text}");
    let denied = app.audit_tail(3);
    assert!(
        denied.iter().any(
            |r| r.entry.action == Action::TransferApprove && r.entry.outcome == Outcome::Denied
        )
    );

    let reject = format!("/transfers/{}/reject", prepared.id);
    let empty = serde_json::json!({ "reason": " " }).to_string();
    assert_eq!(
        call::<TransferView>(&supervisor, Method::POST, &reject, Some(empty))
            .await
            .unwrap_err()
            .0,
        409
    );
    let reason = serde_json::json!({ "reason": "目的と法的根拠が合わない" }).to_string();
    let rejected: TransferView = call(&supervisor, Method::POST, &reject, Some(reason))
        .await
        .unwrap();
    assert_eq!(rejected.state, "rejected");
    let shown: TransferView = call(
        &clerk,
        Method::GET,
        &format!("/transfers/{}", prepared.id),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        shown.rejected_reason.as_deref(),
        Some("目的と法的根拠が合わない")
    );
    assert_eq!(shown.rejected_at_step.as_deref(), Some("approved"));
    assert_eq!(shown.rejected_by.as_deref(), Some(SUPERVISOR));

    // The auditor reads the history; the list names no person.
    let auditor = app.login(AUDITOR).await;
    let list: TransferList = call(&auditor, Method::GET, "/transfers", None)
        .await
        .unwrap();
    assert_eq!(list.transfers.len(), 1);
    assert_eq!(list.transfers[0].records, 2);
}

#[tokio::test]
async fn another_clerks_transfer_looks_like_one_that_is_not_there() {
    let app = spawn_app().await;
    registered(&app).await;
    let clerk = app.login(CLERK).await;
    let prepared: TransferView = call(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&[Known::TAKAHASHI])),
    )
    .await
    .unwrap();
    let other = app.login("kazei02").await;
    let theirs = call::<TransferView>(
        &other,
        Method::GET,
        &format!("/transfers/{}", prepared.id),
        None,
    )
    .await
    .unwrap_err();
    let missing = call::<TransferView>(
        &other,
        Method::GET,
        "/transfers/0123456789abcdef0123456789abcdef",
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(theirs, missing);
    let list: TransferList = call(&other, Method::GET, "/transfers", None).await.unwrap();
    assert!(list.transfers.is_empty());
}

#[tokio::test]
async fn a_request_outside_the_registries_is_refused_with_what_is_wrong() {
    let app = spawn_app().await;
    registered(&app).await;
    let clerk = app.login(CLERK).await;
    let cases = [
        (
            request(&[Known::TAKAHASHI]).replace("kenmin-zei", "nowhere"),
            "destination",
        ),
        (
            request(&[Known::TAKAHASHI]).replace("tax_certificate@1", "tax_certificate@7"),
            "format",
        ),
        (request(&["9999999999"]), "9999999999"),
        (request(&[Known::TAKAHASHI, Known::TAKAHASHI]), "once"),
        (request(&[]), "at least one"),
        (
            request(&[Known::TAKAHASHI]).replace("\"note\"", "\"extra\":1,\"note\""),
            "extra",
        ),
    ];
    for (body, named) in cases {
        let (status, text) = call::<TransferView>(&clerk, Method::POST, "/transfers", Some(body))
            .await
            .unwrap_err();
        assert_eq!(status, 400, "{named}: {text}");
        assert!(text.contains(named), "{named}: {text}");
    }
    let list: TransferList = call(&clerk, Method::GET, "/transfers", None).await.unwrap();
    assert!(list.transfers.is_empty());
}

/// A request naming 10,000 persons (the most a transfer takes) is read,
/// though it is larger than the service's general body limit; 10,001 are
/// refused by count, and a body past the route's own limit gets a 413.
#[tokio::test]
async fn a_request_of_ten_thousand_persons_is_read_and_one_past_the_limits_is_refused() {
    let app = spawn_app().await;
    registered(&app).await;
    let clerk = app.login(CLERK).await;
    // Well-formed numbers none of which is a resident: the answer names the
    // first, so the whole body was read.
    let numbers: Vec<String> = (0..10_001u64)
        .map(|n| format!("{}", 5_000_000_000u64 + n))
        .collect();
    let names = |k: usize| numbers[..k].iter().map(String::as_str).collect::<Vec<_>>();
    let ten_thousand = request(&names(10_000));
    assert!(ten_thousand.len() > 64 * 1024, "{}", ten_thousand.len());
    let (status, text) =
        call::<TransferView>(&clerk, Method::POST, "/transfers", Some(ten_thousand))
            .await
            .unwrap_err();
    assert_eq!(status, 400, "{text}");
    assert!(!text.contains("too large"), "{text}");
    let (status, text) = call::<TransferView>(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&names(10_001))),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("10000") || text.contains("10,000"), "{text}");
    let oversized = request(&names(10_000)).replace(
        "\"note\":\"\"",
        &format!("\"note\":\"{}\"", "x".repeat(300 * 1024)),
    );
    assert!(oversized.len() > 300 * 1024);
    let (status, text) = call::<TransferView>(&clerk, Method::POST, "/transfers", Some(oversized))
        .await
        .unwrap_err();
    assert_eq!(status, 413, "{text}");
}

/// The IT officer's sign-off body, with a fresh code.
fn sign_off_body(app: &TestApp, user: &str, hash: &str) -> Option<String> {
    app.next_step();
    Some(
        serde_json::json!({
            "user_id": user,
            "pin": app.pin(user).expose(),
            "totp": app.code(user).expose(),
            "hash": hash,
        })
        .to_string(),
    )
}

/// A destination at a running sink, pinned to its CA.
pub(crate) async fn sink_destination(app: &TestApp) -> crate::sink::Sink {
    let sink = crate::sink::start().await;
    register_at(app, &sink, &sink).await;
    sink
}

/// Registers the format, and a destination at `at`'s address pinned to
/// `ca`'s CA.
async fn register_at(app: &TestApp, at: &crate::sink::Sink, ca: &crate::sink::Sink) {
    let ca_pem = std::fs::read_to_string(ca.dir.path().join(bansho::sink::CA_FILE)).unwrap();
    register(app, &at.addr.to_string(), &ca_pem).await;
}

/// Registers the format, and a destination at `addr` pinned to `ca_pem`.
pub(crate) async fn register(app: &TestApp, addr: &str, ca_pem: &str) {
    let it = app.login(IT).await;
    let format = shipped().unwrap().remove(0);
    let _: FormatView = call(&it, Method::POST, "/admin/transfer-formats", json(&format))
        .await
        .unwrap();
    let mut d = destination(&["tax_certificate"]);
    d.endpoint = Some(format!("https://{addr}/transfers"));
    d.ca_pem = Some(ca_pem.to_string());
    let _: DestinationView = call(&it, Method::POST, "/admin/transfer-destinations", json(&d))
        .await
        .unwrap();
}

/// Prepared, approved and previewed: awaiting the IT officer.
async fn awaiting(app: &TestApp, clerk: &ApiClient) -> (String, PreviewView) {
    awaiting_to(app, clerk, "kenmin-zei").await
}

/// A transfer of Takahashi's record to `destination`, awaiting the IT
/// officer.
async fn awaiting_to(app: &TestApp, clerk: &ApiClient, destination: &str) -> (String, PreviewView) {
    let prepared: TransferView = call(
        clerk,
        Method::POST,
        "/transfers",
        Some(request_to(destination, &[Known::TAKAHASHI])),
    )
    .await
    .unwrap();
    let id = prepared.id;
    let supervisor = app.login(SUPERVISOR).await;
    let _: TransferView = call(
        &supervisor,
        Method::POST,
        &format!("/transfers/{id}/approve"),
        None,
    )
    .await
    .unwrap();
    let preview: PreviewView = call(
        clerk,
        Method::POST,
        &format!("/transfers/{id}/preview"),
        None,
    )
    .await
    .unwrap();
    (id, preview)
}

/// Prepared, approved, previewed and signed off: ready to send.
pub(crate) async fn signed_off(app: &TestApp, clerk: &ApiClient) -> String {
    signed_off_to(app, clerk, "kenmin-zei").await
}

/// A transfer of Takahashi's record to `destination`, signed off.
pub(crate) async fn signed_off_to(app: &TestApp, clerk: &ApiClient, destination: &str) -> String {
    let (id, preview) = awaiting_to(app, clerk, destination).await;
    let _: TransferView = call(
        clerk,
        Method::POST,
        &format!("/transfers/{id}/sign-off"),
        sign_off_body(app, IT, &preview.hash),
    )
    .await
    .unwrap();
    id
}

/// The sign-off body with the code `user`'s authenticator showed at `at`.
fn sign_off_with_code_at(
    app: &TestApp,
    user: &str,
    hash: &str,
    at: time::OffsetDateTime,
) -> Option<String> {
    Some(
        serde_json::json!({
            "user_id": user,
            "pin": app.pin(user).expose(),
            "totp": app.code_at(user, at).expose(),
            "hash": hash,
        })
        .to_string(),
    )
}

/// The state the clerk sees for transfer `id`.
async fn state_of(clerk: &ApiClient, id: &str) -> String {
    call::<TransferView>(clerk, Method::GET, &format!("/transfers/{id}"), None)
        .await
        .unwrap()
        .state
}

fn received_count(sink: &crate::sink::Sink) -> usize {
    bansho::sink::Received::open(sink.dir.path())
        .unwrap()
        .count()
        .unwrap()
}

#[tokio::test]
async fn records_changed_after_the_sign_off_void_it_and_nothing_is_sent() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off(&app, &clerk).await;
    // The resident moves between the sign-off and the sending.
    let moved = app
        .raw_db()
        .execute(
            "UPDATE residents SET address = ?1 WHERE person_number = ?2",
            rusqlite::params!["番所市南町1丁目1番1号", Known::TAKAHASHI],
        )
        .unwrap();
    assert_eq!(moved, 1);
    let (status, text) =
        call::<TransferView>(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
            .await
            .unwrap_err();
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("changed since the sign-off"), "{text}");
    assert_eq!(state_of(&clerk, &id).await, "approved");
    assert_eq!(received_count(&sink), 0);
    let voided = app.audit_tail(5).into_iter().any(|r| {
        r.entry.action == Action::TransferVoid
            && r.entry.outcome == Outcome::Ok
            && r.entry.user_id == CLERK
    });
    assert!(voided, "a void row");
    // The request stays approved: a fresh preview and sign-off send the new address.
    let preview: PreviewView = call(
        &clerk,
        Method::POST,
        &format!("/transfers/{id}/preview"),
        None,
    )
    .await
    .unwrap();
    let _: TransferView = call(
        &clerk,
        Method::POST,
        &format!("/transfers/{id}/sign-off"),
        sign_off_body(&app, IT, &preview.hash),
    )
    .await
    .unwrap();
    let sent: TransferView = call(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
        .await
        .unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    let arrived = bansho::sink::Received::open(sink.dir.path())
        .unwrap()
        .content(&id)
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&arrived).contains("番所市南町1丁目1番1号"),
        "the new address went"
    );
}

#[tokio::test]
async fn a_used_or_old_code_does_not_sign_off_and_is_logged() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let _sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let (first, first_preview) = awaiting(&app, &clerk).await;
    let (second, second_preview) = awaiting(&app, &clerk).await;
    let refused_with = |detail: &'static str| {
        let rows = app.audit_tail(3);
        rows.iter().any(|r| {
            r.entry.action == Action::TransferSignOff
                && r.entry.outcome == Outcome::Failure
                && r.entry.detail == detail
        })
    };

    // The code the officer just logged in with, at this terminal.
    let _officer = app.login(IT).await;
    let sign = format!("/transfers/{first}/sign-off");
    let now = app.clock.now();
    let (status, text) = call::<TransferView>(
        &clerk,
        Method::POST,
        &sign,
        sign_off_with_code_at(&app, IT, &first_preview.hash, now),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 401, "{text}");
    assert!(refused_with("code_reused_same_terminal"), "logged");

    // A code two steps old.
    app.next_step();
    let old = app.clock.now() - time::Duration::seconds(60);
    let (status, text) = call::<TransferView>(
        &clerk,
        Method::POST,
        &sign,
        sign_off_with_code_at(&app, IT, &first_preview.hash, old),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 401, "{text}");
    assert!(refused_with("wrong_code"), "logged");

    // A fresh code signs off once: the same code does not sign off another.
    let signed: TransferView = call(
        &clerk,
        Method::POST,
        &sign,
        sign_off_with_code_at(&app, IT, &first_preview.hash, app.clock.now()),
    )
    .await
    .unwrap();
    assert_eq!(signed.state, "signed_off");
    let (status, text) = call::<TransferView>(
        &clerk,
        Method::POST,
        &format!("/transfers/{second}/sign-off"),
        sign_off_with_code_at(&app, IT, &second_preview.hash, app.clock.now()),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 401, "{text}");
    assert!(refused_with("code_reused_same_terminal"), "logged");
    assert_eq!(state_of(&clerk, &second).await, "awaiting_sign_off");
    // The next code does.
    let signed: TransferView = call(
        &clerk,
        Method::POST,
        &format!("/transfers/{second}/sign-off"),
        sign_off_body(&app, IT, &second_preview.hash),
    )
    .await
    .unwrap();
    assert_eq!(signed.state, "signed_off");
}

#[tokio::test]
async fn a_sign_off_too_late_pauses_the_transfer_and_a_new_preview_resumes_it() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let (id, preview) = awaiting(&app, &clerk).await;
    // The officer arrives eleven minutes later (the timeout is ten).
    app.clock.set(app.clock.now() + time::Duration::minutes(11));
    let sign = format!("/transfers/{id}/sign-off");
    let (status, text) = call::<TransferView>(
        &clerk,
        Method::POST,
        &sign,
        sign_off_body(&app, IT, &preview.hash),
    )
    .await
    .unwrap_err();
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("not completed in time"), "{text}");
    assert_eq!(state_of(&clerk, &id).await, "paused");
    let paused = app
        .audit_tail(5)
        .into_iter()
        .any(|r| r.entry.action == Action::TransferPause && r.entry.detail.contains("paused"));
    assert!(paused, "the pause is logged");
    // Nothing goes while paused.
    assert_eq!(
        call::<TransferView>(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
            .await
            .unwrap_err()
            .0,
        409
    );
    assert_eq!(received_count(&sink), 0);
    // The clerk opens the preview again: it resumes, logged.
    let resumed: PreviewView = call(
        &clerk,
        Method::POST,
        &format!("/transfers/{id}/preview"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(resumed.transfer.state, "awaiting_sign_off");
    assert_eq!(resumed.hash, preview.hash);
    let logged = app.audit_tail(3).into_iter().any(|r| {
        r.entry.action == Action::TransferPreview
            && r.entry.outcome == Outcome::Ok
            && r.entry.detail.contains("awaiting_sign_off")
    });
    assert!(logged, "the resumption is logged");
    let signed: TransferView = call(
        &clerk,
        Method::POST,
        &sign,
        sign_off_body(&app, IT, &resumed.hash),
    )
    .await
    .unwrap();
    assert_eq!(signed.state, "signed_off");
}

#[tokio::test]
async fn a_destination_down_is_retried_with_the_same_content_and_receives_it_once() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    // Register the sink's address, then stop it before the first attempt,
    // keeping its certificates for when it comes back.
    let sink = crate::sink::start().await;
    register_at(&app, &sink, &sink).await;
    let (addr, dir) = (sink.addr, tempfile::tempdir().unwrap());
    std::fs::create_dir_all(dir.path().join("tls")).unwrap();
    for file in std::fs::read_dir(sink.dir.path().join("tls")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), dir.path().join("tls").join(file.file_name())).unwrap();
    }
    drop(sink);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off(&app, &clerk).await;
    let send = format!("/transfers/{id}/send");
    let failed: TransferView = call(&clerk, Method::POST, &send, None).await.unwrap();
    assert_eq!(failed.state, "failed");
    // The same sink (same certificate) back on the same address.
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let back = crate::sink::start_on(listener, dir).await;
    let sent: TransferView = call(&clerk, Method::POST, &send, None).await.unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    let received = bansho::sink::Received::open(back.dir.path()).unwrap();
    assert_eq!(received.count().unwrap(), 1);
    let rows = app.audit_tail(20);
    assert!(
        rows.iter()
            .any(|r| r.entry.action == Action::TransferFailed)
    );
}

#[tokio::test]
async fn a_destination_whose_certificate_is_not_from_the_pinned_ca_gets_nothing() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let impostor = crate::sink::start().await;
    let pinned = crate::sink::start().await;
    // The endpoint answers with the impostor's certificate.
    register_at(&app, &impostor, &pinned).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off(&app, &clerk).await;
    let failed: TransferView = call(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
        .await
        .unwrap();
    assert_eq!(failed.state, "failed");
    for sink in [&impostor, &pinned] {
        let received = bansho::sink::Received::open(sink.dir.path()).unwrap();
        assert_eq!(received.count().unwrap(), 0);
    }
}

#[tokio::test]
async fn a_transfer_is_signed_off_by_an_it_officer_at_the_clerks_terminal_and_delivered_once() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let prepared: TransferView = call(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&[Known::TAKAHASHI])),
    )
    .await
    .unwrap();
    let id = prepared.id.clone();
    // No preview before the supervisor's approval.
    let preview_path = format!("/transfers/{id}/preview");
    assert_eq!(
        call::<PreviewView>(&clerk, Method::POST, &preview_path, None)
            .await
            .unwrap_err()
            .0,
        409
    );
    let supervisor = app.login(SUPERVISOR).await;
    let _: TransferView = call(
        &supervisor,
        Method::POST,
        &format!("/transfers/{id}/approve"),
        None,
    )
    .await
    .unwrap();
    let preview: PreviewView = call(&clerk, Method::POST, &preview_path, None)
        .await
        .unwrap();
    assert_eq!(preview.records, 1);
    assert!(!preview.fields.contains(&"my_number".to_string()));
    assert_eq!(preview.fingerprint.len(), 19);

    let sign = format!("/transfers/{id}/sign-off");
    // Neither the clerk nor the approver may witness; a wrong hash is refused.
    for (who, status) in [(CLERK, 409), (SUPERVISOR, 409)] {
        let refused = call::<TransferView>(
            &clerk,
            Method::POST,
            &sign,
            sign_off_body(&app, who, &preview.hash),
        )
        .await
        .unwrap_err();
        assert_eq!(refused.0, status, "{who}: {}", refused.1);
        // The refused witness's row names them, not the clerk.
        let named = app.audit_tail(3).into_iter().any(|r| {
            r.entry.action == Action::TransferSignOff
                && r.entry.outcome == Outcome::Denied
                && r.entry.user_id == who
        });
        assert!(named, "{who}: {}", refused.1);
    }
    let other = "0".repeat(64);
    let wrong = call::<TransferView>(&clerk, Method::POST, &sign, sign_off_body(&app, IT, &other))
        .await
        .unwrap_err();
    assert_eq!(wrong.0, 409, "{}", wrong.1);
    // A wrong PIN is a failed proof, like a failed login.
    let mut bad: serde_json::Value =
        serde_json::from_str(&sign_off_body(&app, IT, &preview.hash).unwrap()).unwrap();
    bad["pin"] = "wrong-pin-0000".into();
    let bad = call::<TransferView>(&clerk, Method::POST, &sign, Some(bad.to_string()))
        .await
        .unwrap_err();
    assert_eq!(bad.0, 401, "{}", bad.1);

    let signed: TransferView = call(
        &clerk,
        Method::POST,
        &sign,
        sign_off_body(&app, IT, &preview.hash),
    )
    .await
    .unwrap();
    assert_eq!(signed.state, "signed_off");
    assert_eq!(signed.signed_off_by.as_deref(), Some(IT));
    assert_eq!(signed.hash.as_deref(), Some(preview.hash.as_str()));
    // The clerk's session is still theirs.
    let _: TransferView = call(&clerk, Method::GET, &format!("/transfers/{id}"), None)
        .await
        .unwrap();

    let sent: TransferView = call(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
        .await
        .unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    let received = bansho::sink::Received::open(sink.dir.path()).unwrap();
    assert_eq!(received.count().unwrap(), 1);
    let arrived = received.content(&id).unwrap().unwrap();
    assert_eq!(
        bansho::domain::transfer::manifest::ManifestHash::of(&arrived).as_str(),
        preview.hash
    );
    // Delivered is final: no second send.
    assert_eq!(
        call::<TransferView>(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
            .await
            .unwrap_err()
            .0,
        409
    );
    assert_eq!(received.count().unwrap(), 1);
    let actions: Vec<Action> = app
        .audit_tail(40)
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    for action in [
        Action::TransferPreview,
        Action::TransferSignOff,
        Action::TransferSend,
        Action::TransferDelivered,
    ] {
        assert!(actions.contains(&action), "{action:?}");
    }
}

#[tokio::test]
async fn a_record_lacking_a_required_field_is_named_before_anything_is_sent() {
    let app = spawn_app().await;
    let sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    // Nobody has keyed a declaration for this person: no income to send.
    let prepared: TransferView = call(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&[Known::YAMAZAKI])),
    )
    .await
    .unwrap();
    let supervisor = app.login(SUPERVISOR).await;
    let _: TransferView = call(
        &supervisor,
        Method::POST,
        &format!("/transfers/{}/approve", prepared.id),
        None,
    )
    .await
    .unwrap();
    let (status, text) = call::<PreviewView>(
        &clerk,
        Method::POST,
        &format!("/transfers/{}/preview", prepared.id),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(status, 422);
    assert!(
        text.contains(&format!("{} total_income", Known::YAMAZAKI)),
        "{text}"
    );
    assert_eq!(
        bansho::sink::Received::open(sink.dir.path())
            .unwrap()
            .count()
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_history_is_searched_by_who_what_where_when_and_a_clerk_finds_only_their_own() {
    let app = spawn_app().await;
    crate::entries::committed(&app).await;
    let _sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let delivered = signed_off(&app, &clerk).await;
    let _: TransferView = call(
        &clerk,
        Method::POST,
        &format!("/transfers/{delivered}/send"),
        None,
    )
    .await
    .unwrap();
    let prepared: TransferView = call(
        &clerk,
        Method::POST,
        "/transfers",
        Some(request(&[Known::TAKAHASHI])),
    )
    .await
    .unwrap();
    let other = app.login("kazei02").await;
    let theirs: TransferView = call(
        &other,
        Method::POST,
        "/transfers",
        Some(request(&[Known::TAKAHASHI])),
    )
    .await
    .unwrap();

    let ids = |list: TransferList| -> Vec<String> {
        let mut ids: Vec<String> = list.transfers.into_iter().map(|t| t.id).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&String>| -> Vec<String> {
        v.sort();
        v.into_iter().cloned().collect()
    };
    for who in [SUPERVISOR, IT, AUDITOR] {
        let reader = app.login(who).await;
        let search = |q: &str| {
            let reader = reader.clone();
            let path = format!("/transfers?{q}");
            async move { call::<TransferList>(&reader, Method::GET, &path, None).await }
        };
        let found = search("state=delivered").await.unwrap();
        assert_eq!(found.transfers.len(), 1, "{who}");
        let summary = &found.transfers[0];
        assert_eq!(summary.id, delivered);
        assert_eq!(summary.records, 1);
        assert_eq!(summary.destination, "kenmin-zei");
        assert_eq!(summary.format, "tax_certificate@1");
        assert_eq!(summary.approved_by.as_deref(), Some(SUPERVISOR));
        assert_eq!(summary.signed_off_by.as_deref(), Some(IT));
        assert!(summary.receipt.is_some());
        assert_eq!(
            ids(search(&format!("witness={IT}")).await.unwrap()),
            std::slice::from_ref(&delivered)
        );
        assert_eq!(
            ids(search(&format!("preparer={CLERK}")).await.unwrap()),
            sorted(vec![&delivered, &prepared.id])
        );
        assert_eq!(
            ids(search(
                "destination=kenmin-zei&format=tax_certificate%401&state=prepared&state=delivered"
            )
            .await
            .unwrap()),
            sorted(vec![&delivered, &prepared.id, &theirs.id])
        );
        assert!(
            search("destination=kokuzei")
                .await
                .unwrap()
                .transfers
                .is_empty()
        );
        assert_eq!(
            search("from=2026-11-23&to=2026-11-23")
                .await
                .unwrap()
                .transfers
                .len(),
            3
        );
        assert!(
            search("from=2026-11-24")
                .await
                .unwrap()
                .transfers
                .is_empty()
        );
        let (status, text) = search("witnes=joho01&limit=5").await.unwrap_err();
        assert_eq!(status, 400);
        assert!(
            text.contains("`witnes`") && text.contains("`limit`"),
            "{text}"
        );
        let (status, text) = search("from=23/11/2026").await.unwrap_err();
        assert_eq!(status, 400);
        assert!(text.contains("`from`"), "{text}");
    }
    // A clerk: their own, whatever they ask.
    let own = call::<TransferList>(&clerk, Method::GET, "/transfers", None)
        .await
        .unwrap();
    assert_eq!(ids(own), sorted(vec![&delivered, &prepared.id]));
    let asked = call::<TransferList>(
        &other,
        Method::GET,
        &format!("/transfers?preparer={CLERK}"),
        None,
    )
    .await
    .unwrap();
    assert!(asked.transfers.is_empty());
    let rows = app.audit_tail(1);
    assert_eq!(rows[0].entry.action, Action::TransferList);
    assert_eq!(rows[0].entry.user_id, "kazei02");
}
