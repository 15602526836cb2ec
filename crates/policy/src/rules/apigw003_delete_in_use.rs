//! APIGW003: the plan deletes a certificate that a stage still uses after the plan.

use crate::finding::Finding;
use crate::input::Text;
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW003",
    name: "delete-certificate-in-use",
    title: "Deleting a certificate that a stage still uses",
    default_severity: Severity::High,
    description: "The plan deletes certificate X, and a stage (`aws_api_gateway_stage` or \
`apigw_stage_client_certificate`) still names X after the plan. Either the apply fails half-way, or \
the stage is left presenting a certificate that no longer exists. Stages the configuration does not \
manage are not visible in a plan; `retire_guard` on `apigw_rotating_client_certificate` covers those \
at apply time.",
    fix: "Switch the stage to its new certificate in an earlier apply, and delete the old \
certificate only after the soak; with apigw_rotating_client_certificate, point the stage at \
current_certificate_id so it follows rotations.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let a = ctx.analysis;
    let mut out = Vec::new();
    for stage in &a.stages {
        let Some(Text::Is(id)) = stage.after else {
            continue;
        };
        let Some(deletion) = a.deletions.get(id) else {
            continue;
        };
        let message = format!(
            "Certificate {id} is deleted by this plan ({} {}), but stage {} still uses it after the \
             plan.",
            deletion.resource.address,
            deletion.how,
            stage.label()
        );
        let mut f = Finding::new(&RULE, RULE.default_severity, stage.resource, message);
        f.certificate_id = Some(id.to_string());
        f.certificate_address = a
            .holder_before(id)
            .or(Some(deletion.resource.address.clone()));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::{Value, json};

    const C: &str = "aws_api_gateway_client_certificate.backend";

    #[test]
    fn fires_when_a_certificate_is_destroyed_under_a_stage() {
        let plan = Plan::new()
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[])
            .unchanged(
                "aws_api_gateway_stage.prod",
                aws_stage("api1", "prod", Some("old111")),
            );
        let f = run(&RULE, &plan.doc());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].address, "aws_api_gateway_stage.prod");
        assert_eq!(f[0].certificate_id.as_deref(), Some("old111"));
        assert_eq!(f[0].certificate_address.as_deref(), Some(C));
        assert!(f[0].message.contains("api1/prod"));
    }

    #[test]
    fn fires_for_a_deposed_object_still_in_use() {
        let plan = Plan::new()
            .unchanged(C, aws_cert("new222", 365))
            .unchanged(
                "aws_api_gateway_stage.prod",
                aws_stage("api1", "prod", Some("old111")),
            )
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[]);
        // The last entry is the deposed object of a failed create_before_destroy.
        let mut v: Value = serde_json::from_str(&plan.json()).expect("json");
        v["resource_changes"][2]["deposed"] = json!("00000001");
        let doc = crate::input::read_document(v.to_string().as_bytes(), "t").expect("doc");
        let f = run(&RULE, &doc);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("deposed object 00000001"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fires_when_a_rotating_resource_retires_a_certificate_a_stage_uses() {
        let r = "apigw_rotating_client_certificate.api";
        let before = rotating(("cur2", 300), Some(("cur1", 40)));
        let mut after = before.clone();
        after["previous_certificate_id"] = Value::Null;
        after["previous_expiration_date"] = Value::Null;
        let plan = Plan::new()
            .change(r, &["update"], before, after, &[])
            .unchanged(
                "apigw_stage_client_certificate.legacy",
                attachment("api1", "legacy", "cur1"),
            );
        let f = run(&RULE, &plan.doc());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].certificate_address.as_deref(),
            Some("apigw_rotating_client_certificate.api (previous)")
        );
    }

    #[test]
    fn quiet_when_no_stage_uses_the_deleted_certificate() {
        let plan = Plan::new()
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[])
            .unchanged(
                "aws_api_gateway_stage.prod",
                aws_stage("api1", "prod", Some("other")),
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
        // The stage goes too.
        let plan = Plan::new()
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[])
            .change(
                "aws_api_gateway_stage.prod",
                &["delete"],
                aws_stage("api1", "prod", Some("old111")),
                Value::Null,
                &[],
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn quiet_for_a_replacement_the_stage_follows() {
        let mut after = aws_stage("api1", "prod", None);
        after
            .as_object_mut()
            .expect("object")
            .remove("client_certificate_id");
        let plan = Plan::new()
            .change(
                C,
                &["create", "delete"],
                aws_cert("old111", 20),
                json!({}),
                &["id", "expiration_date"],
            )
            .change(
                "aws_api_gateway_stage.prod",
                &["update"],
                aws_stage("api1", "prod", Some("old111")),
                after,
                &["client_certificate_id"],
            );
        assert_eq!(
            run(&RULE, &plan.doc()),
            vec![],
            "that is APIGW002's finding, not this one"
        );
    }
}
