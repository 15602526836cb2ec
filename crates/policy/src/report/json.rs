//! The JSON report. Its schema is versioned by `schema_version`; fields are only ever
//! added within a version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{InputInfo, Report};
use crate::finding::Finding;
use crate::kpi::Kpi;
use crate::severity::Severity;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub input: InputInfo,
    /// RFC 3339: the instant the expiry rules judged against.
    pub now: String,
    pub fail_on: Severity,
    /// True when a finding is at or above `fail_on` (exit code 1).
    pub failed: bool,
    pub summary: Summary,
    pub kpi: Kpi,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Every finding, suppressed ones included.
    pub total: usize,
    /// Accepted by an exception or known from the baseline (not failing the run).
    #[serde(default)]
    pub suppressed: usize,
    /// Every severity, zero counts included.
    pub by_severity: BTreeMap<Severity, usize>,
}

pub fn build(r: &Report) -> JsonReport {
    JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "apigw-policy".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        input: r.input.clone(),
        now: rotation::format_rfc3339(r.now),
        fail_on: r.fail_on,
        failed: r.failed(),
        summary: Summary {
            total: r.outcome.findings.len(),
            suppressed: r
                .outcome
                .findings
                .iter()
                .filter(|f| f.suppressed.is_some())
                .count(),
            by_severity: r.counts().into_iter().collect(),
        },
        kpi: r.outcome.kpi.clone(),
        findings: r.outcome.findings.clone(),
    }
}

pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&build(r)).unwrap_or_else(|e| {
        // Serialising plain structs of strings and numbers cannot fail; keep the output JSON.
        format!("{{\"error\": {:?}}}", e.to_string())
    });
    s.push('\n');
    s
}
