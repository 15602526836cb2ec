//! `verify` on apigw_stage_client_certificate, end to end: the real terraform, the
//! provider binary, the emulator's TestInvokeMethod and data plane, and a loopback
//! HTTPS backend that trusts only some client certificates.

mod common;

#[path = "../tools/seed_api.rs"]
mod seed_api;

use apigw_emulator::testing::{Backend, Seen};
use aws_sdk_apigateway::types::IntegrationType;
use common::{Emulator, Tf};

/// Runs an apply that must fail; its error output on one line, without
/// Terraform's box drawing.
fn refused_apply(tf: &Tf) -> String {
    let out = tf.apply_result();
    assert!(!out.status.success(), "the switch must be refused");
    String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// The plan's "will be verified first" warning, summary and detail.
fn verify_note(plan: &common::Plan) -> String {
    let notes = plan.warning_texts();
    notes
        .iter()
        .find(|n| n.contains("will be verified first"))
        .cloned()
        .unwrap_or_else(|| panic!("no verify note in the plan's warnings: {notes:?}"))
}

fn attachment(api: &str, cert: &str) -> String {
    attachment_with(api, cert, "attempts = 2")
}

fn attachment_with(api: &str, cert: &str, settings: &str) -> String {
    format!(
        r#"
resource "apigw_stage_client_certificate" "s" {{
  rest_api_id           = "{api}"
  stage_name            = "prod"
  client_certificate_id = "{cert}"

  verify {{
    path             = "/health"
    interval_seconds = 0
    {settings}
  }}
}}
"#
    )
}

#[test]
fn a_switch_to_a_certificate_the_backend_does_not_trust_is_refused_and_changes_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(format!("apigw-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    // Certificates first (the backend must know which it trusts), then the
    // emulator again over the same state, trusting the backend's CA.
    let (trusted, untrusted) = {
        let minting = Emulator::with_config(apigw_emulator::Config {
            state_file: Some(state.clone()),
            ..apigw_emulator::Config::default()
        });
        (
            minting.generate_certificate("trusted by the backend"),
            minting.generate_certificate("unknown to the backend"),
        )
    };
    let backend = rt.block_on(Backend::start(&[&trusted.pem]));
    let emu = Emulator::with_config(apigw_emulator::Config {
        state_file: Some(state),
        backend_ca: vec![backend.write_ca(&dir)],
        ..apigw_emulator::Config::default()
    });

    // A REST API whose GET /health proxies to the backend named by a stage variable.
    let client = rt.block_on(seed_api::client(&emu.url(), common::REGION));
    let api = rt.block_on(async {
        let api = client
            .create_rest_api()
            .name("orders")
            .send()
            .await
            .unwrap();
        let api_id = api.id().unwrap().to_owned();
        let health = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(api.root_resource_id().unwrap())
            .path_part("health")
            .send()
            .await
            .unwrap();
        client
            .put_method()
            .rest_api_id(&api_id)
            .resource_id(health.id().unwrap())
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        client
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(health.id().unwrap())
            .http_method("GET")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri("https://${stageVariables.backend}/healthz")
            .send()
            .await
            .unwrap();
        let dep = client
            .create_deployment()
            .rest_api_id(&api_id)
            .send()
            .await
            .unwrap();
        client
            .create_stage()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .deployment_id(dep.id().unwrap())
            .variables("backend", backend.addr.to_string())
            .send()
            .await
            .unwrap();
        api_id
    });
    let stage_cert = || {
        rt.block_on(seed_api::stage_certificate(&client, &api, "prod"))
            .unwrap()
    };
    let invoke = || {
        let url = format!("{}/restapis/{api}/prod/_user_request_/health", emu.url());
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,urllib.request as u\n\
                 o=u.build_opener(u.ProxyHandler({}))\n\
                 try:\n  print(o.open(sys.argv[1]).status)\n\
                 except Exception as e:\n  print(getattr(e,'code',0))",
                &url,
            ])
            .output()
            .expect("python3 runs the data-plane request");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };

    // The trusted certificate passes verification and is attached.
    let tf = Tf::new(&emu);
    tf.write("main.tf", &attachment(&api, &trusted.id));
    tf.init();
    tf.apply();
    assert_eq!(stage_cert().as_deref(), Some(trusted.id.as_str()));
    assert_eq!(emu.call_count("TestInvokeMethod"), 1);
    assert_eq!(invoke(), "200");

    // The untrusted one: the apply fails with one sentence naming the stage, the
    // route, the certificate and the backend's answer; the stage is unchanged.
    let updates_before = emu.call_count("UpdateStage");
    tf.write("main.tf", &attachment(&api, &untrusted.id));
    // The plan already says the switch will be verified, and how.
    let note = verify_note(&tf.plan_json());
    for needle in [
        "TestInvokeMethod GET /health".to_string(),
        format!("client certificate \"{}\"", untrusted.id),
        "up to 2 attempt(s)".to_string(),
    ] {
        assert!(note.contains(&needle), "missing {needle:?} in: {note}");
    }
    assert_eq!(
        emu.call_count("TestInvokeMethod"),
        1,
        "planning does not call the backend"
    );
    let msg = refused_apply(&tf);
    for needle in [
        "Backend does not accept the new client certificate",
        "Stage \"prod\"",
        &format!("REST API \"{api}\""),
        &format!("client certificate \"{}\"", untrusted.id),
        "TestInvokeMethod GET /health",
        "got status 502",
        "after 2 attempt(s)",
        "Internal server error",
        &format!("still presents client certificate \"{}\"", trusted.id),
    ] {
        assert!(msg.contains(needle), "missing {needle:?} in: {msg}");
    }
    assert_eq!(
        emu.call_count("TestInvokeMethod"),
        3,
        "one more call per attempt"
    );
    assert_eq!(
        emu.call_count("UpdateStage"),
        updates_before,
        "the stage was not touched"
    );
    assert_eq!(stage_cert().as_deref(), Some(trusted.id.as_str()));
    // Traffic never saw the untrusted certificate: every request still succeeds.
    for _ in 0..5 {
        assert_eq!(invoke(), "200");
    }
    let trusted_fp = apigw_emulator::certificate_sha256(&trusted.pem).unwrap();
    let served: Vec<_> = backend
        .seen()
        .into_iter()
        .filter_map(|s| match s {
            Seen::Request { sha256, .. } => Some(sha256),
            Seen::Refused(_) => None,
        })
        .collect();
    assert!(served.iter().all(|fp| *fp == trusted_fp), "{served:?}");
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.operation == "Invoke" && r.status != Some(200))
            .count(),
        0
    );
    // Two accepted answers in a row out of three: the plan says so, and
    // after two refusals the third attempt could not make a run of two, so
    // the apply stops there.
    tf.write(
        "main.tf",
        &attachment_with(&api, &untrusted.id, "attempts = 3\n    successes = 2"),
    );
    let note = verify_note(&tf.plan_json());
    assert!(
        note.contains("answers 200, 2 times in a row (up to 3 attempt(s)"),
        "{note}"
    );
    let msg = refused_apply(&tf);
    assert!(
        msg.contains("after 2 attempt(s) (2 accepted answers in a row were needed)"),
        "{msg}"
    );
    assert_eq!(emu.call_count("TestInvokeMethod"), 5, "two more, not three");
    assert_eq!(emu.call_count("UpdateStage"), updates_before);

    // More successes than attempts can never pass: the plan fails naming
    // the attribute, its value and the limit, and calls nothing.
    tf.write(
        "main.tf",
        &attachment_with(&api, &untrusted.id, "attempts = 2\n    successes = 3"),
    );
    let Err(failed) = tf.try_plan_json() else {
        panic!("the plan must fail on verify.successes");
    };
    let errors: Vec<String> = failed
        .errors()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["summary"].as_str().unwrap_or_default(),
                e["detail"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("Invalid verify successes")
            && errors[0].contains("verify.successes = 3: expected at most verify.attempts (2)"),
        "{errors:?}"
    );
    assert_eq!(emu.call_count("TestInvokeMethod"), 5);

    // The failed applies left the state on the trusted certificate.
    let state = tf.state_values("apigw_stage_client_certificate.s").unwrap();
    assert_eq!(state["client_certificate_id"], trusted.id.as_str());
    drop(tf);
    drop(emu);
    std::fs::remove_dir_all(&dir).unwrap();
}
