//! Where synthetic residents live. [`City::Varied`] is a city of two
//! million as its registry shows it: ten wards, some 450 towns numbered in
//! the three ways Japanese towns are (丁目・番・号, 条・丁目 as in
//! 北3条西4丁目, 番地), and named buildings with rooms, so an address
//! fragment is about as selective as it is at a real counter.
//! [`City::TenTowns`] is the first generator's city, ten towns of five
//! 丁目 each, where every trigram of an address is shared by tens of
//! thousands: stores seeded before the choice existed hold it, and it is
//! kept as the address search's worst case.

use super::{CITY, SplitMix64, pick};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum City {
    Varied,
    TenTowns,
}

impl City {
    /// The store's meta key recording which city its residents live in;
    /// a store without it holds [`City::TenTowns`].
    pub const META_KEY: &'static str = "synthetic_city";

    pub fn as_str(self) -> &'static str {
        match self {
            City::Varied => "varied",
            City::TenTowns => "ten-towns",
        }
    }

    pub fn parse(text: &str) -> Option<City> {
        match text {
            "varied" => Some(City::Varied),
            "ten-towns" => Some(City::TenTowns),
            _ => None,
        }
    }
}

const WARDS: &[&str] = &[
    "中央区",
    "北区",
    "東区",
    "西区",
    "南区",
    "港区",
    "緑区",
    "青葉区",
    "旭区",
    "栄区",
];

/// Two-character roots of town names; each is made into several towns.
const ROOTS: &[&str] = &[
    "青葉", "桜木", "松原", "若松", "白石", "豊平", "平岸", "月寒", "琴似", "発寒", "手稲", "藤野",
    "川沿", "石山", "澄川", "菊水", "美園", "福住", "清田", "里塚", "北野", "厚別", "篠路", "屯田",
    "琴平", "麻生", "元宮", "栄通", "本郷", "大谷", "川下", "米里", "雁来", "伏古", "苗穂", "中島",
    "宮園", "円山", "山鼻", "幌平", "南沢", "真栄", "羊丘", "西岡", "有明", "簾舞", "常盤", "小金",
    "大通", "創成", "北栄", "茨戸", "拓北", "愛宕", "百合", "春日", "丘珠", "栄和", "東光", "鶴見",
    "榎本", "柏木", "梅林", "竹園",
];

/// How a root becomes a town's name.
const FORMS: &[&str] = &["町", "台", "が丘", "本町", "新町", "", "野"];

/// How a town numbers its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    /// 3丁目12番5号, up to `chome` 丁目.
    Chome { chome: u64 },
    /// 北3条西4丁目5番6号 or 平岸3条5丁目2番10号.
    Jo { jo: u64, chome: u64, sides: bool },
    /// 1234番地 or 1234番地5, as in the outlying districts.
    Banchi { highest: u64 },
}

#[derive(Debug, Clone)]
struct Town {
    ward: &'static str,
    /// The root its name and its buildings' names are made from.
    root: &'static str,
    name: String,
    postal: String,
    numbering: Numbering,
}

fn towns() -> &'static [Town] {
    static TOWNS: std::sync::LazyLock<Vec<Town>> = std::sync::LazyLock::new(|| {
        let mut towns = Vec::with_capacity(ROOTS.len() * FORMS.len());
        for (f, form) in FORMS.iter().enumerate() {
            for (r, root) in ROOTS.iter().enumerate() {
                let i = towns.len() as u64;
                // The town's own draws, fixed by its place in the list.
                let mut rng = SplitMix64(0x7a0e_5eed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let roll = rng.below(10);
                let numbering = if roll < 6 {
                    Numbering::Chome {
                        chome: 1 + rng.below(9),
                    }
                } else if roll < 8 {
                    Numbering::Jo {
                        jo: 1 + rng.below(20),
                        chome: 1 + rng.below(14),
                        sides: rng.below(3) == 0,
                    }
                } else {
                    Numbering::Banchi {
                        highest: 200 + rng.below(3800),
                    }
                };
                towns.push(Town {
                    ward: WARDS[(r * 7 + f * 3) % WARDS.len()],
                    root,
                    name: format!("{root}{form}"),
                    postal: format!("000-{:04}", 1000 + i),
                    numbering,
                });
            }
        }
        towns
    });
    &TOWNS
}

const BUILDING_HEADS: &[&str] = &[
    "サン",
    "グラン",
    "メゾン",
    "コーポ",
    "パーク",
    "ロイヤル",
    "エクセル",
    "ドミール",
    "リバーサイド",
    "アーバン",
    "シティ",
    "ノース",
];
const BUILDING_TAILS: &[&str] = &[
    "ハイツ",
    "マンション",
    "コート",
    "レジデンス",
    "タワー",
    "ヒルズ",
    "荘",
    "ハウス",
    "パレス",
    "テラス",
];

