//! The PIA evidence report over a real service's store: a delivered
//! transfer with its approver and witness, a failed login, the chain's
//! state; no resident in it, and its PDF set in the Japanese font.

use bansho::api::transfer::TransferView;
use bansho::secret::Pin;
use bansho::server::clock::Clock;
use bansho::server::pia_report::{self, Period};
use reqwest::Method;

use crate::common::app::*;
use crate::printouts::font;
use crate::transfers::{call, signed_off, sink_destination};

#[tokio::test]
async fn the_report_shows_each_transfer_with_its_witness_and_the_failed_logins_but_no_resident() {
    let app = spawn_app().await;
    let start = app.clock.now();
    crate::entries::committed(&app).await;
    let _sink = sink_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off(&app, &clerk).await;
    let sent: TransferView = call(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
        .await
        .unwrap();
    assert_eq!(sent.state, "delivered");
    // One wrong PIN.
    app.next_step();
    let mut wrong = app.login_request(CLERK, "assessment");
    wrong.pin = Pin::new("not-the-pin-99");
    assert!(app.client().login(&wrong).await.is_err());

    // The rows after the delivery carry the receipt's time (the sink's
    // clock, not the test's): the period takes both in.
    let period = Period {
        from: start - time::Duration::days(1),
        to: app.clock.now().max(time::OffsetDateTime::now_utc()) + time::Duration::days(1),
    };
    let report =
        pia_report::gather(app.store.as_ref(), &app.keys, None, period, app.clock.now()).unwrap();
    let text = report.to_text();
    let line = text
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no transfer {id}:\n{text}"));
    assert!(
        line.contains("delivered") && line.contains("1 records"),
        "{line}"
    );
    assert!(line.contains(&format!("approved {SUPERVISOR}")), "{line}");
    assert!(line.contains(&format!("witnessed {IT}")), "{line}");
    assert!(line.contains(&format!("prepared {CLERK}")), "{line}");
    assert!(text.contains("Failed logins and unlocks: 1"), "{text}");
    assert!(text.contains("Access log chain: intact"), "{text}");
    assert!(text.contains("Grants in force now: "), "{text}");
    assert!(text.contains(&format!("{CLERK} ")), "{text}");
    // Whose record left is not in it.
    assert!(!text.contains(Known::TAKAHASHI), "{text}");
    assert!(!text.contains("高橋"), "{text}");

    // Outside the period: no transfer, no failed login.
    let before = Period {
        from: start - time::Duration::days(30),
        to: start - time::Duration::days(29),
    };
    let old = pia_report::gather(app.store.as_ref(), &app.keys, None, before, app.clock.now())
        .unwrap()
        .to_text();
    assert!(!old.contains(&id), "{old}");
    assert!(old.contains("Failed logins and unlocks: 0"), "{old}");

    let Some(font) = font() else {
        return;
    };
    let font = bansho::server::print::load_font(&font).unwrap();
    let pdf = report.to_pdf(font).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let words = document.extract_text(&pages).unwrap_or_default();
    assert!(words.contains(&id), "{words}");
}

#[tokio::test]
async fn the_report_gives_the_last_roster_reconciliation_its_findings_and_revocations() {
    let app = spawn_app().await;
    let period = Period {
        from: app.clock.now() - time::Duration::days(1),
        to: app.clock.now() + time::Duration::days(1),
    };
    let gather = || {
        pia_report::gather(app.store.as_ref(), &app.keys, None, period, app.clock.now())
            .unwrap()
            .to_text()
    };
    assert!(
        gather().contains("Roster reconciliation: none made yet"),
        "{}",
        gather()
    );
    let it = app.login(IT).await;
    let view = crate::roster::reconcile(&it, crate::roster::GOOD_ROSTER).await;
    let text = gather();
    let line = text
        .lines()
        .find(|l| l.starts_with("Roster reconciliation: last made"))
        .unwrap_or_else(|| panic!("no reconciliation line:\n{text}"));
    assert!(line.contains(&format!("by {IT} (7 people")), "{line}");
    assert!(line.ends_with("5 findings, none revoked"), "{line}");
    it.revoke_findings(&view.id, 5).await.expect("revoked");
    let report =
        pia_report::gather(app.store.as_ref(), &app.keys, None, period, app.clock.now()).unwrap();
    let text = report.to_text();
    assert!(text.contains("5 findings, 5 grants revoked "), "{text}");
    assert!(text.contains(" applied, 5 revoked"), "{text}");
    // No name from the roster.
    assert!(!text.contains("名簿"), "{text}");

    let Some(font) = font() else {
        return;
    };
    let font = bansho::server::print::load_font(&font).unwrap();
    let pdf = report.to_pdf(font).unwrap();
    let document = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let words = document.extract_text(&pages).unwrap_or_default();
    assert!(words.contains("5 grants revoked"), "{words}");
}
