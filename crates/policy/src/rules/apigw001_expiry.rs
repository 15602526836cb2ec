//! APIGW001: a certificate in use is due, expiring or expired, and the plan does not
//! rotate it.

use crate::analysis::{Certificate, Slot};
use crate::config::Expiry;
use crate::finding::Finding;
use crate::input::{DocumentKind, Text};
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW001",
    name: "certificate-expiring",
    title: "Certificate expiring or expired with no rotation in this plan",
    default_severity: Severity::Medium,
    description: "A client certificate that a stage presents to its backends is past its rotation \
due date, close to expiry, or expired, and the plan does not replace it (a stage switching away \
from it in the plan counts as its rotation: the soak before it is deleted). Once it expires, every \
backend that verifies it rejects API Gateway. Checked for `aws_api_gateway_client_certificate` and \
for the current certificate of `apigw_rotating_client_certificate`. Severity grows as expiry nears \
(configurable in `[expiry]`): past the rotation due date (the resource's `rotate_before`, or \
`expiry.rotate_before` for certificates without one) is **low**, inside `window` is **medium**, \
inside `high` is **high**, inside `critical` or expired is **critical**.",
    fix: "Rotate in stages: create the new certificate, let the backends trust it, switch the \
stages, delete the old one after a soak. apigw_rotating_client_certificate does this on its own; \
if it is already in use, refresh and apply so the provider plans the rotation.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let a = ctx.analysis;
    let mut out = Vec::new();
    for cert in &a.certificates {
        if !matches!(cert.slot, None | Some(Slot::Current)) || cert.new_in_plan {
            continue;
        }
        let Some(expiration) = cert.expiration else {
            continue;
        };
        let expired = rotation::is_expired(a.now, expiration);
        if !expired && rotation_underway(cert) {
            continue;
        }
        // Stages moving off this certificate, with none left presenting it,
        // are its rotation: the soak before the old certificate is deleted.
        if let Some(id) = cert.id.known() {
            let switched_away = a.stages.iter().any(|s| {
                s.before == Some(id) && s.after.is_some_and(|after| after != Text::Is(id))
            });
            let still_presented = a.stages.iter().any(|s| s.after == Some(Text::Is(id)));
            if switched_away && !still_presented {
                continue;
            }
        }
        let rotate_before = cert
            .rotate_before
            .unwrap_or(ctx.config.expiry.rotate_before);
        let Some(severity) = severity(a.now, expiration, rotate_before, &ctx.config.expiry) else {
            continue;
        };
        let id = cert.id.known().unwrap_or("(unknown)");
        let days = rotation::days_left(a.now, expiration);
        let due = rotation::rotation_due_date(expiration, rotate_before);
        let expires = rotation::format_rfc3339(expiration);
        let message = if expired {
            let ago = rotation::format_days(rotation::days_until(expiration, a.now));
            format!(
                "Certificate {id} ({}) expired on {expires} ({ago} ago) and is still in use: \
                 backends that verify it are rejecting API Gateway now (an outage in progress).",
                cert.label(),
            )
        } else {
            let verdict = match a.doc.kind {
                DocumentKind::Plan => "this plan does not rotate it",
                DocumentKind::State => "no rotation is under way",
            };
            format!(
                "Certificate {id} ({}) expires on {expires} ({days} days left); rotation was due on \
                 {} (rotate_before {}), and {verdict}.",
                cert.label(),
                rotation::format_rfc3339(due),
                rotation::format_duration(rotate_before)
            )
        };
        let mut f = Finding::new(&RULE, severity, cert.resource, message);
        f.certificate_id = cert.id.known().map(str::to_string);
        f.certificate_address = Some(cert.label());
        f.expiration_date = Some(expires);
        f.rotation_due_date = Some(rotation::format_rfc3339(due));
        f.days_left = Some(days);
        out.push(f);
    }
    out
}

/// A pending certificate already exists: the rotation started in an earlier apply.
fn rotation_underway(cert: &Certificate) -> bool {
    cert.slot == Some(Slot::Current)
        && cert
            .resource
            .after
            .as_ref()
            .is_some_and(|a| a.text(Slot::Pending.id_attribute()) != Text::Null)
}

