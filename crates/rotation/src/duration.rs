//! Durations written the way people write them in HCL: `"90d"`, `"36h"`,
//! `"1d12h"`, `"0s"`. Units are seconds, minutes, hours and days; a day is
//! always 86,400 seconds (rotation windows are about certificate lifetimes,
//! not calendar days, so leap seconds and DST do not apply).

/// Why a duration string was rejected. Display names the input and the
/// expected form, so it can go straight into a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error(
        "duration is empty; expected <number><unit> with units s, m, h, d, e.g. \"90d\", \"36h\" or \"1d12h\""
    )]
    Empty,
    #[error(
        "duration {input:?} is negative; durations are zero or more, written <number><unit> such as \"90d\""
    )]
    Negative { input: String },
    #[error(
        "duration {input:?} is not valid: {reason}; expected <number><unit> with units s, m, h, d, e.g. \"90d\", \"36h\" or \"1d12h\""
    )]
    Invalid { input: String, reason: String },
    #[error("duration {input:?} is too large; the maximum is {max} seconds")]
    TooLarge { input: String, max: u64 },
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The largest duration accepted: it still fits an i64 unix-time offset.
pub const MAX_DURATION: u64 = i64::MAX as u64;

/// Parses `"<n><unit>"` segments (units `s`, `m`, `h`, `d`, each at most once,
/// largest first), e.g. `"90d"`, `"36h"`, `"1d12h"`, `"0s"`.
pub fn parse_duration(s: &str) -> Result<u64, DurationError> {
    let input = s.trim();
    if input.is_empty() {
        return Err(DurationError::Empty);
    }
    if input.starts_with('-') {
        return Err(DurationError::Negative {
            input: s.to_string(),
        });
    }
    let invalid = |reason: &str| DurationError::Invalid {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    let too_large = || DurationError::TooLarge {
        input: s.to_string(),
        max: MAX_DURATION,
    };
    let mut total: u64 = 0;
    let mut last_rank = usize::MAX;
    let mut rest = input;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid("each unit needs a whole number before it"));
        }
        let (number, tail) = rest.split_at(digits);
        let n: u64 = number.parse().map_err(|_| too_large())?;
        let mut chars = tail.chars();
        let unit = chars
            .next()
            .ok_or_else(|| invalid("the number has no unit"))?;
        let (rank, scale) = match unit {
            'd' => (3, DAY),
            'h' => (2, HOUR),
            'm' => (1, MINUTE),
            's' => (0, 1),
            _ => return Err(invalid(&format!("unknown unit {unit:?}"))),
        };
        if rank >= last_rank {
            return Err(invalid("units must appear once each, largest first"));
        }
        last_rank = rank;
        total = n
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= MAX_DURATION)
            .ok_or_else(too_large)?;
        rest = chars.as_str();
    }
    Ok(total)
}

/// The shortest canonical spelling: `5184000` → `"60d"`, `129600` → `"1d12h"`,
/// `0` → `"0s"`. `parse_duration(&format_duration(x)) == Ok(x)`.
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, scale) in [('d', DAY), ('h', HOUR), ('m', MINUTE), ('s', 1)] {
        let n = rest / scale;
        rest %= scale;
        if n > 0 {
            out.push_str(&n.to_string());
            out.push(unit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_combinations() {
        let cases: &[(&str, u64)] = &[
            ("0s", 0),
            ("0d", 0),
            ("1s", 1),
            ("90s", 90),
            ("1m", 60),
            ("36h", 129_600),
            ("1d", 86_400),
            ("60d", 5_184_000),
            ("90d", 7_776_000),
            ("365d", 31_536_000),
            ("1d12h", 129_600),
            ("1d1h1m1s", 90_061),
            ("2h30m", 9_000),
            (" 7d ", 604_800),
        ];
        for (input, want) in cases {
            assert_eq!(parse_duration(input), Ok(*want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_malformed_input_naming_it() {
        let cases = [
            "", "d", "90", "90x", "1.5d", "1d1d", "1h1d", "d90", "90 d", "+5d", "1D", "5dd",
        ];
        for input in cases {
            let err = parse_duration(input).expect_err(input);
            let text = err.to_string();
            if !input.trim().is_empty() {
                assert!(text.contains(&format!("{input:?}")), "{text}");
            }
            assert!(text.contains("90d"), "{text} should show the expected form");
        }
    }

    #[test]
    fn rejects_negative_durations() {
        let err = parse_duration("-1d").unwrap_err();
        assert_eq!(
            err,
            DurationError::Negative {
                input: "-1d".into()
            }
        );
        assert!(err.to_string().contains("negative"));
    }

    #[test]
    fn rejects_overflow() {
        assert!(matches!(
            parse_duration("99999999999999999999999d"),
            Err(DurationError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_duration("106751991167301d"),
            Err(DurationError::TooLarge { .. })
        ));
        assert_eq!(
            parse_duration(&format!("{MAX_DURATION}s")),
            Ok(MAX_DURATION)
        );
    }

    #[test]
    fn formats_canonically_and_round_trips() {
        let cases: &[(u64, &str)] = &[
            (0, "0s"),
            (1, "1s"),
            (59, "59s"),
            (60, "1m"),
            (61, "1m1s"),
            (3_600, "1h"),
            (86_399, "23h59m59s"),
            (86_400, "1d"),
            (129_600, "1d12h"),
            (5_184_000, "60d"),
            (604_800, "7d"),
        ];
        for (secs, want) in cases {
            assert_eq!(format_duration(*secs), *want);
            assert_eq!(parse_duration(want), Ok(*secs));
        }
        for secs in (0..200_000).step_by(997) {
            assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }
    }
}
