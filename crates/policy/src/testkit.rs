//! Builders for the rule tests: small plans written the way Terraform writes them.

use serde_json::{Value, json};

use crate::address;
use crate::analysis::Analysis;
use crate::config::Config;
use crate::finding::Finding;
use crate::input::{Document, read_document};
use crate::rules::{Context, RuleDef};

pub const NOW: &str = "2026-11-22T00:00:00Z";

pub fn now() -> i64 {
    rotation::parse_rfc3339(NOW).expect("valid NOW")
}

/// RFC 3339 time `days` from [`NOW`].
pub fn in_days(days: i64) -> String {
    rotation::format_rfc3339(now() + days * 86_400)
}

#[derive(Default, Clone)]
pub struct Plan {
    changes: Vec<Value>,
    config: Vec<Value>,
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
    }

    /// Adds a resource change. `after_unknown` lists attributes unknown until apply.
    pub fn change(
        mut self,
        addr: &str,
        actions: &[&str],
        before: Value,
        after: Value,
        after_unknown: &[&str],
    ) -> Plan {
        let segments = address::split_segments(addr);
        let n = segments.len();
        let (name, index) = address::split_index(segments[n - 1]);
        let mut unknown = serde_json::Map::new();
        for k in after_unknown {
            unknown.insert((*k).to_string(), Value::Bool(true));
        }
        let mut entry = json!({
            "address": addr,
            "mode": "managed",
            "type": segments[n - 2],
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": actions,
                "before": before,
                "after": after,
                "after_unknown": unknown,
                "before_sensitive": {},
                "after_sensitive": {}
            }
        });
        if let Some(i) = index {
            entry["index"] = i;
        }
        self.changes.push(entry);
        self
    }

    /// A resource that the plan leaves unchanged.
    pub fn unchanged(self, addr: &str, values: Value) -> Plan {
        self.change(addr, &["no-op"], values.clone(), values, &[])
    }

    /// Adds a root-module configuration block whose `attribute` references `refs`.
    pub fn reference(mut self, config_addr: &str, attribute: &str, refs: &[&str]) -> Plan {
        let (ty, name) = config_addr.split_once('.').expect("type.name");
        self.config.push(json!({
            "address": config_addr, "mode": "managed", "type": ty, "name": name,
            "expressions": { attribute: { "references": refs } }
        }));
        self
    }

    pub fn json(&self) -> String {
        json!({
            "format_version": "1.2",
            "terraform_version": "1.11.4",
            "resource_changes": self.changes,
            "configuration": { "root_module": { "resources": self.config } },
            "timestamp": NOW,
        })
        .to_string()
    }

    pub fn doc(&self) -> Document {
        read_document(self.json().as_bytes(), "test-plan.json").expect("test plan parses")
    }
}

/// Runs one rule over a document with the default configuration.
pub fn run(rule: &RuleDef, doc: &Document) -> Vec<Finding> {
    run_with(rule, doc, &Config::default())
}

pub fn run_with(rule: &RuleDef, doc: &Document, config: &Config) -> Vec<Finding> {
    let analysis = Analysis::new(doc, now(), &config.owner_tag_keys);
    (rule.check)(&Context {
        analysis: &analysis,
        config,
        live: None,
    })
}

/// `aws_api_gateway_client_certificate` values.
pub fn aws_cert(id: &str, expires_in_days: i64) -> Value {
    json!({
        "id": id,
        "arn": format!("arn:aws:apigateway:us-east-1::/clientcertificates/{id}"),
        "description": "backend mTLS",
        "created_date": in_days(expires_in_days - 365),
        "expiration_date": in_days(expires_in_days),
        "pem_encoded_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "tags": {"owner": "payments"},
        "tags_all": {"owner": "payments"}
    })
}

/// `aws_api_gateway_stage` values.
pub fn aws_stage(api: &str, stage: &str, cert: Option<&str>) -> Value {
    json!({
        "id": format!("ags-{api}-{stage}"),
        "rest_api_id": api,
        "stage_name": stage,
        "deployment_id": "dep1",
        "client_certificate_id": cert.unwrap_or(""),
        "tags": {"owner": "payments"},
        "tags_all": {"owner": "payments"}
    })
}

/// `apigw_rotating_client_certificate` values with a current (and optional previous).
pub fn rotating(current: (&str, i64), previous: Option<(&str, i64)>) -> Value {
    let mut v = json!({
        "id": "series1",
        "description": "Managed by Terraform",
        "rotate_before": "60d",
        "promote_after": "0s",
        "overlap": "7d",
        "tags": {"owner": "payments"},
        "rotation_triggers": {},
        "retire_guard": true,
        "pending_certificate_id": null,
        "pending_expiration_date": null,
        "current_certificate_id": current.0,
        "current_created_date": in_days(current.1 - 365),
        "current_expiration_date": in_days(current.1),
        "previous_certificate_id": null,
        "previous_expiration_date": null,
        "previous_retire_after": null,
        "phase": "stable"
    });
    if let Some((id, days)) = previous {
        v["previous_certificate_id"] = json!(id);
        v["previous_expiration_date"] = json!(in_days(days));
        v["previous_retire_after"] = json!(in_days(1));
        v["phase"] = json!("overlap");
    }
    v
}

/// `apigw_stage_client_certificate` values.
pub fn attachment(api: &str, stage: &str, cert: &str) -> Value {
    json!({
        "id": format!("{api}/{stage}"),
        "rest_api_id": api,
        "stage_name": stage,
        "client_certificate_id": cert,
        "detach_on_destroy": true
    })
}
