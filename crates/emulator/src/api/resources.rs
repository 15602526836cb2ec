//! Resources, methods, integrations and TestInvokeMethod.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::fields::{opt_bool, opt_string, page, string_map};
use super::{Answer, Ctx, MethodKey, api_mut, api_ref};
use crate::awserr::AwsError;
use crate::dataplane::{self, Target};
use crate::model::{ApiMethod, ApiResource, Integration, Inventory, RestApi};
use crate::random_id;

const RESOURCE_ID_LEN: usize = 6;
const HTTP_METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];
const AUTHORIZATION_TYPES: [&str; 4] = ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];
const INTEGRATION_TYPES: [&str; 5] = ["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK"];
/// API Gateway's default and maximum integration timeout (50 ms is the minimum).
const DEFAULT_TIMEOUT_MS: u64 = 29_000;

pub(super) fn resource_not_found() -> AwsError {
    AwsError::not_found("Invalid Resource identifier specified")
}

fn method_not_found() -> AwsError {
    AwsError::not_found("Invalid Method identifier specified")
}

fn integration_not_found() -> AwsError {
    AwsError::not_found("No integration defined for method")
}

fn api_with_root<'a>(s: &'a mut Inventory, id: &str) -> Result<&'a mut RestApi, AwsError> {
    let api = api_mut(s, id)?;
    api.ensure_root();
    Ok(api)
}

fn resource_ref<'a>(api: &'a RestApi, id: &str) -> Result<&'a ApiResource, AwsError> {
    api.resources.get(id).ok_or_else(resource_not_found)
}

pub(super) fn get_resources(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    let embed = ctx.query_all("embed").iter().any(|e| e == "methods");
    ctx.read(|s| page(ctx, &api_ref(s, api_id)?.resources, |r| r.to_json(embed)))
}

pub(super) fn get_resource(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
    let embed = ctx.query_all("embed").iter().any(|e| e == "methods");
    ctx.read(|s| {
        Ok((
            200,
            Some(resource_ref(api_ref(s, api_id)?, id)?.to_json(embed)),
        ))
    })
}

fn validate_path_part(part: &str) -> Result<(), AwsError> {
    let plain = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b))
    };
    let ok = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => {
            let name = inner.strip_suffix('+').unwrap_or(inner);
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        }
        None => plain(part) && !part.contains(['{', '}']),
    };
    if ok {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning \
             and the end and an optional plus sign before the closing brace, got {part:?}"
        )))
    }
}

pub(super) fn create_resource(ctx: &Ctx<'_>, api_id: &str, parent_id: &str) -> Answer {
    let body = ctx.body_object()?;
    let part = opt_string(&body, "pathPart")?
        .ok_or_else(|| AwsError::bad_request("Invalid request: 'pathPart' is required"))?;
    validate_path_part(&part)?;
    ctx.mutate(|s| {
        let api = api_with_root(s, api_id)?;
        let parent = api.resources.get(parent_id).ok_or_else(|| {
            AwsError::not_found(format!("Invalid Resource identifier specified {parent_id}"))
        })?;
        if parent
            .path_part
            .as_deref()
            .is_some_and(|p| p.ends_with("+}"))
        {
            return Err(AwsError::bad_request(
                "A greedy path variable ({name+}) must be the last part of a path",
            ));
        }
        let path = if parent.path == "/" {
            format!("/{part}")
        } else {
            format!("{}/{part}", parent.path)
        };
        let is_var = |p: &str| p.starts_with('{');
        if let Some(sibling) = api.resources.values().find(|r| {
            r.parent_id.as_deref() == Some(parent_id)
                && r.path_part
                    .as_deref()
                    .is_some_and(|p| p == part || (is_var(p) && is_var(&part)))
        }) {
            return Err(AwsError::conflict(format!(
                "Another resource with the same parent already has this name: {}",
                sibling.path_part.as_deref().unwrap_or_default()
            )));
        }
        let mut id = random_id(RESOURCE_ID_LEN);
        while api.resources.contains_key(&id) {
            id = random_id(RESOURCE_ID_LEN);
        }
        let resource = ApiResource {
            id: id.clone(),
            parent_id: Some(parent_id.to_owned()),
            path_part: Some(part),
            path,
            methods: BTreeMap::new(),
        };
        let json = resource.to_json(false);
        api.resources.insert(id, resource);
        Ok((201, Some(json)))
    })
}

