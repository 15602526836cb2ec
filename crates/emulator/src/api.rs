//! The AWS control-plane API: routing, the request pipeline (log, SigV4, throttling,
//! faults) and one handler per operation.
//!
//! Routing is done by hand on the raw path rather than with axum routes, because
//! every failure (unknown route, bad JSON, bad path parameter) must answer in the AWS
//! error shape, and SigV4 must see the path and body exactly as sent.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::awserr::AwsError;
use crate::model::{CertRecord, Deployment, Inventory, RestApi, Stage, Tags};
use crate::server::DropConnection;
use crate::{Emulator, certs, now_ms, now_secs, random_id};
use crate::{sigv4, sts};

const MAX_BODY: usize = 1024 * 1024;
const MAX_TAGS: usize = 50;
const CERT_ID_LEN: usize = 6;
const API_ID_LEN: usize = 10;
const DEPLOYMENT_ID_LEN: usize = 6;

pub(crate) fn router(emu: Emulator) -> Router {
    Router::new()
        .nest("/_emulator", crate::admin::router())
        .fallback(control_plane)
        .with_state(emu)
}

mod resources;

/// A method of a resource of a REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MethodKey {
    pub api: String,
    pub resource: String,
    pub http_method: String,
}

impl MethodKey {
    fn new(api: String, resource: String, http_method: String) -> Self {
        Self {
            api,
            resource,
            http_method,
        }
    }
}

/// A control-plane operation with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    GenerateClientCertificate,
    GetClientCertificates,
    GetClientCertificate(String),
    UpdateClientCertificate(String),
    DeleteClientCertificate(String),
    CreateRestApi,
    GetRestApis,
    GetRestApi(String),
    DeleteRestApi(String),
    CreateDeployment(String),
    GetDeployments(String),
    GetDeployment(String, String),
    DeleteDeployment(String, String),
    GetResources(String),
    GetResource(String, String),
    CreateResource(String, String),
    DeleteResource(String, String),
    PutMethod(MethodKey),
    GetMethod(MethodKey),
    DeleteMethod(MethodKey),
    TestInvokeMethod(MethodKey),
    PutIntegration(MethodKey),
    GetIntegration(MethodKey),
    DeleteIntegration(MethodKey),
    CreateStage(String),
    GetStages(String),
    GetStage(String, String),
    UpdateStage(String, String),
    DeleteStage(String, String),
    GetTags(String),
    TagResource(String),
    UntagResource(String),
    /// STS (query protocol, `POST /`): only GetCallerIdentity, so that a
    /// client's credential check and account guard work against the emulator.
    GetCallerIdentity,
    Unknown,
}

