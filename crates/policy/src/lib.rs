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
pub mod remediation;
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
    /// A certificate this plan deletes (shown so that the certificate a finding is
    /// about has its row; not counted in the KPIs).
    pub deleted: bool,
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
        kpi.add_live(live, config.expiry.rotate_before);
    }
    let mut certificates: Vec<CertificateSummary> = analysis
        .certificates
        .iter()
        .map(|c| CertificateSummary {
            label: c.label(),
            address: c.resource.address.clone(),
            id: c.id.known().map(str::to_string),
            created: c.created,
            // Schema version 2 keeps the previous certificate's expiry only in its PEM
            // (the bundle's first); the rules leave it alone, the timeline shows it.
            expires: c.expiration.or_else(|| {
                (c.slot == Some(analysis::Slot::Previous))
                    .then_some(c.resource.after.as_ref())
                    .flatten()
                    .and_then(|a| match a.field(input::TRUSTED_PEM_BUNDLE) {
                        input::Field::Value(v) => v.as_i64(),
                        _ => None,
                    })
            }),
            rotate_before: c.rotate_before.unwrap_or(config.expiry.rotate_before),
            deleted: false,
        })
        .collect();
    certificates.extend(analysis.deletions.values().map(|d| {
        let before = d.resource.before.as_ref();
        let date = |name: &str| {
            before
                .and_then(|b| b.text(name).known())
                .and_then(|s| timestamp::parse(s).ok())
        };
        let is_current =
            before.is_some_and(|b| b.text("current_certificate_id") == input::Text::Is(&d.id));
        let (created, expires) = match d.resource.kind {
            input::Kind::AwsCertificate => (date("created_date"), date("expiration_date")),
            _ if is_current => (
                date("current_created_date"),
                date("current_expiration_date"),
            ),
            _ => (None, None),
        };
        CertificateSummary {
            label: format!("{} (deleted)", d.resource.address),
            address: d.resource.address.clone(),
            id: Some(d.id.clone()),
            created,
            expires,
            rotate_before: config.expiry.rotate_before,
            deleted: true,
        }
    }));
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
