//! The tfplugin6 protocol layer: handshake, mTLS, gRPC services, dynamic
//! values, schemas and diagnostics. It knows nothing about any particular
//! provider: the binary's name, its log targets and the socket directory
//! prefix come in through [`ServeOptions`], and the provider
//! plugs in through the [`Provider`], [`Resource`], [`DataSource`] and
//! [`Function`] traits below.
//!
//! CONTRACT NOTE: the types and traits in this file are the interface the
//! provider code is written against. Extend them (new optional fields,
//! default trait methods) rather than changing existing signatures.

pub mod codec;
mod convert;
pub mod diag;
pub mod model;
pub mod plan;
pub mod proto;
pub mod schema;
pub mod server;
mod service;
pub mod tls;
pub mod value;

use std::sync::Arc;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use schema::{
    Attribute, Block, FunctionDef, NestedAttributes, NestedBlock, Nesting, ObjectNesting,
    Parameter, PlanModifier, Schema,
};
pub use server::{ServeOptions, serve};
pub use value::{Number, Type, Value};

/// Signalled when Terraform calls StopProvider. Long-running work checks it
/// between steps; the layer also cancels read-only RPCs when it fires.
#[derive(Clone, Debug)]
pub struct StopToken(pub tokio::sync::watch::Receiver<bool>);

impl StopToken {
    /// A token that never fires (tests, functions).
    pub fn never() -> Self {
        let (tx, rx) = tokio::sync::watch::channel(false);
        std::mem::forget(tx);
        StopToken(rx)
    }
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }
    /// Resolves when StopProvider has been called.
    pub async fn stopped(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}

/// The whole provider, as the protocol layer sees it.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Schema of the provider's configuration block.
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    fn functions(&self) -> Vec<Arc<dyn Function>>;
    /// ValidateProviderConfig: static checks only (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
    /// ConfigureProvider: settle the configuration once per provider process, and
    /// report here what is wrong with it. It may do I/O (resolve credentials, ask
    /// an identity service) and is bounded only by the caller's own timeouts;
    /// Terraform waits for it before any plan or apply of this provider.
    async fn configure(&self, config: &Value) -> Diagnostics;
}

pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
    pub stop: StopToken,
}

pub struct ReadResponse {
    /// `Value::Null` when the object no longer exists.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct PlanRequest {
    /// `Value::Null` on create.
    pub prior_state: Value,
    /// `Value::Null` on destroy.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
    pub stop: StopToken,
}

pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    /// `Value::Null` on create.
    pub prior_state: Value,
    /// `Value::Null` on destroy.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
    pub stop: StopToken,
}

pub struct ApplyResponse {
    /// On failure, the state of what really exists (never lose a created object).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ImportedObject {
    pub state: Value,
    pub private: Vec<u8>,
}

/// MoveResourceState: Terraform found a `moved` block whose `from` is a
/// resource of another type, possibly of another provider, and asks the
/// target type to translate the stored state.
pub struct MoveStateRequest {
    /// e.g. `registry.terraform.io/hashicorp/aws`.
    pub source_provider_address: String,
    pub source_type_name: String,
    /// The source schema version the state was written with.
    pub source_schema_version: i64,
    /// The source state as Terraform stores it (JSON, the source's schema).
    pub source_state: serde_json::Value,
    pub source_private: Vec<u8>,
    pub stop: StopToken,
}

/// The translated state, as if this resource type had written it.
pub struct MovedState {
    pub state: Value,
    pub private: Vec<u8>,
    /// Warnings to show beside the move.
    pub diagnostics: Diagnostics,
}

/// What a resource type says to a move into it.
pub enum MoveOutcome {
    Moved(MovedState),
    /// The source is one this type takes, but its state cannot be moved.
    Failed(Diagnostics),
    /// This type takes no moves from that source after all (e.g. an unknown
    /// schema version); the layer lists [`Resource::move_sources`].
    NotAccepted,
}

/// A managed resource type.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// ValidateResourceConfig: static checks (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
    /// Rewrite raw JSON state written by schema `from_version` into the JSON
    /// shape of the current schema version. The layer then decodes it with the
    /// current schema type (dropping attributes the schema no longer has).
    fn upgrade_json(
        &self,
        _from_version: i64,
        json: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostic> {
        Ok(json)
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse;
    async fn plan(&self, req: PlanRequest) -> PlanResponse;
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse;
    async fn import(&self, id: &str, stop: StopToken) -> Result<Vec<ImportedObject>, Diagnostics>;
    /// The source types (`provider address`, `type name`) a `moved` block
    /// may name for this type, e.g. (`registry.terraform.io/hashicorp/aws`,
    /// `aws_s3_bucket`). The layer calls [`Resource::move_state`] only for
    /// these, and lists them when it refuses a move.
    fn move_sources(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// MoveResourceState into this type. Must not change anything remote:
    /// Terraform refreshes and plans the moved object right after.
    async fn move_state(&self, _req: MoveStateRequest) -> MoveOutcome {
        MoveOutcome::NotAccepted
    }
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
    /// Returns the full state object (config values plus computed ones).
    async fn read(&self, config: Value, stop: StopToken) -> (Value, Diagnostics);
}

/// An error from a provider function, optionally blaming one argument.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionError {
    pub text: String,
    /// Zero-based index of the argument at fault.
    pub argument: Option<i64>,
}

/// A pure provider function (`provider::NAME::FUNCTION(...)` in HCL).
pub trait Function: Send + Sync + 'static {
    fn definition(&self) -> FunctionDef;
    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError>;
}
