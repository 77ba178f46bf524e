//! Search keys for name readings (振り仮名).
//!
//! The strict key folds only what is the same reading written differently
//! (hiragana/katakana, half/full width, spacing). The loose key also folds
//! small kana, old kana and long vowel marks, so キョウコ matches キヨウコ;
//! the two must be offered separately because since 2025-05-26 the 戸籍
//! records the reading and キョウコ ≠ キヨウコ there.

use unicode_normalization::UnicodeNormalization;

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309F}')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FD}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}')
}

/// Voiced sound marks, combining or spacing.
fn is_sound_mark(c: char) -> bool {
    matches!(c, '\u{3099}'..='\u{309C}')
}

const PROLONGED_SOUND_MARK: char = 'ー';
const MIDDLE_DOT: char = '・';

/// True if the text, after NFKC, is only kana (hiragana, katakana,
/// half-width katakana), ー, ・ and spaces, with at least one kana.
pub fn is_kana_text(s: &str) -> bool {
    let mut any_kana = false;
    for c in s.nfkc() {
        if is_hiragana(c) || is_katakana(c) {
            any_kana = true;
        } else if !(c == PROLONGED_SOUND_MARK
            || c == MIDDLE_DOT
            || is_sound_mark(c)
            || c.is_whitespace())
        {
            return false;
        }
    }
    any_kana
}

/// Hiragana to katakana; other characters unchanged.
pub fn to_katakana(c: char) -> char {
    if matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}') {
        char::from_u32(c as u32 + 0x60).unwrap_or(c)
    } else {
        c
    }
}

/// Strict reading key: NFKC (half-width ｶﾞ → ガ), hiragana → katakana,
/// spaces (ASCII and ideographic) and middle dots removed.
pub fn reading_key(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace() && *c != MIDDLE_DOT && *c != '･')
        .map(to_katakana)
        .collect()
}

fn loose_fold(c: char) -> Option<char> {
    Some(match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        'ヰ' => 'イ',
        'ヱ' => 'エ',
        'ヲ' => 'オ',
        'ヂ' => 'ジ',
        'ヅ' => 'ズ',
        // Long vowel marks and the dashes typed for them.
        'ー' | '‐' | '―' | '−' | '-' | '－' | '～' | '〜' => return None,
        other => other,
    })
}

/// Loose reading key: [`reading_key`], then small kana → large, ヰヱヲ →
/// イエオ, ヂヅ → ジズ, long vowel marks removed. For "did you mean" matches
/// only, never for identifying a person on its own.
pub fn reading_key_loose(s: &str) -> String {
    reading_key(s).chars().filter_map(loose_fold).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_text_detection() {
        for s in [
            "やまだ",
            "ヤマダ",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            "やまだ　たろう",
            "ユウト",
            "ジョン・スミス",
            "ゆうこ ー",
        ] {
            assert!(is_kana_text(s), "{s}");
        }
        for s in [
            "",
            " ",
            "ー",
            "・",
            "山田",
            "やまだ太郎",
            "yamada",
            "ヤマダ1",
            "ヤマダ-",
        ] {
            assert!(!is_kana_text(s), "{s}");
        }
    }

    #[test]
    fn strict_keys() {
        let cases = [
            ("やまだ たろう", "ヤマダタロウ"),
            ("ヤマダ　タロウ", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ　 ﾀﾛｳ", "ヤマダタロウ"),
            ("やマだ", "ヤマダ"),
            ("ジョン・スミス", "ジョンスミス"),
            ("ｼﾞｮﾝ･ｽﾐｽ", "ジョンスミス"),
            ("ゆうと", "ユウト"),
            ("ﾕｰｺ", "ユーコ"),
            ("さゝき", "サヽキ"),
        ];
        for (input, key) in cases {
            assert_eq!(reading_key(input), key, "{input}");
        }
        assert_ne!(reading_key("キョウコ"), reading_key("キヨウコ"));
        assert_ne!(reading_key("ユウコ"), reading_key("ユーコ"));
    }

    #[test]
    fn loose_keys() {
        assert_eq!(reading_key_loose("キョウコ"), "キヨウコ");
        assert_eq!(reading_key_loose("きょうこ"), reading_key_loose("キヨウコ"));
        assert_eq!(reading_key_loose("ﾕｰｺ"), "ユコ");
        assert_eq!(reading_key_loose("ユーコ"), reading_key_loose("ユ―コ"));
        assert_eq!(reading_key_loose("ヱビス"), "エビス");
        assert_eq!(reading_key_loose("ヲノ"), "オノ");
        assert_eq!(reading_key_loose("ちぢみ"), "チジミ");
        assert_eq!(reading_key_loose("つづき"), "ツズキ");
        assert_eq!(reading_key_loose("ハットリ"), "ハツトリ");
        assert_eq!(reading_key_loose("ヶ谷 ゎ"), "ケ谷ワ");
        assert_eq!(
            reading_key_loose("ファ ィ ゥ ェ ォ ャ ュ ヵ"),
            "フアイウエオヤユカ"
        );
    }
}
