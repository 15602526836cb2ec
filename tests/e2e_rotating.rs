//! `apigw_rotating_client_certificate` end to end: the real terraform, the
//! provider binary and an in-process emulator per test. Each test tells one
//! user story of issue 4 and ends by checking that the certificates in the
//! emulator are exactly the certificates in state (no orphan, nothing lost).

mod common;
#[path = "../tools/seed_api.rs"]
mod seed_api;

use std::collections::BTreeSet;

use common::{Emulator, Plan, Tf};
use serde_json::Value;
use terraform_provider_apigw::clock::OFFSET_ENV;

const ADDR: &str = "apigw_rotating_client_certificate.main";
const DAY: i64 = 86_400;

fn resource(body: &str) -> String {
    format!("resource \"apigw_rotating_client_certificate\" \"main\" {{\n{body}\n}}\n")
}

fn setup(body: &str) -> (Emulator, Tf) {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    tf.write("main.tf", &resource(body));
    tf.init();
    (emu, tf)
}

fn state(tf: &Tf) -> Value {
    tf.state_values(ADDR)
        .unwrap_or_else(|| panic!("{ADDR} is not in state"))
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

/// Every certificate ID recorded by any rotating certificate in state.
fn state_ids(tf: &Tf) -> BTreeSet<String> {
    let st = tf.show_json();
    let mut ids = BTreeSet::new();
    for r in st["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        if r["type"] != "apigw_rotating_client_certificate" {
            continue;
        }
        for slot in ["pending", "current", "previous"] {
            if let Some(id) = r["values"][format!("{slot}_certificate_id")].as_str() {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

/// The invariant behind every scenario: nothing orphaned, nothing lost.
fn assert_consistent(emu: &Emulator, tf: &Tf) {
    let live: BTreeSet<String> = emu.certificate_ids().into_iter().collect();
    assert_eq!(
        live,
        state_ids(tf),
        "certificates in the emulator differ from the certificates in state"
    );
}

/// Runs the provider's clock past an `overlap` of `secs` counted from the
/// current certificate's promotion (which happened before now), so the next
/// plan retires the previous certificate without waiting. Every plan warns
/// while the offset is set; [`clock_back`] ends it.
fn skip_overlap(tf: &mut Tf, secs: u64) {
    // The overlap ends at previous_retire_after, at most `secs` from now.
    let retire_after = s(&state(tf)["previous_retire_after"]);
    assert!(
        rotation::parse_rfc3339(&retire_after).is_ok(),
        "previous_retire_after {retire_after:?} is a timestamp"
    );
    tf.set_env(
        OFFSET_ENV,
        &rotation::format_duration(secs.saturating_add(1)),
    );
}

fn clock_back(tf: &mut Tf) {
    tf.set_env(OFFSET_ENV, "");
}

fn warnings_text(plan: &Plan) -> String {
    plan.warning_texts().join("\n")
}

fn assert_empty_and_silent(plan: &Plan) {
    assert!(
        plan.is_empty(),
        "expected an empty plan: {:#}",
        plan.json["resource_changes"]
    );
    assert!(
        plan.warnings().is_empty(),
        "expected no warnings: {}",
        warnings_text(plan)
    );
}

fn stderr(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An apply whose deletion of the previous certificate fails after the SDK's
/// retries: it fails naming that certificate, and state still records
/// `current` and `previous`, exactly what exists.
fn apply_failing_to_delete(emu: &Emulator, tf: &Tf, previous: &str, current: &str) {
    emu.fail_next("DeleteClientCertificate", 20, 500);
    let out = tf.apply_result();
    assert!(!out.status.success());
    let text = stderr(&out);
    assert!(
        text.contains(&format!(
            "Cannot delete the previous client certificate {previous}"
        )),
        "{text}"
    );
    emu.clear_faults();
    let st = state(tf);
    assert_eq!(st["current_certificate_id"], current);
    assert_eq!(st["previous_certificate_id"], previous);
    assert_consistent(emu, tf);
}

/// A plain SDK client on the emulator, for what Terraform does not manage
/// here: REST APIs, stages, and out-of-band deletions.
struct Sdk(seed_api::Blocking);

impl Sdk {
    fn new(emu: &Emulator) -> Sdk {
        Sdk(seed_api::Blocking::new(&emu.url(), common::REGION))
    }

    fn delete_certificate(&self, id: &str) {
        self.0.delete_certificate(id);
    }

    /// A REST API named `name` with stage "prod" presenting `certificate`.
    fn api_with_stage(&self, name: &str, certificate: &str) -> String {
        let api_id = self
            .0
            .run(seed_api::create_api(&self.0.client, name, &["prod"]))
            .unwrap_or_else(|e| panic!("create api: {e}"));
        self.switch_stage(&api_id, certificate);
        api_id
    }

    fn switch_stage(&self, api_id: &str, certificate: &str) {
        self.0
            .run(seed_api::set_stage_certificate(
                &self.0.client,
                api_id,
                "prod",
                certificate,
            ))
            .unwrap_or_else(|e| panic!("update stage: {e}"));
    }
}

// ------------------------------------------------------------- 1, 2, 3

#[test]
fn create_rotate_on_expiry_window_then_retire_after_overlap() {
    let (emu, mut tf) = setup("");
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["create"]);
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert_eq!(plan.after(ADDR, "phase"), "stable");
    tf.apply();
    let st = state(&tf);
    assert_eq!(st["phase"], "stable");
    assert_eq!(st["id"], st["current_certificate_id"]);
    assert_eq!(st["description"], "Managed by Terraform");
    assert_eq!(st["rotate_before"], "60d");
    assert_eq!(st["promote_after"], "0s");
    assert_eq!(st["overlap"], "7d");
    assert_eq!(st["retire_guard"], true);
    assert_eq!(st["rotation_due"], false);
    assert_eq!(emu.certificate_ids().len(), 1);
    assert_consistent(&emu, &tf);
    let first = s(&st["current_certificate_id"]);
    let created = emu.certificates();
    let bundle = s(&st["trusted_pem_bundle"]);
    assert_eq!(
        bundle.trim(),
        created[0].pem.trim(),
        "the one certificate, stored once"
    );
    assert_eq!(
        st["current_expiration_date"],
        rotation::format_rfc3339(created[0].expires)
    );

    // 1. Nothing due: empty and silent.
    assert_empty_and_silent(&tf.plan_json());

    // 2. Into the window: one in-place update that shows the overlap. An hour
    // short of 310 days leaves 55 days and an hour, so the whole days left
    // read 55 however many seconds the steps between take.
    emu.age(310 * DAY - 3_600);
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert!(plan.is_unknown(ADDR, "trusted_pem_bundle"));
    assert_eq!(plan.before(ADDR, "previous_certificate_id"), Value::Null);
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), first.as_str());
    assert_eq!(plan.before(ADDR, "phase"), "stable");
    assert_eq!(plan.after(ADDR, "phase"), "overlap");
    let warnings = plan.warnings();
    assert_eq!(warnings.len(), 1, "{}", warnings_text(&plan));
    let detail = s(&warnings[0]["detail"]);
    assert_eq!(
        warnings[0]["summary"],
        format!("Client certificate {first} due for rotation").as_str()
    );
    for needle in [
        format!("Current certificate {first}"),
        "55 days left".to_string(),
        "rotate_before = \"60d\"".to_string(),
        "overlap (\"7d\")".to_string(),
    ] {
        assert!(detail.contains(&needle), "{needle:?} not in {detail}");
    }
    assert_eq!(warnings[0]["address"], ADDR);
    tf.apply();
    let st = state(&tf);
    let second = s(&st["current_certificate_id"]);
    assert_ne!(second, first);
    assert_eq!(st["previous_certificate_id"], first.as_str());
    assert_eq!(st["phase"], "overlap");
    assert_eq!(st["id"], first.as_str(), "the series keeps its identifier");
    assert_eq!(emu.certificate_ids().len(), 2);
    let pem_of = |id: &str| {
        emu.certificates()
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| format!("{}\n", c.pem.trim()))
            .unwrap_or_else(|| panic!("{id} is not in the emulator"))
    };
    assert_eq!(
        s(&st["trusted_pem_bundle"]),
        format!("{}{}", pem_of(&first), pem_of(&second)),
        "previous, then current"
    );
    assert_consistent(&emu, &tf);
    assert_empty_and_silent(&tf.plan_json());

    // 3. The overlap ends (seven days later on the provider's clock): the
    //    plan retires the previous certificate and says so.
    skip_overlap(&mut tf, 7 * DAY as u64);
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), Value::Null);
    assert_eq!(plan.after(ADDR, "phase"), "stable");
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!("Retiring previous client certificate {first}")),
        "{text}"
    );
    assert!(text.contains(&format!("certificate {first}")), "{text}");
    tf.apply();
    assert_eq!(emu.certificate_ids(), vec![second.clone()]);
    assert_consistent(&emu, &tf);
    clock_back(&mut tf);
    assert_empty_and_silent(&tf.plan_json());

    tf.destroy();
    assert!(
        emu.certificate_ids().is_empty(),
        "destroy deletes every live certificate"
    );
}

