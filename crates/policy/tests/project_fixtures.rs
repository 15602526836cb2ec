//! Plans and states that the real terraform wrote for this project's own provider
//! against the emulator (`fixtures/regenerate.sh`): a staged rotation must never look
//! like a big-bang cutover, and the expiry rules must agree with the provider.

use std::path::{Path, PathBuf};
use std::process::Command;

use apigw_policy::input::{Text, read_document};
use apigw_policy::report::json::JsonReport;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The instant the fixtures were generated at.
fn now() -> String {
    std::fs::read_to_string(fixture("project-emulator.now"))
        .expect("fixtures/project-emulator.now (run fixtures/regenerate.sh)")
        .trim()
        .to_string()
}

fn check(name: &str) -> (i32, JsonReport) {
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
        .args([
            "check",
            fixture(name).to_str().expect("path"),
            "--format",
            "json",
            "--now",
            &now(),
        ])
        .output()
        .expect("runs");
    let report: JsonReport = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().expect("exit code"), report)
}

const PAYMENTS: &str = "apigw_rotating_client_certificate.payments";
const ORDERS: &str = "apigw_rotating_client_certificate.orders";
const ATTACHMENT: &str = "apigw_stage_client_certificate.orders_prod";

fn resource(name: &str, address: &str) -> apigw_policy::input::Resource {
    let f = std::fs::File::open(fixture(name)).expect("fixture");
    let doc = read_document(f, name).expect("terraform's own output parses");
    doc.resources
        .into_iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("{address} is in {name}"))
}

/// The examples tag `payments` with an owner and leave `orders` untagged, so the only
/// finding of a healthy plan is APIGW004 on `orders`.
fn only_the_missing_owner_tag(r: &JsonReport) {
    let found: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.address.as_str()))
        .collect();
    assert_eq!(found, vec![("APIGW004", ORDERS)], "{:?}", r.findings);
}

#[test]
fn a_fresh_configuration_is_clean_but_for_the_untagged_example() {
    let (code, r) = check("project-emulator-plan-create.json");
    assert_eq!(r.input.kind, "plan");
    only_the_missing_owner_tag(&r);
    assert_eq!(code, 1, "APIGW004 is low, at the default --fail-on");
    let after = resource("project-emulator-plan-create.json", PAYMENTS)
        .after
        .expect("after");
    assert_eq!(after.text("current_certificate_id"), Text::Unknown);
}

#[test]
fn the_applied_state_counts_certificates_and_owners() {
    let (_, r) = check("project-emulator-state.json");
    assert_eq!(r.input.kind, "state");
    only_the_missing_owner_tag(&r);
    assert_eq!(r.kpi.certificates, 2);
    assert_eq!((r.kpi.due, r.kpi.expired, r.kpi.under_30_days), (0, 0, 0));
    assert_eq!(r.kpi.with_owner, 1, "payments has owner = platform-team");
    let (_, r) = check("project-emulator-plan-stable.json");
    only_the_missing_owner_tag(&r);
}

#[test]
fn a_rotation_with_the_stage_following_current_is_not_a_big_bang() {
    let name = "project-emulator-plan-rotation.json";
    let (_, r) = check(name);
    only_the_missing_owner_tag(&r);
    // The stage switches away from the old certificate in this very plan...
    let att = resource(name, ATTACHMENT);
    let old = att
        .before
        .as_ref()
        .expect("before")
        .text("client_certificate_id");
    assert!(old.known().is_some(), "the stage had a certificate");
    assert_eq!(
        att.after
            .as_ref()
            .expect("after")
            .text("client_certificate_id"),
        Text::Unknown
    );
    // ...and the old certificate survives as previous, so backends still trusting it work.
    let orders = resource(name, ORDERS);
    let after = orders.after.expect("after");
    assert_eq!(
        after.text("current_certificate_id"),
        Text::Unknown,
        "orders rotates at once (promote_after 0s)"
    );
    assert_eq!(after.text("previous_certificate_id"), old);
    // payments (promote_after 2d) starts a pending certificate and keeps its current.
    let payments = resource(name, PAYMENTS);
    let (before, after) = (
        payments.before.expect("before"),
        payments.after.expect("after"),
    );
    assert_eq!(after.text("pending_certificate_id"), Text::Unknown);
    assert_eq!(
        after.text("current_certificate_id"),
        before.text("current_certificate_id")
    );
}

#[test]
fn promotion_keeps_the_old_certificate_alive() {
    let name = "project-emulator-plan-promote.json";
    let (_, r) = check(name);
    only_the_missing_owner_tag(&r);
    let payments = resource(name, PAYMENTS);
    let (before, after) = (
        payments.before.expect("before"),
        payments.after.expect("after"),
    );
    let old = before
        .text("current_certificate_id")
        .known()
        .expect("a current certificate before");
    assert_eq!(
        after.text("previous_certificate_id"),
        Text::Is(old),
        "old current becomes previous"
    );
    assert_ne!(after.text("current_certificate_id"), Text::Is(old));
}

#[test]
fn the_overlap_state_counts_every_live_certificate() {
    let (_, r) = check("project-emulator-state-overlap.json");
    only_the_missing_owner_tag(&r);
    assert_eq!(r.kpi.certificates, 4, "current and previous of both series");
    assert_eq!(r.kpi.due, 0, "the new currents are not due");
}

