# One certificate presented by several stages of several REST APIs that call
# the same backend fleet. The backends trust the bundle once; every stage
# switches after that, in the same apply.

terraform {
  required_version = ">= 1.8"
  required_providers {
    apigw = {
      source = "certops/apigw"
    }
  }
}

provider "apigw" {
  region   = var.region
  endpoint = var.endpoint
}

locals {
  trust_store_path = coalesce(var.trust_store_path, "${path.root}/fleet-trust-store.pem")
}

resource "apigw_rotating_client_certificate" "fleet" {
  description   = "API Gateway -> shared backend fleet"
  rotate_before = var.rotate_before
  overlap       = var.overlap
  tags = {
    owner = "platform-team"
  }
}

# The fleet's trust store (a file here; in production your backends'
# trust-store resource, for example local_file or a secret).
resource "terraform_data" "fleet_trust_store" {
  triggers_replace = apigw_rotating_client_certificate.fleet.trusted_pem_bundle
  input            = local.trust_store_path

  provisioner "local-exec" {
    command = "printf '%s' \"$BUNDLE\" > \"$TRUST_STORE.tmp\" && mv \"$TRUST_STORE.tmp\" \"$TRUST_STORE\""
    environment = {
      BUNDLE      = self.triggers_replace
      TRUST_STORE = self.input
    }
  }
}

resource "apigw_stage_client_certificate" "stage" {
  for_each = var.stages

  rest_api_id           = each.value.rest_api_id
  stage_name            = each.value.stage_name
  client_certificate_id = apigw_rotating_client_certificate.fleet.current_certificate_id

  depends_on = [terraform_data.fleet_trust_store]
}
