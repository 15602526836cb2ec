output "current_certificate_id" {
  description = "The certificate every stage presents."
  value       = apigw_rotating_client_certificate.fleet.current_certificate_id
}

output "stage_ids" {
  description = "The attachments, as <rest_api_id>/<stage_name>."
  value       = sort([for s in apigw_stage_client_certificate.stage : s.id])
}

output "phase" {
  description = "stable, overlap or pending."
  value       = apigw_rotating_client_certificate.fleet.phase
}