// ------------------------------------------------------------------ 4

#[test]
fn promote_after_takes_three_applies() {
    let (emu, mut tf) = setup("promote_after = \"1h\"\n  overlap = \"3s\"");
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    emu.age(310 * DAY);

    // Apply 1: a pending certificate appears; current is unchanged.
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert!(plan.is_unknown(ADDR, "pending_certificate_id"));
    assert_eq!(plan.after(ADDR, "current_certificate_id"), first.as_str());
    assert_eq!(plan.after(ADDR, "phase"), "pending");
    let text = warnings_text(&plan);
    assert!(text.contains("pending certificate"), "{text}");
    assert!(text.contains("promote_after (\"1h\")"), "{text}");
    tf.apply();
    let st = state(&tf);
    let pending = s(&st["pending_certificate_id"]);
    assert_eq!(st["current_certificate_id"], first.as_str());
    assert_eq!(st["phase"], "pending");
    assert_eq!(emu.certificate_ids().len(), 2);
    assert_consistent(&emu, &tf);
    assert_empty_and_silent(&tf.plan_json());

    // Apply 2: promote_after has passed; the promotion is fully known.
    emu.age(3_600);
    let plan = tf.plan_json();
    assert_eq!(plan.after(ADDR, "current_certificate_id"), pending.as_str());
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), first.as_str());
    assert_eq!(plan.after(ADDR, "pending_certificate_id"), Value::Null);
    assert_eq!(plan.after(ADDR, "phase"), "overlap");
    assert!(
        warnings_text(&plan).contains(&format!("Promoting pending client certificate {pending}"))
    );
    tf.apply();
    let st = state(&tf);
    assert_eq!(st["current_certificate_id"], pending.as_str());
    assert_eq!(st["previous_certificate_id"], first.as_str());
    assert_consistent(&emu, &tf);

    // Apply 3: after the (short) overlap, retirement.
    skip_overlap(&mut tf, 3);
    let plan = tf.plan_json();
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), Value::Null);
    assert!(
        warnings_text(&plan).contains(&format!("Retiring previous client certificate {first}"))
    );
    tf.apply();
    assert_eq!(emu.certificate_ids(), vec![pending]);
    assert_consistent(&emu, &tf);
}

