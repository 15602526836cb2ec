//! Errors of the API Gateway client, mapped from the SDK into one type that
//! names the operation, the AWS error code and the message.
//!
//! Credentials never reach this type: service errors carry only what the
//! service answered, and transport errors carry the endpoint URL and the
//! underlying I/O error text, neither of which contains keys.

use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};

use tfplugin::Diagnostic;

/// What an error message may say about the client that made the call.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorContext {
    /// The URL requests go to, or a description of the default endpoint.
    pub endpoint: String,
    pub operation_timeout: Duration,
    pub attempt_timeout: Duration,
    pub max_retries: u32,
}

/// A failed API Gateway call.
///
/// Display is always `"<Operation> failed: <code>: <message>"`; for failures
/// that never reached the service the code is a descriptive pseudo-code
/// (`EndpointUnreachable`, `Timeout`, `NoCredentials`, `InvalidResponse`,
/// `RequestFailed`). Messages are sentences, never the SDK's debug output.
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
    /// GenerateClientCertificate refused: the region's certificate quota is used up.
    #[error("{operation} failed: LimitExceededException: {message}")]
    QuotaExceeded {
        operation: &'static str,
        message: String,
        /// How many certificates exist, and which of them have expired (if
        /// the listing after the refusal worked).
        existing: Option<(usize, Vec<String>)>,
    },
    /// No connection could be made to the endpoint (refused, DNS, TLS, connect timeout).
    #[error("{operation} failed: EndpointUnreachable: {endpoint} could not be reached: {message}")]
    Unreachable {
        operation: &'static str,
        endpoint: String,
        message: String,
    },
    /// The connection broke after the request went out, before the answer
    /// arrived: the request may or may not have been carried out.
    #[error("{operation} failed: ConnectionLost: {message}")]
    ConnectionLost {
        operation: &'static str,
        message: String,
    },
    /// The operation or one attempt exceeded its timeout.
    #[error("{operation} failed: Timeout: {message}")]
    Timeout {
        operation: &'static str,
        message: String,
    },
    /// No credentials could be found or loaded.
    #[error("{operation} failed: NoCredentials: {message}")]
    Credentials {
        operation: &'static str,
        message: String,
    },
    /// The service answered something the client could not understand.
    #[error("{operation} failed: InvalidResponse: {message}")]
    InvalidResponse {
        operation: &'static str,
        message: String,
    },
    /// The request could not be built or sent (region, configuration).
    #[error("{operation} failed: RequestFailed: {message}")]
    Request {
        operation: &'static str,
        message: String,
    },
}

/// API Gateway's default quota of client certificates per account and region.
pub const CERTIFICATE_QUOTA: usize = 60;

