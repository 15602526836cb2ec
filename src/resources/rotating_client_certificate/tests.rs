//! Plan-side unit tests: the plan never calls AWS, so these run without a
//! client. End-to-end behaviour is covered by tests/e2e_rotating.rs.

use super::*;
use tfplugin::Severity;

const DAY: i64 = 86_400;
/// A refresh time far from the real clock: the plan must decide as of it.
const SEEN: i64 = 1_700_000_000;

fn resource() -> Arc<RotatingClientCertificate> {
    RotatingClientCertificate::new(Context::default())
}

fn live(id: &str, created: i64) -> Live {
    Live {
        id: id.into(),
        pem: format!("-----BEGIN CERTIFICATE-----\n{id}\n-----END CERTIFICATE-----\n"),
        created,
        expires: created + 365 * DAY,
    }
}

fn stable_state(created: i64) -> State {
    State {
        id: "a".into(),
        description: Some(DEFAULT_DESCRIPTION.into()),
        rotate_before: Some("60d".into()),
        promote_after: Some("0s".into()),
        overlap: Some("7d".into()),
        tags: BTreeMap::new(),
        rotation_triggers: None,
        retire_guard: true,
        series: Series {
            current: Some(live("a", created)),
            promoted_date: Some(created),
            ..Series::default()
        },
        ..State::default()
    }
}

fn config(pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::object([
        ("description", Value::Null),
        ("rotate_before", Value::Null),
        ("promote_after", Value::Null),
        ("overlap", Value::Null),
        ("tags", Value::Null),
        ("rotation_triggers", Value::Null),
        ("retire_guard", Value::Null),
    ]);
    for (k, val) in pairs {
        v.set(k, val.clone());
    }
    v
}

fn plan(prior: Option<&State>, config: Value, seen: Option<i64>) -> PlanResponse {
    let private = Private {
        observed_at: seen,
        ..Private::default()
    };
    plan_with(prior, config, &private)
}

fn plan_with(prior: Option<&State>, config: Value, private: &Private) -> PlanResponse {
    resource().do_plan(&PlanRequest {
        prior_state: prior.map_or(Value::Null, State::to_value),
        proposed_new_state: config.clone(),
        config,
        prior_private: private.encode(),
        stop: StopToken::never(),
    })
}

/// `rotation_triggers = { k = "1" }`.
fn triggers() -> Value {
    Value::string_map(&BTreeMap::from([("k".to_string(), "1".to_string())]))
}

/// The private state import leaves: the first triggers are to be adopted.
fn just_imported() -> Private {
    Private {
        observed_at: Some(SEEN),
        adopt_triggers: true,
        ..Private::default()
    }
}

fn warnings(r: &PlanResponse) -> Vec<&Diagnostic> {
    r.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect()
}

fn planned_steps(r: &PlanResponse) -> Vec<Step> {
    Private::decode(&r.planned_private)
        .plan
        .map(|p| p.steps)
        .unwrap_or_default()
}

#[test]
fn create_plans_one_generation_with_defaults() {
    let r = plan(None, config(&[]), None);
    assert!(!has_errors(&r.diagnostics), "{:?}", r.diagnostics);
    let v = &r.planned_state;
    assert_eq!(v.get("description"), &Value::string(DEFAULT_DESCRIPTION));
    assert_eq!(v.get("rotate_before"), &Value::string("60d"));
    assert_eq!(v.get("promote_after"), &Value::string("0s"));
    assert_eq!(v.get("overlap"), &Value::string("7d"));
    assert_eq!(v.get("retire_guard"), &Value::Bool(true));
    assert_eq!(v.get("tags"), &Value::Map(BTreeMap::new()));
    assert!(v.get("id").is_unknown());
    assert!(v.get("current_certificate_id").is_unknown());
    assert!(v.get("current_pem").is_unknown());
    assert!(v.get("trusted_pem_bundle").is_unknown());
    assert!(v.get("pending_certificate_id").is_null());
    assert!(v.get("previous_certificate_id").is_null());
    assert_eq!(v.get("phase"), &Value::string("stable"));
    assert_eq!(warnings(&r).len(), 1);
    assert!(matches!(
        planned_steps(&r)[..],
        [Step::Generate {
            into: Slot::Current,
            ..
        }]
    ));
}

