//! Value types shared by records, the service and the workstation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// 男 / 女, as printed on forms.
    pub fn kanji(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentStatus {
    Resident,
    MovedOut,
    Deceased,
}

impl ResidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResidentStatus::Resident => "resident",
            ResidentStatus::MovedOut => "moved_out",
            ResidentStatus::Deceased => "deceased",
        }
    }

    /// 住民 / 転出 / 死亡, as shown on badges.
    pub fn kanji(self) -> &'static str {
        match self {
            ResidentStatus::Resident => "住民",
            ResidentStatus::MovedOut => "転出",
            ResidentStatus::Deceased => "死亡",
        }
    }
}

/// A stored value that names no known variant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown {kind} value; expected one of: {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub expected: &'static str,
}

impl FromStr for Sex {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "male" => Ok(Sex::Male),
            "female" => Ok(Sex::Female),
            _ => Err(UnknownValue {
                kind: "sex",
                expected: "male, female",
            }),
        }
    }
}

impl FromStr for ResidentStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "resident" => Ok(ResidentStatus::Resident),
            "moved_out" => Ok(ResidentStatus::MovedOut),
            "deceased" => Ok(ResidentStatus::Deceased),
            _ => Err(UnknownValue {
                kind: "resident status",
                expected: "resident, moved_out, deceased",
            }),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ResidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in [Sex::Male, Sex::Female] {
            assert_eq!(s.as_str().parse::<Sex>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).expect("json"),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in [
            ResidentStatus::Resident,
            ResidentStatus::MovedOut,
            ResidentStatus::Deceased,
        ] {
            assert_eq!(s.as_str().parse::<ResidentStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).expect("json"),
                format!("\"{}\"", s.as_str())
            );
            let back: ResidentStatus =
                serde_json::from_str(&format!("\"{}\"", s.as_str())).expect("json");
            assert_eq!(back, s);
        }
        assert_eq!(ResidentStatus::MovedOut.as_str(), "moved_out");
        assert!("MovedOut".parse::<ResidentStatus>().is_err());
        assert!("Male".parse::<Sex>().is_err());
        assert!(serde_json::from_str::<Sex>("\"other\"").is_err());
    }
}
