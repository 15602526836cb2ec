terraform {
  required_providers {
    apigw = {
      source = "certops/apigw"
    }
  }
}

# Credentials come from the standard AWS chain (environment, shared files,
# container or instance role); they are never written to logs.
provider "apigw" {
  region = "eu-west-1"

  # Optional: retries, timeouts and a client-side rate limit that keeps large
  # configurations under API Gateway's control-plane quota (~10 requests/s).
  max_retries               = 5
  operation_timeout         = "2m"
  operation_attempt_timeout = "20s"
  rate_limit_rps            = 8
  rate_limit_burst          = 20

  # Optional: refuse to run against any other account (checked with STS
  # GetCallerIdentity when the provider is configured).
  allowed_account_ids = ["123456789012"]

  # Optional: act as a dedicated role.
  assume_role {
    role_arn        = "arn:aws:iam::123456789012:role/certificate-rotation"
    session_name    = "terraform"
    duration        = "1h"
    source_identity = "ci-pipeline"
    tags            = { purpose = "certificate-rotation" }
  }
}

# In CI with an OpenID Connect token instead of keys:
#
# provider "apigw" {
#   region = "eu-west-1"
#   assume_role_with_web_identity {
#     role_arn                = "arn:aws:iam::123456789012:role/ci-certificate-rotation"
#     web_identity_token_file = "/var/run/secrets/ci/token"
#   }
# }
#
# With an IAM Identity Center (SSO) profile after `aws sso login`:
#
# provider "apigw" {
#   region  = "eu-west-1"
#   profile = "platform-admin"
# }

# Against a local apigw-emulator (or any AWS-compatible endpoint) instead:
#
# provider "apigw" {
#   region   = "us-east-1"
#   endpoint = "http://127.0.0.1:4566"
# }
