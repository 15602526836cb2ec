//! The emulator driven by the real `aws-sdk-apigateway` client, operation by operation.

mod support;

use std::collections::{BTreeSet, HashMap};

use apigw_emulator::{Config, FaultSpec, Throttle, spawn};
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use support::{client, client_with, header, raw};

fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    let mut b = PatchOperation::builder().op(op).path(path);
    if let Some(v) = value {
        b = b.value(v);
    }
    b.build()
}

fn fault(operation: &str, count: u32, status: Option<u16>, code: Option<&str>) -> FaultSpec {
    FaultSpec {
        operation: operation.to_owned(),
        count,
        status,
        code: code.map(str::to_owned),
        message: None,
        latency_ms: None,
        drop_connection: false,
        after_commit: false,
    }
}

#[tokio::test]
async fn client_certificate_lifecycle_through_the_sdk() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());

    let created = sdk
        .generate_client_certificate()
        .description("payments backend")
        .tags("team", "payments")
        .send()
        .await
        .unwrap();
    let id = created.client_certificate_id().unwrap().to_owned();
    assert_eq!(id.len(), 6);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(created.description(), Some("payments backend"));
    assert!(
        created
            .pem_encoded_certificate()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let created_at = created.created_date().unwrap().secs();
    let expires_at = created.expiration_date().unwrap().secs();
    assert_eq!(expires_at - created_at, 365 * 86_400);
    assert_eq!(created.tags().unwrap()["team"], "payments");

    let got = sdk
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.pem_encoded_certificate(),
        created.pem_encoded_certificate()
    );
    assert_eq!(got.created_date(), created.created_date());

    let updated = sdk
        .update_client_certificate()
        .client_certificate_id(&id)
        .patch_operations(patch(Op::Replace, "/description", Some("renamed")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("renamed"));

    let listed = sdk.get_client_certificates().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
    assert_eq!(listed.items()[0].description(), Some("renamed"));
    assert!(listed.position().is_none());

    sdk.delete_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    let gone = sdk
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_not_found_exception(), "{gone:?}");
    let again = sdk
        .delete_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(again.is_not_found_exception(), "{again:?}");
    // The private key never leaves the emulator, not even in the admin dump.
    assert!(!emu.state_json().to_string().contains("PRIVATE KEY"));
}

#[tokio::test]
async fn listing_pages_across_three_pages_and_validates_limit() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());
    let mut made = BTreeSet::new();
    for i in 0..7 {
        let c = sdk
            .generate_client_certificate()
            .description(format!("c{i}"))
            .send()
            .await
            .unwrap();
        made.insert(c.client_certificate_id().unwrap().to_owned());
    }
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    let mut position: Option<String> = None;
    loop {
        let page = sdk
            .get_client_certificates()
            .limit(3)
            .set_position(position.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.items().len() <= 3);
        for c in page.items() {
            assert!(
                seen.insert(c.client_certificate_id().unwrap().to_owned()),
                "duplicate across pages"
            );
        }
        match page.position() {
            Some(p) => position = Some(p.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, made);

    // The SDK paginator follows the same tokens.
    let via_paginator: Vec<_> = sdk
        .get_client_certificates()
        .limit(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(via_paginator.len(), 7);
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.path.contains("limit=2"))
            .count(),
        4
    );

    // Default page size is 25, maximum 500.
    let all = sdk.get_client_certificates().send().await.unwrap();
    assert_eq!(all.items().len(), 7);
    for bad in [0, 501, -1] {
        let err = sdk
            .get_client_certificates()
            .limit(bad)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_bad_request_exception(), "limit {bad}: {err:?}");
        assert!(err.message().unwrap().contains("limit"));
    }
    let ok = sdk
        .get_client_certificates()
        .limit(500)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.items().len(), 7);
}

