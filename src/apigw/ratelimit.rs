//! Client-side token bucket in front of every control-plane request attempt.
//!
//! API Gateway allows about 10 control-plane requests per second per account
//! (burst 40), shared by every client-certificate and stage call. Staying under
//! that on our side keeps a plan over a whole fleet from storming into
//! throttling and burning retries.
//!
//! Callers reserve a token and then sleep until it is theirs, so waiting
//! callers are served in arrival order and the lock is never held while sleeping.
//!
//! A provider process starts with one second's worth of tokens, not the
//! whole burst: Terraform runs several provider processes one after another,
//! and the one before may have just spent the account's burst. A throttled
//! answer empties the bucket, so the requests behind it follow at the rate
//! instead of meeting the same refusal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    rps: f64,
    burst: f64,
    state: Mutex<Bucket>,
    granted: AtomicU64,
}

#[derive(Debug)]
struct Bucket {
    /// May go negative: that many callers already hold reservations.
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimiter {
    /// `rps` tokens per second, at most `burst` stored. `rps <= 0` disables the limiter.
    pub fn new(rps: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateLimiter {
            rps,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst.min(rps.max(1.0)),
                last: None,
            }),
            granted: AtomicU64::new(0),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.rps > 0.0 && self.rps.is_finite()
    }

    /// How many requests were let through so far.
    pub fn granted(&self) -> u64 {
        self.granted.load(Ordering::Relaxed)
    }

    /// Waits until one request may be sent.
    pub async fn acquire(&self) {
        self.granted.fetch_add(1, Ordering::Relaxed);
        if let Some(wait) = self.reserve().await {
            tokio::time::sleep(wait).await;
        }
    }

    /// The service throttled a request: whatever this side thought was left
    /// of the burst is not there.
    pub async fn throttled(&self) {
        let mut b = self.state.lock().await;
        if b.tokens > 0.0 {
            b.tokens = 0.0;
        }
    }

    /// Takes a token; returns how long the caller must wait before using it.
    async fn reserve(&self) -> Option<Duration> {
        if !self.is_enabled() {
            return None;
        }
        let mut b = self.state.lock().await;
        let now = Instant::now();
        if let Some(last) = b.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rps;
            b.tokens = (b.tokens + refill).min(self.burst);
        }
        b.last = Some(now);
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            None
        } else {
            Some(Duration::from_secs_f64(-b.tokens / self.rps))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_is_free_then_requests_are_spaced_by_the_rate() {
        let rl = RateLimiter::new(10.0, 3);
        for _ in 0..3 {
            assert_eq!(rl.reserve().await, None);
        }
        let w1 = rl.reserve().await.expect("fourth request must wait");
        let w2 = rl.reserve().await.expect("fifth request must wait");
        assert!((w1.as_secs_f64() - 0.1).abs() < 1e-6, "{w1:?}");
        assert!((w2.as_secs_f64() - 0.2).abs() < 1e-6, "{w2:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_refill_over_time_up_to_the_burst() {
        let rl = RateLimiter::new(10.0, 2);
        rl.acquire().await;
        rl.acquire().await;
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(rl.reserve().await, None);
        assert_eq!(rl.reserve().await, None);
        assert!(
            rl.reserve().await.is_some(),
            "refill must stop at the burst"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_process_starts_with_one_seconds_worth_not_the_burst() {
        let rl = RateLimiter::new(10.0, 40);
        for _ in 0..10 {
            assert_eq!(rl.reserve().await, None);
        }
        assert!(rl.reserve().await.is_some(), "the 11th waits");
        tokio::time::advance(Duration::from_secs(60)).await;
        for _ in 0..40 {
            assert_eq!(rl.reserve().await, None, "the full burst once refilled");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_answer_empties_the_bucket() {
        let rl = RateLimiter::new(10.0, 40);
        tokio::time::advance(Duration::from_secs(60)).await;
        rl.reserve().await;
        rl.throttled().await;
        let wait = rl.reserve().await.expect("must wait");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn zero_rate_disables_the_limiter() {
        let rl = RateLimiter::new(0.0, 1);
        assert!(!rl.is_enabled());
        for _ in 0..100 {
            assert_eq!(rl.reserve().await, None);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_actually_waits_for_the_reserved_slot() {
        let rl = RateLimiter::new(4.0, 1);
        let start = Instant::now();
        for _ in 0..5 {
            rl.acquire().await;
        }
        // One free token, then four more at 250 ms each (virtual time).
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
