//! Synthetic plans for benchmarks and the large-input tests: realistic
//! `terraform show -json` plans of any size, written as a stream.
//!
//! Every block of ten resources holds an AWS certificate and the stage using it, a
//! rotating certificate with its stage attachment, and six unrelated resources. The
//! blocks cycle through the situations the rules look for: clean, expiring, big-bang
//! replacement, untagged, stage without certificate.

use std::io::{self, Write};

use rotation::{DEFAULT_OVERLAP, DEFAULT_PROMOTE_AFTER, DEFAULT_ROTATE_BEFORE};
use serde_json::{Value, json};

/// Writes a plan with `resources` resource instances (rounded up to a multiple of 10).
/// `padding` bytes of filler go into each unrelated resource, to reach a target size.
pub fn write_plan<W: Write>(
    mut w: W,
    resources: usize,
    now: i64,
    padding: usize,
) -> io::Result<()> {
    let blocks = resources.div_ceil(10);
    let filler = "x".repeat(padding);
    let day = 86_400;
    let date = |d: i64| rotation::format_rfc3339(now + d * day);
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        "MIIC".repeat(300)
    );

    let mut changes: Vec<Value> = Vec::with_capacity(10);
    let mut configs: Vec<Value> = Vec::with_capacity(10);
    let block = |i: usize, changes: &mut Vec<Value>, configs: &mut Vec<Value>| {
        changes.clear();
        configs.clear();
        let case = i % 5;
        let cert = format!("aws_api_gateway_client_certificate.cert_{i}");
        let stage = format!("aws_api_gateway_stage.stage_{i}");
        let rot = format!("apigw_rotating_client_certificate.rot_{i}");
        let att = format!("apigw_stage_client_certificate.att_{i}");
        let cert_id = format!("c{i:07}");
        let tags = if case == 3 {
            json!({"env": "prod"})
        } else {
            json!({"owner": "team-payments", "env": "prod"})
        };
        let expires = if case == 1 { 12 } else { 200 };
        let cert_values = json!({
            "arn": format!("arn:aws:apigateway:us-east-1::/clientcertificates/{cert_id}"),
            "created_date": date(expires - 365), "description": "backend mTLS",
            "expiration_date": date(expires), "id": cert_id,
            "pem_encoded_certificate": pem, "tags": tags, "tags_all": tags,
        });
        if case == 2 {
            changes.push(change(&cert, "aws_api_gateway_client_certificate", &["create", "delete"],
                cert_values.clone(), json!({"description": "backend mTLS", "tags": tags, "tags_all": tags}),
                json!({"arn": true, "created_date": true, "expiration_date": true, "id": true, "pem_encoded_certificate": true})));
        } else {
            changes.push(change(
                &cert,
                "aws_api_gateway_client_certificate",
                &["no-op"],
                cert_values.clone(),
                cert_values,
                json!({}),
            ));
        }
        let stage_cert = if case == 4 { json!("") } else { json!(cert_id) };
        let stage_values = json!({
            "access_log_settings": [], "arn": format!("arn:aws:apigateway:us-east-1::/restapis/api{i}/stages/prod"),
            "cache_cluster_enabled": false, "client_certificate_id": stage_cert, "deployment_id": format!("dep{i}"),
            "description": "", "id": format!("ags-api{i}-prod"), "rest_api_id": format!("api{i}"),
            "stage_name": "prod", "tags": tags, "tags_all": tags, "variables": {"backend": "https://backend.internal"},
            "xray_tracing_enabled": false,
        });
        if case == 2 {
            let mut after = stage_values.clone();
            if let Some(o) = after.as_object_mut() {
                o.remove("client_certificate_id");
            }
            changes.push(change(
                &stage,
                "aws_api_gateway_stage",
                &["update"],
                stage_values,
                after,
                json!({"client_certificate_id": true}),
            ));
        } else {
            changes.push(change(
                &stage,
                "aws_api_gateway_stage",
                &["no-op"],
                stage_values.clone(),
                stage_values,
                json!({}),
            ));
        }
        let rot_id = format!("r{i:07}");
        let rot_values = json!({
            "id": rot_id, "description": "Managed by Terraform", "rotate_before": DEFAULT_ROTATE_BEFORE, "promote_after": DEFAULT_PROMOTE_AFTER,
            "overlap": DEFAULT_OVERLAP, "tags": tags, "rotation_triggers": {}, "retire_guard": true,
            "pending_certificate_id": null, "current_certificate_id": rot_id, "previous_certificate_id": null,
            "current_expiration_date": date(265), "previous_retire_after": null,
            "trusted_pem_bundle": pem, "phase": "stable", "rotation_due": false,
        });
        changes.push(change(
            &rot,
            "apigw_rotating_client_certificate",
            &["no-op"],
            rot_values.clone(),
            rot_values,
            json!({}),
        ));
        let att_values = json!({"id": format!("api{i}/canary"), "rest_api_id": format!("api{i}"), "stage_name": "canary",
            "client_certificate_id": rot_id, "detach_on_destroy": true});
        changes.push(change(
            &att,
            "apigw_stage_client_certificate",
            &["no-op"],
            att_values.clone(),
            att_values,
            json!({}),
        ));
        for (k, ty) in [
            "aws_lambda_function",
            "aws_s3_bucket",
            "aws_iam_role",
            "aws_cloudwatch_log_group",
            "aws_api_gateway_method",
            "aws_api_gateway_integration",
        ]
        .iter()
        .enumerate()
        {
            let v = json!({"id": format!("{ty}-{i}-{k}"), "arn": format!("arn:aws:x:us-east-1:123456789012:{ty}/{i}"),
                "tags": {"owner": "team-payments"}, "description": filler, "settings": {"a": [1, 2, 3], "b": {"c": "d"}}});
            changes.push(change(
                &format!("{ty}.r_{i}"),
                ty,
                &["no-op"],
                v.clone(),
                v,
                json!({}),
            ));
        }
        configs.push(config(
            &cert,
            "aws_api_gateway_client_certificate",
            json!({"description": {"constant_value": "backend mTLS"}}),
        ));
        configs.push(config(&stage, "aws_api_gateway_stage", json!({
            "client_certificate_id": {"references": [format!("{cert}.id"), cert.clone()]},
            "rest_api_id": {"constant_value": format!("api{i}")}, "stage_name": {"constant_value": "prod"}})));
        configs.push(config(
            &rot,
            "apigw_rotating_client_certificate",
            json!({"rotate_before": {"constant_value": DEFAULT_ROTATE_BEFORE}}),
        ));
        configs.push(config(&att, "apigw_stage_client_certificate", json!({
            "client_certificate_id": {"references": [format!("{rot}.current_certificate_id"), rot.clone()]},
            "rest_api_id": {"constant_value": format!("api{i}")}, "stage_name": {"constant_value": "canary"}})));
    };

    w.write_all(b"{\"format_version\":\"1.2\",\"terraform_version\":\"1.11.4\",\"planned_values\":{\"root_module\":{\"resources\":[")?;
    let mut first = true;
    for i in 0..blocks {
        block(i, &mut changes, &mut configs);
        for c in &changes {
            let planned = json!({
                "address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"],
                "provider_name": c["provider_name"], "schema_version": 0,
                "values": if c["change"]["after"].is_null() { c["change"]["before"].clone() } else { c["change"]["after"].clone() },
                "sensitive_values": {},
            });
            sep(&mut w, &mut first)?;
            serde_json::to_writer(&mut w, &planned)?;
        }
    }
    w.write_all(b"]}},\"resource_changes\":[")?;
    first = true;
    for i in 0..blocks {
        block(i, &mut changes, &mut configs);
        for c in &changes {
            sep(&mut w, &mut first)?;
            serde_json::to_writer(&mut w, c)?;
        }
    }
    w.write_all(b"],\"configuration\":{\"provider_config\":{\"aws\":{\"name\":\"aws\",\"full_name\":\"registry.terraform.io/hashicorp/aws\"}},\"root_module\":{\"resources\":[")?;
    first = true;
    for i in 0..blocks {
        block(i, &mut changes, &mut configs);
        for c in &configs {
            sep(&mut w, &mut first)?;
            serde_json::to_writer(&mut w, c)?;
        }
    }
    write!(
        w,
        "]}}}},\"timestamp\":\"{}\",\"applyable\":true,\"complete\":true,\"errored\":false}}",
        rotation::format_rfc3339(now)
    )?;
    w.flush()
}