#[test]
fn nothing_due_plans_exactly_the_prior_state_without_warnings() {
    let prior = stable_state(SEEN - 10 * DAY);
    let mut prior = prior;
    prior.rotation_due = false;
    let r = plan(Some(&prior), config(&[]), Some(SEEN));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.planned_state, prior.to_value());
    assert!(planned_steps(&r).is_empty());
}

#[test]
fn due_rotation_shows_the_overlap_in_the_plan() {
    let prior = stable_state(SEEN - 310 * DAY);
    let r = plan(Some(&prior), config(&[]), Some(SEEN));
    let v = &r.planned_state;
    assert!(v.get("current_certificate_id").is_unknown());
    assert_eq!(v.get("previous_certificate_id"), &Value::string("a"));
    assert_eq!(
        v.get("previous_pem").as_str(),
        prior.series.current.as_ref().map(|l| l.pem.as_str())
    );
    assert!(v.get("previous_retire_after").is_unknown());
    assert_eq!(v.get("phase"), &Value::string("overlap"));
    assert_eq!(v.get("id"), &Value::string("a"));
    let w = warnings(&r);
    assert_eq!(w.len(), 1);
    assert!(
        w[0].detail.contains("Current certificate a"),
        "{}",
        w[0].detail
    );
    assert!(w[0].detail.contains("55 days left"), "{}", w[0].detail);
}

#[test]
fn plan_decides_as_of_the_last_refresh_not_the_clock() {
    // The real clock is years after SEEN: deciding by it would rotate.
    let prior = stable_state(SEEN - 100 * DAY);
    let r = plan(Some(&prior), config(&[]), Some(SEEN));
    assert!(planned_steps(&r).is_empty());
    // Re-planning (Terraform's final plan during apply) gives the same answer.
    let again = plan(Some(&prior), config(&[]), Some(SEEN));
    assert_eq!(r.planned_state, again.planned_state);
    assert_eq!(r.planned_private, again.planned_private);
    // Without a recorded refresh the clock is the fallback.
    let r = plan(Some(&prior), config(&[]), None);
    assert!(!planned_steps(&r).is_empty());
}

#[test]
fn promotion_is_fully_known_in_the_plan() {
    let mut prior = stable_state(SEEN - 310 * DAY);
    prior.promote_after = Some("1h".into());
    prior.series.pending = Some(live("n", SEEN - 2 * 3_600));
    let cfg = config(&[("promote_after", Value::string("1h"))]);
    let r = plan(Some(&prior), cfg, Some(SEEN));
    let v = &r.planned_state;
    assert_eq!(v.get("current_certificate_id"), &Value::string("n"));
    assert_eq!(v.get("previous_certificate_id"), &Value::string("a"));
    assert!(v.get("pending_certificate_id").is_null());
    assert!(v.get("promoted_date").is_unknown());
    assert_eq!(v.get("rotation_due"), &Value::Bool(false));
    // Both certificates stay live: the bundle is known, oldest first.
    let ids = v.get("trusted_certificate_ids");
    assert_eq!(ids, &Value::string_list(["a", "n"]));
    assert_eq!(v.get("phase"), &Value::string("overlap"));
}

