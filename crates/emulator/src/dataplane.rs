//! The data plane: invoking a deployed stage, and the integration call shared with
//! TestInvokeMethod.
//!
//! `ANY /restapis/{id}/{stage}/_user_request_/{path}` (the shape other local AWS
//! emulators use) is matched against the resources of the stage's deployment. An
//! `HTTP_PROXY` (or `HTTP`) integration is called at its URI, with stage variables and
//! path parameters filled in, over HTTPS presenting the stage's client certificate
//! and key for TLS client authentication (no certificate when the stage has none).
//! Backends are trusted through `--backend-ca` files, never by skipping verification.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request as AxumRequest;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::control::Invocation;
use crate::model::{ApiMethod, ApiResource, CertRecord};
use crate::{Emulator, now_ms, sigv4};

/// API Gateway's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;
const USER_REQUEST: &str = "_user_request_";

/// Headers that describe one hop and are never forwarded.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

/// Whether `path` addresses the data plane.
pub(crate) fn is_invocation(path: &str) -> bool {
    let mut segs = path.split('/').skip(1);
    segs.next() == Some("restapis")
        && segs.next().is_some_and(|s| !s.is_empty())
        && segs.next().is_some_and(|s| !s.is_empty())
        && segs.next() == Some(USER_REQUEST)
}

/// What to call: a method of a resource, as deployed (or as it is, for TestInvokeMethod).
pub(crate) struct Target {
    pub rest_api_id: String,
    pub stage: Option<String>,
    pub resource: ApiResource,
    pub method: ApiMethod,
    pub stage_variables: BTreeMap<String, String>,
    /// The certificate to present; `None` with `certificate_id` set means the id
    /// names a certificate that no longer exists.
    pub certificate: Option<CertRecord>,
    pub certificate_id: Option<String>,
}

/// The client's request, as the method received it.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// The method's answer, the execution log and what the integration call did.
pub(crate) struct Report {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub log: String,
    pub invocation: Invocation,
}

/// The roots backends are verified against (`--backend-ca`).
pub(crate) fn load_backend_roots(
    files: &[std::path::PathBuf],
) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    for file in files {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("--backend-ca {}: {e}", file.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "--backend-ca {}: no PEM certificate in the file",
                file.display()
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("--backend-ca {}: {e}", file.display()))?;
        }
    }
    Ok(roots)
}

/// Lowercase hex SHA-256 of the certificate's DER: the fingerprint backends log.
pub fn certificate_sha256(pem: &str) -> Option<String> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    Some(sigv4::sha256_hex(der.as_ref()))
}

