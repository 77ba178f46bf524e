//! Deterministic synthetic residents for demos and benchmarks.
//!
//! [`generate_in`] is a pure function of (city, seed, index): the same
//! triple always gives the same resident, and it is cheap enough to call
//! millions of times. Everyone lives in one invented city, 番所市, whose
//! postal codes start with `000` (a prefix Japan Post does not assign), so
//! demo data cannot be taken for a real address; [`city`] says how its
//! addresses are laid out. Person numbers and My Numbers are unique across
//! indices; no My Number is `000000000000`.

mod city;

pub use city::{City, street_fragment};

use time::Date;

use super::my_number::MyNumber;
use super::person_number::PersonNumber;
use super::resident::{ResidentStatus, Sex};

pub const CITY: &str = "番所市";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticResident {
    pub person_number: PersonNumber,
    pub my_number: MyNumber,
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub postal_code: String,
    pub address: String,
    pub status: ResidentStatus,
    pub support_measure: bool,
    /// For those who moved out or died: when, within the twelve years
    /// before [`LAST_LEFT`], so a retention plan has some due and some not.
    pub left_on: Option<Date>,
}

/// The latest day a synthetic resident left on.
pub const LAST_LEFT: Date = time::macros::date!(2025 - 12 - 31);

/// (surname, reading, weight). Weights follow the national ranking roughly,
/// so the common names are shared by many residents; 異体字 spellings are
/// present with their real readings.
pub const SURNAMES: &[(&str, &str, u32)] = &[
    ("佐藤", "サトウ", 180),
    ("鈴木", "スズキ", 170),
    ("高橋", "タカハシ", 140),
    ("田中", "タナカ", 130),
    ("伊藤", "イトウ", 110),
    ("渡辺", "ワタナベ", 100),
    ("山本", "ヤマモト", 100),
    ("中村", "ナカムラ", 100),
    ("小林", "コバヤシ", 95),
    ("加藤", "カトウ", 85),
    ("吉田", "ヨシダ", 80),
    ("山田", "ヤマダ", 78),
    ("佐々木", "ササキ", 68),
    ("山口", "ヤマグチ", 63),
    ("松本", "マツモト", 60),
    ("井上", "イノウエ", 58),
    ("木村", "キムラ", 55),
    ("林", "ハヤシ", 52),
    ("斎藤", "サイトウ", 50),
    ("清水", "シミズ", 50),
    ("山崎", "ヤマザキ", 45),
    ("森", "モリ", 44),
    ("池田", "イケダ", 42),
    ("橋本", "ハシモト", 42),
    ("阿部", "アベ", 42),
    ("石川", "イシカワ", 40),
    ("山下", "ヤマシタ", 38),
    ("中島", "ナカジマ", 36),
    ("石井", "イシイ", 35),
    ("小川", "オガワ", 35),
    ("前田", "マエダ", 34),
    ("岡田", "オカダ", 34),
    ("長谷川", "ハセガワ", 33),
    ("藤田", "フジタ", 33),
    ("後藤", "ゴトウ", 32),
    ("近藤", "コンドウ", 32),
    ("村上", "ムラカミ", 30),
    ("遠藤", "エンドウ", 28),
    ("青木", "アオキ", 28),
    ("坂本", "サカモト", 27),
    ("斉藤", "サイトウ", 25),
    ("福田", "フクダ", 25),
    ("太田", "オオタ", 25),
    ("西村", "ニシムラ", 24),
    ("藤井", "フジイ", 24),
    ("金子", "カネコ", 23),
    ("岡本", "オカモト", 23),
    ("藤原", "フジワラ", 23),
    ("中野", "ナカノ", 22),
    ("三浦", "ミウラ", 22),
    ("原田", "ハラダ", 21),
    ("中川", "ナカガワ", 21),
    ("松田", "マツダ", 21),
    ("竹内", "タケウチ", 20),
    ("小野", "オノ", 20),
    ("田村", "タムラ", 20),
    ("中山", "ナカヤマ", 19),
    ("和田", "ワダ", 19),
    ("石田", "イシダ", 19),
    ("森田", "モリタ", 18),
    ("上田", "ウエダ", 18),
    ("原", "ハラ", 18),
    ("内田", "ウチダ", 17),
    ("柴田", "シバタ", 17),
    ("酒井", "サカイ", 17),
    ("宮崎", "ミヤザキ", 17),
    ("横山", "ヨコヤマ", 16),
    ("高木", "タカギ", 16),
    ("安藤", "アンドウ", 16),
    ("宮本", "ミヤモト", 16),
    ("大野", "オオノ", 16),
    ("小島", "コジマ", 15),
    ("谷口", "タニグチ", 15),
    ("今井", "イマイ", 15),
    ("工藤", "クドウ", 15),
    ("高田", "タカダ", 15),
    ("増田", "マスダ", 15),
    ("丸山", "マルヤマ", 14),
    ("杉山", "スギヤマ", 14),
    ("村田", "ムラタ", 14),
    ("大塚", "オオツカ", 14),
    ("新井", "アライ", 14),
    ("小山", "コヤマ", 14),
    ("平野", "ヒラノ", 13),
    ("藤本", "フジモト", 13),
    ("河野", "コウノ", 13),
    ("上野", "ウエノ", 13),
    ("野口", "ノグチ", 13),
    ("武田", "タケダ", 13),
    ("松井", "マツイ", 13),
    ("千葉", "チバ", 13),
    ("岩崎", "イワサキ", 12),
    ("菅原", "スガワラ", 12),
    ("木下", "キノシタ", 12),
    ("久保", "クボ", 12),
    ("佐野", "サノ", 12),
    ("野村", "ノムラ", 12),
    ("松尾", "マツオ", 12),
    ("市川", "イチカワ", 11),
    ("菊地", "キクチ", 11),
    ("杉本", "スギモト", 11),
    ("古川", "フルカワ", 11),
    ("大西", "オオニシ", 11),
    ("島田", "シマダ", 11),
    ("水野", "ミズノ", 11),
    ("桜井", "サクライ", 11),
    ("高野", "タカノ", 10),
    ("渡部", "ワタナベ", 10),
    ("吉川", "ヨシカワ", 10),
    ("山内", "ヤマウチ", 10),
    ("西田", "ニシダ", 10),
    ("飯田", "イイダ", 10),
    ("菊池", "キクチ", 10),
    ("西川", "ニシカワ", 10),
    ("小松", "コマツ", 10),
    ("北村", "キタムラ", 10),
    ("安田", "ヤスダ", 10),
    ("五十嵐", "イガラシ", 10),
    ("川口", "カワグチ", 10),
    ("平田", "ヒラタ", 10),
    ("関", "セキ", 9),
    ("中田", "ナカタ", 9),
    ("久保田", "クボタ", 9),
    ("服部", "ハットリ", 9),
    ("東", "アズマ", 9),
    ("岩田", "イワタ", 9),
    ("土屋", "ツチヤ", 9),
    ("川崎", "カワサキ", 9),
    ("福島", "フクシマ", 9),
    ("本田", "ホンダ", 9),
    ("辻", "ツジ", 9),
    ("樋口", "ヒグチ", 8),
    ("秋山", "アキヤマ", 8),
    ("田口", "タグチ", 8),
    ("永井", "ナガイ", 8),
    ("山中", "ヤマナカ", 8),
    ("中西", "ナカニシ", 8),
    ("吉村", "ヨシムラ", 8),
    ("川上", "カワカミ", 8),
    ("石原", "イシハラ", 8),
    ("大橋", "オオハシ", 8),
    ("松岡", "マツオカ", 8),
    ("馬場", "ババ", 8),
    ("浜田", "ハマダ", 8),
    ("森本", "モリモト", 8),
    ("星野", "ホシノ", 8),
    ("矢野", "ヤノ", 8),
    ("浅野", "アサノ", 8),
    ("大久保", "オオクボ", 8),
    ("松下", "マツシタ", 8),
    ("小池", "コイケ", 7),
    ("野崎", "ノザキ", 7),
    ("沢田", "サワダ", 7),
    ("広田", "ヒロタ", 6),
    ("長島", "ナガシマ", 6),
    ("川島", "カワシマ", 6),
    ("徳永", "トクナガ", 4),
    ("真鍋", "マナベ", 3),
    ("辺見", "ヘンミ", 3),
    ("番場", "バンバ", 2),
    // 異体字 spellings
    ("髙橋", "タカハシ", 10),
    ("渡邊", "ワタナベ", 6),
    ("渡邉", "ワタナベ", 8),
    ("齋藤", "サイトウ", 8),
    ("齊藤", "サイトウ", 5),
    ("山﨑", "ヤマザキ", 5),
    ("宮﨑", "ミヤザキ", 3),
    ("濱田", "ハマダ", 3),
    ("澤田", "サワダ", 3),
    ("廣田", "ヒロタ", 2),
    ("邊見", "ヘンミ", 1),
    ("髙木", "タカギ", 2),
    ("嶋田", "シマダ", 2),
    ("櫻井", "サクライ", 3),
    ("中嶋", "ナカジマ", 3),
    ("長嶋", "ナガシマ", 2),
    ("德永", "トクナガ", 1),
    ("眞鍋", "マナベ", 1),
    ("野﨑", "ノザキ", 1),
    ("𠮷田", "ヨシダ", 2),
];

