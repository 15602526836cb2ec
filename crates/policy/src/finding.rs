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
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Finding {
    /// A finding with only the always-present fields set.
    pub fn new(
        rule: &crate::rules::RuleDef,
        severity: Severity,
        resource: &crate::input::Resource,
        message: String,
    ) -> Finding {
        Finding {
            rule_id: rule.id.to_string(),
            severity,
            title: rule.title.to_string(),
            address: resource.address.clone(),
            resource_type: resource.kind.type_name().to_string(),
            certificate_id: None,
            certificate_address: None,
            expiration_date: None,
            rotation_due_date: None,
            days_left: None,
            attribute: None,
            value: None,
            message,
            fix: rule.fix.to_string(),
        }
    }
}