fn plain(status: u16, message: &str, rid: &str, error_type: Option<&str>) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-amzn-RequestId", rid);
    if let Some(t) = error_type {
        b = b.header("x-amzn-ErrorType", t);
    }
    b.body(Body::from(json!({ "message": message }).to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Serves one data-plane request.
pub(crate) async fn invoke(emu: Emulator, req: AxumRequest) -> Response {
    let (parts, body) = req.into_parts();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let seq =
        emu.control()
            .record_arrival("Invoke", parts.method.as_str(), &path_and_query, now_ms());
    let rid = crate::api::request_id();
    let response = invoke_inner(&emu, parts, body, seq, &rid).await;
    emu.control().record_status(seq, response.status().as_u16());
    response
}

async fn invoke_inner(
    emu: &Emulator,
    parts: axum::http::request::Parts,
    body: Body,
    seq: u64,
    rid: &str,
) -> Response {
    let raw: Vec<&str> = parts.uri.path().split('/').skip(1).collect();
    let decode = |s: &str| String::from_utf8_lossy(&sigv4::percent_decode(s, false)).into_owned();
    let api_id = decode(raw[1]);
    let stage_name = decode(raw[2]);
    let user_path = format!("/{}", raw[4..].join("/"));
    let Ok(body) = axum::body::to_bytes(body, MAX_PAYLOAD).await else {
        return plain(413, "Request Too Long", rid, None);
    };
    let found = emu.read(|s| {
        let (api, inv) = s
            .regions
            .values()
            .find_map(|inv| inv.rest_apis.get(&api_id).map(|a| (a, inv)))?;
        let stage = api.stages.get(&stage_name)?;
        let deployment = api.deployments.get(&stage.deployment_id)?;
        let certificate = stage
            .client_certificate_id
            .as_ref()
            .and_then(|id| inv.certificates.get(id).cloned());
        Some((
            deployment.resources.clone(),
            stage.variables.clone(),
            stage.client_certificate_id.clone(),
            certificate,
        ))
    });
    let Some((resources, variables, certificate_id, certificate)) = found else {
        return plain(
            404,
            &format!("No stage {stage_name} in REST API {api_id}"),
            rid,
            Some("NotFoundException"),
        );
    };
    let segments: Vec<String> = raw[4..]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| decode(s))
        .collect();
    let method_name = parts.method.as_str().to_owned();
    let matched = match_resource(resources.values(), &segments).and_then(|(resource, _)| {
        let method = resource
            .methods
            .get(&method_name)
            .or_else(|| resource.methods.get("ANY"))?
            .clone();
        Some((resource.clone(), method))
    });
    let Some((resource, method)) = matched else {
        // What AWS answers for any path or method the API does not define.
        return plain(
            403,
            "Missing Authentication Token",
            rid,
            Some("MissingAuthenticationTokenException"),
        );
    };
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let target = Target {
        rest_api_id: api_id,
        stage: Some(stage_name),
        resource,
        method,
        stage_variables: variables,
        certificate,
        certificate_id,
    };
    let request = Request {
        method: method_name,
        path: user_path,
        query: parts.uri.query().map(str::to_owned),
        headers,
        body,
    };
    let report = execute(emu, &target, &request).await;
    tracing::debug!(
        api = %target.rest_api_id,
        path = %request.path,
        status = report.status,
        certificate = ?report.invocation.client_certificate_id,
        "invocation"
    );
    emu.control().record_invocation(seq, report.invocation);
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(report.status).unwrap_or(StatusCode::BAD_GATEWAY))
        .header("x-amzn-RequestId", rid);
    for (k, v) in &report.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::try_from(v)) {
            builder = builder.header(k, v);
        }
    }
    builder
        .body(Body::from(report.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Rank of a path part when several resources match: literal beats `{var}` beats
/// `{var+}`, comparing from the first part on.
fn part_rank(part: &str) -> u8 {
    if part.ends_with("+}") {
        0
    } else if part.starts_with('{') {
        1
    } else {
        2
    }
}

/// The most specific resource whose path matches `segments`, with its path parameters.
pub(crate) fn match_resource<'a>(
    resources: impl Iterator<Item = &'a ApiResource>,
    segments: &[String],
) -> Option<(&'a ApiResource, BTreeMap<String, String>)> {
    let mut best: Option<(Vec<u8>, &ApiResource, BTreeMap<String, String>)> = None;
    for r in resources {
        let parts: Vec<&str> = r.path.split('/').filter(|p| !p.is_empty()).collect();
        let Some(params) = match_parts(&parts, segments) else {
            continue;
        };
        let rank: Vec<u8> = parts.iter().map(|p| part_rank(p)).collect();
        if best.as_ref().is_none_or(|(b, ..)| rank > *b) {
            best = Some((rank, r, params));
        }
    }
    best.map(|(_, r, p)| (r, p))
}

fn match_parts(parts: &[&str], segments: &[String]) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            if i >= segments.len() {
                return None;
            }
            params.insert(name.to_owned(), segments[i..].join("/"));
            return Some(params);
        }
        let seg = segments.get(i)?;
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => {
                params.insert(name.to_owned(), seg.clone());
            }
            None if part == seg => {}
            None => return None,
        }
    }
    (parts.len() == segments.len()).then_some(params)
}

/// `Mon Nov 30 14:08:51 UTC 2026`: the time stamp of API Gateway's execution log.
fn log_time() -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(crate::now_secs())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let wd = t.weekday().to_string();
    let mon = t.month().to_string();
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        &wd[..3],
        &mon[..3],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

struct Log(String);

