//! Migration from hashicorp/aws: a client certificate created by the real AWS
//! provider (5.100.0, from a filesystem mirror) is taken over by
//! `apigw_rotating_client_certificate` with a `moved` block, and the stage
//! that presents it is handed to `apigw_stage_client_certificate`. The
//! certificate keeps its ID; the emulator sees no certificate created,
//! changed or deleted.
//!
//! The mirror is the directory holding `registry.terraform.io/hashicorp/aws/5.100.0`;
//! `APIGW_AWS_PROVIDER_MIRROR` overrides the default `/opt/tf-plugins`.

#[path = "common/aws.rs"]
mod aws;
mod common;

use aws::{AWS_ADDRESS, AWS_VERSION, aws_mirror, aws_provider_hcl, rest_api_hcl};
use common::{Emulator, PROVIDER_ADDRESS, PROVIDER_SOURCE, PROVIDER_VERSION, Tf, mirror_dir};
use serde_json::json;

/// A working directory installing this provider and hashicorp/aws, each from
/// its own filesystem mirror, with both providers pointed at the emulator.
fn both_providers(emu: &Emulator) -> Tf {
    let mut tf = Tf::bare();
    let rc = tf.dir().join(".terraformrc-both");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    \
             include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n  filesystem_mirror {{\n    path    = \"{}\"\n    \
             include = [\"{AWS_ADDRESS}\"]\n  }}\n}}\n",
            mirror_dir().display(),
            aws_mirror().display()
        ),
    )
    .unwrap_or_else(|e| panic!("cannot write CLI config: {e}"));
    tf.set_env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
    tf.write(
        "providers.tf",
        &format!(
            r#"terraform {{
  required_providers {{
    aws   = {{ source = "hashicorp/aws", version = "{AWS_VERSION}" }}
    apigw = {{ source = "{PROVIDER_SOURCE}", version = "{PROVIDER_VERSION}" }}
  }}
}}

{aws}
provider "apigw" {{
  region   = "us-east-1"
  endpoint = "{url}"
}}
"#,
            url = emu.url(),
            aws = aws_provider_hcl(
                &emu.url(),
                "  default_tags {\n    tags = { env = \"prod\" }\n  }\n"
            )
        ),
    );
    tf
}

/// Before: everything in hashicorp/aws.
const BEFORE: &str = r#"
resource "aws_api_gateway_client_certificate" "backend" {
  description = "presented to the payments backend"
  tags        = { team = "payments" }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = aws_api_gateway_deployment.v1.id
  stage_name            = "prod"
  client_certificate_id = aws_api_gateway_client_certificate.backend.id
}
"#;

/// Step 1: the certificate moves; the stage stops managing its certificate.
const MOVED: &str = r#"
moved {
  from = aws_api_gateway_client_certificate.backend
  to   = apigw_rotating_client_certificate.backend
}

resource "apigw_rotating_client_certificate" "backend" {
  description = "presented to the payments backend"
  tags        = { team = "payments", env = "prod" }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.v1.id
  stage_name    = "prod"

  lifecycle {
    ignore_changes = [client_certificate_id]
  }
}
"#;

/// Step 2: this provider switches the stage from now on.
const ATTACHED: &str = r#"
resource "apigw_stage_client_certificate" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  stage_name            = aws_api_gateway_stage.prod.stage_name
  client_certificate_id = apigw_rotating_client_certificate.backend.current_certificate_id
}
"#;

/// Operations that create, change or delete a client certificate.
const CERTIFICATE_WRITES: [&str; 5] = [
    "GenerateClientCertificate",
    "UpdateClientCertificate",
    "DeleteClientCertificate",
    "TagResource",
    "UntagResource",
];

fn operations_since(emu: &Emulator, seq: u64) -> Vec<String> {
    emu.requests()
        .into_iter()
        .filter(|r| r.seq > seq)
        .map(|r| r.operation)
        .collect()
}

fn last_seq(emu: &Emulator) -> u64 {
    emu.requests().iter().map(|r| r.seq).max().unwrap_or(0)
}

fn stage_certificate(emu: &Emulator) -> serde_json::Value {
    emu.state()["restApis"][0]["stages"][0]["clientCertificateId"].clone()
}

