//! SARIF 2.1.0 for code-scanning dashboards. A plan has no source positions, so each
//! result points at the checked file and names the resource as a logical location.

use serde_json::{Value, json};

use super::Report;
use crate::finding::Suppression;
use crate::rules;

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub fn build(r: &Report) -> Value {
    let base = &r.help_uri;
    let driver_rules: Vec<Value> = rules::ALL
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": { "text": rule.title },
                "fullDescription": { "text": rule.description },
                "help": {
                    "text": rule.fix,
                    "markdown": format!("{}\n\n**Fix:** {}", rule.description, rule.fix),
                },
                "helpUri": format!("{base}#{}", rule.id.to_lowercase()),
                "defaultConfiguration": { "level": rule.default_severity.sarif_level() },
                "properties": {
                    "security-severity": rule.default_severity.security_score(),
                    "severity": rule.default_severity,
                    "tags": ["terraform", "api-gateway", "certificates"],
                },
            })
        })
        .collect();
    let uri = &r.input.name;
    let results: Vec<Value> = r
        .outcome
        .findings
        .iter()
        .map(|f| {
            let rule_index = rules::ALL.iter().position(|d| d.id == f.rule_id);
            let mut props = json!({
                "severity": f.severity,
                "security-severity": f.severity.security_score(),
                "resource_type": f.resource_type,
            });
            for (k, v) in [
                ("certificate_id", &f.certificate_id),
                ("certificate_address", &f.certificate_address),
                ("expiration_date", &f.expiration_date),
                ("rotation_due_date", &f.rotation_due_date),
            ] {
                if let Some(v) = v {
                    props[k] = json!(v);
                }
            }
            if let Some(d) = f.days_left {
                props["days_left"] = json!(d);
            }
            let mut result = json!({
                "ruleId": f.rule_id,
                "ruleIndex": rule_index,
                "level": f.severity.sarif_level(),
                "message": { "text": format!("{} Fix: {}", f.message, f.fix) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": uri } },
                    "logicalLocations": [{
                        "fullyQualifiedName": f.address,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": { "apigwPolicy/v1": f.fingerprint },
                "baselineState": if matches!(f.suppressed, Some(Suppression::Baseline)) {
                    "unchanged"
                } else {
                    "new"
                },
                "properties": props,
            });
            match &f.suppressed {
                Some(Suppression::Exception {
                    reason,
                    address,
                    expires,
                }) => {
                    result["suppressions"] = json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": format!(
                            "{reason} (exception for {address} until {expires})"
                        ),
                    }]);
                }
                Some(Suppression::Baseline) => {
                    result["suppressions"] = json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": "known from the baseline",
                    }]);
                }
                None => {}
            }
            if let Some(note) = &f.expired_exception {
                result["properties"]["expired_exception"] = json!(note);
            }
            result
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "apigw-policy",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": driver_rules,
            }},
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
            "properties": {
                "now": rotation::format_rfc3339(r.now),
                "input": r.input,
                "kpi": r.outcome.kpi,
            },
        }],
    })
}

pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&build(r)).unwrap_or_default();
    s.push('\n');
    s
}
