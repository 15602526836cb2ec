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
/// Like [`Handler`], also given the request body. Status 0 closes the
/// connection without an answer.
type BodyHandler =
    Arc<dyn Fn(&str, &str, usize, &str) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

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
        Self::start_with_body(Arc::new(move |m: &str, p: &str, n, _: &str| {
            handler(m, p, n)
        }))
        .await
    }

    async fn start_with_body(handler: BodyHandler) -> FakeServer {
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
    handler: BodyHandler,
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
        let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
        buf.drain(..head_end + len);
        let mut first = head.lines().next().unwrap_or_default().split(' ');
        let method = first.next().unwrap_or_default().to_string();
        let path = first.next().unwrap_or_default().to_string();
        log.lock().expect("log").push(format!("{method} {path}"));
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let (status, headers, body) = handler(&method, &path, n, &body);
        if status == 0 {
            return;
        }
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
        assert_eq!(r, &results[0]);
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

fn throttled(code: &str) -> (u16, Vec<(String, String)>, String) {
    let mut headers = vec![("x-amz-retry-after".to_string(), "1".to_string())];
    if !code.is_empty() {
        headers.push(("x-amzn-ErrorType".to_string(), code.to_string()));
    }
    (
        429,
        headers,
        r#"{"message":"Too Many Requests"}"#.to_string(),
    )
}

#[tokio::test]
async fn every_attempt_takes_a_rate_limit_token_retries_included() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n < 2 {
            throttled("TooManyRequestsException")
        } else {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("a")))
        }
    }))
    .await;
    let c = client(&server.url);
    let list = c.list_certificates().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(c.inner.limiter.granted(), 3, "one token per HTTP attempt");
}

#[tokio::test]
async fn throttling_outlasts_max_retries_with_its_own_budget() {
    // 20 throttled answers, then success: far beyond max_retries = 2, well
    // within the throttling budget.
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n < 20 {
            throttled("TooManyRequestsException")
        } else {
            ok(format!(r#"{{"item":[{}]}}"#, cert_json("a")))
        }
    }))
    .await;
    let list = client(&server.url).list_certificates().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(server.requests().len(), 21);
}

#[tokio::test]
async fn throttling_gives_up_after_its_budget_and_says_so() {
    let server = FakeServer::start(Arc::new(|_, _, _| throttled("TooManyRequestsException"))).await;
    let err = client(&server.url)
        .list_certificates()
        .await
        .expect_err("must give up");
    assert_eq!(
        server.requests().len(),
        transport::THROTTLE_RETRIES as usize + 1
    );
    let d = err.to_diagnostic("x").detail;
    assert!(
        d.contains("25 retries") && d.contains("rate_limit_rps"),
        "{d}"
    );
}

