//! Data sources of the provider.
pub mod client_certificates;