impl Log {
    fn line(&mut self, text: impl AsRef<str>) {
        self.0.push_str(&log_time());
        self.0.push_str(" : ");
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }
}

fn headers_text(headers: &[(String, String)]) -> String {
    let inner: Vec<String> = headers.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// Replaces `${stageVariables.NAME}` and `{param}` / `{param+}` in an integration URI.
fn resolve_uri(
    uri: &str,
    stage_variables: &BTreeMap<String, String>,
    path_params: &BTreeMap<String, String>,
    mapping: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated stage variable in {uri}"))?;
        let name = &after[..end];
        let value = stage_variables
            .get(name)
            .ok_or_else(|| format!("stage variable {name} is not defined"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    // Path parameters: the integration's mapping names the method parameter it
    // takes (`integration.request.path.X` = `method.request.path.Y`); without one,
    // the parameter of the same name.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find('{') {
        result.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            result.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim_end_matches('+');
        let source = mapping
            .get(&format!("integration.request.path.{name}"))
            .and_then(|m| m.strip_prefix("method.request.path."))
            .unwrap_or(name);
        let value = path_params
            .get(source)
            .ok_or_else(|| format!("path parameter {name} has no value"))?;
        result.push_str(value);
        rest = &after[end + 1..];
    }
    result.push_str(rest);
    Ok(result)
}

enum CallError {
    Timeout,
    Failed(String),
}

fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// Runs the method: calls its integration and builds the answer and the log.
pub(crate) async fn execute(emu: &Emulator, target: &Target, request: &Request) -> Report {
    let started = Instant::now();
    let rid = crate::api::request_id();
    let mut log = Log(format!("Execution log for request {rid}\n"));
    log.line(format!("Starting execution for request: {rid}"));
    log.line(format!(
        "HTTP Method: {}, Resource Path: {}",
        request.method, request.path
    ));
    let segments: Vec<String> = request
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let path_params = match_parts(
        &target
            .resource
            .path
            .split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>(),
        &segments,
    )
    .unwrap_or_default();
    log.line(format!("Method request path: {path_params:?}"));
    log.line(format!(
        "Method request query string: {{{}}}",
        request.query.as_deref().unwrap_or("")
    ));
    log.line(format!(
        "Method request headers: {}",
        headers_text(&request.headers)
    ));
    log.line(format!(
        "Method request body before transformations: {}",
        String::from_utf8_lossy(&request.body)
    ));
    let mut invocation = Invocation {
        rest_api_id: target.rest_api_id.clone(),
        stage: target.stage.clone(),
        resource_path: target.resource.path.clone(),
        http_method: target.method.http_method.clone(),
        ..Invocation::default()
    };
    let fail = |mut log: Log, mut invocation: Invocation, status: u16, detail: String| {
        let (message, line) = if status == 504 {
            (
                "Endpoint request timed out",
                "Execution failed due to a timeout error".to_owned(),
            )
        } else {
            (
                "Internal server error",
                format!("Execution failed due to configuration error: {detail}"),
            )
        };
        log.line(line);
        log.line(format!("Method completed with status: {status}"));
        invocation.error = Some(detail);
        invocation.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Report {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Bytes::from(json!({ "message": message }).to_string()),
            log: log.0,
            invocation,
        }
    };
    let Some(integration) = &target.method.integration else {
        return fail(
            log,
            invocation,
            500,
            "No integration defined for method".into(),
        );
    };
    if integration.kind == "MOCK" {
        log.line("Method completed with status: 200");
        invocation.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        return Report {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Bytes::new(),
            log: log.0,
            invocation,
        };
    }
    if !matches!(integration.kind.as_str(), "HTTP" | "HTTP_PROXY") {
        return fail(
            log,
            invocation,
            500,
            format!(
                "{} integrations are not served by the emulator (HTTP_PROXY, HTTP and MOCK are)",
                integration.kind
            ),
        );
    }
    let uri = match resolve_uri(
        integration.uri.as_deref().unwrap_or_default(),
        &target.stage_variables,
        &path_params,
        &integration.request_parameters,
    ) {
        Ok(u) => u,
        Err(e) => {
            return fail(
                log,
                invocation,
                500,
                format!("Invalid endpoint address: {e}"),
            );
        }
    };
    let uri = match &request.query {
        Some(q) if !q.is_empty() => {
            let sep = if uri.contains('?') { '&' } else { '?' };
            format!("{uri}{sep}{q}")
        }
        _ => uri,
    };
    invocation.integration_uri = Some(uri.clone());
    let method = match integration.http_method.as_deref() {
        None | Some("ANY") => request.method.clone(),
        Some(m) => m.to_owned(),
    };
    let forwarded: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(k, _)| !HOP_BY_HOP.contains(&k.to_ascii_lowercase().as_str()))
        .cloned()
        .collect();
    log.line(format!("Endpoint request URI: {uri}"));
    log.line(format!(
        "Endpoint request headers: {}",
        headers_text(&forwarded)
    ));
    log.line(format!(
        "Endpoint request body after transformations: {}",
        String::from_utf8_lossy(&request.body)
    ));
    if let Some(id) = &target.certificate_id {
        invocation.client_certificate_id = Some(id.clone());
        match &target.certificate {
            Some(c) => {
                invocation.client_certificate_sha256 = certificate_sha256(&c.pem);
                log.line(format!(
                    "Presenting client certificate {id} (SHA-256 {})",
                    invocation
                        .client_certificate_sha256
                        .as_deref()
                        .unwrap_or("unreadable")
                ));
            }
            None => {
                return fail(
                    log,
                    invocation,
                    502,
                    format!("client certificate {id} does not exist"),
                );
            }
        }
    }
    log.line(format!("Sending request to {uri}"));
    let call_started = Instant::now();
    let timeout = Duration::from_millis(integration.timeout_in_millis);
    let outcome = tokio::time::timeout(
        timeout,
        send(
            emu,
            &uri,
            &method,
            &forwarded,
            request.body.clone(),
            target.certificate.as_ref(),
        ),
    )
    .await
    .unwrap_or(Err(CallError::Timeout));
    match outcome {
        Err(CallError::Timeout) => fail(
            log,
            invocation,
            504,
            format!(
                "no answer from {uri} within {} ms",
                integration.timeout_in_millis
            ),
        ),
        Err(CallError::Failed(detail)) => fail(log, invocation, 502, detail),
        Ok((status, headers, body)) => {
            let latency = call_started.elapsed().as_millis();
            log.line(format!(
                "Received response. Status: {status}, Integration latency: {latency} ms"
            ));
            log.line(format!(
                "Endpoint response headers: {}",
                headers_text(&headers)
            ));
            log.line(format!(
                "Endpoint response body before transformations: {}",
                String::from_utf8_lossy(&body)
            ));
            log.line(format!(
                "Method response body after transformations: {}",
                String::from_utf8_lossy(&body)
            ));
            log.line(format!(
                "Method response headers: {}",
                headers_text(&headers)
            ));
            log.line("Successfully completed execution");
            log.line(format!("Method completed with status: {status}"));
            invocation.integration_status = Some(status);
            invocation.latency_ms =
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            Report {
                status,
                headers,
                body,
                log: log.0,
                invocation,
            }
        }
    }
}

type Answered = (u16, Vec<(String, String)>, Bytes);

async fn send(
    emu: &Emulator,
    uri: &str,
    method: &str,
    headers: &[(String, String)],
    body: Bytes,
    certificate: Option<&CertRecord>,
) -> Result<Answered, CallError> {
    let failed = |what: &str, e: &(dyn StdError + 'static)| {
        CallError::Failed(format!("{what}: {}", error_chain(e)))
    };
    let parsed: Uri = uri
        .parse()
        .map_err(|e| failed(&format!("invalid endpoint address {uri}"), &e))?;
    let https = match parsed.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => {
            return Err(CallError::Failed(format!(
                "invalid endpoint address {uri}: not http or https"
            )));
        }
    };
    let host = parsed
        .host()
        .ok_or_else(|| CallError::Failed(format!("invalid endpoint address {uri}: no host")))?;
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = parsed
        .authority()
        .map_or_else(|| host.to_owned(), |a| a.as_str().to_owned());
    let path = parsed
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, authority);
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let req = builder
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .map_err(|e| failed("cannot build the endpoint request", &e))?;
    let tcp = TcpStream::connect((bare_host.as_str(), port))
        .await
        .map_err(|e| failed(&format!("cannot connect to {bare_host}:{port}"), &e))?;
    let _ = tcp.set_nodelay(true);
    if !https {
        return exchange(tcp, req).await;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed("TLS setup", &e))?
        .with_root_certificates(emu.backend_roots());
    let config = match certificate {
        Some(c) => {
            let chain = vec![
                CertificateDer::from_pem_slice(c.pem.as_bytes())
                    .map_err(|e| failed(&format!("client certificate {}", c.id), &e))?,
            ];
            let key = PrivateKeyDer::from_pem_slice(c.key_pem.as_bytes())
                .map_err(|e| failed(&format!("private key of client certificate {}", c.id), &e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| failed(&format!("client certificate {}", c.id), &e))?
        }
        None => builder.with_no_client_auth(),
    };
    let name = ServerName::try_from(bare_host.clone())
        .map_err(|e| failed(&format!("invalid server name {bare_host}"), &e))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| failed("TLS handshake with the endpoint failed", &e))?;
    exchange(tls, req).await
}

