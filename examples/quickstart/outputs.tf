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
  description = "Certificates the backend trusts right now, oldest first."
  value       = apigw_rotating_client_certificate.backend.trusted_certificate_ids
}

output "rotation_due_date" {
  description = "When the next rotation is due."
  value       = apigw_rotating_client_certificate.backend.rotation_due_date
}

output "trust_store_path" {
  description = "The file holding the backend's trust bundle."
  value       = local.trust_store_path
}
