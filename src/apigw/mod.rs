//! API Gateway client: SDK calls, the process-wide listing caches, rate
//! limiting and error mapping.
//!
//! Shaped by the facts of DESIGN §11: the control plane allows about 10
//! requests per second per account, so every certificate is read from one paged
//! listing per provider process (shared by every resource, data source and
//! concurrent call), so is the stage inventory (kept current by our own stage
//! calls), and every HTTP attempt, retries included, goes through a
//! client-side token bucket. [`Client::connect`] (ConfigureProvider)
//! resolves the credentials once and checks the account; [`Client::new`]
//! defers everything to the first call.

pub mod credentials;
mod error;
pub mod journal;
mod profile;
mod ratelimit;
pub mod transport;

use crate::clock::Clock;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sdk_apigateway::config::{Region, SharedCredentialsProvider};
use aws_sdk_apigateway::types::{Op, PatchOperation};
use tokio::sync::{Mutex, OnceCell};

pub use error::{ApiError, ErrorContext};
pub use profile::{ProfileSource, check as check_profile_and_region};
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
    /// The user's tags; the provider's own marks are in `mark`.
    pub tags: BTreeMap<String, String>,
    pub mark: Mark,
}

pub use rotation::{ATTEMPT_TAG, MARK_PREFIX, SERIES_TAG};

/// The provider's marks on a certificate it generated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mark {
    pub series: Option<String>,
    pub attempt: Option<String>,
}

/// A fresh attempt token: 16 hex digits from the process's random hasher
/// keys, the clock and a counter (unique, not secret).
pub fn attempt_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(d) = std::time::UNIX_EPOCH.elapsed() {
        h.write_u128(d.as_nanos());
    }
    format!("{:016x}", h.finish())
}

/// How a generation ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub certificate: Certificate,
    /// The answer to a GenerateClientCertificate was lost (timeout, dropped
    /// connection, server error) and the certificate it had created was
    /// found by its attempt tag instead of creating a second one.
    pub recovered: bool,
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
    /// The provider's `default_tags`: set on every certificate the provider
    /// generates, under the resource's own tags (which win on a shared key).
    pub default_tags: BTreeMap<String, String>,
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
            default_tags: BTreeMap::new(),
        }
    }
}

/// Retries of a server error, timeout or dropped connection. Six keep a call
/// alive through a tenth of requests failing (one chance in ten million of
/// seven failures in a row) while a real outage is reported within a minute.
pub const DEFAULT_MAX_RETRIES: u32 = 6;
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);
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
    credentials: Option<SharedCredentialsProvider>,
    sdk: OnceCell<Sdk>,
    limiter: Arc<RateLimiter>,
    /// Held across the listing: concurrent callers queue on the lock and then
    /// find the listing in place (single-flight). A failed listing leaves
    /// `None` so the next caller tries again. Writes change entries in place.
    certificates: Mutex<Option<Listing>>,
    stages: Mutex<Option<StageInventory>>,
    /// REST API names learned by any call, for messages that name a stage.
    api_names: StdMutex<HashMap<String, String>>,
    inventory_passes: AtomicU32,
    /// Certificates a killed create left that a create plan of this process
    /// has taken on ([`Client::strays`]).
    claimed_strays: StdMutex<BTreeSet<String>>,
    /// The provider's clock (for messages about expiry).
    clock: Clock,
}

/// The shared listing, by certificate ID, with the IDs of the certificates
/// that still carry an attempt mark: every refresh asks which of those
/// belong to its series, and normally there are none, so the answer must
/// not cost a pass over the whole listing.
#[derive(Default)]
struct Listing {
    by_id: BTreeMap<String, Certificate>,
    attempted: BTreeSet<String>,
}

impl Listing {
    fn insert(&mut self, cert: Certificate) {
        if cert.mark.attempt.is_some() {
            self.attempted.insert(cert.id.clone());
        } else {
            self.attempted.remove(&cert.id);
        }
        self.by_id.insert(cert.id.clone(), cert);
    }

    fn remove(&mut self, id: &str) {
        self.attempted.remove(id);
        self.by_id.remove(id);
    }

    /// Certificates whose generation's caller has not yet confirmed them.
    fn attempted(&self) -> impl Iterator<Item = &Certificate> {
        self.attempted.iter().filter_map(|id| self.by_id.get(id))
    }
}

