//! Search keys for kanji names and addresses, folding 異体字 (variant kanji).
//!
//! Unicode normalisation alone is not enough: NFKC folds compatibility
//! ideographs such as U+FA10 塚 but leaves 﨑 (U+FA11) and 髙 alone, so a
//! variant table (`itaiji.tsv`) maps old and variant forms to the common one.
//! Keys are for searching only; legal names and addresses are stored exactly
//! as entered.

use std::collections::HashMap;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

const TABLE_TEXT: &str = include_str!("itaiji.tsv");

/// A parsed variant table and the 1-based numbers of lines that were skipped
/// as malformed.
#[derive(Debug, Default)]
pub struct VariantTable {
    map: HashMap<char, char>,
    pub bad_lines: Vec<usize>,
}

impl VariantTable {
    /// Parses `variant<TAB>common` lines; `#` lines and blank lines are
    /// ignored. A line that is not exactly two single characters separated
    /// by one tab, or that maps a character to itself, or repeats a variant,
    /// is skipped and recorded in `bad_lines`.
    pub fn parse(text: &str) -> VariantTable {
        let mut table = VariantTable::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Some((variant, common)) if !table.map.contains_key(&variant) => {
                    table.map.insert(variant, common);
                }
                _ => table.bad_lines.push(i + 1),
            }
        }
        table
    }

    /// The common form of `c`, or `c` itself.
    pub fn fold(&self, c: char) -> char {
        self.map.get(&c).copied().unwrap_or(c)
    }

    /// (variant, common) pairs, in no particular order.
    pub fn pairs(&self) -> impl Iterator<Item = (char, char)> + '_ {
        self.map.iter().map(|(v, c)| (*v, *c))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn parse_line(line: &str) -> Option<(char, char)> {
    let (variant, common) = line.split_once('\t')?;
    let variant = single_char(variant)?;
    let common = single_char(common)?;
    (variant != common).then_some((variant, common))
}

static TABLE: LazyLock<VariantTable> = LazyLock::new(|| VariantTable::parse(TABLE_TEXT));

/// The embedded variant table.
pub fn variant_table() -> &'static VariantTable {
    &TABLE
}

/// Variation selectors (standard and ideographic, IVS) carry no meaning for
/// search.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Variation selectors stripped, NFKC, variants folded, spaces dropped.
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    let table = variant_table();
    s.chars()
        .filter(|c| !is_variation_selector(*c))
        .nfkc()
        .map(|c| table.fold(c))
        .filter(|c| !c.is_whitespace())
}

/// Search key for a kanji (or mixed) name: 髙橋 and 高橋 give the same key,
/// as do 山﨑 / 山崎 and 渡邊 / 渡邉 / 渡辺.
pub fn name_key(s: &str) -> String {
    folded(s).collect()
}

/// Hyphens of every width and form a clerk may type between the numbers of
/// an address (after NFKC, which turns `－` into `-` and `ｰ` into `ー`).
fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// Marks that join two numbers only when one follows (`1の2`, `1ー2`): on
/// their own they are part of a name (のぞみ野, コーポ).
fn is_joiner_between_numbers(c: char) -> bool {
    matches!(c, 'の' | 'ノ' | 'ー')
}

/// Words written after a number of an address: 5丁目 23番 3号 1番地.
const NUMBER_SUFFIXES: [&str; 4] = ["丁目", "番地", "番", "号"];

fn starts_with(chars: &[char], word: &str) -> bool {
    let mut chars = chars.iter();
    word.chars().all(|w| chars.next() == Some(&w))
}

/// How many characters after a number belong to its delimiter: suffixes
/// (丁目, 番地, 番, 号) and hyphens, and の/ノ/ー when a number follows.
fn delimiter_len(rest: &[char]) -> usize {
    let mut at = 0;
    loop {
        let tail = &rest[at..];
        if let Some(suffix) = NUMBER_SUFFIXES.iter().find(|s| starts_with(tail, s)) {
            at += suffix.chars().count();
        } else if tail.first().is_some_and(|c| {
            is_hyphen(*c)
                || (is_joiner_between_numbers(*c) && tail.get(1).is_some_and(char::is_ascii_digit))
        }) {
            at += 1;
        } else {
            return at;
        }
    }
}

