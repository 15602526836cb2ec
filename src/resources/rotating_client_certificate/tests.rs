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

/// A real certificate valid from `from` to `to`: the state reads dates from PEMs.
fn pem(from: i64, to: i64) -> String {
    let mut params = rcgen::CertificateParams::default();
    params.not_before = time::OffsetDateTime::from_unix_timestamp(from).expect("date");
    params.not_after = time::OffsetDateTime::from_unix_timestamp(to).expect("date");
    let key = rcgen::KeyPair::generate().expect("key");
    params.self_signed(&key).expect("sign").pem()
}

fn live(id: &str, created: i64) -> Live {
    Live {
        id: id.into(),
        pem: pem(created, created + 365 * DAY),
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
    let req = PlanRequest {
        prior_state: prior.map_or(Value::Null, State::to_value),
        proposed_new_state: config.clone(),
        config,
        prior_private: private.encode(),
        stop: StopToken::never(),
    };
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(resource().do_plan(&req))
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
    assert!(v.get("current_expiration_date").is_unknown());
    assert!(v.get("trusted_pem_bundle").is_unknown());
    assert!(v.get("pending_certificate_id").is_null());
    assert!(v.get("previous_certificate_id").is_null());
    assert_eq!(v.get("phase"), &Value::string("stable"));
    // A plain create says nothing: the plan shows it.
    assert_eq!(warnings(&r).len(), 0, "{:?}", r.diagnostics);
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
    assert!(v.get("current_expiration_date").is_unknown());
    assert!(v.get("trusted_pem_bundle").is_unknown());
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
    assert_eq!(v.get("rotation_due"), &Value::Bool(false));
    let n = prior.series.pending.as_ref().expect("pending");
    assert_eq!(
        v.get("current_expiration_date"),
        &Value::string(rotation::format_rfc3339(n.expires))
    );
    // Both certificates stay live: the bundle is known, previous first.
    let a = prior.series.current.as_ref().expect("current");
    assert_eq!(
        v.get("trusted_pem_bundle"),
        &Value::string(format!("{}{}", a.pem, n.pem))
    );
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
fn triggers_rotate_on_a_change_of_values_only() {
    let mut prior = stable_state(SEEN - 10 * DAY);
    let cfg = config(&[("rotation_triggers", triggers())]);
    // Added to a series that had none: recorded, with a note.
    let r = plan(Some(&prior), cfg.clone(), Some(SEEN));
    assert!(planned_steps(&r).is_empty());
    assert_eq!(
        r.planned_state.get("rotation_triggers"),
        &triggers(),
        "recorded"
    );
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(
        w[0].summary,
        "rotation_triggers recorded without rotating client certificate a"
    );
    assert!(
        w[0].detail.contains("Only a later change"),
        "{}",
        w[0].detail
    );
    // A change of recorded values rotates.
    prior.rotation_triggers = Some(BTreeMap::from([("k".to_string(), "0".to_string())]));
    let r = plan(Some(&prior), cfg.clone(), Some(SEEN));
    assert_eq!(planned_steps(&r).len(), 1);
    // Not right after an import, though.
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

/// A state as versions 0 and 1 wrote it: every PEM twice, dates per slot.
fn v1_state(current: &Live, previous: &Live) -> serde_json::Value {
    let ts = rotation::format_rfc3339;
    serde_json::json!({
        "id": "a",
        "description": "Managed by Terraform",
        "rotate_before": "60d",
        "promote_after": "0s",
        "overlap": "7d",
        "tags": {},
        "rotation_triggers": null,
        "retire_guard": true,
        "pending_certificate_id": null,
        "pending_pem": null,
        "pending_created_date": null,
        "pending_expiration_date": null,
        "current_certificate_id": current.id,
        "current_pem": current.pem,
        "current_created_date": ts(current.created),
        // API Gateway's date, a second off the certificate's own.
        "current_expiration_date": ts(current.expires + 1),
        "previous_certificate_id": previous.id,
        "previous_pem": previous.pem,
        "previous_created_date": ts(previous.created),
        "previous_expiration_date": ts(previous.expires),
        "previous_retire_after": ts(SEEN + 3 * DAY),
        "promoted_date": ts(SEEN - DAY),
        // Oldest first: version 2 orders by slot instead.
        "trusted_pem_bundle": format!("{}{}", current.pem, previous.pem),
        "trusted_certificate_ids": [current.id, previous.id],
        "phase": "overlap",
        "rotation_due_date": ts(current.expires - 60 * DAY),
        "rotation_due": false,
    })
}

#[test]
fn upgrade_from_versions_0_and_1_keeps_each_pem_once_in_slot_order() {
    // An imported pair whose previous certificate is the newer one.
    let current = live("b", SEEN - 100 * DAY);
    let previous = live("a", SEEN - 10 * DAY);
    let v1 = v1_state(&current, &previous);
    let mut v0 = v1.clone();
    for name in ["promoted_date", "trusted_certificate_ids"] {
        v0.as_object_mut().expect("object").remove(name);
    }
    for (version, old) in [(0, v0), (1, v1)] {
        let up = upgrade(version, old).expect("upgrades");
        let attrs: std::collections::BTreeSet<String> =
            up.as_object().expect("object").keys().cloned().collect();
        let names: std::collections::BTreeSet<String> = schema()
            .block
            .attributes
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(attrs, names, "version {version}");
        assert_eq!(
            up["trusted_pem_bundle"],
            format!("{}{}", previous.pem, current.pem),
            "version {version}"
        );
        assert_eq!(
            up["current_expiration_date"],
            rotation::format_rfc3339(current.expires),
            "version {version}: the certificate's own notAfter"
        );
        assert_eq!(
            up["previous_retire_after"],
            rotation::format_rfc3339(SEEN + 3 * DAY)
        );
        // Read back as version 2: the same certificates in the same slots.
        let value = tfplugin::codec::from_json(&up, &schema().block.implied_type())
            .expect("fits the schema");
        let state = State::from_value(&value).expect("readable");
        assert_eq!(
            state.series.current.as_ref(),
            Some(&current),
            "version {version}"
        );
        assert_eq!(
            state.series.previous.as_ref(),
            Some(&previous),
            "version {version}"
        );
        assert_eq!(upgrade(SCHEMA_VERSION, up.clone()).ok(), Some(up));
    }
    let err = upgrade(7, serde_json::json!({})).unwrap_err();
    assert!(err.detail.contains("version 7"));
}

#[test]
fn upgrade_of_a_slot_without_its_pem_names_the_slot() {
    let mut v1 = v1_state(&live("b", SEEN), &live("a", SEEN - 300 * DAY));
    v1["previous_pem"] = serde_json::Value::Null;
    let err = upgrade(1, v1).unwrap_err();
    assert_eq!(err.summary, "Cannot Upgrade Resource State");
    assert!(
        err.detail.contains("previous certificate \"a\""),
        "{}",
        err.detail
    );
    assert!(err.detail.contains("terraform import"), "{}", err.detail);
}

#[test]
fn state_round_trips_through_values() {
    let mut s = stable_state(SEEN);
    s.series.previous = Some(live("p", SEEN - 300 * DAY));
    s.series.previous_retire_after = Some(SEEN + 7 * DAY);
    s.series.pending = Some(live("n", SEEN + DAY));
    s.tags = BTreeMap::from([("team".into(), "edge".into())]);
    let back = State::from_value(&s.to_value()).unwrap_or_default();
    assert_eq!(back, s);
    let v = s.to_value();
    let pems = |slot: &Option<Live>| slot.as_ref().map(|l| l.pem.clone()).unwrap_or_default();
    assert_eq!(
        v.get("trusted_pem_bundle").as_str(),
        Some(
            format!(
                "{}{}{}",
                pems(&s.series.previous),
                pems(&s.series.current),
                pems(&s.series.pending)
            )
            .as_str()
        )
    );
}

#[test]
fn a_bundle_that_does_not_match_the_slots_is_reported_as_corrupt() {
    let s = stable_state(SEEN);
    let mut v = s.to_value();
    v.set("previous_certificate_id", Value::string("p"));
    let err = State::from_value(&v).unwrap_err();
    assert_eq!(err.summary, "Corrupt Resource State");
    assert!(
        err.detail
            .contains("holds 1 certificate(s), but the state names 2"),
        "{}",
        err.detail
    );
    assert!(
        err.detail.contains("previous p, current a"),
        "{}",
        err.detail
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
        "Pending client certificate gone01 deleted outside Terraform"
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
    assert_eq!(
        w[0].summary,
        "rotation_triggers recorded without rotating client certificate a"
    );
    assert!(w[0].detail.contains("imported"), "{}", w[0].detail);
}

#[test]
fn private_state_written_by_earlier_releases_keeps_its_decision_time() {
    let old = Private::decode(br#"{"observed_at":1700000000}"#);
    assert_eq!(old.observed_at, Some(1_700_000_000));
    let now = Private {
        observed_at: Some(SEEN),
        ..Private::default()
    };
    assert_eq!(now.encode(), br#"{"t":1700000000}"#);
    assert_eq!(Private::decode(&now.encode()).observed_at, Some(SEEN));
}
