//! APIGW010 (live scans): a certificate the provider generated for an apply that
//! never recorded it.

use crate::finding::Finding;
use crate::input::Kind;
use crate::rules::{Context, RuleDef};
use crate::scan::AttemptMarked;
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW010",
    name: "orphaned-certificate",
    title: "Client certificate orphaned by an interrupted apply",
    default_severity: Severity::Medium,
    description: "`apigw-policy scan` only. The provider tags every certificate it generates with \
`terraform-provider-apigw:attempt` and removes that tag as soon as the apply that generated it \
holds it. A certificate still carrying the tag 10 minutes or more after its creation was generated \
by an apply that never recorded it: the answer was lost, or Terraform or the provider was killed. \
No state holds it, so nobody trusts or rotates it, yet it takes one of the region's client \
certificate slots (APIGW009). Younger certificates are left alone: their apply may still be \
running. A stage presenting such a certificate was pointed at it by hand or by another tool; the \
finding then says so and does not advise deleting it. Plans and states cannot show these \
certificates (no state records them), so only a scan reports them; within Terraform, the \
`orphaned_certificate_ids` attribute of the `apigw_client_certificates` data source lists them. \
An orphan no stage presents is also an unused certificate (APIGW008).",
    fix: "Run `terraform plan` on the configuration that owns the series \
(`terraform-provider-apigw:series` tag): it adopts or deletes the certificate. Or, after \
checking that no stage presents it, delete it: aws apigateway delete-client-certificate \
--client-certificate-id ID.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let Some(live) = ctx.live else {
        return Vec::new();
    };
    let now = ctx.analysis.now;
    let mut out = Vec::new();
    for region in &live.regions {
        for cert in &region.attempt_marked {
            if rotation::is_unrecorded(now, cert.created) {
                out.push(finding(&region.region, region.quota, cert, now));
            }
        }
    }
    out
}