// ------------------------------------------------------------------ 5

#[test]
fn expired_current_is_an_outage_and_rotates_at_once() {
    let (emu, tf) = setup("promote_after = \"2d\"");
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    emu.age(366 * DAY);
    let plan = tf.plan_json();
    let text = warnings_text(&plan);
    assert!(text.contains("Outage in progress"), "{text}");
    assert!(text.contains("outage is in progress"), "{text}");
    assert!(
        text.contains(&format!("Current certificate {first} expired on")),
        "{text}"
    );
    // Straight to current despite promote_after: there is no usable current.
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), first.as_str());
    assert_eq!(plan.after(ADDR, "pending_certificate_id"), Value::Null);
    tf.apply();
    let st = state(&tf);
    assert_ne!(st["current_certificate_id"], first.as_str());
    assert_eq!(st["rotation_due"], false);
    assert_consistent(&emu, &tf);
    assert_empty_and_silent(&tf.plan_json());
}

// ------------------------------------------------------------------ 6

#[test]
fn certificates_deleted_out_of_band_are_explained_and_handled() {
    let (emu, tf) = setup("promote_after = \"1h\"");
    let sdk = Sdk::new(&emu);
    tf.apply();

    // Current deleted: replaced at once.
    let first = s(&state(&tf)["current_certificate_id"]);
    sdk.delete_certificate(&first);
    let plan = tf.plan_json();
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!("Current certificate {first} no longer exists")),
        "{text}"
    );
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert!(
        plan.drift().iter().any(|d| d["address"] == ADDR),
        "the refresh reports the deletion as a change outside Terraform"
    );
    tf.apply();
    let current = s(&state(&tf)["current_certificate_id"]);
    assert_ne!(current, first);
    assert_consistent(&emu, &tf);

    // Pending deleted: the rotation starts again.
    emu.age(310 * DAY);
    tf.apply();
    let pending = s(&state(&tf)["pending_certificate_id"]);
    sdk.delete_certificate(&pending);
    let plan = tf.plan_json();
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!(
            "Pending certificate {pending} was deleted outside Terraform"
        )),
        "{text}"
    );
    assert!(plan.is_unknown(ADDR, "pending_certificate_id"));
    assert_eq!(plan.after(ADDR, "current_certificate_id"), current.as_str());
    tf.apply();
    assert_consistent(&emu, &tf);

    // Previous deleted: nothing to do, and the plan says why.
    emu.age(3_600);
    tf.apply(); // promotion: `current` becomes previous
    let previous = s(&state(&tf)["previous_certificate_id"]);
    assert_eq!(previous, current);
    sdk.delete_certificate(&previous);
    let plan = tf.plan_json();
    assert!(plan.is_empty());
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!("Previous certificate {previous} no longer exists")),
        "{text}"
    );
    tf.apply();
    assert_eq!(state(&tf)["phase"], "stable");
    assert_consistent(&emu, &tf);
}

// ------------------------------------------------------------------ 7

#[test]
fn changing_rotation_triggers_rotates() {
    let (emu, tf) = setup("rotation_triggers = { reason = \"initial\" }");
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    assert_empty_and_silent(&tf.plan_json());
    tf.write(
        "main.tf",
        &resource("rotation_triggers = { reason = \"suspected compromise\" }"),
    );
    let plan = tf.plan_json();
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), first.as_str());
    assert!(warnings_text(&plan).contains("rotation_triggers changed"));

    // A failed generation does not use the change up: the next plan still rotates.
    emu.fail_next("GenerateClientCertificate", 20, 500);
    let out = tf.apply_result();
    assert!(!out.status.success());
    emu.clear_faults();
    assert_eq!(state(&tf)["current_certificate_id"], first.as_str());
    assert_consistent(&emu, &tf);
    let plan = tf.plan_json();
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert!(warnings_text(&plan).contains("rotation_triggers changed"));

    tf.apply();
    assert_ne!(state(&tf)["current_certificate_id"], first.as_str());
    assert_consistent(&emu, &tf);
    assert_empty_and_silent(&tf.plan_json());
}

