//! Plans and states that the real terraform wrote for this project's own provider
//! against the emulator (`fixtures/regenerate.sh`): a staged rotation must never look
//! like a big-bang cutover, and the expiry rules must agree with the provider.

use std::path::{Path, PathBuf};
use std::process::Command;

use apigw_policy::input::{Kind, Text, read_document};
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

fn rules(r: &JsonReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

fn rotating(name: &str) -> apigw_policy::input::Resource {
    let f = std::fs::File::open(fixture(name)).expect("fixture");
    let doc = read_document(f, name).expect("terraform's own output parses");
    doc.resources
        .into_iter()
        .find(|r| r.kind == Kind::RotatingCertificate)
        .expect("the rotating certificate is in the fixture")
}

#[test]
fn a_fresh_configuration_is_clean() {
    let (code, r) = check("project-emulator-plan-create.json");
    assert_eq!(r.input.kind, "plan");
    assert_eq!(rules(&r), Vec::<&str>::new(), "{:?}", r.findings);
    assert_eq!(code, 0);
    assert_eq!(
        rotating("project-emulator-plan-create.json")
            .after
            .expect("after")
            .text("current_certificate_id"),
        Text::Unknown
    );
}

#[test]
fn the_applied_state_has_one_owned_certificate_not_due() {
    let (code, r) = check("project-emulator-state.json");
    assert_eq!((code, r.input.kind.as_str()), (0, "state"));
    assert_eq!(r.kpi.certificates, 1);
    assert_eq!((r.kpi.due, r.kpi.expired, r.kpi.under_30_days), (0, 0, 0));
    assert_eq!(
        r.kpi.with_owner, 1,
        "the example tags owner = platform-team"
    );
    let (code, r) = check("project-emulator-plan-stable.json");
    assert_eq!((code, r.findings.len()), (0, 0), "{:?}", r.findings);
}

#[test]
fn a_staged_rotation_is_not_a_big_bang() {
    let (code, r) = check("project-emulator-plan-rotation.json");
    assert!(
        !rules(&r).contains(&"APIGW002") && !rules(&r).contains(&"APIGW003"),
        "{:?}",
        r.findings
    );
    assert!(
        !rules(&r).contains(&"APIGW001"),
        "the provider planned the rotation: {:?}",
        r.findings
    );
    assert_eq!(code, 0, "{:?}", r.findings);
    let res = rotating("project-emulator-plan-rotation.json");
    let after = res.after.expect("after");
    assert_eq!(
        after.text("pending_certificate_id"),
        Text::Unknown,
        "the plan generates a pending certificate"
    );
    let before = res.before.expect("before");
    assert_eq!(
        after.text("current_certificate_id"),
        before.text("current_certificate_id"),
        "current stays"
    );
}

#[test]
fn promotion_keeps_the_old_certificate_alive() {
    let (code, r) = check("project-emulator-plan-promote.json");
    assert!(
        !rules(&r).contains(&"APIGW002") && !rules(&r).contains(&"APIGW003"),
        "{:?}",
        r.findings
    );
    assert_eq!(code, 0, "{:?}", r.findings);
    let res = rotating("project-emulator-plan-promote.json");
    let (before, after) = (res.before.expect("before"), res.after.expect("after"));
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
fn the_overlap_state_counts_both_live_certificates() {
    let (code, r) = check("project-emulator-state-overlap.json");
    assert_eq!(code, 0, "{:?}", r.findings);
    assert_eq!(r.kpi.certificates, 2, "current and previous");
    assert_eq!(r.kpi.due, 0, "the new current is not due");
}

#[test]
fn the_real_state_checked_five_days_before_expiry_is_critical() {
    let res = rotating("project-emulator-state.json");
    let after = res.after.expect("after");
    let expires = after
        .text("current_expiration_date")
        .known()
        .expect("expiration date");
    let at =
        rotation::format_rfc3339(rotation::parse_rfc3339(expires).expect("RFC 3339") - 5 * 86_400);
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
    assert_eq!(rules(&r), vec!["APIGW001"]);
    assert_eq!(r.findings[0].days_left, Some(5));
    assert_eq!(
        r.findings[0].severity,
        apigw_policy::severity::Severity::Critical
    );
    assert_eq!(
        r.findings[0].address,
        "apigw_rotating_client_certificate.payments"
    );
}