impl Route {
    fn operation(&self) -> &'static str {
        match self {
            Route::GenerateClientCertificate => "GenerateClientCertificate",
            Route::GetClientCertificates => "GetClientCertificates",
            Route::GetClientCertificate(_) => "GetClientCertificate",
            Route::UpdateClientCertificate(_) => "UpdateClientCertificate",
            Route::DeleteClientCertificate(_) => "DeleteClientCertificate",
            Route::CreateRestApi => "CreateRestApi",
            Route::GetRestApis => "GetRestApis",
            Route::GetRestApi(_) => "GetRestApi",
            Route::DeleteRestApi(_) => "DeleteRestApi",
            Route::CreateDeployment(_) => "CreateDeployment",
            Route::GetDeployments(_) => "GetDeployments",
            Route::GetDeployment(..) => "GetDeployment",
            Route::DeleteDeployment(..) => "DeleteDeployment",
            Route::GetResources(_) => "GetResources",
            Route::GetResource(..) => "GetResource",
            Route::CreateResource(..) => "CreateResource",
            Route::DeleteResource(..) => "DeleteResource",
            Route::PutMethod(_) => "PutMethod",
            Route::GetMethod(_) => "GetMethod",
            Route::DeleteMethod(_) => "DeleteMethod",
            Route::TestInvokeMethod(_) => "TestInvokeMethod",
            Route::PutIntegration(_) => "PutIntegration",
            Route::GetIntegration(_) => "GetIntegration",
            Route::DeleteIntegration(_) => "DeleteIntegration",
            Route::CreateStage(_) => "CreateStage",
            Route::GetStages(_) => "GetStages",
            Route::GetStage(..) => "GetStage",
            Route::UpdateStage(..) => "UpdateStage",
            Route::DeleteStage(..) => "DeleteStage",
            Route::GetTags(_) => "GetTags",
            Route::TagResource(_) => "TagResource",
            Route::UntagResource(_) => "UntagResource",
            Route::GetCallerIdentity => "GetCallerIdentity",
            Route::Unknown => "UnknownOperation",
        }
    }

    fn parse(method: &Method, raw_path: &str) -> Route {
        let trimmed = raw_path.strip_suffix('/').unwrap_or(raw_path);
        let segs: Vec<String> = trimmed
            .split('/')
            .skip(1)
            .map(|s| String::from_utf8_lossy(&sigv4::percent_decode(s, false)).into_owned())
            .collect();
        if segs.iter().any(String::is_empty) {
            return Route::Unknown;
        }
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let id = |i: usize| s[i].to_owned();
        match (method.as_str(), s.as_slice()) {
            ("POST", ["clientcertificates"]) => Route::GenerateClientCertificate,
            ("GET", ["clientcertificates"]) => Route::GetClientCertificates,
            ("GET", ["clientcertificates", _]) => Route::GetClientCertificate(id(1)),
            ("PATCH", ["clientcertificates", _]) => Route::UpdateClientCertificate(id(1)),
            ("DELETE", ["clientcertificates", _]) => Route::DeleteClientCertificate(id(1)),
            ("POST", ["restapis"]) => Route::CreateRestApi,
            ("GET", ["restapis"]) => Route::GetRestApis,
            ("GET", ["restapis", _]) => Route::GetRestApi(id(1)),
            ("DELETE", ["restapis", _]) => Route::DeleteRestApi(id(1)),
            ("POST", ["restapis", _, "deployments"]) => Route::CreateDeployment(id(1)),
            ("GET", ["restapis", _, "deployments"]) => Route::GetDeployments(id(1)),
            ("GET", ["restapis", _, "deployments", _]) => Route::GetDeployment(id(1), id(3)),
            ("DELETE", ["restapis", _, "deployments", _]) => Route::DeleteDeployment(id(1), id(3)),
            ("GET", ["restapis", _, "resources"]) => Route::GetResources(id(1)),
            ("GET", ["restapis", _, "resources", _]) => Route::GetResource(id(1), id(3)),
            ("POST", ["restapis", _, "resources", _]) => Route::CreateResource(id(1), id(3)),
            ("DELETE", ["restapis", _, "resources", _]) => Route::DeleteResource(id(1), id(3)),
            (m, ["restapis", _, "resources", _, "methods", _]) => {
                let key = MethodKey::new(id(1), id(3), id(5));
                match m {
                    "PUT" => Route::PutMethod(key),
                    "GET" => Route::GetMethod(key),
                    "DELETE" => Route::DeleteMethod(key),
                    "POST" => Route::TestInvokeMethod(key),
                    _ => Route::Unknown,
                }
            }
            (m, ["restapis", _, "resources", _, "methods", _, "integration"]) => {
                let key = MethodKey::new(id(1), id(3), id(5));
                match m {
                    "PUT" => Route::PutIntegration(key),
                    "GET" => Route::GetIntegration(key),
                    "DELETE" => Route::DeleteIntegration(key),
                    _ => Route::Unknown,
                }
            }
            ("POST", ["restapis", _, "stages"]) => Route::CreateStage(id(1)),
            ("GET", ["restapis", _, "stages"]) => Route::GetStages(id(1)),
            ("GET", ["restapis", _, "stages", _]) => Route::GetStage(id(1), id(3)),
            ("PATCH", ["restapis", _, "stages", _]) => Route::UpdateStage(id(1), id(3)),
            ("DELETE", ["restapis", _, "stages", _]) => Route::DeleteStage(id(1), id(3)),
            ("GET", ["tags", _]) => Route::GetTags(id(1)),
            ("PUT", ["tags", _]) => Route::TagResource(id(1)),
            ("DELETE", ["tags", _]) => Route::UntagResource(id(1)),
            ("POST", []) => Route::GetCallerIdentity,
            _ => Route::Unknown,
        }
    }
}

pub(crate) fn request_id() -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        bytes = now_ms()
            .to_le_bytes()
            .repeat(2)
            .try_into()
            .unwrap_or([0; 16]);
    }
    let r: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &r[..8],
        &r[8..12],
        &r[12..16],
        &r[16..20],
        &r[20..32]
    )
}

fn json_response(status: u16, body: Option<&Value>, request_id: &str) -> Response {
    let builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("x-amzn-RequestId", request_id);
    let built = match body {
        Some(v) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => builder.body(Body::empty()),
    };
    built.unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Every non-admin request comes here.
async fn control_plane(State(emu): State<Emulator>, req: Request) -> Response {
    if crate::dataplane::is_invocation(req.uri().path()) {
        return crate::dataplane::invoke(emu, req).await;
    }
    let (parts, body) = req.into_parts();
    let route = Route::parse(&parts.method, parts.uri.path());
    let op = route.operation();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let seq = emu
        .control()
        .record_arrival(op, parts.method.as_str(), &path_and_query, now_ms());
    let rid = request_id();
    let response = match pipeline(&emu, &route, &parts, body, seq).await {
        Ok(Outcome::Answer(status, value)) => json_response(status, value.as_ref(), &rid),
        Ok(Outcome::Xml(body)) => sts::response(200, body),
        Ok(Outcome::Drop) => {
            let mut r = Response::new(Body::empty());
            r.extensions_mut().insert(DropConnection);
            tracing::debug!(operation = op, "dropping connection (fault)");
            return r;
        }
        Err(e) if route == Route::GetCallerIdentity => {
            tracing::debug!(operation = op, error = %e, "request failed");
            sts::error(&e, &rid)
        }
        Err(e) => {
            tracing::debug!(operation = op, error = %e, "request failed");
            e.into_response(&rid)
        }
    };
    emu.control().record_status(seq, response.status().as_u16());
    response
}

enum Outcome {
    Answer(u16, Option<Value>),
    /// A 200 answer of the STS query protocol.
    Xml(String),
    Drop,
}

async fn pipeline(
    emu: &Emulator,
    route: &Route,
    parts: &axum::http::request::Parts,
    body: Body,
    seq: u64,
) -> Result<Outcome, AwsError> {
    let body: Bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        AwsError::bad_request(format!(
            "Request body unreadable or larger than {MAX_BODY} bytes"
        ))
    })?;
    let config = emu.config();
    let creds = sigv4::Credentials {
        access_key: &config.access_key,
        secret_key: &config.secret_key,
    };
    let service = if *route == Route::GetCallerIdentity {
        "sts"
    } else {
        "apigateway"
    };
    let verified = sigv4::verify_for(
        service,
        &creds,
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
        &body,
    )?;
    let plan = {
        let mut control = emu.control();
        if let Err(wait) = control.take_token() {
            let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
            return Err(AwsError::too_many_requests(ms));
        }
        control.plan_faults(route.operation())
    };
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if plan.drop_connection {
        return Ok(Outcome::Drop);
    }
    if let Some(err) = plan.error {
        return Err(err);
    }
    let query = parse_query(parts.uri.query());
    let ctx = Ctx {
        emu,
        query: &query,
        body: &body,
        region: &verified.region,
    };
    if *route == Route::GetCallerIdentity {
        return get_caller_identity(&ctx).map(Outcome::Xml);
    }
    let (status, value) = match route {
        Route::TestInvokeMethod(key) => resources::test_invoke_method(&ctx, key, seq).await?,
        _ => dispatch(&ctx, route)?,
    };
    Ok(Outcome::Answer(status, value))
}

