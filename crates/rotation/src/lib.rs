//! Pure rotation logic: durations, "is it due?", the rotation state machine
//! and what each step of an apply does to the slots. No clock reads, no I/O:
//! `now` is always a parameter (unix seconds).

mod due;
mod duration;
mod machine;
mod mark;
mod series;
mod timestamp;

pub use due::{days_left, days_until, format_days, is_due, is_expired, rotation_due_date};
pub use duration::{DurationError, MAX_DURATION, format_duration, parse_duration};
pub use machine::{
    Cert, DEFAULT_OVERLAP, DEFAULT_PROMOTE_AFTER, DEFAULT_ROTATE_BEFORE, Decision, Explained,
    Facts, Layout, Planned, Policy, PolicyError, RetireReason, RotateReason, Slot, Step, decide,
};
pub use mark::{ATTEMPT_TAG, MARK_PREFIX, SERIES_TAG, UNRECORDED_GRACE, is_unrecorded};
pub use series::{
    Action, Certificate, Outcome, Run, Series, Triggers, apply_actions, destroy_actions, phase,
    triggers_changed,
};
pub use timestamp::{TimestampError, format_date, format_rfc3339, parse_rfc3339};
