# Quickstart: one rotating client certificate, a backend that trusts its
# bundle, and a stage that presents it. Each apply moves the rotation one safe
# step forward; each plan says which step comes next.

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
  trust_store_path = coalesce(var.trust_store_path, "${path.root}/backend-trust-store.pem")
}

# Rotates when the current certificate is within `rotate_before` of its expiry;
# keeps the previous one alive and trusted for `overlap` after the switch.
resource "apigw_rotating_client_certificate" "backend" {
  description   = "API Gateway -> orders backend (quickstart)"
  rotate_before = var.rotate_before
  overlap       = var.overlap
  tags = {
    owner = "platform-team"
  }
}

# The backend's trust store. Here it is a PEM file written by a local-exec
# provisioner (only Terraform built-ins are used, so the example runs offline);
# in production this is a local_file, a secret, or your backend's trust-store
# resource. It is replaced whenever the bundle changes.
resource "terraform_data" "backend_trust_store" {
  triggers_replace = apigw_rotating_client_certificate.backend.trusted_pem_bundle
  input            = local.trust_store_path

  provisioner "local-exec" {
    command = "printf '%s' \"$BUNDLE\" > \"$TRUST_STORE.tmp\" && mv \"$TRUST_STORE.tmp\" \"$TRUST_STORE\""
    environment = {
      BUNDLE      = self.triggers_replace
      TRUST_STORE = self.input
    }
  }
}

# The stage presents the current certificate, and switches only after the
# backend trusts it: depends_on orders the two within one apply.
resource "apigw_stage_client_certificate" "orders" {
  rest_api_id           = var.rest_api_id
  stage_name            = var.stage_name
  client_certificate_id = apigw_rotating_client_certificate.backend.current_certificate_id

  depends_on = [terraform_data.backend_trust_store]
}

# Every plan also checks the whole region: an expired certificate anywhere is
# an outage for the stages that present it. The listing depends on the
# rotating certificate: a plan with nothing to do reads it at plan time (and
# stays empty), a plan that rotates or retires reads it after the apply, so the
# checks below never compare a listing taken before a retirement with the
# certificate IDs left after it.
data "apigw_client_certificates" "all" {
  depends_on = [apigw_rotating_client_certificate.backend]
}

check "no_expired_client_certificates" {
  assert {
    condition     = length(data.apigw_client_certificates.all.expired_certificate_ids) == 0
    error_message = "Expired API Gateway client certificates: ${join(", ", data.apigw_client_certificates.all.expired_certificate_ids)}. Backends that verify them reject the gateway."
  }
}

# The inventory half: certificates this configuration does not manage (legacy
# aws_api_gateway_client_certificate, hand-made ones) that are inside their
# rotation window. Each plan warns, naming them and their expiry dates.
locals {
  managed_certificate_ids = compact([
    apigw_rotating_client_certificate.backend.previous_certificate_id,
    apigw_rotating_client_certificate.backend.current_certificate_id,
    apigw_rotating_client_certificate.backend.pending_certificate_id,
  ])
  unmanaged_due = [
    for c in data.apigw_client_certificates.all.certificates : c
    if c.rotation_due && !contains(local.managed_certificate_ids, c.id)
  ]
}

check "unmanaged_certificates_not_due" {
  assert {
    condition     = length(local.unmanaged_due) == 0
    error_message = "Client certificates outside this configuration are due for rotation: ${join(", ", [for c in local.unmanaged_due : "${c.id} (${coalesce(c.description, "no description")}, expires ${c.expiration_date})"])}."
  }
}
