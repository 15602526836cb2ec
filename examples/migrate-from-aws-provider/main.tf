# After the migration: the certificate is an apigw_rotating_client_certificate
# (moved, not recreated: same ID, no API call), and the stage's certificate is
# switched by apigw_stage_client_certificate. The REST API and the stage stay
# with hashicorp/aws.

terraform {
  required_version = ">= 1.8"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
    apigw = {
      source = "certops/apigw"
    }
  }
}

provider "aws" {
  region = var.region

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

provider "apigw" {
  region   = var.region
  endpoint = var.endpoint
}

# Step 1: the certificate changes hands. Terraform 1.8+ asks this provider to
# translate the AWS provider's state; nothing is created or deleted.
moved {
  from = aws_api_gateway_client_certificate.backend
  to   = apigw_rotating_client_certificate.backend
}

# Repeat the description and every tag the certificate carries (the AWS
# provider's default_tags included), so the first plan is empty.
resource "apigw_rotating_client_certificate" "backend" {
  description = "API Gateway -> payments backend"
  tags = {
    owner = "payments-team"
    env   = "prod"
  }
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

# Step 2: the stage no longer manages its certificate...
resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.v1.id
  stage_name    = "prod"

  lifecycle {
    ignore_changes = [client_certificate_id]
  }
}

# ...this attachment does: it presents the rotation's current certificate and
# switches only when a rotation promotes the next one.
resource "apigw_stage_client_certificate" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  stage_name            = aws_api_gateway_stage.prod.stage_name
  client_certificate_id = apigw_rotating_client_certificate.backend.current_certificate_id
}

output "certificate_id" {
  value = apigw_rotating_client_certificate.backend.current_certificate_id
}
