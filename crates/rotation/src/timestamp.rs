//! RFC 3339 timestamps in UTC, as Terraform's `timestamp()` and
//! `plantimestamp()` write them. Implemented here (proleptic Gregorian
//! calendar arithmetic) so the crate stays free of clock and locale concerns.

/// Why a timestamp string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "timestamp {input:?} is not valid RFC 3339: {reason}; expected e.g. \"2026-11-22T03:37:28Z\""
)]
pub struct TimestampError {
    pub input: String,
    pub reason: String,
}

const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 {
        yoe + era * 400 + 1
    } else {
        yoe + era * 400
    };
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `"2026-11-22T03:37:28Z"`: UTC, no fractional seconds.
pub fn format_rfc3339(t: i64) -> String {
    let days = t.div_euclid(DAY);
    let secs = t.rem_euclid(DAY);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// `"YYYY-MM-DD"` of an instant, UTC (for human messages).
pub fn format_date(t: i64) -> String {
    let (y, mo, d) = civil_from_days(t.div_euclid(DAY));
    format!("{y:04}-{mo:02}-{d:02}")
}

/// Parses RFC 3339 (`Z`, `z` or `±hh:mm` offsets, optional fraction, `T`,
/// `t` or a space between date and time). Fractions are truncated: rotation
/// works in whole seconds.
pub fn parse_rfc3339(s: &str) -> Result<i64, TimestampError> {
    let fail = |reason: &str| TimestampError {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    let b = s.as_bytes();
    let num = |from: usize, len: usize, what: &str| -> Result<i64, TimestampError> {
        let part = b
            .get(from..from + len)
            .ok_or_else(|| fail(&format!("it ends before the {what}")))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(fail(&format!("the {what} must be {len} digits")));
        }
        Ok(part.iter().fold(0, |acc, c| acc * 10 + i64::from(c - b'0')))
    };
    let expect = |at: usize, set: &[u8], what: &str| -> Result<(), TimestampError> {
        match b.get(at) {
            Some(c) if set.contains(c) => Ok(()),
            _ => Err(fail(&format!("expected {what} at position {}", at + 1))),
        }
    };
    let year = num(0, 4, "year")?;
    expect(4, b"-", "'-'")?;
    let month = num(5, 2, "month")?;
    expect(7, b"-", "'-'")?;
    let day = num(8, 2, "day")?;
    expect(10, b"Tt ", "'T'")?;
    let hour = num(11, 2, "hour")?;
    expect(13, b":", "':'")?;
    let minute = num(14, 2, "minute")?;
    expect(16, b":", "':'")?;
    let second = num(17, 2, "second")?;
    if !(1..=12).contains(&month) {
        return Err(fail("the month must be 01 to 12"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(fail("the day does not exist in that month"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(fail("the time of day is out of range"));
    }
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(fail("a '.' must be followed by fraction digits"));
        }
        at += digits;
    }
    let offset = match b.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(at + 1, 2, "offset hours")?;
            expect(at + 3, b":", "':' in the offset")?;
            let om = num(at + 4, 2, "offset minutes")?;
            if oh > 23 || om > 59 {
                return Err(fail("the offset is out of range"));
            }
            let o = oh * 3600 + om * 60;
            at += 6;
            if *sign == b'+' { o } else { -o }
        }
        _ => return Err(fail("a UTC offset ('Z' or '+hh:mm') is required")),
    };
    if at != b.len() {
        return Err(fail("unexpected text after the offset"));
    }
    // A leap second (":60") is folded into the next second, as Unix time does.
    Ok(days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second - offset)
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
            "tomorrow",
        ];
        for input in cases {
            let err = parse_rfc3339(input).expect_err(input);
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }
}
