//! Loopback throughput of the emulator: one `aws-sdk-apigateway` client calling
//! GetClientCertificate 10,000 times in a row (each call signed, verified, logged).
//!
//! Run: `cargo bench -p apigw-emulator --bench throughput` (or `make bench`).
//! `EMU_BENCH_CALLS` changes the number of calls.

use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;

use apigw_emulator::sigv4::{self, ToSign, sign};
use axum::http::Method;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use apigw_emulator::{Config, spawn};

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
    // The tests' client: signed with test/test, SDK retries, no proxy.
    let sdk = support::client(&emu.url());
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

    // The same calls without the SDK (one keep-alive connection, requests signed once
    // up front): what the emulator itself sustains, for comparison.
    let per_second = raw_loop(&emu, &id, calls).await;
    println!(
        "apigw-emulator GetClientCertificate via a minimal keep-alive HTTP/1.1 client, {calls} calls: \
         {per_second:.0} calls/s (server side: SigV4 check, lookup, JSON, request log)"
    );
}

async fn raw_loop(emu: &apigw_emulator::Handle, id: &str, calls: usize) -> f64 {
    let addr = emu.addr();
    let host = addr.to_string();
    let path = format!("/clientcertificates/{id}");
    let creds = sigv4::Credentials {
        access_key: "test",
        secret_key: "test",
    };
    let to_sign = ToSign {
        method: &Method::GET,
        path: &path,
        query: None,
        host: &host,
        body: b"",
    };
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\n");
    for (k, v) in sign(&creds, "us-east-1", "20260101T000000Z", &to_sign) {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let start = Instant::now();
    for _ in 0..calls {
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .expect("write");
        let mut length = 0usize;
        line.clear();
        stream.read_line(&mut line).await.expect("status");
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
        loop {
            line.clear();
            stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await.expect("body");
    }
    calls as f64 / start.elapsed().as_secs_f64()
}
