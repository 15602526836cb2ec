//! Dates as Terraform providers write them into plans and states.
//!
//! This project's provider and Terraform write RFC 3339. The AWS provider has written
//! `expiration_date` and `created_date` of `aws_api_gateway_client_certificate` in
//! Go's `time.Time.String()` form (`"2027-11-30 13:55:19 +0000 UTC"`) for years, and
//! RFC 3339 elsewhere; both are read. Anything else is reported, never guessed.

/// The forms accepted, for messages.
pub const EXPECTED: &str = "RFC 3339 (\"2027-11-30T13:55:19Z\") or Go's time format \
(\"2027-11-30 13:55:19 +0000 UTC\")";

/// Unix seconds of a date in either accepted form.
pub fn parse(s: &str) -> Result<i64, String> {
    if let Ok(t) = rotation::parse_rfc3339(s) {
        return Ok(t);
    }
    parse_go(s).ok_or_else(|| format!("{s:?} is neither {EXPECTED}"))
}

/// `2006-01-02 15:04:05[.999999999] -0700 MST[ m=+0.000000001]`: the layout of Go's
/// `time.Time.String()`. The zone abbreviation is informative only (the numeric offset
/// is authoritative), and the monotonic-clock suffix Go appends to a clock reading is
/// dropped.
fn parse_go(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(' ').collect();
    let zone_ok = |z: &str| {
        !z.is_empty()
            && z.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-_/".contains(c))
    };
    let (date, time, offset) = match parts.as_slice() {
        [d, t, o] => (*d, *t, *o),
        [d, t, o, z] if zone_ok(z) => (*d, *t, *o),
        [d, t, o, z, m] if zone_ok(z) && m.starts_with("m=") => (*d, *t, *o),
        _ => return None,
    };
    let o = offset.as_bytes();
    if o.len() != 5 || !matches!(o[0], b'+' | b'-') || !o[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rfc = format!(
        "{date}T{time}{}{}:{}",
        &offset[..1],
        &offset[1..3],
        &offset[3..]
    );
    rotation::parse_rfc3339(&rfc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_827_582_919; // 2027-11-30T13:55:19Z

    #[test]
    fn reads_both_forms_the_aws_provider_has_written() {
        for s in [
            "2027-11-30T13:55:19Z",
            "2027-11-30T14:55:19+01:00",
            "2027-11-30 13:55:19 +0000 UTC",
            "2027-11-30 13:55:19.123456789 +0000 UTC",
            "2027-11-30 14:55:19 +0100 CET",
            "2027-11-30 08:55:19 -0500 -0500",
            "2027-11-30 13:55:19 +0000 UTC m=+0.000123",
            "2027-11-30 13:55:19 +0000",
        ] {
            assert_eq!(parse(s), Ok(T), "{s}");
        }
    }

    #[test]
    fn anything_else_is_an_error_naming_the_value_and_the_forms() {
        for s in [
            "",
            "30/11/2027",
            "2027-11-30",
            "2027-11-30 13:55:19",
            "2027-11-30 13:55:19 UTC",
            "2027-11-30 13:55:19 +00:00 UTC",
            "2027-13-30 13:55:19 +0000 UTC",
            "2027-11-30 13:55:19 +0000 UTC extra",
            "1827582919",
        ] {
            let e = parse(s).expect_err(s);
            assert!(
                e.contains(&format!("{s:?}")) && e.contains("Go's time format"),
                "{e}"
            );
        }
    }
}
