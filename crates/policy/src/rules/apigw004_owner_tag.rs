//! APIGW004: a certificate or stage without an owner tag.

use crate::analysis::Owner;
use crate::finding::Finding;
use crate::input::Kind;
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW004",
    name: "missing-owner-tag",
    title: "Certificate or stage without an owner tag",
    default_severity: Severity::Low,
    description: "A certificate (`aws_api_gateway_client_certificate`, \
`apigw_rotating_client_certificate`) or stage (`aws_api_gateway_stage`) has no owner tag after the \
plan, so nobody is told when it needs rotating. The tag keys are `owner_tag_keys` in the \
configuration (default `owner`, `team`; matched case-insensitively, the value must not be empty). \
`tags_all` counts (AWS provider resources, and `apigw_rotating_client_certificate` with the \
apigw provider's `default_tags`), so provider default tags satisfy the rule; when `tags_all` is \
unknown until apply the rule stays quiet.",
    fix: "Add an owner tag, e.g. tags = { owner = \"team-payments\" }, or set it once in the AWS \
provider's default_tags (the AWS or the apigw provider).",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let a = ctx.analysis;
    let keys = ctx.config.owner_tag_keys.join(", ");
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for cert in &a.certificates {
        if cert.owner != Owner::No || seen.contains(&cert.resource.address.as_str()) {
            continue;
        }
        seen.push(&cert.resource.address);
        let message = format!(
            "{} has no owner tag (looked for: {keys}); its certificates expire unannounced.",
            cert.resource.address
        );
        let mut f = Finding::new(&RULE, RULE.default_severity, cert.resource, message);
        f.certificate_id = cert.id.known().map(str::to_string);
        f.certificate_address = Some(cert.label());
        f.expiration_date = cert.expiration.map(rotation::format_rfc3339);
        out.push(f);
    }
    for stage in &a.stages {
        let r = stage.resource;
        if r.kind != Kind::AwsStage || r.after.is_none() {
            continue;
        }
        if crate::analysis::owner_of(r, &ctx.config.owner_tag_keys) != Owner::No {
            continue;
        }
        let message = format!(
            "Stage {} has no owner tag (looked for: {keys}).",
            stage.label()
        );
        let mut f = Finding::new(&RULE, RULE.default_severity, r, message);
        f.certificate_id = stage.after.and_then(|t| t.known()).map(str::to_string);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testkit::*;
    use serde_json::json;

    const C: &str = "aws_api_gateway_client_certificate.backend";

    fn untagged(mut v: serde_json::Value) -> serde_json::Value {
        v["tags"] = json!({"env": "prod"});
        v["tags_all"] = json!({"env": "prod"});
        v
    }

    #[test]
    fn fires_for_untagged_certificates_and_stages() {
        let plan = Plan::new()
            .unchanged(C, untagged(aws_cert("abc", 200)))
            .unchanged(
                "aws_api_gateway_stage.prod",
                untagged(aws_stage("api1", "prod", Some("abc"))),
            )
            .unchanged(
                "apigw_rotating_client_certificate.api",
                untagged(rotating(("c2", 300), Some(("c1", 40)))),
            );
        let f = run(&RULE, &plan.doc());
        let addrs: Vec<&str> = f.iter().map(|f| f.address.as_str()).collect();
        assert_eq!(
            addrs,
            vec![
                C,
                "apigw_rotating_client_certificate.api",
                "aws_api_gateway_stage.prod"
            ],
            "one finding per resource, not per certificate slot"
        );
        assert!(f[0].message.contains("owner, team"));
    }

    #[test]
    fn quiet_with_owner_in_tags_default_tags_or_custom_key() {
        let mut v = untagged(aws_cert("abc", 200));
        v["tags_all"] = json!({"env": "prod", "Owner": "payments"});
        let plan = Plan::new().unchanged(C, v).unchanged(
            "aws_api_gateway_stage.prod",
            aws_stage("api1", "prod", Some("abc")),
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);

        let c = Config {
            owner_tag_keys: vec!["env".to_string()],
            ..Config::default()
        };
        let plan = Plan::new().unchanged(C, untagged(aws_cert("abc", 200)));
        assert_eq!(run_with(&RULE, &plan.doc(), &c), vec![]);
    }

    #[test]
    fn an_empty_owner_value_does_not_count() {
        let mut v = aws_cert("abc", 200);
        v["tags"] = json!({"owner": " "});
        v["tags_all"] = json!({"owner": " "});
        assert_eq!(run(&RULE, &Plan::new().unchanged(C, v).doc()).len(), 1);
    }

    #[test]
    fn quiet_when_tags_all_is_unknown_until_apply() {
        let plan = Plan::new().change(
            C,
            &["create"],
            serde_json::Value::Null,
            json!({"description": "x", "tags": null}),
            &["id", "tags_all", "expiration_date"],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn rotating_certificates_count_the_apigw_providers_default_tags() {
        const R: &str = "apigw_rotating_client_certificate.api";
        let mut v = untagged(rotating(("c2", 300), None));
        v["tags_all"] = json!({"env": "prod", "team": "edge"});
        assert_eq!(run(&RULE, &Plan::new().unchanged(R, v).doc()), vec![]);

        // A state written before tags_all existed: tags alone decide.
        let mut v = untagged(rotating(("c2", 300), None));
        v.as_object_mut().map(|o| o.remove("tags_all"));
        assert_eq!(run(&RULE, &Plan::new().unchanged(R, v).doc()).len(), 1);

        let mut v = rotating(("c2", 300), None);
        v["tags"] = json!({"team": "edge"});
        v.as_object_mut().map(|o| o.remove("tags_all"));
        assert_eq!(run(&RULE, &Plan::new().unchanged(R, v).doc()), vec![]);
    }
}
