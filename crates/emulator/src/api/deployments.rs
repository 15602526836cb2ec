//! Deployments and stages.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::fields::{PatchOp, invalid_patch, opt_bool, opt_string, page, patch_ops, string_map};
use super::rest_apis::{api_mut, api_not_found, api_ref};
use super::tags::validate_tags;
use super::{Answer, Ctx};
use crate::awserr::AwsError;
use crate::model::{Deployment, Stage, Tags};
use crate::{now_secs, random_id};

const DEPLOYMENT_ID_LEN: usize = 6;

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

pub(super) fn create_deployment(ctx: &Ctx<'_>, api_id: &str) -> Answer {
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

pub(super) fn get_deployments(ctx: &Ctx<'_>, api_id: &str) -> Answer {
    ctx.read(|s| page(ctx, &api_ref(s, api_id)?.deployments, Deployment::to_json))
}

pub(super) fn get_deployment(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
    ctx.read(|s| {
        let d = api_ref(s, api_id)?
            .deployments
            .get(id)
            .ok_or_else(deployment_not_found)?;
        Ok((200, Some(d.to_json())))
    })
}

pub(super) fn delete_deployment(ctx: &Ctx<'_>, api_id: &str, id: &str) -> Answer {
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

pub(super) fn stage_not_found() -> AwsError {
    AwsError::not_found("Invalid Stage identifier specified")
}

pub(super) fn create_stage(ctx: &Ctx<'_>, api_id: &str) -> Answer {
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

pub(super) fn get_stages(ctx: &Ctx<'_>, api_id: &str) -> Answer {
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

pub(super) fn get_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
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

pub(super) fn update_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
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

pub(super) fn delete_stage(ctx: &Ctx<'_>, api_id: &str, name: &str) -> Answer {
    ctx.mutate(|s| {
        let api = api_mut(s, api_id)?;
        match api.stages.remove(name) {
            Some(_) => Ok((202, None)),
            None => Err(stage_not_found()),
        }
    })
}
