# Expiration date of every client certificate, read from its PEM.
data "apigw_client_certificates" "all" {}

output "certificate_expirations" {
  value = {
    for c in data.apigw_client_certificates.all.certificates :
    c.id => provider::apigw::pem_expiration(c.pem)
  }
}
