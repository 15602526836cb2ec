//! apigw-emulator: a local AWS API Gateway.
//!
//! It speaks the REST-JSON wire format of AWS for client certificates, REST APIs,
//! resources, methods, integrations, deployments, stages and tags, checks SigV4
//! signatures, issues real self-signed X.509 certificates, keeps one inventory per
//! signing region, serves a data plane that calls HTTP_PROXY integrations with the
//! stage's client certificate (mutual TLS), and adds an unsigned admin API under
//! `/_emulator/` for tests (time travel, fault injection, call counters, request log).
//!
//! ```no_run
//! # async fn demo() -> Result<(), apigw_emulator::EmulatorError> {
//! let emulator = apigw_emulator::spawn(apigw_emulator::Config::default()).await?;
//! println!("endpoint: {}", emulator.url());
//! emulator.age(310 * 86_400);
//! # Ok(()) }
//! ```

mod admin;
mod api;
mod awserr;
mod certs;
mod control;
mod dataplane;
mod model;
mod persist;
mod server;
pub mod sigv4;
mod sts;
pub mod testing;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

pub use awserr::AwsError;
pub use certs::CertError;
pub use control::{FaultSpec, Invocation, RequestRecord, Throttle};
pub use dataplane::certificate_sha256;
pub use model::{CertRecord, Deployment, Inventory, RestApi, Stage, Store, Tags};
pub use persist::StateFileError;
pub use server::{Handle, serve, spawn};

use control::Control;

/// Default certificate validity: 365 days, like AWS.
pub const DEFAULT_CERT_VALIDITY_SECS: u64 = 365 * 86_400;
/// The account the emulator's one IAM user belongs to (GetCallerIdentity).
pub const ACCOUNT_ID: &str = "000000000000";

/// The region of objects created without a signed request (the admin API and
/// [`Emulator::generate_certificate`]), and of state files written before regions
/// were kept apart.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Default quota of client certificates per account and region, like AWS.
pub const DEFAULT_MAX_CLIENT_CERTIFICATES: usize = 60;

/// Emulator settings. Build with `Config::default()` and set the fields you need.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`spawn` and the binary); default 127.0.0.1:0.
    pub listen: SocketAddr,
    /// Validity of generated certificates, in seconds.
    pub cert_validity_secs: u64,
    /// LimitExceededException once this many certificates exist.
    pub max_client_certificates: usize,
    /// The only access key id accepted in SigV4 signatures.
    pub access_key: String,
    /// The secret that signatures are checked against.
    pub secret_key: String,
    /// Throttling of control-plane calls; `None` (default) means unlimited.
    pub throttle: Option<Throttle>,
    /// Where the state survives restarts. Honoured by [`Emulator::open`] and
    /// [`spawn`]; [`app`] builds an in-memory emulator and ignores it.
    pub state_file: Option<PathBuf>,
    /// PEM files of the CAs that backends' server certificates are verified against
    /// (`--backend-ca`); none trusted when empty.
    pub backend_ca: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            cert_validity_secs: DEFAULT_CERT_VALIDITY_SECS,
            max_client_certificates: DEFAULT_MAX_CLIENT_CERTIFICATES,
            access_key: "test".to_owned(),
            secret_key: "test".to_owned(),
            throttle: None,
            state_file: None,
            backend_ca: Vec::new(),
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(transparent)]
    StateFile(#[from] StateFileError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// The emulator's shared state; cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Mutex<Store>,
    control: Mutex<Control>,
    backend_roots: Arc<rustls::RootCertStore>,
}

/// Unix time now, in seconds.
pub(crate) fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

