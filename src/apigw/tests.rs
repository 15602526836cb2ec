//! Client tests against a tiny scripted HTTP server on 127.0.0.1: they pin the
//! request counts (single-flight listing, paging, retries) and error mapping
//! without depending on the emulator crate.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// What the fake server saw: method and path (with query) per request.
type Log = Arc<StdMutex<Vec<String>>>;
type Handler = Arc<dyn Fn(&str, &str, usize) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

struct FakeServer {
    url: String,
    log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// `handler(method, path_and_query, n)` answers the n-th (0-based) request.
    async fn start(handler: Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log: Log = Arc::default();
        let counter = Arc::new(AtomicUsize::new(0));
        let log2 = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (h, log, counter) = (handler.clone(), log2.clone(), counter.clone());
                tokio::spawn(serve_conn(sock, h, log, counter));
            }
        });
        FakeServer { url, log, task }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

async fn serve_conn(
    mut sock: tokio::net::TcpStream,
    handler: Handler,
    log: Log,
    counter: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        let mut first = head.lines().next().unwrap_or_default().split(' ');
        let method = first.next().unwrap_or_default().to_string();
        let path = first.next().unwrap_or_default().to_string();
        log.lock().expect("log").push(format!("{method} {path}"));
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let (status, headers, body) = handler(&method, &path, n);
        let mut resp = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            resp.push_str(&format!("{k}: {v}\r\n"));
        }
        resp.push_str("\r\n");
        resp.push_str(&body);
        if sock.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn cert_json(id: &str) -> String {
    format!(
        r#"{{"clientCertificateId":"{id}","description":"d-{id}","pemEncodedCertificate":"PEM-{id}","createdDate":1700000000,"expirationDate":1731536000,"tags":{{"team":"x"}}}}"#
    )
}

fn settings(url: &str) -> Settings {
    Settings {
        region: Some("us-east-1".to_string()),
        endpoint: Some(url.to_string()),
        max_retries: 2,
        ..Settings::default()
    }
}

fn client(url: &str) -> Client {
    client_with(settings(url))
}

fn client_with(s: Settings) -> Client {
    Client::with_credentials(
        s,
        aws_sdk_apigateway::config::Credentials::new(
            "AKIDTEST",
            "distinctive-secret-value",
            None,
            None,
            "test",
        ),
    )
}

fn ok(body: String) -> (u16, Vec<(String, String)>, String) {
    (200, Vec::new(), body)
}