// ------------------------------------------------------------------ 8

#[test]
fn retirement_waits_while_a_stage_presents_the_previous_certificate() {
    let (emu, mut tf) = setup("");
    let sdk = Sdk::new(&emu);
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    let api = sdk.api_with_stage("payments-api", &first);
    emu.age(310 * DAY);
    tf.apply();
    let second = s(&state(&tf)["current_certificate_id"]);

    // The overlap has ended but the stage still presents the first
    // certificate: the plan keeps it and says why; the apply succeeds.
    skip_overlap(&mut tf, 7 * DAY as u64);
    let plan = tf.plan_json();
    assert!(
        plan.is_empty(),
        "nothing is retired while the stage presents it"
    );
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!(
            "Retirement of client certificate {first} waits for its stages"
        )),
        "{text}"
    );
    for needle in ["payments-api", "\"prod\"", api.as_str(), second.as_str()] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(!text.contains("retire_guard = false"), "{text}");
    let out = tf.apply_result();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.certificate_ids().len(), 2, "nothing was deleted");
    assert_consistent(&emu, &tf);

    // A stage that moves onto the certificate after the plan looked: the
    // saved plan retires it, retire_guard refuses at apply, naming the
    // stage, and never advises switching itself off.
    sdk.switch_stage(&api, &second);
    tf.run_ok(&["plan", "-input=false", "-out=tfplan"]);
    sdk.switch_stage(&api, &first);
    let out = tf.run(&["apply", "-input=false", "-no-color", "tfplan"]);
    assert!(!out.status.success(), "retire_guard refuses");
    let text = stderr(&out);
    assert!(
        text.contains(&format!("Client certificate {first} still in use")),
        "{text}"
    );
    for needle in ["payments-api", "\"prod\"", api.as_str()] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(!text.contains("retire_guard = false"), "{text}");
    assert_eq!(emu.certificate_ids().len(), 2, "nothing was deleted");
    assert_eq!(state(&tf)["previous_certificate_id"], first.as_str());
    assert_consistent(&emu, &tf);

    // Once the stage moves, the next apply retires it.
    sdk.switch_stage(&api, &second);
    tf.apply();
    assert_eq!(emu.certificate_ids(), vec![second]);
    assert_consistent(&emu, &tf);
}

#[test]
fn destroy_plans_say_they_delete_the_series_at_once() {
    let (emu, tf) = setup("");
    let sdk = Sdk::new(&emu);
    let create = tf.plan_json();
    assert!(
        create.warnings().is_empty(),
        "a plain create says nothing: {}",
        warnings_text(&create)
    );
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    // (A -replace plans the replacement as a create: Terraform does not ask
    // the provider to plan its destroy, so only destroy plans can say it.)
    let plan = tf.plan_json_with(&["-destroy"]);
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!(
            "Destroying client certificate series {first} deletes {first} at once"
        )),
        "{text}"
    );
    assert!(text.contains("rotation_triggers"), "{text}");
    let api = sdk.api_with_stage("payments-api", &first);
    let plan = tf.plan_json_with(&["-destroy"]);
    let text = warnings_text(&plan);
    assert!(
        text.contains(&format!(
            "Client certificate {first} is still presented by a stage"
        )),
        "{text}"
    );
    assert!(text.contains(&api) && text.contains("\"prod\""), "{text}");
}

#[test]
fn maps_with_unknown_elements_plan_and_apply_on_create_and_update() {
    let (emu, tf) = setup("");
    let config = |value: &str| {
        format!(
            "resource \"terraform_data\" \"d\" {{\n  input = \"{value}\"\n}}\n{}",
            resource(
                "tags              = { team = terraform_data.d.output }\n  \
                 rotation_triggers = { r = terraform_data.d.output }"
            )
        )
    };
    // Create: both maps hold an element known only after apply.
    tf.write("main.tf", &config("one"));
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["create"]);
    tf.apply();
    let st = state(&tf);
    let first = s(&st["current_certificate_id"]);
    assert_eq!(st["tags"]["team"], "one");
    assert_eq!(st["rotation_triggers"]["r"], "one");
    assert_consistent(&emu, &tf);

    // Update: the element changes value, unknown until terraform_data is
    // replaced. The plan defers the decision; the apply rotates, because
    // the trigger's value changed.
    tf.write("main.tf", &config("two"));
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    tf.apply();
    let st = state(&tf);
    assert_ne!(s(&st["current_certificate_id"]), first, "rotated");
    assert_eq!(st["previous_certificate_id"], first.as_str());
    assert_eq!(st["tags"]["team"], "two");
    assert_eq!(st["rotation_triggers"]["r"], "two");
    assert_consistent(&emu, &tf);
    assert!(tf.plan_json().is_empty(), "converged");
}