fn sep<W: Write>(w: &mut W, first: &mut bool) -> io::Result<()> {
    if !*first {
        w.write_all(b",")?;
    }
    *first = false;
    Ok(())
}

fn change(
    address: &str,
    ty: &str,
    actions: &[&str],
    before: Value,
    after: Value,
    after_unknown: Value,
) -> Value {
    let name = address.rsplit('.').next().unwrap_or(address);
    json!({
        "address": address, "mode": "managed", "type": ty, "name": name,
        "provider_name": if ty.starts_with("apigw_") { "registry.terraform.io/certops/apigw" } else { "registry.terraform.io/hashicorp/aws" },
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": after_unknown,
                   "before_sensitive": {}, "after_sensitive": {}},
    })
}

fn config(address: &str, ty: &str, expressions: Value) -> Value {
    let name = address.rsplit('.').next().unwrap_or(address);
    json!({"address": address, "mode": "managed", "type": ty, "name": name,
           "provider_config_key": if ty.starts_with("apigw_") { "apigw" } else { "aws" },
           "expressions": expressions, "schema_version": 0})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::input::read_document;

    #[test]
    fn a_synthetic_plan_parses_and_each_case_is_found() {
        let now = rotation::parse_rfc3339("2026-11-22T00:00:00Z").expect("time");
        let mut buf = Vec::new();
        write_plan(&mut buf, 50, now, 10).expect("write");
        let doc = read_document(buf.as_slice(), "synth").expect("parses");
        assert_eq!(doc.resources.len(), 20, "4 relevant of every 10");
        let out = crate::evaluate(&doc, &Config::default(), now);
        let ids: Vec<&str> = out.findings.iter().map(|f| f.rule_id.as_str()).collect();
        for id in ["APIGW001", "APIGW002", "APIGW004", "APIGW005"] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        assert_eq!(
            out.kpi.certificates, 10,
            "an AWS certificate and a rotating current per block"
        );
    }
}
