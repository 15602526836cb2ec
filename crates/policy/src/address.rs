//! Terraform resource addresses and expression references.
//!
//! Addresses such as `module.api["eu.west"].aws_api_gateway_stage.prod[0]` contain dots
//! inside instance keys, so they are split with bracket and quote awareness rather than
//! on every dot.

use serde_json::Value;

/// Splits at top-level dots, keeping `[...]` instance keys (and quoted strings inside
/// them) attached to their segment.
pub fn split_segments(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut start = 0usize;
    for (i, c) in address.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' if depth > 0 => in_str = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                out.push(&address[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&address[start..]);
    out
}

/// Splits `name[key]` into the name and the parsed instance key.
pub fn split_index(segment: &str) -> (&str, Option<Value>) {
    match segment.find('[') {
        Some(open) if segment.ends_with(']') => {
            let inner = &segment[open + 1..segment.len() - 1];
            let key = serde_json::from_str::<Value>(inner).ok();
            (&segment[..open], key)
        }
        _ => (segment, None),
    }
}

/// Where a resource instance lives: the module instance prefix (with keys) and the
/// module call names (without keys), which is how the `configuration` section is keyed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleLocation {
    /// `module.a["x"].module.b`, or empty for the root module.
    pub instance: String,
    /// `["a", "b"]`.
    pub path: Vec<String>,
}

/// Parses the module part of a resource instance address.
pub fn module_of(address: &str) -> ModuleLocation {
    let segments = split_segments(address);
    let mut loc = ModuleLocation::default();
    let mut i = 0;
    while i + 1 < segments.len() && segments[i] == "module" {
        let (name, _) = split_index(segments[i + 1]);
        if !loc.instance.is_empty() {
            loc.instance.push('.');
        }
        loc.instance.push_str("module.");
        loc.instance.push_str(segments[i + 1]);
        loc.path.push(name.to_string());
        i += 2;
    }
    loc
}

/// A reference from an expression to a managed resource, e.g.
/// `aws_api_gateway_client_certificate.this[0].id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRef {
    pub resource_type: String,
    pub name: String,
    pub index: Option<Value>,
    pub attribute: Option<String>,
}

/// Parses a reference string from a configuration expression. Returns `None` for
/// references that do not name a managed resource (`var.x`, `local.y`, `data.z.w`,
/// `module.m.out`, `each.key`, `count.index`, ...).
pub fn parse_reference(reference: &str) -> Option<ResourceRef> {
    let segments = split_segments(reference);
    let first = *segments.first()?;
    if matches!(
        first,
        "var" | "local" | "data" | "module" | "each" | "count" | "path" | "terraform" | "self"
    ) || first.contains('[')
    {
        return None;
    }
    let (name, index) = split_index(segments.get(1)?);
    let attribute = segments.get(2).map(|a| split_index(a).0.to_string());
    Some(ResourceRef {
        resource_type: first.to_string(),
        name: name.to_string(),
        index,
        attribute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_keys_containing_dots() {
        assert_eq!(
            split_segments(r#"module.api["eu.west"].aws_api_gateway_stage.prod[0]"#),
            vec![
                "module",
                r#"api["eu.west"]"#,
                "aws_api_gateway_stage",
                "prod[0]"
            ]
        );
    }

    #[test]
    fn module_location_strips_keys_for_the_path() {
        let loc = module_of(r#"module.api["a"].module.inner.aws_api_gateway_stage.s"#);
        assert_eq!(loc.instance, r#"module.api["a"].module.inner"#);
        assert_eq!(loc.path, vec!["api".to_string(), "inner".to_string()]);
        assert_eq!(
            module_of("aws_api_gateway_stage.s"),
            ModuleLocation::default()
        );
    }

    #[test]
    fn references_to_resources_parse_and_others_do_not() {
        let r = parse_reference("aws_api_gateway_client_certificate.this[0].id").expect("resource");
        assert_eq!(r.resource_type, "aws_api_gateway_client_certificate");
        assert_eq!(r.name, "this");
        assert_eq!(r.index, Some(json!(0)));
        assert_eq!(r.attribute.as_deref(), Some("id"));
        let r = parse_reference(r#"apigw_rotating_client_certificate.x["k"]"#).expect("resource");
        assert_eq!(r.index, Some(json!("k")));
        assert_eq!(r.attribute, None);
        for other in [
            "var.id",
            "local.x",
            "data.a.b.id",
            "module.m.id",
            "count.index",
            "each.key",
        ] {
            assert_eq!(parse_reference(other), None, "{other}");
        }
    }
}
