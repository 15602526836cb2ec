//! End-to-end harness: the real `terraform` binary, the provider binary built
//! by this workspace (installed into a filesystem mirror), and the API Gateway
//! emulator running in-process.
//!
//! Use it from plain `#[test]` functions (not `#[tokio::test]`): the emulator
//! brings its own runtime.
//!
//! ```ignore
//! mod common;
//! use common::{Emulator, Tf};
//!
//! #[test]
//! fn plan_warns() {
//!     let emu = Emulator::start();
//!     let tf = Tf::new(&emu);
//!     tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
//!     tf.init();
//!     let plan = tf.plan_json();
//!     assert!(plan.warnings().is_empty());
//! }
//! ```
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

#[allow(unused_imports)]
pub use apigw_emulator::{CertRecord, FaultSpec, Throttle};

/// Provider source address as written in `required_providers`.
pub const PROVIDER_SOURCE: &str = "certops/apigw";
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The full address Terraform expands `certops/apigw` to; the mirror layout and
/// `providers schema -json` use it.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/certops/apigw";
pub const REGION: &str = "us-east-1";

// ---------------------------------------------------------------------------
// Emulator

/// The API Gateway emulator, in-process, on 127.0.0.1 with a free port.
/// Derefs to [`apigw_emulator::Emulator`] for everything not wrapped here.
/// Stops when dropped.
pub struct Emulator {
    handle: Option<apigw_emulator::Handle>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Emulator {
    /// An emulator with the default configuration (keys test/test, 60
    /// certificates max, no throttling, 365-day certificates).
    pub fn start() -> Self {
        Self::with_config(apigw_emulator::Config::default())
    }

    pub fn with_config(config: apigw_emulator::Config) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .thread_name("emulator")
            .build()
            .unwrap_or_else(|e| panic!("cannot start a runtime for the emulator: {e}"));
        let handle = runtime
            .block_on(apigw_emulator::spawn(config))
            .unwrap_or_else(|e| panic!("cannot start the emulator: {e}"));
        Emulator {
            handle: Some(handle),
            runtime: Some(runtime),
        }
    }

    fn handle(&self) -> &apigw_emulator::Handle {
        self.handle
            .as_ref()
            .unwrap_or_else(|| panic!("emulator already stopped"))
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.handle().url()
    }

    /// Moves every stored certificate `seconds` into the past.
    pub fn age(&self, seconds: i64) -> usize {
        self.handle()
            .age(seconds)
            .unwrap_or_else(|e| panic!("emulator age({seconds}) failed: {e:?}"))
    }

    /// Arms a fault (see [`FaultSpec`]).
    pub fn fault(&self, spec: FaultSpec) {
        self.handle()
            .add_fault(spec)
            .unwrap_or_else(|e| panic!("invalid fault: {e}"));
    }

    /// Fails the next `count` calls of `operation` with `status`.
    pub fn fail_next(&self, operation: &str, count: u32, status: u16) {
        self.fault(FaultSpec {
            operation: operation.to_string(),
            count,
            status: Some(status),
            code: None,
            message: None,
            latency_ms: None,
            drop_connection: false,
            after_commit: false,
        });
    }

    /// Per-operation request counts, as a JSON object `{ "Operation": n }`.
    pub fn calls(&self) -> Value {
        serde_json::to_value(self.handle().calls())
            .unwrap_or_else(|e| panic!("calls are not serialisable: {e}"))
    }

    pub fn call_count(&self, operation: &str) -> u64 {
        self.handle().call_count(operation)
    }

    /// Everything stored, as `GET /_emulator/state` shows it.
    pub fn state(&self) -> Value {
        self.handle().state_json()
    }

    /// Generates a certificate directly in the emulator (as if created outside Terraform).
    pub fn generate_certificate(&self, description: &str) -> CertRecord {
        self.handle()
            .generate_certificate(Some(description.to_string()), Default::default())
            .unwrap_or_else(|e| panic!("emulator could not generate a certificate: {e:?}"))
    }

    /// Every stored certificate.
    pub fn certificates(&self) -> Vec<CertRecord> {
        self.handle().certificates()
    }

    /// IDs of every stored certificate, sorted.
    pub fn certificate_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.certificates().into_iter().map(|c| c.id).collect();
        ids.sort();
        ids
    }
}

impl std::ops::Deref for Emulator {
    type Target = apigw_emulator::Emulator;
    fn deref(&self) -> &apigw_emulator::Emulator {
        self.handle().emulator()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The handle stops the server; the runtime must outlive it.
        drop(self.handle.take());
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

// ---------------------------------------------------------------------------
// Provider mirror

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-apigw"))
}

/// A filesystem mirror holding the freshly built provider, created once per
/// test process (and shared by test processes of the same build).
pub fn mirror_dir() -> &'static Path {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR.get_or_init(build_mirror)
}

