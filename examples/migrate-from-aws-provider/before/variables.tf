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