#[test]
fn provider_default_tags_merge_under_the_resource_tags_into_tags_all() {
    let (emu, tf) = setup("tags = { env = \"staging\", team = \"payments\" }");
    let provider = |owner: &str| {
        common::provider_hcl(Some(&emu.url())).replace(
            "provider \"apigw\" {\n",
            &format!(
                "provider \"apigw\" {{\n  default_tags {{\n    tags = {{ owner = \"{owner}\", env = \"prod\" }}\n  }}\n"
            ),
        )
    };
    tf.write("provider.tf", &provider("platform"));
    tf.apply();
    let st = state(&tf);
    let want = serde_json::json!({"owner": "platform", "env": "staging", "team": "payments"});
    assert_eq!(st["tags_all"], want, "the resource's env wins");
    assert_eq!(
        st["tags"],
        serde_json::json!({"env": "staging", "team": "payments"})
    );
    let carried = |emu: &Emulator| {
        let certs = emu.certificates();
        assert_eq!(certs.len(), 1);
        serde_json::to_value(&certs[0].tags).unwrap_or_default()
    };
    assert_eq!(carried(&emu), want, "the certificate carries tags_all");
    assert_empty_and_silent(&tf.plan_json());

    // A changed default tag updates the live certificate in place.
    tf.write("provider.tf", &provider("edge"));
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert_eq!(plan.after(ADDR, "tags_all")["owner"], "edge");
    tf.apply();
    assert_eq!(carried(&emu)["owner"], "edge");
    assert_eq!(
        state(&tf)["current_certificate_id"],
        st["current_certificate_id"]
    );
    assert_empty_and_silent(&tf.plan_json());
}

// ------------------------------------------------------------------ 9

#[test]
fn injected_faults_never_orphan_or_lose_a_certificate() {
    let (emu, mut tf) = setup("");
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    emu.age(310 * DAY);

    // Generation fails after the SDK's retries: nothing created, state unchanged.
    emu.fail_next("GenerateClientCertificate", 20, 500);
    let out = tf.apply_result();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Cannot generate a client certificate"),
        "{}",
        stderr(&out)
    );
    emu.clear_faults();
    assert_eq!(emu.certificate_ids(), vec![first.clone()]);
    let st = state(&tf);
    assert_eq!(st["current_certificate_id"], first.as_str());
    assert_eq!(st["previous_certificate_id"], Value::Null);
    assert_consistent(&emu, &tf);

    // Throttling bursts are absorbed by retries.
    emu.fail_next("GenerateClientCertificate", 2, 429);
    emu.fail_next("GetClientCertificates", 1, 429);
    tf.apply();
    emu.clear_faults();
    let second = s(&state(&tf)["current_certificate_id"]);
    assert_ne!(second, first);
    assert_consistent(&emu, &tf);

    // Deletion fails: the new certificate stays recorded, the old one stays.
    skip_overlap(&mut tf, 7 * DAY as u64);
    apply_failing_to_delete(&emu, &tf, &first, &second);

    // Once the API recovers, the retirement completes.
    tf.apply();
    assert_eq!(emu.certificate_ids(), vec![second]);
    assert_consistent(&emu, &tf);
}

/// The apply that rotates also retires a previous certificate whose overlap
/// has ended. The retirement runs before the current certificate moves into
/// the previous slot, so a failed delete leaves both where they were.
#[test]
fn a_failed_retirement_in_a_rotating_apply_loses_nothing() {
    let (emu, mut tf) = setup("");
    tf.apply();
    let first = s(&state(&tf)["current_certificate_id"]);
    emu.age(310 * DAY);
    tf.apply();
    let second = s(&state(&tf)["current_certificate_id"]);

    skip_overlap(&mut tf, 7 * DAY as u64);
    emu.age(310 * DAY);
    let plan = tf.plan_json();
    assert!(plan.is_unknown(ADDR, "current_certificate_id"));
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), second.as_str());

    apply_failing_to_delete(&emu, &tf, &first, &second);

    tf.apply();
    let st = state(&tf);
    assert_eq!(st["previous_certificate_id"], second.as_str());
    assert!(!emu.certificate_ids().contains(&first));
    assert_consistent(&emu, &tf);
}

// ----------------------------------------------------------------- 10

