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
pub mod scan;
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
    /// Every certificate judged, for the HTML timeline.
    pub certificates: Vec<CertificateSummary>,
}

/// One certificate as the timeline shows it (unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateSummary {
    /// `address`, or `address (slot)` for a rotating resource.
    pub label: String,
    pub address: String,
    pub id: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    /// The rotation window in seconds (the resource's own, or `expiry.rotate_before`).
    pub rotate_before: u64,
}

/// Runs the enabled rules, applies the configured exceptions and computes the KPIs as
/// of `now` (unix seconds).
pub fn evaluate(doc: &Document, config: &Config, now: i64) -> Outcome {
    evaluate_with(doc, config, now, None)
}

/// [`evaluate`] for a live inventory: the scan-only rules run and the KPIs include
/// unused certificates and quota headroom per region.
pub fn evaluate_with(
    doc: &Document,
    config: &Config,
    now: i64,
    live: Option<&scan::LiveFacts>,
) -> Outcome {
    let analysis = Analysis::new(doc, now, &config.owner_tag_keys);
    let mut findings = rules::run(&analysis, config, live);
    apply_exceptions(&mut findings, config, now);
    let mut kpi = Kpi::compute(&analysis, config.expiry.rotate_before);
    if let Some(live) = live {
        kpi.add_live(live);
    }
    let certificates = analysis
        .certificates
        .iter()
        .map(|c| CertificateSummary {
            label: c.label(),
            address: c.resource.address.clone(),
            id: c.id.known().map(str::to_string),
            created: c.created,
            expires: c.expiration,
            rotate_before: c.rotate_before.unwrap_or(config.expiry.rotate_before),
        })
        .collect();
    Outcome {
        findings,
        kpi,
        certificates,
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
