//! API Gateway client: SDK calls, the process-wide listing caches, rate
//! limiting and error mapping.
//!
//! Shaped by the facts of DESIGN §11: the control plane allows about 10
//! requests per second per account, so every certificate is read from one paged
//! listing per provider process (shared by every resource, data source and
//! concurrent call), the stage scan is cached the same way, and every call goes
//! through a client-side token bucket. The SDK client and credentials are
//! resolved on the first call, never at start-up or configure time: Terraform
//! launches the provider several times per command.

pub mod credentials;
mod error;
mod ratelimit;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_apigateway::config::Region;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use tokio::sync::{Mutex, OnceCell};

pub use error::ApiError;
pub use ratelimit::RateLimiter;

/// GetClientCertificates / GetRestApis page size: the service maximum, so a
/// region at the default quota (60 certificates) is one request.
pub const PAGE_LIMIT: i32 = 500;

/// A client certificate as the provider sees it. Dates are unix seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    pub id: String,
    pub description: Option<String>,
    pub pem: String,
    pub created: i64,
    pub expires: i64,
    pub tags: BTreeMap<String, String>,
}

/// One stage of one REST API and the client certificate it presents.
#[derive(Clone, Debug, PartialEq)]
pub struct StageRef {
    pub rest_api_id: String,
    pub rest_api_name: String,
    pub stage_name: String,
    pub client_certificate_id: Option<String>,
}

pub use credentials::{AssumeRole, WebIdentity};

/// Everything needed to build the SDK client; credentials are not part of it
/// (they come from the standard AWS chain, or `assume_role` on top of it).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// None: the standard chain (AWS_REGION, AWS_DEFAULT_REGION, profile).
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Effective endpoint override (attribute or environment), already validated.
    pub endpoint: Option<String>,
    pub max_retries: u32,
    pub operation_timeout: Duration,
    pub operation_attempt_timeout: Duration,
    pub assume_role: Option<AssumeRole>,
    pub web_identity: Option<WebIdentity>,
    /// Replace the default `~/.aws/config` / `~/.aws/credentials` when not empty.
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    /// Effective STS endpoint override (attribute, environment, or a loopback `endpoint`).
    pub sts_endpoint: Option<String>,
    pub allowed_account_ids: Vec<String>,
    pub forbidden_account_ids: Vec<String>,
    pub skip_credentials_validation: bool,
    /// Requests per second; 0 disables the limiter.
    pub rate_limit_rps: f64,
    pub rate_limit_burst: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            region: None,
            profile: None,
            endpoint: None,
            max_retries: DEFAULT_MAX_RETRIES,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            operation_attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            assume_role: None,
            web_identity: None,
            shared_config_files: Vec::new(),
            shared_credentials_files: Vec::new(),
            sts_endpoint: None,
            allowed_account_ids: Vec::new(),
            forbidden_account_ids: Vec::new(),
            skip_credentials_validation: false,
            rate_limit_rps: DEFAULT_RATE_LIMIT_RPS,
            rate_limit_burst: DEFAULT_RATE_LIMIT_BURST,
        }
    }
}

pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_RATE_LIMIT_RPS: f64 = 10.0;
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 40;
/// Bounds how long "is anyone listening?" takes, so an unreachable endpoint
/// fails in seconds rather than after the attempt timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// API Gateway client shared by every resource, data source and call of one
/// provider process. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    /// Replaces the standard credentials chain (tests, embedding).
    credentials: Option<aws_sdk_apigateway::config::Credentials>,
    sdk: OnceCell<Sdk>,
    limiter: RateLimiter,
    /// Held across the listing request: concurrent callers queue on the lock
    /// and then find the listing in place (single-flight). A failed listing
    /// leaves `None` so the next caller tries again.
    certificates: Mutex<Option<Arc<Vec<Certificate>>>>,
    stages: Mutex<Option<Arc<Vec<StageRef>>>>,
    api_names: StdMutex<HashMap<String, String>>,
}

struct Sdk {
    client: aws_sdk_apigateway::Client,
    region: String,
    /// For error messages: the URL requests go to.
    endpoint: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .field("initialised", &self.inner.sdk.initialized())
            .finish()
    }
}