/// Import, then a first apply whose rotate_before is known only at apply: the
/// first plan cannot decide, and the plan Terraform makes again during apply
/// (with the window known) must still adopt the first rotation_triggers
/// rather than rotate.
#[test]
fn a_deferred_first_apply_after_import_adopts_the_triggers() {
    let emu = Emulator::start();
    let imported = emu.generate_certificate("legacy gateway certificate").id;
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        &format!(
            "resource \"terraform_data\" \"window\" {{\n  input = \"60d\"\n}}\n{}",
            resource(
                "description = \"legacy gateway certificate\"\n  \
                 rotate_before = terraform_data.window.output\n  \
                 rotation_triggers = { reason = \"initial\" }"
            )
        ),
    );
    tf.init();
    tf.import(ADDR, &imported);
    let plan = tf.plan_json();
    assert!(plan.is_unknown(ADDR, "current_certificate_id"), "deferred");
    tf.apply();
    assert_eq!(state(&tf)["current_certificate_id"], imported.as_str());
    assert_eq!(emu.certificate_ids(), vec![imported]);
    assert_consistent(&emu, &tf);
}

#[test]
fn import_of_one_id_and_of_a_pair_plans_nothing() {
    let emu = Emulator::start();
    let current = emu.generate_certificate("legacy gateway certificate").id;
    let previous = emu.generate_certificate("legacy gateway certificate").id;
    let body = "description = \"legacy gateway certificate\"";

    let tf = Tf::new(&emu);
    tf.write("main.tf", &resource(body));
    tf.init();
    tf.import(ADDR, &current);
    let st = state(&tf);
    assert_eq!(st["current_certificate_id"], current.as_str());
    assert_eq!(st["id"], current.as_str());
    assert_empty_and_silent(&tf.plan_json());

    let pair = Tf::new(&emu);
    pair.write("main.tf", &resource(body));
    pair.init();
    pair.import(ADDR, &format!("{current},{previous}"));
    let st = state(&pair);
    assert_eq!(st["current_certificate_id"], current.as_str());
    assert_eq!(st["previous_certificate_id"], previous.as_str());
    assert_eq!(st["phase"], "overlap");
    assert_empty_and_silent(&pair.plan_json());
    let live: BTreeSet<String> = emu.certificate_ids().into_iter().collect();
    assert_eq!(live, state_ids(&pair));

    let bad = Tf::new(&emu);
    bad.write("main.tf", &resource(body));
    bad.init();
    let out = bad.run(&["import", "-no-color", ADDR, "nosuchcert"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nosuchcert"), "{}", stderr(&out));
}

// ----------------------------------------------------------------- 11

#[test]
fn bad_configurations_fail_at_plan_naming_attribute_and_rule() {
    let (emu, tf) = setup("");
    // Before any certificate exists, against API Gateway's 365-day validity.
    tf.write("main.tf", &resource("rotate_before = \"400d\""));
    let Err(failed) = tf.try_plan_json() else {
        panic!("400d cannot work")
    };
    let text = serde_json::to_string(&failed.errors()).unwrap_or_default();
    assert!(
        text.contains("shorter than the certificates' validity"),
        "{text}"
    );
    assert!(emu.certificate_ids().is_empty(), "nothing created");
    tf.write("main.tf", &resource(""));
    tf.apply();
    let cases: &[(&str, &str, &str)] = &[
        (
            "rotate_before = \"sixty days\"",
            "rotate_before",
            "Invalid Duration",
        ),
        ("overlap = \"-1d\"", "overlap", "negative"),
        ("promote_after = \"3x\"", "promote_after", "unknown unit"),
        (
            "rotate_before = \"0s\"",
            "rotate_before",
            "Invalid Rotation Window",
        ),
        (
            "rotate_before = \"10d\"\n  promote_after = \"3d\"\n  overlap = \"7d\"",
            "overlap",
            "must be shorter than rotate_before",
        ),
        (
            "rotate_before = \"365d\"",
            "rotate_before",
            "shorter than the certificates' validity",
        ),
        (
            "tags = { owner = null }",
            "tags[",
            "is null; expected a string",
        ),
        (
            "rotation_triggers = { ticket = null }",
            "rotation_triggers[",
            "is null; expected a string",
        ),
    ];
    for (body, attribute, rule) in cases {
        tf.write("main.tf", &resource(body));
        let failed = match tf.try_plan_json() {
            Ok(_) => panic!("plan with {body} must fail"),
            Err(f) => f,
        };
        let errors = failed.errors();
        assert!(!errors.is_empty(), "{body}");
        let text: String = errors
            .iter()
            .map(|e| format!("{} {}", e["summary"], e["detail"]))
            .collect();
        assert!(text.contains(attribute), "{body}: {text}");
        assert!(text.contains(rule), "{body}: {text}");
    }
    tf.write("main.tf", &resource(""));
    assert_empty_and_silent(&tf.plan_json());
    assert_consistent(&emu, &tf);
}

// ----------------------------------------------------------------- 12

#[test]
fn refresh_reports_no_change_when_nothing_is_due() {
    // Hours pass through the provider's clock offset (the certificates' own
    // dates stay put, as they do in AWS); the pending certificate waits 1d.
    let (emu, mut tf) = setup("promote_after = \"1d\"\n  tags = { owner = \"edge\" }");
    tf.apply();
    emu.age(310 * DAY);
    tf.apply(); // a pending certificate: every slot kind but previous in use
    let only_clock_warning = |plan: &Plan| {
        let summaries: Vec<String> = plan
            .warnings()
            .iter()
            .map(|w| w["summary"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            summaries
                .iter()
                .all(|s| s == "Provider clock runs ahead of the wall clock"),
            "unexpected warnings: {}",
            warnings_text(plan)
        );
        assert_eq!(
            summaries.len(),
            1,
            "the clock offset must be announced once"
        );
    };
    for offset in ["3h", "9h", "17h"] {
        tf.set_env("APIGW_CLOCK_OFFSET", offset);
        let plan = tf.plan_json_with(&["-refresh-only"]);
        assert!(
            plan.drift().is_empty(),
            "refresh noise {offset} later: {:#}",
            plan.json["resource_drift"]
        );
        assert!(plan.is_empty(), "{offset} later");
        only_clock_warning(&plan);
        let plan = tf.plan_json();
        assert!(
            plan.is_empty(),
            "{offset} later: {:#}",
            plan.json["resource_changes"]
        );
        only_clock_warning(&plan);
    }
    // Once promote_after has passed on the same clock, the plan does move: the
    // offset really reached the provider.
    tf.set_env("APIGW_CLOCK_OFFSET", "1d1h");
    let plan = tf.plan_json();
    assert_eq!(
        plan.actions(ADDR),
        ["update"],
        "promotion is due a day later"
    );
    tf.set_env("APIGW_CLOCK_OFFSET", "");
    assert_empty_and_silent(&tf.plan_json());
    assert_consistent(&emu, &tf);
}

// ----------------------------------------------------------------- 13

#[test]
fn two_hundred_resources_refresh_with_at_most_two_listings() {
    let emu = Emulator::with_config(apigw_emulator::Config {
        max_client_certificates: 500,
        ..apigw_emulator::Config::default()
    });
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        "resource \"apigw_rotating_client_certificate\" \"fleet\" {\n  count = 200\n  description = \"fleet ${count.index}\"\n}\n",
    );
    tf.init();
    tf.apply();
    assert_eq!(emu.certificate_ids().len(), 200);
    let lists = emu.call_count("GetClientCertificates");
    let gets = emu.call_count("GetClientCertificate");
    let plan = tf.plan_json_with(&["-refresh-only"]);
    assert!(plan.drift().is_empty());
    let listings = emu.call_count("GetClientCertificates") - lists;
    assert!(
        (1..=2).contains(&listings),
        "{listings} listing calls for one refresh"
    );
    assert_eq!(
        emu.call_count("GetClientCertificate") - gets,
        0,
        "no per-certificate reads"
    );
    assert_consistent(&emu, &tf);
}

// ----------------------------------------------------------------- 14

#[test]
fn saved_plan_applies_after_a_boundary_passes() {
    let (emu, mut tf) = setup("overlap = \"20s\"");
    tf.apply();
    emu.age(310 * DAY);
    tf.apply(); // rotation: previous retires 20 s after this apply
    let st = state(&tf);
    let previous = s(&st["previous_certificate_id"]);
    let retire_after = s(&st["previous_retire_after"]);

    // Due again, this time into pending: the saved plan generates a pending
    // certificate while the previous one is still inside its overlap.
    emu.age(310 * DAY);
    tf.write(
        "main.tf",
        &resource("overlap = \"20s\"\n  promote_after = \"1h\""),
    );
    let plan = tf.plan_json();
    assert!(plan.is_unknown(ADDR, "pending_certificate_id"));
    assert_eq!(
        plan.after(ADDR, "previous_certificate_id"),
        previous.as_str(),
        "the overlap must not have ended before the plan (retire at {retire_after})"
    );

    // The overlap ends before the saved plan is applied (on the provider's
    // clock): a fresh plan would now also retire.
    assert!(
        rotation::parse_rfc3339(&retire_after).is_ok(),
        "{retire_after:?}"
    );
    skip_overlap(&mut tf, 20);
    let out = tf.apply_plan("tfplan");
    assert!(!stderr(&out).contains("inconsistent final plan"));
    let st = state(&tf);
    assert!(st["pending_certificate_id"].is_string());
    assert_eq!(
        st["previous_certificate_id"],
        previous.as_str(),
        "exactly the saved steps"
    );
    assert_consistent(&emu, &tf);

    // The step that became due appears in the next plan.
    let plan = tf.plan_json();
    assert_eq!(plan.after(ADDR, "previous_certificate_id"), Value::Null);
    assert!(
        warnings_text(&plan).contains(&format!("Retiring previous client certificate {previous}"))
    );
    tf.apply();
    assert_consistent(&emu, &tf);
}

// ---------------------------------------------------------- in place

#[test]
fn description_and_tags_update_live_certificates_in_place() {
    let (emu, tf) = setup("overlap = \"1h\"");
    tf.apply();
    emu.age(310 * DAY);
    tf.apply();
    tf.write(
        "main.tf",
        &resource("overlap = \"1h\"\n  description = \"edge mTLS\"\n  tags = { owner = \"edge\" }"),
    );
    let plan = tf.plan_json();
    assert_eq!(plan.actions(ADDR), ["update"]);
    assert!(
        plan.warnings().is_empty(),
        "no rotation step: {}",
        warnings_text(&plan)
    );
    tf.apply();
    for cert in emu.certificates() {
        assert_eq!(
            cert.description.as_deref(),
            Some("edge mTLS"),
            "{}",
            cert.id
        );
        assert_eq!(
            cert.tags.get("owner").map(String::as_str),
            Some("edge"),
            "{}",
            cert.id
        );
    }
    assert_empty_and_silent(&tf.plan_json());
    assert_consistent(&emu, &tf);
}

// ------------------------------------------------------------ example

#[test]
fn documented_example_applies_and_settles() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/resources/apigw_rotating_client_certificate/resource.tf"
    ))
    .unwrap_or_else(|e| panic!("example missing: {e}"));
    tf.write("main.tf", &example);
    tf.init();
    tf.apply();
    let address = "apigw_rotating_client_certificate.payments";
    let st = tf
        .state_values(address)
        .unwrap_or_else(|| panic!("{address} is not in state"));
    assert_eq!(st["promote_after"], "2d");
    let bundle = tf.output("payments_trust_bundle");
    assert_eq!(bundle, st["trusted_pem_bundle"]);
    assert_eq!(
        s(&bundle).matches("BEGIN CERTIFICATE").count(),
        1,
        "one certificate in the stable phase"
    );
    let plan = tf.plan_json();
    assert!(plan.is_empty() && plan.warnings().is_empty());
    // Into the window: the new certificate goes to pending and the
    // postcondition holds (a rotation is in progress).
    emu.age(310 * DAY);
    tf.apply();
    let st = tf
        .state_values(address)
        .unwrap_or_else(|| panic!("{address} is not in state"));
    assert_eq!(st["phase"], "pending");
    assert_eq!(st["rotation_due"], true);
    assert_eq!(
        tf.output("payments_trust_bundle")
            .as_str()
            .map(|b| b.matches("BEGIN CERTIFICATE").count()),
        Some(2)
    );
    tf.destroy();
    assert!(emu.certificate_ids().is_empty());
}

