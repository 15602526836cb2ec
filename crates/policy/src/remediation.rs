//! The remediation-time KPI: for every certificate that was replaced, how long it stayed
//! in use after its rotation window opened (days from `expiration - rotate_before` to the
//! switch to its successor), and the mean over all of them.
//!
//! Each replaced certificate counts once, however many stages moved off it; its switch
//! is the last of them (a rotation is done when nothing presents the old certificate).
//! Where the switch comes from:
//!
//! * a state (or an unchanged resource in a plan) of `apigw_rotating_client_certificate`
//!   in its overlap: the previous certificate was replaced when the current one was
//!   promoted, `previous_retire_after - overlap`;
//! * a plan that replaces a certificate (a rotating resource's current certificate
//!   changes, or a stage moves to another certificate): the switch is the apply, `now`;
//! * a live scan: two certificates of one provider-marked series, the older presented by
//!   no stage and the newer by at least one; the switch is the latest `lastUpdatedDate`
//!   of those stages (the last change to the stage, so an upper bound when something else
//!   on the stage changed later).
//!
//! A certificate replaced before its window opened (a rotation forced by
//! `rotation_triggers`, say) counts as 0 days: nothing was late.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, DEFAULT_OVERLAP, DEFAULT_ROTATE_BEFORE};
use crate::input::{Action, Attrs, Field, Kind, Text};

const DAY: f64 = 86_400.0;

/// One replacement, as the input shows it (unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Switch {
    /// The series: a rotating resource's address, a stage, or a live series.
    pub series: String,
    pub certificate_id: String,
    pub replaced_by: Option<String>,
    /// The replaced certificate's expiry.
    pub expires: i64,
    /// Its own rotation window, when its resource has one (else the configured default).
    pub rotate_before: Option<u64>,
    pub switched: i64,
    /// How the switch time was found, for the reader of the report.
    pub source: &'static str,
}

/// One replaced certificate in the KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub series: String,
    pub certificate_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    /// RFC 3339: when the replaced certificate entered its rotation window.
    pub window_opened: String,
    /// RFC 3339: when it was replaced.
    pub switched: String,
    /// Days from `window_opened` to `switched` (0 when replaced before the window opened).
    pub days: f64,
    /// `state (promotion)`, `plan (apply)` or `live (stage last updated)`.
    pub source: String,
}