pub(super) fn delete_resource(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
    ctx.mutate(|s| {
        let api = api_with_root(s, api_id)?;
        if id == api.root_resource_id {
            return Err(AwsError::bad_request("Cannot delete root resource"));
        }
        if !api.resources.contains_key(id) {
            return Err(resource_not_found());
        }
        // The resource goes with everything below it.
        let mut doomed = vec![id.to_owned()];
        let mut i = 0;
        while i < doomed.len() {
            let children: Vec<String> = api
                .resources
                .values()
                .filter(|r| r.parent_id.as_deref() == Some(doomed[i].as_str()))
                .map(|r| r.id.clone())
                .collect();
            doomed.extend(children);
            i += 1;
        }
        for d in doomed {
            api.resources.remove(&d);
        }
        Ok((202, None))
    })
}

fn validate_http_method(m: &str) -> Result<(), AwsError> {
    if HTTP_METHODS.contains(&m) {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid HttpMethod specified: {m:?}. Valid options are {}",
            HTTP_METHODS.join(",")
        )))
    }
}

fn bool_map(
    m: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<BTreeMap<String, bool>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::Bool(b) => Ok((k.clone(), *b)),
                other => Err(AwsError::bad_request(format!(
                    "Invalid value for '{key}.{k}': expected a boolean, got {other}"
                ))),
            })
            .collect(),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a map of booleans, got {other}"
        ))),
    }
}

fn string_list(m: &serde_json::Map<String, Value>, key: &str) -> Result<Vec<String>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    AwsError::bad_request(format!(
                        "Invalid value in '{key}': expected a string, got {v}"
                    ))
                })
            })
            .collect(),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a list of strings, got {other}"
        ))),
    }
}

fn method_mut<'a>(s: &'a mut Inventory, k: &MethodKey) -> Result<&'a mut ApiMethod, AwsError> {
    api_with_root(s, &k.api)?
        .resources
        .get_mut(&k.resource)
        .ok_or_else(resource_not_found)?
        .methods
        .get_mut(&k.http_method)
        .ok_or_else(method_not_found)
}

fn method_ref<'a>(s: &'a Inventory, k: &MethodKey) -> Result<&'a ApiMethod, AwsError> {
    resource_ref(api_ref(s, &k.api)?, &k.resource)?
        .methods
        .get(&k.http_method)
        .ok_or_else(method_not_found)
}

pub(super) fn put_method(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    validate_http_method(&k.http_method)?;
    let body = ctx.body_object()?;
    let authorization_type = opt_string(&body, "authorizationType")?
        .ok_or_else(|| AwsError::bad_request("Invalid request: 'authorizationType' is required"))?;
    if !AUTHORIZATION_TYPES.contains(&authorization_type.as_str()) {
        return Err(AwsError::bad_request(format!(
            "Invalid authorization type specified: {authorization_type:?}. Valid options are {}",
            AUTHORIZATION_TYPES.join(",")
        )));
    }
    let authorizer_id = opt_string(&body, "authorizerId")?;
    if matches!(authorization_type.as_str(), "CUSTOM" | "COGNITO_USER_POOLS")
        && authorizer_id.is_none()
    {
        return Err(AwsError::bad_request(format!(
            "Invalid authorizer ID specified: {authorization_type} authorization needs an authorizerId"
        )));
    }
    let method = ApiMethod {
        http_method: k.http_method.clone(),
        authorization_type,
        authorizer_id,
        api_key_required: opt_bool(&body, "apiKeyRequired")?.unwrap_or(false),
        operation_name: opt_string(&body, "operationName")?,
        request_validator_id: opt_string(&body, "requestValidatorId")?,
        request_parameters: bool_map(&body, "requestParameters")?,
        request_models: string_map(&body, "requestModels")?,
        authorization_scopes: string_list(&body, "authorizationScopes")?,
        integration: None,
    };
    ctx.mutate(|s| {
        let resource = api_with_root(s, &k.api)?
            .resources
            .get_mut(&k.resource)
            .ok_or_else(resource_not_found)?;
        if resource.methods.contains_key(&k.http_method) {
            return Err(AwsError::conflict(
                "Method already exists for this resource",
            ));
        }
        let json = method.to_json();
        resource.methods.insert(k.http_method.clone(), method);
        Ok((201, Some(json)))
    })
}

