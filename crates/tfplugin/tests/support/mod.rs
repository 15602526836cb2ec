//! Shared by the protocol tests: the toy provider and a Terraform-like client.
#![allow(dead_code)]

pub mod plugin;
pub mod toy_provider;
