//! The office's time zone: times are stored in UTC and shown to people in it.

/// An IANA time zone the bundled database knows.
#[derive(Clone)]
pub struct OfficeTimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl std::fmt::Debug for OfficeTimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl OfficeTimeZone {
    pub fn named(name: &str) -> Result<Self, String> {
        jiff::tz::TimeZone::get(name)
            .map(|zone| Self {
                name: name.to_string(),
                zone,
            })
            .map_err(|_| {
                format!("unknown time zone `{name}` (use an IANA name such as Asia/Tokyo)")
            })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `2026-12-01 18:45 (Asia/Tokyo)`.
    pub fn show(&self, at: time::OffsetDateTime) -> String {
        let local = jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|ts| {
                ts.to_zoned(self.zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|_| crate::store::chain::format_time(at));
        format!("{local} ({})", self.name)
    }
}

impl Default for OfficeTimeZone {
    fn default() -> Self {
        // Japan has one zone and no daylight saving; the bundled database
        // always has it.
        Self::named("Asia/Tokyo").unwrap_or_else(|_| Self {
            name: "UTC".into(),
            zone: jiff::tz::TimeZone::UTC,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_times_are_shown_in_the_office_zone() {
        let zone = OfficeTimeZone::default();
        let at = time::macros::datetime!(2026-12-01 09:45 UTC);
        assert_eq!(zone.show(at), "2026-12-01 18:45 (Asia/Tokyo)");
    }

    #[test]
    fn an_unknown_zone_is_named() {
        let error = OfficeTimeZone::named("Mars/Olympus").unwrap_err();
        assert!(error.contains("Mars/Olympus"), "{error}");
    }
}
