//! apigw-policy: checks `terraform show -json` output (plans and states, Terraform or
//! OpenTofu) for API Gateway client-certificate rotation hygiene.
//!
//! [`input`] streams the document into a compact model, [`analysis`] works out what
//! the plan does to certificates and stages, [`rules`] hold one module per rule, and
//! [`report`] renders text, JSON and SARIF. Every "is it due?" answer comes from the
//! `rotation` crate, shared with the provider.

pub mod address;
pub mod analysis;
pub mod baseline;
pub mod config;
pub mod docs;
pub mod finding;
pub mod input;
pub mod kpi;
pub mod report;
pub mod rules;
pub mod severity;
pub mod synth;
pub mod timestamp;

#[cfg(test)]
mod testkit;

use analysis::Analysis;
use config::Config;
use finding::Finding;
use input::Document;
use kpi::Kpi;

/// The result of checking one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub kpi: Kpi,
}

/// Runs the enabled rules, applies the configured exceptions and computes the KPIs as
/// of `now` (unix seconds).
pub fn evaluate(doc: &Document, config: &Config, now: i64) -> Outcome {
    let analysis = Analysis::new(doc, now, &config.owner_tag_keys);
    let mut findings = rules::run(&analysis, config);
    apply_exceptions(&mut findings, config, now);
    Outcome {
        findings,
        kpi: Kpi::compute(&analysis, config.expiry.rotate_before),
    }
}

/// The first matching exception decides: in force, it suppresses the finding; expired,
/// it leaves the finding counting and says so.
pub fn apply_exceptions(findings: &mut [Finding], config: &Config, now: i64) {
    for f in findings {
        let Some(e) = config
            .exceptions
            .iter()
            .find(|e| e.matches(&f.rule_id, &f.address))
        else {
            continue;
        };
        let expires = rotation::format_rfc3339(e.expires);
        if now < e.expires {
            f.suppressed = Some(finding::Suppression::Exception {
                reason: e.reason.clone(),
                address: e.address.clone(),
                expires,
            });
        } else {
            f.expired_exception = Some(format!(
                "the exception for {} on {:?} (\"{}\") expired on {expires} and no longer applies",
                e.rule, e.address, e.reason
            ));
        }
    }
}
