//! AWS error responses, shaped the way the SDKs decode them.
//!
//! The SDKs pick the error type from the `x-amzn-ErrorType` header (then the body's
//! `code` / `__type`), never from the status code, so every error the emulator sends
//! carries the code in the header and a JSON body with `message`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// One AWS error answer: HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Seconds for `Retry-After` (and milliseconds for `x-amz-retry-after`), only on 429.
    pub retry_after_ms: Option<u64>,
}

impl AwsError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after_ms: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequestException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFoundException", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "ConflictException", message)
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(429, "LimitExceededException", message)
    }

    pub fn too_many_requests(retry_after_ms: u64) -> Self {
        Self {
            retry_after_ms: Some(retry_after_ms),
            ..Self::new(429, "TooManyRequestsException", "Too Many Requests")
        }
    }

    /// The default error code AWS uses for a status, for injected faults that name
    /// only a status.
    pub fn default_code_for(status: u16) -> &'static str {
        match status {
            400 => "BadRequestException",
            401 => "UnauthorizedException",
            403 => "AccessDeniedException",
            404 => "NotFoundException",
            409 => "ConflictException",
            429 => "TooManyRequestsException",
            503 => "ServiceUnavailableException",
            s if s >= 500 => "InternalFailure",
            _ => "BadRequestException",
        }
    }

    pub fn into_response(self, request_id: &str) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut builder = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-amzn-RequestId", request_id);
        if let Ok(code) = HeaderValue::from_str(&self.code) {
            builder = builder.header("x-amzn-ErrorType", code);
        }
        if let Some(ms) = self.retry_after_ms {
            // `Retry-After` is whole seconds (what AWS documents); the SDKs only honour
            // `x-amz-retry-after`, in milliseconds.
            builder = builder
                .header(header::RETRY_AFTER, ms.div_ceil(1000).max(1).to_string())
                .header("x-amz-retry-after", ms.to_string());
        }
        builder
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}
