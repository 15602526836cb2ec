//! terraform-provider-apigw: the provider library behind the binary.
pub mod apigw;
pub mod clock;
pub mod context;
pub mod data_sources;
pub mod functions;
pub mod provider;
pub mod resources;
