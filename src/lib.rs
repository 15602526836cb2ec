//! terraform-provider-apigw: the provider library behind the binary.
pub mod apigw;
pub mod clock;
pub mod provider;
pub mod tfplugin;
