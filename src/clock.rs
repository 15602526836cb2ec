//! The provider's only door to the wall clock. Everything that asks "what
//! time is it?" goes through here, so the rotation logic stays pure.
//!
//! `APIGW_CLOCK_OFFSET` (a duration such as `"6h"` or `"30d"`) runs the
//! provider's clock ahead of the wall clock: a rehearsal of what plans will
//! look like later, and the way the end-to-end tests refresh "hours apart"
//! without waiting hours. ConfigureProvider warns whenever it is in effect,
//! and rejects a malformed value naming the variable.

use std::sync::OnceLock;

/// Environment variable that moves the provider's clock forward.
pub const OFFSET_ENV: &str = "APIGW_CLOCK_OFFSET";

/// The offset in seconds (0 when unset), or why the variable's value is not a
/// duration. Read once per provider process.
pub fn offset() -> Result<u64, String> {
    static OFFSET: OnceLock<Result<u64, String>> = OnceLock::new();
    OFFSET
        .get_or_init(|| parse_offset(std::env::var(OFFSET_ENV).ok().as_deref()))
        .clone()
}

fn parse_offset(value: Option<&str>) -> Result<u64, String> {
    match value {
        None | Some("") => Ok(0),
        Some(v) => rotation::parse_duration(v).map_err(|e| {
            format!(
                "{OFFSET_ENV}={v:?} is not a duration: {e}. Expected a non-negative duration \
                 such as \"6h\" or \"30d\", or the variable unset."
            )
        }),
    }
}

/// Current time in unix seconds (plus the offset, if one is in effect).
pub fn now() -> i64 {
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    wall.saturating_add(offset().unwrap_or(0).min(i64::MAX as u64) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_parses_durations_and_names_the_variable_when_it_cannot() {
        assert_eq!(parse_offset(None), Ok(0));
        assert_eq!(parse_offset(Some("")), Ok(0));
        assert_eq!(parse_offset(Some("6h")), Ok(6 * 3600));
        assert_eq!(parse_offset(Some("1d12h")), Ok(36 * 3600));
        for bad in ["-3h", "soon", "6 hours"] {
            let err = parse_offset(Some(bad)).unwrap_err();
            assert!(err.contains(OFFSET_ENV), "{err}");
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(err.contains("Expected"), "{err}");
        }
    }
}