impl ApiError {
    /// The AWS operation name (`GetClientCertificates`, ...).
    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Service { operation, .. }
            | ApiError::QuotaExceeded { operation, .. }
            | ApiError::Unreachable { operation, .. }
            | ApiError::Timeout { operation, .. }
            | ApiError::ConnectionLost { operation, .. }
            | ApiError::Credentials { operation, .. }
            | ApiError::InvalidResponse { operation, .. }
            | ApiError::Request { operation, .. } => operation,
        }
    }

    /// The AWS error code, or the pseudo-code for failures outside the service.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Service { code, .. } => code,
            ApiError::QuotaExceeded { .. } => "LimitExceededException",
            ApiError::Unreachable { .. } => "EndpointUnreachable",
            ApiError::Timeout { .. } => "Timeout",
            ApiError::ConnectionLost { .. } => "ConnectionLost",
            ApiError::Credentials { .. } => "NoCredentials",
            ApiError::InvalidResponse { .. } => "InvalidResponse",
            ApiError::Request { .. } => "RequestFailed",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Service { code, status, .. }
            if code == "NotFoundException" || (code.is_empty() && *status == 404))
    }

    /// GenerateClientCertificate refused because the quota is used up.
    pub fn is_quota_exceeded(&self) -> bool {
        match self {
            ApiError::QuotaExceeded { .. } => true,
            ApiError::Service {
                operation, code, ..
            } => *operation == super::transport::GENERATE && code == "LimitExceededException",
            _ => false,
        }
    }

    /// Whether the request may have been carried out although no answer
    /// arrived (a timeout, a dropped connection, a server error): a
    /// generation may have created a certificate.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            // A connection that broke after the request was sent looks like
            // one that never opened: both count.
            ApiError::Timeout { .. }
            | ApiError::ConnectionLost { .. }
            | ApiError::InvalidResponse { .. }
            | ApiError::Unreachable { .. } => true,
            ApiError::Service { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The quota error with what the region holds (see [`ApiError::QuotaExceeded`]).
    pub(crate) fn with_quota(self, existing: Option<(usize, Vec<String>)>) -> ApiError {
        match self {
            ApiError::Service {
                operation, message, ..
            } => ApiError::QuotaExceeded {
                operation,
                message,
                existing,
            },
            other => other,
        }
    }

    /// An error diagnostic with `summary`; the detail names the operation,
    /// the cause and what to do about it.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let hint = match self {
            ApiError::QuotaExceeded { existing, .. } => {
                let what = match existing {
                    Some((n, expired)) if !expired.is_empty() => format!(
                        " The region holds {n} client certificates; these have expired and are \
                         the first to delete once no stage presents them: {}.",
                        expired.join(", ")
                    ),
                    Some((n, _)) => format!(" The region holds {n} client certificates."),
                    None => String::new(),
                };
                format!(
                    "\n\nAPI Gateway allows {CERTIFICATE_QUOTA} client certificates per account \
                     and region by default, and this region has reached its quota.{what} Delete \
                     certificates that no stage and no backend uses (the data source \
                     apigw_client_certificates lists them; with include_stage_usage = true it \
                     shows which stages present each one), or ask AWS for a higher quota \
                     (Service Quotas, API Gateway). Nothing was created; the other certificates \
                     of this configuration are unaffected and the next apply tries again."
                )
            }
            ApiError::Unreachable { endpoint, .. } if endpoint.contains("://") => format!(
                "\n\nThe provider attribute `endpoint` (or AWS_ENDPOINT_URL_API_GATEWAY / \
                 AWS_ENDPOINT_URL) resolves to {endpoint}, and nothing answered there. Check \
                 that the URL is right and that the service is running."
            ),
            ApiError::Unreachable { .. } => "\n\nCheck the network path to AWS, the provider \
                 attribute `region`, or set `endpoint` to reach API Gateway another way."
                .to_string(),
            ApiError::ConnectionLost { .. } => "\n\nThe request may have been carried out. \
                 Apply again: the provider reads what exists before it changes anything."
                .to_string(),
            ApiError::Timeout { .. } => "\n\nRaise that provider attribute if the service is \
                 slow, or check that the endpoint answers."
                .to_string(),
            ApiError::Credentials { .. } => "\n\nGive the provider credentials: the \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, a profile \
                 in the shared AWS files (provider attribute `profile` or AWS_PROFILE), or a \
                 container or instance role; `assume_role` then works on top of them."
                .to_string(),
            ApiError::Service { code, .. } if is_throttling(code) => format!(
                "\n\nAPI Gateway kept throttling the request through {} retries: other \
                 clients share this account's request rate. Lower the provider attribute \
                 `rate_limit_rps`, or apply again when the account is quieter.",
                super::transport::THROTTLE_RETRIES
            ),
            ApiError::Service { code, .. } if is_auth(code) => {
                "\n\nCheck the credentials (environment, shared profile or `assume_role`) and \
                 their permissions."
                    .to_string()
            }
            _ => String::new(),
        };
        Diagnostic::error(summary, format!("{self}{hint}"))
    }

    /// Maps an SDK error; `cx` says which endpoint and limits were in force.
    pub(crate) fn from_sdk<E, R>(
        operation: &'static str,
        cx: &ErrorContext,
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
                message: timeout_message(&causes(&err), cx),
            },
            _ if find_credentials_error(&err).is_some() => ApiError::Credentials {
                operation,
                message: credentials_message(&err),
            },
            SdkError::DispatchFailure(df) if df.is_timeout() => ApiError::Unreachable {
                operation,
                endpoint: cx.endpoint.clone(),
                message: format!(
                    "no connection within {} (a connection is given at most 5s)",
                    format_secs(CONNECT_LIMIT.min(cx.attempt_timeout))
                ),
            },
            SdkError::DispatchFailure(df) if df.is_io() => ApiError::Unreachable {
                operation,
                endpoint: cx.endpoint.clone(),
                message: root_cause(&err),
            },
            SdkError::DispatchFailure(df) if !df.is_user() => ApiError::ConnectionLost {
                operation,
                message: format!(
                    "the connection to {} closed before the answer arrived ({})",
                    cx.endpoint,
                    sentence(&causes(&err))
                ),
            },
            SdkError::ResponseError(_) => ApiError::InvalidResponse {
                operation,
                message: sentence(&causes(&err)),
            },
            _ => ApiError::Request {
                operation,
                message: sentence(&causes(&err)),
            },
        }
    }
}

