//! Loopback throughput of the emulator: one `aws-sdk-apigateway` client calling
//! GetClientCertificate 10,000 times in a row (each call signed, verified, logged).
//!
//! Run: `cargo bench -p apigw-emulator --bench throughput` (or `make bench`).
//! `EMU_BENCH_CALLS` changes the number of calls.

use std::time::{Duration, Instant};

use apigw_emulator::{Config, spawn};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};

fn main() {
    let calls: usize = std::env::var("EMU_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(calls));
}

async fn run(calls: usize) {
    let emu = spawn(Config::default()).await.expect("spawn emulator");
    let config = aws_sdk_apigateway::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .endpoint_url(emu.url())
        .build();
    let sdk = Client::from_conf(config);
    let cert = sdk
        .generate_client_certificate()
        .description("bench")
        .send()
        .await
        .expect("generate");
    let id = cert.client_certificate_id().expect("id").to_owned();

    // Warm up the connection pool and both sides' code paths.
    for _ in 0..200 {
        sdk.get_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await
            .expect("warm-up call");
    }

    let mut latencies = Vec::with_capacity(calls);
    let start = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        let got = sdk
            .get_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await
            .expect("GetClientCertificate");
        latencies.push(t.elapsed());
        assert_eq!(got.client_certificate_id(), Some(id.as_str()));
    }
    let total = start.elapsed();
    latencies.sort();
    let pct = |p: f64| -> Duration {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[i]
    };
    let served = emu.call_count("GetClientCertificate");
    assert_eq!(
        served,
        (calls + 200) as u64,
        "every call reached the emulator"
    );
    println!(
        "apigw-emulator GetClientCertificate via aws-sdk-apigateway, one client, {calls} calls: \
         {:.0} calls/s ({:.2?} total; p50 {:.0?}, p99 {:.0?}, max {:.0?})",
        calls as f64 / total.as_secs_f64(),
        total,
        pct(0.50),
        pct(0.99),
        pct(1.0),
    );
}
