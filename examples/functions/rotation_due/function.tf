# Is a certificate, managed anywhere, inside a 60-day rotation window at plan time?
variable "certificate_expiration" {
  type    = string
  default = "2027-03-01T00:00:00Z"
}

output "rotation_due" {
  value = provider::apigw::rotation_due(var.certificate_expiration, "60d", plantimestamp())
}

# plantimestamp() is only known in a plan; in `terraform console` pass
# timestamp() instead:
#
#   $ echo 'provider::apigw::rotation_due("2027-03-01T00:00:00Z", "60d", timestamp())' | terraform console
