//! APIGW005: a REST API stage without a client certificate.

use std::collections::HashSet;

use crate::finding::Finding;
use crate::input::{Kind, Resource, Text};
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW005",
    name: "stage-without-certificate",
    title: "REST API stage without a client certificate",
    default_severity: Severity::Medium,
    description: "An `aws_api_gateway_stage` has no `client_certificate_id` after the plan and no \
`apigw_stage_client_certificate` attaches one (matched by REST API ID and stage name, a value \
known only after apply on either side matching any, or by the attachment's references to the \
stage in the configuration). Without a client certificate, backends \
cannot tell API Gateway's calls from anyone else's. A value known only after apply counts as set.",
    fix: "Set client_certificate_id on the stage, or attach one with apigw_stage_client_certificate \
(client_certificate_id = apigw_rotating_client_certificate.NAME.current_certificate_id). Disable \
this rule in the configuration if the stage's backends do not use mTLS.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let a = ctx.analysis;
    // What the attachments cover, computed once: stage keys by value, and stage
    // resources by configuration reference.
    // (REST API ID, stage name); `None` where the attachment's value is known
    // only after apply, which matches any stage (it counts as set).
    let mut keys: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    let mut referenced: HashSet<*const Resource> = HashSet::new();
    for att in a
        .stages
        .iter()
        .filter(|s| s.resource.kind == Kind::StageAttachment && s.resource.after.is_some())
    {
        if let (Some(api), Some(stage)) = (key_part(att.rest_api_id), key_part(att.stage_name)) {
            keys.push((api, stage));
        }
        for attr in ["stage_name", "rest_api_id"] {
            for t in a.resolve(att.resource, attr, |k| k == Kind::AwsStage) {
                referenced.insert(t.resource as *const Resource);
            }
        }
    }
    let mut out = Vec::new();
    for stage in &a.stages {
        if stage.resource.kind != Kind::AwsStage || stage.after != Some(Text::Null) {
            continue;
        }
        let by_value = keys
            .iter()
            .any(|&(api, name)| covers(api, name, stage.rest_api_id, stage.stage_name));
        if by_value || referenced.contains(&(stage.resource as *const Resource)) {
            continue;
        }
        let message = format!(
            "Stage {} has no client certificate: its backends cannot verify that calls come from \
             API Gateway.",
            stage.label()
        );
        out.push(Finding::new(
            &RULE,
            RULE.default_severity,
            stage.resource,
            message,
        ));
    }
    out
}

/// Whether an attachment keyed (`api`, `name`; `None` = known only after
/// apply) covers a stage. The REST API IDs must be equal, or unknown on both
/// sides (a REST API created by this plan); only then may an unknown stage
/// name on either side match.
fn covers(
    api: Option<&str>,
    name: Option<&str>,
    stage_api: Text<'_>,
    stage_name: Text<'_>,
) -> bool {
    let both_unknown = api.is_none() && stage_api == Text::Unknown;
    let api_ok = both_unknown || matches!((api, stage_api), (Some(k), Text::Is(v)) if k == v);
    let name_ok = match (name, stage_name) {
        (Some(k), Text::Is(v)) => k == v,
        (None, Text::Is(_) | Text::Unknown) | (Some(_), Text::Unknown) => both_unknown,
        _ => false,
    };
    api_ok && name_ok
}

