//! Test controls: the throttling token bucket, injected faults, call counters and
//! the ordered request log.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::awserr::AwsError;

/// A token bucket rate: `rps` tokens per second, at most `burst` stored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    pub rps: f64,
    pub burst: u32,
}

impl Throttle {
    /// The documented control-plane rate of AWS API Gateway.
    pub const AWS: Throttle = Throttle {
        rps: 10.0,
        burst: 40,
    };

    /// The slowest rate: one request every 1000 seconds.
    pub const MIN_RPS: f64 = 0.001;

    pub fn validate(&self) -> Result<(), String> {
        if !(self.rps.is_finite() && self.rps >= Self::MIN_RPS) {
            return Err(format!(
                "throttle rps must be a number of at least {}, got {}",
                Self::MIN_RPS,
                self.rps
            ));
        }
        if self.burst == 0 {
            return Err("throttle burst must be at least 1, got 0".to_owned());
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Bucket {
    rate: Throttle,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: Throttle) -> Self {
        Self {
            rate,
            tokens: f64::from(rate.burst),
            last: Instant::now(),
        }
    }

    /// Takes a token, or says how long until one is available.
    fn take(&mut self) -> Result<(), Duration> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate.rps).min(f64::from(self.rate.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate.rps))
        }
    }
}

/// One injected fault, as posted to `/_emulator/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Operation name as AWS spells it (`GetClientCertificates`), or `*` for all.
    pub operation: String,
    /// How many matching calls this fault applies to (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Answer with this HTTP status instead of handling the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error code for `x-amzn-ErrorType` (default: AWS's code for the status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Delay before answering (alone, or before the injected error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Close the connection without any answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_connection: bool,
    /// Handle the call (and commit what it changes) first; then wait
    /// `latency_ms`, drop the connection or answer with `status`: an answer
    /// lost or late after the change was made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_commit: bool,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    pub fn validate(&self) -> Result<(), String> {
        if self.operation.is_empty() {
            return Err("fault operation must name an operation or be \"*\"".to_owned());
        }
        if self.count == 0 {
            return Err("fault count must be at least 1".to_owned());
        }
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err(format!("fault status must be 400..=599, got {s}"));
        }
        if self.status.is_none() && self.latency_ms.is_none() && !self.drop_connection {
            return Err(
                "a fault needs at least one of status, latency_ms or drop_connection".to_owned(),
            );
        }
        if self.status.is_some() && self.drop_connection {
            return Err(
                "a fault cannot both answer with a status and drop the connection".to_owned(),
            );
        }
        Ok(())
    }
}

/// What the faults say about one call.
#[derive(Debug, Default)]
pub struct FaultPlan {
    pub latency: Duration,
    pub error: Option<AwsError>,
    pub drop_connection: bool,
    /// The call is handled before the latency, error or drop apply.
    pub after_commit: bool,
}

/// One line of the request log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestRecord {
    pub seq: u64,
    /// Arrival time, unix milliseconds.
    pub time_ms: i64,
    pub operation: String,
    pub method: String,
    pub path: String,
    /// HTTP status answered (absent while in flight or when the connection was dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// For a data-plane request or TestInvokeMethod: the integration call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation: Option<Invocation>,
}

/// One integration call: where it went and which client certificate it presented.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Invocation {
    pub rest_api_id: String,
    /// Absent for TestInvokeMethod, which tests the undeployed method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub resource_path: String,
    pub http_method: String,
    /// The integration URI after stage variables and path parameters were filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_uri: Option<String>,
    /// The client certificate presented to the backend (none: no certificate sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_id: Option<String>,
    /// Lowercase hex SHA-256 of that certificate's DER, as backends log it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_sha256: Option<String>,
    /// The backend's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_status: Option<u16>,
    /// Why the backend gave no answer (connection, TLS, timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: u64,
}

const LOG_CAPACITY: usize = 100_000;

#[derive(Debug)]
pub struct Control {
    bucket: Option<Bucket>,
    configured_throttle: Option<Throttle>,
    faults: Vec<FaultSpec>,
    calls: BTreeMap<String, u64>,
    log: VecDeque<RequestRecord>,
    next_seq: u64,
}

impl Control {
    pub fn new(throttle: Option<Throttle>) -> Self {
        Self {
            bucket: throttle.map(Bucket::new),
            configured_throttle: throttle,
            faults: Vec::new(),
            calls: BTreeMap::new(),
            log: VecDeque::new(),
            next_seq: 1,
        }
    }

    /// Back to the start-up settings, with empty counters and log. Sequence
    /// numbers keep counting: a request still in flight must never record its
    /// status on a newer request's log entry.
    pub fn reset(&mut self) {
        let next_seq = self.next_seq;
        *self = Self::new(self.configured_throttle);
        self.next_seq = next_seq;
    }

    pub fn throttle(&self) -> Option<Throttle> {
        self.bucket.as_ref().map(|b| b.rate)
    }

    pub fn set_throttle(&mut self, throttle: Option<Throttle>) {
        self.bucket = throttle.map(Bucket::new);
    }

    pub fn take_token(&mut self) -> Result<(), Duration> {
        match &mut self.bucket {
            Some(b) => b.take(),
            None => Ok(()),
        }
    }

