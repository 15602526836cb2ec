//! The emulator's stored objects and their AWS JSON views.
//!
//! Stored records are what the state file holds (private keys included); the
//! `*_json` views are what the API returns (never a private key).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CertRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pem: String,
    /// PKCS#8 PEM of the private key; never leaves the emulator through the API.
    pub key_pem: String,
    pub created: i64,
    pub expires: i64,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stage {
    pub name: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_id: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    pub created: i64,
    pub last_updated: i64,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub created: i64,
    pub endpoint_types: Vec<String>,
    pub api_key_source: String,
    pub root_resource_id: String,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub deployments: BTreeMap<String, Deployment>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
}

/// What one region of the account holds. AWS keeps regions apart: a certificate
/// created in one region is unknown in every other.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Inventory {
    #[serde(default)]
    pub certificates: BTreeMap<String, CertRecord>,
    #[serde(default)]
    pub rest_apis: BTreeMap<String, RestApi>,
}

impl Inventory {
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty() && self.rest_apis.is_empty()
    }
}

/// Everything the emulator knows about its account: one inventory per region,
/// keyed by the region a request's SigV4 credential scope names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Store {
    #[serde(default)]
    pub regions: BTreeMap<String, Inventory>,
}

fn tags_json(tags: &Tags) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn put_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), Value::String(v.clone()));
    }
}

impl CertRecord {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("clientCertificateId".into(), json!(self.id));
        put_opt(&mut m, "description", &self.description);
        m.insert("pemEncodedCertificate".into(), json!(self.pem));
        m.insert("createdDate".into(), json!(self.created));
        m.insert("expirationDate".into(), json!(self.expires));
        if !self.tags.is_empty() {
            m.insert("tags".into(), tags_json(&self.tags));
        }
        Value::Object(m)
    }
}

impl Deployment {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        put_opt(&mut m, "description", &self.description);
        m.insert("createdDate".into(), json!(self.created));
        Value::Object(m)
    }
}

impl Stage {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("deploymentId".into(), json!(self.deployment_id));
        if let Some(id) = &self.client_certificate_id {
            m.insert("clientCertificateId".into(), json!(id));
        }
        m.insert("stageName".into(), json!(self.name));
        put_opt(&mut m, "description", &self.description);
        m.insert(
            "cacheClusterEnabled".into(),
            json!(self.cache_cluster_enabled),
        );
        m.insert("cacheClusterStatus".into(), json!("NOT_AVAILABLE"));
        m.insert("methodSettings".into(), json!({}));
        if !self.variables.is_empty() {
            m.insert("variables".into(), tags_json(&self.variables));
        }
        m.insert("tracingEnabled".into(), json!(self.tracing_enabled));
        if !self.tags.is_empty() {
            m.insert("tags".into(), tags_json(&self.tags));
        }
        m.insert("createdDate".into(), json!(self.created));
        m.insert("lastUpdatedDate".into(), json!(self.last_updated));
        Value::Object(m)
    }
}

impl RestApi {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("name".into(), json!(self.name));
        put_opt(&mut m, "description", &self.description);
        put_opt(&mut m, "version", &self.version);
        m.insert("createdDate".into(), json!(self.created));
        m.insert("apiKeySource".into(), json!(self.api_key_source));
        m.insert(
            "endpointConfiguration".into(),
            json!({ "types": self.endpoint_types }),
        );
        if !self.tags.is_empty() {
            m.insert("tags".into(), tags_json(&self.tags));
        }
        m.insert(
            "disableExecuteApiEndpoint".into(),
            json!(self.disable_execute_api_endpoint),
        );
        m.insert("rootResourceId".into(), json!(self.root_resource_id));
        Value::Object(m)
    }
}

impl Store {
    /// The inventory of `region` (empty when nothing was ever created there).
    pub fn region(&self, region: &str) -> &Inventory {
        static EMPTY: std::sync::OnceLock<Inventory> = std::sync::OnceLock::new();
        self.regions
            .get(region)
            .unwrap_or_else(|| EMPTY.get_or_init(Inventory::default))
    }

    /// Every certificate of every region.
    pub fn all_certificates(&self) -> impl Iterator<Item = &CertRecord> {
        self.regions
            .values()
            .flat_map(|inv| inv.certificates.values())
    }

    /// The admin `state` dump: every object as the API shows it (so without private
    /// keys), stages and deployments nested in their API, each object with its
    /// `region`. The lists span all regions; `regions` names those holding anything.
    pub fn dump(&self) -> Value {
        let with_region = |mut v: Value, region: &str| {
            if let Value::Object(m) = &mut v {
                m.insert("region".into(), json!(region));
            }
            v
        };
        let mut certs = Vec::new();
        let mut apis = Vec::new();
        for (region, inv) in &self.regions {
            for c in inv.certificates.values() {
                certs.push(with_region(c.to_json(), region));
            }
            for api in inv.rest_apis.values() {
                let mut v = with_region(api.to_json(), region);
                if let Value::Object(m) = &mut v {
                    m.insert(
                        "deployments".into(),
                        Value::Array(api.deployments.values().map(Deployment::to_json).collect()),
                    );
                    m.insert(
                        "stages".into(),
                        Value::Array(api.stages.values().map(Stage::to_json).collect()),
                    );
                }
                apis.push(v);
            }
        }
        let regions: Vec<&String> = self.regions.keys().collect();
        json!({ "regions": regions, "clientCertificates": certs, "restApis": apis })
    }
}