/// (postal code, address) in the varied city, from the resident's own
/// draws.
pub(super) fn varied_address(rng: &mut SplitMix64) -> (String, String) {
    use std::fmt::Write;
    let towns = towns();
    let town = &towns[rng.below(towns.len() as u64) as usize];
    let mut address = String::with_capacity(96);
    // Writing to a String cannot fail.
    let _ = write!(address, "{CITY}{}{}", town.ward, town.name);
    let _ = match town.numbering {
        Numbering::Chome { chome } => {
            let c = 1 + rng.below(chome);
            let ban = 1 + rng.below(35);
            let go = 1 + rng.below(25);
            write!(address, "{c}丁目{ban}番{go}号")
        }
        Numbering::Jo { jo, chome, sides } => {
            let j = 1 + rng.below(jo);
            let c = 1 + rng.below(chome);
            let ban = 1 + rng.below(20);
            let go = 1 + rng.below(30);
            let side = match sides.then(|| rng.below(2)) {
                None => "",
                Some(0) => "東",
                Some(_) => "西",
            };
            write!(address, "{j}条{side}{c}丁目{ban}番{go}号")
        }
        Numbering::Banchi { highest } => {
            let banchi = 1 + rng.below(highest);
            match rng.below(2) {
                0 => write!(address, "{banchi}番地{}", 1 + rng.below(30)),
                _ => write!(address, "{banchi}番地"),
            }
        }
    };
    if rng.below(3) == 0 {
        let head = pick(rng, BUILDING_HEADS);
        let tail = pick(rng, BUILDING_TAILS);
        let room = (1 + rng.below(15)) * 100 + 1 + rng.below(12);
        let _ = write!(address, " {head}{}{tail}{room}号室", town.root);
    }
    (town.postal.clone(), address)
}

/// The part of an address a clerk types to find it: the town and its
/// numbers, without the city, the ward or the building.
pub fn street_fragment(address: &str) -> &str {
    let street = address.split(' ').next().unwrap_or(address);
    let street = street.strip_prefix(CITY).unwrap_or(street);
    WARDS
        .iter()
        .find_map(|ward| street.strip_prefix(ward))
        .unwrap_or(street)
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    #[test]
    fn towns_are_hundreds_with_their_own_names_and_codes() {
        let towns = towns();
        assert!(towns.len() >= 400, "{}", towns.len());
        let names: HashSet<&str> = towns.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), towns.len(), "town names repeat");
        let codes: HashSet<&str> = towns.iter().map(|t| t.postal.as_str()).collect();
        assert_eq!(codes.len(), towns.len(), "postal codes repeat");
        assert!(towns.iter().all(|t| !t.name.contains('区')));
        for style in [
            |n: &Numbering| matches!(n, Numbering::Chome { .. }),
            |n: &Numbering| matches!(n, Numbering::Jo { sides: true, .. }),
            |n: &Numbering| matches!(n, Numbering::Jo { sides: false, .. }),
            |n: &Numbering| matches!(n, Numbering::Banchi { .. }),
        ] {
            assert!(towns.iter().filter(|t| style(&t.numbering)).count() > 20);
        }
    }

    #[test]
    fn a_street_fragment_is_shared_by_few() {
        // 200,000 residents of the varied city: a typed street (town and
        // numbers) is shared by a handful, not by thousands.
        let mut by_street: HashMap<String, u32> = HashMap::new();
        let mut rng = SplitMix64(42);
        for _ in 0..200_000 {
            let (_, address) = varied_address(&mut rng);
            *by_street
                .entry(street_fragment(&address).to_string())
                .or_default() += 1;
        }
        let most = by_street.values().copied().max().unwrap_or(0);
        assert!(most <= 12, "one street holds {most}");
        assert!(by_street.len() > 100_000, "{}", by_street.len());
    }

    #[test]
    fn addresses_show_every_numbering_and_parse_back_to_their_street() {
        let mut rng = SplitMix64(7);
        let addresses: Vec<String> = (0..5000).map(|_| varied_address(&mut rng).1).collect();
        for needle in ["丁目", "条", "番地", "号室", "条東", "条西"] {
            assert!(
                addresses.iter().any(|a| a.contains(needle)),
                "no address with {needle}"
            );
        }
        for a in &addresses {
            assert!(a.starts_with(CITY), "{a}");
            let street = street_fragment(a);
            assert!(!street.contains(' ') && !street.contains('区'), "{street}");
            assert!(a.contains(street));
        }
    }

    #[test]
    fn the_city_round_trips_through_its_name() {
        for city in [City::Varied, City::TenTowns] {
            assert_eq!(City::parse(city.as_str()), Some(city));
        }
        assert_eq!(City::parse("Varied"), None);
    }
}
