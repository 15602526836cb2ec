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
    /// The API's resources, methods and integrations when it was deployed: a stage
    /// serves this snapshot, so later changes need a new deployment, as in AWS.
    #[serde(default)]
    pub resources: BTreeMap<String, ApiResource>,
}

/// A path of a REST API (`/`, `/pets`, `/pets/{id}`, `/{proxy+}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiResource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Absent for the root resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    /// Keyed by HTTP method (`GET`, ..., `ANY`).
    #[serde(default)]
    pub methods: BTreeMap<String, ApiMethod>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiMethod {
    pub http_method: String,
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    pub request_models: BTreeMap<String, String>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Integration {
    /// `HTTP`, `HTTP_PROXY`, `AWS`, `AWS_PROXY` or `MOCK`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub connection_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passthrough_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: u64,
    pub cache_namespace: String,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verification: Option<bool>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
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
    #[serde(default)]
    pub resources: BTreeMap<String, ApiResource>,
}

impl RestApi {
    /// Adds the root resource when missing (APIs stored before resources existed).
    pub fn ensure_root(&mut self) {
        self.resources
            .entry(self.root_resource_id.clone())
            .or_insert_with(|| ApiResource {
                id: self.root_resource_id.clone(),
                parent_id: None,
                path_part: None,
                path: "/".to_owned(),
                methods: BTreeMap::new(),
            });
    }
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
        let mut summary = Map::new();
        for r in self.resources.values() {
            if r.methods.is_empty() {
                continue;
            }
            let methods: Map<String, Value> = r
                .methods
                .iter()
                .map(|(k, m)| {
                    (
                        k.clone(),
                        json!({
                            "authorizationType": m.authorization_type,
                            "apiKeyRequired": m.api_key_required,
                        }),
                    )
                })
                .collect();
            summary.insert(r.path.clone(), Value::Object(methods));
        }
        m.insert("apiSummary".into(), Value::Object(summary));
        Value::Object(m)
    }
}

fn bool_map_json(map: &BTreeMap<String, bool>) -> Value {
    Value::Object(map.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

impl ApiResource {
    /// `embed_methods`: whole methods (GetResources `?embed=methods`) rather than the
    /// empty objects AWS lists by default.
    pub fn to_json(&self, embed_methods: bool) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        put_opt(&mut m, "parentId", &self.parent_id);
        put_opt(&mut m, "pathPart", &self.path_part);
        m.insert("path".into(), json!(self.path));
        if !self.methods.is_empty() {
            let methods: Map<String, Value> = self
                .methods
                .iter()
                .map(|(k, meth)| {
                    let v = if embed_methods {
                        meth.to_json()
                    } else {
                        json!({})
                    };
                    (k.clone(), v)
                })
                .collect();
            m.insert("resourceMethods".into(), Value::Object(methods));
        }
        Value::Object(m)
    }
}

impl ApiMethod {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("httpMethod".into(), json!(self.http_method));
        m.insert("authorizationType".into(), json!(self.authorization_type));
        put_opt(&mut m, "authorizerId", &self.authorizer_id);
        m.insert("apiKeyRequired".into(), json!(self.api_key_required));
        put_opt(&mut m, "operationName", &self.operation_name);
        put_opt(&mut m, "requestValidatorId", &self.request_validator_id);
        if !self.request_parameters.is_empty() {
            m.insert(
                "requestParameters".into(),
                bool_map_json(&self.request_parameters),
            );
        }
        if !self.request_models.is_empty() {
            m.insert("requestModels".into(), tags_json(&self.request_models));
        }
        if !self.authorization_scopes.is_empty() {
            m.insert(
                "authorizationScopes".into(),
                json!(self.authorization_scopes),
            );
        }
        if let Some(i) = &self.integration {
            m.insert("methodIntegration".into(), i.to_json());
        }
        Value::Object(m)
    }
}

impl Integration {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind));
        put_opt(&mut m, "httpMethod", &self.http_method);
        put_opt(&mut m, "uri", &self.uri);
        m.insert("connectionType".into(), json!(self.connection_type));
        put_opt(&mut m, "connectionId", &self.connection_id);
        put_opt(&mut m, "credentials", &self.credentials);
        if !self.request_parameters.is_empty() {
            m.insert(
                "requestParameters".into(),
                tags_json(&self.request_parameters),
            );
        }
        if !self.request_templates.is_empty() {
            m.insert(
                "requestTemplates".into(),
                tags_json(&self.request_templates),
            );
        }
        put_opt(&mut m, "passthroughBehavior", &self.passthrough_behavior);
        put_opt(&mut m, "contentHandling", &self.content_handling);
        m.insert("timeoutInMillis".into(), json!(self.timeout_in_millis));
        m.insert("cacheNamespace".into(), json!(self.cache_namespace));
        m.insert(
            "cacheKeyParameters".into(),
            json!(self.cache_key_parameters),
        );
        if let Some(skip) = self.insecure_skip_verification {
            m.insert(
                "tlsConfig".into(),
                json!({ "insecureSkipVerification": skip }),
            );
        }
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
        if let Some(size) = &self.cache_cluster_size {
            m.insert("cacheClusterSize".into(), json!(size));
        }
        // No cache is ever provisioned; AWS reports AVAILABLE once one is, and
        // clients wait for that after enabling it.
        m.insert(
            "cacheClusterStatus".into(),
            json!(if self.cache_cluster_enabled {
                "AVAILABLE"
            } else {
                "NOT_AVAILABLE"
            }),
        );
        put_opt(&mut m, "documentationVersion", &self.documentation_version);
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
