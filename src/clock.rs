//! The provider's only door to the wall clock. Everything that asks "what
//! time is it?" goes through here, so the rotation logic stays pure.

/// Current time in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
