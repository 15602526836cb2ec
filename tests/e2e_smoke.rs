//! Terraform loads the provider offline and sees a fully described schema.

mod common;

use common::Tf;
use serde_json::Value;
use tfplugin::Provider as _;

/// Every attribute of a schema block (recursively through nested blocks) must
/// carry a description: descriptions are the documentation. Returns how many
/// attributes it looked at, so a caller can tell "all described" from "none
/// found".
fn undescribed(block: &Value, path: &str, out: &mut Vec<String>) -> usize {
    let mut seen = 0;
    for (name, a) in block["attributes"].as_object().into_iter().flatten() {
        seen += 1;
        if a["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            out.push(format!("{path}.{name}"));
        }
    }
    for (name, b) in block["block_types"].as_object().into_iter().flatten() {
        seen += undescribed(&b["block"], &format!("{path}.{name}"), out);
    }
    seen
}

/// The names in one section of the schema Terraform reports; the section
/// must be there.
fn section<'a>(schema: &'a Value, kind: &str) -> &'a serde_json::Map<String, Value> {
    schema[kind]
        .as_object()
        .unwrap_or_else(|| panic!("providers schema -json has no {kind}: {schema}"))
}

fn sorted(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = names.into_iter().collect();
    v.sort();
    v
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

    // Terraform must see exactly what the provider defines.
    let provider = terraform_provider_apigw::provider::new();
    let expected = [
        (
            "resource_schemas",
            sorted(
                provider
                    .resources()
                    .iter()
                    .map(|r| r.type_name().to_string()),
            ),
        ),
        (
            "data_source_schemas",
            sorted(
                provider
                    .data_sources()
                    .iter()
                    .map(|d| d.type_name().to_string()),
            ),
        ),
        (
            "functions",
            sorted(provider.functions().iter().map(|f| f.definition().name)),
        ),
    ];
    for (kind, names) in &expected {
        assert!(!names.is_empty(), "the provider defines no {kind}");
        assert_eq!(
            &sorted(section(&schema, kind).keys().cloned()),
            names,
            "{kind} in providers schema -json"
        );
    }

    let mut missing = Vec::new();
    let seen = undescribed(&schema["provider"]["block"], "provider", &mut missing);
    assert!(seen > 0, "the provider block has no attributes: {schema}");
    for kind in ["resource_schemas", "data_source_schemas"] {
        for (name, s) in section(&schema, kind) {
            let seen = undescribed(&s["block"], name, &mut missing);
            assert!(seen > 0, "{name} has no attributes: {s}");
            if s["block"]["description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
            {
                missing.push(format!("{name} (type description)"));
            }
        }
    }
    for (name, f) in section(&schema, "functions") {
        if f["summary"].as_str().is_none_or(|d| d.trim().is_empty()) {
            missing.push(format!("function {name} (summary)"));
        }
        let parameters = f["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("function {name} has no parameters: {f}"));
        for p in parameters {
            if p["description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
            {
                missing.push(format!("function {name} parameter {}", p["name"]));
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
