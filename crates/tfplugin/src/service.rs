//! The tfplugin6 Provider service: decodes requests with the schema's types,
//! calls the provider's traits, encodes answers. Every failure becomes a
//! diagnostic Terraform can show; gRPC errors are never used for user-facing
//! problems.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};

use super::codec::{self, from_msgpack};
use super::convert;
use super::proto::tfplugin6 as pb;
use super::value::{Type, Value};
use super::{
    ApplyRequest, DataSource, Diagnostic, Diagnostics, Function, MoveOutcome, MoveStateRequest,
    PlanRequest, Provider, ReadRequest, Resource, StopToken,
};

type RpcResult<T> = Result<Response<T>, Status>;

struct ResourceEntry {
    resource: Arc<dyn Resource>,
    /// Built once: every PlanResourceChange needs its plan modifiers.
    schema: super::Schema,
    ty: Type,
}

struct DataSourceEntry {
    data_source: Arc<dyn DataSource>,
    ty: Type,
}

pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_type: Type,
    resources: BTreeMap<String, ResourceEntry>,
    data_sources: BTreeMap<String, DataSourceEntry>,
    functions: HashMap<String, Arc<dyn Function>>,
    stop_tx: tokio::sync::watch::Sender<bool>,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                (
                    r.type_name().to_string(),
                    ResourceEntry {
                        ty: schema.value_type(),
                        schema,
                        resource: r,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                (
                    d.type_name().to_string(),
                    DataSourceEntry {
                        ty: d.schema().value_type(),
                        data_source: d,
                    },
                )
            })
            .collect();
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.definition().name, f))
            .collect();
        let (stop_tx, _) = tokio::sync::watch::channel(false);
        ProviderService {
            provider_type: provider.schema().value_type(),
            provider,
            resources,
            data_sources,
            functions,
            stop_tx,
        }
    }

    fn stop_token(&self) -> StopToken {
        StopToken(self.stop_tx.subscribe())
    }

    /// Runs read-only work, abandoning it when StopProvider is called.
    async fn cancellable<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let mut stop = self.stop_tx.subscribe();
        tokio::select! {
            biased;
            v = work => Some(v),
            _ = stop.wait_for(|s| *s) => None,
        }
    }

    /// The provider block, decoded with the provider's schema.
    fn provider_config(&self, dv: Option<&pb::DynamicValue>) -> Result<Value, Diagnostic> {
        decode(dv, &self.provider_type, "provider configuration")
    }

    fn resource(&self, name: &str) -> Result<&ResourceEntry, Diagnostic> {
        self.resources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!(
                    "This provider has no resource type {name:?}. Resource types: {}.",
                    list_or_none(self.resources.keys())
                ),
            )
        })
    }

    fn data_source(&self, name: &str) -> Result<&DataSourceEntry, Diagnostic> {
        self.data_sources.get(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source",
                format!(
                    "This provider has no data source {name:?}. Data sources: {}.",
                    list_or_none(self.data_sources.keys())
                ),
            )
        })
    }
}

fn list_or_none<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(String::as_str).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

fn cancelled(rpc: &str) -> Diagnostic {
    Diagnostic::error(
        "Operation cancelled",
        format!("{rpc} was cancelled because Terraform asked the provider to stop."),
    )
}

/// Decodes a DynamicValue (msgpack, or JSON when that is what was sent).
fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    let result = if dv.msgpack.is_empty() && !dv.json.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&dv.json)
            .map_err(|e| codec::CodecError::Json(e.to_string()))
            .and_then(|j| codec::from_json(&j, ty))
    } else {
        from_msgpack(&dv.msgpack, ty)
    };
    result.map_err(|e| {
        Diagnostic::error(
            "Unreadable value from Terraform",
            format!("The {what} sent by Terraform could not be decoded: {e}."),
        )
    })
}

fn log_rpc(rpc: &str, type_name: &str, started: Instant, diags: &[Diagnostic]) {
    tracing::debug!(
        rpc,
        type_name,
        elapsed_us = started.elapsed().as_micros() as u64,
        diagnostics = diags.len(),
        errors = diags.iter().filter(|d| d.is_error()).count(),
        "rpc done"
    );
}

/// Encodes a value the provider produced. A value that does not fit its
/// schema is a provider bug, reported as such rather than sent altered.
fn encode(v: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    convert::dynamic(v, ty).map_err(|e| {
        Diagnostic::error(
            "Provider produced an invalid value",
            format!(
                "The {what} this provider produced does not fit its own schema: {e}. \
                 This is a bug in the provider; nothing was sent to Terraform in its place."
            ),
        )
    })
}

