//! Terraform loads the provider offline and sees a fully described schema.

mod common;

use common::Tf;
use serde_json::Value;

/// Every attribute of a schema block (recursively through nested blocks) must
/// carry a description: descriptions are the documentation.
fn undescribed(block: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(attrs) = block["attributes"].as_object() {
        for (name, a) in attrs {
            if a["description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
            {
                out.push(format!("{path}.{name}"));
            }
        }
    }
    if let Some(blocks) = block["block_types"].as_object() {
        for (name, b) in blocks {
            undescribed(&b["block"], &format!("{path}.{name}"), out);
        }
    }
}

#[test]
fn init_offline_then_schema_lists_provider_with_every_attribute_described() {
    let tf = Tf::without_emulator();
    let init = tf.init();
    let stdout = String::from_utf8_lossy(&init.stdout);
    assert!(
        stdout.contains("certops/apigw"),
        "init did not install the provider from the mirror:\n{stdout}"
    );
    assert!(
        tf.dir().join(".terraform.lock.hcl").is_file(),
        "init wrote no lock file"
    );

    let schema = tf.provider_schema();
    assert!(
        schema["provider"]["block"].is_object(),
        "no provider block in {schema}"
    );

    let mut missing = Vec::new();
    undescribed(&schema["provider"]["block"], "provider", &mut missing);
    for kind in ["resource_schemas", "data_source_schemas"] {
        if let Some(map) = schema[kind].as_object() {
            for (name, s) in map {
                undescribed(&s["block"], name, &mut missing);
                if s["block"]["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    missing.push(format!("{name} (type description)"));
                }
            }
        }
    }
    if let Some(functions) = schema["functions"].as_object() {
        for (name, f) in functions {
            if f["summary"].as_str().is_none_or(|d| d.trim().is_empty()) {
                missing.push(format!("function {name} (summary)"));
            }
            for p in f["parameters"].as_array().into_iter().flatten() {
                if p["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    missing.push(format!("function {name} parameter {}", p["name"]));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed schema parts: {missing:#?}");
}

#[test]
fn empty_configuration_plans_cleanly() {
    let tf = Tf::without_emulator();
    tf.init();
    let plan = tf.plan_json();
    assert!(
        plan.is_empty(),
        "plan of an empty configuration changes something: {}",
        plan.json
    );
    assert!(plan.errors().is_empty(), "errors: {:?}", plan.errors());
    assert_eq!(
        plan.json["format_version"]
            .as_str()
            .map(|v| v.starts_with("1.")),
        Some(true)
    );
}
