//! Zero downtime with real parts: scripts/proof/proof.py in its short mode runs
//! real nginx backends that verify the client certificate, live traffic through
//! the emulator's data plane, and the real terraform with this provider. With
//! `--check` the script fails unless the staged rotation lost 0 of at least 200
//! requests and nginx logged the new certificate's serial after the switch, the
//! forgotten backend without `verify` lost requests, and with `verify` the
//! apply failed, the stage kept its old certificate and 0 requests failed.
//! (`make proof` adds the big bang with hashicorp/aws, which takes minutes.)

mod common;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn rotations_under_live_traffic_through_nginx_backends() {
    // Never a silent skip: a machine without nginx fails with the fix.
    let nginx = Command::new("nginx").arg("-v").output();
    assert!(
        nginx.is_ok_and(|o| o.status.success()),
        "nginx is required for this test and is not on PATH; install it with: \
         apt-get update && apt-get install -y nginx"
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
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("proof");
    let run = Command::new("python3")
        .arg(root.join("scripts/proof/proof.py"))
        .arg("--emulator")
        .arg(&emulator)
        .arg("--mirror")
        .arg(common::mirror_dir())
        .arg("--out")
        .arg(&out)
        .args(["--runs", "staged,forgotten,forgotten+verify"])
        .args(["--quiet", "2", "--overlap", "8", "--check"])
        .output()
        .expect("python3 runs scripts/proof/proof.py");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "proof failed:\n{stdout}\n{stderr}");
    // The table names every run; the check above asserted their figures.
    for label in [
        "staged rotation, verified switch",
        "forgotten backend, no verify",
        "forgotten backend, with verify",
    ] {
        assert!(stdout.contains(label), "missing {label:?} in:\n{stdout}");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let staged = &results["runs"][0];
    assert_eq!(staged["failures"], 0);
    assert!(staged["requests"].as_u64().unwrap() >= 200, "{staged}");
    assert_eq!(staged["notes"]["backend_saw_new_serial_after_switch"], true);
    let refused = &results["runs"][2];
    assert_eq!(refused["notes"]["apply_failed"], true);
    assert_eq!(
        refused["notes"]["stage_certificate_at_end"],
        refused["notes"]["old_certificate"]
    );
    assert_eq!(refused["failures"], 0);
    assert!(
        std::fs::read_to_string(out.join("timeline.svg"))
            .unwrap()
            .starts_with("<svg")
    );
}
