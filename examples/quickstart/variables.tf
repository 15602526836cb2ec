variable "region" {
  description = "AWS region of the REST API."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Custom API Gateway endpoint (for example the local emulator). null: the AWS endpoint of the region."
  type        = string
  default     = null
}

variable "rest_api_id" {
  description = "ID of the REST API whose stage presents the certificate."
  type        = string
}

variable "stage_name" {
  description = "Name of the stage that presents the certificate."
  type        = string
  default     = "prod"
}

variable "rotate_before" {
  description = "Rotation window: rotate when the current certificate expires within this duration."
  type        = string
  default     = "60d"
}

variable "overlap" {
  description = "How long the previous certificate stays alive and trusted after the switch."
  type        = string
  default     = "7d"
}

variable "trust_store_path" {
  description = "Where the backend's trust bundle is written. null: backend-trust-store.pem next to this configuration."
  type        = string
  default     = null
}