impl Client {
    /// Stores the settings; nothing is resolved or connected until the first call.
    pub fn new(settings: Settings) -> Client {
        Self::build(settings, None)
    }

    /// Like [`Client::new`], with fixed credentials instead of the standard chain.
    pub fn with_credentials(
        settings: Settings,
        credentials: aws_sdk_apigateway::config::Credentials,
    ) -> Client {
        Self::build(settings, Some(credentials))
    }

    fn build(
        settings: Settings,
        credentials: Option<aws_sdk_apigateway::config::Credentials>,
    ) -> Client {
        let limiter = RateLimiter::new(settings.rate_limit_rps, settings.rate_limit_burst);
        Client {
            inner: Arc::new(Inner {
                settings,
                credentials,
                sdk: OnceCell::new(),
                limiter,
                certificates: Mutex::new(None),
                stages: Mutex::new(None),
                api_names: StdMutex::new(HashMap::new()),
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// ConfigureProvider: resolves the credentials once (a failure is
    /// reported here, not on every resource), checks the account with STS
    /// GetCallerIdentity when a guard is set or validation is not skipped,
    /// and returns a client that reuses those credentials. No request is
    /// made when neither guard is set, validation is skipped and the
    /// credentials need no call (keys, a profile with keys, a process).
    pub async fn connect(settings: Settings) -> Result<Client, ConnectError> {
        let loaded = load(&settings, None).await;
        let Some(chain) = loaded.credentials.clone() else {
            return Err(ConnectError::Credentials(
                "no credentials provider is configured".to_string(),
            ));
        };
        let first = tokio::time::timeout(settings.operation_timeout, chain.provide_credentials())
            .await
            .map_err(|_| {
                ConnectError::Credentials(format!(
                    "resolving them took longer than operation_timeout ({})",
                    rotation::format_duration(settings.operation_timeout.as_secs())
                ))
            })?
            .map_err(|e| ConnectError::Credentials(credentials::chain(&e)))?;
        let resolved = aws_credential_types::provider::SharedCredentialsProvider::new(
            credentials::Resolved::new(chain, first),
        );
        let guarded =
            !settings.allowed_account_ids.is_empty() || !settings.forbidden_account_ids.is_empty();
        if guarded || !settings.skip_credentials_validation {
            let sts = sts_client(&loaded, &settings, Some(resolved.clone()));
            let sts_url = settings
                .sts_endpoint
                .clone()
                .unwrap_or_else(|| "the regional AWS STS endpoint".to_string());
            let out = sts.get_caller_identity().send().await.map_err(|e| {
                use aws_sdk_sts::error::ProvideErrorMetadata as _;
                match e.as_service_error() {
                    Some(se) => ConnectError::Refused {
                        endpoint: sts_url.clone(),
                        detail: format!(
                            "{} ({})",
                            se.message().unwrap_or("no message").trim_end_matches('.'),
                            se.code().unwrap_or("unknown error code")
                        ),
                    },
                    None => ConnectError::Unchecked {
                        endpoint: sts_url.clone(),
                        detail: credentials::chain(&e),
                    },
                }
            })?;
            let account = out.account().unwrap_or_default().to_string();
            tracing::debug!(account = %account, "credentials validated");
            if !settings.allowed_account_ids.is_empty()
                && !settings.allowed_account_ids.contains(&account)
            {
                return Err(ConnectError::AccountNotAllowed {
                    account,
                    allowed: settings.allowed_account_ids.clone(),
                });
            }
            if settings.forbidden_account_ids.contains(&account) {
                return Err(ConnectError::AccountForbidden { account });
            }
        }
        let sdk = finish(&settings, &loaded, Some(resolved));
        let client = Self::build(settings, None);
        let _ = client.inner.sdk.set(sdk);
        Ok(client)
    }

    /// True once the SDK client has been built (i.e. a call has been made).
    pub fn is_initialised(&self) -> bool {
        self.inner.sdk.initialized()
    }

    async fn sdk(&self) -> &Sdk {
        self.inner
            .sdk
            .get_or_init(|| build_sdk(&self.inner.settings, self.inner.credentials.clone()))
            .await
    }

    /// The SDK client behind a rate-limit token: every control-plane request
    /// goes through here.
    async fn call(&self) -> &Sdk {
        let sdk = self.sdk().await;
        self.inner.limiter.acquire().await;
        sdk
    }

    fn map<E, R>(
        sdk: &Sdk,
        operation: &'static str,
        err: aws_sdk_apigateway::error::SdkError<E, R>,
    ) -> ApiError
    where
        E: aws_sdk_apigateway::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + error::HasStatus + Send + Sync + 'static,
    {
        let e = ApiError::from_sdk(operation, &sdk.endpoint, err);
        tracing::debug!(error = %e, "API Gateway call failed");
        e
    }

    // ---- client certificates ------------------------------------------------

    /// One paged GetClientCertificates (limit 500) per provider process, shared by every
    /// caller (single-flight: concurrent callers await the same in-flight listing).
    pub async fn list_certificates(&self) -> Result<Arc<Vec<Certificate>>, ApiError> {
        let mut guard = self.inner.certificates.lock().await;
        if let Some(list) = guard.as_ref() {
            return Ok(list.clone());
        }
        let mut all = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let sdk = self.call().await;
            let out = sdk
                .client
                .get_client_certificates()
                .limit(PAGE_LIMIT)
                .set_position(position.clone())
                .send()
                .await
                .map_err(|e| Self::map(sdk, "GetClientCertificates", e))?;
            all.extend(out.items().iter().map(|c| {
                certificate(
                    c.client_certificate_id(),
                    c.description(),
                    c.pem_encoded_certificate(),
                    c.created_date(),
                    c.expiration_date(),
                    c.tags(),
                )
            }));
            match out.position() {
                // A service repeating the token would loop forever; stop instead.
                Some(p) if !p.is_empty() && Some(p) != position.as_deref() => {
                    position = Some(p.to_string());
                }
                _ => break,
            }
        }
        tracing::debug!(count = all.len(), "listed client certificates");
        let list = Arc::new(all);
        *guard = Some(list.clone());
        Ok(list)
    }

    /// From the shared listing; on a miss, GetClientCertificate by id. Ok(None) if gone.
    pub async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, ApiError> {
        let list = self.list_certificates().await?;
        if let Some(c) = list.iter().find(|c| c.id == id) {
            return Ok(Some(c.clone()));
        }
        match self.get_certificate(id).await {
            Ok(c) => {
                self.cache_upsert(&c).await;
                Ok(Some(c))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn get_certificate(&self, id: &str) -> Result<Certificate, ApiError> {
        let sdk = self.call().await;
        let c = sdk
            .client
            .get_client_certificate()
            .client_certificate_id(id)
            .send()
            .await
            .map_err(|e| Self::map(sdk, "GetClientCertificate", e))?;
        Ok(certificate(
            c.client_certificate_id(),
            c.description(),
            c.pem_encoded_certificate(),
            c.created_date(),
            c.expiration_date(),
            c.tags(),
        ))
    }

    pub async fn generate_certificate(
        &self,
        description: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<Certificate, ApiError> {
        let sdk = self.call().await;
        let mut req = sdk
            .client
            .generate_client_certificate()
            .description(description);
        for (k, v) in tags {
            req = req.tags(k, v);
        }
        let c = req
            .send()
            .await
            .map_err(|e| Self::map(sdk, "GenerateClientCertificate", e))?;
        let cert = certificate(
            c.client_certificate_id(),
            c.description(),
            c.pem_encoded_certificate(),
            c.created_date(),
            c.expiration_date(),
            c.tags(),
        );
        tracing::info!(certificate_id = %cert.id, "generated client certificate");
        self.cache_upsert(&cert).await;
        Ok(cert)
    }

    pub async fn update_description(
        &self,
        id: &str,
        description: &str,
    ) -> Result<Certificate, ApiError> {
        let sdk = self.call().await;
        let c = sdk
            .client
            .update_client_certificate()
            .client_certificate_id(id)
            .patch_operations(
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path("/description")
                    .value(description)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Self::map(sdk, "UpdateClientCertificate", e))?;
        let cert = certificate(
            c.client_certificate_id(),
            c.description(),
            c.pem_encoded_certificate(),
            c.created_date(),
            c.expiration_date(),
            c.tags(),
        );
        self.cache_upsert(&cert).await;
        Ok(cert)
    }

    /// Applies tag differences (TagResource / UntagResource on the certificate ARN).
    pub async fn update_tags(
        &self,
        id: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
        let changed: Vec<(&String, &String)> = new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .collect();
        if !removed.is_empty() {
            let sdk = self.call().await;
            let arn = certificate_arn(&sdk.region, id);
            let mut req = sdk.client.untag_resource().resource_arn(arn);
            for k in &removed {
                req = req.tag_keys(*k);
            }
            req.send()
                .await
                .map_err(|e| Self::map(sdk, "UntagResource", e))?;
        }
        if !changed.is_empty() {
            let sdk = self.call().await;
            let arn = certificate_arn(&sdk.region, id);
            let mut req = sdk.client.tag_resource().resource_arn(arn);
            for (k, v) in &changed {
                req = req.tags(*k, *v);
            }
            req.send()
                .await
                .map_err(|e| Self::map(sdk, "TagResource", e))?;
        }
        let mut guard = self.inner.certificates.lock().await;
        if let Some(list) = guard.as_mut() {
            let mut v = (**list).clone();
            if let Some(c) = v.iter_mut().find(|c| c.id == id) {
                c.tags = new.clone();
            }
            *list = Arc::new(v);
        }
        Ok(())
    }

    /// DeleteClientCertificate; NotFound counts as success.
    pub async fn delete_certificate(&self, id: &str) -> Result<(), ApiError> {
        let sdk = self.call().await;
        match sdk
            .client
            .delete_client_certificate()
            .client_certificate_id(id)
            .send()
            .await
            .map_err(|e| Self::map(sdk, "DeleteClientCertificate", e))
        {
            Ok(_) => tracing::info!(certificate_id = %id, "deleted client certificate"),
            Err(e) if e.is_not_found() => {
                tracing::info!(certificate_id = %id, "client certificate already gone");
            }
            Err(e) => return Err(e),
        }
        let mut guard = self.inner.certificates.lock().await;
        if let Some(list) = guard.as_mut() {
            let v: Vec<Certificate> = list.iter().filter(|c| c.id != id).cloned().collect();
            *list = Arc::new(v);
        }
        Ok(())
    }

    async fn cache_upsert(&self, cert: &Certificate) {
        let mut guard = self.inner.certificates.lock().await;
        if let Some(list) = guard.as_mut() {
            let mut v = (**list).clone();
            match v.iter_mut().find(|c| c.id == cert.id) {
                Some(slot) => *slot = cert.clone(),
                None => v.push(cert.clone()),
            }
            *list = Arc::new(v);
        }
    }

    // ---- REST APIs and stages ----------------------------------------------

    /// Every stage of every REST API (paged GetRestApis + GetStages), cached once per process.
    pub async fn stage_usage(&self) -> Result<Arc<Vec<StageRef>>, ApiError> {
        let mut guard = self.inner.stages.lock().await;
        if let Some(list) = guard.as_ref() {
            return Ok(list.clone());
        }
        let list = Arc::new(self.scan_stages().await?);
        *guard = Some(list.clone());
        Ok(list)
    }

    /// Fresh (uncached) scan: stages whose clientCertificateId == id. Used by retire_guard.
    pub async fn stages_using(&self, certificate_id: &str) -> Result<Vec<StageRef>, ApiError> {
        // Held across the scan: a stage switched by this process meanwhile
        // records its change after the scan's result, never under it.
        let mut cache = self.inner.stages.lock().await;
        let all = self.scan_stages().await?;
        let using: Vec<StageRef> = all
            .iter()
            .filter(|s| s.client_certificate_id.as_deref() == Some(certificate_id))
            .cloned()
            .collect();
        // The fresh scan is the better truth: let later cached readers see it.
        *cache = Some(Arc::new(all));
        Ok(using)
    }

    async fn scan_stages(&self) -> Result<Vec<StageRef>, ApiError> {
        let mut apis: Vec<(String, String)> = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let sdk = self.call().await;
            let out = sdk
                .client
                .get_rest_apis()
                .limit(PAGE_LIMIT)
                .set_position(position.clone())
                .send()
                .await
                .map_err(|e| Self::map(sdk, "GetRestApis", e))?;
            apis.extend(out.items().iter().filter_map(|a| {
                a.id()
                    .map(|id| (id.to_string(), a.name().unwrap_or_default().to_string()))
            }));
            match out.position() {
                Some(p) if !p.is_empty() && Some(p) != position.as_deref() => {
                    position = Some(p.to_string());
                }
                _ => break,
            }
        }
        if let Ok(mut names) = self.inner.api_names.lock() {
            names.extend(apis.iter().cloned());
        }
        let mut stages = Vec::new();
        for (api_id, api_name) in &apis {
            let sdk = self.call().await;
            let out = match sdk.client.get_stages().rest_api_id(api_id).send().await {
                Ok(out) => out,
                Err(e) => {
                    let e = Self::map(sdk, "GetStages", e);
                    // Deleted between the two calls: it has no stages any more.
                    if e.is_not_found() {
                        continue;
                    }
                    return Err(e);
                }
            };
            stages.extend(out.item().iter().map(|s| StageRef {
                rest_api_id: api_id.clone(),
                rest_api_name: api_name.clone(),
                stage_name: s.stage_name().unwrap_or_default().to_string(),
                client_certificate_id: non_empty(s.client_certificate_id()),
            }));
        }
        tracing::debug!(
            apis = apis.len(),
            stages = stages.len(),
            "scanned REST API stages"
        );
        Ok(stages)
    }

    pub async fn get_stage(
        &self,
        rest_api_id: &str,
        stage_name: &str,
    ) -> Result<Option<StageRef>, ApiError> {
        let sdk = self.call().await;
        let stage = match sdk
            .client
            .get_stage()
            .rest_api_id(rest_api_id)
            .stage_name(stage_name)
            .send()
            .await
        {
            Ok(s) => s,
            Err(e) => {
                let e = Self::map(sdk, "GetStage", e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let rest_api_name = self.api_name(rest_api_id).await?.unwrap_or_default();
        Ok(Some(StageRef {
            rest_api_id: rest_api_id.to_string(),
            rest_api_name,
            stage_name: stage.stage_name().unwrap_or(stage_name).to_string(),
            client_certificate_id: non_empty(stage.client_certificate_id()),
        }))
    }

    pub async fn rest_api_exists(&self, rest_api_id: &str) -> Result<bool, ApiError> {
        Ok(self.fetch_api_name(rest_api_id).await?.is_some())
    }

    /// PATCH replace /clientCertificateId (None => empty string, i.e. detach).
    pub async fn set_stage_certificate(
        &self,
        rest_api_id: &str,
        stage_name: &str,
        certificate_id: Option<&str>,
    ) -> Result<StageRef, ApiError> {
        let sdk = self.call().await;
        let stage = sdk
            .client
            .update_stage()
            .rest_api_id(rest_api_id)
            .stage_name(stage_name)
            .patch_operations(
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path("/clientCertificateId")
                    .value(certificate_id.unwrap_or_default())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Self::map(sdk, "UpdateStage", e))?;
        let rest_api_name = self.api_name(rest_api_id).await?.unwrap_or_default();
        let updated = StageRef {
            rest_api_id: rest_api_id.to_string(),
            rest_api_name,
            stage_name: stage.stage_name().unwrap_or(stage_name).to_string(),
            client_certificate_id: non_empty(stage.client_certificate_id()),
        };
        let mut guard = self.inner.stages.lock().await;
        if let Some(list) = guard.as_mut() {
            let mut v = (**list).clone();
            match v
                .iter_mut()
                .find(|s| s.rest_api_id == rest_api_id && s.stage_name == updated.stage_name)
            {
                Some(slot) => *slot = updated.clone(),
                None => v.push(updated.clone()),
            }
            *list = Arc::new(v);
        }
        Ok(updated)
    }

    /// The REST API's name, from what earlier calls learned or one GetRestApi.
    async fn api_name(&self, rest_api_id: &str) -> Result<Option<String>, ApiError> {
        if let Some(name) = self
            .inner
            .api_names
            .lock()
            .ok()
            .and_then(|m| m.get(rest_api_id).cloned())
        {
            return Ok(Some(name));
        }
        self.fetch_api_name(rest_api_id).await
    }

    async fn fetch_api_name(&self, rest_api_id: &str) -> Result<Option<String>, ApiError> {
        let sdk = self.call().await;
        match sdk
            .client
            .get_rest_api()
            .rest_api_id(rest_api_id)
            .send()
            .await
        {
            Ok(api) => {
                let name = api.name().unwrap_or_default().to_string();
                if let Ok(mut m) = self.inner.api_names.lock() {
                    m.insert(rest_api_id.to_string(), name.clone());
                }
                Ok(Some(name))
            }
            Err(e) => {
                let e = Self::map(sdk, "GetRestApi", e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }
}

/// Whether an endpoint URL names this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(endpoint: &str) -> bool {
    match url::Url::parse(endpoint)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// The SDK's HTTP client (rustls over aws-lc) without the environment's
/// HTTP(S)_PROXY: a local endpoint, such as apigw-emulator, is reached
/// directly, as Terraform's own plugins do. AWS endpoints keep the default
/// client, which honours the proxy settings.
pub fn direct_http_client() -> aws_sdk_apigateway::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https()
}

/// The SDK's shared configuration and the credential chain on top of it.
struct Loaded {
    base: aws_config::SdkConfig,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// Local endpoints are reached without the environment's proxy.
    direct: bool,
}

async fn load(s: &Settings, fixed: Option<aws_sdk_apigateway::config::Credentials>) -> Loaded {
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

    // One HTTP client for API Gateway, STS and the SSO portal: when any of
    // them is local (an emulator, a test stand-in), none goes through a proxy.
    let direct = [
        s.endpoint.clone(),
        s.sts_endpoint.clone(),
        std::env::var("AWS_ENDPOINT_URL_SSO").ok(),
    ]
    .iter()
    .flatten()
    .any(|e| is_loopback(e));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            // Standard mode retries throttling codes (TooManyRequestsException),
            // 500/502/503/504, timeouts and connection errors with jittered
            // exponential backoff, and waits as told by `x-amz-retry-after`.
            RetryConfig::standard().with_max_attempts(s.max_retries.saturating_add(1)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(s.operation_timeout)
                .operation_attempt_timeout(s.operation_attempt_timeout)
                .connect_timeout(CONNECT_TIMEOUT.min(s.operation_attempt_timeout))
                .build(),
        );
    if direct {
        loader = loader.http_client(direct_http_client());
    }
    if let Some(region) = &s.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &s.profile {
        loader = loader.profile_name(profile);
    }
    if !s.shared_config_files.is_empty() || !s.shared_credentials_files.is_empty() {
        // As in the AWS provider, a list replaces the default file of its kind.
        let mut files = EnvConfigFiles::builder();
        if !s.shared_config_files.is_empty() {
            files = files.include_default_config_file(false);
            for f in &s.shared_config_files {
                files = files.with_file(EnvConfigFileKind::Config, f);
            }
        } else {
            files = files.include_default_config_file(true);
        }
        if !s.shared_credentials_files.is_empty() {
            files = files.include_default_credentials_file(false);
            for f in &s.shared_credentials_files {
                files = files.with_file(EnvConfigFileKind::Credentials, f);
            }
        } else {
            files = files.include_default_credentials_file(true);
        }
        loader = loader.profile_files(files.build());
    }
    if let Some(c) = fixed {
        loader = loader.credentials_provider(c);
    }
    let base = loader.load().await;
    let mut loaded = Loaded {
        credentials: base.credentials_provider(),
        base,
        direct,
    };
    if let Some(w) = &s.web_identity {
        // The exchange is authenticated by the token alone.
        let sts = sts_client(&loaded, s, None);
        loaded.credentials = Some(SharedCredentialsProvider::new(
            credentials::WebIdentityProvider {
                sts,
                identity: w.clone(),
            },
        ));
    }
    if let Some(ar) = &s.assume_role {
        let sts = sts_client(&loaded, s, loaded.credentials.clone());
        loaded.credentials = Some(SharedCredentialsProvider::new(
            credentials::AssumeRoleProvider {
                sts,
                role: ar.clone(),
            },
        ));
    }
    loaded
}

fn sts_client(
    loaded: &Loaded,
    s: &Settings,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
) -> aws_sdk_sts::Client {
    let mut b = aws_sdk_sts::config::Builder::from(&loaded.base);
    b.set_credentials_provider(credentials);
    if loaded.base.region().is_none() {
        // STS answers for every region; its global name keeps a role
        // assumption working before the API Gateway region is known.
        b = b.region(Region::new("us-east-1"));
    }
    if let Some(e) = &s.sts_endpoint {
        b = b.endpoint_url(e.clone());
    }
    if loaded.direct {
        b = b.http_client(direct_http_client());
    }
    aws_sdk_sts::Client::from_conf(b.build())
}

async fn build_sdk(
    s: &Settings,
    credentials: Option<aws_sdk_apigateway::config::Credentials>,
) -> Sdk {
    let loaded = load(s, credentials).await;
    let chain = loaded.credentials.clone();
    finish(s, &loaded, chain)
}

fn finish(
    s: &Settings,
    loaded: &Loaded,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
) -> Sdk {
    let base = &loaded.base;
    let mut conf = aws_sdk_apigateway::config::Builder::from(base);
    conf.set_credentials_provider(credentials);
    if let Some(endpoint) = &s.endpoint {
        conf = conf.endpoint_url(endpoint.clone());
        if is_loopback(endpoint) {
            conf = conf.http_client(direct_http_client());
        }
    }
    let region = base
        .region()
        .map(|r| r.as_ref().to_string())
        .unwrap_or_default();
    let endpoint = s.endpoint.clone().unwrap_or_else(|| {
        if region.is_empty() {
            "the default API Gateway endpoint (no region configured)".to_string()
        } else {
            format!("the default API Gateway endpoint of {region}")
        }
    });
    tracing::debug!(region = %region, endpoint = %endpoint, "built API Gateway client");
    Sdk {
        client: aws_sdk_apigateway::Client::from_conf(conf.build()),
        region,
        endpoint,
    }
}

/// Why ConfigureProvider could not use the credentials.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("The apigw provider could not resolve AWS credentials: {0}.")]
    Credentials(String),
    #[error(
        "The apigw provider's credentials were refused by STS GetCallerIdentity at {endpoint}: {detail}."
    )]
    Refused { endpoint: String, detail: String },
    #[error(
        "The apigw provider could not check its credentials with STS GetCallerIdentity at {endpoint}: {detail}."
    )]
    Unchecked { endpoint: String, detail: String },
    #[error(
        "The credentials belong to AWS account {account}, which is not in allowed_account_ids ({})."
    , allowed.join(", "))]
    AccountNotAllowed {
        account: String,
        allowed: Vec<String>,
    },
    #[error(
        "The credentials belong to AWS account {account}, which is listed in forbidden_account_ids."
    )]
    AccountForbidden { account: String },
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

fn certificate(
    id: Option<&str>,
    description: Option<&str>,
    pem: Option<&str>,
    created: Option<&aws_sdk_apigateway::primitives::DateTime>,
    expires: Option<&aws_sdk_apigateway::primitives::DateTime>,
    tags: Option<&HashMap<String, String>>,
) -> Certificate {
    Certificate {
        id: id.unwrap_or_default().to_string(),
        description: description.map(str::to_string),
        pem: pem.unwrap_or_default().to_string(),
        created: created.map_or(0, |d| d.secs()),
        expires: expires.map_or(0, |d| d.secs()),
        tags: tags
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }
}

/// `arn:<partition>:apigateway:<region>::/clientcertificates/<id>`, the form
/// TagResource / UntagResource expect.
pub fn certificate_arn(region: &str, id: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    };
    format!("arn:{partition}:apigateway:{region}::/clientcertificates/{id}")
}

#[cfg(test)]
mod tests;
