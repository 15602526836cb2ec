//! apigw_stage_client_certificate end to end: the real terraform, the
//! provider binary and the emulator. REST APIs and stages are created through
//! the emulator's AWS API with the SDK (this provider does not manage them),
//! and out-of-band changes go the same way, as another tool would make them.

mod common;

#[path = "../tools/seed_api.rs"]
mod seed_api;

use common::{Emulator, Tf};

const STAGE: &str = "apigw_stage_client_certificate.s";

/// The SDK side of a test: a runtime and a client for the emulator.
struct Aws(seed_api::Blocking);

impl Aws {
    fn new(emu: &Emulator) -> Self {
        Aws(seed_api::Blocking::new(&emu.url(), common::REGION))
    }

    /// A REST API with the given stages; returns its ID.
    fn api(&self, name: &str, stages: &[&str]) -> String {
        self.0
            .run(seed_api::create_api(&self.0.client, name, stages))
            .unwrap_or_else(|e| panic!("cannot create REST API {name}: {e}"))
    }

    fn stage_certificate(&self, api: &str, stage: &str) -> Option<String> {
        self.0
            .run(seed_api::stage_certificate(&self.0.client, api, stage))
            .unwrap_or_else(|e| panic!("cannot read stage {api}/{stage}: {e}"))
    }

    fn set_stage_certificate(&self, api: &str, stage: &str, cert: &str) {
        self.0
            .run(seed_api::set_stage_certificate(
                &self.0.client,
                api,
                stage,
                cert,
            ))
            .unwrap_or_else(|e| panic!("cannot switch stage {api}/{stage}: {e}"));
    }
}

fn stage_hcl(api: &str, stage: &str, certificate_expr: &str, extra: &str) -> String {
    format!(
        r#"
resource "apigw_stage_client_certificate" "s" {{
  rest_api_id           = "{api}"
  stage_name            = "{stage}"
  client_certificate_id = {certificate_expr}
  {extra}
}}
"#
    )
}

/// Stage "prod" of REST API "orders", attached by Terraform to a certificate
/// "ours"; returns the emulator, the SDK side, the API's ID, ours and the
/// Terraform working directory.
fn attached_to_ours() -> (Emulator, Aws, String, common::CertRecord, Tf) {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let ours = emu.generate_certificate("ours");
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &stage_hcl(&api, "prod", &format!("\"{}\"", ours.id), ""),
    );
    tf.init();
    tf.apply();
    (emu, aws, api, ours, tf)
}