struct Ctx<'a> {
    emu: &'a Emulator,
    query: &'a [(String, String)],
    body: &'a [u8],
    region: &'a str,
}

impl Ctx<'_> {
    fn read<R>(&self, f: impl FnOnce(&Inventory) -> R) -> R {
        self.emu.read_region(self.region, f)
    }

    fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Inventory) -> Result<R, AwsError>,
    ) -> Result<R, AwsError> {
        self.emu.mutate_region(self.region, f)
    }

    fn query_one(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn query_all(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The JSON object body (an empty body counts as `{}`).
    fn body_object(&self) -> Result<serde_json::Map<String, Value>, AwsError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_slice::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(AwsError::bad_request("Request body must be a JSON object")),
            Err(e) => Err(AwsError::bad_request(format!(
                "Could not parse request body into json: {e}"
            ))),
        }
    }
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                String::from_utf8_lossy(&sigv4::percent_decode(k, true)).into_owned(),
                String::from_utf8_lossy(&sigv4::percent_decode(v, true)).into_owned(),
            )
        })
        .collect()
}

type Answer = Result<(u16, Option<Value>), AwsError>;

fn dispatch(ctx: &Ctx<'_>, route: &Route) -> Answer {
    match route {
        Route::GenerateClientCertificate => generate_client_certificate(ctx),
        Route::GetClientCertificates => get_client_certificates(ctx),
        Route::GetClientCertificate(id) => get_client_certificate(ctx, id),
        Route::UpdateClientCertificate(id) => update_client_certificate(ctx, id),
        Route::DeleteClientCertificate(id) => delete_client_certificate(ctx, id),
        Route::CreateRestApi => create_rest_api(ctx),
        Route::GetRestApis => get_rest_apis(ctx),
        Route::GetRestApi(id) => get_rest_api(ctx, id),
        Route::DeleteRestApi(id) => delete_rest_api(ctx, id),
        Route::CreateDeployment(api) => create_deployment(ctx, api),
        Route::GetDeployments(api) => get_deployments(ctx, api),
        Route::GetDeployment(api, d) => get_deployment(ctx, api, d),
        Route::DeleteDeployment(api, d) => delete_deployment(ctx, api, d),
        Route::GetResources(api) => resources::get_resources(ctx, api),
        Route::GetResource(api, r) => resources::get_resource(ctx, api, r),
        Route::CreateResource(api, parent) => resources::create_resource(ctx, api, parent),
        Route::DeleteResource(api, r) => resources::delete_resource(ctx, api, r),
        Route::PutMethod(k) => resources::put_method(ctx, k),
        Route::GetMethod(k) => resources::get_method(ctx, k),
        Route::DeleteMethod(k) => resources::delete_method(ctx, k),
        Route::PutIntegration(k) => resources::put_integration(ctx, k),
        Route::GetIntegration(k) => resources::get_integration(ctx, k),
        Route::DeleteIntegration(k) => resources::delete_integration(ctx, k),
        // Answered in `pipeline`: it calls the backend.
        Route::TestInvokeMethod(_) => Err(AwsError::bad_request("unreachable")),
        Route::CreateStage(api) => create_stage(ctx, api),
        Route::GetStages(api) => get_stages(ctx, api),
        Route::GetStage(api, s) => get_stage(ctx, api, s),
        Route::UpdateStage(api, s) => update_stage(ctx, api, s),
        Route::DeleteStage(api, s) => delete_stage(ctx, api, s),
        Route::GetTags(arn) => get_tags(ctx, arn),
        Route::TagResource(arn) => tag_resource(ctx, arn),
        Route::UntagResource(arn) => untag_resource(ctx, arn),
        Route::GetCallerIdentity => Err(AwsError::bad_request("STS is answered separately")),
        Route::Unknown => Err(AwsError::new(
            404,
            "UnknownOperationException",
            "No operation of this API matches the request's method and path",
        )),
    }
}

// ---------------------------------------------------------------------------
// STS

fn get_caller_identity(ctx: &Ctx<'_>) -> Result<String, AwsError> {
    let form = parse_query(std::str::from_utf8(ctx.body).ok());
    let action = form
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.as_str());
    if action != Some("GetCallerIdentity") {
        return Err(AwsError::bad_request(format!(
            "Could not find operation {} for version 2011-06-15; the emulator's STS answers \
             GetCallerIdentity only",
            action.unwrap_or("(none)")
        )));
    }
    let key = &ctx.emu.config().access_key;
    Ok(sts::caller_identity(crate::ACCOUNT_ID, key))
}