fn build_mirror() -> PathBuf {
    let bin = provider_binary();
    let meta = std::fs::metadata(&bin)
        .unwrap_or_else(|e| panic!("provider binary {} is missing: {e}", bin.display()));
    let stamp = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    // Keyed by the binary's identity: a rebuilt provider gets a new mirror.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-mirror")
        .join(format!("{}-{stamp:x}", meta.len()));
    let dir = root
        .join(PROVIDER_ADDRESS)
        .join(PROVIDER_VERSION)
        .join("linux_amd64");
    let dest = dir.join("terraform-provider-apigw");
    if !dest.exists() {
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create mirror dir {}: {e}", dir.display()));
        // Copy then rename, so a concurrent test process never sees half a
        // binary. The copy is made outside the package directory: Terraform
        // hashes every file in it, and a stray partial copy there while
        // another process runs `terraform init` would record a checksum the
        // next plan does not find ("Required plugins are not installed").
        let tmp = root.join(format!(".partial-{}", std::process::id()));
        std::fs::copy(&bin, &tmp)
            .unwrap_or_else(|e| panic!("cannot copy provider into mirror: {e}"));
        std::fs::rename(&tmp, &dest)
            .unwrap_or_else(|e| panic!("cannot install provider into mirror: {e}"));
    }
    root
}

/// Panics with a clear message when `terraform` is not on PATH.
pub fn terraform_binary() -> PathBuf {
    static TF: OnceLock<PathBuf> = OnceLock::new();
    TF.get_or_init(|| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|d| d.join("terraform"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "`terraform` was not found on PATH. The end-to-end tests drive the real \
                     Terraform CLI (1.11 or later); install it and run the tests again."
                )
            })
    })
    .clone()
}

// ---------------------------------------------------------------------------
// Terraform working directory

/// A Terraform working directory in a fresh temp dir, wired to the mirror
/// and (optionally) an emulator. Removed on drop unless `KEEP_TF_DIRS` is set.
pub struct Tf {
    dir: PathBuf,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
    /// Removed from every terraform command's environment.
    unset: Vec<String>,
}

/// The last `lines` lines of `text`: where terraform prints its errors, without
/// a fleet's whole plan in front of them.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `required_providers` plus the provider block pointing at `endpoint`.
pub fn provider_hcl(endpoint: Option<&str>) -> String {
    let mut s = format!(
        "terraform {{\n  required_providers {{\n    apigw = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n\n"
    );
    match endpoint {
        Some(url) => s.push_str(&format!(
            "provider \"apigw\" {{\n  region   = \"{REGION}\"\n  endpoint = \"{url}\"\n}}\n"
        )),
        None => s.push_str(&format!(
            "provider \"apigw\" {{\n  region = \"{REGION}\"\n}}\n"
        )),
    }
    s
}

impl Tf {
    /// A working directory whose provider talks to `emulator`
    /// (`provider.tf` is written; add resources with [`Tf::write`]).
    pub fn new(emulator: &Emulator) -> Self {
        let tf = Self::bare();
        tf.write("provider.tf", &provider_hcl(Some(&emulator.url())));
        tf
    }

    /// A working directory with the provider configured for no endpoint at all
    /// (enough for init, schema and functions).
    pub fn without_emulator() -> Self {
        let tf = Self::bare();
        tf.write("provider.tf", &provider_hcl(None));
        tf
    }

    /// A working directory with no configuration files.
    pub fn bare() -> Self {
        let _ = terraform_binary();
        let mirror = mirror_dir();
        let dir = unique_temp_dir();
        let cli_config = dir.join(".terraformrc");
        let rc = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n",
            mirror.display()
        );
        std::fs::write(&cli_config, rc).unwrap_or_else(|e| panic!("cannot write CLI config: {e}"));
        let env = [
            ("TF_CLI_CONFIG_FILE", cli_config.display().to_string()),
            ("CHECKPOINT_DISABLE", "1".to_string()),
            ("TF_IN_AUTOMATION", "1".to_string()),
            ("TF_INPUT", "0".to_string()),
            ("AWS_ACCESS_KEY_ID", "test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Tf {
            dir,
            cli_config,
            env,
            unset: Vec::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds or overrides an environment variable for every terraform command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Removes an environment variable (the harness's test keys, say) from
    /// every terraform command.
    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
        self.unset.push(key.to_string());
    }

    /// Writes a file into the working directory (HCL, or anything else).
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    pub fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.dir.join(name));
    }

