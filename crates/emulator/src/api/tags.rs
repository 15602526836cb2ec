//! Tags: ARN parsing, AWS tag rules and the tag operations.

use serde_json::{Value, json};

use super::certificates::cert_not_found;
use super::deployments::stage_not_found;
use super::fields::string_map;
use super::rest_apis::{api_mut, api_ref};
use super::{Answer, Ctx};
use crate::awserr::AwsError;
use crate::model::{Inventory, Tags};

const MAX_TAGS: usize = 50;

fn tag_char_ok(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

pub(super) fn validate_tags(tags: &Tags) -> Result<(), AwsError> {
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

pub(super) fn get_tags(ctx: &Ctx<'_>, arn: &str) -> Answer {
    let resource = parse_arn(arn)?;
    let tags = ctx.read(|s| resource_tags_ref(s, &resource).cloned())?;
    let obj: serde_json::Map<String, Value> = tags
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok((200, Some(json!({ "tags": obj }))))
}

pub(super) fn tag_resource(ctx: &Ctx<'_>, arn: &str) -> Answer {
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

pub(super) fn untag_resource(ctx: &Ctx<'_>, arn: &str) -> Answer {
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