#[test]
fn the_real_state_checked_five_days_before_expiry_is_critical() {
    // Five days before the earlier of the two expiry instants (they are seconds apart).
    let expires = [PAYMENTS, ORDERS]
        .iter()
        .map(|a| {
            let after = resource("project-emulator-state.json", a)
                .after
                .expect("after");
            let t = after
                .text("current_expiration_date")
                .known()
                .expect("expiration date")
                .to_string();
            rotation::parse_rfc3339(&t).expect("RFC 3339")
        })
        .min()
        .expect("two certificates");
    let at = rotation::format_rfc3339(expires - 5 * 86_400);
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
        .args([
            "check",
            fixture("project-emulator-state.json")
                .to_str()
                .expect("path"),
            "--format",
            "json",
            "--now",
            &at,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let r: JsonReport = serde_json::from_slice(&out.stdout).expect("JSON report");
    let expiring: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "APIGW001")
        .map(|f| f.address.as_str())
        .collect();
    assert_eq!(
        expiring,
        vec![ORDERS, PAYMENTS],
        "both series were created together"
    );
    for f in r.findings.iter().filter(|f| f.rule_id == "APIGW001") {
        assert_eq!(f.days_left, Some(5));
        assert_eq!(f.severity, apigw_policy::severity::Severity::Critical);
    }
}

/// The same real plan, edited so `orders` drops its old certificate in the apply that
/// switches the stage: exactly the big-bang the rule exists for.
#[test]
fn the_real_rotation_plan_turned_into_a_big_bang_is_caught() {
    let text =
        std::fs::read_to_string(fixture("project-emulator-plan-rotation.json")).expect("fixture");
    let mut plan: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let changes = plan["resource_changes"]
        .as_array_mut()
        .expect("resource_changes");
    let orders = changes
        .iter_mut()
        .find(|c| c["address"] == ORDERS)
        .expect("orders change");
    let old = orders["change"]["before"]["current_certificate_id"].clone();
    orders["change"]["after"]["previous_certificate_id"] = serde_json::Value::Null;
    orders["change"]["after"]["previous_expiration_date"] = serde_json::Value::Null;
    let doc = read_document(plan.to_string().as_bytes(), "edited").expect("parses");
    let now = rotation::parse_rfc3339(&now()).expect("now");
    let outcome = apigw_policy::evaluate(&doc, &apigw_policy::config::Config::default(), now);
    let big_bang: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule_id == "APIGW002")
        .collect();
    assert_eq!(big_bang.len(), 1, "{:?}", outcome.findings);
    assert_eq!(big_bang[0].address, ATTACHMENT);
    assert_eq!(big_bang[0].certificate_id.as_deref(), old.as_str());
    assert!(
        big_bang[0]
            .message
            .contains("apigw_rotating_client_certificate.orders.current_certificate_id"),
        "{}",
        big_bang[0].message
    );
}

/// Remediation time from the real state in its overlap: the previous certificate (its
/// expiry only in the first PEM of `trusted_pem_bundle`, as schema version 2 stores it)
/// was replaced at the promotion, `previous_retire_after - overlap`.
#[test]
fn the_overlap_state_measures_the_remediation_time_of_each_series() {
    let name = "project-emulator-state-overlap.json";
    let (_, r) = check(name);
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(name)).expect("fixture")).expect("json");
    let resources = raw["values"]["root_module"]["resources"]
        .as_array()
        .expect("resources");
    let mut expected = Vec::new();
    for address in [ORDERS, PAYMENTS] {
        let v = &resources
            .iter()
            .find(|x| x["address"] == address)
            .expect("resource")["values"];
        let text = |k: &str| v[k].as_str().expect(k).to_string();
        let secs = |k: &str| rotation::parse_duration(&text(k)).expect(k) as i64;
        let prev_expires =
            terraform_provider_apigw::functions::pem_not_after(&text("trusted_pem_bundle"))
                .expect("the bundle's first PEM is the previous certificate");
        let switched = rotation::parse_rfc3339(&text("previous_retire_after")).expect("date")
            - secs("overlap");
        let opened = prev_expires - secs("rotate_before");
        let days = ((switched - opened).max(0) as f64 / 86_400.0 * 10.0).round() / 10.0;
        expected.push((
            address.to_string(),
            text("previous_certificate_id"),
            Some(text("current_certificate_id")),
            days,
        ));
    }
    let got: Vec<(String, String, Option<String>, f64)> = r
        .kpi
        .remediations
        .iter()
        .map(|m| {
            (
                m.series.clone(),
                m.certificate_id.clone(),
                m.replaced_by.clone(),
                m.days,
            )
        })
        .collect();
    assert_eq!(got, expected);
    let mean = expected.iter().map(|e| e.3).sum::<f64>() / 2.0;
    assert_eq!(
        r.kpi.remediation_mean_days,
        Some((mean * 10.0).round() / 10.0)
    );
    // A stable state shows no replacement.
    let (_, stable) = check("project-emulator-state.json");
    assert!(stable.kpi.remediations.is_empty());
    assert_eq!(stable.kpi.remediation_mean_days, None);
}
