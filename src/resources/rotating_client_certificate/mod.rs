//! `apigw_rotating_client_certificate`: a series of API Gateway client
//! certificates rotated through pending → current → previous, one visible
//! step per apply.
//!
//! A thin shell: it decodes Terraform values, asks [`rotation::decide`] what
//! is due, and performs the actions the rotation crate orders with
//! [`apigw::Client`]. One file per job: `schema` (schema and validation),
//! `plan`, `apply` (and destroy), `read` (refresh and import), `move_state`
//! (a `moved` block from `aws_api_gateway_client_certificate`), `upgrade`
//! (state versions) and `model` (the state as Rust values).
//!
//! # Saved plans and the decision time
//! Terraform plans twice for every apply: the plan the user reviews (or saves
//! with `plan -out`) and a "final plan" computed while applying, with the same
//! prior state and configuration but a later clock. It rejects the apply if a
//! value known in the first plan differs in the second. If decisions used the
//! clock at plan time, a boundary passing in between (a promote_after or
//! overlap ending, the rotation window opening) would add a step and break
//! the apply. So every decision is made *as of the resource's last refresh*:
//! ReadResource records the refresh time in the private state, and both plans
//! decide with that recorded time. The two plans are then identical, apply
//! executes exactly the steps recorded in the planned private state, and a step
//! that became due after the refresh appears in the next plan. The clock is
//! read only as a fallback when no refresh time is recorded.

use std::collections::BTreeMap;
use std::sync::Arc;

use rotation::{
    Action, DEFAULT_OVERLAP, DEFAULT_PROMOTE_AFTER, DEFAULT_ROTATE_BEFORE, Decision, Facts,
    Outcome, Planned, Policy, Run, Series, Slot, Step,
};
use serde::{Deserialize, Serialize};

use crate::apigw::{self, Certificate};
use crate::context::Context;
use tfplugin::model::Model as _;
use tfplugin::{
    ApplyRequest, ApplyResponse, Block, Diagnostic, Diagnostics, ImportedObject, PlanRequest,
    PlanResponse, ReadRequest, ReadResponse, Resource, Schema, StopToken, Value,
    diag::{has_errors, null_map_elements},
};

/// How long API Gateway's client certificates are valid: 365 days.
const API_GATEWAY_VALIDITY_SECS: u64 = 365 * 86_400;

/// Map attributes whose elements must be strings.
const MAP_ATTRIBUTES: &[&str] = &["tags", "rotation_triggers"];

pub const TYPE_NAME: &str = "apigw_rotating_client_certificate";
/// Version 1 added `promoted_date` and `trusted_certificate_ids`; version 2
/// keeps each PEM once, in `trusted_pem_bundle`, and drops every attribute
/// that only repeated another (see [`upgrade`]).
pub const SCHEMA_VERSION: i64 = 2;

pub const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

pub struct RotatingClientCertificate {
    context: Context,
}

impl RotatingClientCertificate {
    pub fn new(context: Context) -> Arc<Self> {
        Arc::new(RotatingClientCertificate { context })
    }

    /// The provider's `default_tags` (none before configuration).
    fn default_tags(&self) -> BTreeMap<String, String> {
        self.context
            .client()
            .map(|c| c.settings().default_tags.clone())
            .unwrap_or_default()
    }

    /// The configuration's arguments, with the provider's `default_tags`.
    fn args(&self, config: &Value) -> Args {
        Args {
            default_tags: self.default_tags(),
            ..Args::from_config(config)
        }
    }
}

mod apply;
mod model;
mod move_state;
mod plan;
mod read;
mod schema;
mod upgrade;

use apply::*;
use model::*;
use plan::*;
use schema::*;
use upgrade::*;

#[async_trait::async_trait]
impl Resource for RotatingClientCertificate {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = null_map_elements(config, MAP_ATTRIBUTES);
        diags.extend(Args::from_config(config).policy(None).1);
        diags
    }

    fn upgrade_json(
        &self,
        from_version: i64,
        json: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostic> {
        upgrade(from_version, json)
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        self.do_read(req).await
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        self.do_plan(&req).await
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        self.do_apply(req).await
    }

    async fn import(&self, id: &str, _stop: StopToken) -> Result<Vec<ImportedObject>, Diagnostics> {
        self.do_import(id).await
    }

    fn move_sources(&self) -> Vec<(&'static str, &'static str)> {
        move_state::move_sources()
    }

    async fn move_state(&self, req: tfplugin::MoveStateRequest) -> tfplugin::MoveOutcome {
        self.do_move(&req)
    }
}

#[cfg(test)]
mod tests;