/// Why an RPC could not give its normal answer: every diagnostic to show,
/// the provider's own included.
struct Failed(Diagnostics);

impl From<Diagnostic> for Failed {
    fn from(d: Diagnostic) -> Self {
        Failed(vec![d])
    }
}

impl Failed {
    /// The provider's diagnostics, then the one that stopped the answer.
    fn after(mut earlier: Diagnostics, d: Diagnostic) -> Self {
        earlier.push(d);
        Failed(earlier)
    }
}

/// An RPC's answer with the diagnostics that go with it, or why there is none.
type Outcome<T> = Result<(T, Diagnostics), Failed>;

/// Responses that carry diagnostics (all of them but CallFunction's).
trait WithDiagnostics {
    fn set_diagnostics(&mut self, diagnostics: Vec<pb::Diagnostic>);
}

macro_rules! with_diagnostics {
    ($($rpc:ident),* $(,)?) => {
        $(impl WithDiagnostics for pb::$rpc::Response {
            fn set_diagnostics(&mut self, diagnostics: Vec<pb::Diagnostic>) {
                self.diagnostics = diagnostics;
            }
        })*
    };
}

with_diagnostics!(
    get_provider_schema,
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    upgrade_resource_identity,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    move_resource_state,
    read_data_source,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
);

impl ProviderService {
    /// Where every RPC with diagnostics ends: the answer, or on failure the
    /// RPC's fallback (what Terraform should keep, e.g. the prior state);
    /// the diagnostics converted and attached; one log line.
    async fn respond<T: WithDiagnostics>(
        &self,
        rpc: &'static str,
        type_name: &str,
        fallback: impl FnOnce() -> T,
        work: impl Future<Output = Outcome<T>>,
    ) -> RpcResult<T> {
        let started = Instant::now();
        let (mut resp, diags) = match work.await {
            Ok(done) => done,
            Err(Failed(diags)) => (fallback(), diags),
        };
        log_rpc(rpc, type_name, started, &diags);
        resp.set_diagnostics(convert::diagnostics(&diags));
        Ok(Response::new(resp))
    }