#[tokio::test]
async fn rest_apis_deployments_stages_and_tags_through_the_sdk() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());

    let api = sdk
        .create_rest_api()
        .name("orders")
        .description("d")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap().to_owned();
    assert_eq!(api.name(), Some("orders"));
    assert!(api.created_date().is_some());
    let got = sdk
        .get_rest_api()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("orders"));
    for n in 0..4 {
        sdk.create_rest_api()
            .name(format!("extra{n}"))
            .send()
            .await
            .unwrap();
    }
    let apis: Vec<_> = sdk
        .get_rest_apis()
        .limit(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(apis.len(), 5);

    let deployment = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .description("first")
        .send()
        .await
        .unwrap();
    let deployment_id = deployment.id().unwrap().to_owned();
    let prod = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(prod.deployment_id(), Some(deployment_id.as_str()));
    assert!(prod.client_certificate_id().is_none());

    let beta = sdk
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .deployment_id(&deployment_id)
        .variables("backend", "b1")
        .tags("env", "beta")
        .send()
        .await
        .unwrap();
    assert_eq!(beta.stage_name(), Some("beta"));
    assert_eq!(beta.variables().unwrap()["backend"], "b1");

    let dup = sdk
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .deployment_id(&deployment_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(dup.is_conflict_exception(), "{dup:?}");

    let cert = sdk.generate_client_certificate().send().await.unwrap();
    let cert_id = cert.client_certificate_id().unwrap();
    let updated = sdk
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .patch_operations(patch(Op::Replace, "/clientCertificateId", Some(cert_id)))
        .patch_operations(patch(Op::Replace, "/description", Some("switched")))
        .patch_operations(patch(Op::Replace, "/variables/region", Some("eu")))
        .patch_operations(patch(Op::Remove, "/variables/backend", None))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.client_certificate_id(), Some(cert_id));
    assert_eq!(updated.description(), Some("switched"));
    let vars: HashMap<_, _> = updated.variables().cloned().unwrap_or_default();
    assert_eq!(vars.get("region").map(String::as_str), Some("eu"));
    assert!(!vars.contains_key("backend"));

    let stages = sdk.get_stages().rest_api_id(&api_id).send().await.unwrap();
    let names: BTreeSet<_> = stages
        .item()
        .iter()
        .filter_map(|s| s.stage_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["beta", "prod"]));
    let using: Vec<_> = stages
        .item()
        .iter()
        .filter(|s| s.client_certificate_id() == Some(cert_id))
        .collect();
    assert_eq!(using.len(), 1);

    let detached = sdk
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .patch_operations(patch(Op::Replace, "/clientCertificateId", Some("")))
        .send()
        .await
        .unwrap();
    assert!(detached.client_certificate_id().is_none());

    let unknown_cert = sdk
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .patch_operations(patch(Op::Replace, "/clientCertificateId", Some("zzzzzz")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(unknown_cert.is_bad_request_exception(), "{unknown_cert:?}");

    // Tags by ARN on a stage and on a certificate.
    let stage_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/beta");
    sdk.tag_resource()
        .resource_arn(&stage_arn)
        .tags("owner", "team-a")
        .send()
        .await
        .unwrap();
    let tags = sdk
        .get_tags()
        .resource_arn(&stage_arn)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags["owner"], "team-a");
    assert_eq!(tags["env"], "beta");
    sdk.untag_resource()
        .resource_arn(&stage_arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = sdk
        .get_tags()
        .resource_arn(&stage_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().keys().collect::<Vec<_>>(),
        vec!["owner"]
    );

    let cert_arn = format!("arn:aws:apigateway:us-east-1::/clientcertificates/{cert_id}");
    sdk.tag_resource()
        .resource_arn(&cert_arn)
        .tags("k", "v")
        .send()
        .await
        .unwrap();
    let c = sdk
        .get_client_certificate()
        .client_certificate_id(cert_id)
        .send()
        .await
        .unwrap();
    assert_eq!(c.tags().unwrap()["k"], "v");
    let missing = sdk
        .get_tags()
        .resource_arn("arn:aws:apigateway:us-east-1::/clientcertificates/nope00")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_not_found_exception(), "{missing:?}");
    let bad_tag = sdk
        .tag_resource()
        .resource_arn(&cert_arn)
        .tags("aws:reserved", "x")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(bad_tag.is_bad_request_exception(), "{bad_tag:?}");

    let deployments = sdk
        .get_deployments()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(deployments.items().len(), 1);
    let d = sdk
        .get_deployment()
        .rest_api_id(&api_id)
        .deployment_id(&deployment_id)
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("first"));

    sdk.delete_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .send()
        .await
        .unwrap();
    let gone = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("beta")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_not_found_exception(), "{gone:?}");
    sdk.delete_rest_api()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let gone = sdk
        .get_rest_api()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_not_found_exception(), "{gone:?}");
    let stages_gone = sdk
        .get_stages()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(stages_gone.is_not_found_exception(), "{stages_gone:?}");

    let calls = emu.calls();
    for op in [
        "CreateRestApi",
        "GetRestApi",
        "GetRestApis",
        "DeleteRestApi",
        "CreateDeployment",
        "GetDeployments",
        "GetDeployment",
        "CreateStage",
        "GetStage",
        "GetStages",
        "UpdateStage",
        "DeleteStage",
        "GetTags",
        "TagResource",
        "UntagResource",
    ] {
        assert!(
            calls.get(op).copied().unwrap_or(0) >= 1,
            "{op} not counted: {calls:?}"
        );
    }
}

