//! The AWS control-plane API: routing and the request pipeline (log, SigV4,
//! throttling, faults). The handlers live in one module per resource family:
//! `certificates`, `rest_apis`, `resources` (resources, methods, integrations),
//! `deployments` (deployments and stages) and `tags`; `fields` holds the body readers,
//! JSON Patch and paging they share.
//!
//! Routing is done by hand on the raw path rather than with axum routes, because
//! every failure (unknown route, bad JSON, bad path parameter) must answer in the AWS
//! error shape, and SigV4 must see the path and body exactly as sent.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::awserr::AwsError;
use crate::control::FaultPlan;
use crate::model::Inventory;
use crate::server::DropConnection;
use crate::{Emulator, now_ms};
use crate::{sigv4, sts};

const MAX_BODY: usize = 1024 * 1024;

pub(crate) fn router(emu: Emulator) -> Router {
    Router::new()
        .nest("/_emulator", crate::admin::router())
        .fallback(control_plane)
        .with_state(emu)
}

mod certificates;
mod deployments;
mod fields;
mod resources;
mod rest_apis;
mod tags;

pub(crate) use certificates::generate_certificate;
pub(crate) use rest_apis::{api_mut, api_ref};

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
    if plan.after_commit {
        let answer = handle(emu, route, &verified.region, &body, parts, seq).await;
        disrupt(plan).await.unwrap_or(answer)
    } else {
        match disrupt(plan).await {
            Some(disrupted) => disrupted,
            None => handle(emu, route, &verified.region, &body, parts, seq).await,
        }
    }
}

/// What the faults do to one answer: its delay, then a dropped connection or
/// an error in its place (`None`: the answer goes out).
async fn disrupt(plan: FaultPlan) -> Option<Result<Outcome, AwsError>> {
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if plan.drop_connection {
        return Some(Ok(Outcome::Drop));
    }
    plan.error.map(Err)
}

/// Handles a verified call that no fault stopped.
async fn handle(
    emu: &Emulator,
    route: &Route,
    region: &str,
    body: &[u8],
    parts: &axum::http::request::Parts,
    seq: u64,
) -> Result<Outcome, AwsError> {
    let query = parse_query(parts.uri.query());
    let ctx = Ctx {
        emu,
        query: &query,
        body,
        region,
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
        Route::GenerateClientCertificate => certificates::generate_client_certificate(ctx),
        Route::GetClientCertificates => certificates::get_client_certificates(ctx),
        Route::GetClientCertificate(id) => certificates::get_client_certificate(ctx, id),
        Route::UpdateClientCertificate(id) => certificates::update_client_certificate(ctx, id),
        Route::DeleteClientCertificate(id) => certificates::delete_client_certificate(ctx, id),
        Route::CreateRestApi => rest_apis::create_rest_api(ctx),
        Route::GetRestApis => rest_apis::get_rest_apis(ctx),
        Route::GetRestApi(id) => rest_apis::get_rest_api(ctx, id),
        Route::DeleteRestApi(id) => rest_apis::delete_rest_api(ctx, id),
        Route::CreateDeployment(api) => deployments::create_deployment(ctx, api),
        Route::GetDeployments(api) => deployments::get_deployments(ctx, api),
        Route::GetDeployment(api, d) => deployments::get_deployment(ctx, api, d),
        Route::DeleteDeployment(api, d) => deployments::delete_deployment(ctx, api, d),
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
        Route::CreateStage(api) => deployments::create_stage(ctx, api),
        Route::GetStages(api) => deployments::get_stages(ctx, api),
        Route::GetStage(api, s) => deployments::get_stage(ctx, api, s),
        Route::UpdateStage(api, s) => deployments::update_stage(ctx, api, s),
        Route::DeleteStage(api, s) => deployments::delete_stage(ctx, api, s),
        Route::GetTags(arn) => tags::get_tags(ctx, arn),
        Route::TagResource(arn) => tags::tag_resource(ctx, arn),
        Route::UntagResource(arn) => tags::untag_resource(ctx, arn),
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
}