#[test]
fn overlap_change_moves_the_retirement_time() {
    let mut prior = stable_state(SEEN - 10 * DAY);
    prior.series.previous = Some(live("old", SEEN - 300 * DAY));
    prior.series.previous_retire_after = Some(SEEN + 5 * DAY);
    let r = plan(
        Some(&prior),
        config(&[("overlap", Value::string("4d"))]),
        Some(SEEN),
    );
    assert_eq!(
        r.planned_state.get("previous_retire_after"),
        &Value::string(rotation::format_rfc3339(SEEN + 2 * DAY))
    );
    assert!(planned_steps(&r).is_empty());
    // Shortened so far that the overlap has already ended: retired now.
    let r = plan(
        Some(&prior),
        config(&[("overlap", Value::string("2d"))]),
        Some(SEEN),
    );
    assert!(r.planned_state.get("previous_retire_after").is_null());
    assert!(matches!(planned_steps(&r)[..], [Step::Retire { .. }]));
}

#[test]
fn triggers_rotate_but_not_right_after_import() {
    let prior = stable_state(SEEN - 10 * DAY);
    let cfg = config(&[("rotation_triggers", triggers())]);
    let r = plan(Some(&prior), cfg.clone(), Some(SEEN));
    assert_eq!(planned_steps(&r).len(), 1);
    let adopted = plan_with(Some(&prior), cfg, &just_imported());
    assert!(planned_steps(&adopted).is_empty());
}

#[test]
fn bad_configurations_fail_naming_the_attribute() {
    let prior = stable_state(SEEN - 10 * DAY);
    let cases: &[(&str, &str, &str)] = &[
        ("rotate_before", "sixty days", "rotate_before"),
        ("overlap", "-1d", "overlap"),
        ("promote_after", "5x", "promote_after"),
        ("rotate_before", "0s", "rotate_before"),
        ("rotate_before", "7d", "overlap"),
        ("rotate_before", "365d", "rotate_before"),
    ];
    for (attr, value, blamed) in cases {
        let r = plan(
            Some(&prior),
            config(&[(attr, Value::string(*value))]),
            Some(SEEN),
        );
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{attr}={value}: {:?}", r.diagnostics);
        assert_eq!(
            errors[0].attribute,
            Some(tfplugin::AttributePath::attr(blamed)),
            "{attr}={value}"
        );
        assert!(errors[0].detail.contains(value), "{}", errors[0].detail);
    }
}

#[test]
fn upgrade_from_version_0_fills_new_attributes() {
    let mut v0 = serde_json::to_value(serde_json::json!({
        "id": "a",
        "current_certificate_id": "b",
        "current_created_date": "2026-01-02T00:00:00Z",
        "previous_certificate_id": "a",
        "previous_created_date": "2025-01-02T00:00:00Z",
        "pending_certificate_id": null,
    }))
    .unwrap_or_default();
    let up = upgrade(0, v0.take()).unwrap_or_default();
    assert_eq!(up["promoted_date"], "2026-01-02T00:00:00Z");
    assert_eq!(up["trusted_certificate_ids"], serde_json::json!(["a", "b"]));
    assert_eq!(upgrade(1, up.clone()).ok(), Some(up));
    let err = upgrade(7, serde_json::json!({})).unwrap_err();
    assert!(err.detail.contains("version 7"));
}

#[test]
fn state_round_trips_through_values() {
    let mut s = stable_state(SEEN);
    s.series.previous = Some(live("p", SEEN - 300 * DAY));
    s.series.previous_retire_after = Some(SEEN + 7 * DAY);
    s.tags = BTreeMap::from([("team".into(), "edge".into())]);
    let back = State::from_value(&s.to_value()).unwrap_or_default();
    assert_eq!(back, s);
    let v = s.to_value();
    assert_eq!(
        v.get("trusted_pem_bundle")
            .as_str()
            .map(|b| b.matches("BEGIN").count()),
        Some(2)
    );
    assert_eq!(
        v.get("trusted_certificate_ids"),
        &Value::string_list(["p", "a"])
    );
}

