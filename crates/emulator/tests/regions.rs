//! Regions are kept apart as in AWS: the SigV4 credential scope of each request picks
//! the inventory it sees and changes.

mod support;

use apigw_emulator::{Config, spawn};
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use support::client_in;

#[tokio::test]
async fn each_signing_region_has_its_own_inventory() {
    let emu = spawn(Config {
        max_client_certificates: 2,
        ..Config::default()
    })
    .await
    .unwrap();
    let east = client_in(&emu.url(), "us-east-1");
    let west = client_in(&emu.url(), "eu-west-1");

    let cert = east
        .generate_client_certificate()
        .description("east")
        .send()
        .await
        .unwrap();
    let cert_id = cert.client_certificate_id().unwrap();
    let api = west
        .create_rest_api()
        .name("west api")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();

    // Each object exists only in the region that created it.
    let err = west
        .get_client_certificate()
        .client_certificate_id(cert_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotFoundException"));
    let err = east
        .get_rest_api()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotFoundException"));
    let listed = west.get_client_certificates().send().await.unwrap();
    assert!(listed.items().is_empty());
    let listed = east.get_rest_apis().send().await.unwrap();
    assert!(listed.items().is_empty());
    assert_eq!(
        west.get_rest_apis().send().await.unwrap().items()[0].id(),
        Some(api_id)
    );

    // The quota counts per region, as AWS's does.
    east.generate_client_certificate().send().await.unwrap();
    let err = east.generate_client_certificate().send().await.unwrap_err();
    assert_eq!(err.code(), Some("LimitExceededException"));
    west.generate_client_certificate().send().await.unwrap();

    // A stage cannot use a certificate of another region.
    let dep = west
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert!(dep.id().is_some());
    let err = west
        .update_stage()
        .rest_api_id(api_id)
        .stage_name("prod")
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/clientCertificateId")
                .value(cert_id)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("BadRequestException"));

    // The in-process view and the admin dump name each object's region.
    assert_eq!(emu.certificates_in("us-east-1").len(), 2);
    assert_eq!(emu.certificates_in("eu-west-1").len(), 1);
    assert_eq!(emu.certificates().len(), 3);
    let state = emu.state_json();
    assert_eq!(
        state["regions"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
    assert_eq!(state["restApis"][0]["region"], "eu-west-1");
    let east_ids: Vec<&str> = state["clientCertificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["region"] == "us-east-1")
        .map(|c| c["clientCertificateId"].as_str().unwrap())
        .collect();
    assert!(east_ids.contains(&cert_id), "{state}");
}

#[tokio::test]
async fn a_single_region_state_file_loads_into_the_default_region() {
    let dir = std::env::temp_dir().join(format!("apigw-emu-regions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    // Written by an emulator that kept one inventory only.
    let seed = spawn(Config::default()).await.unwrap();
    let cert = seed
        .generate_certificate(Some("old".into()), Default::default())
        .unwrap();
    let v1 = serde_json::json!({
        "format": "apigw-emulator-state",
        "version": 1,
        "store": { "certificates": { cert.id.clone(): cert }, "rest_apis": {} }
    });
    std::fs::write(&path, v1.to_string()).unwrap();
    let emu = spawn(Config {
        state_file: Some(path.clone()),
        ..Config::default()
    })
    .await
    .unwrap();
    let east = client_in(&emu.url(), apigw_emulator::DEFAULT_REGION);
    let got = east
        .get_client_certificate()
        .client_certificate_id(&cert.id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some("old"));
    drop(emu);
    let rewritten: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(rewritten["version"], 2);
    assert!(rewritten["store"]["regions"]["us-east-1"]["certificates"][&cert.id].is_object());
    std::fs::remove_dir_all(&dir).unwrap();
}
