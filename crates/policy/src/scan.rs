//! `apigw-policy scan`: the live inventory of every region asked for, read through the
//! AWS SDK (read-only: only Get* calls), turned into a state-like [`Document`] so the
//! rules that make sense live run unchanged, plus the facts only a live scan has
//! (which certificates no stage presents, and the per-region quota).
//!
//! The SDK client is configured as the provider configures its own: the standard
//! credential chain (with `--profile`), `--endpoint` or `AWS_ENDPOINT_URL_API_GATEWAY`
//! / `AWS_ENDPOINT_URL`, loopback endpoints reached without the environment's proxy,
//! standard retries with backoff for throttling, and a client-side token bucket
//! in front of every call (API Gateway allows about 10 control-plane requests per
//! second per account and region).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_apigateway::config::Region;
use serde_json::{Value, json};
use terraform_provider_apigw::apigw::{RateLimiter, SERIES_TAG, direct_http_client, is_loopback};

use crate::address::ModuleLocation;
use crate::input::{Action, Attr, Attrs, Document, DocumentKind, KEPT_ATTRIBUTES, Kind, Resource};
use crate::remediation::Switch;

/// API Gateway's default quota of client certificates per account and region.
pub const DEFAULT_QUOTA: usize = 60;
/// The service maximum page size: a region at the quota is one GetClientCertificates.
const PAGE_LIMIT: i32 = 500;

/// The commercial regions API Gateway serves, for `--all-regions`.
pub const ALL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Empty: the region of the standard chain (AWS_REGION, profile).
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub endpoint: Option<String>,
    /// Requests per second (all regions together); 0 turns the limiter off.
    pub rate_limit_rps: f64,
    pub rate_limit_burst: u32,
    /// Attempts per call, throttled retries included.
    pub max_attempts: u32,
    /// Print progress lines on stderr.
    pub progress: bool,
}

