//! Shared helpers: an SDK client pointed at a spawned emulator, raw HTTP for what the
//! SDK will not send.
#![allow(dead_code)]

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::config::retry::RetryConfig;
use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::tls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn client_with(url: &str, access_key: &str, secret_key: &str, max_attempts: u32) -> Client {
    client_for(url, "us-east-1", access_key, secret_key, max_attempts)
}

/// A client signing for `region` (the emulator keeps one inventory per region).
pub fn client_in(url: &str, region: &str) -> Client {
    client_for(url, region, "test", "test", 3)
}

fn client_for(
    url: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
    max_attempts: u32,
) -> Client {
    let config = aws_sdk_apigateway::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .endpoint_url(url)
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts))
        // The emulator is local: never through the environment's HTTP proxy.
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https(),
        )
        .build();
    Client::from_conf(config)
}

/// The SDK as the provider uses it: test/test, standard retries with 3 attempts.
pub fn client(url: &str) -> Client {
    client_with(url, "test", "test", 3)
}

/// A raw HTTP/1.1 exchange: returns status, lowercase headers and body.
pub async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a header block");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let body = buf[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body)
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