#[tokio::test]
async fn a_bare_429_is_throttling_too() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n == 0 {
            throttled("")
        } else {
            ok(r#"{"item":[]}"#.to_string())
        }
    }))
    .await;
    client(&server.url).list_certificates().await.expect("list");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn generate_after_a_server_error_tries_again_only_when_nothing_was_created() {
    let server = FakeServer::start(Arc::new(|method: &str, _, _| {
        if method == "GET" {
            return ok(r#"{"item":[]}"#.to_string());
        }
        (
            500,
            vec![(
                "x-amzn-ErrorType".to_string(),
                "InternalFailure".to_string(),
            )],
            r#"{"message":"boom"}"#.to_string(),
        )
    }))
    .await;
    let err = client(&server.url)
        .generate_certificate("d", &BTreeMap::new())
        .await
        .expect_err("fails");
    assert!(err.is_ambiguous(), "{err:?}");
    // Each failed POST is followed by a listing that shows no certificate of
    // that attempt, so trying again is safe; max_retries = 2 bounds it.
    assert_eq!(
        server.requests(),
        [
            "POST /clientcertificates",
            "GET /clientcertificates?limit=500",
            "POST /clientcertificates",
            "GET /clientcertificates?limit=500",
            "POST /clientcertificates",
            "GET /clientcertificates?limit=500",
        ]
    );
}

/// A server that creates the certificate and then loses the answer to the
/// first `lose` GenerateClientCertificate calls; listings show what it created.
fn losing_server(lose: usize) -> BodyHandler {
    let created: Arc<StdMutex<Vec<String>>> = Arc::default();
    let posts = Arc::new(AtomicUsize::new(0));
    Arc::new(move |method: &str, _: &str, _, body: &str| {
        let mut created = created.lock().expect("created");
        if method == "POST" {
            let tags: serde_json::Value = serde_json::from_str(body).expect("json body");
            let id = format!("c{}", created.len());
            created.push(format!(
                r#"{{"clientCertificateId":"{id}","createdDate":1700000000,"expirationDate":1731536000,"tags":{}}}"#,
                tags["tags"]
            ));
            if posts.fetch_add(1, Ordering::SeqCst) < lose {
                return (0, Vec::new(), String::new());
            }
            return (201, Vec::new(), created.last().cloned().unwrap_or_default());
        }
        ok(format!(r#"{{"item":[{}]}}"#, created.join(",")))
    })
}

#[tokio::test]
async fn a_lost_generate_answer_adopts_the_certificate_it_created() {
    let server = FakeServer::start_with_body(losing_server(1)).await;
    let c = client(&server.url);
    let g = c
        .generate(
            "d",
            &BTreeMap::from([("team".to_string(), "x".to_string())]),
            Some("series-1"),
        )
        .await
        .expect("recovered");
    assert!(g.recovered);
    assert_eq!(g.certificate.id, "c0");
    assert_eq!(g.certificate.mark.series.as_deref(), Some("series-1"));
    // Adopted, so no longer an unrecorded attempt: the mark was removed.
    assert_eq!(g.certificate.mark.attempt, None);
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.starts_with("DELETE /tags/")
                && r.contains("tagKeys=terraform-provider-apigw%3Aattempt")),
        "{:?}",
        server.requests()
    );
    // The user's tags only: the marks never show up as tags.
    assert_eq!(
        g.certificate.tags,
        BTreeMap::from([("team".to_string(), "x".to_string())])
    );
    let reqs = server.requests();
    assert_eq!(
        reqs.iter().filter(|r| r.starts_with("POST")).count(),
        1,
        "no second certificate: {reqs:?}"
    );
    let all = c.list_certificates().await.expect("list");
    assert_eq!(
        all.len(),
        1,
        "one certificate exists and it is the adopted one"
    );
}

#[tokio::test]
async fn series_marks_find_what_an_interrupted_apply_left() {
    let server = FakeServer::start_with_body(losing_server(0)).await;
    let c = client(&server.url);
    c.generate("d", &BTreeMap::new(), Some("s1"))
        .await
        .expect("one");
    c.generate("d", &BTreeMap::new(), Some("s2"))
        .await
        .expect("two");
    let found = c.find_series("s1").await.expect("listing");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "c0");
}

#[tokio::test]
async fn generate_is_retried_when_throttled_because_nothing_was_created() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n == 0 {
            throttled("TooManyRequestsException")
        } else {
            (201, Vec::new(), cert_json("new"))
        }
    }))
    .await;
    let cert = client(&server.url)
        .generate_certificate("d", &BTreeMap::new())
        .await
        .expect("generated");
    assert_eq!(cert.id, "new");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST"))
            .count(),
        2
    );
}

