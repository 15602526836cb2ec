# A partner's backend verifies the gateway's client certificate, and the
# partner installs new certificates in their own trust store, on their own
# schedule. promote_after keeps a new certificate *pending* (trusted, published,
# not yet presented) long enough for them to do so; only then does a later
# apply switch the stage to it.
#
# Rotation takes three applies, each visible in its plan:
#   1. rotation window reached -> a pending certificate appears; the bundle
#      published to the partner holds old and new; the stage is unchanged.
#   2. promote_after elapsed   -> pending becomes current; the stage switches.
#   3. overlap elapsed         -> the previous certificate is retired.

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
  published_bundle_path = coalesce(var.published_bundle_path, "${path.root}/partner-bundle.pem")
}

resource "apigw_rotating_client_certificate" "partner" {
  description   = "API Gateway -> partner payments backend"
  rotate_before = var.rotate_before
  promote_after = var.promote_after
  overlap       = var.overlap
  tags = {
    owner   = "payments-team"
    partner = "acme-payments"
  }
}

# Publishes the bundle for the partner. Here a file written by local-exec (the
# example uses only Terraform built-ins); in production this is wherever the
# partner fetches it from: an object in a bucket, a local_file picked up by a
# mail job, a ticket. The partner's own trust store is outside Terraform: that
# is why promote_after exists.
resource "terraform_data" "published_bundle" {
  triggers_replace = apigw_rotating_client_certificate.partner.trusted_pem_bundle
  input            = local.published_bundle_path

  provisioner "local-exec" {
    command = "printf '%s' \"$BUNDLE\" > \"$BUNDLE_FILE.tmp\" && mv \"$BUNDLE_FILE.tmp\" \"$BUNDLE_FILE\""
    environment = {
      BUNDLE      = self.triggers_replace
      BUNDLE_FILE = self.input
    }
  }
}

resource "apigw_stage_client_certificate" "payments" {
  rest_api_id           = var.rest_api_id
  stage_name            = var.stage_name
  client_certificate_id = apigw_rotating_client_certificate.partner.current_certificate_id

  depends_on = [terraform_data.published_bundle]
}
