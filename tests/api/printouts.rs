//! Printouts through the real service: a transfer to a print destination,
//! signed off like any other, becomes one PDF in the spool, set in the
//! configured Japanese font.

use std::path::{Path, PathBuf};

use bansho::api::transfer::{DestinationView, FormatView, TransferView};
use bansho::domain::audit_event::{Action, Outcome};
use bansho::domain::transfer::destination::{Destination, DestinationKind};
use bansho::domain::transfer::format::shipped;
use bansho::server::ServerConfig;
use bansho::server::print::PrintSettings;
use reqwest::Method;

use crate::common::app::*;
use crate::transfers::{call, json, signed_off_to};

pub(crate) use crate::common::font;

/// The IT officer registers the shipped format and a print destination.
async fn print_destination(app: &TestApp) {
    let it = app.login(IT).await;
    let format = shipped().unwrap().remove(0);
    let _: FormatView = call(&it, Method::POST, "/admin/transfer-formats", json(&format))
        .await
        .unwrap();
    let printer = Destination {
        id: "madoguchi".into(),
        name: "窓口印刷".into(),
        kind: DestinationKind::Print,
        endpoint: None,
        ca_pem: None,
        formats: vec!["tax_certificate".into()],
        legal_basis: "地方税法第20条の11".into(),
        active: true,
    };
    let _: DestinationView = call(
        &it,
        Method::POST,
        "/admin/transfer-destinations",
        json(&printer),
    )
    .await
    .unwrap();
}

async fn app_printing(print: PrintSettings) -> TestApp {
    spawn_app_with(
        ServerConfig {
            print,
            ..test_config()
        },
        300,
    )
    .await
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    found.sort();
    found
}

/// The bytes of every font file the PDF embeds.
fn embedded_fonts(pdf: &lopdf::Document) -> Vec<Vec<u8>> {
    pdf.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| {
            ["FontFile2", "FontFile3"]
                .into_iter()
                .find_map(|k| d.get(k.as_bytes()).ok())
        })
        .map(|r| {
            let stream = pdf.get_object(r.as_reference().unwrap()).unwrap();
            let stream = stream.as_stream().unwrap();
            stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone())
        })
        .collect()
}

#[tokio::test]
async fn a_signed_off_print_transfer_is_one_pdf_in_the_spool_with_the_name_in_japanese() {
    let Some(font) = font() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let app = app_printing(PrintSettings {
        font: Some(font.clone()),
        spool: Some(spool.clone()),
    })
    .await;
    crate::entries::committed(&app).await;
    print_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off_to(&app, &clerk, "madoguchi").await;
    let send = format!("/transfers/{id}/send");
    let sent: TransferView = call(&clerk, Method::POST, &send, None).await.unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    let printed = spool.join(format!("{id}.pdf"));
    assert_eq!(files(&spool), std::slice::from_ref(&printed));
    assert_eq!(sent.receipt.as_deref(), Some(format!("{id}.pdf").as_str()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&spool), mode(&printed)), (0o700, 0o600));
    }

    let bytes = std::fs::read(&printed).unwrap();
    let pdf = lopdf::Document::load_mem(&bytes).expect("the printout parses as a PDF");
    let fonts = embedded_fonts(&pdf);
    assert_eq!(fonts.len(), 1, "one embedded font");
    let full = std::fs::metadata(&font).unwrap().len() as usize;
    assert!(
        fonts[0].len() * 20 < full,
        "a subset: {} bytes embedded of a {full}-byte font",
        fonts[0].len()
    );
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).unwrap();
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for expected in [
        "髙橋",
        "一郎",
        "番所市本町3丁目4番5号",
        "窓口印刷",
        id.as_str(),
        sent.fingerprint.as_deref().unwrap(),
    ] {
        assert!(squeezed.contains(expected), "{expected} in {text}");
    }

    // Delivered is final, and the access log has it like any transfer.
    let again = call::<TransferView>(&clerk, Method::POST, &send, None).await;
    assert_eq!(again.unwrap_err().0, 409);
    assert_eq!(files(&spool).len(), 1);
    let delivered = app
        .audit_tail(20)
        .into_iter()
        .find(|r| r.entry.action == Action::TransferDelivered)
        .expect("a delivered row");
    assert_eq!(delivered.entry.outcome, Outcome::Ok);
    assert_eq!(delivered.entry.subjects, [Known::TAKAHASHI.to_string()]);
    assert!(!delivered.entry.detail.contains("髙橋"));
}

#[tokio::test]
async fn a_retry_finds_the_printout_and_writes_no_second_one() {
    let Some(font) = font() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let app = app_printing(PrintSettings {
        font: Some(font),
        spool: Some(spool.clone()),
    })
    .await;
    crate::entries::committed(&app).await;
    print_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off_to(&app, &clerk, "madoguchi").await;
    // As after a crash between the write and the commit of the receipt:
    // the file is there when the send runs.
    let printed = spool.join(format!("{id}.pdf"));
    std::fs::write(&printed, b"written before the crash").unwrap();
    let sent: TransferView = call(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
        .await
        .unwrap();
    assert_eq!(sent.state, "delivered", "{sent:?}");
    assert_eq!(files(&spool), std::slice::from_ref(&printed));
    assert_eq!(
        std::fs::read(&printed).unwrap(),
        b"written before the crash"
    );
}

#[tokio::test]
async fn a_send_to_print_without_the_print_settings_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let app = app_printing(PrintSettings {
        font: None,
        spool: Some(spool.clone()),
    })
    .await;
    crate::entries::committed(&app).await;
    print_destination(&app).await;
    let clerk = app.login(CLERK).await;
    let id = signed_off_to(&app, &clerk, "madoguchi").await;
    let (status, text) =
        call::<TransferView>(&clerk, Method::POST, &format!("/transfers/{id}/send"), None)
            .await
            .unwrap_err();
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("`print.font`"), "{text}");
    assert!(files(&spool).is_empty());
    let shown: TransferView = call(&clerk, Method::GET, &format!("/transfers/{id}"), None)
        .await
        .unwrap();
    assert_eq!(shown.state, "signed_off");
    let row = app
        .audit_tail(5)
        .into_iter()
        .find(|r| r.entry.action == Action::TransferSend)
        .expect("the refused send is recorded");
    assert_eq!(row.entry.outcome, Outcome::Denied);
    assert_eq!(row.entry.subjects, [Known::TAKAHASHI.to_string()]);
}