#[test]
fn schema_describes_every_attribute_in_sentences() {
    let s = schema();
    assert_eq!(s.version, SCHEMA_VERSION);
    for a in &s.block.attributes {
        assert!(
            a.description.ends_with('.'),
            "{}: {}",
            a.name,
            a.description
        );
        assert!(a.description.len() > 30, "{}", a.name);
    }
    // Every attribute the model writes is in the schema and vice versa.
    let names: std::collections::BTreeSet<_> =
        s.block.attributes.iter().map(|a| a.name.clone()).collect();
    let Value::Object(m) = stable_state(SEEN).to_value() else {
        panic!("state is not an object");
    };
    let written: std::collections::BTreeSet<_> = m.keys().cloned().collect();
    assert_eq!(names, written);
}

#[test]
fn unknown_durations_defer_the_decision_to_apply() {
    let prior = stable_state(SEEN - 10 * DAY);
    let r = plan(
        Some(&prior),
        config(&[("rotate_before", Value::Unknown)]),
        Some(SEEN),
    );
    assert!(!has_errors(&r.diagnostics), "{:?}", r.diagnostics);
    let v = &r.planned_state;
    assert!(v.get("rotate_before").is_unknown());
    assert!(v.get("current_certificate_id").is_unknown());
    assert!(v.get("phase").is_unknown());
    assert_eq!(v.get("id"), &Value::string("a"));
    let private = Private::decode(&r.planned_private);
    assert!(private.plan.is_some_and(|p| p.deferred && p.at == SEEN));
}

#[test]
fn a_deferred_plan_after_import_keeps_the_adopted_triggers() {
    let prior = stable_state(SEEN - 10 * DAY);
    let cfg = config(&[
        ("rotate_before", Value::Unknown),
        ("rotation_triggers", triggers()),
    ]);
    let r = plan_with(Some(&prior), cfg, &just_imported());
    let private = Private::decode(&r.planned_private);
    assert!(private.plan.is_some_and(|p| p.deferred));
    assert!(
        private.adopt_triggers,
        "apply decides with the plan's facts: triggers recorded by import are adopted, not acted on"
    );
}

#[test]
fn a_null_map_element_is_an_error_naming_attribute_and_key() {
    let prior = stable_state(SEEN - 10 * DAY);
    for attr in ["tags", "rotation_triggers"] {
        let map = Value::Map(BTreeMap::from([
            ("owner".to_string(), Value::string("team-a")),
            ("ticket".to_string(), Value::Null),
        ]));
        let r = plan(Some(&prior), config(&[(attr, map)]), Some(SEEN));
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{attr}: {:?}", r.diagnostics);
        assert_eq!(
            errors[0].attribute,
            Some(tfplugin::AttributePath::attr(attr).then_key("ticket")),
        );
        assert!(
            errors[0]
                .detail
                .contains(&format!("{attr}[\"ticket\"] is null")),
            "{}",
            errors[0].detail
        );
    }
}

#[test]
fn a_window_longer_than_api_gateways_validity_fails_at_create() {
    let r = plan(
        None,
        config(&[("rotate_before", Value::string("400d"))]),
        None,
    );
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(
        errors[0].attribute,
        Some(tfplugin::AttributePath::attr("rotate_before"))
    );
    assert!(errors[0].detail.contains("365d"), "{}", errors[0].detail);
}

#[test]
fn a_pending_certificate_deleted_outside_terraform_is_explained() {
    let prior = stable_state(SEEN - 10 * DAY);
    let private = Private {
        observed_at: Some(SEEN),
        vanished: vec![(Slot::Pending, "gone01".to_string())],
        ..Private::default()
    };
    let cfg = config(&[]);
    let r = plan_with(Some(&prior), cfg, &private);
    assert!(planned_steps(&r).is_empty());
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(
        w[0].summary,
        "Pending client certificate deleted outside Terraform"
    );
    assert!(w[0].detail.contains("gone01"), "{}", w[0].detail);
}

#[test]
fn triggers_adopted_after_import_say_so() {
    let prior = stable_state(SEEN - 10 * DAY);
    let cfg = config(&[("rotation_triggers", triggers())]);
    let r = plan_with(Some(&prior), cfg, &just_imported());
    assert!(planned_steps(&r).is_empty());
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(w[0].summary, "rotation_triggers recorded without rotating");
}