/// Search key for an address or a fragment of one: like [`name_key`], and
/// every number ends in one `-`, into which the 丁目/番地/番/号 or hyphen
/// after it (of any width; の/ノ/ー only between two numbers) is folded. So
/// `栄町5丁目23番3号`, `栄町5-23-3`, `栄町５－２３－３` and `栄町5の23の3`
/// all give `栄町5-23-3-`, and a fragment's last number ends where it ends:
/// `4-5` (`4-5-`) is found in `3丁目4番5号` but not in `4番56号`, and
/// `栄町5丁目` not in `栄町50丁目`. Nothing is put before a number, so the
/// trigram of a 町 name and its 丁目 (`東町4`) stays as selective as it is
/// when written.
pub fn address_key(s: &str) -> String {
    let chars: Vec<char> = folded(s).collect();
    let mut out = String::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                out.push(chars[i]);
                i += 1;
            }
            i += delimiter_len(&chars[i..]);
            out.push('-');
        } else {
            out.push(if is_hyphen(chars[i]) { '-' } else { chars[i] });
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_without_bad_lines() {
        let table = variant_table();
        assert_eq!(table.bad_lines, Vec::<usize>::new());
        assert!(table.len() >= 40, "{}", table.len());
    }

    #[test]
    fn table_entries_are_stable_and_not_chained() {
        let table = variant_table();
        for (variant, common) in table.pairs() {
            let v: String = variant.to_string().nfkc().collect();
            assert_eq!(v, variant.to_string(), "NFKC changes variant {variant}");
            let c: String = common.to_string().nfkc().collect();
            assert_eq!(c, common.to_string(), "NFKC changes common form {common}");
            assert_eq!(table.fold(common), common, "{common} is itself a variant");
        }
    }

    #[test]
    fn malformed_lines_are_reported_not_fatal() {
        let table = VariantTable::parse(
            "# c\n髙\t高\n\n髙高\n邊\t\n邊\t辺\tx\nab\t辺\n辺\t辺\n髙\t崎\n濱\t浜\r\n",
        );
        assert_eq!(table.bad_lines, vec![4, 5, 6, 7, 8, 9]);
        assert_eq!(table.fold('髙'), '高');
        assert_eq!(table.fold('濱'), '浜');
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn listed_pairs_fold_equal() {
        let pairs = [
            ("髙", "高"),
            ("﨑", "崎"),
            ("嵜", "崎"),
            ("邊", "辺"),
            ("邉", "辺"),
            ("齋", "斎"),
            ("齊", "斎"),
            ("濱", "浜"),
            ("澤", "沢"),
            ("廣", "広"),
            ("國", "国"),
            ("櫻", "桜"),
            ("嶋", "島"),
            ("嶌", "島"),
            ("德", "徳"),
            ("惠", "恵"),
            ("眞", "真"),
            ("實", "実"),
            ("藏", "蔵"),
            ("冨", "富"),
            ("瀨", "瀬"),
            ("條", "条"),
            ("淵", "渕"),
            ("槇", "槙"),
            ("舘", "館"),
            ("驒", "騨"),
            ("龍", "竜"),
            ("壽", "寿"),
            ("榮", "栄"),
            ("學", "学"),
            ("團", "団"),
            ("圓", "円"),
            ("萬", "万"),
            ("與", "与"),
            ("豐", "豊"),
            ("禮", "礼"),
            ("彌", "弥"),
        ];
        for (variant, common) in pairs {
            assert_eq!(name_key(variant), common, "{variant}");
            assert_eq!(name_key(common), common);
        }
    }

    #[test]
    fn surnames_match_across_variants() {
        assert_eq!(name_key("髙橋"), name_key("高橋"));
        assert_eq!(name_key("山\u{FA11}"), "山崎");
        assert_eq!(name_key("山﨑"), name_key("山崎"));
        assert_eq!(name_key("渡邊"), "渡辺");
        assert_eq!(name_key("渡邉"), "渡辺");
        assert_eq!(name_key("齋藤"), name_key("斉藤"));
        assert_ne!(name_key("高橋"), name_key("髙島"));
    }

    #[test]
    fn compatibility_ideographs_and_ivs() {
        // U+FA10 塚 is folded by NFKC to U+585A.
        assert_eq!(name_key("\u{FA10}"), "\u{585A}");
        assert_eq!(name_key("大\u{FA10}"), name_key("大塚"));
        // Ideographic variation sequences: 葛 + IVS, 辻 + IVS.
        assert_eq!(name_key("葛\u{E0100}城"), "葛城");
        assert_eq!(name_key("辻\u{E0101}"), "辻");
        assert_eq!(name_key("邉\u{E0103}見"), "辺見");
        assert_eq!(name_key("山\u{FE00}田"), "山田");
    }

    #[test]
    fn spaces_are_ignored() {
        for s in ["山田 太郎", "山田　太郎", "山田太郎", " 山田\u{3000} 太郎 "] {
            assert_eq!(name_key(s), "山田太郎", "{s:?}");
        }
        assert_eq!(name_key("ＡＢＣ"), "ABC");
    }

    #[test]
    fn address_keys() {
        let cases = [
            ("番所市本町1-2-3", "番所市本町1-2-3-"),
            ("番所市本町１－２－３", "番所市本町1-2-3-"),
            ("本町1‐2−3", "本町1-2-3-"),
            ("本町1ー2―3", "本町1-2-3-"),
            ("本町1–2—3", "本町1-2-3-"),
            ("本町1の2の3", "本町1-2-3-"),
            ("本町1ノ2", "本町1-2-"),
            ("本町 1丁目2番3号", "本町1-2-3-"),
            ("本町１丁目２番地", "本町1-2-"),
            ("本町1番地の2", "本町1-2-"),
            ("本町1丁目-2", "本町1-2-"),
            ("濱町 3-4", "浜町3-4-"),
            ("メゾン・ド・ラ 101", "メゾン・ド・ラ101-"),
            ("ABC荘101号室", "ABC荘101-室"),
            ("のぞみ野1", "のぞみ野1-"),
            ("濱ノ町2丁目", "浜ノ町2-"),
            ("コーポ-1", "コーポ-1-"),
            ("コーポ", "コーポ"),
            ("5ー", "5-ー"),
            ("1の", "1-の"),
            ("A-1", "A-1-"),
            ("番所市", "番所市"),
            ("五丁目", "五丁目"),
        ];
        for (input, key) in cases {
            assert_eq!(address_key(input), key, "{input}");
        }
        assert_eq!(address_key("1の2"), address_key("1-2"));
        assert_ne!(address_key("1の2"), address_key("12"));
    }

    /// Every way a clerk writes the same place gives one key, and a typed
    /// fragment is found in the key of the stored address.
    #[test]
    fn written_and_hyphenated_addresses_share_one_key() {
        let stored = address_key("栄町5丁目23番3号");
        for typed in [
            "栄町5丁目23番3号",
            "栄町5-23-3",
            "栄町５－２３－３",
            "栄町5‐23‐3",
            "栄町5−23−3",
            "栄町5ー23ー3",
            "栄町5の23の3",
            "栄町 5-23-3",
            "栄町5丁目23-3",
        ] {
            assert_eq!(address_key(typed), stored, "{typed}");
        }
        for fragment in ["5-23-3", "5丁目23番", "栄町5丁目", "23-3", "5-23", "栄町5"] {
            assert!(
                stored.contains(&address_key(fragment)),
                "{fragment}: {} in {stored}",
                address_key(fragment)
            );
        }
        let four_five = address_key("4-5");
        assert_eq!(four_five, address_key("４－５"));
        assert!(address_key("本町3丁目4番5号").contains(&four_five));
        assert!(address_key("本町4丁目5番1号").contains(&four_five));
        // A number ends where it ends.
        assert!(!address_key("本町3丁目4番56号").contains(&four_five));
        assert!(!address_key("栄町50丁目1番").contains(&address_key("栄町5丁目")));
        assert!(!address_key("栄町15丁目1番").contains(&address_key("栄町5丁目")));
    }
}