/// Every stage of every REST API, as listed once and then kept current by
/// this process's own UpdateStage and GetStage calls.
#[derive(Debug, Default)]
struct StageInventory {
    /// (REST API ID, stage name) → the certificate the stage presents.
    stages: BTreeMap<(String, String), Option<String>>,
}

impl StageInventory {
    fn record(&mut self, stage: &StageRef) {
        self.stages.insert(
            (stage.rest_api_id.clone(), stage.stage_name.clone()),
            stage.client_certificate_id.clone(),
        );
    }
}

struct Sdk {
    client: aws_sdk_apigateway::Client,
    region: String,
    errors: ErrorContext,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .field("initialised", &self.inner.sdk.initialized())
            .finish()
    }
}

/// How many REST APIs' stages are listed at once during an inventory pass;
/// the rate limiter paces the requests themselves.
const INVENTORY_CONCURRENCY: usize = 8;

impl Client {
    /// Stores the settings; nothing is resolved or connected until the first call.
    pub fn new(settings: Settings) -> Client {
        Self::build(settings, None)
    }

    /// Like [`Client::new`], telling time by `clock` (the provider context's).
    pub fn with_clock(settings: Settings, clock: Clock) -> Client {
        Self::build_on(settings, None, clock)
    }

    /// Like [`Client::new`], with fixed credentials instead of the standard chain.
    pub fn with_credentials(
        settings: Settings,
        credentials: aws_sdk_apigateway::config::Credentials,
    ) -> Client {
        Self::build(settings, Some(SharedCredentialsProvider::new(credentials)))
    }

    /// Like [`Client::new`], with a credentials provider instead of the standard chain.
    pub fn with_credentials_provider(
        settings: Settings,
        provider: SharedCredentialsProvider,
    ) -> Client {
        Self::build(settings, Some(provider))
    }

    fn build(settings: Settings, credentials: Option<SharedCredentialsProvider>) -> Client {
        Self::build_on(settings, credentials, Clock::from_env())
    }

