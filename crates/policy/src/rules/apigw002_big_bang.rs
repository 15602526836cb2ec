//! APIGW002: a stage switches away from certificate X and the same plan deletes X.

use std::collections::HashSet;

use crate::analysis::{Analysis, Deletion, Stage};
use crate::finding::Finding;
use crate::input::{Resource, Text};
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW002",
    name: "big-bang-cutover",
    title: "Big-bang certificate cutover",
    default_severity: Severity::Critical,
    description: "A stage switches from certificate X to another one, and the same plan deletes X \
(the certificate is replaced, in either order, destroyed, or retired). The switch may also be a \
hand-over: one resource lets go of the stage (an `aws_api_gateway_stage` clearing \
`client_certificate_id`, an attachment removed or renamed) while another, matched by REST API ID \
and stage name, attaches a different certificate. Backends learn to trust the \
new certificate only after it exists, so a single apply that creates it, switches the stage and \
deletes the old one leaves no moment in which backends trust both: calls fail from the switch until \
every backend trusts the new certificate. This is what `aws_api_gateway_client_certificate` with \
`create_before_destroy` (and `time_rotating`) does.",
    fix: "Keep the old certificate alive after the switch: use apigw_rotating_client_certificate \
(overlap keeps the previous certificate trusted and alive; promote_after gives external trust \
stores time), or split the change: create the new certificate, add it to every backend trust \
store, switch the stages in a later apply, and delete the old one only after a soak. If the \
replacement comes only from renaming the resource, add a `moved` block (from = the old address, \
to = the new one) so Terraform keeps the certificate.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let a = ctx.analysis;
    let mut out = Vec::new();
    // One finding per (resource, old certificate), however many routes lead there.
    let mut seen: HashSet<(*const Resource, &str)> = HashSet::new();
    for stage in &a.stages {
        let Some(old) = stage.before else {
            continue;
        };
        let Some(deletion) = a.deletions.get(old) else {
            continue;
        };
        match stage.after {
            Some(after) if after != Text::Is(old) && after != Text::Null => {
                let message = format!(
                    "Stage {} switches from certificate {old} to {}, and the same plan deletes \
                     {old} ({} {}). Backends cannot trust the new certificate before the switch, \
                     so calls fail until every backend is updated.",
                    stage.label(),
                    new_certificate(a, stage, after),
                    deletion.resource.address,
                    deletion.how
                );
                if seen.insert((stage.resource, old)) {
                    out.push(finding(stage.resource, old, deletion, message));
                }
            }
            // This resource lets go of the stage (detaches, or is removed):
            // another resource may attach the new certificate to the same stage.
            Some(Text::Null) | None => {
                for (other, after) in successors(a, stage, old) {
                    let message = format!(
                        "Stage {} moves from certificate {old} (set by {}) to {} (set by {}), \
                         and the same plan deletes {old} ({} {}). Backends cannot trust the new \
                         certificate before the switch, so calls fail until every backend is \
                         updated.",
                        stage.label(),
                        stage.resource.address,
                        new_certificate(a, other, after),
                        other.resource.address,
                        deletion.resource.address,
                        deletion.how
                    );
                    if seen.insert((other.resource, old)) {
                        out.push(finding(other.resource, old, deletion, message));
                    }
                }
            }
            Some(_) => {}
        }
    }
    out
}