#[tokio::test]
async fn sdk_client_is_built_on_first_call_only() {
    let server = FakeServer::start(Arc::new(|_, _, _| ok(r#"{"item":[]}"#.to_string()))).await;
    let c = client(&server.url);
    assert!(!c.is_initialised());
    assert!(server.requests().is_empty());
    c.list_certificates().await.expect("list");
    assert!(c.is_initialised());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_listings_share_one_request_with_limit_500() {
    let server = FakeServer::start(Arc::new(|_, _, _| {
        std::thread::sleep(Duration::from_millis(50));
        ok(format!(
            r#"{{"item":[{},{},{}]}}"#,
            cert_json("a"),
            cert_json("b"),
            cert_json("c")
        ))
    }))
    .await;
    let c = client(&server.url);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.list_certificates().await }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("join").expect("list"));
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert!(reqs[0].starts_with("GET /clientcertificates?"), "{reqs:?}");
    assert!(reqs[0].contains("limit=500"), "{reqs:?}");
    for r in &results {
        assert_eq!(r.len(), 3);
        assert!(Arc::ptr_eq(r, &results[0]));
    }
    let a = &results[0][0];
    assert_eq!(a.id, "a");
    assert_eq!(a.description.as_deref(), Some("d-a"));
    assert_eq!(a.pem, "PEM-a");
    assert_eq!(a.created, 1_700_000_000);
    assert_eq!(a.expires, 1_731_536_000);
    assert_eq!(a.tags.get("team").map(String::as_str), Some("x"));
}

#[tokio::test]
async fn listing_follows_position_tokens() {
    let server = FakeServer::start(Arc::new(|_, path: &str, _| {
        if path.contains("position=p2") {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("c")))
        } else {
            ok(format!(
                r#"{{"position":"p2","item":[{},{}]}}"#,
                cert_json("a"),
                cert_json("b")
            ))
        }
    }))
    .await;
    let list = client(&server.url).list_certificates().await.expect("list");
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn throttling_is_retried_then_succeeds() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n == 0 {
            (
                429,
                vec![
                    (
                        "x-amzn-ErrorType".to_string(),
                        "TooManyRequestsException".to_string(),
                    ),
                    ("x-amz-retry-after".to_string(), "10".to_string()),
                ],
                r#"{"message":"Too Many Requests"}"#.to_string(),
            )
        } else {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("a")))
        }
    }))
    .await;
    let list = client(&server.url).list_certificates().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_errors_exhaust_max_retries_and_map_code_and_message() {
    let server = FakeServer::start(Arc::new(|_, _, _| {
        (
            503,
            vec![(
                "x-amzn-ErrorType".to_string(),
                "ServiceUnavailableException".to_string(),
            )],
            r#"{"message":"try later"}"#.to_string(),
        )
    }))
    .await;
    let mut s = settings(&server.url);
    s.max_retries = 1;
    let err = client_with(s)
        .list_certificates()
        .await
        .expect_err("must fail");
    assert_eq!(
        err.to_string(),
        "GetClientCertificates failed: ServiceUnavailableException: try later"
    );
    assert_eq!(server.requests().len(), 2, "one try plus max_retries = 1");
}

#[tokio::test]
async fn failed_listing_is_not_cached() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n == 0 {
            (
                400,
                vec![(
                    "x-amzn-ErrorType".to_string(),
                    "BadRequestException".to_string(),
                )],
                r#"{"message":"nope"}"#.to_string(),
            )
        } else {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("a")))
        }
    }))
    .await;
    let c = client(&server.url);
    assert!(c.list_certificates().await.is_err());
    assert_eq!(c.list_certificates().await.expect("second try").len(), 1);
}

#[tokio::test]
async fn unreachable_endpoint_names_the_url() {
    // Bind then drop: the port is closed, so connections are refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut s = settings(&url);
    s.max_retries = 0;
    let err = client_with(s)
        .list_certificates()
        .await
        .expect_err("must fail");
    match &err {
        ApiError::Unreachable { endpoint, .. } => assert_eq!(endpoint, &url),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let text = err.to_diagnostic("x").detail;
    assert!(text.contains(&url) && text.contains("`endpoint`"), "{text}");
    assert!(!text.contains("distinctive-secret-value"));
}

#[tokio::test]
async fn find_falls_back_to_get_and_maps_not_found_to_none() {
    let server = FakeServer::start(Arc::new(|_, path: &str, _| {
        if path.starts_with("/clientcertificates?") {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("a")))
        } else if path == "/clientcertificates/late" {
            ok(cert_json("late"))
        } else {
            (
                404,
                vec![(
                    "x-amzn-ErrorType".to_string(),
                    "NotFoundException".to_string(),
                )],
                r#"{"message":"Invalid certificate identifier specified"}"#.to_string(),
            )
        }
    }))
    .await;
    let c = client(&server.url);
    assert_eq!(
        c.find_certificate("a").await.expect("a").expect("a").id,
        "a"
    );
    assert_eq!(
        c.find_certificate("late")
            .await
            .expect("late")
            .expect("late")
            .id,
        "late"
    );
    assert_eq!(c.find_certificate("gone").await.expect("gone"), None);
    // The late one is now in the shared listing: no second GET for it.
    assert!(c.find_certificate("late").await.expect("late").is_some());
    let reqs = server.requests();
    assert_eq!(
        reqs,
        [
            "GET /clientcertificates?limit=500",
            "GET /clientcertificates/late",
            "GET /clientcertificates/gone"
        ]
    );
}