    fn build_on(
        settings: Settings,
        credentials: Option<SharedCredentialsProvider>,
        clock: Clock,
    ) -> Client {
        let limiter = Arc::new(RateLimiter::new(
            settings.rate_limit_rps,
            settings.rate_limit_burst,
        ));
        Client {
            inner: Arc::new(Inner {
                settings,
                credentials,
                sdk: OnceCell::new(),
                limiter,
                certificates: Mutex::new(None),
                stages: Mutex::new(None),
                api_names: StdMutex::new(HashMap::new()),
                inventory_passes: AtomicU32::new(0),
                claimed_strays: StdMutex::default(),
                clock,
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// ConfigureProvider, telling time by `clock`: resolves the credentials once (a failure is
    /// reported here, not on every resource), checks the account with STS
    /// GetCallerIdentity when a guard is set or validation is not skipped,
    /// and returns a client that reuses those credentials. No request is
    /// made when neither guard is set, validation is skipped and the
    /// credentials need no call (keys, a profile with keys, a process).
    pub async fn connect(settings: Settings, clock: Clock) -> Result<Client, ConnectError> {
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
        let client = Self::build_on(settings, None, clock);
        let sdk = finish(
            &client.inner.settings,
            &loaded,
            Some(resolved),
            client.inner.limiter.clone(),
        );
        let _ = client.inner.sdk.set(sdk);
        Ok(client)
    }

    /// True once the SDK client has been built (i.e. a call has been made).
    pub fn is_initialised(&self) -> bool {
        self.inner.sdk.initialized()
    }

    /// How many times this process listed every REST API's stages.
    pub fn inventory_passes(&self) -> u32 {
        self.inner.inventory_passes.load(Ordering::Relaxed)
    }

    /// The SDK client. Every HTTP attempt it makes, retries included, waits
    /// for a rate-limit token (see [`transport`]).
    async fn sdk(&self) -> &Sdk {
        self.inner
            .sdk
            .get_or_init(|| {
                build_sdk(
                    &self.inner.settings,
                    self.inner.credentials.clone(),
                    self.inner.limiter.clone(),
                )
            })
            .await
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
        let e = ApiError::from_sdk(operation, &sdk.errors, err);
        tracing::debug!(error = %e, "API Gateway call failed");
        e
    }

    // ---- client certificates ------------------------------------------------

    /// One paged GetClientCertificates (limit 500) per provider process, shared by every
    /// caller (single-flight: concurrent callers await the same in-flight listing).
    /// Ordered by certificate ID.
    pub async fn list_certificates(&self) -> Result<Vec<Certificate>, ApiError> {
        let guard = self.certificates().await?;
        Ok(guard
            .as_ref()
            .map(|l| l.by_id.values().cloned().collect())
            .unwrap_or_default())
    }

    /// The listing, loaded on first use; the guard holds the cache lock.
    async fn certificates(&self) -> Result<tokio::sync::MutexGuard<'_, Option<Listing>>, ApiError> {
        let mut guard = self.inner.certificates.lock().await;
        if guard.is_some() {
            return Ok(guard);
        }
        let sdk = self.sdk().await;
        let mut pages = sdk
            .client
            .get_client_certificates()
            .limit(PAGE_LIMIT)
            .into_paginator()
            .send();
        let mut all = Listing::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Self::map(sdk, "GetClientCertificates", e))?;
            for c in page.items() {
                let cert = certificate(
                    c.client_certificate_id(),
                    c.description(),
                    c.pem_encoded_certificate(),
                    c.created_date(),
                    c.expiration_date(),
                    c.tags(),
                );
                all.insert(cert);
            }
        }
        tracing::debug!(count = all.by_id.len(), "listed client certificates");
        *guard = Some(all);
        Ok(guard)
    }

    /// From the shared listing; on a miss, GetClientCertificate by id. Ok(None) if gone.
    pub async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, ApiError> {
        if let Some(c) = self
            .certificates()
            .await?
            .as_ref()
            .and_then(|l| l.by_id.get(id).cloned())
        {
            return Ok(Some(c));
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
        let sdk = self.sdk().await;
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

    /// GenerateClientCertificate, marked with `series` (if known) and a fresh
    /// attempt token. The SDK retries only a throttled request (refused
    /// unprocessed); after a failure that may have come after the
    /// certificate was created, the certificate is looked up by its token
    /// and adopted, or, when it does not exist, generation is tried again
    /// within `max_retries`. So a lost answer never leaves a second,
    /// unrecorded certificate.
    #[cfg(test)]
    pub async fn generate_certificate(
        &self,
        description: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<Certificate, ApiError> {
        self.generate(description, tags, None)
            .await
            .map(|g| g.certificate)
    }

    /// [`Client::generate_certificate`], saying whether a lost answer was recovered.
    pub async fn generate(
        &self,
        description: &str,
        tags: &BTreeMap<String, String>,
        series: Option<&str>,
    ) -> Result<Generated, ApiError> {
        let token = attempt_token();
        let journal = journal::journal();
        // On disk before the request leaves: if this process dies while the
        // answer is in flight, the next one knows the attempt was ours and
        // that nobody is still waiting for it.
        journal.begin(&token, series);
        let result = self
            .generate_journaled(description, tags, series, &token)
            .await;
        journal.done(&token);
        result
    }

    async fn generate_journaled(
        &self,
        description: &str,
        tags: &BTreeMap<String, String>,
        series: Option<&str>,
        token: &str,
    ) -> Result<Generated, ApiError> {
        let journal = journal::journal();
        let mut tries = 0;
        loop {
            tries += 1;
            let err = match self.generate_once(description, tags, series, token).await {
                Ok(cert) => {
                    journal.made(token, &cert.id);
                    return Ok(Generated {
                        certificate: self.confirm(cert).await,
                        recovered: false,
                    });
                }
                Err(e) if e.is_quota_exceeded() => return Err(self.quota_error(e).await),
                Err(e) if !e.is_ambiguous() => return Err(e),
                Err(e) => e,
            };
            tracing::warn!(error = %err, "no answer to GenerateClientCertificate; looking for its certificate");
            match self.find_attempt(token).await {
                Ok(Some(cert)) => {
                    journal.made(token, &cert.id);
                    tracing::warn!(certificate_id = %cert.id, "adopted the certificate whose answer was lost");
                    return Ok(Generated {
                        certificate: self.confirm(cert).await,
                        recovered: true,
                    });
                }
                Ok(None) if tries <= self.inner.settings.max_retries => continue,
                Ok(None) => return Err(err),
                // Whether the certificate exists is unknown: trying again
                // could create a second one. The next plan looks again.
                Err(_) => return Err(err),
            }
        }
    }

    /// Certificates an interrupted apply generated that no state records and
    /// no running process is still generating (see [`journal`]): with
    /// `series`, those marked as that series' (however their generation
    /// ended); without, those the journal of this working directory lists as
    /// unfinished by a process that is gone and that belong to no series
    /// (a create's). Journal files with nothing left to track are removed.
    pub async fn strays(
        &self,
        series: Option<&str>,
        held: &[&str],
    ) -> Result<Vec<String>, ApiError> {
        let (dead, live) = journal::journal().snapshot();
        if series.is_none() && dead.is_empty() {
            return Ok(Vec::new());
        }
        // Read in place under the cache lock: every refresh asks, so copying
        // the whole listing (PEMs included) here made a plan quadratic in N.
        let guard = self.certificates().await?;
        let empty = Listing::default();
        let listing = guard.as_ref().unwrap_or(&empty);
        let mut out: Vec<String> = Vec::new();
        let mut settled = Vec::new();
        if let Some(series) = series {
            out.extend(
                listing
                    .attempted()
                    .filter(|c| c.mark.series.as_deref() == Some(series))
                    // Only a certificate no caller ever held: a confirmed one
                    // (no attempt mark) may be in a state this one does not
                    // know, such as a newer one after a state rollback, and
                    // in trust stores; it is never deleted from here.
                    .filter(|c| c.mark.attempt.as_ref().is_some_and(|t| !live.contains(t)))
                    .map(|c| c.id.clone()),
            );
        }
        for file in &dead {
            let mut pending = false;
            for a in &file.attempts {
                let found =
                    a.id.as_deref()
                        .and_then(|id| listing.by_id.get(id))
                        .or_else(|| {
                            listing
                                .attempted()
                                .find(|c| c.mark.attempt.as_deref() == Some(a.token.as_str()))
                        });
                match found {
                    Some(c) => {
                        pending = true;
                        if series.is_none() && a.series.is_none() && c.mark.series.is_none() {
                            out.push(c.id.clone());
                        }
                    }
                    // Sent just before the process ended, it may still commit.
                    None => pending |= file.age < journal::SETTLE,
                }
            }
            // Kept for the refresh that finds the certificate gone.
            pending |= !file.deletes.is_empty() && file.age < journal::DELETE_MEMORY;
            if !pending {
                settled.push(&file.path);
            }
        }
        drop(guard);
        for path in settled {
            journal::journal().forget(path);
        }
        out.retain(|id| !held.contains(&id.as_str()));
        out.sort();
        out.dedup();
        if series.is_none() {
            // A create's strays belong to no resource: the first create this
            // process plans takes them, so that sixty new resources do not
            // each plan to delete the same certificates.
            if let Ok(mut claimed) = self.inner.claimed_strays.lock() {
                out.retain(|id| claimed.insert(id.clone()));
            }
        }
        Ok(out)
    }

    /// Whether a provider process that is gone sent DeleteClientCertificate
    /// for `id` and never got the answer: a certificate found missing after
    /// a killed apply that it deleted itself.
    pub fn deletion_interrupted(id: &str) -> bool {
        journal::journal()
            .snapshot()
            .0
            .iter()
            .any(|f| f.deletes.iter().any(|d| d == id))
    }

    /// Removes the attempt mark from a certificate the caller now holds: a
    /// certificate that still carries one was created by a generation whose
    /// caller never got it (an interrupted apply), and is reported as
    /// unrecorded ([`Client::unrecorded`]). A failure here leaves the mark
    /// until the next refresh of the resource holding it confirms it again.
    pub async fn confirm(&self, mut cert: Certificate) -> Certificate {
        let sdk = self.sdk().await;
        let arn = certificate_arn(&sdk.region, &cert.id);
        match sdk
            .client
            .untag_resource()
            .resource_arn(arn)
            .tag_keys(ATTEMPT_TAG)
            .send()
            .await
        {
            Ok(_) => cert.mark.attempt = None,
            Err(e) => {
                let e = Self::map(sdk, "UntagResource", e);
                tracing::warn!(certificate_id = %cert.id, error = %e, "could not remove the attempt mark");
            }
        }
        self.cache_upsert(&cert).await;
        cert
    }

    /// Certificates this provider generated whose generation no caller
    /// received: they carry an attempt mark and were created at least
    /// [`rotation::UNRECORDED_GRACE`] before `now` (younger ones may still be
    /// in flight).
    pub fn unrecorded(certs: &[Certificate], now: i64) -> Vec<&Certificate> {
        certs
            .iter()
            .filter(|c| c.mark.attempt.is_some() && rotation::is_unrecorded(now, c.created))
            .collect()
    }

    async fn generate_once(
        &self,
        description: &str,
        tags: &BTreeMap<String, String>,
        series: Option<&str>,
        token: &str,
    ) -> Result<Certificate, ApiError> {
        let sdk = self.sdk().await;
        let mut req = sdk
            .client
            .generate_client_certificate()
            .description(description)
            .tags(ATTEMPT_TAG, token);
        if let Some(series) = series {
            req = req.tags(SERIES_TAG, series);
        }
        for (k, v) in tags {
            req = req.tags(k, v);
        }
        let c = req
            .send()
            .await
            .map_err(|e| Self::map(sdk, transport::GENERATE, e))?;
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

    /// A fresh listing (not the cache: it predates the lost answer), which
    /// then replaces the cache.
    async fn refresh_certificates(&self) -> Result<Vec<Certificate>, ApiError> {
        *self.inner.certificates.lock().await = None;
        self.list_certificates().await
    }

    /// The certificate a generation attempt created, if any.
    async fn find_attempt(&self, token: &str) -> Result<Option<Certificate>, ApiError> {
        Ok(self
            .refresh_certificates()
            .await?
            .into_iter()
            .find(|c| c.mark.attempt.as_deref() == Some(token)))
    }

    /// Certificates marked as belonging to `series`, from the shared
    /// listing: what an interrupted apply may have left behind.
    #[cfg(test)]
    pub async fn find_series(&self, series: &str) -> Result<Vec<Certificate>, ApiError> {
        Ok(self
            .list_certificates()
            .await?
            .into_iter()
            .filter(|c| c.mark.series.as_deref() == Some(series))
            .collect())
    }

    /// The quota error, with what exists: how many certificates, and which
    /// have expired (the first candidates to delete).
    async fn quota_error(&self, e: ApiError) -> ApiError {
        let now = self.inner.clock.now();
        let Ok(list) = self.list_certificates().await else {
            return e.with_quota(None);
        };
        let expired: Vec<String> = list
            .iter()
            .filter(|c| c.expires <= now)
            .map(|c| c.id.clone())
            .collect();
        e.with_quota(Some((list.len(), expired)))
    }

    pub async fn update_description(
        &self,
        id: &str,
        description: &str,
    ) -> Result<Certificate, ApiError> {
        let sdk = self.sdk().await;
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
            let sdk = self.sdk().await;
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
            let sdk = self.sdk().await;
            let arn = certificate_arn(&sdk.region, id);
            let mut req = sdk.client.tag_resource().resource_arn(arn);
            for (k, v) in &changed {
                req = req.tags(*k, *v);
            }
            req.send()
                .await
                .map_err(|e| Self::map(sdk, "TagResource", e))?;
        }
        if let Some(c) = self
            .inner
            .certificates
            .lock()
            .await
            .as_mut()
            .and_then(|l| l.by_id.get_mut(id))
        {
            c.tags = new.clone();
        }
        Ok(())
    }

    /// DeleteClientCertificate; NotFound counts as success.
    pub async fn delete_certificate(&self, id: &str) -> Result<(), ApiError> {
        let sdk = self.sdk().await;
        let journal = journal::journal();
        let token = journal.begin_delete(id);
        let answer = sdk
            .client
            .delete_client_certificate()
            .client_certificate_id(id)
            .send()
            .await;
        journal.done(&token);
        match answer.map_err(|e| Self::map(sdk, "DeleteClientCertificate", e)) {
            Ok(_) => tracing::info!(certificate_id = %id, "deleted client certificate"),
            Err(e) if e.is_not_found() => {
                tracing::info!(certificate_id = %id, "client certificate already gone");
            }
            Err(e) => return Err(e),
        }
        if let Some(l) = self.inner.certificates.lock().await.as_mut() {
            l.remove(id);
        }
        Ok(())
    }

    async fn cache_upsert(&self, cert: &Certificate) {
        if let Some(l) = self.inner.certificates.lock().await.as_mut() {
            l.insert(cert.clone());
        }
    }

    // ---- REST APIs and stages ----------------------------------------------

    /// Every stage of every REST API, from this process's stage inventory
    /// (listed on first use, then kept current by this process's own calls).
    pub async fn stage_usage(&self) -> Result<Vec<StageRef>, ApiError> {
        let guard = self.inventory().await?;
        let inv = guard.as_ref().expect("loaded by inventory()");
        Ok(inv
            .stages
            .iter()
            .map(|((api, stage), cert)| self.stage_ref(api, stage, cert.clone()))
            .collect())
    }

    /// Stages that present `certificate_id`, from the stage inventory.
    pub async fn stages_using(&self, certificate_id: &str) -> Result<Vec<StageRef>, ApiError> {
        let guard = self.inventory().await?;
        let inv = guard.as_ref().expect("loaded by inventory()");
        Ok(inv
            .stages
            .iter()
            .filter(|(_, cert)| cert.as_deref() == Some(certificate_id))
            .map(|((api, stage), cert)| self.stage_ref(api, stage, cert.clone()))
            .collect())
    }

    fn stage_ref(&self, api: &str, stage: &str, cert: Option<String>) -> StageRef {
        StageRef {
            rest_api_id: api.to_string(),
            rest_api_name: self.known_api_name(api).unwrap_or_default(),
            stage_name: stage.to_string(),
            client_certificate_id: cert,
        }
    }

    fn known_api_name(&self, rest_api_id: &str) -> Option<String> {
        self.inner
            .api_names
            .lock()
            .ok()
            .and_then(|m| m.get(rest_api_id).cloned())
    }

    /// The inventory, listed on first use (single-flight, like the certificate
    /// listing); the guard holds the lock.
    async fn inventory(
        &self,
    ) -> Result<tokio::sync::MutexGuard<'_, Option<StageInventory>>, ApiError> {
        let mut guard = self.inner.stages.lock().await;
        if guard.is_none() {
            *guard = Some(self.list_stages().await?);
        }
        Ok(guard)
    }

    /// One inventory pass: the REST APIs (paged), then every API's stages,
    /// several APIs at a time within the rate limit.
    async fn list_stages(&self) -> Result<StageInventory, ApiError> {
        let sdk = self.sdk().await;
        self.inner.inventory_passes.fetch_add(1, Ordering::Relaxed);
        let mut pages = sdk
            .client
            .get_rest_apis()
            .limit(PAGE_LIMIT)
            .into_paginator()
            .send();
        let mut apis: Vec<String> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Self::map(sdk, "GetRestApis", e))?;
            let mut names = self.inner.api_names.lock().ok();
            for a in page.items() {
                if let Some(id) = a.id() {
                    apis.push(id.to_string());
                    if let Some(names) = names.as_mut() {
                        names.insert(id.to_string(), a.name().unwrap_or_default().to_string());
                    }
                }
            }
        }
        let mut inv = StageInventory::default();
        let mut tasks = tokio::task::JoinSet::new();
        let mut pending = apis.into_iter();
        loop {
            while tasks.len() < INVENTORY_CONCURRENCY {
                let Some(api) = pending.next() else { break };
                let client = sdk.client.clone();
                tasks.spawn(async move {
                    let out = client.get_stages().rest_api_id(&api).send().await;
                    (api, out)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (api, out) = joined.map_err(|e| ApiError::Request {
                operation: "GetStages",
                message: format!("the stage listing task stopped: {e}"),
            })?;
            match out {
                Ok(out) => {
                    for s in out.item() {
                        inv.stages.insert(
                            (api.clone(), s.stage_name().unwrap_or_default().to_string()),
                            non_empty(s.client_certificate_id()),
                        );
                    }
                }
                Err(e) => {
                    let e = Self::map(sdk, "GetStages", e);
                    // Deleted between the two calls: it has no stages any more.
                    if !e.is_not_found() {
                        return Err(e);
                    }
                }
            }
        }
        tracing::debug!(stages = inv.stages.len(), "listed REST API stages");
        Ok(inv)
    }

    /// Records what a call of ours saw or did to a stage in the inventory, if
    /// this process has one, so later readers see it without listing again.
    async fn record_stage(&self, stage: &StageRef) {
        if let Some(inv) = self.inner.stages.lock().await.as_mut() {
            inv.record(stage);
        }
    }

    pub async fn get_stage(
        &self,
        rest_api_id: &str,
        stage_name: &str,
    ) -> Result<Option<StageRef>, ApiError> {
        let sdk = self.sdk().await;
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
        // Named only in messages: known from the inventory or an earlier
        // call, never worth a GetRestApi per stage.
        let rest_api_name = self.known_api_name(rest_api_id).unwrap_or_default();
        let found = StageRef {
            rest_api_id: rest_api_id.to_string(),
            rest_api_name,
            stage_name: stage.stage_name().unwrap_or(stage_name).to_string(),
            client_certificate_id: non_empty(stage.client_certificate_id()),
        };
        self.record_stage(&found).await;
        Ok(Some(found))
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
        let sdk = self.sdk().await;
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
        // Named only in messages: known from the inventory or an earlier
        // call, never worth a GetRestApi per stage.
        let rest_api_name = self.known_api_name(rest_api_id).unwrap_or_default();
        let updated = StageRef {
            rest_api_id: rest_api_id.to_string(),
            rest_api_name,
            stage_name: stage.stage_name().unwrap_or(stage_name).to_string(),
            client_certificate_id: non_empty(stage.client_certificate_id()),
        };
        self.record_stage(&updated).await;
        Ok(updated)
    }

    /// The id of the resource at `path` (`/health`) of a REST API; `None` when no
    /// resource has that path.
    pub async fn find_resource_id(
        &self,
        rest_api_id: &str,
        path: &str,
    ) -> Result<Option<String>, ApiError> {
        let sdk = self.sdk().await;
        let mut pages = sdk
            .client
            .get_resources()
            .rest_api_id(rest_api_id)
            .limit(PAGE_LIMIT)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Self::map(sdk, "GetResources", e))?;
            if let Some(r) = page.items().iter().find(|r| r.path() == Some(path)) {
                return Ok(r.id().map(str::to_string));
            }
        }
        Ok(None)
    }

    /// The stage's variables, so a test invocation resolves the integration URI
    /// exactly as the stage's traffic does.
    pub async fn stage_variables(
        &self,
        rest_api_id: &str,
        stage_name: &str,
    ) -> Result<std::collections::HashMap<String, String>, ApiError> {
        let sdk = self.sdk().await;
        let stage = sdk
            .client
            .get_stage()
            .rest_api_id(rest_api_id)
            .stage_name(stage_name)
            .send()
            .await
            .map_err(|e| Self::map(sdk, "GetStage", e))?;
        Ok(stage.variables().cloned().unwrap_or_default())
    }

    /// TestInvokeMethod: API Gateway calls the method's integration presenting
    /// `certificate_id`, without any stage presenting it.
    pub async fn test_invoke(&self, call: &TestInvoke<'_>) -> Result<TestInvocation, ApiError> {
        let sdk = self.sdk().await;
        let out = sdk
            .client
            .test_invoke_method()
            .rest_api_id(call.rest_api_id)
            .resource_id(call.resource_id)
            .http_method(call.http_method)
            .path_with_query_string(call.path)
            .client_certificate_id(call.certificate_id)
            .set_stage_variables(Some(call.stage_variables.clone()))
            .send()
            .await
            .map_err(|e| Self::map(sdk, "TestInvokeMethod", e))?;
        Ok(TestInvocation {
            status: out.status(),
            body: out.body().unwrap_or_default().to_string(),
            log: out.log().unwrap_or_default().to_string(),
        })
    }

    async fn fetch_api_name(&self, rest_api_id: &str) -> Result<Option<String>, ApiError> {
        let sdk = self.sdk().await;
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

/// One TestInvokeMethod call.
pub struct TestInvoke<'a> {
    pub rest_api_id: &'a str,
    pub resource_id: &'a str,
    pub http_method: &'a str,
    pub path: &'a str,
    pub certificate_id: &'a str,
    pub stage_variables: std::collections::HashMap<String, String>,
}

/// What TestInvokeMethod reported: the method's status and body, and API
/// Gateway's execution log.
#[derive(Debug, Clone)]
pub struct TestInvocation {
    pub status: i32,
    pub body: String,
    pub log: String,
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
    transport::https_client(false)
}

/// The shared files the SDK and the configure-time checks read: as in the
/// AWS provider, a list in the provider block replaces the default file of
/// its kind (`~/.aws/config`, `~/.aws/credentials` or their variables).
pub(crate) fn profile_files(s: &Settings) -> aws_runtime::env_config::file::EnvConfigFiles {
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    if s.shared_config_files.is_empty() && s.shared_credentials_files.is_empty() {
        return EnvConfigFiles::default();
    }
    let mut files = EnvConfigFiles::builder()
        .include_default_config_file(s.shared_config_files.is_empty())
        .include_default_credentials_file(s.shared_credentials_files.is_empty());
    for f in &s.shared_config_files {
        files = files.with_file(EnvConfigFileKind::Config, f);
    }
    for f in &s.shared_credentials_files {
        files = files.with_file(EnvConfigFileKind::Credentials, f);
    }
    files.build()
}

/// The SDK's shared configuration and the credential chain on top of it.
struct Loaded {
    base: aws_config::SdkConfig,
    credentials: Option<SharedCredentialsProvider>,
    /// Local endpoints are reached without the environment's proxy.
    direct: bool,
}

async fn load(s: &Settings, fixed: Option<SharedCredentialsProvider>) -> Loaded {
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
        .retry_config(transport::chain_retry_config(s.max_retries))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(s.operation_timeout)
                .operation_attempt_timeout(s.operation_attempt_timeout)
                .connect_timeout(CONNECT_TIMEOUT.min(s.operation_attempt_timeout))
                .build(),
        );
    if direct {
        loader = loader.http_client(transport::https_client(false));
    }
    if let Some(region) = &s.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &s.profile {
        loader = loader.profile_name(profile);
    }
    if !s.shared_config_files.is_empty() || !s.shared_credentials_files.is_empty() {
        loader = loader.profile_files(profile_files(s));
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
    credentials: Option<SharedCredentialsProvider>,
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
        b = b.http_client(transport::https_client(false));
    }
    // The same budgets as API Gateway: a refused connection or a 5xx ends
    // after `max_retries`, only throttling waits out the patient budget.
    // Without them GetCallerIdentity against an endpoint that is down kept
    // ConfigureProvider busy for minutes before saying so.
    b = b
        .retry_config(transport::retry_config(s.max_retries))
        .retry_partition(transport::retry_partition())
        .retry_classifier(transport::Throttled429)
        .interceptor(transport::RetryBudget {
            max_retries: s.max_retries,
        });
    aws_sdk_sts::Client::from_conf(b.build())
}

async fn build_sdk(
    s: &Settings,
    credentials: Option<SharedCredentialsProvider>,
    limiter: Arc<RateLimiter>,
) -> Sdk {
    let loaded = load(s, credentials).await;
    let chain = loaded.credentials.clone();
    finish(s, &loaded, chain, limiter)
}

fn finish(
    s: &Settings,
    loaded: &Loaded,
    credentials: Option<SharedCredentialsProvider>,
    limiter: Arc<RateLimiter>,
) -> Sdk {
    let base = &loaded.base;
    let mut conf = aws_sdk_apigateway::config::Builder::from(base);
    conf.set_credentials_provider(credentials);
    let direct = s.endpoint.as_deref().is_some_and(is_loopback);
    if let Some(endpoint) = &s.endpoint {
        conf = conf.endpoint_url(endpoint.clone());
    }
    conf = conf
        .retry_config(transport::retry_config(s.max_retries))
        .http_client(transport::Limited::wrap(
            transport::https_client(!direct),
            limiter,
        ))
        .retry_partition(transport::retry_partition())
        .retry_classifier(transport::Throttled429)
        .interceptor(transport::RetryBudget {
            max_retries: s.max_retries,
        });
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
        errors: ErrorContext {
            endpoint,
            operation_timeout: s.operation_timeout,
            attempt_timeout: s.operation_attempt_timeout,
            max_retries: s.max_retries,
        },
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
            .map(|t| {
                t.iter()
                    .filter(|(k, _)| !k.starts_with(MARK_PREFIX))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        mark: Mark {
            series: tags.and_then(|t| t.get(SERIES_TAG).cloned()),
            attempt: tags.and_then(|t| t.get(ATTEMPT_TAG).cloned()),
        },
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
