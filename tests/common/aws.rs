//! hashicorp/aws beside this provider in the end-to-end tests: its mirror,
//! its provider block pointed at the emulator, and the REST API it builds.

use std::path::PathBuf;

pub const AWS_VERSION: &str = "5.100.0";
pub const AWS_ADDRESS: &str = "registry.terraform.io/hashicorp/aws";

/// The filesystem mirror holding hashicorp/aws (`APIGW_AWS_PROVIDER_MIRROR`,
/// default `/opt/tf-plugins`); fails naming the directory when it is missing.
pub fn aws_mirror() -> PathBuf {
    let mirror = std::env::var_os("APIGW_AWS_PROVIDER_MIRROR")
        .map_or_else(|| PathBuf::from("/opt/tf-plugins"), PathBuf::from);
    let dir = mirror.join(format!("{AWS_ADDRESS}/{AWS_VERSION}"));
    assert!(
        dir.is_dir(),
        "{} does not exist: this test needs hashicorp/aws {AWS_VERSION} in a Terraform \
         filesystem mirror. Set APIGW_AWS_PROVIDER_MIRROR to the directory holding \
         {AWS_ADDRESS}/{AWS_VERSION}, or fill one with `terraform providers mirror DIR` \
         from a configuration requiring that version.",
        dir.display()
    );
    mirror
}

/// `provider "aws"` against the emulator at `url`, with test keys; `extra`
/// goes inside the block.
pub fn aws_provider_hcl(url: &str, extra: &str) -> String {
    format!(
        r#"provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    apigateway = "{url}"
  }}
{extra}}}
"#
    )
}

/// A REST API `payments` with `GET /health` proxied over HTTP to `uri`, and
/// its deployment `v1` (no stage).
pub fn rest_api_hcl(uri: &str) -> String {
    r#"
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
  uri                     = "URI"
}

resource "aws_api_gateway_deployment" "v1" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.backend]
}
"#
    .replace("\"URI\"", &format!("\"{uri}\""))
}
