# Before the migration: everything in hashicorp/aws. The client certificate
# is replaced by hand (or by replace_triggered_by) once a year, and the stage
# switches to the new one in the same apply as the trust stores change.

terraform {
  required_version = ">= 1.8"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.region

  # Only when pointed at a local endpoint (the emulator in `make test`).
  skip_credentials_validation = var.endpoint != null
  skip_requesting_account_id  = var.endpoint != null
  skip_metadata_api_check     = var.endpoint != null
  endpoints {
    apigateway = var.endpoint
  }

  default_tags {
    tags = { env = "prod" }
  }
}

resource "aws_api_gateway_client_certificate" "backend" {
  description = "API Gateway -> payments backend"
  tags        = { owner = "payments-team" }
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
  uri                     = "https://payments.example.internal/healthz"
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
}

output "certificate_id" {
  value = aws_api_gateway_client_certificate.backend.id
}

output "pem" {
  value = aws_api_gateway_client_certificate.backend.pem_encoded_certificate
}