// ------------------------------------------------------------ upgrade

/// Rewrites the state file as versions 0 and 1 stored it (each slot's PEM
/// and dates beside the bundle, which held the same PEMs again).
fn downgrade_state(tf: &Tf, emu: &Emulator, version: i64) {
    let mut raw: Value = serde_json::from_str(&tf.read("terraform.tfstate"))
        .unwrap_or_else(|e| panic!("state is not JSON: {e}"));
    let instance = &mut raw["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 2);
    instance["schema_version"] = Value::from(version);
    let attrs = instance["attributes"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("attributes are not an object"));
    let certs = emu.certificates();
    let mut ids = Vec::new();
    for slot in ["pending", "current", "previous"] {
        let cert = attrs[&format!("{slot}_certificate_id")]
            .as_str()
            .and_then(|id| certs.iter().find(|c| c.id == id));
        let field = |f: fn(&apigw_emulator::CertRecord) -> Value| cert.map_or(Value::Null, f);
        attrs.insert(format!("{slot}_pem"), field(|c| c.pem.clone().into()));
        attrs.insert(
            format!("{slot}_created_date"),
            field(|c| rotation::format_rfc3339(c.created).into()),
        );
        attrs.insert(
            format!("{slot}_expiration_date"),
            field(|c| rotation::format_rfc3339(c.expires).into()),
        );
        ids.extend(cert.map(|c| c.id.clone()));
    }
    attrs.insert(
        "rotation_due_date".into(),
        Value::from("2000-01-01T00:00:00Z"),
    );
    if version == 1 {
        attrs.insert("promoted_date".into(), Value::from("2000-01-01T00:00:00Z"));
        attrs.insert("trusted_certificate_ids".into(), Value::from(ids));
    }
    raw["serial"] = Value::from(raw["serial"].as_i64().unwrap_or(0) + 1);
    tf.write("terraform.tfstate", &raw.to_string());
}

#[test]
fn state_written_by_schema_versions_0_and_1_is_upgraded() {
    for version in [0, 1] {
        let (emu, tf) = setup("");
        tf.apply();
        if version == 1 {
            // Mid-rotation: two certificates, two slots to map.
            emu.age(310 * DAY);
            tf.apply();
        }
        let before = state(&tf);
        downgrade_state(&tf, &emu, version);

        assert_empty_and_silent(&tf.plan_json());
        tf.run_ok(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ]);
        let raw: Value = serde_json::from_str(&tf.read("terraform.tfstate"))
            .unwrap_or_else(|e| panic!("state is not JSON: {e}"));
        assert_eq!(raw["resources"][0]["instances"][0]["schema_version"], 2);
        assert_eq!(
            state(&tf),
            before,
            "version {version} upgraded to what version 2 wrote"
        );
        assert_consistent(&emu, &tf);
    }
}