    /// Read-only work that StopProvider abandons, with a diagnostic saying so.
    async fn interruptible<T>(
        &self,
        what: &str,
        work: impl Future<Output = T>,
    ) -> Result<T, Diagnostic> {
        self.cancellable(work).await.ok_or_else(|| cancelled(what))
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: Vec::new(),
            data_sources: self
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|n| pb::get_metadata::FunctionMetadata { name: n.clone() })
                .collect(),
            ephemeral_resources: Vec::new(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        let started = Instant::now();
        let resp = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider.schema())),
            resource_schemas: self
                .resources
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.data_source.schema())))
                .collect(),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(capabilities()),
            functions: self
                .functions
                .iter()
                .map(|(n, f)| (n.clone(), convert::function(&f.definition())))
                .collect(),
            ephemeral_resource_schemas: HashMap::new(),
        };
        log_rpc("GetProviderSchema", "", started, &[]);
        Ok(Response::new(resp))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        let req = request.into_inner();
        self.respond("ValidateProviderConfig", "", Default::default, async {
            let config = self.provider_config(req.config.as_ref())?;
            let diags = self.provider.validate(&config).await;
            Ok((Default::default(), diags))
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let req = request.into_inner();
        self.respond(
            "ValidateResourceConfig",
            &req.type_name,
            Default::default,
            async {
                let entry = self.resource(&req.type_name)?;
                let config = decode(req.config.as_ref(), &entry.ty, "resource configuration")?;
                let diags = entry.resource.validate(&config).await;
                Ok((Default::default(), diags))
            },
        )
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let req = request.into_inner();
        self.respond(
            "ValidateDataResourceConfig",
            &req.type_name,
            Default::default,
            async {
                let entry = self.data_source(&req.type_name)?;
                let config = decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
                let diags = entry.data_source.validate(&config).await;
                Ok((Default::default(), diags))
            },
        )
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = request.into_inner();
        self.respond(
            "UpgradeResourceState",
            &req.type_name,
            Default::default,
            async {
                let upgraded_state = upgrade_state(self, &req)?;
                Ok((
                    pb::upgrade_resource_state::Response {
                        upgraded_state,
                        ..Default::default()
                    },
                    Vec::new(),
                ))
            },
        )
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: HashMap::new(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        let req = request.into_inner();
        self.respond(
            "UpgradeResourceIdentity",
            &req.type_name,
            Default::default,
            async {
                Err(Diagnostic::error(
                    "Resource identity is not supported",
                    format!(
                        "Resource type {:?} declares no identity schema, so there is no identity \
                     data to upgrade.",
                        req.type_name
                    ),
                )
                .into())
            },
        )
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let req = request.into_inner();
        self.respond("ConfigureProvider", "", Default::default, async {
            let config = self.provider_config(req.config.as_ref())?;
            let diags = self.provider.configure(&config).await;
            Ok((Default::default(), diags))
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = request.into_inner();
        // On any failure, hand the prior state back untouched.
        let fallback = || pb::read_resource::Response {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            ..Default::default()
        };
        self.respond("ReadResource", &req.type_name, fallback, async {
            let entry = self.resource(&req.type_name)?;
            let current = decode(req.current_state.as_ref(), &entry.ty, "current state")?;
            let work = entry.resource.read(ReadRequest {
                current_state: current,
                private: req.private.clone(),
                stop: self.stop_token(),
            });
            let r = self.interruptible("Reading the resource", work).await?;
            let new_state = encode(&r.new_state, &entry.ty, "refreshed state")
                .map_err(|d| Failed::after(r.diagnostics.clone(), d))?;
            let resp = pb::read_resource::Response {
                new_state: Some(new_state),
                private: r.private,
                ..Default::default()
            };
            Ok((resp, r.diagnostics))
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = request.into_inner();
        let fallback = || pb::plan_resource_change::Response {
            planned_state: req.proposed_new_state.clone(),
            ..Default::default()
        };
        self.respond("PlanResourceChange", &req.type_name, fallback, async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let proposed = decode(
                req.proposed_new_state.as_ref(),
                &entry.ty,
                "proposed new state",
            )?;
            let config = decode(req.config.as_ref(), &entry.ty, "resource configuration")?;
            let work = crate::plan::plan_with_schema(
                &*entry.resource,
                &entry.schema,
                PlanRequest {
                    prior_state: prior,
                    proposed_new_state: proposed,
                    config,
                    prior_private: req.prior_private.clone(),
                    stop: self.stop_token(),
                },
            );
            let r = self
                .interruptible("Planning the resource change", work)
                .await?;
            let planned_state = encode(&r.planned_state, &entry.ty, "planned state")
                .map_err(|d| Failed::after(r.diagnostics.clone(), d))?;
            let resp = pb::plan_resource_change::Response {
                planned_state: Some(planned_state),
                requires_replace: r.requires_replace.iter().map(convert::path).collect(),
                planned_private: r.planned_private,
                ..Default::default()
            };
            Ok((resp, r.diagnostics))
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = request.into_inner();
        let fallback = || pb::apply_resource_change::Response {
            new_state: req.prior_state.clone(),
            ..Default::default()
        };
        self.respond("ApplyResourceChange", &req.type_name, fallback, async {
            let entry = self.resource(&req.type_name)?;
            let prior = decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
            let planned = decode(req.planned_state.as_ref(), &entry.ty, "planned state")?;
            let config = decode(req.config.as_ref(), &entry.ty, "resource configuration")?;
            // StopProvider does not cancel this call: the resource sees the
            // token and decides where it can stop without losing track of
            // what exists, and Terraform waits for the answer. Only a
            // terraform that is gone (killed) leaves an apply unanswered.
            let r = entry
                .resource
                .apply(ApplyRequest {
                    prior_state: prior,
                    planned_state: planned,
                    config,
                    planned_private: req.planned_private.clone(),
                    stop: self.stop_token(),
                })
                .await;
            let new_state = encode(&r.new_state, &entry.ty, "new state")
                .map_err(|d| Failed::after(r.diagnostics.clone(), d))?;
            let resp = pb::apply_resource_change::Response {
                new_state: Some(new_state),
                private: r.private,
                ..Default::default()
            };
            Ok((resp, r.diagnostics))
        })
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = request.into_inner();
        self.respond(
            "ImportResourceState",
            &req.type_name,
            Default::default,
            async {
                let entry = self.resource(&req.type_name)?;
                let work = entry.resource.import(&req.id, self.stop_token());
                let objects = self
                    .interruptible("Importing the resource", work)
                    .await?
                    .map_err(Failed)?;
                let imported_resources = objects
                    .iter()
                    .map(|o| {
                        Ok(pb::import_resource_state::ImportedResource {
                            type_name: req.type_name.clone(),
                            state: Some(encode(&o.state, &entry.ty, "imported state")?),
                            private: o.private.clone(),
                            identity: None,
                        })
                    })
                    .collect::<Result<_, Diagnostic>>()?;
                let resp = pb::import_resource_state::Response {
                    imported_resources,
                    ..Default::default()
                };
                Ok((resp, Vec::new()))
            },
        )
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let req = request.into_inner();
        self.respond(
            "MoveResourceState",
            &req.target_type_name,
            Default::default,
            async {
                let entry = self.resource(&req.target_type_name)?;
                let sources = entry.resource.move_sources();
                if !sources.iter().any(|&(provider, ty)| {
                    provider == req.source_provider_address && ty == req.source_type_name
                }) {
                    return Err(not_accepted(&req, &sources).into());
                }
                let source_state = source_state(&req)?;
                let work = entry.resource.move_state(MoveStateRequest {
                    source_provider_address: req.source_provider_address.clone(),
                    source_type_name: req.source_type_name.clone(),
                    source_schema_version: req.source_schema_version,
                    source_state,
                    source_private: req.source_private.clone(),
                    stop: self.stop_token(),
                });
                let moved = match self.interruptible("Moving the resource", work).await? {
                    MoveOutcome::Moved(m) => m,
                    MoveOutcome::Failed(diags) => return Err(Failed(diags)),
                    MoveOutcome::NotAccepted => return Err(not_accepted(&req, &sources).into()),
                };
                let target_state = encode(&moved.state, &entry.ty, "moved state")
                    .map_err(|d| Failed::after(moved.diagnostics.clone(), d))?;
                let resp = pb::move_resource_state::Response {
                    target_state: Some(target_state),
                    target_private: moved.private,
                    ..Default::default()
                };
                Ok((resp, moved.diagnostics))
            },
        )
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = request.into_inner();
        self.respond("ReadDataSource", &req.type_name, Default::default, async {
            let entry = self.data_source(&req.type_name)?;
            let config = decode(req.config.as_ref(), &entry.ty, "data source configuration")?;
            let work = entry.data_source.read(config, self.stop_token());
            let (state, diags) = self.interruptible("Reading the data source", work).await?;
            let state = encode(&state, &entry.ty, "data source state")
                .map_err(|d| Failed::after(diags.clone(), d))?;
            let resp = pb::read_data_source::Response {
                state: Some(state),
                ..Default::default()
            };
            Ok((resp, diags))
        })
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        let req = request.into_inner();
        self.respond(
            "ValidateEphemeralResourceConfig",
            &req.type_name,
            Default::default,
            async { Err(no_ephemeral(&req.type_name).into()) },
        )
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        let req = request.into_inner();
        self.respond(
            "OpenEphemeralResource",
            &req.type_name,
            Default::default,
            async { Err(no_ephemeral(&req.type_name).into()) },
        )
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        let req = request.into_inner();
        self.respond(
            "RenewEphemeralResource",
            &req.type_name,
            Default::default,
            async { Err(no_ephemeral(&req.type_name).into()) },
        )
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        let req = request.into_inner();
        self.respond(
            "CloseEphemeralResource",
            &req.type_name,
            Default::default,
            async { Err(no_ephemeral(&req.type_name).into()) },
        )
        .await
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self
                .functions
                .iter()
                .map(|(n, f)| (n.clone(), convert::function(&f.definition())))
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let started = Instant::now();
        let req = request.into_inner();
        let resp = call_function(self, &req);
        tracing::debug!(
            rpc = "CallFunction",
            function = %req.name,
            elapsed_us = started.elapsed().as_micros() as u64,
            failed = resp.error.is_some(),
            "rpc done"
        );
        Ok(Response::new(resp))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        tracing::info!("StopProvider: cancelling in-flight work");
        self.stop_tx.send_replace(true);
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
    }
}

/// The source state of a move, as JSON (Terraform sends it raw: only the
/// source provider knows its schema).
fn source_state(req: &pb::move_resource_state::Request) -> Result<serde_json::Value, Diagnostic> {
    let raw = req.source_state.as_ref();
    let json = raw.map(|r| r.json.as_slice()).unwrap_or_default();
    if json.is_empty() {
        let detail = if raw.is_some_and(|r| !r.flatmap.is_empty()) {
            "it is in the flatmap format of Terraform 0.11; apply once with a current \
             Terraform so it is stored as JSON, then move it"
        } else {
            "Terraform sent no state for it"
        };
        return Err(Diagnostic::error(
            "Cannot move the resource",
            format!(
                "The state of {} ({}) cannot be moved to {}: {detail}.",
                req.source_type_name, req.source_provider_address, req.target_type_name
            ),
        ));
    }
    serde_json::from_slice(json).map_err(|e| {
        Diagnostic::error(
            "Cannot move the resource",
            format!(
                "The state of {} ({}) is not valid JSON: {e}.",
                req.source_type_name, req.source_provider_address
            ),
        )
    })
}

fn not_accepted(req: &pb::move_resource_state::Request, sources: &[(&str, &str)]) -> Diagnostic {
    let accepted = if sources.is_empty() {
        format!(
            "{} accepts no moves from other resource types",
            req.target_type_name
        )
    } else {
        format!(
            "{} accepts moves from {}",
            req.target_type_name,
            sources
                .iter()
                .map(|(provider, ty)| format!("{ty} ({provider})"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Diagnostic::error(
        "Cannot move the resource",
        format!(
            "A `moved` block asks to turn {} ({}) into {}, but {accepted}. Remove the \
             `moved` block and import the object into {} instead.",
            req.source_type_name,
            req.source_provider_address,
            req.target_type_name,
            req.target_type_name
        ),
    )
}

fn no_ephemeral(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Ephemeral resources are not supported",
        format!(
            "This provider has no ephemeral resource types, so {type_name:?} cannot be opened."
        ),
    )
}

fn upgrade_state(
    svc: &ProviderService,
    req: &pb::upgrade_resource_state::Request,
) -> Result<Option<pb::DynamicValue>, Diagnostic> {
    let entry = svc.resource(&req.type_name)?;
    if req.version > entry.schema.version {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "The stored state of this {} has schema version {}, but this provider \
                 release understands versions up to {}. Upgrade the provider.",
                req.type_name, req.version, entry.schema.version
            ),
        ));
    }
    let raw = req.raw_state.as_ref();
    let json_bytes = raw.map(|r| r.json.as_slice()).unwrap_or_default();
    if json_bytes.is_empty() {
        if raw.is_some_and(|r| !r.flatmap.is_empty()) {
            return Err(Diagnostic::error(
                "Unsupported legacy state format",
                format!(
                    "The stored state of this {} is in the flatmap format of Terraform 0.11, \
                     which this provider never wrote. Remove it from state and import it again.",
                    req.type_name
                ),
            ));
        }
        return encode(&Value::Null, &entry.ty, "upgraded state").map(Some);
    }
    let json: serde_json::Value = serde_json::from_slice(json_bytes).map_err(|e| {
        Diagnostic::error(
            "Unreadable stored state",
            format!(
                "The stored state of this {} is not valid JSON: {e}.",
                req.type_name
            ),
        )
    })?;
    let json = entry.resource.upgrade_json(req.version, json)?;
    let value = codec::from_json(&json, &entry.ty).map_err(|e| {
        Diagnostic::error(
            "Unreadable stored state",
            format!(
                "The stored state of this {} (schema version {}) does not match the \
                 current schema: {e}.",
                req.type_name, req.version
            ),
        )
    })?;
    encode(&value, &entry.ty, "upgraded state").map(Some)
}

fn call_function(
    svc: &ProviderService,
    req: &pb::call_function::Request,
) -> pb::call_function::Response {
    let fail = |text: String, argument: Option<i64>| pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text,
            function_argument: argument,
        }),
    };
    let Some(f) = svc.functions.get(&req.name) else {
        return fail(
            format!(
                "This provider has no function {:?}. Functions: {}.",
                req.name,
                list_or_none(svc.functions.keys())
            ),
            None,
        );
    };
    let def = f.definition();
    let mut args = Vec::with_capacity(req.arguments.len());
    for (i, arg) in req.arguments.iter().enumerate() {
        let param = def.parameters.get(i).or(def.variadic_parameter.as_ref());
        let Some(param) = param else {
            return fail(
                format!(
                    "{} takes {} argument(s), got {}.",
                    def.name,
                    def.parameters.len(),
                    req.arguments.len()
                ),
                None,
            );
        };
        match decode(Some(arg), &param.ty, &format!("argument {:?}", param.name)) {
            Ok(v) => args.push(v),
            Err(d) => return fail(d.detail, Some(i as i64)),
        }
    }
    match f
        .call(args)
        .map(|v| encode(&v, &def.return_type, "function result"))
    {
        Ok(Ok(result)) => pb::call_function::Response {
            result: Some(result),
            error: None,
        },
        Ok(Err(d)) => fail(d.detail, None),
        Err(e) => fail(e.text, e.argument),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tfplugin6::provider_server::Provider as _;
    use crate::{
        ApplyResponse, Attribute, AttributePath, Block, Diagnostics, FunctionDef, FunctionError,
        ImportedObject, Parameter, PlanResponse, ReadResponse, Schema,
    };

    struct TestProvider;
    struct Thing;
    struct Slow;
    struct Upper;

    fn thing_schema() -> Schema {
        Schema {
            version: 2,
            block: Block {
                description: "A thing.".into(),
                attributes: vec![
                    Attribute::computed("id", Type::String, "Identifier."),
                    Attribute::required("name", Type::String, "Name."),
                ],
                ..Default::default()
            },
        }
    }

    #[async_trait::async_trait]
    impl Provider for TestProvider {
        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    attributes: vec![Attribute::optional("region", Type::String, "Region.")],
                    ..Default::default()
                },
            }
        }
        fn resources(&self) -> Vec<Arc<dyn Resource>> {
            vec![Arc::new(Thing)]
        }
        fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
            vec![Arc::new(Slow)]
        }
        fn functions(&self) -> Vec<Arc<dyn Function>> {
            vec![Arc::new(Upper)]
        }
        async fn configure(&self, config: &Value) -> Diagnostics {
            match config.get("region").as_str() {
                Some("bad") => vec![
                    Diagnostic::error("Invalid region", "\"bad\" is not a region").at("region"),
                ],
                _ => Vec::new(),
            }
        }
    }

    #[async_trait::async_trait]
    impl Resource for Thing {
        fn type_name(&self) -> &'static str {
            "test_thing"
        }
        fn schema(&self) -> Schema {
            thing_schema()
        }
        fn upgrade_json(
            &self,
            from_version: i64,
            mut json: serde_json::Value,
        ) -> Result<serde_json::Value, Diagnostic> {
            // Version 1 called the attribute "title".
            if from_version < 2
                && let Some(obj) = json.as_object_mut()
                && let Some(t) = obj.remove("title")
            {
                obj.insert("name".into(), t);
            }
            Ok(json)
        }
        async fn read(&self, req: ReadRequest) -> ReadResponse {
            let mut new_state = req.current_state;
            let mut diagnostics = Vec::new();
            // A provider bug on purpose: an attribute the schema lacks.
            if new_state.get("name").as_str() == Some("sloppy") {
                new_state.set("colour", Value::string("red"));
                diagnostics.push(Diagnostic::warning("Read note", "kept"));
            }
            ReadResponse {
                new_state,
                private: req.private,
                diagnostics,
            }
        }
        async fn plan(&self, req: PlanRequest) -> PlanResponse {
            let mut planned = req.proposed_new_state;
            if req.prior_state.is_null() {
                planned.set("id", Value::Unknown);
            }
            PlanResponse {
                planned_state: planned,
                requires_replace: vec![AttributePath::attr("name")],
                planned_private: Vec::new(),
                diagnostics: vec![
                    Diagnostic::warning("Heads up", "detail")
                        .at_path(AttributePath::attr("name").then_key("k").then_index(3)),
                ],
            }
        }
        async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
            let mut state = req.planned_state;
            if !state.is_null() {
                state.set("id", Value::string("t-1"));
            }
            ApplyResponse {
                new_state: state,
                private: b"p".to_vec(),
                diagnostics: Vec::new(),
            }
        }
        async fn import(
            &self,
            id: &str,
            _stop: StopToken,
        ) -> Result<Vec<ImportedObject>, Diagnostics> {
            Ok(vec![ImportedObject {
                state: Value::object([("id", Value::string(id)), ("name", Value::Null)]),
                private: Vec::new(),
            }])
        }
    }

    #[async_trait::async_trait]
    impl DataSource for Slow {
        fn type_name(&self) -> &'static str {
            "test_slow"
        }
        fn schema(&self) -> Schema {
            thing_schema()
        }
        async fn read(&self, config: Value, _stop: StopToken) -> (Value, Diagnostics) {
            if config.get("name").as_str() == Some("forever") {
                std::future::pending::<()>().await;
            }
            (config, Vec::new())
        }
    }

    impl Function for Upper {
        fn definition(&self) -> FunctionDef {
            FunctionDef {
                name: "upper".into(),
                summary: "Upper-cases.".into(),
                description: "Upper-cases a string.".into(),
                parameters: vec![Parameter {
                    name: "s".into(),
                    ty: Type::String,
                    description: "Input.".into(),
                    allow_null_value: false,
                    allow_unknown_values: false,
                }],
                variadic_parameter: None,
                return_type: Type::String,
            }
        }
        fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
            match args.first().and_then(Value::as_str) {
                Some("") => Err(FunctionError {
                    text: "s must not be empty".into(),
                    argument: Some(0),
                }),
                Some(s) => Ok(Value::string(s.to_uppercase())),
                None => Err(FunctionError {
                    text: "s must be a string".into(),
                    argument: Some(0),
                }),
            }
        }
    }

    fn svc() -> ProviderService {
        ProviderService::new(Arc::new(TestProvider))
    }

    fn thing_type() -> Type {
        thing_schema().value_type()
    }

    fn dv(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
        Some(convert::dynamic(v, ty).unwrap_or_else(|e| panic!("{e}")))
    }

    fn undv(d: Option<pb::DynamicValue>, ty: &Type) -> Value {
        let d = d.unwrap_or_else(|| panic!("no value in response"));
        from_msgpack(&d.msgpack, ty).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn schema_lists_everything_with_plan_destroy() {
        let r = svc()
            .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert!(r.server_capabilities.is_some_and(|c| c.plan_destroy));
        let thing = &r.resource_schemas["test_thing"];
        assert_eq!(thing.version, 2);
        let attrs = &thing
            .block
            .as_ref()
            .map(|b| b.attributes.clone())
            .unwrap_or_default();
        assert_eq!(attrs[0].name, "id");
        assert_eq!(attrs[0].r#type, br#""string""#);
        assert!(attrs[0].computed && !attrs[0].required);
        assert!(r.data_source_schemas.contains_key("test_slow"));
        assert_eq!(r.functions["upper"].parameters[0].name, "s");
    }

    #[tokio::test]
    async fn configure_diagnostics_carry_the_attribute_path() {
        let ty = TestProvider.schema().value_type();
        let r = svc()
            .configure_provider(Request::new(pb::configure_provider::Request {
                terraform_version: "1.11.4".into(),
                config: dv(&Value::object([("region", Value::string("bad"))]), &ty),
                client_capabilities: None,
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
        let d = &r.diagnostics[0];
        assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(d.summary, "Invalid region");
        let steps = &d
            .attribute
            .as_ref()
            .map(|a| a.steps.clone())
            .unwrap_or_default();
        assert_eq!(
            steps[0].selector,
            Some(pb::attribute_path::step::Selector::AttributeName(
                "region".into()
            ))
        );
    }

    #[tokio::test]
    async fn plan_and_apply_round_trip_through_msgpack() {
        let s = svc();
        let ty = thing_type();
        let config = Value::object([("id", Value::Null), ("name", Value::string("n"))]);
        let plan = s
            .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                type_name: "test_thing".into(),
                prior_state: dv(&Value::Null, &ty),
                proposed_new_state: dv(&config, &ty),
                config: dv(&config, &ty),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        let planned = undv(plan.planned_state.clone(), &ty);
        assert_eq!(planned.get("id"), &Value::Unknown);
        assert_eq!(plan.requires_replace.len(), 1);
        let steps = &plan.diagnostics[0]
            .attribute
            .as_ref()
            .map(|a| a.steps.clone())
            .unwrap_or_default();
        use pb::attribute_path::step::Selector;
        assert_eq!(
            steps.iter().map(|s| s.selector.clone()).collect::<Vec<_>>(),
            vec![
                Some(Selector::AttributeName("name".into())),
                Some(Selector::ElementKeyString("k".into())),
                Some(Selector::ElementKeyInt(3)),
            ]
        );
        let apply = s
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "test_thing".into(),
                prior_state: dv(&Value::Null, &ty),
                planned_state: plan.planned_state,
                config: dv(&config, &ty),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        let state = undv(apply.new_state, &ty);
        assert_eq!(state.get("id"), &Value::string("t-1"));
        assert_eq!(state.get("name"), &Value::string("n"));
        assert_eq!(apply.private, b"p");
    }

    #[tokio::test]
    async fn a_state_with_an_undeclared_attribute_is_refused_and_the_prior_state_kept() {
        let ty = thing_type();
        let current = dv(
            &Value::object([
                ("id", Value::string("t-1")),
                ("name", Value::string("sloppy")),
            ]),
            &ty,
        );
        let r = svc()
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "test_thing".into(),
                current_state: current.clone(),
                private: b"kept".to_vec(),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        let summaries: Vec<&str> = r.diagnostics.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Read note", "Provider produced an invalid value"]
        );
        assert!(
            r.diagnostics[1].detail.contains("\"colour\"")
                && r.diagnostics[1].detail.contains("refreshed state"),
            "{}",
            r.diagnostics[1].detail
        );
        assert_eq!(r.new_state, current, "Terraform keeps what it had");
        assert_eq!(r.private, b"kept");
    }

    #[tokio::test]
    async fn unknown_type_is_a_diagnostic_naming_the_known_types() {
        let r = svc()
            .read_resource(Request::new(pb::read_resource::Request {
                type_name: "test_nope".into(),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
        assert!(
            r.diagnostics[0].detail.contains("test_thing"),
            "{:?}",
            r.diagnostics
        );
    }

    #[tokio::test]
    async fn upgrade_applies_upgrade_json_and_drops_unknown_attributes() {
        let s = svc();
        let raw = serde_json::json!({"id": "t-9", "title": "old", "gone": true});
        let r = s
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "test_thing".into(),
                version: 1,
                raw_state: Some(pb::RawState {
                    json: raw.to_string().into_bytes(),
                    flatmap: Default::default(),
                }),
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let v = undv(r.upgraded_state, &thing_type());
        assert_eq!(
            v,
            Value::object([("id", Value::string("t-9")), ("name", Value::string("old"))])
        );

        let newer = s
            .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                type_name: "test_thing".into(),
                version: 3,
                raw_state: Some(pb::RawState {
                    json: b"{}".to_vec(),
                    flatmap: Default::default(),
                }),
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(
            newer.diagnostics[0].summary,
            "State written by a newer provider"
        );
    }

    #[tokio::test]
    async fn stop_provider_cancels_reads_in_flight() {
        let s = Arc::new(svc());
        let ty = thing_type();
        let config = Value::object([("id", Value::Null), ("name", Value::string("forever"))]);
        let reader = {
            let s = s.clone();
            let config = dv(&config, &ty);
            tokio::spawn(async move {
                s.read_data_source(Request::new(pb::read_data_source::Request {
                    type_name: "test_slow".into(),
                    config,
                    ..Default::default()
                }))
                .await
            })
        };
        tokio::task::yield_now().await;
        s.stop_provider(Request::new(pb::stop_provider::Request {}))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let r = reader
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].summary, "Operation cancelled");
        assert!(r.state.is_none());
    }

    #[tokio::test]
    async fn functions_return_results_and_blame_arguments() {
        let s = svc();
        let call = |arg: Value| pb::call_function::Request {
            name: "upper".into(),
            arguments: vec![
                convert::dynamic(&arg, &Type::String).unwrap_or_else(|e| panic!("{e}")),
            ],
        };
        let ok = s
            .call_function(Request::new(call(Value::string("abc"))))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(undv(ok.result, &Type::String), Value::string("ABC"));
        let bad = s
            .call_function(Request::new(call(Value::string(""))))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        let err = bad.error.unwrap_or_else(|| panic!("expected an error"));
        assert_eq!(err.function_argument, Some(0));
        assert!(err.text.contains("empty"));
        let missing = s
            .call_function(Request::new(pb::call_function::Request {
                name: "nope".into(),
                arguments: Vec::new(),
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert!(missing.error.is_some_and(|e| e.text.contains("upper")));
    }

    #[tokio::test]
    async fn import_encodes_states_and_moves_into_a_type_without_sources_are_refused() {
        let s = svc();
        let r = s
            .import_resource_state(Request::new(pb::import_resource_state::Request {
                type_name: "test_thing".into(),
                id: "t-5".into(),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(r.imported_resources.len(), 1);
        let v = undv(r.imported_resources[0].state.clone(), &thing_type());
        assert_eq!(v.get("id"), &Value::string("t-5"));
        let m = s
            .move_resource_state(Request::new(pb::move_resource_state::Request {
                source_type_name: "other_thing".into(),
                target_type_name: "test_thing".into(),
                ..Default::default()
            }))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_inner();
        assert_eq!(m.diagnostics[0].summary, "Cannot move the resource");
        assert!(
            m.diagnostics[0]
                .detail
                .contains("test_thing accepts no moves from other resource types"),
            "{:?}",
            m.diagnostics[0]
        );
        assert!(m.target_state.is_none());
    }
}