// ---------------------------------------------------------------------------
// Field helpers

fn opt_string(m: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a string, got {other}"
        ))),
    }
}

fn opt_bool(m: &serde_json::Map<String, Value>, key: &str) -> Result<Option<bool>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a boolean, got {other}"
        ))),
    }
}

fn string_map(
    m: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(AwsError::bad_request(format!(
                    "Invalid value for '{key}.{k}': expected a string, got {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a map of strings, got {other}"
        ))),
    }
}

fn tag_char_ok(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

fn validate_tags(tags: &Tags) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(AwsError::bad_request(format!(
            "Too many tags: {} (at most {MAX_TAGS} per resource)",
            tags.len()
        )));
    }
    for (k, v) in tags {
        let klen = k.chars().count();
        if klen == 0 || klen > 128 {
            return Err(AwsError::bad_request(format!(
                "Invalid tag key {k:?}: length must be 1 to 128 characters"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(AwsError::bad_request(format!(
                "Invalid tag key {k:?}: the prefix 'aws:' is reserved"
            )));
        }
        if !k.chars().all(tag_char_ok) {
            return Err(AwsError::bad_request(format!(
                "Invalid tag key {k:?}: allowed are letters, digits, spaces and _ . : / = + - @"
            )));
        }
        if v.chars().count() > 256 || !v.chars().all(tag_char_ok) {
            return Err(AwsError::bad_request(format!(
                "Invalid tag value {v:?} for key {k:?}: at most 256 letters, digits, spaces and _ . : / = + - @"
            )));
        }
    }
    Ok(())
}

/// One JSON Patch operation as API Gateway accepts it.
struct PatchOp {
    op: String,
    path: String,
    value: Option<String>,
}

fn patch_ops(ctx: &Ctx<'_>) -> Result<Vec<PatchOp>, AwsError> {
    let body = ctx.body_object()?;
    let ops = match body.get("patchOperations") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(AwsError::bad_request(format!(
                "Invalid value for 'patchOperations': expected a list, got {other}"
            )));
        }
    };
    ops.iter()
        .map(|op| {
            let Value::Object(m) = op else {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch operation {op}: expected an object"
                )));
            };
            let kind = opt_string(m, "op")?.ok_or_else(|| {
                AwsError::bad_request("Invalid patch operation: 'op' is required")
            })?;
            if !["add", "remove", "replace", "move", "copy", "test"].contains(&kind.as_str()) {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch operation '{kind}': must be one of [add, remove, replace, move, copy, test]"
                )));
            }
            let path = opt_string(m, "path")?.ok_or_else(|| {
                AwsError::bad_request(format!("Invalid patch operation '{kind}': 'path' is required"))
            })?;
            if !path.starts_with('/') {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch path '{path}': must start with '/'"
                )));
            }
            Ok(PatchOp {
                op: kind,
                path,
                value: opt_string(m, "value")?,
            })
        })
        .collect()
}

fn invalid_patch(op: &PatchOp, allowed: &str) -> AwsError {
    AwsError::bad_request(format!(
        "Invalid patch path '{}' specified for op '{}'. Must be one of: [{allowed}]",
        op.path, op.op
    ))
}

fn parse_limit(ctx: &Ctx<'_>) -> Result<usize, AwsError> {
    match ctx.query_one("limit") {
        None => Ok(25),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => Ok(usize::try_from(n).unwrap_or(25)),
            _ => Err(AwsError::bad_request(format!(
                "1 validation error detected: Value '{raw}' at 'limit' failed to satisfy constraint: \
                 Member must be a number between 1 and 500"
            ))),
        },
    }
}

/// `position`/`limit` paging over a map ordered by key. The position token is the key
/// of the first item of the next page, so deleting items between pages skips nothing.
fn page<'a, T: 'a>(
    ctx: &Ctx<'_>,
    items: &'a BTreeMap<String, T>,
    to_json: impl Fn(&T) -> Value,
) -> Answer {
    let limit = parse_limit(ctx)?;
    let start = match ctx.query_one("position") {
        None => None,
        Some(p)
            if !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(p.to_owned())
        }
        Some(p) => {
            return Err(AwsError::bad_request(format!(
                "Invalid position parameter: {p:?}"
            )));
        }
    };
    let mut iter: Box<dyn Iterator<Item = (&String, &T)>> = match &start {
        Some(s) => Box::new(items.range(s.clone()..)),
        None => Box::new(items.iter()),
    };
    let page: Vec<Value> = iter.by_ref().take(limit).map(|(_, v)| to_json(v)).collect();
    let mut out = serde_json::Map::new();
    if let Some((next, _)) = iter.next() {
        out.insert("position".into(), json!(next));
    }
    out.insert("item".into(), Value::Array(page));
    Ok((200, Some(Value::Object(out))))
}

// ---------------------------------------------------------------------------
// Client certificates

fn cert_not_found() -> AwsError {
    AwsError::not_found("Invalid Client Certificate identifier specified")
}

fn limit_error(max: usize) -> AwsError {
    AwsError::limit_exceeded(format!(
        "The number of client certificates would exceed the account limit of {max}"
    ))
}

