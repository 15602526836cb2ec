//! The real HashiCorp AWS provider (5.100.0, from a filesystem mirror) against the
//! emulator: a REST API with an HTTP_PROXY integration and a stage presenting a
//! client certificate is applied, re-planned empty and destroyed.
//!
//! The mirror is the directory holding `registry.terraform.io/hashicorp/aws/5.100.0`;
//! `APIGW_AWS_PROVIDER_MIRROR` overrides the default `/opt/tf-plugins`.

mod common;

use std::path::PathBuf;

use common::{Emulator, Tf};

const AWS_VERSION: &str = "5.100.0";

fn aws_mirror() -> PathBuf {
    let mirror = std::env::var_os("APIGW_AWS_PROVIDER_MIRROR")
        .map_or_else(|| PathBuf::from("/opt/tf-plugins"), PathBuf::from);
    let dir = mirror.join(format!("registry.terraform.io/hashicorp/aws/{AWS_VERSION}"));
    assert!(
        dir.is_dir(),
        "{} does not exist: this test needs hashicorp/aws {AWS_VERSION} in a Terraform \
         filesystem mirror. Set APIGW_AWS_PROVIDER_MIRROR to the directory holding \
         registry.terraform.io/hashicorp/aws/{AWS_VERSION}, or fill one with \
         `terraform providers mirror DIR` from a configuration requiring that version.",
        dir.display()
    );
    mirror
}

/// A working directory that installs hashicorp/aws from its mirror only.
fn aws_tf(emu: &Emulator) -> Tf {
    let mut tf = Tf::bare();
    let rc = tf.dir().join(".terraformrc-aws");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    \
             include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
            aws_mirror().display()
        ),
    )
    .unwrap();
    tf.set_env("TF_CLI_CONFIG_FILE", &rc.display().to_string());
    tf.write(
        "provider.tf",
        &format!(
            r#"terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{AWS_VERSION}"
    }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    apigateway = "{}"
  }}
}}
"#,
            emu.url()
        ),
    );
    tf
}

const CONFIG: &str = r#"
resource "aws_api_gateway_client_certificate" "backend" {
  description = "presented to the payments backend"
}

resource "aws_api_gateway_rest_api" "api" {
  name = "payments"
}

resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "backend" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.health.id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "https://$${stageVariables.backend}/healthz"
}

resource "aws_api_gateway_deployment" "v1" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.backend]
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = aws_api_gateway_deployment.v1.id
  stage_name            = "prod"
  client_certificate_id = aws_api_gateway_client_certificate.backend.id
  variables = {
    backend = "127.0.0.1:9"
  }
}
"#;

#[test]
fn hashicorp_aws_applies_replans_empty_and_destroys_an_http_proxy_stage() {
    let emu = Emulator::start();
    let tf = aws_tf(&emu);
    tf.write("main.tf", CONFIG);
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
