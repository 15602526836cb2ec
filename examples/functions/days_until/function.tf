# Whole days left before a certificate expires, as of the plan.
variable "certificate_expiration" {
  type    = string
  default = "2027-03-01T00:00:00Z"
}

output "days_left" {
  value = provider::apigw::days_until(var.certificate_expiration, plantimestamp())
}
