//! APIGW009 (live scans): a region close to its quota of client certificates.

use crate::finding::Finding;
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW009",
    name: "certificate-quota-headroom",
    title: "Region close to its client-certificate quota",
    default_severity: Severity::Medium,
    description: "`apigw-policy scan` only. API Gateway allows 60 client certificates per account \
and region (`scan.quota_per_region`). A staged rotation needs a free slot for the new certificate \
while the old one soaks, so a region with fewer free slots than `scan.min_headroom` (default 10) \
cannot rotate many series at once: **medium**; a region at its quota cannot rotate at all: \
**high**. Unused certificates (APIGW008) are the first slots to reclaim.",
    fix: "Delete unused certificates (APIGW008), or ask AWS for a higher quota before the next \
rotation wave.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let Some(live) = ctx.live else {
        return Vec::new();
    };
    let min = ctx.config.scan.min_headroom;
    let mut out = Vec::new();
    for r in &live.regions {
        let headroom = r.quota.saturating_sub(r.certificates);
        if headroom >= min {
            continue;
        }
        let severity = if headroom == 0 {
            Severity::High
        } else {
            RULE.default_severity
        };
        let message = format!(
            "{} holds {} of its {} client certificates ({headroom} free, policy minimum {min}); \
             {} of them are presented by no stage.",
            r.region,
            r.certificates,
            r.quota,
            r.unused.len()
        );
        out.push(Finding::located(
            &RULE,
            severity,
            format!("arn:aws:apigateway:{}::/clientcertificates", r.region),
            "region",
            message,
        ));
    }
    out
}