pub(crate) fn generate_certificate(
    emu: &Emulator,
    region: &str,
    description: Option<String>,
    tags: Tags,
) -> Result<CertRecord, AwsError> {
    validate_tags(&tags)?;
    let max = emu.config().max_client_certificates;
    if emu.read_region(region, |s| s.certificates.len()) >= max {
        return Err(limit_error(max));
    }
    let validity = i64::try_from(emu.config().cert_validity_secs).unwrap_or(i64::MAX);
    // Key generation and signing happen outside the store lock; the id is checked
    // for uniqueness (and the quota again) when inserting.
    for _ in 0..8 {
        let id = random_id(CERT_ID_LEN);
        let created = now_secs();
        let expires = created.saturating_add(validity);
        let issued = certs::issue(&id, created, expires)
            .map_err(|e| AwsError::bad_request(format!("Cannot issue certificate: {e}")))?;
        let record = CertRecord {
            id: id.clone(),
            description: description.clone(),
            pem: issued.pem,
            key_pem: issued.key_pem,
            created,
            expires,
            tags: tags.clone(),
        };
        // Ids are unique across regions, so the admin API can name a certificate
        // by id alone.
        let inserted = emu.mutate(|s| {
            if s.all_certificates().any(|c| c.id == id) {
                return Ok(None);
            }
            let inventory = s.regions.entry(region.to_owned()).or_default();
            if inventory.certificates.len() >= max {
                return Err(limit_error(max));
            }
            inventory.certificates.insert(id.clone(), record.clone());
            Ok(Some(record.clone()))
        })?;
        if let Some(r) = inserted {
            return Ok(r);
        }
    }
    Err(AwsError::conflict(
        "Could not allocate a unique client certificate id",
    ))
}

fn generate_client_certificate(ctx: &Ctx<'_>) -> Answer {
    let body = ctx.body_object()?;
    let description = opt_string(&body, "description")?;
    let tags = string_map(&body, "tags")?;
    let cert = generate_certificate(ctx.emu, ctx.region, description, tags)?;
    Ok((201, Some(cert.to_json())))
}

fn get_client_certificates(ctx: &Ctx<'_>) -> Answer {
    ctx.read(|s| page(ctx, &s.certificates, CertRecord::to_json))
}

fn get_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.read(|s| match s.certificates.get(id) {
        Some(c) => Ok((200, Some(c.to_json()))),
        None => Err(cert_not_found()),
    })
}

fn update_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    let ops = patch_ops(ctx)?;
    ctx.mutate(|s| {
        let mut cert = s.certificates.get(id).cloned().ok_or_else(cert_not_found)?;
        for op in &ops {
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/description") => cert.description = op.value.clone(),
                ("remove", "/description") => cert.description = None,
                _ => return Err(invalid_patch(op, "/description")),
            }
        }
        let json = cert.to_json();
        s.certificates.insert(id.to_owned(), cert);
        Ok((200, Some(json)))
    })
}

fn delete_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.mutate(|s| match s.certificates.remove(id) {
        Some(_) => Ok((202, None)),
        None => Err(cert_not_found()),
    })
}

// ---------------------------------------------------------------------------
// REST APIs and deployments

fn api_not_found(id: &str) -> AwsError {
    AwsError::not_found(format!("Invalid API identifier specified {id}"))
}

pub(crate) fn api_mut<'a>(s: &'a mut Inventory, id: &str) -> Result<&'a mut RestApi, AwsError> {
    s.rest_apis.get_mut(id).ok_or_else(|| api_not_found(id))
}

pub(crate) fn api_ref<'a>(s: &'a Inventory, id: &str) -> Result<&'a RestApi, AwsError> {
    s.rest_apis.get(id).ok_or_else(|| api_not_found(id))
}

fn create_rest_api(ctx: &Ctx<'_>) -> Answer {
    let body = ctx.body_object()?;
    let name = opt_string(&body, "name")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            AwsError::bad_request("Invalid REST API name specified: a name is required")
        })?;
    let description = opt_string(&body, "description")?;
    let version = opt_string(&body, "version")?;
    let tags = string_map(&body, "tags")?;
    validate_tags(&tags)?;
    let api_key_source = opt_string(&body, "apiKeySource")?.unwrap_or_else(|| "HEADER".to_owned());
    if !["HEADER", "AUTHORIZER"].contains(&api_key_source.as_str()) {
        return Err(AwsError::bad_request(format!(
            "Invalid apiKeySource {api_key_source:?}: must be HEADER or AUTHORIZER"
        )));
    }
    let endpoint_types = match body.get("endpointConfiguration") {
        None | Some(Value::Null) => vec!["EDGE".to_owned()],
        Some(Value::Object(ec)) => match ec.get("types") {
            None | Some(Value::Null) => vec!["EDGE".to_owned()],
            Some(Value::Array(types)) => {
                let mut out = Vec::new();
                for t in types {
                    match t.as_str() {
                        Some(t @ ("EDGE" | "REGIONAL" | "PRIVATE")) => out.push(t.to_owned()),
                        _ => {
                            return Err(AwsError::bad_request(format!(
                                "Invalid endpoint type {t}: must be EDGE, REGIONAL or PRIVATE"
                            )));
                        }
                    }
                }
                if out.len() != 1 {
                    return Err(AwsError::bad_request(
                        "Exactly one endpoint type must be specified",
                    ));
                }
                out
            }
            Some(other) => {
                return Err(AwsError::bad_request(format!(
                    "Invalid value for 'endpointConfiguration.types': expected a list, got {other}"
                )));
            }
        },
        Some(other) => {
            return Err(AwsError::bad_request(format!(
                "Invalid value for 'endpointConfiguration': expected an object, got {other}"
            )));
        }
    };
    let disable = opt_bool(&body, "disableExecuteApiEndpoint")?.unwrap_or(false);
    ctx.mutate(|s| {
        let mut id = random_id(API_ID_LEN);
        while s.rest_apis.contains_key(&id) {
            id = random_id(API_ID_LEN);
        }
        let api = RestApi {
            id: id.clone(),
            name,
            description,
            version,
            created: now_secs(),
            endpoint_types,
            api_key_source,
            root_resource_id: random_id(API_ID_LEN),
            disable_execute_api_endpoint: disable,
            tags,
            deployments: BTreeMap::new(),
            stages: BTreeMap::new(),
            resources: BTreeMap::new(),
        };
        let mut api = api;
        api.ensure_root();
        let json = api.to_json();
        s.rest_apis.insert(id, api);
        Ok((201, Some(json)))
    })
}

