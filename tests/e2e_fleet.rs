//! Fleets end to end: the real terraform, the provider binary and the
//! emulator, with AWS's control-plane throttling switched on and a faulty
//! network in between (tests/common/proxy.rs): server errors on one request
//! in ten, and a GenerateClientCertificate whose answer is lost after the
//! certificate was created.

mod common;
#[path = "common/proxy.rs"]
mod proxy;
#[path = "../tools/seed_api.rs"]
mod seed_api;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{Emulator, Tf, Throttle};
use proxy::{Action, Proxy};
use serde_json::Value;

fn provider(endpoint: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    apigw = {{ source = \"{}\" }}\n  }}\n}}\n\n\
         provider \"apigw\" {{\n  region   = \"{}\"\n  endpoint = \"{endpoint}\"\n}}\n",
        common::PROVIDER_SOURCE,
        common::REGION
    )
}

/// Every certificate ID the state records (pending, current, previous).
fn recorded(tf: &Tf) -> BTreeSet<String> {
    let state = tf.show_json();
    let mut ids = BTreeSet::new();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in resources
        .iter()
        .filter(|r| r["type"] == "apigw_rotating_client_certificate")
    {
        for slot in ["pending", "current", "previous"] {
            if let Some(id) = r["values"][format!("{slot}_certificate_id")].as_str() {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

fn existing(emu: &Emulator) -> BTreeSet<String> {
    emu.certificate_ids().into_iter().collect()
}

fn assert_no_orphans(emu: &Emulator, tf: &Tf, when: &str) {
    let (exists, recorded) = (existing(emu), recorded(tf));
    let orphans: Vec<_> = exists.difference(&recorded).collect();
    let missing: Vec<_> = recorded.difference(&exists).collect();
    assert!(
        orphans.is_empty() && missing.is_empty(),
        "{when}: certificates no state records: {orphans:?}; recorded but gone: {missing:?}"
    );
}

#[test]
fn a_lost_generate_answer_leaves_no_orphan() {
    let emu = Emulator::start();
    // The first GenerateClientCertificate reaches the emulator, which creates
    // the certificate; its answer never reaches the provider.
    let proxy = Proxy::start(
        &emu.url(),
        Arc::new(|method: &str, path: &str, _| {
            if method == "POST" && path == "/clientcertificates" {
                Action::DropAnswer
            } else {
                Action::Forward
            }
        }),
    );
    let tf = Tf::bare();
    tf.write("provider.tf", &provider(&proxy.url()));
    tf.write(
        "main.tf",
        "resource \"apigw_rotating_client_certificate\" \"c\" {}\n",
    );
    tf.init();
    let out = tf.apply_result();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let posts: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|(r, _)| r == "POST /clientcertificates")
        .collect();
    assert!(
        !posts.is_empty() && posts.iter().all(|(_, a)| *a == Action::DropAnswer),
        "{posts:?}"
    );
    assert!(out.status.success(), "apply must recover: {text}");
    assert_eq!(
        posts.len(),
        1,
        "one generation, adopted after the lost answer"
    );
    assert_eq!(existing(&emu).len(), 1, "{text}");
    assert_no_orphans(&emu, &tf, "after the apply");
}

/// 60 certificates (API Gateway's default per-region quota) and 60 stage
/// attachments on 30 REST APIs, against AWS's control-plane rate (10
/// requests/s, burst 40) and a server error on every tenth request, with the
/// provider's defaults: create, rotation and retirement each converge in one
/// apply, no certificate is left unrecorded, and the retirement apply lists
/// the stages at most once per provider process.
#[test]
fn a_fleet_converges_in_one_apply_per_step_under_throttling_and_server_errors() {
    const N: usize = 60;
    let emu = Emulator::with_config(apigw_emulator::Config {
        throttle: Some(Throttle::AWS),
        // During the overlap each series holds two certificates: a quota
        // raised to twice the default, as a fleet this size needs.
        max_client_certificates: 2 * N,
        ..apigw_emulator::Config::default()
    });
    // Seeded straight at the emulator, slowly enough for its throttle.
    let aws = seed_api::Blocking::new(&emu.url(), common::REGION);
    emu.set_throttle(None)
        .unwrap_or_else(|e| panic!("cannot lift the throttle: {e}"));
    let apis: Vec<String> = (0..N / 2)
        .map(|i| {
            aws.run(seed_api::create_api(
                &aws.client,
                &format!("fleet{i}"),
                &["blue", "green"],
            ))
            .unwrap_or_else(|e| panic!("cannot create REST API {i}: {e}"))
        })
        .collect();
    emu.set_throttle(Some(Throttle::AWS))
        .unwrap_or_else(|e| panic!("cannot throttle: {e}"));

    let proxy = Proxy::start(
        &emu.url(),
        Arc::new(|_: &str, _: &str, n| {
            if proxy::one_in(n, 10) {
                Action::Fail500
            } else {
                Action::Forward
            }
        }),
    );
    let mut tf = Tf::bare();
    tf.write("provider.tf", &provider(&proxy.url()));
    tf.write(
        "main.tf",
        &format!(
            r#"
locals {{
  apis  = {apis}
  certs = {{ for i in range({N}) : format("c%02d", i) => {{
    api   = local.apis[floor(i / 2)]
    stage = i % 2 == 0 ? "blue" : "green"
  }} }}
}}

resource "apigw_rotating_client_certificate" "fleet" {{
  for_each = local.certs
  overlap  = "1h"
}}

resource "apigw_stage_client_certificate" "fleet" {{
  for_each              = local.certs
  rest_api_id           = each.value.api
  stage_name            = each.value.stage
  client_certificate_id = apigw_rotating_client_certificate.fleet[each.key].current_certificate_id
}}
"#,
            apis = serde_json::to_string(&apis).unwrap_or_default()
        ),
    );
    tf.init();

    let apply = |tf: &Tf, step: &str| {
        let out = tf.apply_result();
        assert!(
            out.status.success(),
            "{step}: the fleet must converge in one apply:\n{}\n[last lines of the output]\n{}",
            String::from_utf8_lossy(&out.stderr),
            common::tail(&String::from_utf8_lossy(&out.stdout), 60)
        );
    };
    let failed = || {
        proxy
            .seen()
            .iter()
            .filter(|(_, a)| *a == Action::Fail500)
            .count()
    };
    let stages_present = |tf: &Tf| -> BTreeSet<String> {
        let state = tf.show_json();
        state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|r| r["type"] == "apigw_rotating_client_certificate")
            .filter_map(|r| {
                r["values"]["current_certificate_id"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    };

    apply(&tf, "create");
    assert_eq!(existing(&emu).len(), N);
    assert_no_orphans(&emu, &tf, "after create");
    assert!(failed() > 0, "the proxy must have failed requests");

    // Into the rotation window of every certificate.
    emu.age(310 * 86_400);
    apply(&tf, "rotation");
    assert_eq!(existing(&emu).len(), 2 * N, "new and previous certificates");
    assert_no_orphans(&emu, &tf, "after rotation");
    let current = stages_present(&tf);
    for (i, api) in apis.iter().enumerate() {
        for stage in ["blue", "green"] {
            let presented = aws
                .run(seed_api::stage_certificate(&aws.client, api, stage))
                .ok()
                .flatten()
                .unwrap_or_default();
            assert!(
                current.contains(&presented),
                "stage {stage} of API {i} presents {presented}, not a current certificate"
            );
        }
    }

    // Past the overlap on the provider's clock: every previous certificate goes.
    let log_start = emu.requests().len();
    tf.set_env("APIGW_CLOCK_OFFSET", "2h");
    apply(&tf, "retirement");
    assert_eq!(existing(&emu).len(), N);
    assert_no_orphans(&emu, &tf, "after retirement");
    let retirement: Vec<Value> = emu.requests()[log_start..]
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or_default())
        .collect();
    let answered = |op: &str| {
        retirement
            .iter()
            .filter(|r| r["operation"] == op && r["status"] == 200)
            .count()
    };
    // A plan process and an apply process: at most one pass each, one page
    // of REST APIs per pass.
    let passes = answered("GetRestApis");
    assert!(
        (1..=2).contains(&passes),
        "stage inventory passes in the retirement apply: {passes}"
    );
    assert!(
        answered("GetStages") <= passes * apis.len(),
        "GetStages answered {} times for {passes} passes over {} APIs",
        answered("GetStages"),
        apis.len()
    );
}

#[test]
fn the_data_source_reports_certificates_an_interrupted_apply_left() {
    let emu = Emulator::start();
    let tf = Tf::bare();
    tf.write("provider.tf", &provider(&emu.url()));
    tf.write(
        "main.tf",
        r#"resource "apigw_rotating_client_certificate" "c" {}

data "apigw_client_certificates" "all" {
  depends_on = [apigw_rotating_client_certificate.c]
}

output "orphaned" {
  value = data.apigw_client_certificates.all.orphaned_certificate_ids
}
"#,
    );
    tf.init();
    tf.apply();
    // What a provider killed right after GenerateClientCertificate leaves:
    // a certificate with its attempt mark, which no state records.
    let aws = seed_api::Blocking::new(&emu.url(), common::REGION);
    let left = aws
        .run(
            aws.client
                .generate_client_certificate()
                .description("Managed by Terraform")
                .tags(
                    terraform_provider_apigw::apigw::ATTEMPT_TAG,
                    "0123456789abcdef",
                )
                .send(),
        )
        .unwrap_or_else(|e| panic!("cannot generate: {e:?}"))
        .client_certificate_id()
        .unwrap_or_default()
        .to_string();
    // Older than the 10 minutes an apply may still be running.
    emu.age(3600);
    tf.apply();
    assert_eq!(
        tf.output("orphaned"),
        serde_json::json!([left]),
        "only the unrecorded certificate; the one the apply recorded carries no mark"
    );
    let recorded = recorded(&tf);
    assert_eq!(recorded.len(), 1);
    assert!(!recorded.contains(&left));
}

/// What is killed while GenerateClientCertificate's answer is in flight.
#[derive(Clone, Copy, Debug)]
enum Kill {
    Terraform,
    Provider,
}

/// The direct children of `pid` (from every thread's list).
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            out.extend(
                list.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    out
}

fn is_provider(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("terraform-provider-apigw"))
        .unwrap_or(false)
}

fn alive(pid: u32) -> bool {
    // A zombie has no cmdline: it has ended.
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| !c.is_empty())
}

fn sigkill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// Ends the provider process a killed terraform left, by PID, if it is
/// still there.
struct ReapProvider(Option<u32>);

impl Drop for ReapProvider {
    fn drop(&mut self) {
        if let Some(pid) = self.0
            && alive(pid)
            && is_provider(pid)
        {
            sigkill(pid);
        }
    }
}

/// Runs `terraform apply` with GenerateClientCertificate answering 60 s
/// after the certificate was stored, and SIGKILLs `kill` as soon as the
/// certificate exists. Returns the certificate the interrupted apply left.
fn interrupt_generation(emu: &Emulator, tf: &Tf, kill: Kill) -> String {
    let before = existing(emu);
    interrupt(emu, tf, kill, "GenerateClientCertificate", |now| match &now
        .difference(&before)
        .cloned()
        .collect::<Vec<_>>()[..]
    {
        [id] => Some(id.clone()),
        _ => None,
    })
}

/// Runs `terraform apply` with `operation` answering 60 s after it took
/// effect, and SIGKILLs `kill` as soon as `done` (given the certificates
/// that exist) says it did. Returns what `done` said.
fn interrupt(
    emu: &Emulator,
    tf: &Tf,
    kill: Kill,
    operation: &str,
    done: impl Fn(&BTreeSet<String>) -> Option<String>,
) -> String {
    emu.fault(apigw_emulator::FaultSpec {
        operation: operation.into(),
        count: 1,
        status: None,
        code: None,
        message: None,
        latency_ms: Some(60_000),
        drop_connection: false,
        after_commit: true,
    });
    let mut child = tf
        .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run terraform apply: {e}"));
    let tf_pid = child.id();
    let mut reap = ReapProvider(None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let stray = loop {
        // The provider serving the apply: the one running when the
        // certificate appears.
        let providers: Vec<u32> = children(tf_pid)
            .into_iter()
            .filter(|p| is_provider(*p))
            .collect();
        if let Some(p) = providers.last() {
            reap.0 = Some(*p);
        }
        if let Some(found) = done(&existing(emu)) {
            break found;
        }
        if std::time::Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the apply never got {operation} through");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let provider = reap
        .0
        .unwrap_or_else(|| panic!("no provider process under terraform ({tf_pid})"));
    match kill {
        Kill::Terraform => {
            let _ = child.kill();
            let _ = child.wait();
            // With terraform gone, the provider stops too (and with it the
            // lock on its attempt journal).
            let gone = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while alive(provider) && std::time::Instant::now() < gone {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            assert!(
                !alive(provider),
                "provider {provider} outlived terraform by 10 s"
            );
        }
        Kill::Provider => {
            sigkill(provider);
            let status = child
                .wait()
                .unwrap_or_else(|e| panic!("cannot wait for terraform: {e}"));
            assert!(
                !status.success(),
                "the apply must fail once its provider died"
            );
        }
    }
    emu.clear_faults();
    stray
}

/// The next plan says it deletes `stray`; the apply that follows leaves no
/// certificate that no state records.
fn next_apply_cleans_up(emu: &Emulator, tf: &Tf, stray: &str, when: &str) {
    assert!(
        !recorded(tf).contains(stray),
        "{when}: {stray} was recorded"
    );
    let plan = tf.plan_json();
    let said = plan.warning_texts();
    assert!(
        said.iter().any(
            |w| w.contains(&format!("Deleting client certificate {stray}"))
                && w.contains("interrupted")
        ),
        "{when}: the plan must say it deletes {stray}: {said:?}"
    );
    tf.apply();
    assert!(
        !existing(emu).contains(stray),
        "{when}: {stray} still exists"
    );
    assert_no_orphans(emu, tf, when);
}

fn killed_during(kill: Kill, rotation: bool) {
    let emu = Emulator::start();
    let tf = Tf::bare();
    tf.write("provider.tf", &provider(&emu.url()));
    let config = |v: &str| {
        format!(
            "resource \"apigw_rotating_client_certificate\" \"c\" {{\n  rotation_triggers = {{ v = \"{v}\" }}\n}}\n\n\
             resource \"apigw_rotating_client_certificate\" \"sibling\" {{}}\n"
        )
    };
    tf.write("main.tf", &config("1"));
    tf.init();
    if rotation {
        tf.apply();
        tf.write("main.tf", &config("2"));
    } else {
        // The sibling exists; only c is created by the interrupted apply.
        tf.run_ok(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-target=apigw_rotating_client_certificate.sibling",
        ]);
    }
    let stray = interrupt_generation(&emu, &tf, kill);
    let when = format!(
        "after {kill:?} was killed during a {}",
        if rotation { "rotation" } else { "create" }
    );
    next_apply_cleans_up(&emu, &tf, &stray, &when);
    // The step the kill interrupted was done again by that apply.
    let c = tf
        .state_values("apigw_rotating_client_certificate.c")
        .unwrap_or_else(|| panic!("{when}: c is not in the state"));
    if rotation {
        assert_eq!(c["rotation_triggers"]["v"], "2", "{when}");
        assert!(
            c["pending_certificate_id"].is_string() || c["previous_certificate_id"].is_string(),
            "{when}: the rotation was not done: {c}"
        );
    }
    assert_eq!(existing(&emu).len(), recorded(&tf).len());
}

#[test]
fn terraform_killed_while_a_create_generates_leaves_no_orphan() {
    killed_during(Kill::Terraform, false);
}

#[test]
fn provider_killed_while_a_create_generates_leaves_no_orphan() {
    killed_during(Kill::Provider, false);
}

#[test]
fn terraform_killed_while_a_rotation_generates_leaves_no_orphan() {
    killed_during(Kill::Terraform, true);
}

#[test]
fn provider_killed_while_a_rotation_generates_leaves_no_orphan() {
    killed_during(Kill::Provider, true);
}

/// Terraform killed while the retirement's DeleteClientCertificate has taken
/// effect but not answered: the next plan knows the apply deleted it (the
/// attempt journal says so) and does not report it as deleted outside
/// Terraform; the series converges.
#[test]
fn terraform_killed_while_a_retirement_deletes_is_not_reported_as_drift() {
    let emu = Emulator::start();
    let tf = Tf::bare();
    tf.write("provider.tf", &provider(&emu.url()));
    let config = |v: &str| {
        format!(
            "resource \"apigw_rotating_client_certificate\" \"c\" {{\n  overlap = \"2s\"\n  rotation_triggers = {{ v = \"{v}\" }}\n}}\n"
        )
    };
    tf.write("main.tf", &config("1"));
    tf.init();
    tf.apply();
    tf.write("main.tf", &config("2"));
    tf.apply();
    let c = tf
        .state_values("apigw_rotating_client_certificate.c")
        .unwrap_or_else(|| panic!("c is not in the state"));
    let previous = c["previous_certificate_id"]
        .as_str()
        .unwrap_or_else(|| panic!("the rotation left no previous certificate: {c}"))
        .to_string();
    std::thread::sleep(std::time::Duration::from_secs(3));

    let gone = interrupt(
        &emu,
        &tf,
        Kill::Terraform,
        "DeleteClientCertificate",
        |now| (!now.contains(&previous)).then(|| previous.clone()),
    );
    assert!(
        recorded(&tf).contains(&gone),
        "the killed apply recorded nothing"
    );
    let plan = tf.plan_json();
    let said = plan.warning_texts();
    assert_eq!(
        said,
        Vec::<String>::new(),
        "the apply's own deletion reported as drift"
    );
    tf.apply();
    let c = tf
        .state_values("apigw_rotating_client_certificate.c")
        .unwrap_or_else(|| panic!("c is not in the state"));
    assert!(c["previous_certificate_id"].is_null(), "{c}");
    assert_eq!(existing(&emu), recorded(&tf));
}

/// A busy account at its certificate quota: a fleet whose rotation needs more
/// certificates than the region allows. The rotations that fit go through;
/// each of the others fails naming the quota and the expired certificates to
/// delete first, keeps its current certificate, and leaves nothing
/// unrecorded; a retry creates nothing while the region is still full; once
/// the expired certificates are deleted, the next apply finishes the rest.
#[test]
fn rotations_beyond_the_certificate_quota_fail_clearly_and_lose_nothing() {
    const DAY: i64 = 86_400;
    const FLEET: usize = 4;
    let emu = Emulator::with_config(apigw_emulator::Config {
        max_client_certificates: 10,
        ..apigw_emulator::Config::default()
    });
    // Four certificates from before Terraform, which expire before the
    // fleet's rotation window opens.
    let legacy: BTreeSet<String> = (0..4)
        .map(|i| emu.generate_certificate(&format!("legacy {i}")).id)
        .collect();
    emu.age(100 * DAY);
    let tf = Tf::bare();
    tf.write("provider.tf", &provider(&emu.url()));
    tf.write(
        "main.tf",
        &format!(
            "resource \"apigw_rotating_client_certificate\" \"c\" {{\n  count = {FLEET}\n}}\n"
        ),
    );
    tf.init();
    tf.apply();
    let assert_recorded = |emu: &Emulator, when: &str| {
        let managed: BTreeSet<String> = existing(emu).difference(&legacy).cloned().collect();
        assert_eq!(
            managed,
            recorded(&tf),
            "{when}: what exists beside the legacy certificates is what the state records"
        );
    };
    let series = |i: usize| -> Value {
        tf.state_values(&format!("apigw_rotating_client_certificate.c[{i}]"))
            .unwrap_or_else(|| panic!("c[{i}] not in state"))
    };
    let currents = || -> Vec<Value> {
        (0..FLEET)
            .map(|i| series(i)["current_certificate_id"].clone())
            .collect()
    };
    let before = currents();
    assert_eq!(existing(&emu).len(), 8);
    assert_recorded(&emu, "after the create");

    // Every series is due, and the region has room for two more.
    emu.age(310 * DAY);
    // Two generations fail on the quota, and say so.
    let apply_meets_the_quota = || {
        let out = tf.apply_result();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "two rotations cannot fit: {text}");
        assert_eq!(
            text.matches("Error: Cannot generate a client certificate")
                .count(),
            2,
            "{text}"
        );
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("LimitExceededException"), "{flat}");
        assert!(flat.contains("reached its quota"), "{flat}");
        assert!(
            flat.contains("The region holds 10 client certificates"),
            "{flat}"
        );
        for id in &legacy {
            assert!(flat.contains(id.as_str()), "expired {id} not named: {flat}");
        }
    };
    apply_meets_the_quota();
    assert_eq!(existing(&emu).len(), 10);
    assert_recorded(&emu, "after the apply that met the quota");
    let after = currents();
    let rotated = (0..FLEET).filter(|&i| after[i] != before[i]).count();
    assert_eq!(rotated, 2, "before {before:?}, after {after:?}");
    for i in (0..FLEET).filter(|&i| after[i] == before[i]) {
        let v = series(i);
        assert_eq!(v["phase"], "stable", "c[{i}] keeps its current certificate");
        assert_eq!(v["previous_certificate_id"], Value::Null);
    }

    // The plan still shows the two rotations left, and a retry while the
    // region is full creates nothing.
    let plan = tf.plan_json();
    let due: Vec<_> = plan
        .resource_changes()
        .into_iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["update"]))
        .collect();
    assert_eq!(due.len(), 2, "{due:#?}");
    apply_meets_the_quota();
    assert_eq!(existing(&emu).len(), 10);
    assert_recorded(&emu, "after the retry");

    // What the diagnostic advised: delete the expired certificates.
    let aws = seed_api::Blocking::new(&emu.url(), common::REGION);
    for id in &legacy {
        aws.delete_certificate(id);
    }
    tf.apply();
    let last = currents();
    assert!(
        (0..FLEET).all(|i| last[i] != before[i]),
        "every series rotated: before {before:?}, now {last:?}"
    );
    assert_eq!(
        existing(&emu).len(),
        2 * FLEET,
        "current and previous of each"
    );
    assert_recorded(&emu, "after the quota was freed");
    assert!(tf.plan_json().is_empty(), "nothing left to do");
}
