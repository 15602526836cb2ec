//! The marks the provider puts on every certificate it generates, and when a
//! marked certificate counts as orphaned. The provider writes and reads the
//! marks, the data source and the policy plugin report orphans: one
//! definition keeps them from disagreeing about which certificates those are.

/// Prefix of the tags the provider owns: they are kept out of the user's
/// `tags`, so configurations never see or fight them.
pub const MARK_PREFIX: &str = "terraform-provider-apigw:";
/// The rotation series a generated certificate belongs to.
pub const SERIES_TAG: &str = "terraform-provider-apigw:series";
/// A token unique to one generation attempt, to recognise its certificate
/// when the answer was lost. The provider removes it once the apply that
/// generated the certificate holds it.
pub const ATTEMPT_TAG: &str = "terraform-provider-apigw:attempt";

/// How long (seconds) a certificate may carry [`ATTEMPT_TAG`] before it
/// counts as orphaned. Generating, recording and removing the mark take
/// seconds, but a throttled or retried apply can hold a certificate for
/// minutes before it confirms it; ten minutes is far beyond that and still
/// short next to the days a certificate quota problem takes to build up.
pub const UNRECORDED_GRACE: i64 = 600;

/// True when a certificate carrying [`ATTEMPT_TAG`], created at `created`,
/// is orphaned at `now`: created at least [`UNRECORDED_GRACE`] before (a
/// younger one may still be in flight in a running apply).
pub fn is_unrecorded(now: i64, created: i64) -> bool {
    created.saturating_add(UNRECORDED_GRACE) <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000;

    #[test]
    fn orphaned_exactly_at_the_end_of_the_grace_period() {
        assert!(!is_unrecorded(T + UNRECORDED_GRACE - 1, T));
        assert!(is_unrecorded(T + UNRECORDED_GRACE, T));
        assert!(is_unrecorded(T + UNRECORDED_GRACE + 1, T));
        assert!(!is_unrecorded(T, T));
        // A clock behind the creation date never makes an orphan.
        assert!(!is_unrecorded(T - 1, T));
    }

    #[test]
    fn the_marks_share_the_provider_prefix() {
        assert!(SERIES_TAG.starts_with(MARK_PREFIX));
        assert!(ATTEMPT_TAG.starts_with(MARK_PREFIX));
    }
}