fn stderr(out: &std::process::Output) -> String {
    // Terraform wraps diagnostics at the terminal width: compare on one line.
    String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Milliseconds at which the emulator received each UpdateStage for `api`/`stage`.
fn stage_updates(emu: &Emulator, api: &str, stage: &str) -> Vec<i64> {
    let path = format!("/restapis/{api}/stages/{stage}");
    emu.requests()
        .into_iter()
        .filter(|r| r.operation == "UpdateStage" && r.path == path)
        .map(|r| r.time_ms)
        .collect()
}

#[test]
fn trust_bundle_is_written_before_the_stage_switches_in_the_same_apply() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let tf = Tf::new(&emu);
    // The trust store records when it was written (milliseconds, the same
    // clock the emulator stamps requests with), so the order is observed. It
    // is slow on purpose, like a real backend reload: without `depends_on`
    // the stage switch would overtake it and this test fails.
    tf.write(
        "main.tf",
        &format!(
            r#"
resource "apigw_rotating_client_certificate" "c" {{
  overlap = "1h"
}}

resource "terraform_data" "trust" {{
  triggers_replace = apigw_rotating_client_certificate.c.trusted_pem_bundle

  provisioner "local-exec" {{
    command     = "sleep 1 && printf '%s' \"$BUNDLE\" > trust.pem && date +%s%3N >> trust-written.log"
    environment = {{ BUNDLE = self.triggers_replace }}
  }}
}}
{}"#,
            stage_hcl(
                &api,
                "prod",
                "apigw_rotating_client_certificate.c.current_certificate_id",
                "depends_on = [terraform_data.trust]"
            )
        ),
    );
    tf.init();
    tf.apply();

    let written = |tf: &Tf| -> Vec<i64> {
        tf.read("trust-written.log")
            .lines()
            .map(|l| {
                l.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("bad timestamp {l:?}: {e}"))
            })
            .collect()
    };
    let first = tf
        .state_values("apigw_rotating_client_certificate.c")
        .expect("certificate in state");
    let first_id = first["current_certificate_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(first_id.as_str())
    );
    let (writes, updates) = (written(&tf), stage_updates(&emu, &api, "prod"));
    assert_eq!(
        writes.len(),
        1,
        "one trust-store write on create: {writes:?}"
    );
    assert_eq!(updates.len(), 1, "one stage switch on create: {updates:?}");
    assert!(
        writes[0] <= updates[0],
        "the stage was switched at {} ms, before the trust store was written at {} ms",
        updates[0],
        writes[0]
    );

    // Into the rotation window: one apply generates, trusts, then switches.
    emu.age(310 * 86_400);
    tf.apply();
    let rotated = tf
        .state_values("apigw_rotating_client_certificate.c")
        .expect("certificate in state");
    let new_id = rotated["current_certificate_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(new_id, first_id, "the certificate did not rotate");
    assert_eq!(
        rotated["previous_certificate_id"].as_str(),
        Some(first_id.as_str())
    );
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(new_id.as_str())
    );

    let (writes, updates) = (written(&tf), stage_updates(&emu, &api, "prod"));
    assert_eq!(
        writes.len(),
        2,
        "one more trust-store write on rotation: {writes:?}"
    );
    assert_eq!(
        updates.len(),
        2,
        "one more stage switch on rotation: {updates:?}"
    );
    assert!(
        writes[1] <= updates[1],
        "on rotation the stage switched at {} ms, before the trust store was written at {} ms",
        updates[1],
        writes[1]
    );
    // What was written before the switch trusts both certificates.
    let bundle = tf.read("trust.pem");
    for slot in ["current", "previous"] {
        let id = rotated[format!("{slot}_certificate_id")]
            .as_str()
            .unwrap_or_else(|| panic!("{slot}_certificate_id in state"));
        let pem = emu
            .certificates()
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.pem)
            .unwrap_or_else(|| panic!("{slot} certificate {id} is not in the emulator"));
        assert!(
            bundle.contains(pem.trim()),
            "trust store lacks the {slot} certificate"
        );
    }
}

#[test]
fn attaching_an_unknown_certificate_fails_naming_it_and_leaves_the_stage() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let tf = Tf::new(&emu);
    tf.write("main.tf", &stage_hcl(&api, "prod", "\"nosuchcert1\"", ""));
    tf.init();
    let out = tf.apply_result();
    assert!(
        !out.status.success(),
        "apply with an unknown certificate succeeded"
    );
    let err = stderr(&out);
    assert!(err.contains("Client certificate not found"), "{err}");
    assert!(
        err.contains("client_certificate_id = \"nosuchcert1\""),
        "{err}"
    );
    assert_eq!(aws.stage_certificate(&api, "prod"), None);
    assert!(
        tf.state_values(STAGE).is_none(),
        "a failed create left state behind"
    );
}

#[test]
fn attaching_an_expired_certificate_fails_with_its_expiry_date() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let cert = emu.generate_certificate("expired one");
    emu.age(400 * 86_400);
    let expires = emu
        .certificates()
        .into_iter()
        .find(|c| c.id == cert.id)
        .expect("certificate still stored")
        .expires;
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &stage_hcl(&api, "prod", &format!("\"{}\"", cert.id), ""),
    );
    tf.init();
    let out = tf.apply_result();
    assert!(
        !out.status.success(),
        "apply with an expired certificate succeeded"
    );
    let err = stderr(&out);
    assert!(err.contains("Client certificate expired"), "{err}");
    assert!(err.contains(&format!("\"{}\"", cert.id)), "{err}");
    assert!(err.contains(&rotation::format_rfc3339(expires)), "{err}");
    assert_eq!(aws.stage_certificate(&api, "prod"), None);
}