pub(super) fn get_method(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    ctx.read(|s| Ok((200, Some(method_ref(s, k)?.to_json()))))
}

pub(super) fn delete_method(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    ctx.mutate(|s| {
        let resource = api_with_root(s, &k.api)?
            .resources
            .get_mut(&k.resource)
            .ok_or_else(resource_not_found)?;
        match resource.methods.remove(&k.http_method) {
            Some(_) => Ok((202, None)),
            None => Err(method_not_found()),
        }
    })
}

fn validate_http_uri(uri: &str) -> Result<(), AwsError> {
    // Stage variables (`https://${stageVariables.host}/x`) are filled in per call, so
    // only the scheme and a non-empty rest are checked here.
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    if rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid HTTP endpoint specified for URI: {uri:?} (expected an absolute http:// or https:// URL)"
        )))
    }
}

pub(super) fn put_integration(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    let body = ctx.body_object()?;
    let kind = opt_string(&body, "type")?
        .ok_or_else(|| AwsError::bad_request("Invalid request: 'type' is required"))?;
    if !INTEGRATION_TYPES.contains(&kind.as_str()) {
        return Err(AwsError::bad_request(format!(
            "Invalid integration type specified: {kind:?}. Valid options are {}",
            INTEGRATION_TYPES.join(",")
        )));
    }
    let http_method = opt_string(&body, "httpMethod")?;
    let uri = opt_string(&body, "uri")?;
    if matches!(kind.as_str(), "HTTP" | "HTTP_PROXY" | "AWS" | "AWS_PROXY") {
        let m = http_method.as_deref().ok_or_else(|| {
            AwsError::bad_request("Enumeration value for HttpMethod must be non-empty")
        })?;
        validate_http_method(m)?;
        let u = uri.as_deref().ok_or_else(|| {
            AwsError::bad_request(format!(
                "Invalid request: 'uri' is required for {kind} integrations"
            ))
        })?;
        if kind.starts_with("HTTP") {
            validate_http_uri(u)?;
        }
    }
    let connection_type = opt_string(&body, "connectionType")?.unwrap_or_else(|| "INTERNET".into());
    if !["INTERNET", "VPC_LINK"].contains(&connection_type.as_str()) {
        return Err(AwsError::bad_request(format!(
            "Invalid connection type {connection_type:?}: must be INTERNET or VPC_LINK"
        )));
    }
    let timeout = match body.get("timeoutInMillis") {
        None | Some(Value::Null) => DEFAULT_TIMEOUT_MS,
        Some(v) => match v.as_u64() {
            Some(ms) if (50..=DEFAULT_TIMEOUT_MS).contains(&ms) => ms,
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Timeout should be between 50 ms and 29000 ms, got {v}"
                )));
            }
        },
    };
    let passthrough = opt_string(&body, "passthroughBehavior")?;
    if let Some(p) = &passthrough
        && !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&p.as_str())
    {
        return Err(AwsError::bad_request(format!(
            "Invalid passthrough behavior {p:?}: must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER"
        )));
    }
    let insecure = match body.get("tlsConfig") {
        None | Some(Value::Null) => None,
        Some(Value::Object(t)) => opt_bool(t, "insecureSkipVerification")?,
        Some(other) => {
            return Err(AwsError::bad_request(format!(
                "Invalid value for 'tlsConfig': expected an object, got {other}"
            )));
        }
    };
    let integration = Integration {
        passthrough_behavior: Some(passthrough.unwrap_or_else(|| "WHEN_NO_MATCH".into())),
        kind,
        http_method,
        uri,
        connection_type,
        connection_id: opt_string(&body, "connectionId")?,
        credentials: opt_string(&body, "credentials")?,
        request_parameters: string_map(&body, "requestParameters")?,
        request_templates: string_map(&body, "requestTemplates")?,
        content_handling: opt_string(&body, "contentHandling")?,
        timeout_in_millis: timeout,
        cache_namespace: opt_string(&body, "cacheNamespace")?.unwrap_or_else(|| k.resource.clone()),
        cache_key_parameters: string_list(&body, "cacheKeyParameters")?,
        insecure_skip_verification: insecure,
    };
    ctx.mutate(|s| {
        let method = method_mut(s, k)?;
        let json = integration.to_json();
        method.integration = Some(integration);
        Ok((201, Some(json)))
    })
}