/// Other resources that give the same stage (known REST API ID and name) a
/// certificate other than `old` after the plan.
fn successors<'a, 'd>(
    a: &'a Analysis<'d>,
    stage: &'a Stage<'d>,
    old: &'a str,
) -> impl Iterator<Item = (&'a Stage<'d>, Text<'d>)> + 'a {
    let key = (stage.rest_api_id.known(), stage.stage_name.known());
    a.stages.iter().filter_map(move |other| {
        let (Some(api), Some(name)) = key else {
            return None;
        };
        if std::ptr::eq(other.resource, stage.resource)
            || other.rest_api_id.known() != Some(api)
            || other.stage_name.known() != Some(name)
        {
            return None;
        }
        match other.after {
            Some(after) if after != Text::Is(old) && after != Text::Null => Some((other, after)),
            _ => None,
        }
    })
}

/// How a finding names the certificate a stage switches to.
fn new_certificate(a: &Analysis, stage: &Stage, after: Text) -> String {
    match after {
        Text::Is(new) => match a.certificate_holding(new) {
            Some(c) => format!("certificate {new} ({})", c.label()),
            None => format!("certificate {new}"),
        },
        _ => match stage.targets.first() {
            Some(t) => format!(
                "a certificate created by this plan ({}{})",
                t.resource.address,
                t.attribute
                    .as_ref()
                    .map(|s| format!(".{s}"))
                    .unwrap_or_default()
            ),
            None => "a certificate known only after apply".to_string(),
        },
    }
}

fn finding(at: &Resource, old: &str, deletion: &Deletion, message: String) -> Finding {
    let mut f = Finding::new(&RULE, RULE.default_severity, at, message);
    f.certificate_id = Some(old.to_string());
    f.certificate_address = Some(deletion.resource.address.clone());
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::{Value, json};

    const C: &str = "aws_api_gateway_client_certificate.backend";
    const S: &str = "aws_api_gateway_stage.prod";
    const UNKNOWN_CERT: &[&str] = &[
        "id",
        "arn",
        "created_date",
        "expiration_date",
        "pem_encoded_certificate",
    ];

    fn replaced_cert(actions: &[&str]) -> Plan {
        Plan::new().change(
            C,
            actions,
            aws_cert("old111", 20),
            json!({"description": "backend mTLS", "tags": {"owner": "payments"}}),
            UNKNOWN_CERT,
        )
    }

    fn stage_switching(plan: Plan) -> Plan {
        let mut after = aws_stage("api1", "prod", None);
        after
            .as_object_mut()
            .expect("object")
            .remove("client_certificate_id");
        plan.change(
            S,
            &["update"],
            aws_stage("api1", "prod", Some("old111")),
            after,
            &["client_certificate_id"],
        )
        .reference(S, "client_certificate_id", &[&format!("{C}.id"), C])
    }

    #[test]
    fn fires_on_create_before_destroy_replacement() {
        let f = run(
            &RULE,
            &stage_switching(replaced_cert(&["create", "delete"])).doc(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].address, S);
        assert_eq!(f[0].certificate_id.as_deref(), Some("old111"));
        assert!(f[0].message.contains("api1/prod"), "{}", f[0].message);
        assert!(
            f[0].message.contains("created, then destroyed"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message.contains(&format!("{C}.id")),
            "follows the reference: {}",
            f[0].message
        );
    }

    const ATT: &str = "apigw_stage_client_certificate.prod";

    /// Adds stage `S` letting go of old111 (its certificate cleared).
    fn stage_clearing(plan: Plan) -> Plan {
        plan.change(
            S,
            &["update"],
            aws_stage("api1", "prod", Some("old111")),
            aws_stage("api1", "prod", None),
            &[],
        )
    }

    /// Adds the deletion of certificate old111.
    fn deleting_old(plan: Plan) -> Plan {
        plan.change(
            C,
            &["delete"],
            aws_cert("old111", 20),
            serde_json::Value::Null,
            &[],
        )
    }

    /// The stage hands its certificate over to a new attachment resource.
    fn migration(delete_old: bool) -> Plan {
        let plan = stage_clearing(Plan::new()).change(
            ATT,
            &["create"],
            serde_json::Value::Null,
            attachment("api1", "prod", "new222"),
            &[],
        );
        if delete_old {
            deleting_old(plan)
        } else {
            plan.unchanged(C, aws_cert("old111", 20))
        }
    }

    #[test]
    fn fires_when_another_resource_takes_the_stage_over() {
        let f = run(&RULE, &migration(true).doc());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].address, ATT);
        assert_eq!(f[0].certificate_id.as_deref(), Some("old111"));
        for part in [
            "api1/prod",
            &format!("set by {S}"),
            "new222",
            &format!("set by {ATT}"),
        ] {
            assert!(f[0].message.contains(part), "{part}: {}", f[0].message);
        }
        assert_eq!(run(&RULE, &migration(false).doc()), vec![], "old kept");
    }

    /// The stage's own value drifts to null while the attachment switches:
    /// two routes to one cutover, one finding.
    #[test]
    fn one_finding_when_the_stage_and_its_attachment_both_let_go() {
        let doc = deleting_old(stage_clearing(Plan::new()).change(
            ATT,
            &["update"],
            attachment("api1", "prod", "old111"),
            attachment("api1", "prod", "new222"),
            &[],
        ))
        .doc();
        let f = run(&RULE, &doc);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].address, ATT);
    }

    #[test]
    fn fires_when_an_attachment_is_renamed_and_the_certificate_replaced() {
        let doc = replaced_cert(&["create", "delete"])
            .change(
                "apigw_stage_client_certificate.old_name",
                &["delete"],
                attachment("api1", "prod", "old111"),
                serde_json::Value::Null,
                &[],
            )
            .change(
                "apigw_stage_client_certificate.new_name",
                &["create"],
                serde_json::Value::Null,
                json!({"rest_api_id": "api1", "stage_name": "prod", "detach_on_destroy": true}),
                &["client_certificate_id", "id"],
            )
            .doc();
        let f = run(&RULE, &doc);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].address, "apigw_stage_client_certificate.new_name");
    }

    #[test]
    fn fires_on_destroy_before_create_replacement() {
        let f = run(
            &RULE,
            &stage_switching(replaced_cert(&["delete", "create"])).doc(),
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("destroyed, then created"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fires_when_switching_to_another_certificate_and_deleting_the_old() {
        let plan = Plan::new()
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[])
            .unchanged(
                "aws_api_gateway_client_certificate.next",
                aws_cert("new222", 365),
            )
            .change(
                S,
                &["update"],
                aws_stage("api1", "prod", Some("old111")),
                aws_stage("api1", "prod", Some("new222")),
                &[],
            );
        let f = run(&RULE, &plan.doc());
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("new222 (aws_api_gateway_client_certificate.next)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fires_for_an_attachment_following_a_rotating_resource_that_retires_in_the_same_plan() {
        let r = "apigw_rotating_client_certificate.api";
        let before = rotating(("cur1", 30), None);
        let mut after = before.clone();
        after["current_certificate_id"] = json!("cur2");
        after["current_expiration_date"] = json!(in_days(365));
        // A misconfigured series that drops the old certificate at once.
        let plan = Plan::new()
            .change(r, &["update"], before, after, &[])
            .change(
                "apigw_stage_client_certificate.prod",
                &["update"],
                attachment("api1", "prod", "cur1"),
                attachment("api1", "prod", "cur2"),
                &[],
            );
        let f = run(&RULE, &plan.doc());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("retired from its current slot"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn quiet_for_a_clean_staged_rotation() {
        // Rotation with defaults: current becomes unknown, the old current moves to
        // previous and stays alive; the stage follows current_certificate_id.
        let r = "apigw_rotating_client_certificate.api";
        let before = rotating(("cur1", 50), None);
        let mut after = before.clone();
        after["current_certificate_id"] = Value::Null;
        after["current_expiration_date"] = Value::Null;
        after["previous_certificate_id"] = json!("cur1");
        after["previous_expiration_date"] = json!(in_days(50));
        after["phase"] = json!("overlap");
        let mut att_after = attachment("api1", "prod", "");
        att_after
            .as_object_mut()
            .expect("object")
            .remove("client_certificate_id");
        let plan = Plan::new()
            .change(
                r,
                &["update"],
                before,
                after,
                &["current_certificate_id", "current_expiration_date"],
            )
            .change(
                "apigw_stage_client_certificate.prod",
                &["update"],
                attachment("api1", "prod", "cur1"),
                att_after,
                &["client_certificate_id"],
            )
            .reference(
                "apigw_stage_client_certificate.prod",
                "client_certificate_id",
                &[&format!("{r}.current_certificate_id"), r],
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn quiet_when_the_old_certificate_survives_or_the_stage_detaches() {
        // Switch without deleting the old certificate.
        let plan = Plan::new().unchanged(C, aws_cert("old111", 20)).change(
            S,
            &["update"],
            aws_stage("api1", "prod", Some("old111")),
            aws_stage("api1", "prod", Some("new222")),
            &[],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
        // Decommission: detach, then delete.
        let plan = Plan::new()
            .change(C, &["delete"], aws_cert("old111", 20), Value::Null, &[])
            .change(
                S,
                &["update"],
                aws_stage("api1", "prod", Some("old111")),
                aws_stage("api1", "prod", None),
                &[],
            );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }
}
