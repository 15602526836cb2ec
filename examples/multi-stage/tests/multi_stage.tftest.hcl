# Runs against a live API Gateway endpoint (the emulator, in `make test`):
# the runner seeds two REST APIs (one with two stages) and passes
# TF_VAR_endpoint, TF_VAR_stages and TF_VAR_trust_store_path.

run "every_stage_presents_the_one_certificate" {
  assert {
    condition     = length(apigw_stage_client_certificate.stage) == length(var.stages)
    error_message = "One attachment per configured stage."
  }

  assert {
    condition = alltrue([
      for s in apigw_stage_client_certificate.stage :
      s.client_certificate_id == apigw_rotating_client_certificate.fleet.current_certificate_id
    ])
    error_message = "Every stage must present the fleet's current certificate."
  }

  assert {
    condition     = length(distinct([for s in values(var.stages) : s.rest_api_id])) > 1
    error_message = "The test needs stages of more than one REST API."
  }

  assert {
    condition = output.stage_ids == sort([
      for s in values(var.stages) : "${s.rest_api_id}/${s.stage_name}"
    ])
    error_message = "Attachment ids must be <rest_api_id>/<stage_name>."
  }

  assert {
    condition     = trimspace(file(local.trust_store_path)) == trimspace(apigw_rotating_client_certificate.fleet.trusted_pem_bundle)
    error_message = "The fleet's trust store must hold exactly the trusted bundle."
  }
}