pub(super) fn get_integration(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    ctx.read(|s| {
        let i = method_ref(s, k)?
            .integration
            .as_ref()
            .ok_or_else(integration_not_found)?;
        Ok((200, Some(i.to_json())))
    })
}

pub(super) fn delete_integration(ctx: &Ctx<'_>, k: &MethodKey) -> Answer {
    ctx.mutate(|s| {
        let method = method_mut(s, k)?;
        match method.integration.take() {
            Some(_) => Ok((202, None)),
            None => Err(integration_not_found()),
        }
    })
}

/// TestInvokeMethod: calls the method's integration as it is now (not as deployed),
/// presenting `clientCertificateId` when given, and reports like AWS.
pub(super) async fn test_invoke_method(ctx: &Ctx<'_>, k: &MethodKey, seq: u64) -> Answer {
    let body = ctx.body_object()?;
    let path_with_query = opt_string(&body, "pathWithQueryString")?;
    let request_body = opt_string(&body, "body")?.unwrap_or_default();
    let mut headers: Vec<(String, String)> = string_map(&body, "headers")?.into_iter().collect();
    if let Some(Value::Object(multi)) = body.get("multiValueHeaders") {
        for (name, values) in multi {
            for v in values.as_array().into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    headers.push((name.clone(), v.to_owned()));
                }
            }
        }
    }
    let cert_id = opt_string(&body, "clientCertificateId")?.filter(|c| !c.is_empty());
    let stage_variables = string_map(&body, "stageVariables")?;
    let target = ctx.read(|s| -> Result<Target, AwsError> {
        let api = api_ref(s, &k.api)?;
        let resource = resource_ref(api, &k.resource)?.clone();
        let method = resource
            .methods
            .get(&k.http_method)
            .ok_or_else(method_not_found)?
            .clone();
        let certificate = match &cert_id {
            Some(id) => Some(s.certificates.get(id).cloned().ok_or_else(|| {
                AwsError::bad_request(format!(
                    "Invalid client certificate identifier specified: {id}"
                ))
            })?),
            None => None,
        };
        Ok(Target {
            rest_api_id: api.id.clone(),
            stage: None,
            resource,
            method,
            stage_variables,
            certificate,
            certificate_id: cert_id.clone(),
        })
    })?;
    let (path, query) = match path_with_query.as_deref() {
        Some(p) => match p.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (p.to_owned(), None),
        },
        None => (target.resource.path.clone(), None),
    };
    let request = dataplane::Request {
        method: if k.http_method == "ANY" {
            "GET".to_owned()
        } else {
            k.http_method.clone()
        },
        path,
        query,
        headers,
        body: request_body.into_bytes().into(),
    };
    let report = dataplane::execute(ctx.emu, &target, &request).await;
    ctx.emu
        .control()
        .record_invocation(seq, report.invocation.clone());
    let mut single = serde_json::Map::new();
    let mut multi: serde_json::Map<String, Value> = serde_json::Map::new();
    for (name, value) in &report.headers {
        single.insert(name.clone(), json!(value));
        match multi.get_mut(name) {
            Some(Value::Array(a)) => a.push(json!(value)),
            _ => {
                multi.insert(name.clone(), json!([value]));
            }
        }
    }
    Ok((
        200,
        Some(json!({
            "status": report.status,
            "body": String::from_utf8_lossy(&report.body),
            "headers": single,
            "multiValueHeaders": multi,
            "log": report.log,
            "latency": report.invocation.latency_ms,
        })),
    ))
}