/// Turns switches into KPI entries, one per replaced certificate (the latest switch
/// wins), in the order they were first seen.
pub fn remediations(switches: Vec<Switch>, default_rotate_before: u64) -> Vec<Remediation> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: BTreeMap<String, Switch> = BTreeMap::new();
    for s in switches {
        match by_id.get_mut(&s.certificate_id) {
            Some(seen) => {
                if s.switched > seen.switched {
                    seen.switched = s.switched;
                    seen.source = s.source;
                }
                if seen.replaced_by.is_none() {
                    seen.replaced_by = s.replaced_by;
                }
            }
            None => {
                order.push(s.certificate_id.clone());
                by_id.insert(s.certificate_id.clone(), s);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .map(|s| {
            let rotate_before = s.rotate_before.unwrap_or(default_rotate_before);
            let opened = s
                .expires
                .saturating_sub(i64::try_from(rotate_before).unwrap_or(i64::MAX));
            let days = (s.switched.saturating_sub(opened)).max(0) as f64 / DAY;
            Remediation {
                series: s.series,
                certificate_id: s.certificate_id,
                replaced_by: s.replaced_by,
                window_opened: rotation::format_rfc3339(opened),
                switched: rotation::format_rfc3339(s.switched),
                days: (days * 10.0).round() / 10.0,
                source: s.source.to_string(),
            }
        })
        .collect()
}

/// The mean of the entries' days, `None` when nothing was replaced.
pub fn mean_days(r: &[Remediation]) -> Option<f64> {
    (!r.is_empty()).then(|| {
        let mean = r.iter().map(|x| x.days).sum::<f64>() / r.len() as f64;
        (mean * 10.0).round() / 10.0
    })
}

fn date(values: &Attrs, name: &str) -> Option<i64> {
    match values.field(name) {
        Field::Value(serde_json::Value::String(s)) => crate::timestamp::parse(s).ok(),
        _ => None,
    }
}

fn duration(values: &Attrs, name: &str, default: &str) -> Option<u64> {
    match values.text(name) {
        Text::Is(s) => rotation::parse_duration(s).ok(),
        Text::Null => rotation::parse_duration(default).ok(),
        Text::Unknown => None,
    }
}

/// What the plan or state shows of replaced certificates.
pub fn from_analysis(a: &Analysis) -> Vec<Switch> {
    let mut out = Vec::new();
    // Expiry and window of every certificate as it was before the plan.
    let mut before: BTreeMap<&str, (i64, Option<u64>)> = BTreeMap::new();
    for r in &a.doc.resources {
        let Some(b) = r.before.as_ref() else { continue };
        match r.kind {
            Kind::AwsCertificate => {
                if let (Some(id), Some(exp)) = (b.text("id").known(), date(b, "expiration_date")) {
                    before.insert(id, (exp, None));
                }
            }
            Kind::RotatingCertificate => {
                let rb = duration(b, "rotate_before", DEFAULT_ROTATE_BEFORE);
                if let (Some(id), Some(exp)) = (
                    b.text("current_certificate_id").known(),
                    date(b, "current_expiration_date"),
                ) {
                    before.insert(id, (exp, rb));
                }
                if let (Some(id), Some(exp)) = (
                    b.text("previous_certificate_id").known(),
                    previous_expiry(b),
                ) {
                    before.insert(id, (exp, rb));
                }
            }
            _ => {}
        }
    }

    for r in &a.doc.resources {
        if r.kind != Kind::RotatingCertificate || r.deposed.is_some() {
            continue;
        }
        let Some(after) = r.after.as_ref() else {
            continue;
        };
        // A series in its overlap, as the state records it.
        let rotate_before = duration(after, "rotate_before", DEFAULT_ROTATE_BEFORE);
        if let (Some(prev), Some(retire_after), Some(overlap), Some(expires)) = (
            after.text("previous_certificate_id").known(),
            date(after, "previous_retire_after"),
            duration(after, "overlap", DEFAULT_OVERLAP),
            previous_expiry(after),
        ) {
            out.push(Switch {
                series: r.address.clone(),
                certificate_id: prev.to_string(),
                replaced_by: after
                    .text("current_certificate_id")
                    .known()
                    .map(str::to_string),
                expires,
                rotate_before,
                switched: retire_after.saturating_sub(i64::try_from(overlap).unwrap_or(i64::MAX)),
                source: "state (promotion)",
            });
        }
        // A plan that promotes a new current certificate.
        if let Some(old) = r
            .before
            .as_ref()
            .and_then(|b| b.text("current_certificate_id").known())
        {
            let new = after.text("current_certificate_id");
            if new != Text::Is(old)
                && new != Text::Null
                && let Some(&(expires, rb)) = before.get(old)
            {
                out.push(Switch {
                    series: r.address.clone(),
                    certificate_id: old.to_string(),
                    replaced_by: new.known().map(str::to_string),
                    expires,
                    rotate_before: rb,
                    switched: a.now,
                    source: "plan (apply)",
                });
            }
        }
    }

    for s in &a.stages {
        let (Some(old), Some(new)) = (s.before, s.after) else {
            continue;
        };
        if new == Text::Is(old) || new == Text::Null || matches!(s.resource.action, Action::Delete)
        {
            continue;
        }
        if let Some(&(expires, rb)) = before.get(old) {
            out.push(Switch {
                series: s.label(),
                certificate_id: old.to_string(),
                replaced_by: new.known().map(str::to_string),
                expires,
                rotate_before: rb,
                switched: a.now,
                source: "plan (apply)",
            });
        }
    }
    out
}

/// The previous certificate's expiry: `previous_expiration_date` (schema versions 0
/// and 1) or the first certificate of `trusted_pem_bundle` (version 2 keeps the dates
/// only in the PEMs, previous first).
fn previous_expiry(values: &Attrs) -> Option<i64> {
    date(values, "previous_expiration_date").or_else(|| match values.field("trusted_pem_bundle") {
        Field::Value(v) => v.as_i64(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::json;

    const D: i64 = 86_400;

    fn switches(doc: &crate::input::Document) -> Vec<Remediation> {
        let a = Analysis::new(doc, now(), &["owner".to_string()]);
        remediations(from_analysis(&a), 60 * D as u64)
    }

    #[test]
    fn a_state_in_its_overlap_measures_the_promotion() {
        // Previous expires in 40 days, so its 60-day window opened 20 days ago; the
        // promotion was 6 days ago (retire after 1 day, overlap 7 days).
        let doc = Plan::new()
            .unchanged(
                "apigw_rotating_client_certificate.r",
                rotating(("r2", 359), Some(("r1", 40))),
            )
            .doc();
        let r = switches(&doc);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].certificate_id, "r1");
        assert_eq!(r[0].replaced_by.as_deref(), Some("r2"));
        assert_eq!(r[0].days, 14.0);
        assert_eq!(r[0].source, "state (promotion)");
        assert_eq!(mean_days(&r), Some(14.0));
    }

    #[test]
    fn a_rotation_before_the_window_opened_counts_as_zero_days() {
        let doc = Plan::new()
            .unchanged(
                "apigw_rotating_client_certificate.r",
                rotating(("r2", 359), Some(("r1", 300))),
            )
            .doc();
        assert_eq!(switches(&doc)[0].days, 0.0);
    }

    #[test]
    fn a_stable_series_and_an_unchanged_stage_measure_nothing() {
        let doc = Plan::new()
            .unchanged(
                "apigw_rotating_client_certificate.r",
                rotating(("r1", 100), None),
            )
            .unchanged("aws_api_gateway_client_certificate.a", aws_cert("c1", 10))
            .unchanged(
                "aws_api_gateway_stage.s",
                aws_stage("api", "prod", Some("c1")),
            )
            .doc();
        let r = switches(&doc);
        assert!(r.is_empty(), "{r:?}");
        assert_eq!(mean_days(&r), None);
    }

    #[test]
    fn a_plan_moving_stages_off_a_certificate_measures_the_apply_once() {
        // c1 expires in 10 days: its 60-day window opened 50 days ago. Two stages move
        // off it in this plan; it counts once.
        let doc = Plan::new()
            .unchanged("aws_api_gateway_client_certificate.a", aws_cert("c1", 10))
            .unchanged("aws_api_gateway_client_certificate.b", aws_cert("c2", 365))
            .change(
                "aws_api_gateway_stage.prod",
                &["update"],
                aws_stage("api", "prod", Some("c1")),
                aws_stage("api", "prod", Some("c2")),
                &[],
            )
            .change(
                "aws_api_gateway_stage.beta",
                &["update"],
                aws_stage("api", "beta", Some("c1")),
                aws_stage("api", "beta", Some("c2")),
                &[],
            )
            .doc();
        let r = switches(&doc);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].days, 50.0);
        assert_eq!(r[0].replaced_by.as_deref(), Some("c2"));
        assert_eq!(r[0].source, "plan (apply)");
    }

    #[test]
    fn a_plan_rotating_a_series_measures_its_current_certificate() {
        let before = rotating(("r1", 45), None);
        let mut after = before.clone();
        after["current_certificate_id"] = json!(null);
        let doc = Plan::new()
            .change(
                "apigw_rotating_client_certificate.r",
                &["update"],
                before,
                after,
                &["current_certificate_id"],
            )
            .doc();
        let r = switches(&doc);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!((r[0].certificate_id.as_str(), r[0].days), ("r1", 15.0));
        assert_eq!(r[0].replaced_by, None);
    }

    #[test]
    fn the_mean_is_over_replaced_certificates() {
        let r = remediations(
            vec![
                Switch {
                    series: "a".into(),
                    certificate_id: "x".into(),
                    replaced_by: None,
                    expires: 100 * D,
                    rotate_before: Some(30 * D as u64),
                    switched: 75 * D,
                    source: "plan (apply)",
                },
                Switch {
                    series: "b".into(),
                    certificate_id: "y".into(),
                    replaced_by: None,
                    expires: 100 * D,
                    rotate_before: None,
                    switched: 80 * D,
                    source: "plan (apply)",
                },
            ],
            60 * D as u64,
        );
        let days: Vec<f64> = r.iter().map(|x| x.days).collect();
        assert_eq!(days, vec![5.0, 40.0]);
        assert_eq!(mean_days(&r), Some(22.5));
    }
}