/// The severity ladder of `[expiry]`; `None` when the certificate is not yet due.
pub fn severity(now: i64, expiration: i64, rotate_before: u64, e: &Expiry) -> Option<Severity> {
    if rotation::is_expired(now, expiration) || rotation::is_due(now, expiration, e.critical) {
        Some(Severity::Critical)
    } else if rotation::is_due(now, expiration, e.high) {
        Some(Severity::High)
    } else if rotation::is_due(now, expiration, e.window) {
        Some(Severity::Medium)
    } else if rotation::is_due(now, expiration, rotate_before) {
        Some(Severity::Low)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testkit::*;
    use serde_json::json;

    const C: &str = "aws_api_gateway_client_certificate.backend";

    fn aws_at(days: i64) -> Vec<Finding> {
        run(
            &RULE,
            &Plan::new().unchanged(C, aws_cert("abc123", days)).doc(),
        )
    }

    #[test]
    fn severity_grows_as_expiry_nears() {
        assert_eq!(aws_at(61), vec![], "outside the 60d rotation window");
        assert_eq!(aws_at(45)[0].severity, Severity::Low);
        assert_eq!(
            aws_at(30)[0].severity,
            Severity::Medium,
            "exactly at the window"
        );
        assert_eq!(aws_at(14)[0].severity, Severity::High);
        assert_eq!(aws_at(7)[0].severity, Severity::Critical);
        let expired = aws_at(-3);
        assert_eq!(expired[0].severity, Severity::Critical);
        assert!(
            expired[0].message.contains("outage in progress"),
            "{}",
            expired[0].message
        );
        assert_eq!(expired[0].days_left, Some(-3));
    }

    #[test]
    fn boundary_is_the_due_instant() {
        let e = Config::default().expiry;
        let exp = now() + 60 * 86_400;
        assert_eq!(severity(now(), exp, 60 * 86_400, &e), Some(Severity::Low));
        assert_eq!(severity(now() - 1, exp, 60 * 86_400, &e), None);
    }

    #[test]
    fn finding_names_certificate_dates_and_fix() {
        let f = &aws_at(20)[0];
        assert_eq!(f.rule_id, "APIGW001");
        assert_eq!(f.address, C);
        assert_eq!(f.certificate_id.as_deref(), Some("abc123"));
        assert_eq!(f.expiration_date.as_deref(), Some(in_days(20).as_str()));
        assert_eq!(f.rotation_due_date.as_deref(), Some(in_days(-40).as_str()));
        assert_eq!(f.days_left, Some(20));
        assert!(f.fix.contains("Rotate in stages"));
    }

    #[test]
    fn quiet_when_the_plan_replaces_the_certificate() {
        let plan = Plan::new().change(
            C,
            &["create", "delete"],
            aws_cert("abc123", 10),
            json!({"description": "backend mTLS", "tags": {"owner": "x"}}),
            &[
                "id",
                "expiration_date",
                "created_date",
                "pem_encoded_certificate",
                "arn",
            ],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }

    #[test]
    fn rotating_resource_uses_its_own_rotate_before() {
        let mut v = rotating(("cur1", 80), None);
        v["rotate_before"] = json!("90d");
        let doc = Plan::new()
            .unchanged("apigw_rotating_client_certificate.api", v)
            .doc();
        let f = run(&RULE, &doc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(
            f[0].certificate_address.as_deref(),
            Some("apigw_rotating_client_certificate.api (current)")
        );
    }

    #[test]
    fn rotating_resource_quiet_when_rotating_in_this_plan_or_pending() {
        let before = rotating(("cur1", 50), None);
        let mut after = before.clone();
        after["current_certificate_id"] = serde_json::Value::Null;
        after["current_expiration_date"] = serde_json::Value::Null;
        after["previous_certificate_id"] = json!("cur1");
        after["previous_expiration_date"] = json!(in_days(50));
        let doc = Plan::new()
            .change(
                "apigw_rotating_client_certificate.api",
                &["update"],
                before.clone(),
                after,
                &[
                    "current_certificate_id",
                    "current_expiration_date",
                    "current_pem",
                ],
            )
            .doc();
        assert_eq!(run(&RULE, &doc), vec![]);

        let mut pending = before;
        pending["pending_certificate_id"] = json!("new1");
        pending["pending_expiration_date"] = json!(in_days(365));
        let doc = Plan::new()
            .unchanged("apigw_rotating_client_certificate.api", pending)
            .doc();
        assert_eq!(run(&RULE, &doc), vec![]);
    }

    #[test]
    fn previous_slot_near_expiry_is_not_flagged() {
        let doc = Plan::new()
            .unchanged(
                "apigw_rotating_client_certificate.api",
                rotating(("cur2", 300), Some(("cur1", 5))),
            )
            .doc();
        assert_eq!(run(&RULE, &doc), vec![]);
    }

    #[test]
    fn quiet_while_a_stage_moves_off_it_in_this_plan() {
        for days in [5, -2] {
            let doc = Plan::new()
                .unchanged(C, aws_cert("abc123", days))
                .unchanged(
                    "aws_api_gateway_client_certificate.next",
                    aws_cert("new456", 365),
                )
                .change(
                    "aws_api_gateway_stage.prod",
                    &["update"],
                    aws_stage("api1", "prod", Some("abc123")),
                    aws_stage("api1", "prod", Some("new456")),
                    &[],
                )
                .doc();
            assert_eq!(run(&RULE, &doc), vec![], "{days} days");
        }
        // Another stage still presents it: still flagged.
        let doc = Plan::new()
            .unchanged(C, aws_cert("abc123", 5))
            .change(
                "aws_api_gateway_stage.staging",
                &["update"],
                aws_stage("api1", "staging", Some("abc123")),
                aws_stage("api1", "staging", Some("new456")),
                &[],
            )
            .unchanged(
                "aws_api_gateway_stage.prod",
                aws_stage("api1", "prod", Some("abc123")),
            )
            .doc();
        assert_eq!(run(&RULE, &doc).len(), 1);
    }

    #[test]
    fn an_expired_certificate_never_shows_zero_days_left() {
        let exp = now();
        let doc = Plan::new()
            .unchanged(
                C,
                json!({"id": "abc123", "expiration_date": rotation::format_rfc3339(exp)}),
            )
            .doc();
        let f = run(&RULE, &doc);
        assert_eq!(f[0].days_left, Some(-1));
        assert!(
            f[0].message.contains("(less than a day ago)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn deleted_certificates_are_not_flagged() {
        let doc = Plan::new()
            .change(
                C,
                &["delete"],
                aws_cert("abc123", 3),
                serde_json::Value::Null,
                &[],
            )
            .doc();
        assert_eq!(run(&RULE, &doc), vec![]);
    }
}
