//! How requests reach API Gateway: the client-side rate limit on every HTTP
//! attempt, and the retry budgets.
//!
//! The limit sits in the HTTP client the SDK calls once per attempt, so a
//! retry takes a token like a first try does: an SDK interceptor cannot wait
//! without blocking a runtime thread, the HTTP client can. Retries follow two
//! budgets. Throttling (TooManyRequests, HTTP 429) means the request was not
//! processed and the account is busy: it is retried patiently, up to
//! [`THROTTLE_RETRIES`] times with jittered exponential backoff, as the AWS
//! provider does. Every other retryable failure (HTTP 5xx, timeouts, dropped
//! connections) keeps the `max_retries` budget, and GenerateClientCertificate
//! is never retried after an ambiguous failure: the certificate may exist
//! already, and the resource finds it by its attempt tag instead of creating
//! a second one.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_apigateway::config::http::HttpResponse;
use aws_sdk_apigateway::config::interceptors::{
    FinalizerInterceptorContextMut, InterceptorContext,
};
use aws_sdk_apigateway::config::{ConfigBag, Intercept, RuntimeComponents, SharedHttpClient};
use aws_smithy_runtime::client::retries::RetryPartition;
use aws_smithy_runtime::client::retries::TokenBucket;
use aws_smithy_runtime::client::retries::classifiers::run_classifiers_on_ctx;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryReason,
};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use aws_smithy_types::retry::{ErrorKind, RetryConfig};

use super::RateLimiter;

/// Retries of a throttled request: the AWS provider's default budget, enough
/// to outlast a busy account at 10 requests per second.
pub const THROTTLE_RETRIES: u32 = 25;
/// Retries of the credential chain's calls: a person waits on a sign-in.
const CHAIN_RETRIES: u32 = 3;
/// The longest wait between two throttled attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// The first backoff step; doubled per attempt, with full jitter.
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);

/// The operation that must never be retried blindly.
pub const GENERATE: &str = "GenerateClientCertificate";

/// The SDK's retry configuration: the throttling budget is the ceiling, and
/// [`RetryBudget`] ends other failures sooner.
pub fn retry_config(max_retries: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(THROTTLE_RETRIES.max(max_retries) + 1)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The retries of the credential chain's own calls (SSO portal, STS from
/// the environment's web identity, instance metadata), which cannot carry
/// [`RetryBudget`]: at most [`CHAIN_RETRIES`] (or `max_retries`, if lower)
/// for every failure, throttling included, so a sign-in service that is down
/// is reported in seconds.
pub fn chain_retry_config(max_retries: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(max_retries.min(CHAIN_RETRIES).saturating_add(1))
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// Without the SDK's shared retry quota: our budgets bound retries per
/// operation, and a fleet rotation through a busy account would otherwise
/// drain the quota and fail calls that still had attempts left.
pub fn retry_partition() -> RetryPartition {
    RetryPartition::custom("apigw")
        .token_bucket(TokenBucket::unlimited())
        .build()
}

// ---- rate limit per attempt ----------------------------------------------------

/// Wraps the SDK's HTTP client: every attempt waits for a token first.
#[derive(Debug)]
pub struct Limited {
    inner: SharedHttpClient,
    limiter: Arc<RateLimiter>,
}

impl Limited {
    pub fn wrap(inner: SharedHttpClient, limiter: Arc<RateLimiter>) -> SharedHttpClient {
        SharedHttpClient::new(Limited { inner, limiter })
    }
}

impl HttpClient for Limited {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            inner: self.inner.http_connector(settings, components),
            limiter: self.limiter.clone(),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    inner: SharedHttpConnector,
    limiter: Arc<RateLimiter>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, limiter) = (self.inner.clone(), self.limiter.clone());
        HttpConnectorFuture::new(async move {
            limiter.acquire().await;
            let response = inner.call(request).await;
            if matches!(&response, Ok(r) if r.status().as_u16() == 429) {
                limiter.throttled().await;
            }
            response
        })
    }
}

/// The SDK's HTTPS client (rustls over aws-lc). `proxy`: follow the
/// environment's HTTP(S)_PROXY (AWS endpoints) or not (loopback endpoints,
/// such as apigw-emulator, are reached directly, as Terraform's own plugins do).
pub fn https_client(proxy: bool) -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut b = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(if proxy {
            ProxyConfig::from_env()
        } else {
            ProxyConfig::disabled()
        }));
        b.build()
    })
}

// ---- retry budgets ------------------------------------------------------------

