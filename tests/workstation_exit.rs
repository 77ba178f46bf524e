//! What the workstation prints on stderr once it has exited: untrusted text
//! in an error (here a path) shows its controls as markers.
#![cfg(feature = "tui")]

mod common;

fn workstation_stderr(bundle: &std::path::Path) -> Vec<u8> {
    let out = common::bin::command(&["tui", "--terminal"])
        .arg(bundle)
        .output()
        .expect("run bansho");
    assert!(!out.status.success());
    out.stderr
}

fn assert_no_controls(stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    for c in body.chars() {
        assert!(
            !bansho::text::is_unsafe_control(c),
            "U+{:04X} in {body:?}",
            c as u32
        );
    }
}

#[test]
fn an_error_after_exit_shows_each_run_of_controls_as_a_marker() {
    let dir = tempfile::tempdir().expect("tmp");
    let hostile = dir
        .path()
        .join("bundle\x1b]52;c;QUJD\x07\x1b[2J\r\n管理者.toml");
    let stderr = workstation_stderr(&hostile);
    assert_no_controls(&stderr);
    let text = String::from_utf8_lossy(&stderr);
    assert!(
        text.contains("bundle〓]52;c;QUJD〓[2J〓管理者.toml"),
        "{text:?}"
    );
    assert_eq!(text.matches('\n').count(), 1, "{text:?}");
}