impl Default for ScanSettings {
    fn default() -> Self {
        ScanSettings {
            regions: Vec::new(),
            profile: None,
            endpoint: None,
            rate_limit_rps: 10.0,
            rate_limit_burst: 20,
            max_attempts: 10,
            progress: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveCertificate {
    pub id: String,
    pub description: Option<String>,
    pub created: i64,
    pub expires: i64,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveStage {
    pub rest_api_id: String,
    pub rest_api_name: String,
    pub stage_name: String,
    pub client_certificate_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `lastUpdatedDate` (unix seconds).
    pub last_updated: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegionInventory {
    pub region: String,
    pub certificates: Vec<LiveCertificate>,
    pub stages: Vec<LiveStage>,
}

/// What a live scan knows beyond the resources: per region, the quota and which
/// certificates no stage presents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveFacts {
    pub regions: Vec<RegionFacts>,
    /// API calls made, per operation (retries not counted; see the emulator's or
    /// CloudTrail's figures for attempts).
    pub calls: BTreeMap<String, u64>,
    /// Replacements within provider-marked series, for the remediation-time KPI.
    pub switches: Vec<Switch>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegionFacts {
    pub region: String,
    pub certificates: usize,
    pub stages: usize,
    pub quota: usize,
    /// (resource address, certificate ID) of certificates no stage presents.
    pub unused: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{region}: {operation} failed: {message}")]
    Call {
        region: String,
        operation: &'static str,
        message: String,
    },
    #[error(
        "no region: pass --region (repeatable) or --all-regions, or set AWS_REGION or a profile's region"
    )]
    NoRegion,
    #[error("--region {0:?} is not a region name (expected e.g. \"eu-west-1\")")]
    BadRegion(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

pub fn is_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// The certificate's address in findings and exceptions: its ARN.
pub fn certificate_address(region: &str, id: &str) -> String {
    format!("arn:aws:apigateway:{region}::/clientcertificates/{id}")
}

pub fn stage_address(region: &str, api: &str, stage: &str) -> String {
    format!("arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}")
}

/// Reads every region's inventory (blocking: runs its own runtime).
pub fn scan(
    settings: &ScanSettings,
) -> Result<(Vec<RegionInventory>, BTreeMap<String, u64>), ScanError> {
    for r in &settings.regions {
        if !is_region(r) {
            return Err(ScanError::BadRegion(r.clone()));
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ScanError::Runtime)?;
    rt.block_on(scan_async(settings))
}

struct Counter(HashMap<&'static str, AtomicU64>);

impl Counter {
    fn add(&mut self, op: &'static str) {
        self.0
            .entry(op)
            .or_insert_with(|| AtomicU64::new(0))
            .fetch_add(1, Ordering::Relaxed);
    }
}

async fn scan_async(
    s: &ScanSettings,
) -> Result<(Vec<RegionInventory>, BTreeMap<String, u64>), ScanError> {
    let limiter = RateLimiter::new(s.rate_limit_rps, s.rate_limit_burst);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            // Standard mode retries throttling (TooManyRequestsException), 5xx and
            // connection errors with jittered exponential backoff.
            RetryConfig::standard()
                .with_max_attempts(s.max_attempts.max(1))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(300))
                .operation_attempt_timeout(Duration::from_secs(20))
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    let base = loader.load().await;
    let regions: Vec<String> = if s.regions.is_empty() {
        vec![
            base.region()
                .map(|r| r.as_ref().to_string())
                .ok_or(ScanError::NoRegion)?,
        ]
    } else {
        s.regions.clone()
    };
    let endpoint = s.endpoint.clone().or_else(|| {
        ["AWS_ENDPOINT_URL_API_GATEWAY", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|x| !x.trim().is_empty()))
    });
    let mut counter = Counter(HashMap::new());
    let mut out = Vec::new();
    for (n, region) in regions.iter().enumerate() {
        let mut conf =
            aws_sdk_apigateway::config::Builder::from(&base).region(Region::new(region.clone()));
        if let Some(e) = &endpoint {
            conf = conf.endpoint_url(e.clone());
            if is_loopback(e) {
                conf = conf.http_client(direct_http_client());
            }
        }
        let client = aws_sdk_apigateway::Client::from_conf(conf.build());
        let inv = scan_region(
            &client,
            region,
            &limiter,
            &mut counter,
            s.progress,
            (n + 1, regions.len()),
        )
        .await?;
        out.push(inv);
    }
    let calls = counter
        .0
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_inner()))
        .collect();
    Ok((out, calls))
}

fn fail<E: std::error::Error + 'static>(region: &str, operation: &'static str, e: E) -> ScanError {
    ScanError::Call {
        region: region.to_string(),
        operation,
        message: aws_sdk_apigateway::error::DisplayErrorContext(e).to_string(),
    }
}

async fn scan_region(
    client: &aws_sdk_apigateway::Client,
    region: &str,
    limiter: &RateLimiter,
    counter: &mut Counter,
    progress: bool,
    (n, total): (usize, usize),
) -> Result<RegionInventory, ScanError> {
    let say = |msg: String| {
        if progress {
            eprintln!("apigw-policy scan: [{n}/{total}] {region}: {msg}");
        }
    };
    let mut certificates = Vec::new();
    let mut position: Option<String> = None;
    loop {
        limiter.acquire().await;
        counter.add("GetClientCertificates");
        let page = client
            .get_client_certificates()
            .limit(PAGE_LIMIT)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| fail(region, "GetClientCertificates", e))?;
        for c in page.items() {
            certificates.push(LiveCertificate {
                id: c.client_certificate_id().unwrap_or_default().to_string(),
                description: c.description().map(str::to_string),
                created: c.created_date().map_or(0, |d| d.secs()),
                expires: c.expiration_date().map_or(0, |d| d.secs()),
                tags: c
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            });
        }
        match page.position() {
            // A service repeating the token would loop forever; stop instead.
            Some(p) if !p.is_empty() && Some(p) != position.as_deref() => {
                position = Some(p.to_string())
            }
            _ => break,
        }
    }
    say(format!("{} client certificates", certificates.len()));
    let mut apis: Vec<(String, String)> = Vec::new();
    let mut position: Option<String> = None;
    loop {
        limiter.acquire().await;
        counter.add("GetRestApis");
        let page = client
            .get_rest_apis()
            .limit(PAGE_LIMIT)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| fail(region, "GetRestApis", e))?;
        apis.extend(page.items().iter().filter_map(|a| {
            a.id()
                .map(|id| (id.to_string(), a.name().unwrap_or_default().to_string()))
        }));
        match page.position() {
            Some(p) if !p.is_empty() && Some(p) != position.as_deref() => {
                position = Some(p.to_string())
            }
            _ => break,
        }
    }
    let mut stages = Vec::new();
    for (i, (api_id, api_name)) in apis.iter().enumerate() {
        limiter.acquire().await;
        counter.add("GetStages");
        let out = match client.get_stages().rest_api_id(api_id).send().await {
            Ok(out) => out,
            // Deleted between the two calls: it has no stages any more.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_not_found_exception()) =>
            {
                continue;
            }
            Err(e) => return Err(fail(region, "GetStages", e)),
        };
        stages.extend(out.item().iter().map(|st| {
            LiveStage {
                rest_api_id: api_id.clone(),
                rest_api_name: api_name.clone(),
                stage_name: st.stage_name().unwrap_or_default().to_string(),
                client_certificate_id: st
                    .client_certificate_id()
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
                tags: st
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                last_updated: st.last_updated_date().map(|d| d.secs()),
            }
        }));
        if (i + 1) % 25 == 0 && i + 1 < apis.len() {
            say(format!("stages of {}/{} REST APIs read", i + 1, apis.len()));
        }
    }
    say(format!("{} REST APIs, {} stages", apis.len(), stages.len()));
    Ok(RegionInventory {
        region: region.to_string(),
        certificates,
        stages,
    })
}