fn empty_plan(tf: &Tf, what: &str) {
    let out = tf.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: the plan is not empty:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_certificate_made_by_hashicorp_aws_moves_into_a_rotating_certificate_keeping_its_id() {
    let emu = Emulator::start();
    let tf = both_providers(&emu);
    // The REST API and its stage stay with hashicorp/aws throughout.
    tf.write(
        "api.tf",
        &rest_api_hcl("https://backend.example.internal/healthz"),
    );
    tf.write("main.tf", BEFORE);
    tf.init();
    tf.apply();
    let before = emu.state();
    let certificates = before["clientCertificates"].clone();
    assert_eq!(certificates.as_array().map(Vec::len), Some(1), "{before}");
    let cert_id = certificates[0]["clientCertificateId"]
        .as_str()
        .unwrap_or_else(|| panic!("no certificate ID in {before}"))
        .to_string();
    assert_eq!(stage_certificate(&emu), json!(cert_id));
    let aws_state = tf
        .state_values("aws_api_gateway_client_certificate.backend")
        .unwrap_or_else(|| panic!("hashicorp/aws recorded no certificate"));
    assert_eq!(aws_state["id"], json!(cert_id));
    let seq = last_seq(&emu);

    // The move: shown as such, nothing to add, change or destroy.
    tf.write("main.tf", MOVED);
    let plan = tf.plan_json();
    let address = "apigw_rotating_client_certificate.backend";
    let rc = plan
        .resource_changes()
        .into_iter()
        .find(|rc| rc["address"] == address)
        .cloned()
        .unwrap_or_else(|| panic!("{address} is not in the plan: {:#}", plan.json));
    assert_eq!(
        rc["previous_address"], "aws_api_gateway_client_certificate.backend",
        "{rc:#}"
    );
    assert_eq!(plan.actions(address), ["no-op"], "{rc:#}");
    assert!(
        plan.is_empty(),
        "the move must plan no change: {:#}",
        plan.json["resource_changes"]
    );
    assert_eq!(plan.after(address, "id"), json!(cert_id));
    assert_eq!(
        plan.after(address, "current_certificate_id"),
        json!(cert_id)
    );
    assert_eq!(plan.after(address, "phase"), "stable");
    assert_eq!(plan.after(address, "rotation_due"), false);
    assert_eq!(
        plan.after(address, "description"),
        "presented to the payments backend"
    );
    assert_eq!(
        plan.after(address, "trusted_pem_bundle")
            .as_str()
            .map(str::trim),
        aws_state["pem_encoded_certificate"].as_str().map(str::trim)
    );
    tf.apply_plan("tfplan");

    let state = tf
        .state_values(address)
        .unwrap_or_else(|| panic!("{address} is not in the state"));
    assert_eq!(state["id"], json!(cert_id));
    assert_eq!(state["current_certificate_id"], json!(cert_id));
    assert!(
        tf.state_values("aws_api_gateway_client_certificate.backend")
            .is_none(),
        "the AWS provider's resource must be gone from the state"
    );
    empty_plan(&tf, "after the move");

    // The stage is handed over: it keeps presenting the same certificate.
    tf.write("attach.tf", ATTACHED);
    let out = tf.apply();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Resources: 1 added, 0 changed, 0 destroyed."),
        "only the attachment is created:\n{text}"
    );
    empty_plan(&tf, "after the stage attachment");
    assert_eq!(stage_certificate(&emu), json!(cert_id));

    // What the emulator saw: the same certificate, never written to.
    assert_eq!(emu.state()["clientCertificates"], certificates);
    let ops = operations_since(&emu, seq);
    assert!(!ops.is_empty(), "the provider never read the certificate");
    for op in &ops {
        assert!(
            !CERTIFICATE_WRITES.contains(&op.as_str()),
            "{op} was sent during the migration: {ops:?}"
        );
    }
    assert!(ops.iter().any(|o| o == "GetClientCertificates"), "{ops:?}");
}

#[test]
fn a_moved_block_from_another_resource_type_is_refused_naming_what_is_accepted() {
    let emu = Emulator::start();
    let tf = both_providers(&emu);
    tf.write(
        "main.tf",
        r#"
resource "terraform_data" "old" {
  input = "a certificate ID kept by hand"
}
"#,
    );
    tf.init();
    tf.apply();
    let certificates = emu.certificate_ids();
    tf.write(
        "main.tf",
        r#"
moved {
  from = terraform_data.old
  to   = apigw_rotating_client_certificate.backend
}

resource "apigw_rotating_client_certificate" "backend" {}
"#,
    );
    let failed = tf.try_plan_json().expect_err("the move must be refused");
    let errors = failed.errors();
    let detail = errors
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        detail.contains("terraform_data (terraform.io/builtin/terraform)")
            && detail.contains(
                "accepts moves from aws_api_gateway_client_certificate \
                 (registry.terraform.io/hashicorp/aws)"
            ),
        "{errors:#?}"
    );
    assert_eq!(emu.certificate_ids(), certificates);
}
