//! Printouts: a transfer to a print destination is rendered as a PDF of
//! exactly the signed manifest, set in the configured Japanese font (only
//! the glyphs used are embedded), and written once into the spool
//! directory as `<transfer id>.pdf`. Nothing else in bansho prints resident
//! data; the same page layout ([`document`]) sets the PIA evidence report,
//! which holds none.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use serde::Deserialize;
use unicode_width::UnicodeWidthChar;

use crate::domain::transfer::format::TransferFormat;
use crate::domain::transfer::machine::Receipt;
use crate::domain::transfer::manifest::ManifestHash;
use crate::server::settings::keys::{PRINT_FONT, PRINT_SPOOL};

/// The labels of a printout, from the Japanese locale (paper is for the
/// office, in its language).
const LOCALE: &str = include_str!("../../locales/ja.toml");

/// A4 in points, and the margin all round.
const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 50.0;
pub const TITLE_SIZE: f32 = 16.0;
pub const TEXT_SIZE: f32 = 10.5;
const LINE: f32 = 16.0;
/// Display columns on a line: a wide (CJK) character is one em, two columns.
pub const COLUMNS: usize = ((PAGE.0 - 2.0 * MARGIN) / (TEXT_SIZE / 2.0)) as usize - 4;

/// `[print]`: the font and the spool; unset, printing is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintSettings {
    pub font: Option<PathBuf>,
    pub spool: Option<PathBuf>,
}

/// What the service checks at start of each path that is set: the font
/// reads as one, the spool is a directory only the service's account can
/// use (created 0700 if missing).
pub fn check(settings: &PrintSettings) -> anyhow::Result<()> {
    if let Some(path) = &settings.font {
        load_font(path).map_err(anyhow::Error::msg)?;
    }
    if let Some(spool) = &settings.spool {
        crate::private_fs::create_dir_all(spool).map_err(|e| {
            anyhow::anyhow!("{PRINT_SPOOL}: cannot create {}: {e}", spool.display())
        })?;
        if !spool.is_dir() {
            anyhow::bail!("{PRINT_SPOOL}: {} is not a directory", spool.display());
        }
        crate::private_fs::check_private(spool)
            .map_err(|e| anyhow::anyhow!("{PRINT_SPOOL}: {e}"))?;
    }
    Ok(())
}

/// The font and spool, or the refusal naming the setting that is unset.
pub fn ready(settings: &PrintSettings) -> Result<(&Path, &Path), String> {
    let unset = |name: &str| format!("printing is not set up: `{name}` is unset in the settings");
    let font = settings.font.as_deref().ok_or_else(|| unset(PRINT_FONT))?;
    let spool = settings
        .spool
        .as_deref()
        .ok_or_else(|| unset(PRINT_SPOOL))?;
    Ok((font, spool))
}

/// The font file named in `print.font`, read and checked.
pub fn load_font(path: &Path) -> Result<Font, String> {
    let data = std::fs::read(path)
        .map_err(|e| format!("{PRINT_FONT}: cannot read {}: {e}", path.display()))?;
    Font::new(data.into(), 0).ok_or_else(|| {
        format!(
            "{PRINT_FONT}: {} is not a TrueType or OpenType font",
            path.display()
        )
    })
}

/// The signed manifest as it was sealed: read back from its bytes, so the
/// paper shows what was signed and nothing else.
#[derive(Deserialize)]
struct Signed {
    transfer: String,
    destination: String,
    format: String,
    count: usize,
    records: Vec<SignedRecord>,
}

#[derive(Deserialize)]
struct SignedRecord {
    values: BTreeMap<String, String>,
}

fn labels() -> BTreeMap<String, String> {
    section_labels("printout")
}

/// The labels of one section of the Japanese locale.
pub(crate) fn section_labels(section: &str) -> BTreeMap<String, String> {
    let table: toml::Table = toml::from_str(LOCALE).unwrap_or_default();
    table
        .get(section)
        .and_then(|t| t.as_table())
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `text` cut into lines of at most `columns` display columns.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > columns {
            lines.push(String::new());
            width = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        width += w;
    }
    lines
}

/// The PDF of the signed manifest `bytes`: the format's title, the
/// destination, the transfer id, the fingerprint, then one block per
/// record with the format's fields in its order.
pub fn render(
    bytes: &[u8],
    format: &TransferFormat,
    destination_name: &str,
    font: Font,
) -> Result<Vec<u8>, String> {
    let signed: Signed =
        serde_json::from_slice(bytes).map_err(|_| "the signed manifest does not decode")?;
    let labels = labels();
    let label = |key: &str| labels.get(key).cloned().unwrap_or_else(|| key.to_string());
    let fingerprint = ManifestHash::of(bytes).fingerprint();

    // Each line: its text and size; a block's lines stay together.
    let mut blocks: Vec<Vec<(String, f32)>> = vec![vec![
        (format.title_ja.clone(), TITLE_SIZE),
        (
            format!(
                "{}：{}（{}）",
                label("destination"),
                destination_name,
                signed.destination
            ),
            TEXT_SIZE,
        ),
        (
            format!("{}：{}", label("transfer"), signed.transfer),
            TEXT_SIZE,
        ),
        (
            format!("{}：{}", label("fingerprint"), fingerprint),
            TEXT_SIZE,
        ),
        (format!("{}：{}", label("format"), signed.format), TEXT_SIZE),
        (format!("{}：{}", label("records"), signed.count), TEXT_SIZE),
    ]];
    for (n, record) in signed.records.iter().enumerate() {
        let mut block = vec![(
            label("record").replace("{n}", &(n + 1).to_string()),
            TEXT_SIZE,
        )];
        for field in &format.fields {
            let key = field.field.key();
            let Some(value) = record.values.get(key) else {
                continue;
            };
            let text = format!("{}：{}", label(key), value);
            for (i, line) in wrap(&text, COLUMNS - 2).into_iter().enumerate() {
                let indent = if i == 0 { "　" } else { "　　" };
                block.push((format!("{indent}{line}"), TEXT_SIZE));
            }
        }
        blocks.push(block);
    }
    document(blocks, font)
}