/// (given name, reading).
pub const MALE_NAMES: &[(&str, &str)] = &[
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健太", "ケンタ"),
    ("拓也", "タクヤ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("隆", "タカシ"),
    ("博", "ヒロシ"),
    ("茂", "シゲル"),
    ("清", "キヨシ"),
    ("勇", "イサム"),
    ("実", "ミノル"),
    ("正雄", "マサオ"),
    ("和夫", "カズオ"),
    ("悠人", "ユウト"),
    ("陽翔", "ハルト"),
    ("蓮", "レン"),
    ("大翔", "ヒロト"),
    ("湊", "ミナト"),
    ("悠真", "ユウマ"),
    ("颯太", "ソウタ"),
    ("翔", "ショウ"),
    ("健一", "ケンイチ"),
    ("雄一", "ユウイチ"),
    ("修", "オサム"),
    ("亮", "リョウ"),
    ("直樹", "ナオキ"),
    ("達也", "タツヤ"),
    ("一郎", "イチロウ"),
    ("太郎", "タロウ"),
    ("次郎", "ジロウ"),
    ("勝", "マサル"),
    ("進", "ススム"),
    ("秀樹", "ヒデキ"),
    ("恭介", "キョウスケ"),
    ("優斗", "ユウト"),
    ("裕太", "ユウタ"),
    ("功", "イサオ"),
    ("弘", "ヒロシ"),
    ("ジョージ", "ジョージ"),
];

/// (given name, reading).
pub const FEMALE_NAMES: &[(&str, &str)] = &[
    ("恵子", "ケイコ"),
    ("京子", "キョウコ"),
    ("恭子", "キョウコ"),
    ("洋子", "ヨウコ"),
    ("幸子", "サチコ"),
    ("和子", "カズコ"),
    ("節子", "セツコ"),
    ("久美子", "クミコ"),
    ("由美子", "ユミコ"),
    ("裕子", "ユウコ"),
    ("優子", "ユウコ"),
    ("陽子", "ヨウコ"),
    ("真由美", "マユミ"),
    ("美穂", "ミホ"),
    ("愛", "アイ"),
    ("彩", "アヤ"),
    ("美咲", "ミサキ"),
    ("陽菜", "ヒナ"),
    ("結衣", "ユイ"),
    ("葵", "アオイ"),
    ("凛", "リン"),
    ("芽依", "メイ"),
    ("さくら", "サクラ"),
    ("花子", "ハナコ"),
    ("千代", "チヨ"),
    ("ハル", "ハル"),
    ("文子", "フミコ"),
    ("静香", "シズカ"),
    ("智子", "トモコ"),
    ("直美", "ナオミ"),
    ("明美", "アケミ"),
    ("由紀", "ユキ"),
    ("舞", "マイ"),
    ("翔子", "ショウコ"),
    ("涼子", "リョウコ"),
    ("莉子", "リコ"),
    ("結菜", "ユイナ"),
    ("キヨ", "キヨ"),
    ("マリー", "マリー"),
    ("惠", "メグミ"),
];

/// (町名, postal code): the ten towns of [`City::TenTowns`].
pub const TOWNS: &[(&str, &str)] = &[
    ("本町", "000-0101"),
    ("中央", "000-0102"),
    ("東町", "000-0103"),
    ("西町", "000-0104"),
    ("南町", "000-0105"),
    ("北町", "000-0106"),
    ("旭町", "000-0111"),
    ("栄町", "000-0112"),
    ("緑が丘", "000-0121"),
    ("濱ノ町", "000-0122"),
];

const BUILDINGS: &[&str] = &[
    "番所ハイツ",
    "コーポ栄",
    "メゾン緑が丘",
    "サンライズ本町",
    "グランドール中央",
    "旭荘",
];

/// SplitMix64: small, fast, and good enough for synthetic data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough value in 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Keeps the varied city's address draws apart from the resident's own.
const VARIED_STREAM: u64 = 0x6164_6472_6573_7365;

fn mix(seed: u64, index: u64) -> u64 {
    let mut r = SplitMix64(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    r.next_u64()
}

/// 10^11 - 1: the bases 1..=99,999,999,999 (base 0 would give the number
/// 000000000000, which is never issued).
const BASE_SPAN: u128 = 99_999_999_999;
/// Coprime to BASE_SPAN (= 3² × 21649 × 513239), so `index × MULTIPLIER`
/// is a bijection modulo BASE_SPAN.
const MULTIPLIER: u128 = 48_271_518_817;

/// The 11-digit base for an index: a bijection of 0..BASE_SPAN onto
/// 1..=BASE_SPAN, shifted by the seed.
fn my_number_base(seed: u64, index: u64) -> [u8; 11] {
    let offset = u128::from(SplitMix64(seed).next_u64()) % BASE_SPAN;
    let mut x = (u128::from(index) % BASE_SPAN * MULTIPLIER + offset) % BASE_SPAN + 1;
    let mut base = [0u8; 11];
    for d in base.iter_mut().rev() {
        *d = (x % 10) as u8;
        x /= 10;
    }
    base
}

fn weighted_surname(rng: &mut SplitMix64) -> (&'static str, &'static str) {
    static TOTAL: std::sync::LazyLock<u64> =
        std::sync::LazyLock::new(|| SURNAMES.iter().map(|s| u64::from(s.2)).sum());
    let mut pick = rng.below(*TOTAL);
    for &(name, kana, weight) in SURNAMES {
        let w = u64::from(weight);
        if pick < w {
            return (name, kana);
        }
        pick -= w;
    }
    (SURNAMES[0].0, SURNAMES[0].1)
}

fn pick<T: Copy>(rng: &mut SplitMix64, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

const FIRST_BIRTH_JULIAN: i32 = 2_422_325; // 1920-01-01
const LAST_BIRTH_JULIAN: i32 = 2_461_041; // 2025-12-31

/// An address in the ten towns, drawn but not yet written.
struct TenTownsAddress {
    town: (&'static str, &'static str),
    chome: u64,
    ban: u64,
    go: u64,
    room: Option<(&'static str, u64)>,
}

impl TenTownsAddress {
    fn draw(rng: &mut SplitMix64) -> Self {
        let town = pick(rng, TOWNS);
        let chome = 1 + rng.below(5);
        let ban = 1 + rng.below(30);
        let go = 1 + rng.below(20);
        let room = (rng.below(4) == 0).then(|| {
            let building = pick(rng, BUILDINGS);
            (building, (1 + rng.below(8)) * 100 + 1 + rng.below(10))
        });
        Self {
            town,
            chome,
            ban,
            go,
            room,
        }
    }

    /// (postal code, address).
    fn written(&self) -> (String, String) {
        let Self {
            town: (town, postal),
            chome,
            ban,
            go,
            room,
        } = self;
        let mut address = format!("{CITY}{town}{chome}丁目{ban}番{go}号");
        if let Some((building, room)) = room {
            address.push_str(&format!(" {building}{room}号室"));
        }
        ((*postal).to_owned(), address)
    }
}

/// What a store's synthetic residents are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub seed: u64,
    pub city: City,
}

impl Origin {
    /// `seed` in the varied city, where new stores' residents live.
    pub const fn varied(seed: u64) -> Self {
        Self {
            seed,
            city: City::Varied,
        }
    }

    pub fn resident(self, index: u64) -> SyntheticResident {
        generate_in(self.city, self.seed, index)
    }
}

/// The resident for (seed, index) in the varied city (see [`generate_in`]).
pub fn generate(seed: u64, index: u64) -> SyntheticResident {
    generate_in(City::Varied, seed, index)
}

/// The resident for (seed, index) living in `city`. Unique person numbers
/// and My Numbers for indices below 99,999,999,999 (My Number) and
/// 9,000,000,000 (person number). Everything but the address is the same
/// in either city.
pub fn generate_in(city: City, seed: u64, index: u64) -> SyntheticResident {
    let mut rng = SplitMix64(mix(seed, index));
    let (family_name, family_kana) = weighted_surname(&mut rng);
    let sex = if rng.below(2) == 0 {
        Sex::Male
    } else {
        Sex::Female
    };
    let (given_name, given_kana) = match sex {
        Sex::Male => pick(&mut rng, MALE_NAMES),
        Sex::Female => pick(&mut rng, FEMALE_NAMES),
    };
    let span = (LAST_BIRTH_JULIAN - FIRST_BIRTH_JULIAN + 1) as u64;
    let julian = FIRST_BIRTH_JULIAN + rng.below(span) as i32;
    let birth_date = Date::from_julian_day(julian).unwrap_or(Date::MIN);

    // The ten towns' draws are made in either city, so the draws after
    // them (status, support measure, date left) are the same in both; the
    // varied city draws its address from a stream of its own.
    let ten_towns = TenTownsAddress::draw(&mut rng);
    let (postal, address) = match city {
        City::TenTowns => ten_towns.written(),
        City::Varied => city::varied_address(&mut SplitMix64(mix(seed ^ VARIED_STREAM, index))),
    };

    let roll = rng.below(1000);
    let status = if roll < 10 {
        ResidentStatus::Deceased
    } else if roll < 40 {
        ResidentStatus::MovedOut
    } else {
        ResidentStatus::Resident
    };
    let support_measure = rng.below(1000) < 2;
    // Drawn last, so every draw before it is as it always was.
    let left_on = (status != ResidentStatus::Resident).then(|| {
        let back = i64::try_from(rng.below(12 * 365)).unwrap_or(0);
        LAST_LEFT
            .checked_sub(time::Duration::days(back))
            .unwrap_or(LAST_LEFT)
    });

    SyntheticResident {
        person_number: PersonNumber::from_index(index),
        my_number: MyNumber::from_base(&my_number_base(seed, index)),
        family_name: family_name.to_owned(),
        given_name: given_name.to_owned(),
        family_kana: family_kana.to_owned(),
        given_kana: given_kana.to_owned(),
        birth_date,
        sex,
        postal_code: postal,
        address,
        status,
        support_measure,
        left_on,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::domain::itaiji::name_key;
    use crate::domain::kana::is_kana_text;
    use time::macros::date;

    const N: u64 = 100_000;

    fn gcd(mut a: u128, mut b: u128) -> u128 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }

    #[test]
    fn constants_are_sound() {
        assert_eq!(gcd(MULTIPLIER, BASE_SPAN), 1);
        assert_eq!(
            Date::from_julian_day(FIRST_BIRTH_JULIAN),
            Ok(date!(1920 - 01 - 01))
        );
        assert_eq!(
            Date::from_julian_day(LAST_BIRTH_JULIAN),
            Ok(date!(2025 - 12 - 31))
        );
    }

    #[test]
    fn same_seed_and_index_give_the_same_resident() {
        for i in [0, 1, 2, 999_999, 1_999_999] {
            assert_eq!(generate(42, i), generate(42, i));
        }
        assert_ne!(generate(42, 5), generate(43, 5));
        assert_ne!(generate(42, 5), generate(42, 6));
    }

    #[test]
    fn numbers_are_unique_and_valid() {
        let mut persons = HashSet::new();
        let mut numbers = HashSet::new();
        for i in 0..N {
            let r = generate(7, i);
            assert!(
                persons.insert(r.person_number.clone()),
                "duplicate person number at {i}"
            );
            let digits = r.my_number.expose().to_owned();
            assert_ne!(digits, "000000000000");
            assert_eq!(MyNumber::parse(&digits).as_ref(), Ok(&r.my_number));
            assert!(numbers.insert(digits), "duplicate My Number at {i}");
        }
    }

    #[test]
    fn base_is_a_bijection_on_a_window() {
        // Consecutive indices never collide, and index 0 is not all zeros.
        let mut seen = HashSet::new();
        for i in 0..20_000 {
            assert!(seen.insert(my_number_base(0, i)));
        }
        assert_ne!(my_number_base(0, 0), [0; 11]);
        // The largest index in the domain maps inside the range.
        let last = my_number_base(0, (BASE_SPAN - 1) as u64);
        assert!(last.iter().all(|d| *d <= 9));
    }

    #[test]
    fn rates_are_within_tolerance() {
        let (mut deceased, mut moved, mut support, mut male) = (0u32, 0u32, 0u32, 0u32);
        let mut surname_counts: HashMap<String, u32> = HashMap::new();
        let (mut min, mut max) = (Date::MAX, Date::MIN);
        let mut with_room = 0u32;
        for i in 0..N {
            let r = generate(2025, i);
            match r.status {
                ResidentStatus::Deceased => deceased += 1,
                ResidentStatus::MovedOut => moved += 1,
                ResidentStatus::Resident => {}
            }
            support += u32::from(r.support_measure);
            male += u32::from(r.sex == Sex::Male);
            *surname_counts.entry(r.family_name.clone()).or_default() += 1;
            min = min.min(r.birth_date);
            max = max.max(r.birth_date);
            with_room += u32::from(r.address.ends_with("号室"));
        }
        assert!((800..=1200).contains(&deceased), "deceased {deceased}");
        assert!((2600..=3400).contains(&moved), "moved out {moved}");
        assert!((130..=270).contains(&support), "support {support}");
        assert!((48_000..=52_000).contains(&male), "male {male}");
        // A third of the varied city lives in named buildings.
        assert!((31_000..=35_700).contains(&with_room), "rooms {with_room}");
        assert!(
            min >= date!(1920 - 01 - 01) && min < date!(1920 - 03 - 01),
            "{min}"
        );
        assert!(
            max <= date!(2025 - 12 - 31) && max > date!(2025 - 11 - 01),
            "{max}"
        );
        // The most common surnames are shared by many.
        for common in ["佐藤", "鈴木", "高橋", "田中"] {
            let n = surname_counts.get(common).copied().unwrap_or(0);
            assert!(n > 3000, "{common} {n}");
        }
        // Variant spellings appear.
        for variant in [
            "髙橋", "渡邊", "渡邉", "齋藤", "齊藤", "山﨑", "濱田", "澤田", "廣田", "邊見", "𠮷田",
        ] {
            assert!(surname_counts.contains_key(variant), "{variant} missing");
        }
    }

    #[test]
    fn readings_are_kana_and_consistent() {
        for (name, kana, weight) in SURNAMES {
            assert!(is_kana_text(kana), "{name} {kana}");
            assert!(*weight > 0);
        }
        for (name, kana) in MALE_NAMES.iter().chain(FEMALE_NAMES) {
            assert!(is_kana_text(kana), "{name} {kana}");
        }
        // Spellings that fold to the same key share a reading.
        let mut by_key: HashMap<String, &str> = HashMap::new();
        for (name, kana, _) in SURNAMES {
            let prev = by_key.insert(name_key(name), kana);
            assert!(prev.is_none_or(|p| p == *kana), "{name}");
        }
        assert_eq!(by_key.get("渡辺"), Some(&"ワタナベ"));
        for i in 0..2000 {
            let r = generate(1, i);
            assert!(is_kana_text(&r.family_kana) && is_kana_text(&r.given_kana));
        }
    }

    #[test]
    fn addresses_are_in_one_city() {
        for i in 0..2000 {
            let r = generate_in(City::TenTowns, 9, i);
            assert!(r.address.starts_with(CITY), "{}", r.address);
            assert!(r.address.contains("丁目"));
            let p = r.postal_code.as_bytes();
            assert!(p.len() == 8 && p[3] == b'-', "{}", r.postal_code);
            assert!(
                TOWNS
                    .iter()
                    .any(|(t, code)| *code == r.postal_code
                        && r.address[CITY.len()..].starts_with(t))
            );
        }
        let readings: HashSet<String> = (0..5000).map(|i| generate(3, i).given_kana).collect();
        assert!(readings.contains("キョウコ"));
        assert!(readings.contains("ユウト"));
    }

    #[test]
    fn the_two_cities_differ_only_in_the_address() {
        for i in 0..500 {
            let varied = generate_in(City::Varied, 4, i);
            let mut ten = generate_in(City::TenTowns, 4, i);
            assert!(varied.address.starts_with(CITY) && varied.postal_code.starts_with("000-"));
            assert_ne!(varied.address, ten.address);
            ten.address = varied.address.clone();
            ten.postal_code = varied.postal_code.clone();
            assert_eq!(ten, varied);
        }
    }

    #[test]
    fn the_residents_of_a_seed_never_change() {
        // A store is searched with queries drawn again from its seed: a
        // generator that drew other residents for the same seed would make
        // every benchmark on an earlier store miss.
        use sha2::{Digest, Sha256};
        for (city, expected) in [
            (
                City::Varied,
                "5feca81461cb05464a6e30fa61110207b6325b581a97e56d1287275c438a1016",
            ),
            (
                City::TenTowns,
                "a17fe36e81f0f445ab79fb519b7c2baac90536afa81c437fe173f1d0b58f607e",
            ),
        ] {
            let mut hash = Sha256::new();
            for i in 0..2000 {
                let r = generate_in(city, 1, i);
                hash.update(format!("{r:?}|{}|{}\n", r.address, r.postal_code));
            }
            let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(digest, expected, "{city:?}");
        }
    }
}
