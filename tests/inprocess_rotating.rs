//! The in-process tier: the rotating certificate's refresh, plan and apply
//! driven through the protocol layer's `Resource` trait against the
//! in-process emulator, on a fixed clock, without Terraform. It holds the
//! fault matrix: every API call that create, rotate, promote, retire and
//! destroy make fails once; afterwards the state matches the emulator, no
//! stage presents a deleted certificate, and the next apply converges.
//!
//! Each "Terraform command" gets a fresh provider context (as Terraform
//! starts a fresh provider process), sharing the fixed clock.

#[path = "../tools/seed_api.rs"]
mod seed_api;

use std::collections::BTreeSet;
use std::sync::Arc;

use apigw_emulator::{Config, FaultSpec, Handle};
use terraform_provider_apigw::apigw::{self, Settings};
use terraform_provider_apigw::clock::Clock;
use terraform_provider_apigw::context::Context;
use terraform_provider_apigw::provider;
use tfplugin::{
    ApplyRequest, Diagnostics, PlanRequest, Provider, ReadRequest, Resource, Severity, StopToken,
    Value,
};

const DAY: i64 = 86_400;
const REGION: &str = "us-east-1";
const TYPE: &str = "apigw_rotating_client_certificate";
const STAGE: &str = "prod";

struct World {
    emu: Handle,
    clock: Clock,
    sdk: aws_sdk_apigateway::Client,
    api: String,
    config: Value,
    state: Value,
    private: Vec<u8>,
    /// The provider's `max_retries`.
    max_retries: u32,
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

fn config(pairs: &[(&str, &str)]) -> Value {
    let mut v = Value::object([
        ("description", Value::Null),
        ("rotate_before", Value::Null),
        ("promote_after", Value::Null),
        ("overlap", Value::Null),
        ("tags", Value::Null),
        ("rotation_triggers", Value::Null),
        ("retire_guard", Value::Null),
    ]);
    for (k, val) in pairs {
        v.set(k, Value::string(*val));
    }
    v
}

impl World {
    async fn new(settings: &[(&str, &str)]) -> World {
        let emu = apigw_emulator::spawn(Config::default())
            .await
            .unwrap_or_else(|e| panic!("emulator: {e}"));
        // The fixed clock starts at the emulator's present.
        let probe = emu
            .generate_certificate(Some("clock probe".to_string()), Default::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let sdk = seed_api::client(&emu.url(), REGION).await;
        let api = seed_api::create_api(&sdk, "payments", &[STAGE])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let clock = Clock::fixed(probe.created);
        let w = World {
            emu,
            clock,
            sdk,
            api,
            config: config(settings),
            state: Value::Null,
            private: Vec::new(),
            max_retries: Settings::default().max_retries,
        };
        w.delete_outside(&probe.id).await;
        w
    }

    async fn delete_outside(&self, id: &str) {
        self.sdk
            .delete_client_certificate()
            .client_certificate_id(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete {id}: {e}"));
    }

    /// A provider process: a fresh context on the shared clock.
    fn resource(&self) -> Arc<dyn Resource> {
        let context = Context::with_clock(self.clock.clone());
        let settings = Settings {
            region: Some(REGION.to_string()),
            endpoint: Some(self.emu.url()),
            max_retries: self.max_retries,
            ..Settings::default()
        };
        context.set_client(apigw::Client::with_credentials(
            settings,
            aws_sdk_apigateway::config::Credentials::new("test", "test", None, None, "test"),
        ));
        provider::with_context(context)
            .resources()
            .into_iter()
            .find(|r| r.type_name() == TYPE)
            .unwrap_or_else(|| panic!("{TYPE} is registered"))
    }

    /// `terraform apply` (or `destroy`): refresh, plan, apply. Returns the
    /// errors; the state afterwards is what Terraform would record.
    async fn apply(&mut self, destroy: bool) -> Vec<String> {
        let r = self.resource();
        if !self.state.is_null() {
            let read = r
                .read(ReadRequest {
                    current_state: self.state.clone(),
                    private: self.private.clone(),
                    stop: StopToken::never(),
                })
                .await;
            let e = errors(&read.diagnostics);
            if !e.is_empty() {
                return e;
            }
            self.state = read.new_state;
            self.private = read.private;
        }
        let proposed = if destroy {
            Value::Null
        } else {
            self.config.clone()
        };
        let plan = r
            .plan(PlanRequest {
                prior_state: self.state.clone(),
                proposed_new_state: proposed,
                config: self.config.clone(),
                prior_private: self.private.clone(),
                stop: StopToken::never(),
            })
            .await;
        let e = errors(&plan.diagnostics);
        if !e.is_empty() {
            return e;
        }
        let applied = r
            .apply(ApplyRequest {
                prior_state: self.state.clone(),
                planned_state: plan.planned_state,
                config: self.config.clone(),
                planned_private: plan.planned_private,
                stop: StopToken::never(),
            })
            .await;
        self.state = applied.new_state;
        self.private = applied.private;
        errors(&applied.diagnostics)
    }

    /// What the stage attachment does after each apply: present the
    /// current certificate.
    async fn attach_current(&self) {
        if let Some(id) = self.state.get("current_certificate_id").as_str() {
            seed_api::set_stage_certificate(&self.sdk, &self.api, STAGE, id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    fn state_ids(&self) -> BTreeSet<String> {
        ["pending", "current", "previous"]
            .iter()
            .filter_map(|s| {
                self.state
                    .get(&format!("{s}_certificate_id"))
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    }

    fn live_ids(&self) -> BTreeSet<String> {
        self.emu.certificates().into_iter().map(|c| c.id).collect()
    }

    /// State matches the emulator; the stage presents a live certificate.
    async fn assert_consistent(&self, case: &str) {
        let live = self.live_ids();
        assert_eq!(self.state_ids(), live, "{case}: state vs emulator");
        let presented = seed_api::stage_certificate(&self.sdk, &self.api, STAGE)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(id) = presented {
            assert!(
                live.contains(&id),
                "{case}: the stage presents deleted {id}"
            );
        }
    }

    /// Certificates that still carry a generation's attempt mark.
    async fn marked(&self) -> Vec<String> {
        let page = self
            .sdk
            .get_client_certificates()
            .limit(500)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list: {e}"));
        page.items()
            .iter()
            .filter(|c| c.tags().is_some_and(|t| t.contains_key(apigw::ATTEMPT_TAG)))
            .filter_map(|c| c.client_certificate_id().map(str::to_string))
            .collect()
    }

    /// `terraform plan`: a refresh of the current state, then a plan on
    /// what it found. Neither is recorded.
    async fn refresh_and_plan(&self) -> (tfplugin::ReadResponse, tfplugin::PlanResponse) {
        let r = self.resource();
        let read = r
            .read(ReadRequest {
                current_state: self.state.clone(),
                private: self.private.clone(),
                stop: StopToken::never(),
            })
            .await;
        let plan = r
            .plan(PlanRequest {
                prior_state: read.new_state.clone(),
                proposed_new_state: self.config.clone(),
                config: self.config.clone(),
                prior_private: read.private.clone(),
                stop: StopToken::never(),
            })
            .await;
        (read, plan)
    }

    /// A plan on the current state decides nothing.
    async fn assert_converged(&mut self, case: &str) {
        let (read, plan) = self.refresh_and_plan().await;
        assert!(errors(&read.diagnostics).is_empty(), "{case}");
        assert!(
            plan.diagnostics.is_empty(),
            "{case}: a step is still due: {:?}",
            plan.diagnostics
        );
        assert_eq!(plan.planned_state, read.new_state, "{case}");
    }

    fn calls(&self) -> std::collections::BTreeMap<String, u64> {
        self.emu.calls()
    }
}

/// A scenario: how to reach the step under test, and the step itself.
#[derive(Clone, Copy, Debug)]
enum Step {
    Create,
    Rotate,
    Promote,
    Retire,
    Destroy,
}

impl Step {
    fn settings(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Step::Promote => &[("promote_after", "1d")],
            _ => &[],
        }
    }

    /// A world just before the step.
    async fn prepare(self) -> World {
        let mut w = World::new(self.settings()).await;
        if !matches!(self, Step::Create) {
            assert_eq!(w.apply(false).await, Vec::<String>::new());
            // Terraform destroys the stage attachment before the series.
            if !matches!(self, Step::Destroy) {
                w.attach_current().await;
            }
        }
        match self {
            Step::Create | Step::Rotate => {}
            Step::Destroy => {
                // Two live certificates: current and previous.
                w.emu.age(310 * DAY).unwrap_or_else(|e| panic!("{e:?}"));
                assert_eq!(w.apply(false).await, Vec::<String>::new());
            }
            Step::Promote => {
                w.emu.age(310 * DAY).unwrap_or_else(|e| panic!("{e:?}"));
                assert_eq!(w.apply(false).await, Vec::<String>::new());
                // Past promote_after, counted from the pending certificate's
                // creation a moment after the clock's start.
                w.clock.advance(DAY + 600);
            }
            Step::Retire => {
                w.emu.age(310 * DAY).unwrap_or_else(|e| panic!("{e:?}"));
                assert_eq!(w.apply(false).await, Vec::<String>::new());
                w.attach_current().await;
                w.clock.advance(7 * DAY + 1);
            }
        }
        if matches!(self, Step::Rotate) {
            w.emu.age(310 * DAY).unwrap_or_else(|e| panic!("{e:?}"));
        }
        w
    }

    async fn run(self, w: &mut World) -> Vec<String> {
        w.apply(matches!(self, Step::Destroy)).await
    }
}

/// The API operations one step calls, measured on a run without faults.
async fn operations(step: Step) -> Vec<String> {
    let mut w = step.prepare().await;
    let before = w.calls();
    assert_eq!(step.run(&mut w).await, Vec::<String>::new(), "{step:?}");
    let after = w.calls();
    w.assert_consistent(&format!("{step:?} without faults"))
        .await;
    let ops: Vec<String> = after
        .into_iter()
        .filter(|(op, n)| before.get(op).copied().unwrap_or(0) < *n)
        .map(|(op, _)| op)
        .filter(|op| !op.starts_with("_"))
        .collect();
    assert!(!ops.is_empty(), "{step:?} calls the API");
    ops
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_call_failing_once_leaves_state_matching_and_converges() {
    let mut cases = 0;
    for step in [
        Step::Create,
        Step::Rotate,
        Step::Promote,
        Step::Retire,
        Step::Destroy,
    ] {
        for op in operations(step).await {
            let case = format!("{step:?} with {op} failing once");
            let mut w = step.prepare().await;
            w.emu
                .add_fault(FaultSpec {
                    operation: op.clone(),
                    count: 1,
                    status: Some(400),
                    code: None,
                    message: Some("injected".to_string()),
                    latency_ms: None,
                    drop_connection: false,
                    after_commit: false,
                })
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let failed = step.run(&mut w).await;
            if op == "UntagResource" {
                // Removing the attempt mark from a certificate the state
                // already holds is best effort: the apply succeeds, and the
                // next refresh removes the mark.
                assert_eq!(failed, Vec::<String>::new(), "{case}: the apply");
                assert!(!w.marked().await.is_empty(), "{case}: the mark stays");
                w.emu.clear_faults();
                w.assert_consistent(&case).await;
                w.assert_converged(&case).await;
                assert_eq!(w.marked().await, Vec::<String>::new(), "{case}: refreshed");
                cases += 1;
                continue;
            }
            assert!(!failed.is_empty(), "{case}: the apply must fail");
            w.emu.clear_faults();
            w.assert_consistent(&case).await;
            // The next apply converges.
            let retry = step.run(&mut w).await;
            assert_eq!(retry, Vec::<String>::new(), "{case}: the next apply");
            w.attach_current().await;
            w.assert_consistent(&format!("{case}, then applied again"))
                .await;
            if matches!(step, Step::Destroy) {
                assert!(w.state.is_null(), "{case}: destroyed");
                assert!(w.live_ids().is_empty(), "{case}: nothing left");
            } else {
                w.assert_converged(&case).await;
            }
            cases += 1;
        }
    }
    assert!(cases >= 8, "only {cases} fault cases ran");
}

/// A retirement whose DeleteClientCertificate took effect but whose answer
/// never arrived: the apply fails and keeps the certificate recorded (it
/// cannot know), and the next refresh, finding it gone, knows the apply
/// deleted it: no "deleted outside Terraform" warning, and the series
/// converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_whose_answer_was_lost_is_not_reported_as_deleted_outside_terraform() {
    let mut w = Step::Retire.prepare().await;
    let previous = w
        .state
        .get("previous_certificate_id")
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("a previous certificate to retire: {:?}", w.state));
    w.max_retries = 0;
    w.emu
        .add_fault(FaultSpec {
            operation: "DeleteClientCertificate".to_string(),
            count: 1,
            status: Some(500),
            code: None,
            message: Some("injected after the deletion".to_string()),
            latency_ms: None,
            drop_connection: false,
            after_commit: true,
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let failed = Step::Retire.run(&mut w).await;
    assert!(!failed.is_empty(), "the apply must fail: no answer came");
    assert_eq!(
        w.state.get("previous_certificate_id").as_str(),
        Some(previous.as_str()),
        "an unanswered deletion keeps the certificate recorded"
    );
    assert!(
        !w.live_ids().contains(&previous),
        "the deletion took effect"
    );
    w.emu.clear_faults();
    w.max_retries = Settings::default().max_retries;

    let (read, plan) = w.refresh_and_plan().await;
    assert_eq!(errors(&read.diagnostics), Vec::<String>::new());
    assert_eq!(read.new_state.get("previous_certificate_id"), &Value::Null);
    let said: Vec<String> = plan
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    assert_eq!(
        said,
        Vec::<String>::new(),
        "the apply's own deletion reported as drift"
    );
    w.state = read.new_state;
    w.private = read.private;
    w.assert_consistent("after the refresh").await;
    w.assert_converged("after the refresh").await;
}

/// A certificate of the series that no state here records but that no
/// longer carries the attempt mark was handed to some caller (a newer state
/// rolled back, a re-import): it may be in trust stores, so the refresh
/// leaves it alone instead of deleting it as an interrupted apply's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_certificate_of_the_series_is_never_taken_for_a_stray() {
    let mut w = World::new(&[]).await;
    assert_eq!(w.apply(false).await, Vec::<String>::new());
    let series = w
        .state
        .get("id")
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("a series id: {:?}", w.state));
    let other = w
        .sdk
        .generate_client_certificate()
        .description("held by a state this one does not know")
        .tags(apigw::SERIES_TAG, &series)
        .send()
        .await
        .unwrap_or_else(|e| panic!("generate: {e}"))
        .client_certificate_id()
        .map(str::to_string)
        .unwrap_or_default();
    assert_eq!(w.apply(false).await, Vec::<String>::new());
    assert!(
        w.live_ids().contains(&other),
        "{other} was deleted as a stray"
    );
}
