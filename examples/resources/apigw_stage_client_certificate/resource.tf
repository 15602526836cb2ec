resource "apigw_rotating_client_certificate" "orders" {
  description = "API Gateway -> orders backend"
}

# Installs the trust bundle in the backend; here a file, in production your
# backend's trust-store resource (for example local_file or a secret).
resource "terraform_data" "orders_trust_store" {
  triggers_replace = apigw_rotating_client_certificate.orders.trusted_pem_bundle

  provisioner "local-exec" {
    command     = "printf '%s' \"$BUNDLE\" > orders-trust.pem"
    environment = { BUNDLE = self.triggers_replace }
  }
}

resource "apigw_stage_client_certificate" "orders_prod" {
  rest_api_id           = "a1b2c3d4e5"
  stage_name            = "prod"
  client_certificate_id = apigw_rotating_client_certificate.orders.current_certificate_id

  # Before each switch, API Gateway's TestInvokeMethod calls GET /health
  # presenting the new certificate; unless the backend answers 200 the apply
  # stops and the stage keeps its certificate. Backends that reload their
  # trust store every few seconds get attempts x interval_seconds to catch up;
  # two accepted answers in a row outlast a graceful reload.
  verify {
    path             = "/health"
    attempts         = 5
    interval_seconds = 3
    successes        = 2
  }

  # The backend trusts a new certificate before the stage presents it.
  depends_on = [terraform_data.orders_trust_store]
}
