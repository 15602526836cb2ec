//! REST APIs.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::{opt_bool, opt_string, page, string_map};
use super::tags::validate_tags;
use super::{Answer, Ctx};
use crate::awserr::AwsError;
use crate::model::{Inventory, RestApi};
use crate::{now_secs, random_id};

const API_ID_LEN: usize = 10;

pub(super) fn api_not_found(id: &str) -> AwsError {
    AwsError::not_found(format!("Invalid API identifier specified {id}"))
}

pub(crate) fn api_mut<'a>(s: &'a mut Inventory, id: &str) -> Result<&'a mut RestApi, AwsError> {
    s.rest_apis.get_mut(id).ok_or_else(|| api_not_found(id))
}

pub(crate) fn api_ref<'a>(s: &'a Inventory, id: &str) -> Result<&'a RestApi, AwsError> {
    s.rest_apis.get(id).ok_or_else(|| api_not_found(id))
}

pub(super) fn create_rest_api(ctx: &Ctx<'_>) -> Answer {
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

pub(super) fn get_rest_apis(ctx: &Ctx<'_>) -> Answer {
    ctx.read(|s| page(ctx, &s.rest_apis, RestApi::to_json))
}

pub(super) fn get_rest_api(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.read(|s| Ok((200, Some(api_ref(s, id)?.to_json()))))
}

pub(super) fn delete_rest_api(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.mutate(|s| match s.rest_apis.remove(id) {
        Some(_) => Ok((202, None)),
        None => Err(api_not_found(id)),
    })
}