#[tokio::test]
async fn quota_exhaustion_is_not_retried_and_names_the_quota_and_what_to_delete() {
    let server = FakeServer::start(Arc::new(|method: &str, _, _| {
        if method == "POST" {
            (
                429,
                vec![(
                    "x-amzn-ErrorType".to_string(),
                    "LimitExceededException".to_string(),
                )],
                r#"{"message":"Client certificate limit exceeded"}"#.to_string(),
            )
        } else {
            // "old" expired in 2024; "live" expires in 2100.
            ok(r#"{"item":[{"clientCertificateId":"old","createdDate":1600000000,"expirationDate":1700000000},{"clientCertificateId":"live","createdDate":1700000000,"expirationDate":4102444800}]}"#.to_string())
        }
    }))
    .await;
    let err = client(&server.url)
        .generate_certificate("d", &BTreeMap::new())
        .await
        .expect_err("quota");
    assert!(err.is_quota_exceeded());
    let reqs = server.requests();
    assert_eq!(
        reqs.iter().filter(|r| r.starts_with("POST")).count(),
        1,
        "{reqs:?}"
    );
    let d = err.to_diagnostic("Cannot generate").detail;
    assert!(
        d.contains("60 client certificates per account and region"),
        "{d}"
    );
    assert!(d.contains("holds 2 client certificates"), "{d}");
    assert!(d.contains(": old."), "{d}");
    assert!(!d.contains("live"), "{d}");
}

#[tokio::test]
async fn attempt_timeout_and_operation_timeout_are_told_apart() {
    let server = FakeServer::start(Arc::new(|_, _, _| {
        std::thread::sleep(Duration::from_millis(1500));
        ok(r#"{"item":[]}"#.to_string())
    }))
    .await;
    let mut s = settings(&server.url);
    s.max_retries = 1;
    s.operation_attempt_timeout = Duration::from_millis(200);
    let err = client_with(s).list_certificates().await.expect_err("slow");
    let text = err.to_diagnostic("x").detail;
    assert!(
        text.contains("operation_attempt_timeout (1s)") && text.contains("2 attempts"),
        "{text}"
    );
    assert!(!text.contains("operation_timeout ("), "{text}");

    let mut s = settings(&server.url);
    s.operation_timeout = Duration::from_millis(300);
    let err = client_with(s).list_certificates().await.expect_err("slow");
    let text = err.to_diagnostic("x").detail;
    assert!(text.contains("within operation_timeout (1s)"), "{text}");
    assert!(!text.contains("Debug") && !text.contains("{"), "{text}");
}

#[derive(Debug)]
struct NoKeys;

impl aws_credential_types::provider::ProvideCredentials for NoKeys {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded(
                "no providers in chain provided credentials",
            ),
        ))
    }
}

