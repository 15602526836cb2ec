//! A finding: one rule violated by one resource.

use serde::{Deserialize, Serialize};

use crate::severity::Severity;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// The rule's short title.
    pub title: String,
    /// The resource instance address the finding is about.
    pub address: String,
    pub resource_type: String,
    /// The certificate concerned, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// Where that certificate comes from (resource address, and slot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_address: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_due_date: Option<String>,
    /// Whole days until expiry (negative once expired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The attribute a finding is about, when it is about one value (APIGW007).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// That attribute's value as the input holds it (JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Stable across runs: rule, address and certificate (`APIGW001:addr:id`). Baselines
    /// and SARIF `partialFingerprints` use it.
    #[serde(default)]
    pub fingerprint: String,
    /// Set when an exception or the baseline accepts the finding: it is reported but
    /// does not fail the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// An exception that matched but has expired (so the finding counts again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_exception: Option<String>,
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// Why a finding does not fail the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suppression {
    /// Accepted by a configured exception until `expires` (RFC 3339).
    Exception {
        reason: String,
        address: String,
        expires: String,
    },
    /// Present in the `--baseline` file: known, not new.
    Baseline,
}

impl Finding {
    pub fn compute_fingerprint(&self) -> String {
        format!(
            "{}:{}:{}",
            self.rule_id,
            self.address,
            self.certificate_id.as_deref().unwrap_or("")
        )
    }

    /// A finding on a resource of the input, with only the always-present
    /// fields set.
    pub fn new(
        rule: &crate::rules::RuleDef,
        severity: Severity,
        resource: &crate::input::Resource,
        message: String,
    ) -> Finding {
        Finding::located(
            rule,
            severity,
            resource.address.clone(),
            resource.kind.type_name(),
            message,
        )
    }

    /// A finding at any address (a live certificate, a region), with only
    /// the always-present fields set and the rule's own fix.
    pub fn located(
        rule: &crate::rules::RuleDef,
        severity: Severity,
        address: String,
        resource_type: &str,
        message: String,
    ) -> Finding {
        Finding {
            rule_id: rule.id.to_string(),
            severity,
            title: rule.title.to_string(),
            address,
            resource_type: resource_type.to_string(),
            certificate_id: None,
            certificate_address: None,
            expiration_date: None,
            rotation_due_date: None,
            days_left: None,
            attribute: None,
            value: None,
            fingerprint: String::new(),
            suppressed: None,
            expired_exception: None,
            message,
            fix: rule.fix.to_string(),
        }
    }
}