#[tokio::test]
async fn mutations_update_the_shared_listing() {
    let server = FakeServer::start(Arc::new(|method: &str, path: &str, _| {
        match (method, path) {
            ("GET", _) => ok(format!(
                r#"{{"item":[{},{}]}}"#,
                cert_json("a"),
                cert_json("b")
            )),
            ("POST", "/clientcertificates") => (201, Vec::new(), cert_json("new")),
            ("DELETE", _) => (202, Vec::new(), String::new()),
            _ => (500, Vec::new(), "{}".to_string()),
        }
    }))
    .await;
    let c = client(&server.url);
    c.list_certificates().await.expect("list");
    let created = c
        .generate_certificate(
            "d",
            &BTreeMap::from([("team".to_string(), "x".to_string())]),
        )
        .await
        .expect("generate");
    assert_eq!(created.id, "new");
    c.delete_certificate("a").await.expect("delete");
    let ids: Vec<String> = c
        .list_certificates()
        .await
        .expect("list")
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids, ["b", "new"]);
    let reqs = server.requests();
    assert_eq!(reqs.iter().filter(|r| r.starts_with("GET")).count(), 1);
}

#[tokio::test]
async fn stage_scan_pages_apis_and_is_cached() {
    let server = FakeServer::start(Arc::new(|_, path: &str, _| {
        if path.starts_with("/restapis?") {
            ok(
                r#"{"item":[{"id":"api1","name":"orders"},{"id":"api2","name":"billing"}]}"#
                    .to_string(),
            )
        } else if path == "/restapis/api1/stages" {
            ok(
                r#"{"item":[{"stageName":"prod","clientCertificateId":"c1"},{"stageName":"dev"}]}"#
                    .to_string(),
            )
        } else {
            ok(r#"{"item":[{"stageName":"prod","clientCertificateId":"c1"}]}"#.to_string())
        }
    }))
    .await;
    let c = client(&server.url);
    let stages = c.stage_usage().await.expect("scan");
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[0].rest_api_name, "orders");
    assert_eq!(stages[1].client_certificate_id, None);
    c.stage_usage().await.expect("cached");
    assert_eq!(server.requests().len(), 3);
    let using = c.stages_using("c1").await.expect("fresh");
    assert_eq!(using.len(), 2);
    assert_eq!(
        server.requests().len(),
        6,
        "stages_using never uses the cache"
    );
}

#[test]
fn arns_carry_the_partition() {
    assert_eq!(
        certificate_arn("us-east-1", "abc"),
        "arn:aws:apigateway:us-east-1::/clientcertificates/abc"
    );
    assert!(certificate_arn("cn-north-1", "abc").starts_with("arn:aws-cn:"));
    assert!(certificate_arn("us-gov-west-1", "abc").starts_with("arn:aws-us-gov:"));
}

#[test]
fn debug_output_hides_the_external_id() {
    let ar = AssumeRole {
        role_arn: "arn:aws:iam::123456789012:role/x".to_string(),
        external_id: Some("very-secret-external-id".to_string()),
        ..AssumeRole::default()
    };
    let text = format!("{ar:?}");
    assert!(!text.contains("very-secret-external-id"), "{text}");
    assert!(text.contains("role/x"));
}

#[test]
fn loopback_endpoints_are_recognised() {
    for url in [
        "http://127.0.0.1:4566",
        "http://127.8.9.10",
        "https://localhost:443/",
        "http://LOCALHOST",
        "http://[::1]:4566",
    ] {
        assert!(super::is_loopback(url), "{url}");
    }
    for url in [
        "https://apigateway.eu-west-1.amazonaws.com",
        "http://10.0.0.1:4566",
        "http://localhost.example.com",
        "not a url",
    ] {
        assert!(!super::is_loopback(url), "{url}");
    }
}