/// The emulator's one read of the wall clock. Its time travel (`age`) moves
/// stored dates into the past instead of moving this clock.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `len` random characters from `[a-z0-9]`, the alphabet of AWS resource ids.
pub(crate) fn random_id(len: usize) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // The system RNG failing is not a reason to stop serving; ids only need to be
        // unique, which the callers check.
        let seed = now_ms().unsigned_abs();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 8) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the store half-changed (every change
    // is validated before it is applied), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// X.509 dates run from year 1 to year 9999 (UTC, epoch seconds).
const FIRST_X509_SECOND: i64 = -62_135_596_800;
const LAST_X509_SECOND: i64 = 253_402_300_799;
/// The longest `--cert-validity`: 100 years (AWS issues 365 days).
const MAX_CERT_VALIDITY_SECS: u64 = 100 * 365 * 86_400;

fn validate_config(config: &Config) -> Result<(), EmulatorError> {
    if config.cert_validity_secs == 0 {
        return Err(EmulatorError::Config(
            "certificate validity must be longer than 0 seconds".to_owned(),
        ));
    }
    if config.cert_validity_secs > MAX_CERT_VALIDITY_SECS {
        return Err(EmulatorError::Config(format!(
            "certificate validity of {} seconds is longer than the 100 years allowed",
            config.cert_validity_secs
        )));
    }
    if let Some(t) = &config.throttle {
        t.validate().map_err(EmulatorError::Config)?;
    }
    Ok(())
}

impl Emulator {
    /// An emulator with an empty in-memory store (the state file is not read).
    /// An unreadable `backend_ca` file is logged and leaves no backend trusted;
    /// [`Emulator::open`] reports it instead.
    pub fn in_memory(config: Config) -> Self {
        let roots = dataplane::load_backend_roots(&config.backend_ca).unwrap_or_else(|e| {
            tracing::error!(error = %e, "no backend CA trusted");
            rustls::RootCertStore::empty()
        });
        Self::with_store(config, Store::default(), roots)
    }

    /// An emulator that loads `config.state_file` (if set) and writes it after every
    /// change. A corrupt file is an error, never silently replaced.
    pub fn open(config: Config) -> Result<Self, EmulatorError> {
        validate_config(&config)?;
        let roots =
            dataplane::load_backend_roots(&config.backend_ca).map_err(EmulatorError::Config)?;
        let store = match &config.state_file {
            Some(path) => {
                let store = persist::load(path)?;
                // Written at once: an unwritable location stops start-up here
                // rather than losing the first change.
                persist::save(path, &store)?;
                store
            }
            None => Store::default(),
        };
        Ok(Self::with_store(config, store, roots))
    }

    fn with_store(config: Config, store: Store, roots: rustls::RootCertStore) -> Self {
        let control = Control::new(config.throttle);
        Self {
            inner: Arc::new(Inner {
                config,
                store: Mutex::new(store),
                control: Mutex::new(control),
                backend_roots: Arc::new(roots),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The axum router serving the AWS API and the admin API.
    pub fn router(&self) -> axum::Router {
        api::router(self.clone())
    }

    pub(crate) fn backend_roots(&self) -> Arc<rustls::RootCertStore> {
        Arc::clone(&self.inner.backend_roots)
    }

    pub(crate) fn control(&self) -> MutexGuard<'_, Control> {
        lock(&self.inner.control)
    }

    /// Reads the store.
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&lock(&self.inner.store))
    }

    /// Changes the store and persists it. `f` must validate before it changes anything:
    /// on `Err` the store is left as it was and nothing is written. If the state file
    /// cannot be written, the change is undone and the caller gets a 503: a change
    /// acknowledged but lost at the next restart would be worse.
    pub(crate) fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, AwsError>,
    ) -> Result<R, AwsError> {
        let mut store = lock(&self.inner.store);
        let Some(path) = &self.inner.config.state_file else {
            return f(&mut store);
        };
        let before = store.clone();
        let r = f(&mut store)?;
        if let Err(e) = persist::save(path, &store) {
            tracing::error!(error = %e, "state not persisted; change undone");
            *store = before;
            return Err(AwsError::new(
                503,
                "ServiceUnavailableException",
                format!("The emulator could not write its state file, so nothing changed: {e}"),
            ));
        }
        Ok(r)
    }

    /// Reads one region's inventory (empty when nothing was created there).
    pub fn read_region<R>(&self, region: &str, f: impl FnOnce(&Inventory) -> R) -> R {
        self.read(|s| f(s.region(region)))
    }

    /// Changes one region's inventory, like [`Emulator::mutate`]. A region left
    /// empty is dropped, so failed or read-only requests leave no trace.
    pub(crate) fn mutate_region<R>(
        &self,
        region: &str,
        f: impl FnOnce(&mut Inventory) -> Result<R, AwsError>,
    ) -> Result<R, AwsError> {
        self.mutate(|s| {
            let inventory = s.regions.entry(region.to_owned()).or_default();
            let r = f(inventory);
            if s.regions.get(region).is_some_and(Inventory::is_empty) {
                s.regions.remove(region);
            }
            r
        })
    }

    /// Moves every certificate's dates `seconds` into the past (negative: into the
    /// future) and signs each certificate again so its PEM keeps matching its dates.
    /// Returns how many certificates moved.
    pub fn age(&self, seconds: i64) -> Result<usize, AwsError> {
        self.age_certificates(seconds, None)
    }

    /// Like [`Emulator::age`], for the named certificates only (all when `None`).
    /// An unknown id is a `NotFoundException` and nothing moves.
    pub fn age_certificates(
        &self,
        seconds: i64,
        ids: Option<&[String]>,
    ) -> Result<usize, AwsError> {
        self.mutate(|store| {
            if let Some(ids) = ids
                && let Some(missing) = ids
                    .iter()
                    .find(|id| !store.all_certificates().any(|c| c.id == **id))
            {
                return Err(AwsError::not_found(format!(
                    "Invalid Client Certificate identifier specified: {missing}"
                )));
            }
            let mut updated = Vec::new();
            for (region, cert) in store
                .regions
                .iter()
                .flat_map(|(r, inv)| inv.certificates.values().map(move |c| (r, c)))
            {
                if ids.is_some_and(|ids| !ids.contains(&cert.id)) {
                    continue;
                }
                let created = cert.created.checked_sub(seconds);
                let expires = cert.expires.checked_sub(seconds);
                let in_range = |t: i64| (FIRST_X509_SECOND..=LAST_X509_SECOND).contains(&t);
                let (Some(created), Some(expires)) = (created, expires) else {
                    return Err(AwsError::bad_request(format!(
                        "aging by {seconds} seconds overflows the dates of {}",
                        cert.id
                    )));
                };
                if !(in_range(created) && in_range(expires)) {
                    return Err(AwsError::bad_request(format!(
                        "aging by {seconds} seconds moves the dates of {} outside the years 1 \
                         to 9999 that certificates can carry",
                        cert.id
                    )));
                }
                let pem = certs::reissue(&cert.id, &cert.key_pem, created, expires)
                    .map_err(|e| AwsError::bad_request(format!("cannot age: {e}")))?;
                updated.push((region.clone(), cert.id.clone(), created, expires, pem));
            }
            let n = updated.len();
            for (region, id, created, expires, pem) in updated {
                if let Some(c) = store
                    .regions
                    .get_mut(&region)
                    .and_then(|inv| inv.certificates.get_mut(&id))
                {
                    c.created = created;
                    c.expires = expires;
                    c.pem = pem;
                }
            }
            Ok(n)
        })
    }

    /// Generates a client certificate in [`DEFAULT_REGION`] exactly as
    /// `GenerateClientCertificate` does.
    pub fn generate_certificate(
        &self,
        description: Option<String>,
        tags: Tags,
    ) -> Result<CertRecord, AwsError> {
        api::generate_certificate(self, DEFAULT_REGION, description, tags)
    }

    /// Generates a client certificate in `region`.
    pub fn generate_certificate_in(
        &self,
        region: &str,
        description: Option<String>,
        tags: Tags,
    ) -> Result<CertRecord, AwsError> {
        api::generate_certificate(self, region, description, tags)
    }

    /// Every certificate of every region, as stored (private keys included).
    pub fn certificates(&self) -> Vec<CertRecord> {
        self.read(|s| s.all_certificates().cloned().collect())
    }

    /// The certificates of one region.
    pub fn certificates_in(&self, region: &str) -> Vec<CertRecord> {
        self.read_region(region, |inv| inv.certificates.values().cloned().collect())
    }

    /// Per-operation request counts (every request, retries and failures included).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.control().calls().clone()
    }

    /// Requests for one operation.
    pub fn call_count(&self, operation: &str) -> u64 {
        self.control().calls().get(operation).copied().unwrap_or(0)
    }

    /// The ordered request log.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.control().requests()
    }

    /// Everything stored, as the admin `state` endpoint shows it.
    pub fn state_json(&self) -> serde_json::Value {
        self.read(Store::dump)
    }

    /// Arms a fault.
    pub fn add_fault(&self, fault: FaultSpec) -> Result<(), String> {
        fault.validate()?;
        self.control().add_fault(fault);
        Ok(())
    }

    pub fn clear_faults(&self) {
        self.control().clear_faults();
    }

    /// Turns throttling on (`Some`) or off (`None`) at runtime.
    pub fn set_throttle(&self, throttle: Option<Throttle>) -> Result<(), String> {
        if let Some(t) = &throttle {
            t.validate()?;
        }
        self.control().set_throttle(throttle);
        Ok(())
    }

    /// Empties the store and the counters, log and faults; throttling returns to the
    /// start-up setting.
    /// Fails, changing nothing, only when the state file cannot be written.
    pub fn reset(&self) -> Result<(), AwsError> {
        self.mutate(|store| {
            *store = Store::default();
            Ok(())
        })?;
        self.control().reset();
        Ok(())
    }
}

/// The router of a fresh in-memory emulator (for tests that drive axum directly).
/// `config.state_file` is ignored here; use [`Emulator::open`] or [`spawn`] for it.
pub fn app(config: Config) -> axum::Router {
    Emulator::in_memory(config).router()
}
