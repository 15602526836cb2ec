//! The admin API over HTTP, as shell scripts and other languages' tests use it.

mod support;

use apigw_emulator::{Config, spawn};
use serde_json::{Value, json};
use support::{client, raw};

async fn admin(addr: std::net::SocketAddr, method: &str, path: &str, body: Value) -> (u16, Value) {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let (status, _, out) = raw(
        addr,
        method,
        path,
        &[("content-type", "application/json")],
        &bytes,
    )
    .await;
    let value = if out.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&out).unwrap()
    };
    (status, value)
}

#[tokio::test]
async fn admin_endpoints_report_and_control_the_emulator() {
    let emu = spawn(Config::default()).await.unwrap();
    let addr = emu.addr();
    let sdk = client(&emu.url());

    assert_eq!(
        admin(addr, "GET", "/_emulator/health", Value::Null).await,
        (200, json!({"status": "ok"}))
    );

    let (status, a) = admin(
        addr,
        "POST",
        "/_emulator/certificates",
        json!({"description": "a", "tags": {"t": "1"}}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, b) = admin(addr, "POST", "/_emulator/certificates", Value::Null).await;
    let a_id = a["clientCertificateId"].as_str().unwrap().to_owned();
    let b_id = b["clientCertificateId"].as_str().unwrap().to_owned();

    // Age one certificate only.
    let (status, aged) = admin(
        addr,
        "POST",
        "/_emulator/age",
        json!({"seconds": 100, "certificate_ids": [a_id]}),
    )
    .await;
    assert_eq!((status, aged["aged"].clone()), (200, json!(1)));
    let got_a = sdk
        .get_client_certificate()
        .client_certificate_id(&a_id)
        .send()
        .await
        .unwrap();
    let got_b = sdk
        .get_client_certificate()
        .client_certificate_id(&b_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got_a.created_date().unwrap().secs(),
        a["createdDate"].as_i64().unwrap() - 100
    );
    assert_eq!(
        got_b.created_date().unwrap().secs(),
        b["createdDate"].as_i64().unwrap()
    );
    let (status, err) = admin(
        addr,
        "POST",
        "/_emulator/age",
        json!({"seconds": 1, "certificate_ids": ["nope00"]}),
    )
    .await;
    assert_eq!(status, 404);
    assert!(err["message"].as_str().unwrap().contains("nope00"));

    // Counters and the ordered request log see SDK calls (admin calls are not counted).
    let (_, calls) = admin(addr, "GET", "/_emulator/calls", Value::Null).await;
    assert_eq!(calls, json!({"GetClientCertificate": 2}));
    let (_, log) = admin(addr, "GET", "/_emulator/requests", Value::Null).await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0]["seq"].as_u64().unwrap() + 1,
        log[1]["seq"].as_u64().unwrap()
    );
    assert_eq!(log[0]["path"], format!("/clientcertificates/{a_id}"));
    assert_eq!(log[1]["path"], format!("/clientcertificates/{b_id}"));
    assert!(log[0]["time_ms"].as_i64().unwrap() <= log[1]["time_ms"].as_i64().unwrap());
    assert_eq!(log[0]["operation"], "GetClientCertificate");
    assert_eq!(log[0]["status"], 200);

    let (_, state) = admin(addr, "GET", "/_emulator/state", Value::Null).await;
    assert_eq!(state["clientCertificates"].as_array().unwrap().len(), 2);
    assert!(!state.to_string().contains("PRIVATE KEY"));

    // Throttling at runtime.
    let (status, t) = admin(
        addr,
        "POST",
        "/_emulator/throttle",
        json!({"rps": 0.001, "burst": 1}),
    )
    .await;
    assert_eq!((status, t["throttle"]["burst"].clone()), (200, json!(1)));
    sdk.get_client_certificates().send().await.unwrap();
    let throttled = support::client_with(&emu.url(), "test", "test", 1)
        .get_client_certificates()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(throttled.is_too_many_requests_exception(), "{throttled:?}");
    let (status, _) = admin(addr, "POST", "/_emulator/faults", json!({"throttle": null})).await;
    assert_eq!(status, 200);
    sdk.get_client_certificates().send().await.unwrap();
    let (status, _) = admin(
        addr,
        "POST",
        "/_emulator/throttle",
        json!({"rps": -1, "burst": 1}),
    )
    .await;
    assert_eq!(status, 400);

    // Reset empties everything.
    let (status, _) = admin(addr, "POST", "/_emulator/reset", Value::Null).await;
    assert_eq!(status, 200);
    let (_, calls) = admin(addr, "GET", "/_emulator/calls", Value::Null).await;
    assert_eq!(calls, json!({}));
    assert!(
        sdk.get_client_certificates()
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );

    // Unknown admin paths and methods answer in the same JSON shape.
    let (status, err) = admin(addr, "GET", "/_emulator/nope", Value::Null).await;
    assert_eq!(status, 404);
    assert!(err["message"].is_string());
    let (status, _) = admin(addr, "GET", "/_emulator/reset", Value::Null).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn admin_inputs_that_certificates_or_clocks_cannot_carry_are_refused() {
    let emu = spawn(Config::default()).await.unwrap();
    let addr = emu.addr();
    let (_, a) = admin(addr, "POST", "/_emulator/certificates", Value::Null).await;
    let before = emu.certificates();

    // Aging past year 1 (or beyond 9999) cannot be written into a certificate.
    for seconds in [100_000_000_000_i64, -300_000_000_000] {
        let (status, err) = admin(
            addr,
            "POST",
            "/_emulator/age",
            json!({ "seconds": seconds }),
        )
        .await;
        assert_eq!(status, 400, "{seconds}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains("years 1 to 9999"),
            "{err}"
        );
    }
    assert_eq!(emu.certificates(), before, "nothing moved");
    assert!(a["clientCertificateId"].is_string());

    // A throttle so slow that one wait would outlast any clock.
    let (status, err) = admin(
        addr,
        "POST",
        "/_emulator/throttle",
        json!({"rps": 1e-300, "burst": 1}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("at least 0.001"),
        "{err}"
    );
}

#[tokio::test]
async fn the_request_log_keeps_counting_across_a_reset() {
    let emu = spawn(Config::default()).await.unwrap();
    let addr = emu.addr();
    let sdk = client(&emu.url());
    let _ = sdk.get_client_certificates().send().await.unwrap();
    let (_, log) = admin(addr, "GET", "/_emulator/requests", Value::Null).await;
    let first = log[0]["seq"].as_u64().unwrap();
    let (status, _) = admin(addr, "POST", "/_emulator/reset", Value::Null).await;
    assert_eq!(status, 200);
    let _ = sdk.get_client_certificates().send().await.unwrap();
    let (_, log) = admin(addr, "GET", "/_emulator/requests", Value::Null).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        1,
        "the reset emptied the log"
    );
    assert!(
        log[0]["seq"].as_u64().unwrap() > first,
        "a request in flight across the reset could otherwise write onto a new entry: {log}"
    );
}