    pub fn add_fault(&mut self, fault: FaultSpec) {
        self.faults.push(fault);
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    pub fn faults(&self) -> &[FaultSpec] {
        &self.faults
    }

    /// Consumes the faults that apply to this call of `operation`.
    pub fn plan_faults(&mut self, operation: &str) -> FaultPlan {
        let mut plan = FaultPlan::default();
        let mut decided = false;
        // One call is disrupted either before or after it commits: the first
        // matching fault decides, and faults of the other kind wait (unspent)
        // for a later call.
        let mut after_commit: Option<bool> = None;
        for fault in &mut self.faults {
            if fault.operation != "*" && fault.operation != operation {
                continue;
            }
            if after_commit.is_some_and(|a| a != fault.after_commit) {
                continue;
            }
            let fails = fault.status.is_some() || fault.drop_connection;
            if fails && decided {
                continue;
            }
            after_commit = Some(fault.after_commit);
            if let Some(ms) = fault.latency_ms {
                plan.latency += Duration::from_millis(ms);
            }
            if let Some(status) = fault.status {
                let code = fault
                    .code
                    .clone()
                    .unwrap_or_else(|| AwsError::default_code_for(status).to_owned());
                let message = fault
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("Injected fault for {operation}"));
                let mut err = AwsError::new(status, &code, message);
                if status == 429 {
                    err.retry_after_ms = Some(100);
                }
                plan.error = Some(err);
                decided = true;
            }
            if fault.drop_connection {
                plan.drop_connection = true;
                decided = true;
            }
            plan.after_commit = fault.after_commit;
            fault.count -= 1;
        }
        self.faults.retain(|f| f.count > 0);
        plan
    }

    /// Counts a call and opens its log line; returns the sequence number.
    pub fn record_arrival(
        &mut self,
        operation: &str,
        method: &str,
        path: &str,
        time_ms: i64,
    ) -> u64 {
        *self.calls.entry(operation.to_owned()).or_insert(0) += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(RequestRecord {
            seq,
            time_ms,
            operation: operation.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            status: None,
            invocation: None,
        });
        seq
    }

    pub fn record_status(&mut self, seq: u64, status: u16) {
        let Some(first) = self.log.front().map(|r| r.seq) else {
            return;
        };
        if seq < first {
            return;
        }
        if let Some(rec) = usize::try_from(seq - first)
            .ok()
            .and_then(|i| self.log.get_mut(i))
            && rec.seq == seq
        {
            rec.status = Some(status);
        }
    }

    fn record_mut(&mut self, seq: u64) -> Option<&mut RequestRecord> {
        let first = self.log.front()?.seq;
        let i = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.log.get_mut(i).filter(|r| r.seq == seq)
    }

    pub fn record_invocation(&mut self, seq: u64, invocation: Invocation) {
        if let Some(rec) = self.record_mut(seq) {
            rec.invocation = Some(invocation);
        }
    }

    pub fn calls(&self) -> &BTreeMap<String, u64> {
        &self.calls
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(op: &str, count: u32, status: Option<u16>, latency: Option<u64>) -> FaultSpec {
        FaultSpec {
            operation: op.to_owned(),
            count,
            status,
            code: None,
            message: None,
            latency_ms: latency,
            drop_connection: false,
            after_commit: false,
        }
    }

    #[test]
    fn a_fault_after_the_commit_does_not_move_another_fault_after_it() {
        let mut c = Control::new(None);
        c.add_fault(FaultSpec {
            after_commit: true,
            ..fault("DeleteClientCertificate", 1, Some(500), None)
        });
        c.add_fault(fault("DeleteClientCertificate", 1, None, Some(50)));
        let first = c.plan_faults("DeleteClientCertificate");
        assert!(first.after_commit && first.error.is_some());
        assert!(
            first.latency.is_zero(),
            "the latency before the commit waits"
        );
        let second = c.plan_faults("DeleteClientCertificate");
        assert!(!second.after_commit && second.error.is_none());
        assert_eq!(second.latency, Duration::from_millis(50));
        assert!(c.plan_faults("DeleteClientCertificate").latency.is_zero());
    }

    #[test]
    fn faults_fire_exactly_count_times_for_their_operation() {
        let mut c = Control::new(None);
        c.add_fault(fault("GetStage", 2, Some(503), None));
        assert!(c.plan_faults("GetStages").error.is_none());
        let first = c.plan_faults("GetStage").error.unwrap();
        assert_eq!(first.code, "ServiceUnavailableException");
        assert!(c.plan_faults("GetStage").error.is_some());
        assert!(c.plan_faults("GetStage").error.is_none());
        assert!(c.faults().is_empty());
    }

    #[test]
    fn latency_adds_up_and_one_error_wins() {
        let mut c = Control::new(None);
        c.add_fault(fault("*", 1, None, Some(5)));
        c.add_fault(fault("X", 1, Some(500), Some(7)));
        c.add_fault(fault("X", 1, Some(400), None));
        let plan = c.plan_faults("X");
        assert_eq!(plan.latency, Duration::from_millis(12));
        assert_eq!(plan.error.unwrap().status, 500);
        assert_eq!(c.plan_faults("X").error.unwrap().status, 400);
    }

    #[test]
    fn bucket_allows_burst_then_refuses() {
        let mut c = Control::new(Some(Throttle {
            rps: 0.001,
            burst: 3,
        }));
        assert!(c.take_token().is_ok());
        assert!(c.take_token().is_ok());
        assert!(c.take_token().is_ok());
        assert!(c.take_token().is_err());
    }

    #[test]
    fn log_keeps_order_and_statuses() {
        let mut c = Control::new(None);
        let a = c.record_arrival("A", "GET", "/a", 1);
        let b = c.record_arrival("B", "GET", "/b", 2);
        c.record_status(b, 200);
        c.record_status(a, 404);
        let log = c.requests();
        assert_eq!(log[0].seq, a);
        assert_eq!(log[0].status, Some(404));
        assert_eq!(log[1].status, Some(200));
        assert_eq!(c.calls()["A"], 1);
    }
}
