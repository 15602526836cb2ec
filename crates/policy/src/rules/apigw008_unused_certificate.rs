//! APIGW008 (live scans): a certificate that no stage presents.

use crate::finding::Finding;
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW008",
    name: "unused-certificate",
    title: "Client certificate that no stage presents",
    default_severity: Severity::Low,
    description: "`apigw-policy scan` only. A client certificate exists in the region but no stage \
of any REST API presents it. It is a cleanup candidate: it still counts against the region's quota \
of client certificates (APIGW009), and an unused certificate nobody owns tends to be found only \
when the quota blocks a rotation. A certificate a rotation has just replaced is unused during its \
soak; that is expected until it is retired. Expiry rules (APIGW001) are not applied to unused \
certificates: nothing breaks when they expire.",
    fix: "Find its owner (tags, description); if nothing will present it again, delete it \
(aws apigateway delete-client-certificate --client-certificate-id ID) or remove it from the \
Terraform configuration that manages it.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let Some(live) = ctx.live else {
        return Vec::new();
    };
    let a = ctx.analysis;
    let mut out = Vec::new();
    for region in &live.regions {
        for (address, id) in &region.unused {
            let Some(cert) = a
                .certificates
                .iter()
                .find(|c| &c.resource.address == address)
            else {
                continue;
            };
            let expiry = match cert.expiration {
                Some(e) if rotation::is_expired(a.now, e) => {
                    format!("expired on {}", rotation::format_rfc3339(e))
                }
                Some(e) => format!(
                    "expires on {} ({} days left)",
                    rotation::format_rfc3339(e),
                    rotation::days_left(a.now, e)
                ),
                None => "expiry unknown".to_string(),
            };
            let message = format!(
                "Certificate {id} in {} is presented by no stage ({expiry}); it uses one of the \
                 region's {} certificate slots ({} in use).",
                region.region, region.quota, region.certificates
            );
            let mut f = Finding::new(&RULE, RULE.default_severity, cert.resource, message);
            f.certificate_id = Some(id.clone());
            f.expiration_date = cert.expiration.map(rotation::format_rfc3339);
            f.days_left = cert.expiration.map(|e| rotation::days_left(a.now, e));
            out.push(f);
        }
    }
    out
}
