//! The admin API under `/_emulator/` (unsigned, never counted or logged):
//! health, time travel, faults, throttling, counters, request log, state, reset.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::awserr::AwsError;
use crate::control::{FaultSpec, Throttle};
use crate::{Emulator, Tags};

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/health", get(health))
        .route("/age", post(age))
        .route(
            "/faults",
            get(get_faults).post(post_faults).delete(delete_faults),
        )
        .route("/throttle", get(get_throttle).post(post_throttle))
        .route("/calls", get(calls))
        .route("/requests", get(requests))
        .route("/state", get(state))
        .route("/reset", post(reset))
        .route("/certificates", post(create_certificate))
        .fallback(unknown)
        .method_not_allowed_fallback(unknown)
}

async fn unknown() -> Response {
    AwsError::not_found(
        "Unknown admin request; see GET health, POST age, GET|POST|DELETE faults, GET|POST throttle, \
         GET calls, GET requests, GET state, POST reset, POST certificates",
    )
    .into_response("emulator-admin")
}

fn ok(value: Value) -> Response {
    axum::response::IntoResponse::into_response((
        [("content-type", "application/json")],
        value.to_string(),
    ))
}

fn bad(message: impl Into<String>) -> Response {
    AwsError::bad_request(message).into_response("emulator-admin")
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body)
        .map_err(|e| Box::new(bad(format!("invalid admin request body: {e}"))))
}

async fn health() -> Response {
    ok(json!({ "status": "ok" }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgeRequest {
    seconds: i64,
    /// Only these certificates (default: all).
    #[serde(default)]
    certificate_ids: Option<Vec<String>>,
}

async fn age(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: AgeRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    match emu.age_certificates(req.seconds, req.certificate_ids.as_deref()) {
        Ok(n) => ok(json!({ "aged": n, "seconds": req.seconds })),
        Err(e) => e.into_response("emulator-admin"),
    }
}

fn faults_view(emu: &Emulator) -> Value {
    let control = emu.control();
    json!({ "faults": control.faults(), "throttle": control.throttle() })
}

async fn get_faults(State(emu): State<Emulator>) -> Response {
    ok(faults_view(&emu))
}

const FAULTS_USAGE: &str = "expected a fault {\"operation\", \"count\", \"status\", \"code\", \"message\", \
     \"latency_ms\", \"drop_connection\", \"after_commit\"}, a list of faults, or {\"throttle\": {\"rps\", \"burst\"} | null}";

async fn post_faults(State(emu): State<Emulator>, body: Bytes) -> Response {
    let value: Value = match parse(&body) {
        Ok(v) => v,
        Err(e) => return *e,
    };
    let result = match value {
        Value::Object(mut m) if m.contains_key("throttle") => {
            if m.len() != 1 {
                return bad(format!("invalid faults request: {FAULTS_USAGE}"));
            }
            match serde_json::from_value::<Option<Throttle>>(
                m.remove("throttle").unwrap_or(Value::Null),
            ) {
                Ok(t) => emu.set_throttle(t),
                Err(e) => Err(format!("invalid throttle: {e}")),
            }
        }
        v @ Value::Object(_) => match serde_json::from_value::<FaultSpec>(v) {
            Ok(f) => emu.add_fault(f),
            Err(e) => Err(format!("invalid fault ({e}): {FAULTS_USAGE}")),
        },
        v @ Value::Array(_) => match serde_json::from_value::<Vec<FaultSpec>>(v) {
            Ok(fs) => fs
                .iter()
                .try_for_each(FaultSpec::validate)
                .and_then(|()| fs.into_iter().try_for_each(|f| emu.add_fault(f))),
            Err(e) => Err(format!("invalid fault list ({e}): {FAULTS_USAGE}")),
        },
        _ => Err(format!("invalid faults request: {FAULTS_USAGE}")),
    };
    match result {
        Ok(()) => ok(faults_view(&emu)),
        Err(e) => bad(e),
    }
}

async fn delete_faults(State(emu): State<Emulator>) -> Response {
    emu.clear_faults();
    ok(faults_view(&emu))
}

async fn get_throttle(State(emu): State<Emulator>) -> Response {
    ok(json!({ "throttle": emu.control().throttle() }))
}

async fn post_throttle(State(emu): State<Emulator>, body: Bytes) -> Response {
    let t: Option<Throttle> = match parse(&body) {
        Ok(t) => t,
        Err(e) => return *e,
    };
    match emu.set_throttle(t) {
        Ok(()) => ok(json!({ "throttle": emu.control().throttle() })),
        Err(e) => bad(e),
    }
}

async fn calls(State(emu): State<Emulator>) -> Response {
    ok(json!(emu.calls()))
}

async fn requests(State(emu): State<Emulator>) -> Response {
    ok(json!(emu.requests()))
}

async fn state(State(emu): State<Emulator>) -> Response {
    ok(emu.state_json())
}

async fn reset(State(emu): State<Emulator>) -> Response {
    match emu.reset() {
        Ok(()) => ok(json!({ "reset": true })),
        Err(e) => e.into_response("emulator-admin"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCertificate {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Tags,
    /// Default: the emulator's default region.
    #[serde(default)]
    region: Option<String>,
}

/// Generates a certificate without SigV4 (for shell scripts and demos).
async fn create_certificate(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: CreateCertificate = if body.iter().all(u8::is_ascii_whitespace) {
        CreateCertificate {
            description: None,
            tags: Tags::new(),
            region: None,
        }
    } else {
        match parse(&body) {
            Ok(r) => r,
            Err(e) => return *e,
        }
    };
    let region = req.region.as_deref().unwrap_or(crate::DEFAULT_REGION);
    match emu.generate_certificate_in(region, req.description, req.tags) {
        Ok(c) => {
            let mut r = ok(c.to_json());
            *r.status_mut() = axum::http::StatusCode::CREATED;
            r
        }
        Err(e) => e.into_response("emulator-admin"),
    }
}
