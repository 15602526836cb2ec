//! Pure rotation logic: durations, "is it due?", and the rotation state
//! machine. No clock reads, no I/O: `now` is always a parameter (unix seconds).

mod due;
mod duration;
mod timestamp;

pub use due::{days_left, days_until, format_days, is_due, is_expired, rotation_due_date};
pub use duration::{DurationError, MAX_DURATION, format_duration, parse_duration};
pub use timestamp::{TimestampError, format_date, format_rfc3339, parse_rfc3339};
mod machine;
pub use machine::{
    Cert, Decision, Explained, Facts, Layout, Planned, Policy, PolicyError, RetireReason,
    RotateReason, Slot, Step, decide,
};