/// HTTP 429 is throttling even without an error code (the SDK only knows
/// throttling by its code, so a bare 429 would not be retried at all).
#[derive(Debug)]
pub struct Throttled429;

impl ClassifyRetry for Throttled429 {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response() {
            Some(r) if r.status().as_u16() == 429 && error_code(r).is_none() => {
                RetryAction::throttling_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "HTTP 429 is throttling"
    }
}

/// Failed attempts of one operation that were not throttling.
#[derive(Debug, Clone, Copy, Default)]
struct OtherFailures(u32);

impl Storable for OtherFailures {
    type Storer = StoreReplace<Self>;
}

/// Ends the retry loop of an operation once its budget for the failure at
/// hand is spent, by lowering that operation's `max_attempts` to the attempts
/// made. Runs after each attempt, before the SDK decides whether to retry.
#[derive(Debug)]
pub struct RetryBudget {
    pub max_retries: u32,
}

impl Intercept for RetryBudget {
    fn name(&self) -> &'static str {
        "apigw retry budgets"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let ctx = context.inner();
        if !ctx.is_failed() {
            return Ok(());
        }
        let action = run_classifiers_on_ctx(runtime_components.retry_classifiers(), ctx);
        let RetryAction::RetryIndicated(RetryReason::RetryableError { kind, .. }) = action else {
            return Ok(());
        };
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let code = ctx.response().and_then(error_code);
        let stop = match budget_for(&operation, kind, code.as_deref()) {
            Budget::Throttling => false,
            Budget::None => true,
            Budget::Other => {
                let failures = cfg.load::<OtherFailures>().copied().unwrap_or_default().0 + 1;
                cfg.interceptor_state().store_put(OtherFailures(failures));
                failures > self.max_retries
            }
        };
        if stop {
            let attempts = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
            if let Some(rc) = cfg.load::<RetryConfig>().cloned() {
                cfg.interceptor_state()
                    .store_put(rc.with_max_attempts(attempts.max(1)));
            }
        }
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
enum Budget {
    /// The patient budget: the request was refused, not processed.
    Throttling,
    /// `max_retries`.
    Other,
    /// No retry at all.
    None,
}

/// Which budget a retryable failure of `operation` draws on.
fn budget_for(operation: &str, kind: ErrorKind, code: Option<&str>) -> Budget {
    // API Gateway answers an exhausted quota (60 client certificates per
    // region) with LimitExceededException, which the SDK counts as
    // throttling: waiting does not raise a quota.
    if operation == GENERATE && code == Some("LimitExceededException") {
        return Budget::None;
    }
    if kind == ErrorKind::ThrottlingError {
        return Budget::Throttling;
    }
    // A 5xx, a timeout or a dropped connection may come after the
    // certificate was created: retrying would create a second one.
    if operation == GENERATE {
        return Budget::None;
    }
    Budget::Other
}

/// The AWS error code of a response (`x-amzn-ErrorType`, without the
/// `:namespace` suffix some services append).
fn error_code(r: &HttpResponse) -> Option<String> {
    let v = r.headers().get("x-amzn-errortype")?;
    let code = v.split(':').next().unwrap_or(v).trim();
    (!code.is_empty()).then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_has_its_own_patient_budget() {
        assert_eq!(
            budget_for(
                "GetStages",
                ErrorKind::ThrottlingError,
                Some("TooManyRequestsException")
            ),
            Budget::Throttling
        );
        assert_eq!(
            budget_for("GetStages", ErrorKind::ServerError, None),
            Budget::Other
        );
        assert_eq!(
            budget_for("GetStages", ErrorKind::TransientError, None),
            Budget::Other
        );
    }

    #[test]
    fn generate_is_retried_only_when_throttled() {
        assert_eq!(
            budget_for(
                GENERATE,
                ErrorKind::ThrottlingError,
                Some("TooManyRequestsException")
            ),
            Budget::Throttling
        );
        assert_eq!(
            budget_for(GENERATE, ErrorKind::ServerError, None),
            Budget::None
        );
        assert_eq!(
            budget_for(GENERATE, ErrorKind::TransientError, None),
            Budget::None
        );
        assert_eq!(
            budget_for(
                GENERATE,
                ErrorKind::ThrottlingError,
                Some("LimitExceededException")
            ),
            Budget::None
        );
    }

    #[test]
    fn the_sdk_ceiling_is_the_throttling_budget() {
        assert_eq!(retry_config(3).max_attempts(), THROTTLE_RETRIES + 1);
        assert_eq!(retry_config(60).max_attempts(), 61);
        assert_eq!(retry_config(3).max_backoff(), MAX_BACKOFF);
    }
}
