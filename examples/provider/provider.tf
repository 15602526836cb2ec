terraform {
  required_providers {
    apigw = {
      source = "certops/apigw"
    }
  }
}

provider "apigw" {
  region = "eu-west-1"
}
