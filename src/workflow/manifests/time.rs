//! Dates without a date crate: seconds since the Unix epoch as ISO 8601 UTC.

/// Seconds since the Unix epoch as ISO 8601 UTC, e.g. `1732540000` as `2024-11-25T13:06:40Z`.
///
/// Proleptic Gregorian calendar for any `i64`, computed with Howard Hinnant's
/// `civil_from_days`, so no date crate is needed.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// (year, month, day) of a day count from 1970-01-01, in the proleptic Gregorian calendar.
///
/// Shared with the runner, which names artifacts after the UTC time outside a git work tree.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // Shift the epoch to 0000-03-01, so that the leap day is the last day of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // [1, 31]
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
            assert_eq!(iso8601(secs), text, "{secs}");
        }
    }

    #[test]
    fn extreme_times_do_not_panic() {
        for secs in [i64::MIN, i64::MIN + 1, i64::MAX] {
            assert!(iso8601(secs).ends_with('Z'));
        }
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        // From 1600-03-01 to 2400-12-31: month lengths, leap years and the century rules.
        let mut previous = civil_from_days(-135_080 - 1);
        for days in -135_080..157_420 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = y == py && m == pm && d == pd + 1;
            let next_month = y == py && m == pm + 1 && d == 1;
            let next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {y}-{m}-{d}"
            );
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let last = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            assert!((1..=last).contains(&d), "{y}-{m}-{d}");
            previous = (y, m, d);
        }
    }
}