fn get_rest_apis(ctx: &Ctx<'_>) -> Answer {
    ctx.read(|s| page(ctx, &s.rest_apis, RestApi::to_json))
}

fn get_rest_api(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.read(|s| Ok((200, Some(api_ref(s, id)?.to_json()))))
}

fn delete_rest_api(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.mutate(|s| match s.rest_apis.remove(id) {
        Some(_) => Ok((202, None)),
        None => Err(api_not_found(id)),
    })
}

fn deployment_not_found() -> AwsError {
    AwsError::not_found("Invalid Deployment identifier specified")
}

fn validate_stage_name(name: &str) -> Result<(), AwsError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Stage name only allows a-zA-Z0-9_- (1 to 128 characters), got {name:?}"
        )))
    }
}

fn validate_variables(vars: &BTreeMap<String, String>) -> Result<(), AwsError> {
    for (k, v) in vars {
        if k.is_empty()
            || k.len() > 64
            || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(AwsError::bad_request(format!(
                "Stage variable name {k:?} must be 1 to 64 characters of a-zA-Z0-9_"
            )));
        }
        if v.chars().count() > 512 {
            return Err(AwsError::bad_request(format!(
                "Stage variable {k:?}: value longer than 512 characters"
            )));
        }
    }
    Ok(())
}

fn create_deployment(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    let body = ctx.body_object()?;
    // An empty stageName (what some clients send for "none") creates no stage.
    let stage_name = opt_string(&body, "stageName")?.filter(|n| !n.is_empty());
    if let Some(n) = &stage_name {
        validate_stage_name(n)?;
    }
    let stage_description = opt_string(&body, "stageDescription")?;
    let description = opt_string(&body, "description")?;
    let variables = string_map(&body, "variables")?;
    validate_variables(&variables)?;
    let tracing = opt_bool(&body, "tracingEnabled")?.unwrap_or(false);
    ctx.mutate(|s| {
        let api = api_mut(s, api_id)?;
        api.ensure_root();
        let mut id = random_id(DEPLOYMENT_ID_LEN);
        while api.deployments.contains_key(&id) {
            id = random_id(DEPLOYMENT_ID_LEN);
        }
        let now = now_secs();
        let deployment = Deployment {
            id: id.clone(),
            description,
            created: now,
            resources: api.resources.clone(),
        };
        if let Some(name) = stage_name {
            let stage = api.stages.entry(name.clone()).or_insert_with(|| Stage {
                name,
                deployment_id: id.clone(),
                description: stage_description.clone(),
                client_certificate_id: None,
                variables: BTreeMap::new(),
                tracing_enabled: tracing,
                cache_cluster_enabled: false,
                cache_cluster_size: None,
                documentation_version: None,
                created: now,
                last_updated: now,
                tags: Tags::new(),
            });
            stage.deployment_id = id.clone();
            stage.variables.extend(variables);
            stage.last_updated = now;
        }
        let json = deployment.to_json();
        api.deployments.insert(id, deployment);
        Ok((201, Some(json)))
    })
}

fn get_deployments(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    ctx.read(|s| page(ctx, &api_ref(s, api_id)?.deployments, Deployment::to_json))
}

fn get_deployment(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
    ctx.read(|s| {
        let d = api_ref(s, api_id)?
            .deployments
            .get(id)
            .ok_or_else(deployment_not_found)?;
        Ok((200, Some(d.to_json())))
    })
}

fn delete_deployment(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
    ctx.mutate(|s| {
        let api = api_mut(s, api_id)?;
        if !api.deployments.contains_key(id) {
            return Err(deployment_not_found());
        }
        if let Some(stage) = api.stages.values().find(|st| st.deployment_id == id) {
            return Err(AwsError::bad_request(format!(
                "Active stages pointing to this deployment must be moved or deleted \
                 (stage {} uses it)",
                stage.name
            )));
        }
        api.deployments.remove(id);
        Ok((202, None))
    })
}

// ---------------------------------------------------------------------------
// Stages

fn stage_not_found() -> AwsError {
    AwsError::not_found("Invalid Stage identifier specified")
}

