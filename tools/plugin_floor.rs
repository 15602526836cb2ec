//! The plugin floor: a provider with this provider's schemas that does no
//! work of its own. Its `apigw_rotating_client_certificate` hands back the
//! state it is given (ReadResource), plans exactly what Terraform proposes
//! (PlanResourceChange) and cannot apply; configuration is accepted without
//! contacting anything. A steady `terraform plan` of an existing state with
//! it costs what the plugin protocol and this schema cost Terraform and the
//! `tfplugin` layer, without the resource's own logic. For benchmarks only
//! (the `floor-plugin` configuration of `make bench`); never installed by
//! `make install`.

use std::sync::Arc;

use tfplugin::{
    ApplyRequest, ApplyResponse, DataSource, Diagnostic, Diagnostics, Function, ImportedObject,
    PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse, Resource, Schema, StopToken,
    Value,
};

struct Floor {
    real: terraform_provider_apigw::provider::ApigwProvider,
}

#[async_trait::async_trait]
impl Provider for Floor {
    fn schema(&self) -> Schema {
        self.real.schema()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        self.real
            .resources()
            .into_iter()
            .map(|r| {
                Arc::new(Echo {
                    type_name: r.type_name(),
                    schema: r.schema(),
                }) as Arc<dyn Resource>
            })
            .collect()
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    async fn configure(&self, _config: &Value) -> Diagnostics {
        Vec::new()
    }
}

/// A resource type that echoes: the least any provider with its schema does.
struct Echo {
    type_name: &'static str,
    schema: Schema,
}

#[async_trait::async_trait]
impl Resource for Echo {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Vec::new(),
        }
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: req.proposed_new_state,
            requires_replace: Vec::new(),
            planned_private: req.prior_private,
            diagnostics: Vec::new(),
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: req.prior_state,
            private: Vec::new(),
            diagnostics: vec![unsupported("apply")],
        }
    }
    async fn import(
        &self,
        _id: &str,
        _stop: StopToken,
    ) -> Result<Vec<ImportedObject>, Diagnostics> {
        Err(vec![unsupported("import")])
    }
}

fn unsupported(what: &str) -> Diagnostic {
    Diagnostic::error(
        format!("The plugin floor does not {what}"),
        "This provider exists to time plans of an existing state; apply and import with terraform-provider-apigw.",
    )
}

fn main() -> std::process::ExitCode {
    tfplugin::serve(
        Floor {
            real: terraform_provider_apigw::provider::new(),
        },
        &tfplugin::ServeOptions::new("terraform-provider-apigw")
            .log_targets(["plugin_floor"])
            .socket_dir_prefix("tfprov-apigw-floor"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor's resource type, as the server gets it.
    fn echo() -> Arc<dyn Resource> {
        let floor = Floor {
            real: terraform_provider_apigw::provider::new(),
        };
        floor.resources().remove(0)
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .block_on(f)
    }

    #[test]
    fn it_has_the_real_schemas_and_echoes_state_and_private_bytes() {
        let floor = Floor {
            real: terraform_provider_apigw::provider::new(),
        };
        let names: Vec<_> = floor.resources().iter().map(|r| r.type_name()).collect();
        let real: Vec<_> = floor
            .real
            .resources()
            .iter()
            .map(|r| r.type_name())
            .collect();
        assert_eq!(names, real);

        let e = echo();
        let state = Value::String("the state".into());
        let read = run(e.read(ReadRequest {
            current_state: state.clone(),
            private: b"{\"t\":1}".to_vec(),
            stop: StopToken::never(),
        }));
        assert_eq!(read.new_state, state);
        assert_eq!(read.private, b"{\"t\":1}");
        assert!(read.diagnostics.is_empty());

        let proposed = Value::String("proposed".into());
        let plan = run(e.plan(PlanRequest {
            prior_state: state.clone(),
            proposed_new_state: proposed.clone(),
            config: Value::Null,
            prior_private: b"p".to_vec(),
            stop: StopToken::never(),
        }));
        assert_eq!(plan.planned_state, proposed);
        assert_eq!(plan.planned_private, b"p");
        assert!(plan.requires_replace.is_empty() && plan.diagnostics.is_empty());
    }

    #[test]
    fn it_refuses_to_apply_and_keeps_the_prior_state() {
        let e = echo();
        let prior = Value::String("prior".into());
        let applied = run(e.apply(ApplyRequest {
            prior_state: prior.clone(),
            planned_state: Value::String("planned".into()),
            config: Value::Null,
            planned_private: Vec::new(),
            stop: StopToken::never(),
        }));
        assert_eq!(applied.new_state, prior);
        assert!(
            applied.diagnostics.iter().any(|d| d.is_error()),
            "an apply must fail"
        );
    }
}
