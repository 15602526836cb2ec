//! Pure rotation logic: durations, "is it due?", and the rotation state
//! machine. No clock reads, no I/O: `now` is always a parameter (unix seconds).