async fn exchange<S>(io: S, req: hyper::Request<Body>) -> Result<Answered, CallError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |what: &str, e: &(dyn StdError + 'static)| {
        CallError::Failed(format!("{what}: {}", error_chain(e)))
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| failed("HTTP handshake with the endpoint failed", &e))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    // With TLS 1.3 a backend refuses a client certificate only after the handshake,
    // so that refusal surfaces here, as an alert while reading the answer.
    let result = async {
        let response = sender
            .send_request(req)
            .await
            .map_err(|e| failed("the endpoint closed the connection without an answer", &e))?;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(Body::new(body), MAX_PAYLOAD)
            .await
            .map_err(|e| failed("reading the endpoint's answer", &e))?;
        let headers = parts
            .headers
            .iter()
            .filter(|(k, _)| !HOP_BY_HOP.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        Ok((parts.status.as_u16(), headers, body))
    }
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ApiResource {
        ApiResource {
            id: path.to_owned(),
            parent_id: None,
            path_part: None,
            path: path.to_owned(),
            methods: BTreeMap::new(),
        }
    }

    fn segs(p: &str) -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_most_specific_resource_wins() {
        let all = [
            res("/"),
            res("/pets"),
            res("/pets/{id}"),
            res("/pets/mine"),
            res("/{proxy+}"),
        ];
        let pick =
            |p: &str| match_resource(all.iter(), &segs(p)).map(|(r, ps)| (r.path.clone(), ps));
        assert_eq!(pick("/").unwrap().0, "/");
        assert_eq!(pick("/pets").unwrap().0, "/pets");
        assert_eq!(pick("/pets/mine").unwrap().0, "/pets/mine");
        let (path, params) = pick("/pets/7").unwrap();
        assert_eq!(path, "/pets/{id}");
        assert_eq!(params["id"], "7");
        let (path, params) = pick("/a/b/c").unwrap();
        assert_eq!(path, "/{proxy+}");
        assert_eq!(params["proxy"], "a/b/c");
        assert!(match_resource([res("/pets")].iter(), &segs("/cats")).is_none());
    }

    #[test]
    fn uris_take_stage_variables_and_path_parameters() {
        let vars = BTreeMap::from([("backend".to_owned(), "127.0.0.1:8443".to_owned())]);
        let params = BTreeMap::from([("proxy".to_owned(), "a/b".to_owned())]);
        let mapping = BTreeMap::new();
        assert_eq!(
            resolve_uri(
                "https://${stageVariables.backend}/x/{proxy}",
                &vars,
                &params,
                &mapping
            )
            .unwrap(),
            "https://127.0.0.1:8443/x/a/b"
        );
        let err =
            resolve_uri("https://${stageVariables.nope}/", &vars, &params, &mapping).unwrap_err();
        assert!(err.contains("nope"), "{err}");
    }
}
