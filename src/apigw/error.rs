//! Errors of the API Gateway client, mapped from the SDK into one type that
//! names the operation, the AWS error code and the message.
//!
//! Credentials never reach this type: service errors carry only what the
//! service answered, and transport errors carry the endpoint URL and the
//! underlying I/O error text, neither of which contains keys.

use aws_sdk_apigateway::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use tfplugin::Diagnostic;

/// A failed API Gateway call.
///
/// Display is always `"<Operation> failed: <code>: <message>"`; for failures
/// that never reached the service the code is a descriptive pseudo-code
/// (`EndpointUnreachable`, `Timeout`, `InvalidResponse`, `RequestFailed`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error.
    #[error("{operation} failed: {code}: {message}")]
    Service {
        operation: &'static str,
        code: String,
        message: String,
        status: u16,
    },
    /// No connection could be made to the endpoint (refused, DNS, TLS, connect timeout).
    #[error("{operation} failed: EndpointUnreachable: {endpoint} could not be reached: {message}")]
    Unreachable {
        operation: &'static str,
        endpoint: String,
        message: String,
    },
    /// The operation or one attempt exceeded its timeout.
    #[error("{operation} failed: Timeout: {message}")]
    Timeout {
        operation: &'static str,
        message: String,
    },
    /// The service answered something the client could not understand.
    #[error("{operation} failed: InvalidResponse: {message}")]
    InvalidResponse {
        operation: &'static str,
        message: String,
    },
    /// The request could not be built or sent (credentials, region, configuration).
    #[error("{operation} failed: RequestFailed: {message}")]
    Request {
        operation: &'static str,
        message: String,
    },
}

impl ApiError {
    /// The AWS operation name (`GetClientCertificates`, ...).
    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Service { operation, .. }
            | ApiError::Unreachable { operation, .. }
            | ApiError::Timeout { operation, .. }
            | ApiError::InvalidResponse { operation, .. }
            | ApiError::Request { operation, .. } => operation,
        }
    }

    /// The AWS error code, or the pseudo-code for failures outside the service.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Service { code, .. } => code,
            ApiError::Unreachable { .. } => "EndpointUnreachable",
            ApiError::Timeout { .. } => "Timeout",
            ApiError::InvalidResponse { .. } => "InvalidResponse",
            ApiError::Request { .. } => "RequestFailed",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Service { code, status, .. }
            if code == "NotFoundException" || (code.is_empty() && *status == 404))
    }

    /// An error diagnostic with `summary`; the detail names the operation,
    /// the code, the message and, for transport failures, what to check.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let hint = match self {
            ApiError::Unreachable { endpoint, .. } if endpoint.contains("://") => format!(
                "\n\nThe provider attribute `endpoint` (or AWS_ENDPOINT_URL_API_GATEWAY / \
                 AWS_ENDPOINT_URL) resolves to {endpoint}, and nothing answered there. Check \
                 that the URL is right and that the service is running."
            ),
            ApiError::Unreachable { .. } => "\n\nCheck the network path to AWS, the provider \
                 attribute `region`, or set `endpoint` to reach API Gateway another way."
                .to_string(),
            ApiError::Timeout { .. } => "\n\nRaise the provider attributes `operation_timeout` or \
                 `operation_attempt_timeout` if the service is slow."
                .to_string(),
            ApiError::Service { code, .. } if is_throttling(code) => {
                "\n\nAPI Gateway throttled the request after every retry. Lower the provider \
                 attribute `rate_limit_rps` or raise `max_retries`."
                    .to_string()
            }
            ApiError::Service { code, .. } if is_auth(code) => {
                "\n\nCheck the credentials (environment, shared profile or `assume_role`) and \
                 their permissions."
                    .to_string()
            }
            _ => String::new(),
        };
        Diagnostic::error(summary, format!("{self}{hint}"))
    }

    /// Maps an SDK error. `endpoint` is the URL the client talks to, named in
    /// connection failures.
    pub(crate) fn from_sdk<E, R>(
        operation: &'static str,
        endpoint: &str,
        err: SdkError<E, R>,
    ) -> ApiError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + HasStatus + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(se) => {
                let meta = se.err();
                let status = se.raw().status_code();
                let code = meta.code().unwrap_or_default().to_string();
                let message = meta
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("HTTP status {status}"));
                let code = if code.is_empty() {
                    format!("HTTP{status}")
                } else {
                    code
                };
                ApiError::Service {
                    operation,
                    code,
                    message,
                    status,
                }
            }
            SdkError::TimeoutError(_) => ApiError::Timeout {
                operation,
                message: "the operation did not complete within `operation_timeout`".to_string(),
            },
            SdkError::DispatchFailure(df) if df.is_timeout() => ApiError::Timeout {
                operation,
                message: format!(
                    "no answer within `operation_attempt_timeout`: {}",
                    DisplayErrorContext(&err)
                ),
            },
            SdkError::DispatchFailure(df) if df.is_io() => ApiError::Unreachable {
                operation,
                endpoint: endpoint.to_string(),
                message: root_cause(&err),
            },
            SdkError::ResponseError(_) => ApiError::InvalidResponse {
                operation,
                message: DisplayErrorContext(&err).to_string(),
            },
            _ => ApiError::Request {
                operation,
                message: DisplayErrorContext(&err).to_string(),
            },
        }
    }
}

/// The HTTP status of a raw response (kept generic so tests need no SDK types).
pub(crate) trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_apigateway::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "TooManyRequestsException" | "ThrottlingException" | "Throttling" | "HTTP429"
    )
}

fn is_auth(code: &str) -> bool {
    matches!(
        code,
        "UnauthorizedException"
            | "AccessDeniedException"
            | "InvalidSignatureException"
            | "UnrecognizedClientException"
            | "ExpiredTokenException"
            | "HTTP403"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, status: u16) -> ApiError {
        ApiError::Service {
            operation: "GetClientCertificate",
            code: code.to_string(),
            message: "Invalid certificate identifier specified".to_string(),
            status,
        }
    }

    #[test]
    fn display_names_operation_code_and_message() {
        assert_eq!(
            service("NotFoundException", 404).to_string(),
            "GetClientCertificate failed: NotFoundException: Invalid certificate identifier specified"
        );
    }

    #[test]
    fn not_found_is_recognised_by_code() {
        assert!(service("NotFoundException", 404).is_not_found());
        assert!(!service("BadRequestException", 400).is_not_found());
    }

    #[test]
    fn unreachable_diagnostic_names_endpoint_attribute_and_url() {
        let e = ApiError::Unreachable {
            operation: "GetClientCertificates",
            endpoint: "http://127.0.0.1:9".to_string(),
            message: "Connection refused".to_string(),
        };
        let d = e.to_diagnostic("Cannot list client certificates");
        assert!(d.is_error());
        assert!(d.detail.contains("`endpoint`"), "{}", d.detail);
        assert!(d.detail.contains("http://127.0.0.1:9"), "{}", d.detail);
        assert!(
            d.detail
                .starts_with("GetClientCertificates failed: EndpointUnreachable")
        );
    }

    #[test]
    fn throttling_diagnostic_points_at_rate_limit() {
        let d = service("TooManyRequestsException", 429).to_diagnostic("x");
        assert!(d.detail.contains("rate_limit_rps"), "{}", d.detail);
    }
}