/// The SDK's connect timeout (see `CONNECT_TIMEOUT` in the client).
const CONNECT_LIMIT: Duration = Duration::from_secs(5);

/// Which of the two limits ran out, with its value and what it bounds.
fn timeout_message(causes: &[String], cx: &ErrorContext) -> String {
    let attempt = causes.iter().any(|c| c.contains("attempt timeout"));
    if attempt {
        format!(
            "every attempt went unanswered for operation_attempt_timeout ({}), the limit \
             on one attempt; {} attempts were made (max_retries = {})",
            format_secs(cx.attempt_timeout),
            cx.max_retries + 1,
            cx.max_retries
        )
    } else {
        format!(
            "the operation, retries and waits included, did not complete within \
             operation_timeout ({}), the limit on the whole operation",
            format_secs(cx.operation_timeout)
        )
    }
}

fn format_secs(d: Duration) -> String {
    rotation::format_duration(d.as_secs().max(1))
}

fn find_credentials_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a CredentialsError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Some(c);
        }
        cur = e.source();
    }
    None
}

fn credentials_message(err: &(dyn std::error::Error + 'static)) -> String {
    let Some(c) = find_credentials_error(err) else {
        return "no AWS credentials were found".to_string();
    };
    let below = std::error::Error::source(c)
        .map(|s| sentence(&causes(s)))
        .unwrap_or_default();
    let what = match c {
        CredentialsError::CredentialsNotLoaded(_) => {
            "no AWS credentials were found in the environment, the shared AWS files or a \
             container or instance role"
        }
        CredentialsError::ProviderTimedOut(_) => "loading AWS credentials timed out",
        CredentialsError::InvalidConfiguration(_) => "the AWS credentials configuration is invalid",
        CredentialsError::ProviderError(_) => "loading AWS credentials failed",
        _ => "loading AWS credentials failed",
    };
    if below.is_empty() || matches!(c, CredentialsError::CredentialsNotLoaded(_)) {
        what.to_string()
    } else {
        format!("{what}: {below}")
    }
}

/// The Display text of an error and each of its sources, without the SDK's
/// generic wrapper labels and without repeats.
fn causes(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    const WRAPPERS: [&str; 8] = [
        "dispatch failure",
        "other",
        "io error",
        "timeout",
        "user error",
        "response error",
        "failed to construct request",
        "unhandled error",
    ];
    let mut out: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        let text = text.trim();
        if !text.is_empty() && !WRAPPERS.contains(&text) && !out.iter().any(|o| o.contains(text)) {
            out.push(text.to_string());
        }
        cur = e.source();
    }
    out
}

fn sentence(causes: &[String]) -> String {
    if causes.is_empty() {
        "the request could not be sent".to_string()
    } else {
        causes.join(": ")
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