fn create_stage(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    let body = ctx.body_object()?;
    let name = opt_string(&body, "stageName")?.ok_or_else(|| {
        AwsError::bad_request("Invalid stage name specified: stageName is required")
    })?;
    validate_stage_name(&name)?;
    let deployment_id = opt_string(&body, "deploymentId")?.ok_or_else(|| {
        AwsError::bad_request("Invalid deployment identifier specified: deploymentId is required")
    })?;
    let description = opt_string(&body, "description")?;
    let variables = string_map(&body, "variables")?;
    validate_variables(&variables)?;
    let tags = string_map(&body, "tags")?;
    validate_tags(&tags)?;
    let tracing = opt_bool(&body, "tracingEnabled")?.unwrap_or(false);
    let cache = opt_bool(&body, "cacheClusterEnabled")?.unwrap_or(false);
    let cache_cluster_size = opt_string(&body, "cacheClusterSize")?;
    if let Some(size) = &cache_cluster_size {
        validate_cache_size(size)?;
    }
    let documentation_version = opt_string(&body, "documentationVersion")?;
    ctx.mutate(|s| {
        let api = api_mut(s, api_id)?;
        if !api.deployments.contains_key(&deployment_id) {
            return Err(deployment_not_found());
        }
        if api.stages.contains_key(&name) {
            return Err(AwsError::conflict("Stage already exists"));
        }
        let now = now_secs();
        let stage = Stage {
            name: name.clone(),
            deployment_id,
            description,
            client_certificate_id: None,
            variables,
            tracing_enabled: tracing,
            cache_cluster_enabled: cache,
            cache_cluster_size,
            documentation_version,
            created: now,
            last_updated: now,
            tags,
        };
        let json = stage.to_json();
        api.stages.insert(name, stage);
        Ok((201, Some(json)))
    })
}

fn get_stages(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    let deployment = ctx.query_one("deploymentId");
    ctx.read(|s| {
        let api = api_ref(s, api_id)?;
        let items: Vec<Value> = api
            .stages
            .values()
            .filter(|st| deployment.is_none_or(|d| st.deployment_id == d))
            .map(Stage::to_json)
            .collect();
        Ok((200, Some(json!({ "item": items }))))
    })
}

fn get_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
    ctx.read(|s| {
        let st = api_ref(s, api_id)?
            .stages
            .get(name)
            .ok_or_else(stage_not_found)?;
        Ok((200, Some(st.to_json())))
    })
}

const STAGE_PATCH_PATHS: &str = "/clientCertificateId, /description, /deploymentId, /tracingEnabled, /cacheClusterEnabled, /cacheClusterSize, /documentationVersion, /variables/{name}";

const CACHE_SIZES: [&str; 8] = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

fn validate_cache_size(size: &str) -> Result<(), AwsError> {
    if CACHE_SIZES.contains(&size) {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid cache cluster size {size:?}: must be one of {}",
            CACHE_SIZES.join(", ")
        )))
    }
}

fn patch_bool(op: &PatchOp) -> Result<bool, AwsError> {
    match op.value.as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        other => Err(AwsError::bad_request(format!(
            "Invalid value {other:?} for '{}': must be \"true\" or \"false\"",
            op.path
        ))),
    }
}

fn update_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
    let ops = patch_ops(ctx)?;
    ctx.mutate(|s| {
        let cert_exists = |id: &str| s.certificates.contains_key(id);
        let api = s
            .rest_apis
            .get(api_id)
            .ok_or_else(|| api_not_found(api_id))?;
        let mut stage = api.stages.get(name).cloned().ok_or_else(stage_not_found)?;
        for op in &ops {
            let kind = op.op.as_str();
            if let Some(var) = op.path.strip_prefix("/variables/") {
                match kind {
                    "replace" | "add" => {
                        let value = op.value.clone().ok_or_else(|| {
                            AwsError::bad_request(format!("Missing value for '{}'", op.path))
                        })?;
                        let mut one = BTreeMap::new();
                        one.insert(var.to_owned(), value);
                        validate_variables(&one)?;
                        stage.variables.extend(one);
                    }
                    "remove" => {
                        stage.variables.remove(var);
                    }
                    _ => return Err(invalid_patch(op, STAGE_PATCH_PATHS)),
                }
                continue;
            }
            match (kind, op.path.as_str()) {
                ("replace", "/clientCertificateId") => {
                    stage.client_certificate_id = match op.value.as_deref() {
                        None | Some("") => None,
                        Some(id) if cert_exists(id) => Some(id.to_owned()),
                        Some(id) => {
                            return Err(AwsError::bad_request(format!(
                                "Invalid client certificate identifier specified: {id}"
                            )));
                        }
                    };
                }
                ("remove", "/clientCertificateId") => stage.client_certificate_id = None,
                ("replace", "/description") => stage.description = op.value.clone(),
                ("remove", "/description") => stage.description = None,
                ("replace", "/deploymentId") => {
                    let d = op.value.clone().unwrap_or_default();
                    if !api.deployments.contains_key(&d) {
                        return Err(deployment_not_found());
                    }
                    stage.deployment_id = d;
                }
                ("replace", "/tracingEnabled") => stage.tracing_enabled = patch_bool(op)?,
                ("replace", "/cacheClusterEnabled") => {
                    stage.cache_cluster_enabled = patch_bool(op)?
                }
                ("replace", "/cacheClusterSize") => {
                    let size = op.value.clone().unwrap_or_default();
                    validate_cache_size(&size)?;
                    stage.cache_cluster_size = Some(size);
                }
                ("replace", "/documentationVersion") => {
                    stage.documentation_version = op.value.clone().filter(|v| !v.is_empty())
                }
                ("remove", "/documentationVersion") => stage.documentation_version = None,
                _ => return Err(invalid_patch(op, STAGE_PATCH_PATHS)),
            }
        }
        stage.last_updated = now_secs();
        let json = stage.to_json();
        if let Some(api) = s.rest_apis.get_mut(api_id) {
            api.stages.insert(name.to_owned(), stage);
        }
        Ok((200, Some(json)))
    })
}

