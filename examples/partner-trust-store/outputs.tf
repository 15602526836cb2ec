output "pending_certificate_id" {
  description = "Published to the partner, not yet presented by the stage (null when none)."
  value       = apigw_rotating_client_certificate.partner.pending_certificate_id
}

# The bundle lists previous, current and pending certificates in that order,
# so the pending one, while it exists, is the last PEM.
output "pending_pem" {
  description = "PEM of the pending certificate, to send to the partner (null when none)."
  value = (
    apigw_rotating_client_certificate.partner.pending_certificate_id == null ? null :
    "${reverse(regexall("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----", apigw_rotating_client_certificate.partner.trusted_pem_bundle))[0]}\n"
  )
}

output "current_certificate_id" {
  description = "The certificate the stage presents."
  value       = apigw_rotating_client_certificate.partner.current_certificate_id
}

output "phase" {
  description = "pending (partner installing), overlap (soak) or stable."
  value       = apigw_rotating_client_certificate.partner.phase
}

output "trusted_pem_bundle" {
  description = "Everything the partner must trust right now: previous, current and pending certificates, in that order."
  value       = apigw_rotating_client_certificate.partner.trusted_pem_bundle
}
