//! The real HashiCorp AWS provider (5.100.0, from a filesystem mirror) against the
//! emulator: a REST API with an HTTP_PROXY integration and a stage presenting a
//! client certificate is applied, re-planned empty and destroyed.
//!
//! The mirror is the directory holding `registry.terraform.io/hashicorp/aws/5.100.0`;
//! `APIGW_AWS_PROVIDER_MIRROR` overrides the default `/opt/tf-plugins`.

#[path = "common/aws.rs"]
mod aws;
mod common;

use aws::{AWS_ADDRESS, AWS_VERSION, aws_mirror, aws_provider_hcl, rest_api_hcl};
use common::{Emulator, Tf};

/// A working directory that installs hashicorp/aws from its mirror only.
fn aws_tf(emu: &Emulator) -> Tf {
    let mut tf = Tf::bare();
    let rc = tf.dir().join(".terraformrc-aws");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    \
             include = [\"{AWS_ADDRESS}\"]\n  }}\n}}\n",
            aws_mirror().display()
        ),
    )
    .unwrap_or_else(|e| panic!("cannot write CLI config: {e}"));
    tf.set_env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
    tf.write(
        "provider.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    aws = {{ source = \"hashicorp/aws\", version = \"{AWS_VERSION}\" }}\n  }}\n}}\n\n{}",
            aws_provider_hcl(&emu.url(), "")
        ),
    );
    tf
}

/// A client certificate, the REST API, and a stage presenting the certificate.
fn config() -> String {
    let mut hcl = String::from(
        r#"
resource "aws_api_gateway_client_certificate" "backend" {
  description = "presented to the payments backend"
}
"#,
    );
    hcl.push_str(&rest_api_hcl("https://$${stageVariables.backend}/healthz"));
    hcl.push_str(
        r#"
resource "aws_api_gateway_stage" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = aws_api_gateway_deployment.v1.id
  stage_name            = "prod"
  client_certificate_id = aws_api_gateway_client_certificate.backend.id
  variables = {
    backend = "127.0.0.1:9"
  }
}
"#,
    );
    hcl
}

#[test]
fn hashicorp_aws_applies_replans_empty_and_destroys_an_http_proxy_stage() {
    let emu = Emulator::start();
    let tf = aws_tf(&emu);
    tf.write("main.tf", &config());
    tf.init();
    tf.apply();

    // What the provider created is what the emulator holds.
    let state = emu.state();
    let api = &state["restApis"][0];
    assert_eq!(api["name"], "payments");
    let stage = &api["stages"][0];
    assert_eq!(stage["stageName"], "prod");
    let cert_id = state["clientCertificates"][0]["clientCertificateId"].clone();
    assert_eq!(stage["clientCertificateId"], cert_id);
    assert_eq!(stage["variables"]["backend"], "127.0.0.1:9");
    assert_eq!(api["deployments"][0]["id"], stage["deploymentId"]);
    assert_eq!(
        api["deployments"][0]["apiSummary"]["/health"]["GET"]["authorizationType"],
        "NONE"
    );

    // A second plan finds nothing to change.
    let replan = tf.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(
        replan.status.code(),
        Some(0),
        "the second plan is not empty:\n{}\n{}",
        String::from_utf8_lossy(&replan.stdout),
        String::from_utf8_lossy(&replan.stderr)
    );

    tf.destroy();
    let state = emu.state();
    assert_eq!(state["restApis"], serde_json::json!([]), "{state}");
    assert_eq!(
        state["clientCertificates"],
        serde_json::json!([]),
        "{state}"
    );
    for op in [
        "GetResources",
        "CreateResource",
        "PutMethod",
        "PutIntegration",
        "GetIntegration",
        "CreateDeployment",
        "DeleteDeployment",
        "CreateStage",
        "UpdateStage",
        "DeleteStage",
        "DeleteResource",
        "DeleteRestApi",
    ] {
        assert!(emu.call_count(op) > 0, "hashicorp/aws never called {op}");
    }
}
