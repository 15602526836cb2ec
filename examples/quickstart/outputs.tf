output "current_certificate_id" {
  description = "The certificate the stage presents."
  value       = apigw_rotating_client_certificate.backend.current_certificate_id
}

output "previous_certificate_id" {
  description = "The certificate still trusted during the overlap (null when stable)."
  value       = apigw_rotating_client_certificate.backend.previous_certificate_id
}

output "phase" {
  description = "stable, overlap or pending."
  value       = apigw_rotating_client_certificate.backend.phase
}

output "trusted_certificate_ids" {
  description = "Certificates the backend trusts right now, in the order of the bundle."
  value = compact([
    apigw_rotating_client_certificate.backend.previous_certificate_id,
    apigw_rotating_client_certificate.backend.current_certificate_id,
    apigw_rotating_client_certificate.backend.pending_certificate_id,
  ])
}

output "current_expiration_date" {
  description = "When the current certificate expires; the next rotation is due rotate_before (60 days) earlier."
  value       = apigw_rotating_client_certificate.backend.current_expiration_date
}

output "trust_store_path" {
  description = "The file holding the backend's trust bundle."
  value       = local.trust_store_path
}
