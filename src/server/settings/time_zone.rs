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

    /// The office's calendar date at `at`.
    pub fn local_date(&self, at: time::OffsetDateTime) -> Option<time::Date> {
        let zoned = jiff::Timestamp::from_second(at.unix_timestamp())
            .ok()?
            .to_zoned(self.zone.clone());
        let month = time::Month::try_from(u8::try_from(zoned.month()).ok()?).ok()?;
        time::Date::from_calendar_date(
            i32::from(zoned.year()),
            month,
            u8::try_from(zoned.day()).ok()?,
        )
        .ok()
    }

    /// The instant the office's day `date` begins.
    pub fn day_start(&self, date: time::Date) -> Option<time::OffsetDateTime> {
        let civil = jiff::civil::date(
            i16::try_from(date.year()).ok()?,
            i8::try_from(u8::from(date.month())).ok()?,
            i8::try_from(date.day()).ok()?,
        );
        let ts = civil.to_zoned(self.zone.clone()).ok()?.timestamp();
        time::OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
    }

    /// The instant `minutes` after the start of the office's day `date` by
    /// its clocks (1440 is the next day's start).
    pub fn at_minute(&self, date: time::Date, minutes: u16) -> Option<time::OffsetDateTime> {
        if minutes >= 1_440 {
            return self.day_start(date.next_day()?);
        }
        let civil = jiff::civil::date(
            i16::try_from(date.year()).ok()?,
            i8::try_from(u8::from(date.month())).ok()?,
            i8::try_from(date.day()).ok()?,
        )
        .at(
            i8::try_from(minutes / 60).ok()?,
            i8::try_from(minutes % 60).ok()?,
            0,
            0,
        );
        let ts = civil.to_zoned(self.zone.clone()).ok()?.timestamp();
        time::OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
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
    fn office_days_begin_at_local_midnight() {
        let zone = OfficeTimeZone::default();
        // Tokyo is 9 hours ahead: 2026-02-15 15:00 UTC is the first
        // moment of Monday 2026-02-16 there.
        let at = time::macros::datetime!(2026-02-15 15:00 UTC);
        assert_eq!(
            zone.local_date(at),
            Some(time::macros::date!(2026 - 02 - 16))
        );
        assert_eq!(
            zone.day_start(time::macros::date!(2026 - 02 - 16)),
            Some(at)
        );
    }

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
