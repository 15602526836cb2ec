# Runs against a live API Gateway endpoint (the emulator, in `make test`) with
# hashicorp/aws from a filesystem mirror: the runner passes TF_VAR_endpoint.
# Both runs share one state (state_key), as one working directory would.

run "before_with_the_aws_provider" {
  module {
    source = "./before"
  }
  state_key = "payments"
}

run "after_the_move" {
  state_key = "payments"

  assert {
    condition     = apigw_rotating_client_certificate.backend.id == run.before_with_the_aws_provider.certificate_id
    error_message = "The moved series must keep the certificate's ID, got ${apigw_rotating_client_certificate.backend.id}."
  }

  assert {
    condition     = apigw_rotating_client_certificate.backend.current_certificate_id == run.before_with_the_aws_provider.certificate_id
    error_message = "The AWS provider's certificate must be the current one; a new one was made."
  }

  assert {
    condition     = trimspace(apigw_rotating_client_certificate.backend.trusted_pem_bundle) == trimspace(run.before_with_the_aws_provider.pem)
    error_message = "The trusted bundle must be exactly the moved certificate."
  }

  assert {
    condition     = apigw_rotating_client_certificate.backend.phase == "stable" && !apigw_rotating_client_certificate.backend.rotation_due
    error_message = "A certificate a year from expiry is stable and not due."
  }

  assert {
    condition     = apigw_stage_client_certificate.prod.client_certificate_id == run.before_with_the_aws_provider.certificate_id
    error_message = "The stage must keep presenting the same certificate."
  }
}

run "nothing_left_to_change" {
  command   = plan
  state_key = "payments"

  assert {
    condition     = apigw_rotating_client_certificate.backend.current_certificate_id == run.before_with_the_aws_provider.certificate_id
    error_message = "The plan after the migration must keep the certificate."
  }
}
