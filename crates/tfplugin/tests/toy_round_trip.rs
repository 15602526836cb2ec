//! A provider built on this crate alone (the toy provider in `support/`, one
//! resource) is driven the way Terraform drives it: launched as a plugin,
//! spoken to over gRPC with mutual TLS, values in msgpack. Create, refresh,
//! replace, import and destroy of one `toy_note`, and a `moved` block from
//! another provider's resource type into it.

mod support;

use support::plugin::{ProviderProcess, channel, launch, runtime, terraform_like_identity};
use support::toy_provider::ToyProvider;
use tfplugin::codec::{from_msgpack, to_msgpack};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::{Provider as _, Type, Value};

type Client = pb::provider_client::ProviderClient<tonic::transport::Channel>;

/// The resource's value type, from the same definition the plugin serves.
fn note_type() -> Type {
    let resources = ToyProvider::default().resources();
    let note = resources
        .iter()
        .find(|r| r.type_name() == "toy_note")
        .unwrap_or_else(|| panic!("the toy provider has no toy_note"));
    note.schema().value_type()
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: to_msgpack(v, &note_type()).unwrap_or_else(|e| panic!("{e}")),
        json: Vec::new(),
    })
}

fn value(dv: Option<pb::DynamicValue>) -> Value {
    let dv = dv.unwrap_or_else(|| panic!("the response carries no value"));
    from_msgpack(&dv.msgpack, &note_type())
        .unwrap_or_else(|e| panic!("the response's value does not decode: {e}"))
}

fn no_diagnostics(what: &str, diagnostics: &[pb::Diagnostic]) {
    assert!(diagnostics.is_empty(), "{what}: {diagnostics:?}");
}

fn config(text: &str) -> Value {
    Value::object([
        ("id", Value::Null),
        ("text", Value::string(text)),
        ("length", Value::Null),
    ])
}

fn note(id: &str, text: &str, length: f64) -> Value {
    Value::object([
        ("id", Value::string(id)),
        ("text", Value::string(text)),
        ("length", Value::number(length)),
    ])
}

