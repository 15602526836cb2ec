//! terraform-provider-apigw: the provider library behind the binary.
pub mod tfplugin;
