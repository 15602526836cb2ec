//! Conversions between the layer's types and the generated protobuf messages.

use super::codec::{EncodeError, to_msgpack, type_to_json_bytes};
use super::diag::{AttributePath, Diagnostic, PathStep, Severity};
use super::proto::tfplugin6 as pb;
use super::schema::{
    Attribute, Block, FunctionDef, NestedAttributes, Nesting, ObjectNesting, Parameter, Schema,
};
use super::value::{Type, Value};

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block, s.version)),
    }
}

fn block(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b
            .blocks
            .iter()
            .map(|nb| pb::schema::NestedBlock {
                type_name: nb.type_name.clone(),
                block: Some(block(&nb.block, version)),
                nesting: match nb.nesting {
                    Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                    Nesting::List => pb::schema::nested_block::NestingMode::List,
                    Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                    Nesting::Map => pb::schema::nested_block::NestingMode::Map,
                    Nesting::Group => pb::schema::nested_block::NestingMode::Group,
                } as i32,
                min_items: nb.min_items,
                max_items: nb.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

/// A nested attribute has `nested_type` and no `type`: Terraform rejects an
/// attribute that sets both, and derives the value type from the objects.
fn attribute(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type: match &a.nested {
            Some(_) => Vec::new(),
            None => type_to_json_bytes(&a.ty),
        },
        nested_type: a.nested.as_ref().map(nested_object),
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated,
        write_only: false,
    }
}

fn nested_object(n: &NestedAttributes) -> pb::schema::Object {
    use pb::schema::object::NestingMode;
    pb::schema::Object {
        attributes: n.attributes.iter().map(attribute).collect(),
        nesting: match n.nesting {
            ObjectNesting::Single => NestingMode::Single,
            ObjectNesting::List => NestingMode::List,
            ObjectNesting::Set => NestingMode::Set,
            ObjectNesting::Map => NestingMode::Map,
        } as i32,
        // Deprecated in the protocol; Terraform ignores them.
        #[allow(deprecated)]
        min_items: 0,
        #[allow(deprecated)]
        max_items: 0,
    }
}

pub fn function(f: &FunctionDef) -> pb::Function {
    pb::Function {
        parameters: f.parameters.iter().map(parameter).collect(),
        variadic_parameter: f.variadic_parameter.as_ref().map(parameter),
        r#return: Some(pb::function::Return {
            r#type: type_to_json_bytes(&f.return_type),
        }),
        summary: f.summary.clone(),
        description: f.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

fn parameter(p: &Parameter) -> pb::function::Parameter {
    pb::function::Parameter {
        name: p.name.clone(),
        r#type: type_to_json_bytes(&p.ty),
        allow_null_value: p.allow_null_value,
        allow_unknown_values: p.allow_unknown_values,
        description: p.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    }
}

pub fn path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: clip(&d.summary, MAX_SUMMARY_BYTES),
        detail: clip(&d.detail, MAX_DETAIL_BYTES),
        attribute: d.attribute.as_ref().map(path),
    }
}

/// Diagnostics quote the offending value; a pathological value (megabytes of
/// configuration) must not turn into a megabyte of terminal output.
const MAX_SUMMARY_BYTES: usize = 512;
const MAX_DETAIL_BYTES: usize = 16 * 1024;

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} more bytes not shown]", &s[..end], s.len() - end)
}

pub fn diagnostics(ds: &[Diagnostic]) -> Vec<pb::Diagnostic> {
    ds.iter().map(diagnostic).collect()
}

pub fn dynamic(v: &Value, ty: &Type) -> Result<pb::DynamicValue, EncodeError> {
    Ok(pb::DynamicValue {
        msgpack: to_msgpack(v, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::type_from_json;

    #[test]
    fn nested_attribute_has_nested_type_and_no_type() {
        let a = Attribute::computed_nested(
            "certificates",
            NestedAttributes::list(vec![
                Attribute::computed("id", Type::String, "The ID."),
                Attribute::computed_nested(
                    "stages",
                    NestedAttributes::set(vec![Attribute::computed(
                        "stage_name",
                        Type::String,
                        "The stage.",
                    )]),
                    "Stages using it.",
                ),
            ]),
            "All of them.",
        );
        let p = attribute(&a);
        assert_eq!(p.name, "certificates");
        assert!(p.r#type.is_empty(), "type must be empty beside nested_type");
        assert!(p.computed && !p.optional && !p.required);
        assert_eq!(p.description, "All of them.");
        let obj = p.nested_type.expect("nested_type");
        assert_eq!(obj.nesting, pb::schema::object::NestingMode::List as i32);
        let names: Vec<_> = obj.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "stages"]);
        let id = &obj.attributes[0];
        assert_eq!(id.r#type, br#""string""#);
        assert!(id.nested_type.is_none());
        assert_eq!(
            (id.description.as_str(), id.description_kind),
            ("The ID.", pb::StringKind::Markdown as i32)
        );
        let stages = &obj.attributes[1];
        assert!(stages.r#type.is_empty());
        let inner = stages.nested_type.as_ref().expect("stages nested_type");
        assert_eq!(inner.nesting, pb::schema::object::NestingMode::Set as i32);
        assert_eq!(inner.attributes[0].name, "stage_name");
        assert_eq!(inner.attributes[0].description, "The stage.");
    }

    #[test]
    fn plain_attribute_keeps_its_type_and_no_nested_type() {
        let p = attribute(&Attribute::optional(
            "tags",
            Type::Map(Box::new(Type::String)),
            "Tags.",
        ));
        assert!(p.nested_type.is_none());
        let json: serde_json::Value = serde_json::from_slice(&p.r#type).expect("type is JSON");
        assert_eq!(
            type_from_json(&json).expect("a type"),
            Type::Map(Box::new(Type::String))
        );
    }

    #[test]
    fn long_diagnostics_are_clipped_on_a_char_boundary() {
        let d = Diagnostic::error("s".repeat(600), "é".repeat(20_000));
        let p = diagnostic(&d);
        assert!(p.summary.starts_with(&"s".repeat(512)));
        assert!(
            p.summary.ends_with("[88 more bytes not shown]"),
            "{}",
            p.summary
        );
        assert!(p.detail.len() < MAX_DETAIL_BYTES + 64);
        assert!(
            p.detail.ends_with("[23616 more bytes not shown]"),
            "{}",
            &p.detail[p.detail.len() - 40..]
        );
        let short = diagnostic(&Diagnostic::warning("ok", "fine"));
        assert_eq!(
            (short.summary.as_str(), short.detail.as_str()),
            ("ok", "fine")
        );
    }
}
