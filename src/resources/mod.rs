//! Managed resources: one module per resource type.

pub mod rotating_client_certificate;
pub mod stage_client_certificate;
