//! APIGW007: a value the rules need is present but cannot be read.

use crate::finding::Finding;
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW007",
    name: "unreadable-value",
    title: "A value the rules need cannot be read",
    default_severity: Severity::High,
    description: "A certificate's expiration or creation date is present in the plan, state or \
live inventory but is in no form apigw-policy can read, so the expiry rules cannot judge that \
certificate. A gate that silently passed what it could not read would report \"0 expired\" for \
an expired certificate; instead each such value is a finding of its own, naming the resource, the \
attribute and the value, and is counted in the KPIs (`unreadable`). Dates are read in RFC 3339 \
(`2027-11-30T13:55:19Z`, what Terraform and this provider write) and in Go's time format \
(`2027-11-30 13:55:19 +0000 UTC`, what the AWS provider writes for \
`aws_api_gateway_client_certificate`).",
    fix: "Check where the value comes from: a provider release writing a new date format (report \
it with the value shown), a hand-edited state, or a tool rewriting the JSON. Until then, judge the \
certificate by hand (`aws apigateway get-client-certificate`).",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    ctx.analysis
        .unreadable
        .iter()
        .map(|u| {
            let message = format!(
                "{} attribute {} = {} cannot be read: {}; the expiry rules could not judge \
                 this certificate.",
                u.resource.address, u.attribute, u.value, u.problem
            );
            let mut f = Finding::new(&RULE, RULE.default_severity, u.resource, message);
            f.certificate_id = u.certificate_id.map(str::to_string);
            f.attribute = Some(u.attribute.to_string());
            f.value = Some(u.value.clone());
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::json;

    const C: &str = "aws_api_gateway_client_certificate.legacy";

    #[test]
    fn an_unreadable_expiry_is_a_high_finding_naming_resource_attribute_and_value() {
        let mut cert = aws_cert("abc123", -3);
        cert["expiration_date"] = json!("30/11/2027 13:55");
        let found = run(&RULE, &Plan::new().unchanged(C, cert).doc());
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.address, C);
        assert_eq!(f.attribute.as_deref(), Some("expiration_date"));
        assert_eq!(f.value.as_deref(), Some("\"30/11/2027 13:55\""));
        assert_eq!(f.certificate_id.as_deref(), Some("abc123"));
        assert!(f.message.contains("expiration_date"), "{}", f.message);
    }

    #[test]
    fn a_non_string_date_is_unreadable_too() {
        let mut cert = aws_cert("abc123", 100);
        cert["created_date"] = json!(1_827_582_919);
        let found = run(&RULE, &Plan::new().unchanged(C, cert).doc());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].attribute.as_deref(), Some("created_date"));
        assert_eq!(found[0].value.as_deref(), Some("1827582919"));
    }

    #[test]
    fn go_time_format_and_unknown_dates_are_not_findings() {
        let mut go = aws_cert("abc123", 100);
        go["expiration_date"] = json!("2027-11-30 13:55:19 +0000 UTC");
        let doc = Plan::new()
            .unchanged(C, go)
            .change(
                "aws_api_gateway_client_certificate.new",
                &["create"],
                json!(null),
                json!({"tags": {"owner": "x"}}),
                &["id", "expiration_date", "created_date"],
            )
            .doc();
        assert_eq!(run(&RULE, &doc), vec![]);
    }
}
