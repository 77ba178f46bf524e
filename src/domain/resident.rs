//! Value types of a resident's record.

use serde::{Deserialize, Serialize};

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
}

impl std::str::FromStr for Sex {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "male" => Ok(Sex::Male),
            "female" => Ok(Sex::Female),
            _ => Err(UnknownValue("sex")),
        }
    }
}

/// Whether the person still lives in the city. Moved-out and deceased
/// residents stay searchable (taxes outlive both) and carry strong badges.
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
}

impl std::str::FromStr for ResidentStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "resident" => Ok(ResidentStatus::Resident),
            "moved_out" => Ok(ResidentStatus::MovedOut),
            "deceased" => Ok(ResidentStatus::Deceased),
            _ => Err(UnknownValue("status")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value for {0}")]
pub struct UnknownValue(pub &'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for status in [
            ResidentStatus::Resident,
            ResidentStatus::MovedOut,
            ResidentStatus::Deceased,
        ] {
            assert_eq!(status.as_str().parse::<ResidentStatus>(), Ok(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        for sex in [Sex::Male, Sex::Female] {
            assert_eq!(sex.as_str().parse::<Sex>(), Ok(sex));
        }
        assert!("alive".parse::<ResidentStatus>().is_err());
    }
}
