# Runs against a live API Gateway endpoint (the emulator, in `make test`):
# the runner seeds a REST API with a stage and passes TF_VAR_endpoint,
# TF_VAR_rest_api_id and TF_VAR_published_bundle_path.

run "first_certificate_is_published_and_presented" {
  assert {
    condition     = apigw_rotating_client_certificate.partner.pending_certificate_id == null
    error_message = "The first certificate has no predecessor to wait for: it must not stay pending."
  }

  assert {
    condition     = apigw_stage_client_certificate.payments.client_certificate_id == apigw_rotating_client_certificate.partner.current_certificate_id
    error_message = "The stage must present the current certificate."
  }

  assert {
    condition     = trimspace(file(local.published_bundle_path)) == trimspace(apigw_rotating_client_certificate.partner.trusted_pem_bundle)
    error_message = "The published bundle must hold exactly the trusted bundle."
  }

  assert {
    condition     = apigw_rotating_client_certificate.partner.promote_after == var.promote_after
    error_message = "promote_after must be kept as configured."
  }

  assert {
    condition     = output.pending_pem == null
    error_message = "Nothing is pending, so there is no PEM to hand to the partner."
  }
}