fn attribute_names(paths: &[pb::AttributePath]) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    paths
        .iter()
        .flat_map(|p| &p.steps)
        .filter_map(|s| match &s.selector {
            Some(Selector::AttributeName(n)) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

async fn connect(p: &ProviderProcess, identity: &support::plugin::ClientIdentity) -> Client {
    let ch = channel(p, Some(identity))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the toy provider: {e}"));
    pb::provider_client::ProviderClient::new(ch)
}

async fn plan(
    c: &mut Client,
    prior: &Value,
    proposed: &Value,
    cfg: &Value,
) -> pb::plan_resource_change::Response {
    c.plan_resource_change(pb::plan_resource_change::Request {
        type_name: "toy_note".into(),
        prior_state: dv(prior),
        proposed_new_state: dv(proposed),
        config: dv(cfg),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("PlanResourceChange failed: {e}"))
    .into_inner()
}

async fn apply(c: &mut Client, prior: &Value, planned: &Value, cfg: &Value) -> Value {
    let r = c
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "toy_note".into(),
            prior_state: dv(prior),
            planned_state: dv(planned),
            config: dv(cfg),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("ApplyResourceChange failed: {e}"))
        .into_inner();
    no_diagnostics("apply", &r.diagnostics);
    value(r.new_state)
}

async fn read(c: &mut Client, current: &Value) -> Value {
    let r = c
        .read_resource(pb::read_resource::Request {
            type_name: "toy_note".into(),
            current_state: dv(current),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("ReadResource failed: {e}"))
        .into_inner();
    no_diagnostics("read", &r.diagnostics);
    value(r.new_state)
}

#[test]
fn toy_note_create_read_replace_import_destroy_over_mtls() {
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let rt = runtime();
    rt.block_on(async {
        let mut c = connect(&p, &terraform).await;

        let schema = c
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .unwrap_or_else(|e| panic!("GetProviderSchema failed: {e}"))
            .into_inner();
        assert_eq!(
            schema.resource_schemas.keys().collect::<Vec<_>>(),
            ["toy_note"]
        );

        let configured = c
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.11.4".into(),
                config: Some(pb::DynamicValue {
                    msgpack: to_msgpack(
                        &Value::object([("greeting", Value::string("hi"))]),
                        &ToyProvider::default().schema().value_type(),
                    )
                    .unwrap_or_else(|e| panic!("{e}")),
                    json: Vec::new(),
                }),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("ConfigureProvider failed: {e}"))
            .into_inner();
        no_diagnostics("configure", &configured.diagnostics);

        let validated = c
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: "toy_note".into(),
                config: dv(&config("hello")),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("ValidateResourceConfig failed: {e}"))
            .into_inner();
        no_diagnostics("validate", &validated.diagnostics);

        // Create: what the provider computes is unknown in the plan.
        let cfg = config("hello");
        let planned = plan(&mut c, &Value::Null, &cfg, &cfg).await;
        no_diagnostics("plan create", &planned.diagnostics);
        assert!(planned.requires_replace.is_empty());
        assert_eq!(
            value(planned.planned_state.clone()),
            Value::object([
                ("id", Value::Unknown),
                ("text", Value::string("hello")),
                ("length", Value::Unknown),
            ])
        );
        let created = apply(&mut c, &Value::Null, &value(planned.planned_state), &cfg).await;
        assert_eq!(created, note("note-1", "hello", 5.0));

        // Refresh finds it; an unchanged configuration plans no change.
        assert_eq!(read(&mut c, &created).await, created);
        let same = plan(&mut c, &created, &created, &cfg).await;
        no_diagnostics("plan unchanged", &same.diagnostics);
        assert!(same.requires_replace.is_empty());
        assert_eq!(value(same.planned_state), created);

        // A new text replaces the note.
        let cfg2 = config("hello, world");
        let mut proposed = created.clone();
        proposed.set("text", Value::string("hello, world"));
        let replace = plan(&mut c, &created, &proposed, &cfg2).await;
        no_diagnostics("plan replace", &replace.diagnostics);
        assert_eq!(attribute_names(&replace.requires_replace), ["text"]);
        assert_eq!(
            value(replace.planned_state.clone()).get("id"),
            &Value::Unknown
        );
        // Terraform carries a replacement out as destroy, then create.
        assert_eq!(
            apply(&mut c, &created, &Value::Null, &Value::Null).await,
            Value::Null
        );
        assert_eq!(
            read(&mut c, &created).await,
            Value::Null,
            "the old note is gone"
        );
        let planned2 = plan(&mut c, &Value::Null, &cfg2, &cfg2).await;
        let replaced = apply(&mut c, &Value::Null, &value(planned2.planned_state), &cfg2).await;
        assert_eq!(replaced, note("note-2", "hello, world", 12.0));

        // Import by ID yields the same state as the apply did.
        let imported = c
            .import_resource_state(pb::import_resource_state::Request {
                type_name: "toy_note".into(),
                id: "note-2".into(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("ImportResourceState failed: {e}"))
            .into_inner();
        no_diagnostics("import", &imported.diagnostics);
        let states: Vec<Value> = imported
            .imported_resources
            .into_iter()
            .map(|r| value(r.state))
            .collect();
        assert_eq!(states, std::slice::from_ref(&replaced));

        // Destroy: planned null, applied null, gone at refresh.
        let destroy = plan(&mut c, &replaced, &Value::Null, &Value::Null).await;
        no_diagnostics("plan destroy", &destroy.diagnostics);
        assert_eq!(value(destroy.planned_state), Value::Null);
        assert_eq!(
            apply(&mut c, &replaced, &Value::Null, &Value::Null).await,
            Value::Null
        );
        assert_eq!(read(&mut c, &replaced).await, Value::Null);
    });
}

async fn move_from(
    c: &mut Client,
    provider: &str,
    type_name: &str,
    version: i64,
    state: &serde_json::Value,
) -> pb::move_resource_state::Response {
    c.move_resource_state(pb::move_resource_state::Request {
        source_provider_address: provider.into(),
        source_type_name: type_name.into(),
        source_schema_version: version,
        source_state: Some(pb::RawState {
            json: serde_json::to_vec(state).unwrap_or_else(|e| panic!("{e}")),
            flatmap: Default::default(),
        }),
        target_type_name: "toy_note".into(),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("MoveResourceState failed: {e}"))
    .into_inner()
}

#[test]
fn another_providers_memo_moves_into_a_toy_note_without_creating_anything() {
    use support::toy_provider::{MEMO_PROVIDER, MEMO_TYPE};
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let rt = runtime();
    rt.block_on(async {
        let mut c = connect(&p, &terraform).await;
        let schema = c
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .unwrap_or_else(|e| panic!("GetProviderSchema failed: {e}"))
            .into_inner();
        assert!(
            schema
                .server_capabilities
                .is_some_and(|s| s.move_resource_state),
            "Terraform only calls MoveResourceState when the capability is announced"
        );

        // The remote object exists (made through the toy); the memo
        // provider's state describes it in its own shape.
        let cfg = config("hello");
        let planned = plan(&mut c, &Value::Null, &cfg, &cfg).await;
        let created = apply(&mut c, &Value::Null, &value(planned.planned_state), &cfg).await;
        assert_eq!(created, note("note-1", "hello", 5.0));

        for (version, memo) in [
            (
                0,
                serde_json::json!({"id": "note-1", "body": "hello", "pinned": true}),
            ),
            (1, serde_json::json!({"id": "note-1", "content": "hello"})),
        ] {
            let moved = move_from(&mut c, MEMO_PROVIDER, MEMO_TYPE, version, &memo).await;
            no_diagnostics("move", &moved.diagnostics);
            let state = value(moved.target_state);
            assert_eq!(state, created, "memo schema {version}");
            // Terraform refreshes and plans the moved object: it is found,
            // and the unchanged configuration plans no change.
            assert_eq!(read(&mut c, &state).await, created);
            let same = plan(&mut c, &state, &state, &cfg).await;
            no_diagnostics("plan after move", &same.diagnostics);
            assert!(same.requires_replace.is_empty());
            assert_eq!(value(same.planned_state), created);
        }

        // Nothing was created by the moves: the next note is note-2.
        let cfg2 = config("second");
        let planned = plan(&mut c, &Value::Null, &cfg2, &cfg2).await;
        let second = apply(&mut c, &Value::Null, &value(planned.planned_state), &cfg2).await;
        assert_eq!(second.get("id"), &Value::string("note-2"));

        // The resource's own refusal: a schema version it does not know.
        let refused = move_from(
            &mut c,
            MEMO_PROVIDER,
            MEMO_TYPE,
            7,
            &serde_json::json!({"id": "note-1"}),
        )
        .await;
        assert!(refused.target_state.is_none());
        assert_eq!(refused.diagnostics.len(), 1, "{:?}", refused.diagnostics);
        assert_eq!(refused.diagnostics[0].summary, "Unknown Memo Schema");
        assert!(refused.diagnostics[0].detail.contains("version 7"));

        // The layer's refusal: a source the type does not list, named with
        // what it does accept.
        let other = move_from(
            &mut c,
            "registry.terraform.io/example/other",
            MEMO_TYPE,
            0,
            &serde_json::json!({"id": "x", "body": "y"}),
        )
        .await;
        assert!(other.target_state.is_none());
        let d = &other.diagnostics[0];
        assert_eq!(d.summary, "Cannot move the resource");
        assert!(
            d.detail
                .contains("memo_entry (registry.terraform.io/example/other)")
                && d.detail.contains(
                    "toy_note accepts moves from memo_entry (registry.terraform.io/example/memo)"
                ),
            "{}",
            d.detail
        );

        // State Terraform 0.11 wrote (flatmap) is explained, not misread.
        let flat = c
            .move_resource_state(pb::move_resource_state::Request {
                source_provider_address: MEMO_PROVIDER.into(),
                source_type_name: MEMO_TYPE.into(),
                source_state: Some(pb::RawState {
                    json: Vec::new(),
                    flatmap: [("id".to_string(), "note-1".to_string())].into(),
                }),
                target_type_name: "toy_note".into(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("MoveResourceState failed: {e}"))
            .into_inner();
        assert!(
            flat.diagnostics[0].detail.contains("flatmap"),
            "{:?}",
            flat.diagnostics
        );
    });
}