#[tokio::test]
async fn every_error_kind_reaches_the_sdk_typed() {
    let emu = spawn(Config {
        max_client_certificates: 2,
        ..Config::default()
    })
    .await
    .unwrap();
    let sdk = client_with(&emu.url(), "test", "test", 1);

    let bad_patch = {
        let c = sdk.generate_client_certificate().send().await.unwrap();
        sdk.update_client_certificate()
            .client_certificate_id(c.client_certificate_id().unwrap())
            .patch_operations(patch(Op::Replace, "/pemEncodedCertificate", Some("x")))
            .send()
            .await
            .unwrap_err()
            .into_service_error()
    };
    assert!(bad_patch.is_bad_request_exception(), "{bad_patch:?}");
    assert!(
        bad_patch
            .message()
            .unwrap()
            .contains("/pemEncodedCertificate")
    );

    sdk.generate_client_certificate().send().await.unwrap();
    let limit = sdk
        .generate_client_certificate()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(limit.is_limit_exceeded_exception(), "{limit:?}");
    assert_eq!(emu.certificates().len(), 2);

    let not_found = sdk
        .get_stage()
        .rest_api_id("missing000")
        .stage_name("prod")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(not_found.is_not_found_exception(), "{not_found:?}");

    emu.add_fault(fault("GetClientCertificates", 1, Some(429), None))
        .unwrap();
    let throttled = sdk
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    match &throttled {
        aws_sdk_apigateway::operation::get_client_certificates::GetClientCertificatesError::TooManyRequestsException(e) => {
            assert_eq!(e.retry_after_seconds(), Some("1"));
        }
        other => panic!("expected TooManyRequestsException, got {other:?}"),
    }

    emu.add_fault(fault("GetClientCertificates", 1, Some(401), None))
        .unwrap();
    let unauthorized = sdk
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(unauthorized.is_unauthorized_exception(), "{unauthorized:?}");

    emu.add_fault(fault("GetClientCertificates", 1, Some(503), None))
        .unwrap();
    let unavailable = sdk
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(unavailable.code(), Some("ServiceUnavailableException"));

    // A code the SDK does not model still arrives with its code and message.
    emu.add_fault(FaultSpec {
        message: Some("account suspended".into()),
        ..fault(
            "GetClientCertificates",
            1,
            Some(403),
            Some("AccessDeniedException"),
        )
    })
    .unwrap();
    let denied = sdk
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(denied.code(), Some("AccessDeniedException"));
    assert_eq!(denied.message(), Some("account suspended"));
}

#[tokio::test]
async fn sdk_retries_absorb_injected_throttling() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());
    emu.add_fault(fault("GetClientCertificates", 2, Some(429), None))
        .unwrap();
    let ok = sdk.get_client_certificates().send().await.unwrap();
    assert!(ok.items().is_empty());
    assert_eq!(emu.call_count("GetClientCertificates"), 3);
    let statuses: Vec<_> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(429), Some(429), Some(200)]);

    // The token bucket: a burst of one at 20 requests/s. Back-to-back calls are
    // throttled and the SDK's retries (honouring x-amz-retry-after) get them through.
    emu.set_throttle(Some(Throttle {
        rps: 20.0,
        burst: 1,
    }))
    .unwrap();
    for _ in 0..4 {
        sdk.get_client_certificates().send().await.unwrap();
    }
    let throttled = emu
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert!(
        throttled > 2,
        "the bucket never throttled: {:?}",
        emu.requests()
    );
    emu.set_throttle(None).unwrap();
}

