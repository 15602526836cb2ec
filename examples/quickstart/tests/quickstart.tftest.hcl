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
    condition     = tolist(apigw_rotating_client_certificate.backend.trusted_certificate_ids) == tolist([apigw_rotating_client_certificate.backend.current_certificate_id])
    error_message = "With nothing rotated, only the current certificate is trusted."
  }

  assert {
    condition     = startswith(apigw_rotating_client_certificate.backend.current_pem, "-----BEGIN CERTIFICATE-----")
    error_message = "The current certificate's PEM must be recorded."
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
