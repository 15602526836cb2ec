# Runs against a live API Gateway endpoint (the emulator, in `make test`):
# the runner seeds a REST API with a stage and passes TF_VAR_endpoint,
# TF_VAR_rest_api_id and TF_VAR_trust_store_path.

run "first_apply_attaches_a_trusted_certificate" {
  assert {
    condition     = apigw_rotating_client_certificate.backend.phase == "stable"
    error_message = "A new rotating certificate must start stable, got ${apigw_rotating_client_certificate.backend.phase}."
  }

  assert {
    condition     = apigw_stage_client_certificate.orders.client_certificate_id == apigw_rotating_client_certificate.backend.current_certificate_id
    error_message = "The stage must present the current certificate."
  }

  assert {
    condition     = apigw_stage_client_certificate.orders.id == "${var.rest_api_id}/${var.stage_name}"
    error_message = "The attachment id must be <rest_api_id>/<stage_name>, got ${apigw_stage_client_certificate.orders.id}."
  }

  assert {
    condition     = trimspace(file(local.trust_store_path)) == trimspace(apigw_rotating_client_certificate.backend.trusted_pem_bundle)
    error_message = "The backend's trust store must hold exactly the trusted bundle."
  }

  assert {
    condition     = output.trusted_certificate_ids == tolist([apigw_rotating_client_certificate.backend.current_certificate_id])
    error_message = "With nothing rotated, only the current certificate is trusted."
  }

  assert {
    condition     = length(regexall("-----BEGIN CERTIFICATE-----", apigw_rotating_client_certificate.backend.trusted_pem_bundle)) == 1
    error_message = "With nothing rotated, the bundle holds exactly the current certificate's PEM."
  }

  assert {
    condition     = provider::apigw::pem_expiration(apigw_rotating_client_certificate.backend.trusted_pem_bundle) == apigw_rotating_client_certificate.backend.current_expiration_date
    error_message = "current_expiration_date must be the current certificate's own notAfter."
  }
}

run "nothing_due_plans_the_same_certificate" {
  command = plan

  assert {
    condition     = apigw_rotating_client_certificate.backend.current_certificate_id == run.first_apply_attaches_a_trusted_certificate.current_certificate_id
    error_message = "A plan with nothing due must keep the current certificate."
  }

  assert {
    condition     = apigw_stage_client_certificate.orders.client_certificate_id == run.first_apply_attaches_a_trusted_certificate.current_certificate_id
    error_message = "A plan with nothing due must keep the stage on the current certificate."
  }
}
