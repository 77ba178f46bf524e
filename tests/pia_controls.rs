//! `docs/pia-controls.md` names, for each PIA measure, the test that proves
//! it: each test it names must exist in the file it names, so a renamed or
//! removed test cannot leave the table claiming a proof that is gone.

use std::path::Path;

/// The backticked spans of a line, in order.
fn spans(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

fn is_test_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn every_test_the_pia_table_names_exists_where_it_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = std::fs::read_to_string(root.join("docs/pia-controls.md")).expect("the table");
    let mut checked = 0;
    let mut missing = Vec::new();
    for (n, line) in table.lines().enumerate() {
        let mut file: Option<String> = None;
        for span in spans(line) {
            if span.starts_with("tests/") {
                let path = root.join(span);
                file = path
                    .is_file()
                    .then(|| std::fs::read_to_string(&path).expect("test file"));
                if file.is_none() && !path.is_dir() {
                    missing.push(format!("line {}: no file {span}", n + 1));
                }
                continue;
            }
            if let (Some(text), true) = (&file, is_test_name(span)) {
                checked += 1;
                if !text.contains(&format!("fn {span}(")) {
                    missing.push(format!("line {}: no test {span}", n + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(checked >= 30, "the table names its tests ({checked} found)");
}
