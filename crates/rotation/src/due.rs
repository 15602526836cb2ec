//! "Is it due?": the only place in the project that answers it. Every
//! comparison is inclusive at the boundary: at exactly the due instant a
//! certificate is due, at exactly its expiration it is expired (AWS and TLS
//! treat notAfter as the last valid second's end, and rotating one second
//! early is always safer than one second late).

/// Start of the rotation window: `expiration - rotate_before` (saturating).
pub fn rotation_due_date(expiration: i64, rotate_before: u64) -> i64 {
    let before = i64::try_from(rotate_before).unwrap_or(i64::MAX);
    expiration.saturating_sub(before)
}

/// True when `now` is inside the rotation window.
pub fn is_due(now: i64, expiration: i64, rotate_before: u64) -> bool {
    now >= rotation_due_date(expiration, rotate_before)
}

/// True when the certificate is no longer valid at `now`.
pub fn is_expired(now: i64, expiration: i64) -> bool {
    now >= expiration
}

/// Whole days from `now` until `t`, rounded down: negative once `t` has passed
/// (one second past is day -1; exactly at `t` it is 0).
pub fn days_until(now: i64, t: i64) -> i64 {
    t.saturating_sub(now).div_euclid(86_400)
}

/// A whole-day count as a message reads it: "1 day", "12 days", and "less
/// than a day" for 0. The sign is dropped; the caller says "left" or "ago".
pub fn format_days(n: i64) -> String {
    match n.unsigned_abs() {
        0 => "less than a day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// Whole days of validity left at `now`, for a certificate expiring at
/// `expiration`: [`days_until`], except that an expired certificate (from the
/// expiration second on, as [`is_expired`] says) never shows 0. So 0 always
/// means "valid, less than a day left" and a negative count always agrees with
/// an `expired` flag computed at the same instant.
pub fn days_left(now: i64, expiration: i64) -> i64 {
    let days = days_until(now, expiration);
    if is_expired(now, expiration) {
        days.min(-1)
    } else {
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_read_as_words() {
        assert_eq!(format_days(0), "less than a day");
        assert_eq!(format_days(1), "1 day");
        assert_eq!(format_days(-1), "1 day");
        assert_eq!(format_days(-21), "21 days");
    }

    const EXP: i64 = 1_800_000_000;
    const D60: u64 = 60 * 86_400;

    #[test]
    fn due_date_subtracts_the_window() {
        assert_eq!(rotation_due_date(EXP, D60), EXP - 5_184_000);
        assert_eq!(rotation_due_date(EXP, 0), EXP);
        assert_eq!(rotation_due_date(i64::MIN + 5, 10), i64::MIN);
        assert_eq!(rotation_due_date(0, u64::MAX), i64::MIN + 1);
    }

    #[test]
    fn is_due_at_every_boundary() {
        let due = EXP - D60 as i64;
        let cases: &[(i64, bool)] = &[
            (due - 86_400, false),
            (due - 1, false),
            (due, true),
            (due + 1, true),
            (EXP, true),
            (EXP + 1, true),
        ];
        for (now, want) in cases {
            assert_eq!(is_due(*now, EXP, D60), *want, "now = due {:+}", now - due);
        }
    }

    #[test]
    fn is_expired_at_every_boundary() {
        let cases: &[(i64, bool)] = &[(EXP - 1, false), (EXP, true), (EXP + 1, true)];
        for (now, want) in cases {
            assert_eq!(is_expired(*now, EXP), *want, "now = exp {:+}", now - EXP);
        }
    }

    #[test]
    fn days_until_floors_towards_the_past() {
        let cases: &[(i64, i64)] = &[
            (0, 0),
            (1, 0),
            (86_399, 0),
            (86_400, 1),
            (86_401, 1),
            (5_184_000, 60),
            (-1, -1),
            (-86_400, -1),
            (-86_401, -2),
        ];
        for (delta, want) in cases {
            assert_eq!(days_until(EXP, EXP + delta), *want, "delta {delta}");
        }
    }

    #[test]
    fn days_left_agrees_with_is_expired_at_the_expiration_second() {
        // (now - expiration, days left)
        let cases: &[(i64, i64)] = &[
            (-86_400, 1),
            (-86_399, 0),
            (-1, 0),
            (0, -1),
            (1, -1),
            (86_400, -1),
            (86_401, -2),
        ];
        for (delta, want) in cases {
            let now = EXP + delta;
            assert_eq!(days_left(now, EXP), *want, "delta {delta}");
            assert_eq!(
                days_left(now, EXP) < 0,
                is_expired(now, EXP),
                "delta {delta}"
            );
        }
    }
}