/// An attachment's key part: `Some(None)` when known only after apply, `None`
/// when null (no key).
fn key_part(t: Text<'_>) -> Option<Option<&str>> {
    match t {
        Text::Is(v) => Some(Some(v)),
        Text::Unknown => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::json;

    const S: &str = "aws_api_gateway_stage.prod";

    /// Adds stage `S` ("prod") of a REST API this plan creates: its ID is
    /// unknown until apply.
    fn with_new_api_stage(plan: Plan) -> Plan {
        let mut stage = aws_stage("x", "prod", None);
        stage.as_object_mut().expect("object").remove("rest_api_id");
        plan.change(
            S,
            &["create"],
            serde_json::Value::Null,
            stage,
            &["rest_api_id", "id"],
        )
    }

    /// Adds an attachment created on a REST API this plan creates (ID
    /// unknown), for stage `name` (`None`: unknown too).
    fn with_new_api_attachment(plan: Plan, addr: &str, name: Option<&str>) -> Plan {
        let mut att = json!({"detach_on_destroy": true});
        let mut unknown = vec!["rest_api_id", "client_certificate_id", "id"];
        match name {
            Some(name) => att["stage_name"] = json!(name),
            None => unknown.push("stage_name"),
        }
        plan.change(addr, &["create"], serde_json::Value::Null, att, &unknown)
    }

    /// First apply of a new REST API: its ID is unknown on the stage and on
    /// the attachment; the stage name is a literal, or itself unknown.
    #[test]
    fn unknown_ids_on_a_new_api_still_match_the_attachment() {
        for att_stage in [Some("prod"), None] {
            let plan = with_new_api_attachment(
                with_new_api_stage(Plan::new()),
                "apigw_stage_client_certificate.prod",
                att_stage,
            );
            assert_eq!(
                run(&RULE, &plan.doc()),
                vec![],
                "attachment stage {att_stage:?}"
            );
        }
        // A known, different stage name does not match.
        let plan = with_new_api_attachment(
            with_new_api_stage(Plan::new()),
            "apigw_stage_client_certificate.canary",
            Some("canary"),
        );
        assert_eq!(run(&RULE, &plan.doc()).len(), 1);

        // A known ID on one side only: an attachment of another API's stage.
        let plan = with_new_api_stage(Plan::new()).unchanged(
            "apigw_stage_client_certificate.other",
            attachment("api1", "prod", "c1"),
        );
        assert_eq!(
            run(&RULE, &plan.doc()).len(),
            1,
            "known api1 does not cover a new API"
        );
        let plan = with_new_api_attachment(
            Plan::new().unchanged(S, aws_stage("api1", "prod", None)),
            "apigw_stage_client_certificate.new_api",
            Some("prod"),
        );
        assert_eq!(
            run(&RULE, &plan.doc()).len(),
            1,
            "a new API's attachment does not cover api1"
        );
    }

    #[test]
    fn fires_for_a_stage_without_certificate() {
        let f = run(
            &RULE,
            &Plan::new()
                .unchanged(S, aws_stage("api1", "prod", None))
                .doc(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].address, S);
        assert!(f[0].message.contains("api1/prod"));
    }

    #[test]
    fn quiet_with_a_certificate_or_one_known_after_apply() {
        assert_eq!(
            run(
                &RULE,
                &Plan::new()
                    .unchanged(S, aws_stage("api1", "prod", Some("c1")))
                    .doc()
            ),
            vec![]
        );
        let mut after = aws_stage("api1", "prod", None);
        after
            .as_object_mut()
            .expect("object")
            .remove("client_certificate_id");
        let plan = Plan::new().change(
            S,
            &["create"],
            serde_json::Value::Null,
            after,
            &["client_certificate_id"],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn quiet_when_an_attachment_matches_by_value() {
        let plan = Plan::new()
            .unchanged(S, aws_stage("api1", "prod", None))
            .unchanged(
                "apigw_stage_client_certificate.prod",
                attachment("api1", "prod", "c1"),
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
        let plan = Plan::new()
            .unchanged(S, aws_stage("api1", "prod", None))
            .unchanged(
                "apigw_stage_client_certificate.prod",
                attachment("api1", "test", "c1"),
            );
        assert_eq!(
            run(&RULE, &plan.doc()).len(),
            1,
            "another stage's attachment does not count"
        );
    }

    #[test]
    fn quiet_when_an_attachment_references_the_stage_whose_values_are_unknown() {
        let mut stage_after = aws_stage("api1", "prod", None);
        stage_after
            .as_object_mut()
            .expect("object")
            .remove("rest_api_id");
        let plan = Plan::new()
            .change(
                S,
                &["create"],
                serde_json::Value::Null,
                stage_after,
                &["rest_api_id", "id"],
            )
            .change(
                "apigw_stage_client_certificate.prod",
                &["create"],
                serde_json::Value::Null,
                json!({"stage_name": "prod", "detach_on_destroy": true}),
                &["rest_api_id", "client_certificate_id", "id"],
            )
            .reference(
                "apigw_stage_client_certificate.prod",
                "stage_name",
                &[&format!("{S}.stage_name"), S],
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn quiet_for_a_stage_being_destroyed() {
        let plan = Plan::new().change(
            S,
            &["delete"],
            aws_stage("api1", "prod", None),
            serde_json::Value::Null,
            &[],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }
}