#[test]
fn missing_rest_api_or_stage_is_named_in_the_error() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let cert = emu.generate_certificate("fine");
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &format!(
            r#"
resource "apigw_stage_client_certificate" "no_api" {{
  rest_api_id           = "nosuchapi9"
  stage_name            = "prod"
  client_certificate_id = "{cert}"
}}

resource "apigw_stage_client_certificate" "no_stage" {{
  rest_api_id           = "{api}"
  stage_name            = "nosuchstage"
  client_certificate_id = "{cert}"
}}
"#,
            cert = cert.id
        ),
    );
    tf.init();
    let out = tf.apply_result();
    assert!(
        !out.status.success(),
        "apply against a missing API/stage succeeded"
    );
    let err = stderr(&out);
    assert!(err.contains("REST API not found"), "{err}");
    assert!(err.contains("rest_api_id = \"nosuchapi9\""), "{err}");
    assert!(err.contains("Stage not found"), "{err}");
    assert!(err.contains("stage_name = \"nosuchstage\""), "{err}");
    assert!(
        err.contains(&format!("REST API \"{api}\" has no stage")),
        "{err}"
    );
}

#[test]
fn import_then_plan_is_empty_and_a_malformed_id_is_refused() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let cert = emu.generate_certificate("attached elsewhere");
    aws.set_stage_certificate(&api, "prod", &cert.id);

    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &stage_hcl(&api, "prod", &format!("\"{}\"", cert.id), ""),
    );
    tf.init();

    let bad = tf.run(&["import", "-no-color", STAGE, "just-an-api-id"]);
    assert!(!bad.status.success(), "a malformed import ID was accepted");
    let err = stderr(&bad);
    assert!(err.contains("Invalid import ID"), "{err}");
    assert!(err.contains("<rest_api_id>/<stage_name>"), "{err}");

    tf.import(STAGE, &format!("{api}/prod"));
    let state = tf.state_values(STAGE).expect("imported");
    assert_eq!(state["id"], format!("{api}/prod"));
    assert_eq!(state["client_certificate_id"], cert.id.as_str());
    let plan = tf.plan_json();
    assert!(
        plan.is_empty(),
        "plan after import is not empty: {}",
        plan.json
    );
}

#[test]
fn out_of_band_stage_change_shows_as_drift_and_apply_repairs_it() {
    let (emu, aws, api, ours, tf) = attached_to_ours();
    let theirs = emu.generate_certificate("someone else's");
    assert!(
        tf.plan_json().is_empty(),
        "plan right after apply is not empty"
    );

    aws.set_stage_certificate(&api, "prod", &theirs.id);
    let plan = tf.plan_json();
    assert_eq!(plan.actions(STAGE), ["update"], "{}", plan.json);
    assert_eq!(
        plan.before(STAGE, "client_certificate_id"),
        theirs.id.as_str()
    );
    assert_eq!(plan.after(STAGE, "client_certificate_id"), ours.id.as_str());
    let drift = plan.drift();
    assert!(
        drift.iter().any(|d| d["address"] == STAGE
            && d["change"]["after"]["client_certificate_id"] == theirs.id.as_str()),
        "refresh did not report the out-of-band change as drift: {drift:?}"
    );

    tf.apply();
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(ours.id.as_str())
    );
    assert!(tf.plan_json().is_empty(), "plan after repair is not empty");
}

#[test]
fn destroy_detaches_unless_told_not_to() {
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod", "canary"]);
    let cert = emu.generate_certificate("ours");
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &format!(
            "{}\n{}",
            stage_hcl(&api, "prod", &format!("\"{}\"", cert.id), ""),
            stage_hcl(
                &api,
                "canary",
                &format!("\"{}\"", cert.id),
                "detach_on_destroy = false"
            )
            .replace("\"s\"", "\"keep\""),
        ),
    );
    tf.init();
    tf.apply();
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(cert.id.as_str())
    );
    assert_eq!(
        aws.stage_certificate(&api, "canary").as_deref(),
        Some(cert.id.as_str())
    );

    tf.destroy();
    assert_eq!(
        aws.stage_certificate(&api, "prod"),
        None,
        "destroy did not detach"
    );
    assert_eq!(
        aws.stage_certificate(&api, "canary").as_deref(),
        Some(cert.id.as_str()),
        "detach_on_destroy = false still detached"
    );
}

