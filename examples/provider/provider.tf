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

  # Optional: act as a dedicated role.
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/certificate-rotation"
    session_name = "terraform"
  }
}

# Against a local apigw-emulator (or any AWS-compatible endpoint) instead:
#
# provider "apigw" {
#   region   = "us-east-1"
#   endpoint = "http://127.0.0.1:4566"
# }