#[tokio::test]
async fn sigv4_rejects_unsigned_and_badly_signed_requests() {
    let emu = spawn(Config {
        access_key: "AKIDEXAMPLE".into(),
        secret_key: "s3cr3t".into(),
        ..Config::default()
    })
    .await
    .unwrap();
    let good = client_with(&emu.url(), "AKIDEXAMPLE", "s3cr3t", 1);
    good.get_client_certificates().send().await.unwrap();

    let wrong_secret = client_with(&emu.url(), "AKIDEXAMPLE", "other", 1);
    let err = wrong_secret
        .get_client_certificates()
        .send()
        .await
        .unwrap_err();
    let raw_status = err.raw_response().map(|r| r.status().as_u16());
    let err = err.into_service_error();
    assert_eq!(raw_status, Some(403));
    assert_eq!(err.code(), Some("InvalidSignatureException"));

    let wrong_key = client_with(&emu.url(), "test", "s3cr3t", 1);
    let err = wrong_key
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));

    let (status, headers, body) = raw(emu.addr(), "GET", "/clientcertificates", &[], b"").await;
    assert_eq!(status, 403);
    assert_eq!(
        header(&headers, "x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["message"], "Missing Authentication Token");

    // Nothing was created by the rejected calls, and they were counted.
    assert!(emu.certificates().is_empty());
    assert_eq!(emu.call_count("GetClientCertificates"), 4);
}

#[tokio::test]
async fn state_survives_a_restart_and_a_corrupt_file_stops_startup() {
    let dir = std::env::temp_dir().join(format!("apigw-emu-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let config = Config {
        state_file: Some(path.clone()),
        ..Config::default()
    };

    let (cert_id, pem, api_id) = {
        let emu = spawn(config.clone()).await.unwrap();
        let sdk = client(&emu.url());
        let c = sdk
            .generate_client_certificate()
            .description("kept")
            .send()
            .await
            .unwrap();
        let api = sdk.create_rest_api().name("kept-api").send().await.unwrap();
        let api_id = api.id().unwrap().to_owned();
        sdk.create_deployment()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("prod")
            .patch_operations(patch(
                Op::Replace,
                "/clientCertificateId",
                c.client_certificate_id(),
            ))
            .send()
            .await
            .unwrap();
        emu.age(86_400).unwrap();
        let aged = emu.certificates().remove(0);
        (
            c.client_certificate_id().unwrap().to_owned(),
            aged.pem,
            api_id,
        )
    };

    let emu = spawn(config.clone()).await.unwrap();
    let sdk = client(&emu.url());
    let c = sdk
        .get_client_certificate()
        .client_certificate_id(&cert_id)
        .send()
        .await
        .unwrap();
    assert_eq!(c.pem_encoded_certificate(), Some(pem.as_str()));
    assert_eq!(c.description(), Some("kept"));
    let stage = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.client_certificate_id(), Some(cert_id.as_str()));
    drop(emu);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "state file holds private keys: mode {mode:o}"
        );
    }

    std::fs::write(
        &path,
        b"{\"format\":\"apigw-emulator-state\",\"version\":1,\"store\":{\"certificates\":[",
    )
    .unwrap();
    let err = spawn(config.clone())
        .await
        .err()
        .expect("corrupt state must stop start-up");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("corrupt"), "{msg}");
    // And the file is left alone for the user to repair.
    assert!(std::fs::read(&path).unwrap().ends_with(b"["));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn faults_fail_delay_and_drop_then_clear() {
    let emu = spawn(Config::default()).await.unwrap();
    let sdk = client(&emu.url());

    // Five 503s outlast the SDK's three attempts.
    emu.add_fault(fault("GenerateClientCertificate", 5, Some(503), None))
        .unwrap();
    let err = sdk
        .generate_client_certificate()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ServiceUnavailableException"));
    assert_eq!(emu.call_count("GenerateClientCertificate"), 3);
    assert!(emu.certificates().is_empty());
    emu.clear_faults();
    sdk.generate_client_certificate().send().await.unwrap();

    // A dropped connection is retried by the SDK as a transient failure.
    emu.add_fault(FaultSpec {
        drop_connection: true,
        after_commit: false,
        ..fault("GetClientCertificates", 1, None, None)
    })
    .unwrap();
    let listed = sdk.get_client_certificates().send().await.unwrap();
    assert_eq!(listed.items().len(), 1);
    assert_eq!(emu.call_count("GetClientCertificates"), 2);
    let dropped = emu
        .requests()
        .into_iter()
        .find(|r| r.operation == "GetClientCertificates")
        .unwrap();
    assert_eq!(dropped.status, None);

    // Latency applies to any operation with "*" and the call still succeeds.
    emu.add_fault(FaultSpec {
        latency_ms: Some(50),
        ..fault("*", 1, None, None)
    })
    .unwrap();
    sdk.get_client_certificates().send().await.unwrap();

    // After the commit: the certificate is stored, then the answer is late
    // (a client that gives up first never learns of it).
    let before = emu.certificates().len();
    emu.add_fault(FaultSpec {
        latency_ms: Some(300),
        after_commit: true,
        ..fault("GenerateClientCertificate", 1, None, None)
    })
    .unwrap();
    let late = tokio::time::timeout(
        std::time::Duration::from_millis(100),
        sdk.generate_client_certificate().send(),
    )
    .await;
    assert!(late.is_err(), "the answer must still be in flight");
    assert_eq!(
        emu.certificates().len(),
        before + 1,
        "stored before the answer"
    );
    // Faults are visible and clearable through the admin API too.
    let (status, _, body) = raw(
        emu.addr(),
        "POST",
        "/_emulator/faults",
        &[],
        br#"{"operation":"GetStages","count":2,"status":500}"#,
    )
    .await;
    assert_eq!(status, 200);
    let view: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(view["faults"][0]["operation"], "GetStages");
    let (status, _, _) = raw(emu.addr(), "DELETE", "/_emulator/faults", &[], b"").await;
    assert_eq!(status, 200);
    let (_, _, body) = raw(emu.addr(), "GET", "/_emulator/faults", &[], b"").await;
    let view: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(view["faults"], serde_json::json!([]));
    let (status, _, body) = raw(
        emu.addr(),
        "POST",
        "/_emulator/faults",
        &[],
        br#"{"operation":"X"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("status"));
}

#[tokio::test]
async fn a_state_file_that_cannot_be_written_loses_no_acknowledged_change() {
    // An unwritable location stops start-up, before anything is acknowledged.
    let missing = std::env::temp_dir()
        .join(format!("apigw-emu-nodir-{}", std::process::id()))
        .join("state.json");
    let err = apigw_emulator::Emulator::open(Config {
        state_file: Some(missing.clone()),
        ..Config::default()
    })
    .err()
    .expect("start-up must fail");
    assert!(err.to_string().contains("state.json"), "{err}");

    // A location that stops being writable: the change is refused and undone.
    let dir = std::env::temp_dir().join(format!("apigw-emu-gone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let emu = spawn(Config {
        state_file: Some(dir.join("state.json")),
        ..Config::default()
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let sdk = support::client_with(&emu.url(), "test", "test", 1);
    let err = sdk
        .generate_client_certificate()
        .send()
        .await
        .expect_err("the change cannot be kept");
    let raw = err.raw_response().expect("an HTTP answer");
    assert_eq!(raw.status().as_u16(), 503);
    assert!(emu.certificates().is_empty(), "the change was undone");

    // A reset is a change too: refused the same way, nothing emptied.
    std::fs::create_dir_all(&dir).unwrap();
    let kept = sdk.generate_client_certificate().send().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(emu.reset().is_err());
    assert_eq!(
        emu.certificates()[0].id,
        kept.client_certificate_id().unwrap()
    );
}
