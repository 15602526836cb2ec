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
  description = "ID of the REST API whose stage calls the partner."
  type        = string
}

variable "stage_name" {
  description = "Name of the stage that calls the partner."
  type        = string
  default     = "prod"
}

variable "rotate_before" {
  description = "Rotation window. Must exceed promote_after + overlap."
  type        = string
  default     = "60d"
}

variable "promote_after" {
  description = "How long a new certificate is published to the partner before the stage presents it."
  type        = string
  default     = "14d"
}

variable "overlap" {
  description = "How long the previous certificate stays alive and trusted after the switch."
  type        = string
  default     = "7d"
}

variable "published_bundle_path" {
  description = "Where the bundle for the partner is written. null: partner-bundle.pem next to this configuration."
  type        = string
  default     = null
}
