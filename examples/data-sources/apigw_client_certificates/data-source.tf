# Every `terraform plan` warns about client certificates that are due for
# rotation or already expired, naming each one with its expiry date.
check "client_certificate_rotation" {
  data "apigw_client_certificates" "all" {
    rotate_before = "60d"
  }

  assert {
    condition = length(data.apigw_client_certificates.all.due_certificate_ids) == 0
    error_message = join("\n", concat(
      ["API Gateway client certificates due for rotation:"],
      [
        for c in data.apigw_client_certificates.all.certificates :
        format("- %s (%s) expires %s, %d days left%s", c.id, coalesce(c.description, "no description"),
        c.expiration_date, c.days_until_expiry, c.expired ? " - EXPIRED" : "")
        if c.rotation_due
      ]
    ))
  }
}

# A filtered inventory with the stages that present each certificate.
data "apigw_client_certificates" "payments" {
  tags                = { team = "payments" }
  include_stage_usage = true
}

output "payments_certificates" {
  value = {
    for c in data.apigw_client_certificates.payments.certificates : c.id => {
      expires = c.expiration_date
      due     = c.rotation_due
      stages  = [for s in c.stages : "${s.rest_api_name}/${s.stage_name}"]
    }
  }
}
