//! An `otpauth://` URI as a QR code in lines of text, two rows of modules
//! to a line (upper and lower half blocks), with the quiet zone around it.
//! The console prints the lines; the workstation draws them dark on light
//! whatever its theme. The lines carry the secret: they zeroize on drop.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

/// The QR code of `uri` (error correction M, as authenticator apps scan
/// from screens), light modules drawn as the glyphs' ink: on a dark
/// terminal background it reads as dark on light. `None` if the text is
/// too long for a QR code.
pub fn lines(uri: &str) -> Option<Zeroizing<Vec<String>>> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).ok()?;
    let text = Zeroizing::new(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    );
    Some(Zeroizing::new(text.lines().map(str::to_owned).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    const URI: &str = "otpauth://totp/bansho:kazei01?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=bansho&algorithm=SHA1&digits=6&period=30";

    #[test]
    fn a_uri_becomes_a_square_of_half_blocks() {
        let lines = lines(URI).expect("fits a QR code");
        let width = lines[0].width();
        assert!(
            lines.iter().all(|l| l.width() == width),
            "every line as wide"
        );
        // Two module rows a line: about half as many lines as columns.
        assert!(lines.len() * 2 >= width && lines.len() * 2 <= width + 1);
        assert!(
            lines
                .iter()
                .flat_map(|l| l.chars())
                .all(|c| matches!(c, ' ' | '\u{2580}' | '\u{2584}' | '\u{2588}'))
        );
        // The quiet zone: the first line is all light (full blocks).
        assert!(lines[0].chars().all(|c| c == '\u{2588}'));
    }

    #[test]
    fn different_secrets_draw_different_codes() {
        let other = URI.replace("JBSWY3DP", "KRSXG5CT");
        assert_ne!(*lines(URI).unwrap(), *lines(&other).unwrap());
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_none() {
        assert!(lines(&"x".repeat(5_000)).is_none());
    }
}
