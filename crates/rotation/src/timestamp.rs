//! RFC 3339 timestamps in UTC, as Terraform's `timestamp()` and
//! `plantimestamp()` write them. The calendar arithmetic is the `time` crate's;
//! this module fixes the accepted forms and words the errors.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Why a timestamp string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "timestamp {input:?} is not valid RFC 3339: {reason}; expected e.g. \"2026-11-22T03:37:28Z\""
)]
pub struct TimestampError {
    pub input: String,
    pub reason: String,
}

/// Whole seconds in UTC with `Z`: RFC 3339 without the fraction.
const UTC_SECONDS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: RFC 3339 has four-digit years.
const FIRST: i64 = -62_167_219_200;
const LAST: i64 = 253_402_300_799;

/// The instant in UTC, held within RFC 3339's years so that whatever is written
/// reads back.
fn utc(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.clamp(FIRST, LAST))
        .expect("within the time crate's range")
}

/// `"2026-11-22T03:37:28Z"`: UTC, no fractional seconds.
pub fn format_rfc3339(t: i64) -> String {
    utc(t)
        .format(UTC_SECONDS)
        .expect("every field of the description is available")
}

/// `"YYYY-MM-DD"` of an instant, UTC (for human messages).
pub fn format_date(t: i64) -> String {
    utc(t)
        .format(DATE)
        .expect("every field of the description is available")
}

/// Parses RFC 3339 (`Z`, `z` or `±hh:mm` offsets, optional fraction, `T`,
/// `t` or a space between date and time). Fractions are truncated: rotation
/// works in whole seconds.
pub fn parse_rfc3339(s: &str) -> Result<i64, TimestampError> {
    let fail = |reason: String| TimestampError {
        input: s.to_string(),
        reason,
    };
    // The `time` crate takes any byte as the date/time separator; RFC 3339 names
    // `T` (and allows a space), so anything else is refused here.
    if let Some(sep) = s.as_bytes().get(10)
        && !b"Tt ".contains(sep)
    {
        return Err(fail("expected 'T' at position 11".to_string()));
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_164_799, "2024-02-28T23:59:59Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_795_318_648, "2026-11-22T03:37:28Z"),
            (4_102_444_800, "2100-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ];
        for (t, want) in cases {
            assert_eq!(format_rfc3339(*t), *want);
            assert_eq!(parse_rfc3339(want), Ok(*t));
        }
        assert_eq!(format_date(1_795_318_648), "2026-11-22");
    }

    #[test]
    fn instants_beyond_four_digit_years_are_written_at_the_edge() {
        assert_eq!(format_rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("0000-01-01T00:00:00Z"), Ok(FIRST));
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z"), Ok(LAST));
    }

    #[test]
    fn a_leap_second_counts_as_the_second_before_it() {
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), Ok(1_483_228_799));
        // Only the last second of a UTC month can be a leap second.
        assert!(parse_rfc3339("2016-12-30T23:59:60Z").is_err());
    }

    #[test]
    fn round_trips_across_centuries() {
        let mut t = -2_208_988_800; // 1900-01-01
        while t < 4_102_444_800 {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Ok(t), "{t}");
            t += 3_987_211;
        }
    }

    #[test]
    fn accepts_offsets_fractions_and_lowercase() {
        let base = 1_795_318_648;
        let cases: &[(&str, i64)] = &[
            ("2026-11-22T03:37:28Z", base),
            ("2026-11-22t03:37:28z", base),
            ("2026-11-22 03:37:28Z", base),
            ("2026-11-22T03:37:28.999999999Z", base),
            ("2026-11-22T03:37:28.5+00:00", base),
            ("2026-11-22T05:37:28+02:00", base),
            ("2026-11-21T22:07:28-05:30", base),
            ("2026-11-22T03:37:28-00:00", base),
        ];
        for (input, want) in cases {
            assert_eq!(parse_rfc3339(input), Ok(*want), "{input}");
        }
    }

    #[test]
    fn rejects_malformed_timestamps_naming_them() {
        let cases = [
            "",
            "2026-11-22",
            "2026-11-22T03:37:28",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T03:37:28.Z",
            "2026-11-22T03:37:28+0200",
            "2026-11-22T03:37:28Zjunk",
            "26-11-22T03:37:28Z",
            "2026/11/22T03:37:28Z",
            "2026-11-22X03:37:28Z",
            "tomorrow",
        ];
        for input in cases {
            let err = parse_rfc3339(input).expect_err(input);
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }
}
