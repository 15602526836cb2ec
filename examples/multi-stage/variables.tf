variable "region" {
  description = "AWS region of the REST APIs."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Custom API Gateway endpoint (for example the local emulator). null: the AWS endpoint of the region."
  type        = string
  default     = null
}

variable "stages" {
  description = "Stages that present the fleet certificate, keyed by a stable name of your choice."
  type = map(object({
    rest_api_id = string
    stage_name  = string
  }))
}

variable "rotate_before" {
  description = "Rotation window."
  type        = string
  default     = "60d"
}

variable "overlap" {
  description = "How long the previous certificate stays alive and trusted after the switch."
  type        = string
  default     = "7d"
}

variable "trust_store_path" {
  description = "Where the fleet's trust bundle is written. null: fleet-trust-store.pem next to this configuration."
  type        = string
  default     = null
}