fn delete_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
    ctx.mutate(|s| {
        let api = api_mut(s, api_id)?;
        match api.stages.remove(name) {
            Some(_) => Ok((202, None)),
            None => Err(stage_not_found()),
        }
    })
}

// ---------------------------------------------------------------------------
// Tags

/// A taggable resource named by its ARN.
enum Resource {
    Certificate(String),
    RestApi(String),
    Stage(String, String),
}

fn parse_arn(arn: &str) -> Result<Resource, AwsError> {
    let invalid = || AwsError::bad_request(format!("Invalid resource ARN specified: {arn}"));
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("apigateway"), Some(region), Some(""), Some(path)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(invalid());
    };
    if !partition.starts_with("aws") || region.is_empty() {
        return Err(invalid());
    }
    let segs: Vec<&str> = path.split('/').collect();
    match segs.as_slice() {
        ["", "clientcertificates", id] if !id.is_empty() => {
            Ok(Resource::Certificate((*id).to_owned()))
        }
        ["", "restapis", id] if !id.is_empty() => Ok(Resource::RestApi((*id).to_owned())),
        ["", "restapis", id, "stages", name] if !id.is_empty() && !name.is_empty() => {
            Ok(Resource::Stage((*id).to_owned(), (*name).to_owned()))
        }
        _ => Err(invalid()),
    }
}

fn resource_tags<'a>(s: &'a mut Inventory, r: &Resource) -> Result<&'a mut Tags, AwsError> {
    match r {
        Resource::Certificate(id) => s
            .certificates
            .get_mut(id)
            .map(|c| &mut c.tags)
            .ok_or_else(cert_not_found),
        Resource::RestApi(id) => Ok(&mut api_mut(s, id)?.tags),
        Resource::Stage(api, name) => api_mut(s, api)?
            .stages
            .get_mut(name)
            .map(|st| &mut st.tags)
            .ok_or_else(stage_not_found),
    }
}

fn resource_tags_ref<'a>(s: &'a Inventory, r: &Resource) -> Result<&'a Tags, AwsError> {
    match r {
        Resource::Certificate(id) => s
            .certificates
            .get(id)
            .map(|c| &c.tags)
            .ok_or_else(cert_not_found),
        Resource::RestApi(id) => Ok(&api_ref(s, id)?.tags),
        Resource::Stage(api, name) => api_ref(s, api)?
            .stages
            .get(name)
            .map(|st| &st.tags)
            .ok_or_else(stage_not_found),
    }
}

fn get_tags(ctx: &Ctx<'_>, arn: &str) -> Answer {
    let resource = parse_arn(arn)?;
    let tags = ctx.read(|s| resource_tags_ref(s, &resource).cloned())?;
    let obj: serde_json::Map<String, Value> = tags
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok((200, Some(json!({ "tags": obj }))))
}

fn tag_resource(ctx: &Ctx<'_>, arn: &str) -> Answer {
    let resource = parse_arn(arn)?;
    let body = ctx.body_object()?;
    if !matches!(body.get("tags"), Some(Value::Object(_))) {
        return Err(AwsError::bad_request(
            "Invalid request: 'tags' is required and must be a map",
        ));
    }
    let new_tags = string_map(&body, "tags")?;
    validate_tags(&new_tags)?;
    ctx.mutate(|s| {
        let tags = resource_tags(s, &resource)?;
        let mut merged = tags.clone();
        merged.extend(new_tags);
        validate_tags(&merged)?;
        *tags = merged;
        Ok((204, None))
    })
}

fn untag_resource(ctx: &Ctx<'_>, arn: &str) -> Answer {
    let resource = parse_arn(arn)?;
    let keys = ctx.query_all("tagKeys");
    if keys.is_empty() {
        return Err(AwsError::bad_request(
            "Invalid request: 'tagKeys' is required",
        ));
    }
    ctx.mutate(|s| {
        let tags = resource_tags(s, &resource)?;
        for k in &keys {
            tags.remove(k);
        }
        Ok((204, None))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_aws_paths_and_decode_segments() {
        assert_eq!(
            Route::parse(&Method::GET, "/clientcertificates/abc123"),
            Route::GetClientCertificate("abc123".into())
        );
        assert_eq!(
            Route::parse(
                &Method::GET,
                "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fclientcertificates%2Fabc123"
            ),
            Route::GetTags("arn:aws:apigateway:us-east-1::/clientcertificates/abc123".into())
        );
        assert_eq!(
            Route::parse(&Method::PUT, "/clientcertificates"),
            Route::Unknown
        );
        assert_eq!(
            Route::parse(&Method::GET, "/restapis//stages"),
            Route::Unknown
        );
    }

    #[test]
    fn arns_name_their_resource() {
        assert!(matches!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod"),
            Ok(Resource::Stage(a, s)) if a == "a1" && s == "prod"
        ));
        assert!(parse_arn("arn:aws:apigateway:us-east-1::/clientcertificates/").is_err());
        assert!(parse_arn("arn:aws:s3:::bucket").is_err());
        assert!(parse_arn("not an arn").is_err());
    }

    #[test]
    fn tags_are_validated_like_aws() {
        let mut t = Tags::new();
        t.insert("aws:reserved".into(), "x".into());
        assert!(validate_tags(&t).is_err());
        let mut t = Tags::new();
        t.insert("owner".into(), "team-a@example".into());
        assert!(validate_tags(&t).is_ok());
        let too_many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(validate_tags(&too_many).is_err());
    }
}