/// A line of a [`document`]: its text and its size in points.
pub type DocLine = (String, f32);

/// An A4 PDF of `blocks` set in `font` (only the glyphs used embedded): the
/// first line of a block larger than the text size is a title; a block's
/// lines stay together on one page.
pub fn document(blocks: Vec<Vec<DocLine>>, font: Font) -> Result<Vec<u8>, String> {
    let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or("no page size")?;
    let mut document = Document::new();
    let bottom = PAGE.1 - MARGIN;
    let mut pages: Vec<Vec<(String, f32, f32)>> = vec![Vec::new()];
    let mut y = MARGIN;
    for block in blocks {
        let height = LINE * (block.len() + 1) as f32;
        if y + height > bottom && pages.last().is_some_and(|p| !p.is_empty()) {
            pages.push(Vec::new());
            y = MARGIN;
        }
        for (text, size) in block {
            y += if size > TEXT_SIZE { size + 8.0 } else { LINE };
            if let Some(page) = pages.last_mut() {
                page.push((text, size, y));
            }
        }
        y += LINE;
    }
    for lines in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for (text, size, y) in lines {
            surface.draw_text(
                Point::from_xy(MARGIN, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| format!("the PDF could not be made: {e:?}"))
}

/// The print "delivery": `<spool>/<id>.pdf` written once (a temp file in
/// the spool, synced, renamed without replacing, the directory synced). A
/// retry that finds the file does not write it again. The receipt is the
/// file's name and the hash of the signed bytes.
pub fn spool(
    settings: &PrintSettings,
    format: &TransferFormat,
    destination_name: &str,
    id: &str,
    bytes: &[u8],
) -> Result<Receipt, String> {
    let (font_path, spool) = ready(settings)?;
    let name = format!("{id}.pdf");
    let target = spool.join(&name);
    let receipt = || Receipt {
        id: name.clone(),
        hash: ManifestHash::of(bytes),
        at: time::OffsetDateTime::now_utc(),
    };
    if target.exists() {
        return Ok(receipt());
    }
    let pdf = render(bytes, format, destination_name, load_font(font_path)?)?;
    let failed = |what: &str, e: std::io::Error| {
        format!(
            "the printout could not be {what} in {}: {e}",
            spool.display()
        )
    };
    // tempfile creates 0600: the paper's content is for the office only.
    let mut temp = tempfile::NamedTempFile::new_in(spool).map_err(|e| failed("written", e))?;
    temp.write_all(&pdf).map_err(|e| failed("written", e))?;
    temp.as_file().sync_all().map_err(|e| failed("synced", e))?;
    match temp.persist_noclobber(&target) {
        Ok(_) => {}
        // Written meanwhile by another attempt: that one stands.
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(receipt()),
        Err(e) => return Err(failed("written", e.error)),
    }
    std::fs::File::open(spool)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| failed("synced", e))?;
    Ok(receipt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_by_display_width() {
        assert_eq!(wrap("番所市本町", 4), ["番所", "市本", "町"]);
        assert_eq!(wrap("ab番", 3), ["ab", "番"]);
        assert_eq!(wrap("", 3), [""]);
    }

    #[test]
    fn unset_settings_are_named() {
        let none = PrintSettings::default();
        assert!(ready(&none).unwrap_err().contains("`print.font`"));
        let font_only = PrintSettings {
            font: Some("/x.ttf".into()),
            spool: None,
        };
        assert!(ready(&font_only).unwrap_err().contains("`print.spool`"));
    }

    #[test]
    fn a_font_that_is_not_one_and_a_spool_that_is_a_file_stop_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-font.ttf");
        std::fs::write(&file, b"hello").unwrap();
        let error = check(&PrintSettings {
            font: Some(file.clone()),
            spool: None,
        })
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("print.font: "), "{error}");
        assert!(error.contains("not a TrueType"), "{error}");
        let missing = check(&PrintSettings {
            font: Some(dir.path().join("none.ttf")),
            spool: None,
        })
        .unwrap_err()
        .to_string();
        assert!(missing.contains("cannot read"), "{missing}");
        let error = check(&PrintSettings {
            font: None,
            spool: Some(file),
        })
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("print.spool: "), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_missing_spool_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        check(&PrintSettings {
            font: None,
            spool: Some(spool.clone()),
        })
        .unwrap();
        let mode = std::fs::metadata(&spool).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn every_label_is_in_the_locale() {
        let labels = labels();
        for key in ["destination", "transfer", "fingerprint", "record"] {
            assert!(labels.contains_key(key), "{key}");
        }
        for field in crate::domain::transfer::format::RecordField::ALL {
            assert!(labels.contains_key(field.key()), "{}", field.key());
        }
    }
}
