//! The data plane end to end: a stage's HTTP_PROXY integration reaches a loopback
//! HTTPS backend that requires a client certificate, presenting the stage's current
//! certificate; TestInvokeMethod presents the one it is given.

mod support;

use apigw_emulator::testing::{Backend, Seen};
use apigw_emulator::{Config, certificate_sha256, spawn};
use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
use support::{client, header, raw};

fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("apigw-emu-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn stage_presents_its_current_certificate_to_a_verifying_backend() {
    // Certificates first: the backend trusts A and B, never C.
    let dir = tempdir("dataplane");
    // The backend's CA must be known when the emulator starts, and the client
    // certificates when the backend starts: start a throwaway emulator to mint the
    // client certificates, then reuse its state file.
    let state = dir.join("state.json");
    let minted = spawn(Config {
        state_file: Some(state.clone()),
        ..Config::default()
    })
    .await
    .unwrap();
    let a = minted
        .generate_certificate(Some("a".into()), Default::default())
        .unwrap();
    let b = minted
        .generate_certificate(Some("b".into()), Default::default())
        .unwrap();
    let c = minted
        .generate_certificate(Some("c".into()), Default::default())
        .unwrap();
    drop(minted);
    let backend = Backend::start(&[&a.pem, &b.pem]).await;
    let emu = spawn(Config {
        state_file: Some(state.clone()),
        backend_ca: vec![backend.write_ca(&dir)],
        ..Config::default()
    })
    .await
    .unwrap();
    let sdk = client(&emu.url());

    let api = sdk.create_rest_api().name("mtls").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let resources = sdk
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let root = &resources.items()[0];
    assert_eq!(root.path(), Some("/"));
    assert_eq!(root.id(), api.root_resource_id());
    let health = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(root.id().unwrap())
        .path_part("health")
        .send()
        .await
        .unwrap();
    let rid = health.id().unwrap().to_owned();
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    sdk.put_integration()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri("https://${stageVariables.backend}/healthz")
        .send()
        .await
        .unwrap();
    let dep = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    sdk.create_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .deployment_id(dep.id().unwrap())
        .variables("backend", backend.addr.to_string())
        .send()
        .await
        .unwrap();
    let set_cert = |id: &str| {
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .patch_operations(replace("/clientCertificateId", id))
            .send()
    };
    let path = format!("/restapis/{api_id}/prod/_user_request_/health?probe=1");
    let fp = |pem: &str| certificate_sha256(pem).unwrap();

    // The stage's certificate A: 200, and the backend verified A.
    set_cert(&a.id).await.unwrap();
    let (status, headers, body) = raw(emu.addr(), "GET", &path, &[], b"").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "x-backend"), Some("loopback"));
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["sha256"], fp(&a.pem));
    assert_eq!(answer["path"], "/healthz?probe=1");
    assert_eq!(
        backend.seen().last(),
        Some(&Seen::Request {
            sha256: fp(&a.pem),
            path: "/healthz?probe=1".into()
        })
    );

    // After UpdateStage to B, the very next request presents B.
    set_cert(&b.id).await.unwrap();
    let (status, _, body) = raw(emu.addr(), "GET", &path, &[], b"").await;
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["sha256"], fp(&b.pem));

    // The request log names the certificate each invocation presented.
    let invocations: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.operation == "Invoke")
        .collect();
    assert_eq!(invocations.len(), 2);
    let last = invocations[1].invocation.as_ref().unwrap();
    assert_eq!(last.client_certificate_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(last.client_certificate_sha256, Some(fp(&b.pem)));
    assert_eq!(last.integration_status, Some(200));
    assert_eq!(
        last.integration_uri.as_deref(),
        Some(format!("https://{}/healthz?probe=1", backend.addr).as_str())
    );

    // An untrusted certificate C, then no certificate at all: API Gateway's 502.
    set_cert(&c.id).await.unwrap();
    let (status, _, body) = raw(emu.addr(), "GET", &path, &[], b"").await;
    assert_eq!(status, 502);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["message"], "Internal server error");
    let logged = emu.requests().pop().unwrap().invocation.unwrap();
    assert_eq!(logged.client_certificate_id.as_deref(), Some(c.id.as_str()));
    assert!(logged.error.is_some());
    set_cert("").await.unwrap();
    let (status, _, _) = raw(emu.addr(), "GET", &path, &[], b"").await;
    assert_eq!(status, 502);
    let logged = emu.requests().pop().unwrap().invocation.unwrap();
    assert_eq!(logged.client_certificate_id, None);
    let refusals = backend
        .seen()
        .iter()
        .filter(|s| matches!(s, Seen::Refused(_)))
        .count();
    assert_eq!(refusals, 2, "{:?}", backend.seen());

    // TestInvokeMethod presents the certificate it is given, before any switch.
    let trusted = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .path_with_query_string("/health")
        .stage_variables("backend", backend.addr.to_string())
        .client_certificate_id(&a.id)
        .send()
        .await
        .unwrap();
    assert_eq!(trusted.status(), 200, "{:?}", trusted.log());
    let answer: serde_json::Value = serde_json::from_str(trusted.body().unwrap()).unwrap();
    assert_eq!(answer["sha256"], fp(&a.pem));
    assert_eq!(
        trusted
            .headers()
            .unwrap()
            .get("x-backend")
            .map(String::as_str),
        Some("loopback")
    );
    let log = trusted.log().unwrap();
    assert!(log.contains("Method completed with status: 200"), "{log}");
    assert!(
        log.contains(&format!(
            "Sending request to https://{}/healthz",
            backend.addr
        )),
        "{log}"
    );
    assert!(trusted.latency() >= 0);

    let refused = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&rid)
        .http_method("GET")
        .stage_variables("backend", backend.addr.to_string())
        .client_certificate_id(&c.id)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 502);
    assert_eq!(
        refused.body(),
        Some(r#"{"message":"Internal server error"}"#)
    );
    let log = refused.log().unwrap();
    assert!(
        log.contains("Execution failed due to configuration error:"),
        "{log}"
    );
    assert!(log.contains("Method completed with status: 502"), "{log}");
    // The stage was never touched by the test invocations.
    let stage = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.client_certificate_id(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn unreachable_and_slow_backends_map_to_502_and_504() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());
    // A port nothing listens on, and a listener that never answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let api = sdk.create_rest_api().name("down").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    for (part, target, timeout) in [
        ("closed", format!("http://{closed_addr}/"), None),
        ("silent", format!("http://{silent_addr}/"), Some(300)),
    ] {
        let r = sdk
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap();
        sdk.put_method()
            .rest_api_id(&api_id)
            .resource_id(r.id().unwrap())
            .http_method("ANY")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        let mut put = sdk
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(r.id().unwrap())
            .http_method("ANY")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("ANY")
            .uri(target);
        if let Some(ms) = timeout {
            put = put.timeout_in_millis(ms);
        }
        put.send().await.unwrap();
    }
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("v1")
        .send()
        .await
        .unwrap();
    let (status, _, body) = raw(
        emu.addr(),
        "POST",
        &format!("/restapis/{api_id}/v1/_user_request_/closed"),
        &[],
        b"x",
    )
    .await;
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = raw(
        emu.addr(),
        "GET",
        &format!("/restapis/{api_id}/v1/_user_request_/silent"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 504);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["message"],
        "Endpoint request timed out"
    );
    // Paths and methods the API does not define: AWS's 403.
    let (status, headers, _) = raw(
        emu.addr(),
        "GET",
        &format!("/restapis/{api_id}/v1/_user_request_/nothing/here"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    let (status, _, _) = raw(
        emu.addr(),
        "GET",
        &format!("/restapis/{api_id}/nostage/_user_request_/closed"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 404);
    hold.abort();
}
