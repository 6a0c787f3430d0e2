//! Times as text: seconds since the Unix epoch as a UTC date and time, by jiff.

use jiff::SignedDuration;
use jiff::civil::DateTime;

/// The UTC date and time `secs` seconds after the Unix epoch, in the proleptic Gregorian
/// calendar; `None` outside the years -9999 to 9999 that jiff's civil times cover.
///
/// Unix time counts no leap seconds, so it is the epoch's civil time plus `secs` seconds.
/// Shared with the runner, which names artifacts after the UTC time outside a git work tree.
pub(crate) fn utc(secs: i64) -> Option<DateTime> {
    DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
        .checked_add(SignedDuration::from_secs(secs))
        .ok()
}

/// Seconds since the Unix epoch as ISO 8601 UTC, e.g. `1732540000` as `2024-11-25T13:06:40Z`;
/// `None` outside the years -9999 to 9999.
pub fn iso8601(secs: i64) -> Option<String> {
    utc(secs).map(|time| time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_732_540_000, "2024-11-25T13:06:40Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_735_689_599, "2024-12-31T23:59:59Z"),
            (1_735_689_600, "2025-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso8601(secs).as_deref(), Some(text), "{secs}");
        }
    }

    #[test]
    fn times_beyond_the_year_9999_are_none() {
        for secs in [i64::MIN, i64::MIN + 1, 253_402_300_800, i64::MAX] {
            assert_eq!(iso8601(secs), None, "{secs}");
        }
    }
}
