//! The provider's only door to the wall clock. Everything that asks "what
//! time is it?" asks the [`Clock`] held by the provider context, so the
//! rotation logic stays pure and tests run on a clock they set.
//!
//! `APIGW_CLOCK_OFFSET` (a duration such as `"6h"` or `"30d"`) runs the
//! provider's clock ahead of the wall clock: a rehearsal of what plans will
//! look like later, and the way the end-to-end tests refresh "hours apart"
//! without waiting hours. ConfigureProvider warns whenever it is in effect,
//! and rejects a malformed value naming the variable.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Environment variable that moves the provider's clock forward.
pub const OFFSET_ENV: &str = "APIGW_CLOCK_OFFSET";

/// A source of "now" in unix seconds; cheap to clone (clones share a fixed
/// clock's time).
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    /// The wall clock plus an offset in seconds, or why the offset given is
    /// not a duration (then the wall clock alone, and configure fails).
    Wall(Result<u64, String>),
    /// A time that moves only when told to (tests).
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// The wall clock, offset by `APIGW_CLOCK_OFFSET` as set now.
    pub fn from_env() -> Clock {
        Clock::offset_by(std::env::var(OFFSET_ENV).ok().as_deref())
    }

    /// The wall clock, offset by a duration written as in `APIGW_CLOCK_OFFSET`.
    pub fn offset_by(value: Option<&str>) -> Clock {
        Clock(Source::Wall(parse_offset(value)))
    }

    /// A clock that reads `t` until [`set`](Self::set) or
    /// [`advance`](Self::advance) move it.
    pub fn fixed(t: i64) -> Clock {
        Clock(Source::Fixed(Arc::new(AtomicI64::new(t))))
    }

    /// Moves a fixed clock to `t`; a wall clock ignores it.
    pub fn set(&self, t: i64) {
        if let Source::Fixed(at) = &self.0 {
            at.store(t, Ordering::SeqCst);
        }
    }

    /// Moves a fixed clock forward by `secs`; a wall clock ignores it.
    pub fn advance(&self, secs: i64) {
        if let Source::Fixed(at) = &self.0 {
            at.fetch_add(secs, Ordering::SeqCst);
        }
    }

    /// The offset ahead of the wall clock in seconds (0 for a fixed clock),
    /// or why the variable's value is not a duration.
    pub fn offset(&self) -> Result<u64, String> {
        match &self.0 {
            Source::Wall(offset) => offset.clone(),
            Source::Fixed(_) => Ok(0),
        }
    }

    /// Now, in unix seconds.
    pub fn now(&self) -> i64 {
        match &self.0 {
            Source::Wall(offset) => {
                let ahead = offset.as_ref().map_or(0, |o| *o);
                wall().saturating_add(i64::try_from(ahead).unwrap_or(i64::MAX))
            }
            Source::Fixed(at) => at.load(Ordering::SeqCst),
        }
    }
}

/// The real time, never offset: for things AWS times, such as when
/// temporary credentials expire, which `APIGW_CLOCK_OFFSET` must not move.
#[allow(clippy::disallowed_methods)] // the one wall-clock read of the provider
pub fn real_time() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

fn wall() -> i64 {
    real_time()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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

    #[test]
    fn an_offset_clock_runs_ahead_of_the_wall_clock() {
        let wall = Clock::offset_by(None);
        let ahead = Clock::offset_by(Some("30d"));
        assert_eq!(ahead.offset(), Ok(30 * 86_400));
        let diff = ahead.now() - wall.now();
        // Both read the same wall clock, at most a second apart.
        assert!(
            (30 * 86_400 - 1..=30 * 86_400 + 1).contains(&diff),
            "{diff}"
        );
        let broken = Clock::offset_by(Some("soon"));
        assert!(broken.offset().is_err());
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::fixed(1_800_000_000);
        let other = clock.clone();
        assert_eq!(clock.now(), 1_800_000_000);
        other.advance(60);
        assert_eq!(clock.now(), 1_800_000_060);
        clock.set(5);
        assert_eq!(other.now(), 5);
        assert_eq!(clock.offset(), Ok(0));
    }
}