    pub fn read(&self, name: &str) -> String {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The command, ready to run in this directory with this environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(terraform_binary());
        cmd.args(args).current_dir(&self.dir);
        // Nothing from the developer's shell may leak into the run.
        for var in [
            "TF_LOG",
            "TF_LOG_PROVIDER",
            "TF_LOG_PATH",
            "TF_PLUGIN_CACHE_DIR",
            "TF_DATA_DIR",
            "TF_WORKSPACE",
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_API_GATEWAY",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_DEFAULT_REGION",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_ROLE_SESSION_NAME",
        ] {
            cmd.env_remove(var);
        }
        for var in &self.unset {
            cmd.env_remove(var);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// Runs terraform with `args`; never panics on a failing exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run terraform {args:?}: {e}"))
    }

    /// Runs terraform with `args` and panics, showing everything, unless it succeeds.
    pub fn run_ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        if !out.status.success() {
            panic!("{}", describe_failure(args, &out, &self.dir));
        }
        out
    }

    /// `terraform init` (offline, from the mirror; writes a fresh lock file).
    pub fn init(&self) -> Output {
        self.remove(".terraform.lock.hcl");
        self.run_ok(&["init", "-input=false", "-no-color"])
    }

    /// `terraform apply -auto-approve`; panics on failure.
    pub fn apply(&self) -> Output {
        self.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform apply -auto-approve`, returning the output whatever happens.
    pub fn apply_result(&self) -> Output {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// Applies a saved plan file; panics on failure.
    pub fn apply_plan(&self, plan_file: &str) -> Output {
        self.run_ok(&["apply", "-input=false", "-no-color", plan_file])
    }

    /// `terraform destroy -auto-approve`; panics on failure.
    pub fn destroy(&self) -> Output {
        self.run_ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform import ADDRESS ID`; panics on failure.
    pub fn import(&self, address: &str, id: &str) -> Output {
        self.run_ok(&["import", "-input=false", "-no-color", address, id])
    }

    /// Plans into `tfplan` and returns the plan as `terraform show -json`
    /// renders it, plus the diagnostics of the `terraform plan -json` stream.
    /// Panics when the plan fails.
    pub fn plan_json(&self) -> Plan {
        self.plan_json_with(&[])
    }

    /// Like [`Tf::plan_json`] with extra plan arguments (e.g. `-refresh-only`).
    pub fn plan_json_with(&self, extra: &[&str]) -> Plan {
        match self.try_plan_json_with(extra) {
            Ok(plan) => plan,
            Err(failed) => panic!(
                "terraform plan failed.\ndiagnostics: {:#?}\nstderr:\n{}",
                failed.diagnostics,
                String::from_utf8_lossy(&failed.output.stderr)
            ),
        }
    }

    /// A plan that may fail: `Err` carries the diagnostics (errors included).
    pub fn try_plan_json(&self) -> Result<Plan, FailedPlan> {
        self.try_plan_json_with(&[])
    }

    pub fn try_plan_json_with(&self, extra: &[&str]) -> Result<Plan, FailedPlan> {
        let mut args = vec!["plan", "-json", "-input=false", "-out=tfplan"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let messages = parse_json_lines(&out.stdout);
        let diagnostics: Vec<Value> = messages
            .iter()
            .filter(|m| m["type"] == "diagnostic")
            .map(|m| m["diagnostic"].clone())
            .collect();
        if !out.status.success() {
            return Err(FailedPlan {
                diagnostics,
                messages,
                output: out,
            });
        }
        let json = self.show_plan_json("tfplan");
        Ok(Plan {
            json,
            diagnostics,
            messages,
        })
    }

    /// `terraform show -json PLANFILE`.
    pub fn show_plan_json(&self, plan_file: &str) -> Value {
        let out = self.run_ok(&["show", "-json", "-no-color", plan_file]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("terraform show -json is not JSON: {e}"))
    }

    /// `terraform show -json` of the current state.
    pub fn show_json(&self) -> Value {
        let out = self.run_ok(&["show", "-json", "-no-color"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("terraform show -json is not JSON: {e}"))
    }

    /// The state's `values` of the resource at `address` (e.g.
    /// `apigw_rotating_client_certificate.main`), if it exists.
    pub fn state_values(&self, address: &str) -> Option<Value> {
        let state = self.show_json();
        find_resource(&state["values"]["root_module"], address).map(|r| r["values"].clone())
    }

    /// `terraform output -json NAME`.
    pub fn output(&self, name: &str) -> Value {
        let out = self.run_ok(&["output", "-json", "-no-color", name]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("terraform output -json is not JSON: {e}"))
    }

    /// `terraform providers schema -json`, narrowed to this provider.
    pub fn provider_schema(&self) -> Value {
        let out = self.run_ok(&["providers", "schema", "-json"]);
        let all: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("providers schema -json is not JSON: {e}"));
        let schema = all["provider_schemas"][PROVIDER_ADDRESS].clone();
        assert!(
            schema.is_object(),
            "providers schema -json does not list {PROVIDER_ADDRESS}: {all}"
        );
        schema
    }
}

impl Drop for Tf {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TF_DIRS").is_some() {
            eprintln!("keeping terraform dir {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn unique_temp_dir() -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-runs");
    let _ = std::fs::create_dir_all(&base);
    // Not a time: part of a unique directory name.
    #[allow(clippy::disallowed_methods)]
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = base.join(format!("tf-{}-{n}-{nanos:x}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn parse_json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn describe_failure(args: &[&str], out: &Output, dir: &Path) -> String {
    format!(
        "terraform {} failed ({}) in {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        out.status,
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn find_resource(module: &Value, address: &str) -> Option<Value> {
    if let Some(rs) = module["resources"].as_array()
        && let Some(r) = rs.iter().find(|r| r["address"] == address)
    {
        return Some(r.clone());
    }
    module["child_modules"]
        .as_array()?
        .iter()
        .find_map(|m| find_resource(m, address))
}

// ---------------------------------------------------------------------------
// Plans

/// A successful plan: `terraform show -json tfplan` plus the `plan -json` stream.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `terraform show -json` of the saved plan.
    pub json: Value,
    /// Every diagnostic from the `terraform plan -json` stream (the objects
    /// under `"diagnostic"`: severity, summary, detail, address, ...).
    pub diagnostics: Vec<Value>,
    /// Every message of the `terraform plan -json` stream.
    pub messages: Vec<Value>,
}

/// A plan that failed.
#[derive(Debug)]
pub struct FailedPlan {
    pub diagnostics: Vec<Value>,
    pub messages: Vec<Value>,
    pub output: Output,
}

impl FailedPlan {
    pub fn errors(&self) -> Vec<&Value> {
        self.diagnostics
            .iter()
            .filter(|d| d["severity"] == "error")
            .collect()
    }
}

impl Plan {
    pub fn resource_changes(&self) -> Vec<&Value> {
        self.json["resource_changes"]
            .as_array()
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }

    /// The `change` object of the resource at `address`.
    pub fn change(&self, address: &str) -> Option<&Value> {
        self.resource_changes()
            .into_iter()
            .find(|rc| rc["address"] == address)
            .map(|rc| &rc["change"])
    }

    /// The planned actions of `address` (`["no-op"]`, `["update"]`,
    /// `["delete","create"]`, ...); empty when the address is not in the plan.
    pub fn actions(&self, address: &str) -> Vec<String> {
        self.change(address)
            .and_then(|c| c["actions"].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The planned value of `attribute` of `address` (`Value::Null` when
    /// unknown; check [`Plan::is_unknown`]).
    pub fn after(&self, address: &str, attribute: &str) -> Value {
        self.change(address)
            .map(|c| c["after"][attribute].clone())
            .unwrap_or(Value::Null)
    }

    pub fn before(&self, address: &str, attribute: &str) -> Value {
        self.change(address)
            .map(|c| c["before"][attribute].clone())
            .unwrap_or(Value::Null)
    }

    /// Whether `attribute` of `address` is "(known after apply)".
    pub fn is_unknown(&self, address: &str, attribute: &str) -> bool {
        self.change(address)
            .is_some_and(|c| c["after_unknown"][attribute] == Value::Bool(true))
    }

    /// True when no resource changes (every action is no-op or read) and no
    /// output changes.
    pub fn is_empty(&self) -> bool {
        let resources_quiet = self.resource_changes().iter().all(|rc| {
            rc["change"]["actions"]
                .as_array()
                .is_some_and(|a| a.iter().all(|x| x == "no-op" || x == "read"))
        });
        let outputs_quiet = self.json["output_changes"].as_object().is_none_or(|o| {
            o.values().all(|c| {
                c["actions"]
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| x == "no-op"))
            })
        });
        resources_quiet && outputs_quiet
    }

    pub fn warnings(&self) -> Vec<&Value> {
        self.diagnostics
            .iter()
            .filter(|d| d["severity"] == "warning")
            .collect()
    }

    /// Each warning as "summary detail", as Terraform shows them, for
    /// assertions on what was said.
    pub fn warning_texts(&self) -> Vec<String> {
        self.warnings()
            .iter()
            .map(|w| {
                format!(
                    "{} {}",
                    w["summary"].as_str().unwrap_or_default(),
                    w["detail"].as_str().unwrap_or_default()
                )
            })
            .collect()
    }

    pub fn errors(&self) -> Vec<&Value> {
        self.diagnostics
            .iter()
            .filter(|d| d["severity"] == "error")
            .collect()
    }

    /// Planned value of a root module output.
    pub fn output(&self, name: &str) -> Value {
        self.json["planned_values"]["outputs"][name]["value"].clone()
    }

    /// Drift detected during refresh (`resource_drift`).
    pub fn drift(&self) -> Vec<&Value> {
        self.json["resource_drift"]
            .as_array()
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }
}
