//! Zero downtime with real parts: each test drives scripts/proof/proof.py in its
//! short mode for one run. Real nginx backends verify the client certificate
//! API Gateway presents, steady traffic goes through the emulator's data plane,
//! and the real terraform applies this provider (or hashicorp/aws for the big
//! bang). The script records every request; the tests assert on those
//! measurements (results.json), and on nginx's own access log for the serial.
//!
//! Each test has its own emulator, nginx processes (free loopback ports, a
//! private prefix under a fresh temporary directory) and output directory, so
//! they run in parallel; the script stops everything it started by PID, also
//! when it fails or is terminated.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const NGINX_INSTALL: &str = "apt-get update && apt-get install -y nginx";

/// Runs one proof run and returns its entry of results.json.
fn proof(run: &str, extra: &[&str]) -> Value {
    // Never a silent skip: a machine without nginx fails with the fix.
    let nginx = Command::new("nginx").arg("-v").output();
    assert!(
        nginx.is_ok_and(|o| o.status.success()),
        "nginx is required for this test and is not on PATH; install it with: {NGINX_INSTALL}"
    );
    let _ = common::terraform_binary();
    let emulator = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("apigw-emulator")))
        .filter(|p| p.exists())
        .expect(
            "the apigw-emulator binary is built beside the tests (cargo nextest run --workspace)",
        );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("proof")
        .join(format!("{run}-{}", std::process::id()));
    let output = Command::new("python3")
        .arg(root.join("scripts/proof/proof.py"))
        .arg("--emulator")
        .arg(&emulator)
        .arg("--mirror")
        .arg(common::mirror_dir())
        .arg("--out")
        .arg(&out)
        .args(["--runs", run, "--quiet", "2", "--overlap", "8"])
        .args(extra)
        .output()
        .expect("python3 runs scripts/proof/proof.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "proof run {run} failed:\n{stdout}\n{stderr}"
    );
    let text = std::fs::read_to_string(out.join("results.json"))
        .unwrap_or_else(|e| panic!("{}/results.json: {e}\n{stderr}", out.display()));
    let results: Value = serde_json::from_str(&text).unwrap();
    let svg = std::fs::read_to_string(out.join("timeline.svg")).unwrap();
    assert!(
        svg.starts_with("<svg"),
        "timeline.svg is not an SVG picture"
    );
    let entry = results["runs"][0].clone();
    assert_eq!(entry["name"], run, "{entry}");
    // The table printed for humans carries the same figures.
    let row = stdout
        .lines()
        .find(|l| l.starts_with(entry["label"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no table row for {run} in:\n{stdout}"));
    let figures: Vec<&str> = row.split_whitespace().collect();
    assert!(
        figures.contains(&entry["requests"].to_string().as_str())
            && figures.contains(&entry["failures"].to_string().as_str()),
        "table row {row:?} does not show {entry}"
    );
    // What the summary says must follow from the recorded requests.
    let samples = entry["samples"].as_array().unwrap();
    assert_eq!(samples.len() as u64, entry["requests"].as_u64().unwrap());
    let failed = samples.iter().filter(|s| s[2] != 200).count() as u64;
    assert_eq!(failed, entry["failures"].as_u64().unwrap());
    entry
}

fn markers(run: &Value) -> Vec<String> {
    run["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn staged_rotation_with_verified_switch_loses_no_request() {
    let run = proof("staged", &[]);
    let requests = run["requests"].as_u64().unwrap();
    assert!(requests >= 200, "only {requests} requests were sent: {run}");
    assert_eq!(
        run["failures"], 0,
        "requests failed during a staged rotation"
    );
    let notes = &run["notes"];
    assert_ne!(notes["old_certificate"], notes["new_certificate"]);
    assert_eq!(
        notes["stage_certificate_at_end"], notes["new_certificate"],
        "the stage does not present the new certificate"
    );
    assert_eq!(
        notes["backend_saw_new_serial_after_switch"], true,
        "nginx never logged the new certificate's serial after the switch: {notes}"
    );
    assert_eq!(
        notes["retired"], true,
        "the old certificate was not deleted"
    );
    let marks = markers(&run);
    for m in [
        "new certificate",
        "stage switched",
        "old certificate deleted",
    ] {
        assert!(marks.iter().any(|l| l == m), "no {m:?} marker in {marks:?}");
    }
}

#[test]
fn big_bang_with_hashicorp_aws_fails_requests() {
    let mirror = std::env::var("APIGW_AWS_PROVIDER_MIRROR")
        .unwrap_or_else(|_| "/opt/tf-plugins".to_string());
    assert!(
        PathBuf::from(&mirror)
            .join("registry.terraform.io/hashicorp/aws")
            .is_dir(),
        "{mirror} holds no registry.terraform.io/hashicorp/aws; set APIGW_AWS_PROVIDER_MIRROR \
         to a Terraform filesystem mirror holding hashicorp/aws 5.100.0"
    );
    let run = proof("bigbang", &["--aws-mirror", &mirror]);
    let failures = run["failures"].as_u64().unwrap();
    assert!(
        failures > 0,
        "the big bang lost no request of {}: {run}",
        run["requests"]
    );
    assert_ne!(
        run["notes"]["old_certificate"],
        run["notes"]["new_certificate"]
    );
}

#[test]
fn forgotten_backend_with_verify_refuses_the_switch_and_keeps_the_stage() {
    let run = proof("forgotten+verify", &[]);
    let requests = run["requests"].as_u64().unwrap();
    assert!(requests >= 100, "only {requests} requests were sent: {run}");
    assert_eq!(
        run["failures"], 0,
        "requests failed although verify refused"
    );
    let notes = &run["notes"];
    assert_eq!(notes["apply_failed"], true, "the apply succeeded: {notes}");
    assert_eq!(notes["switched"], false, "the stage was switched: {notes}");
    assert_eq!(
        notes["stage_certificate_at_end"], notes["old_certificate"],
        "the stage lost its old certificate: {notes}"
    );
    let error = notes["apply_error"].as_str().unwrap();
    assert!(
        error.contains("TestInvokeMethod GET /b") && error.contains("\"prod\""),
        "the apply's error does not name the route and the stage: {error}"
    );
}
