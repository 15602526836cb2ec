# Whole days left before a certificate expires, as of the plan.
variable "certificate_expiration" {
  type    = string
  default = "2027-03-01T00:00:00Z"
}

output "days_left" {
  value = provider::apigw::days_until(var.certificate_expiration, plantimestamp())
}

# plantimestamp() is only known in a plan; in `terraform console` pass
# timestamp() instead:
#
#   $ echo 'provider::apigw::days_until("2027-03-01T00:00:00Z", timestamp())' | terraform console