/// Destroy removes only the certificate this resource attached: a stage that
/// presents another one by then (here switched outside Terraform, with the
/// refresh skipped) keeps it, and the destroy says so.
#[test]
fn destroy_leaves_a_stage_that_presents_another_certificate() {
    let (emu, aws, api, _ours, tf) = attached_to_ours();
    let theirs = emu.generate_certificate("theirs");
    aws.set_stage_certificate(&api, "prod", &theirs.id);

    let out = tf.run_ok(&[
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-refresh=false",
    ]);
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(theirs.id.as_str()),
        "destroy detached a certificate it did not attach"
    );
    let text = format!("{} {}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("Stage left attached to another certificate"),
        "{text}"
    );
    assert!(
        text.contains(&format!("presents client certificate {}", theirs.id)),
        "{text}"
    );
    assert!(tf.state_values(STAGE).is_none(), "the resource is gone");
}

/// The retirement deadlock: a rotation whose stage switch failed leaves the
/// stage on the previous certificate. Once its overlap has passed, the plan
/// keeps it (saying which stage holds it) instead of an apply that refuses
/// half way, so the stage attachment runs and the next apply retires it.
#[test]
fn a_failed_stage_switch_converges_in_two_applies_without_deleting_a_presented_certificate() {
    use terraform_provider_apigw::clock::OFFSET_ENV;
    let emu = Emulator::start();
    let aws = Aws::new(&emu);
    let api = aws.api("orders", &["prod"]);
    let mut tf = Tf::new(&emu);
    let config = |trigger: &str| {
        format!(
            r#"
resource "apigw_rotating_client_certificate" "c" {{
  overlap           = "5s"
  rotation_triggers = {{ r = "{trigger}" }}
}}
{}
"#,
            stage_hcl(
                &api,
                "prod",
                "apigw_rotating_client_certificate.c.current_certificate_id",
                ""
            )
        )
    };
    tf.write("main.tf", &config("1"));
    tf.init();
    tf.apply();
    let old = aws
        .stage_certificate(&api, "prod")
        .unwrap_or_else(|| panic!("the stage presents the first certificate"));

    // A forced rotation whose stage switch fails (500s outlast the retries).
    tf.write("main.tf", &config("2"));
    emu.fail_next("UpdateStage", 8, 500);
    let out = tf.apply_result();
    assert!(!out.status.success(), "the stage switch failed");
    emu.clear_faults();
    let st = tf.state_values("apigw_rotating_client_certificate.c");
    let st = st.unwrap_or_else(|| panic!("the series is in state"));
    let new = st["current_certificate_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(st["previous_certificate_id"].as_str(), Some(old.as_str()));
    assert_ne!(new, old);
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(old.as_str())
    );

    // The overlap passes (on the provider's clock).
    tf.set_env(OFFSET_ENV, "1m");
    let first = tf.apply_result();
    let said = stderr(&first) + &String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "first apply after the faults: {said}"
    );
    assert!(
        said.contains(&format!(
            "Retirement of client certificate {old} waits for its stages"
        )),
        "{said}"
    );
    assert!(said.contains("\"prod\""), "{said}");
    assert!(!said.contains("retire_guard = false"), "{said}");
    assert_eq!(
        aws.stage_certificate(&api, "prod").as_deref(),
        Some(new.as_str())
    );
    assert!(emu.certificate_ids().contains(&old), "kept while presented");

    let second = tf.apply_result();
    assert!(second.status.success(), "second apply: {}", stderr(&second));
    assert!(
        !emu.certificate_ids().contains(&old),
        "retired by the second apply"
    );
    assert!(tf.plan_json().is_empty(), "converged");

    // The request log: the stage moved off the old certificate before it was
    // deleted.
    let log = emu.requests();
    let deleted = log
        .iter()
        .position(|r| r.operation == "DeleteClientCertificate" && r.path.ends_with(&old))
        .unwrap_or_else(|| panic!("{old} was deleted"));
    let moved = log
        .iter()
        .rposition(|r| r.operation == "UpdateStage" && r.status == Some(200))
        .unwrap_or_else(|| panic!("the stage was switched"));
    assert!(
        moved < deleted,
        "UpdateStage #{moved} before DeleteClientCertificate #{deleted}"
    );
}