fn attrs(values: Value) -> Attrs {
    let mut m = BTreeMap::new();
    if let Value::Object(o) = values {
        for (k, v) in o {
            if let Some(name) = KEPT_ATTRIBUTES.iter().find(|a| **a == k) {
                m.insert(*name, Attr::Known(v));
            }
        }
    }
    Attrs(m)
}

/// The inventory as a state document (resources addressed by ARN), plus the live facts.
pub fn document(inventory: &[RegionInventory], quota: usize) -> (Document, LiveFacts) {
    let mut resources = Vec::new();
    let mut facts = LiveFacts::default();
    for inv in inventory {
        let presented: std::collections::HashSet<&str> = inv
            .stages
            .iter()
            .filter_map(|s| s.client_certificate_id.as_deref())
            .collect();
        let mut unused = Vec::new();
        for c in &inv.certificates {
            let address = certificate_address(&inv.region, &c.id);
            if !presented.contains(c.id.as_str()) {
                unused.push((address.clone(), c.id.clone()));
            }
            let values = attrs(json!({
                "id": c.id,
                "created_date": rotation::format_rfc3339(c.created),
                "expiration_date": rotation::format_rfc3339(c.expires),
                "tags": c.tags,
                "tags_all": c.tags,
            }));
            resources.push(live_resource(address, Kind::AwsCertificate, &c.id, values));
        }
        for s in &inv.stages {
            let address = stage_address(&inv.region, &s.rest_api_id, &s.stage_name);
            let values = attrs(json!({
                "id": format!("ags-{}-{}", s.rest_api_id, s.stage_name),
                "rest_api_id": s.rest_api_id,
                "stage_name": s.stage_name,
                "client_certificate_id": s.client_certificate_id.clone().unwrap_or_default(),
                "tags": s.tags,
                "tags_all": s.tags,
            }));
            resources.push(live_resource(
                address,
                Kind::AwsStage,
                &s.stage_name,
                values,
            ));
        }
        facts.switches.extend(series_switches(inv));
        facts.regions.push(RegionFacts {
            region: inv.region.clone(),
            certificates: inv.certificates.len(),
            stages: inv.stages.len(),
            quota,
            unused,
        });
    }
    let doc = Document {
        kind: DocumentKind::State,
        format_version: "1.0".to_string(),
        terraform_version: None,
        resources,
        configuration: Vec::new(),
        module_inputs: Vec::new(),
        module_outputs: Vec::new(),
    };
    (doc, facts)
}

/// Replacements within each series the provider marks
/// (`terraform-provider-apigw:series`): of two consecutive certificates (by creation),
/// the older presented by no stage and the newer by at least one, the older was
/// replaced when the last of those stages was updated (never before the newer existed).
/// Certificates without the mark carry no link to their predecessor, so a live scan
/// cannot tell what they replaced.
pub fn series_switches(inv: &RegionInventory) -> Vec<Switch> {
    let mut presenting: HashMap<&str, Vec<Option<i64>>> = HashMap::new();
    for s in &inv.stages {
        if let Some(c) = s.client_certificate_id.as_deref() {
            presenting.entry(c).or_default().push(s.last_updated);
        }
    }
    let mut series: BTreeMap<&str, Vec<&LiveCertificate>> = BTreeMap::new();
    for c in &inv.certificates {
        if let Some(name) = c.tags.get(SERIES_TAG) {
            series.entry(name.as_str()).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (name, mut certs) in series {
        certs.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        for pair in certs.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            if presenting.contains_key(old.id.as_str()) {
                continue;
            }
            let Some(stages) = presenting.get(new.id.as_str()) else {
                continue;
            };
            let switched = stages
                .iter()
                .map(|t| t.unwrap_or(new.created))
                .max()
                .unwrap_or(new.created)
                .max(new.created);
            out.push(Switch {
                series: format!("{} series {name}", inv.region),
                certificate_id: old.id.clone(),
                replaced_by: Some(new.id.clone()),
                expires: old.expires,
                rotate_before: None,
                switched,
                source: "live (stage last updated)",
            });
        }
    }
    out
}

fn live_resource(address: String, kind: Kind, name: &str, values: Attrs) -> Resource {
    Resource {
        address,
        module: ModuleLocation::default(),
        kind,
        name: name.to_string(),
        index: None,
        deposed: None,
        action: Action::NoOp,
        before: Some(values.clone()),
        after: Some(values),
    }
}
