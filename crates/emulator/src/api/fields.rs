//! Request-body field readers, JSON Patch operations and `position`/`limit` paging,
//! shared by every resource family.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Answer, Ctx};
use crate::awserr::AwsError;

pub(super) fn opt_string(
    m: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a string, got {other}"
        ))),
    }
}

pub(super) fn opt_bool(
    m: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<bool>, AwsError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(AwsError::bad_request(format!(
            "Invalid value for '{key}': expected a boolean, got {other}"
        ))),
    }
}

pub(super) fn string_map(
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

/// One JSON Patch operation as API Gateway accepts it.
pub(super) struct PatchOp {
    pub(super) op: String,
    pub(super) path: String,
    pub(super) value: Option<String>,
}

pub(super) fn patch_ops(ctx: &Ctx<'_>) -> Result<Vec<PatchOp>, AwsError> {
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

pub(super) fn invalid_patch(op: &PatchOp, allowed: &str) -> AwsError {
    AwsError::bad_request(format!(
        "Invalid patch path '{}' specified for op '{}'. Must be one of: [{allowed}]",
        op.path, op.op
    ))
}

pub(super) fn parse_limit(ctx: &Ctx<'_>) -> Result<usize, AwsError> {
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
pub(super) fn page<'a, T: 'a>(
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