#[tokio::test]
async fn missing_credentials_are_a_sentence_not_a_debug_dump() {
    let server = FakeServer::start(Arc::new(|_, _, _| ok(r#"{"item":[]}"#.to_string()))).await;
    let c = Client::with_credentials_provider(
        settings(&server.url),
        SharedCredentialsProvider::new(NoKeys),
    );
    let err = c.list_certificates().await.expect_err("no credentials");
    assert!(matches!(err, ApiError::Credentials { .. }), "{err:?}");
    let text = err.to_diagnostic("x").detail;
    assert!(
        text.starts_with(
            "GetClientCertificates failed: NoCredentials: no AWS credentials were found"
        ),
        "{text}"
    );
    assert!(text.contains("AWS_ACCESS_KEY_ID"), "{text}");
    for dump in [
        "DispatchFailure",
        "ConnectorError",
        "CredentialsNotLoaded",
        "{",
        "source:",
    ] {
        assert!(!text.contains(dump), "{dump} in {text}");
    }
    assert!(server.requests().is_empty());
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

fn stage_server() -> Handler {
    Arc::new(|method: &str, path: &str, _| {
        if path.starts_with("/restapis?") && path.contains("position=p2") {
            ok(r#"{"item":[{"id":"api3","name":"search"}]}"#.to_string())
        } else if path.starts_with("/restapis?") {
            ok(
                r#"{"position":"p2","item":[{"id":"api1","name":"orders"},{"id":"api2","name":"billing"}]}"#
                    .to_string(),
            )
        } else if method == "PATCH" {
            ok(r#"{"stageName":"prod","clientCertificateId":"c2"}"#.to_string())
        } else if path == "/restapis/api1/stages" {
            ok(
                r#"{"item":[{"stageName":"prod","clientCertificateId":"c1"},{"stageName":"dev"}]}"#
                    .to_string(),
            )
        } else if path == "/restapis/api3/stages" {
            (
                404,
                vec![(
                    "x-amzn-ErrorType".to_string(),
                    "NotFoundException".to_string(),
                )],
                r#"{"message":"deleted meanwhile"}"#.to_string(),
            )
        } else {
            ok(r#"{"item":[{"stageName":"prod","clientCertificateId":"c1"}]}"#.to_string())
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_stage_inventory_per_process_shared_by_every_caller() {
    let server = FakeServer::start(stage_server()).await;
    let c = client(&server.url);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                c.stage_usage().await.map(|s| s.len())
            } else {
                c.stages_using("c1").await.map(|s| s.len())
            }
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let n = t.await.expect("join").expect("inventory");
        assert_eq!(n, if i % 2 == 0 { 3 } else { 2 });
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5, "2 pages of APIs + 3 stage lists: {reqs:?}");
    assert_eq!(c.inventory_passes(), 1);
    let stages = c.stage_usage().await.expect("inventory");
    let api1: Vec<_> = stages.iter().filter(|s| s.rest_api_id == "api1").collect();
    assert_eq!(api1[0].rest_api_name, "orders");
    assert_eq!(api1[0].stage_name, "dev");
    assert_eq!(api1[0].client_certificate_id, None);
}

#[tokio::test]
async fn our_own_stage_switch_updates_the_inventory_without_a_second_pass() {
    let server = FakeServer::start(stage_server()).await;
    let c = client(&server.url);
    assert_eq!(c.stages_using("c1").await.expect("inventory").len(), 2);
    c.set_stage_certificate("api1", "prod", Some("c2"))
        .await
        .expect("switch");
    let using_c1 = c.stages_using("c1").await.expect("inventory");
    assert_eq!(using_c1.len(), 1);
    assert_eq!(using_c1[0].rest_api_id, "api2");
    let using_c2 = c.stages_using("c2").await.expect("inventory");
    assert_eq!(using_c2.len(), 1);
    assert_eq!(using_c2[0].rest_api_name, "orders");
    assert_eq!(c.inventory_passes(), 1);
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /restapis?"))
        .count();
    assert_eq!(lists, 2, "the two pages of the one pass");
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

fn sts_throttled() -> (u16, Vec<(String, String)>, String) {
    (
        400,
        vec![("content-type".to_string(), "text/xml".to_string())],
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
         <Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            .to_string(),
    )
}

fn caller_identity() -> (u16, Vec<(String, String)>, String) {
    (
        200,
        vec![("content-type".to_string(), "text/xml".to_string())],
        "<GetCallerIdentityResponse><GetCallerIdentityResult>\
         <Arn>arn:aws:iam::123456789012:user/t</Arn><UserId>AIDA</UserId>\
         <Account>123456789012</Account></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>"
            .to_string(),
    )
}

async fn caller_identity_at(url: &str, max_retries: u32) -> Result<String, String> {
    let s = Settings {
        sts_endpoint: Some(url.to_string()),
        max_retries,
        ..settings(url)
    };
    let keys = SharedCredentialsProvider::new(aws_sdk_apigateway::config::Credentials::new(
        "AKIDTEST", "secret", None, None, "test",
    ));
    let loaded = load(&s, Some(keys.clone())).await;
    sts_client(&loaded, &s, Some(keys))
        .get_caller_identity()
        .send()
        .await
        .map(|o| o.account().unwrap_or_default().to_string())
        .map_err(|e| credentials::chain(&e))
}

#[tokio::test]
async fn sts_that_is_down_is_reported_after_max_retries_not_the_throttling_budget() {
    // Regression: GetCallerIdentity against a refused port took 26 attempts
    // (minutes of backoff) before ConfigureProvider said anything.
    let server = FakeServer::start(Arc::new(|_, _, _| {
        (503, Vec::new(), "<ErrorResponse/>".to_string())
    }))
    .await;
    caller_identity_at(&server.url, 1)
        .await
        .expect_err("STS is down");
    assert_eq!(server.requests().len(), 2, "one try plus max_retries = 1");

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let err = caller_identity_at(&format!("http://127.0.0.1:{port}"), 0)
        .await
        .expect_err("refused");
    assert!(err.contains("Connection refused"), "{err}");
}

#[tokio::test]
async fn sts_throttling_keeps_the_patient_budget() {
    let server = FakeServer::start(Arc::new(|_, _, n| {
        if n < 3 {
            sts_throttled()
        } else {
            caller_identity()
        }
    }))
    .await;
    let account = caller_identity_at(&server.url, 0)
        .await
        .expect("throttling is waited out");
    assert_eq!(account, "123456789012");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn the_credential_chain_retries_within_max_retries() {
    assert_eq!(transport::chain_retry_config(0).max_attempts(), 1);
    assert_eq!(transport::chain_retry_config(3).max_attempts(), 4);
}
