//! Times as the service sends them (RFC 3339) shown in the office's time
//! (Japan), and dates typed at the terminal made into the times the
//! service takes.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::tui::sanitize::clean;

fn jst() -> UtcOffset {
    UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn shown(at: &str, seconds: bool) -> String {
    match OffsetDateTime::parse(at, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(jst());
            let mut text = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            );
            if seconds {
                text.push_str(&format!(":{:02}", t.second()));
            }
            text
        }
        Err(_) => clean(at),
    }
}

/// `2026-02-16 10:23`; text that is no time is shown as sent, cleaned.
pub fn shown_time(at: &str) -> String {
    shown(at, false)
}

/// `2026-02-16 10:23:45`, for the access log.
pub fn shown_seconds(at: &str) -> String {
    shown(at, true)
}

/// The date typed (`2027-03-31`), if it is one.
pub fn typed_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).ok()
}

/// The start of `date` in the office's time, as RFC 3339.
pub fn day_start(date: Date) -> String {
    format!("{date}T00:00:00+09:00")
}

/// The last second of `date` in the office's time, as RFC 3339: a grant
/// until a date holds through that day.
pub fn day_end(date: Date) -> String {
    format!("{date}T23:59:59+09:00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_japan_and_dates_become_the_office_day() {
        assert_eq!(shown_time("2026-02-16T01:23:45Z"), "2026-02-16 10:23");
        assert_eq!(
            shown_seconds("2026-02-16T01:23:45.123456Z"),
            "2026-02-16 10:23:45"
        );
        assert_eq!(shown_time("soon\u{1b}"), "soon〓");
        let date = typed_date(" 2027-03-31 ").expect("a date");
        assert_eq!(day_start(date), "2027-03-31T00:00:00+09:00");
        assert_eq!(day_end(date), "2027-03-31T23:59:59+09:00");
        assert!(typed_date("2027-02-30").is_none());
        assert!(typed_date("31/03/2027").is_none());
    }
}
