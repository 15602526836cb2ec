//! APIGW006: rotation settings outside the configured bounds.

use crate::analysis::{DEFAULT_OVERLAP, DEFAULT_PROMOTE_AFTER, DEFAULT_ROTATE_BEFORE};
use crate::finding::Finding;
use crate::input::{Kind, Resource, Text};
use crate::rules::{Context, RuleDef};
use crate::severity::Severity;

pub const RULE: RuleDef = RuleDef {
    id: "APIGW006",
    name: "rotation-settings-out-of-bounds",
    title: "Rotation settings outside policy bounds",
    default_severity: Severity::Medium,
    description: "`rotate_before`, `overlap` or `promote_after` of an \
`apigw_rotating_client_certificate` is outside the bounds of the `[bounds]` configuration (default: \
`rotate_before` between 30 and 90 days, `overlap` at least 1 day), is not a valid duration, or the \
settings contradict each other (`promote_after + overlap >= rotate_before`, or `rotate_before` at \
least the certificates' validity: the provider's own plan-time checks, from the `rotation` crate). A \
short `rotate_before` leaves no time to react when a rotation fails; a long one rotates more often \
than needed; a short `overlap` deletes the old certificate before slow backends have moved on. \
Values unknown until apply are not judged.",
    fix: "Set the argument inside the bounds (durations such as \"60d\", \"36h\", \"1d12h\"), or \
change [bounds] in the policy configuration if the organisation's policy differs.",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let b = &ctx.config.bounds;
    let mut out = Vec::new();
    for r in &ctx.analysis.doc.resources {
        if r.kind != Kind::RotatingCertificate || r.deposed.is_some() {
            continue;
        }
        let Some(after) = r.after.as_ref() else {
            continue;
        };
        let mut parsed: [Option<u64>; 3] = [None; 3];
        for (slot, (attribute, default, min, max)) in [
            (
                "rotate_before",
                DEFAULT_ROTATE_BEFORE,
                b.rotate_before_min,
                b.rotate_before_max,
            ),
            ("overlap", DEFAULT_OVERLAP, b.overlap_min, b.overlap_max),
            (
                "promote_after",
                DEFAULT_PROMOTE_AFTER,
                None,
                b.promote_after_max,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let value = match after.text(attribute) {
                Text::Unknown => continue,
                Text::Null => default,
                Text::Is(v) => v,
            };
            let parsed_value = rotation::parse_duration(value);
            parsed[slot] = parsed_value.as_ref().ok().copied();
            let problem = match parsed_value {
                Err(e) => Some(format!("{attribute} is not a valid duration: {e}")),
                Ok(secs) => match (min, max) {
                    (Some(min), _) if secs < min => Some(format!(
                        "{attribute} = \"{value}\" is below the policy minimum of {}",
                        rotation::format_duration(min)
                    )),
                    (_, Some(max)) if secs > max => Some(format!(
                        "{attribute} = \"{value}\" is above the policy maximum of {}",
                        rotation::format_duration(max)
                    )),
                    _ => None,
                },
            };
            if let Some(problem) = problem {
                out.push(finding(r, format!("{}: {problem}.", r.address)));
            }
        }
        // Settings inside the bounds can still contradict each other; the provider
        // rejects those at plan time with the same check.
        if let [Some(rotate_before), Some(overlap), Some(promote_after)] = parsed {
            let policy = rotation::Policy {
                rotate_before,
                promote_after,
                overlap,
            };
            for e in policy.validate(validity(after)) {
                out.push(finding(
                    r,
                    format!("{}: {}: {}", r.address, e.summary, e.message),
                ));
            }
        }
    }
    out
}

/// API Gateway issues every client certificate for 365 days.
const API_GATEWAY_VALIDITY_SECS: u64 = 365 * 86_400;

/// The certificates' lifetime, from the current certificate's dates. Schema
/// version 2 of the resource stores no creation date (the certificate carries
/// it): API Gateway's fixed validity stands in.
fn validity(after: &crate::input::Attrs) -> Option<u64> {
    let date = |name: &str| {
        after
            .text(name)
            .known()
            .and_then(|s| rotation::parse_rfc3339(s).ok())
    };
    let expires = date("current_expiration_date")?;
    match date("current_created_date") {
        Some(created) => u64::try_from(expires - created).ok(),
        None => Some(API_GATEWAY_VALIDITY_SECS),
    }
}

fn finding(r: &Resource, message: String) -> Finding {
    let mut f = Finding::new(&RULE, RULE.default_severity, r, message);
    f.certificate_id = r
        .after
        .as_ref()
        .and_then(|a| a.text("current_certificate_id").known())
        .map(str::to_string);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testkit::*;
    use serde_json::{Value, json};

    const R: &str = "apigw_rotating_client_certificate.api";

    fn with(settings: &[(&str, Value)]) -> Vec<Finding> {
        with_config(settings, &Config::default())
    }

    fn with_config(settings: &[(&str, Value)], c: &Config) -> Vec<Finding> {
        let mut v = rotating(("c1", 300), None);
        for (k, val) in settings {
            v[*k] = val.clone();
        }
        run_with(&RULE, &Plan::new().unchanged(R, v).doc(), c)
    }

    #[test]
    fn quiet_inside_bounds_and_at_the_edges() {
        assert_eq!(with(&[]), vec![]);
        assert_eq!(
            with(&[("rotate_before", json!("30d")), ("overlap", json!("1d"))]),
            vec![]
        );
        assert_eq!(with(&[("rotate_before", json!("90d"))]), vec![]);
        assert_eq!(
            with(&[("rotate_before", Value::Null), ("overlap", Value::Null)]),
            vec![],
            "provider defaults"
        );
    }

    #[test]
    fn fires_outside_bounds() {
        let f = with(&[("rotate_before", json!("29d23h"))]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("below the policy minimum of 30d"),
            "{}",
            f[0].message
        );
        let f = with(&[("rotate_before", json!("91d")), ("overlap", json!("12h"))]);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("above the policy maximum of 90d"));
        assert!(f[1].message.contains("overlap"));
    }

    #[test]
    fn fires_for_an_invalid_duration() {
        let f = with(&[("overlap", json!("a week"))]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("not a valid duration"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn promote_after_bound_is_optional() {
        assert_eq!(with(&[("promote_after", json!("30d"))]), vec![]);
        let mut c = Config::default();
        c.bounds.promote_after_max = Some(14 * 86_400);
        assert_eq!(with_config(&[("promote_after", json!("30d"))], &c).len(), 1);
    }

    #[test]
    fn contradictory_settings_inside_the_bounds_are_flagged() {
        // 40d + 30d >= 60d: the old certificate could expire while still trusted.
        let c = Config {
            bounds: crate::config::Bounds {
                promote_after_max: None,
                ..Config::default().bounds
            },
            ..Config::default()
        };
        let f = with_config(
            &[("promote_after", json!("40d")), ("overlap", json!("30d"))],
            &c,
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("Rotation Window Too Short"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn a_schema_version_2_state_is_judged_against_api_gateways_validity() {
        let mut v = rotating(("c1", 300), None);
        v.as_object_mut()
            .expect("object")
            .remove("current_created_date");
        v["rotate_before"] = json!("365d");
        let c = Config {
            bounds: crate::config::Bounds {
                rotate_before_max: None,
                ..Config::default().bounds
            },
            ..Config::default()
        };
        let f = run_with(&RULE, &Plan::new().unchanged(R, v).doc(), &c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("365d"), "{}", f[0].message);
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let mut after = rotating(("c1", 300), None);
        after
            .as_object_mut()
            .expect("object")
            .remove("rotate_before");
        let plan = Plan::new().change(
            R,
            &["update"],
            rotating(("c1", 300), None),
            after,
            &["rotate_before"],
        );
        assert_eq!(run(&RULE, &plan.doc()), vec![]);
    }
}
