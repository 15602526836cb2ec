//! The rules. Each lives in its own module with its ID, default severity, description,
//! fix and tests; the docs page and `apigw-policy rules` are generated from [`ALL`].

use crate::analysis::Analysis;
use crate::config::Config;
use crate::finding::Finding;
use crate::scan::LiveFacts;
use crate::severity::Severity;

pub mod apigw001_expiry;
pub mod apigw002_big_bang;
pub mod apigw003_delete_in_use;
pub mod apigw004_owner_tag;
pub mod apigw005_stage_without_certificate;
pub mod apigw006_rotation_bounds;
pub mod apigw007_unreadable_value;
pub mod apigw008_unused_certificate;
pub mod apigw009_quota_headroom;
pub mod apigw010_orphaned_certificate;

/// What a rule gets to look at.
pub struct Context<'a, 'd> {
    pub analysis: &'a Analysis<'d>,
    pub config: &'a Config,
    /// Set by `apigw-policy scan`: what only a live inventory knows.
    pub live: Option<&'a LiveFacts>,
}

/// A rule's definition: the single source of its documentation.
pub struct RuleDef {
    pub id: &'static str,
    /// A short name, e.g. "big-bang-cutover" (SARIF `name`).
    pub name: &'static str,
    pub title: &'static str,
    pub default_severity: Severity,
    /// Markdown: what it checks and why it matters.
    pub description: &'static str,
    /// What to do about a finding.
    pub fix: &'static str,
    pub check: fn(&Context) -> Vec<Finding>,
}

pub const ALL: &[&RuleDef] = &[
    &apigw001_expiry::RULE,
    &apigw002_big_bang::RULE,
    &apigw003_delete_in_use::RULE,
    &apigw004_owner_tag::RULE,
    &apigw005_stage_without_certificate::RULE,
    &apigw006_rotation_bounds::RULE,
    &apigw007_unreadable_value::RULE,
    &apigw008_unused_certificate::RULE,
    &apigw009_quota_headroom::RULE,
    &apigw010_orphaned_certificate::RULE,
];

pub fn find(id: &str) -> Option<&'static RuleDef> {
    ALL.iter().copied().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// Runs every enabled rule, applies configured severities, and sorts the findings
/// most serious first.
pub fn run(analysis: &Analysis, config: &Config, live: Option<&LiveFacts>) -> Vec<Finding> {
    let ctx = Context {
        analysis,
        config,
        live,
    };
    let mut findings = Vec::new();
    for rule in ALL {
        if !config.rule_enabled(rule.id) {
            continue;
        }
        let mut found = (rule.check)(&ctx);
        // Live, an unused certificate expiring breaks nothing: APIGW008 reports it.
        if let Some(live) = live
            && rule.id == apigw001_expiry::RULE.id
        {
            found.retain(|f| {
                !live
                    .regions
                    .iter()
                    .any(|r| r.unused.iter().any(|(a, _)| *a == f.address))
            });
        }
        if let Some(severity) = config.rule_severity(rule.id) {
            for f in &mut found {
                f.severity = severity;
            }
        }
        findings.extend(found);
    }
    for f in &mut findings {
        f.fingerprint = f.compute_fingerprint();
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.address.cmp(&b.address))
            .then_with(|| a.certificate_id.cmp(&b.certificate_id))
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sequential_and_documented() {
        for (i, rule) in ALL.iter().enumerate() {
            assert_eq!(rule.id, format!("APIGW{:03}", i + 1));
            assert!(!rule.title.is_empty() && !rule.description.is_empty() && !rule.fix.is_empty());
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.name
            );
        }
        assert!(find("apigw003").is_some());
        assert!(find("APIGW099").is_none());
    }
}