fn finding(region: &str, quota: usize, cert: &AttemptMarked, now: i64) -> Finding {
    let id = &cert.id;
    let age = now.saturating_sub(cert.created).max(0).unsigned_abs();
    let series = match &cert.series {
        Some(s) => format!("of series {s}"),
        None => "without a series tag".to_string(),
    };
    let owner = match &cert.series {
        Some(s) => format!("the configuration that owns series {s}"),
        None => "the configuration that generated it".to_string(),
    };
    let mut message = format!(
        "Certificate {id} in {region} ({series}) was created {} ago ({}) and still carries \
         {}: the apply that generated it never recorded it. No state holds it; it takes one of \
         the region's {quota} certificate slots.",
        // Minutes are precise enough for an age past the grace period.
        rotation::format_duration(age - age % 60),
        rotation::format_rfc3339(cert.created),
        rotation::ATTEMPT_TAG,
    );
    let fix = if cert.stages.is_empty() {
        format!(
            "Run `terraform plan` on {owner}, which adopts or deletes it; or, after checking \
             again that no stage presents it, delete it: aws apigateway \
             delete-client-certificate --region {region} --client-certificate-id {id}"
        )
    } else {
        message.push_str(&format!(" Stages present it: {}.", cert.stages.join(", ")));
        format!(
            "Do not delete it while stages present it ({}): deleting it breaks their calls to \
             backends. Move them to the series' current certificate, then run `terraform plan` \
             on {owner}, which adopts or deletes it.",
            cert.stages.join(", ")
        )
    };
    Finding {
        certificate_id: Some(id.clone()),
        fix,
        ..Finding::located(
            &RULE,
            RULE.default_severity,
            cert.address.clone(),
            Kind::AwsCertificate.type_name(),
            message,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::analysis::Analysis;
    use crate::config::Config;
    use crate::scan::{LiveCertificate, LiveStage, RegionInventory, document};
    use crate::testkit::now;

    const REGION: &str = "eu-west-1";

    fn cert(id: &str, age: i64, tags: &[(&str, &str)]) -> LiveCertificate {
        LiveCertificate {
            id: id.to_string(),
            description: None,
            created: now() - age,
            expires: now() - age + 365 * 86_400,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn stage(name: &str, cert: &str) -> LiveStage {
        LiveStage {
            rest_api_id: "a1b2c3".to_string(),
            rest_api_name: "orders".to_string(),
            stage_name: name.to_string(),
            client_certificate_id: Some(cert.to_string()),
            tags: BTreeMap::new(),
            last_updated: None,
        }
    }

    /// APIGW010's findings for one region's inventory, scanned at `now()`.
    fn scan(certificates: Vec<LiveCertificate>, stages: Vec<LiveStage>) -> Vec<Finding> {
        let inventory = [RegionInventory {
            region: REGION.to_string(),
            certificates,
            stages,
        }];
        let (doc, live) = document(&inventory, 60);
        let config = Config::default();
        let analysis = Analysis::new(&doc, now(), &config.owner_tag_keys);
        crate::rules::run(&analysis, &config, Some(&live))
            .into_iter()
            .filter(|f| f.rule_id == RULE.id)
            .collect()
    }

    const ATTEMPT: (&str, &str) = (rotation::ATTEMPT_TAG, "0123456789abcdef");
    const SERIES: (&str, &str) = (rotation::SERIES_TAG, "orders-backend");

    #[test]
    fn a_marked_certificate_past_the_grace_period_is_orphaned() {
        let found = scan(
            vec![cert("orphan1", 3 * 3600 + 125, &[ATTEMPT, SERIES])],
            vec![],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.certificate_id.as_deref(), Some("orphan1"));
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(
            f.address,
            "arn:aws:apigateway:eu-west-1::/clientcertificates/orphan1"
        );
        assert_eq!(f.resource_type, "aws_api_gateway_client_certificate");
        for part in [
            "Certificate orphan1 in eu-west-1 (of series orders-backend)",
            "created 3h2m ago (2026-11-21T20:57:55Z)",
            "terraform-provider-apigw:attempt",
            "60 certificate slots",
        ] {
            assert!(f.message.contains(part), "{part:?} in {}", f.message);
        }
        for part in [
            "terraform plan` on the configuration that owns series orders-backend",
            "aws apigateway delete-client-certificate --region eu-west-1 \
             --client-certificate-id orphan1",
        ] {
            assert!(f.fix.contains(part), "{part:?} in {}", f.fix);
        }
    }

    #[test]
    fn exactly_at_the_end_of_the_grace_period_it_counts() {
        let grace = rotation::UNRECORDED_GRACE;
        let found = scan(
            vec![
                cert("at-grace", grace, &[ATTEMPT]),
                cert("in-flight", grace - 1, &[ATTEMPT, SERIES]),
            ],
            vec![],
        );
        let ids: Vec<_> = found.iter().map(|f| f.certificate_id.as_deref()).collect();
        assert_eq!(ids, [Some("at-grace")]);
        assert!(found[0].message.contains("(without a series tag)"));
        assert!(found[0].fix.contains("the configuration that generated it"));
    }

    #[test]
    fn a_young_marked_certificate_may_still_be_in_flight() {
        assert_eq!(
            scan(vec![cert("young", 60, &[ATTEMPT, SERIES])], vec![]),
            []
        );
    }

    #[test]
    fn certificates_without_the_attempt_mark_are_not_orphans() {
        let found = scan(
            vec![
                cert("recorded", 30 * 86_400, &[SERIES]),
                cert("foreign", 30 * 86_400, &[("owner", "team-x")]),
            ],
            vec![],
        );
        assert_eq!(found, []);
    }

    #[test]
    fn an_orphan_a_stage_presents_is_reported_without_deletion_advice() {
        let found = scan(
            vec![cert("presented", 86_400, &[ATTEMPT, SERIES])],
            vec![stage("prod", "presented"), stage("beta", "presented")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert!(
            f.message.contains(
                "Stages present it: orders (a1b2c3) stage beta, orders (a1b2c3) stage prod."
            ),
            "{}",
            f.message
        );
        assert!(
            f.fix
                .starts_with("Do not delete it while stages present it"),
            "{}",
            f.fix
        );
        assert!(!f.fix.contains("delete-client-certificate"), "{}", f.fix);
    }

    #[test]
    fn the_description_states_the_grace_period_in_force() {
        let minutes = format!("{} minutes", rotation::UNRECORDED_GRACE / 60);
        assert!(RULE.description.contains(&minutes), "{minutes}");
    }

    /// An imported orphan's state keeps the mark in `tags_all`, but the state then
    /// records it: only the live inventory shows unrecorded certificates.
    #[test]
    fn plans_and_states_are_not_judged() {
        let mut values = crate::testkit::aws_cert("imported", 200);
        values["tags_all"][rotation::ATTEMPT_TAG] = "0123456789abcdef".into();
        let doc = crate::testkit::Plan::new()
            .unchanged("aws_api_gateway_client_certificate.c", values)
            .doc();
        assert_eq!(crate::testkit::run(&RULE, &doc), []);
    }
}
