# A client certificate for the "payments" gateway, rotated 60 days before it
# expires. New certificates stay pending for two days so the partner can add
# them to its trust store, and the previous one stays trusted for a week.
resource "apigw_rotating_client_certificate" "payments" {
  description   = "payments gateway -> backend mTLS"
  rotate_before = "60d"
  promote_after = "2d"
  overlap       = "7d"

  tags = {
    owner = "platform-team"
  }

  # Change a value to rotate at the next apply, e.g. after a suspected compromise.
  rotation_triggers = {
    reason = "initial"
  }

  lifecycle {
    postcondition {
      condition     = !self.rotation_due || self.phase != "stable"
      error_message = "The client certificate is due for rotation but no rotation is in progress."
    }
  }
}

# What every backend must trust: all live certificates of the series.
output "payments_trust_bundle" {
  value = apigw_rotating_client_certificate.payments.trusted_pem_bundle
}
