//! Randomized requests against every route: malformed bodies, paths, query strings and
//! patch operations. Every answer must be AWS-shaped (a 4xx with `x-amzn-ErrorType`
//! and a JSON `message`, or a success), never a 5xx and never a panic.
//!
//! The generator is a seeded xorshift so a failure names a seed that reproduces it:
//! `EMU_RANDOM_SEED=1234 cargo nextest run -p apigw-emulator random`.

use apigw_emulator::sigv4::{Credentials, ToSign, sign};
use apigw_emulator::{Config, Emulator};
use axum::body::Body;
use axum::http::{Method, Request};
use tower::ServiceExt;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const HOST: &str = "emulator.test";

struct World {
    cert: String,
    api: String,
    deployment: String,
    stage: String,
}

async fn send(
    emu: &Emulator,
    method: &Method,
    path_and_query: &str,
    body: Vec<u8>,
    signed: bool,
) -> Option<(u16, Option<String>, Vec<u8>)> {
    let uri: axum::http::Uri = path_and_query.parse().ok()?;
    let mut req = Request::builder()
        .method(method.clone())
        .uri(uri.clone())
        .header("host", HOST);
    if signed {
        let creds = Credentials {
            access_key: "test",
            secret_key: "test",
        };
        let to_sign = ToSign {
            method,
            path: uri.path(),
            query: uri.query(),
            host: HOST,
            body: &body,
        };
        for (k, v) in sign(&creds, "us-east-1", "20260101T000000Z", &to_sign) {
            req = req.header(k, v);
        }
    }
    let req = req.body(Body::from(body)).ok()?;
    let resp = emu
        .router()
        .oneshot(req)
        .await
        .unwrap_or_else(|never| match never {});
    let status = resp.status().as_u16();
    let code = resp
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Some((status, code, bytes))
}

async fn setup(emu: &Emulator) -> World {
    let cert = emu
        .generate_certificate(Some("seed".into()), Default::default())
        .unwrap()
        .id;
    let (_, _, b) = send(
        emu,
        &Method::POST,
        "/restapis",
        br#"{"name":"fuzz"}"#.to_vec(),
        true,
    )
    .await
    .unwrap();
    let api: serde_json::Value = serde_json::from_slice(&b).unwrap();
    let api = api["id"].as_str().unwrap().to_owned();
    let (_, _, b) = send(
        emu,
        &Method::POST,
        &format!("/restapis/{api}/deployments"),
        br#"{"stageName":"prod"}"#.to_vec(),
        true,
    )
    .await
    .unwrap();
    let d: serde_json::Value = serde_json::from_slice(&b).unwrap();
    World {
        cert,
        api,
        deployment: d["id"].as_str().unwrap().to_owned(),
        stage: "prod".to_owned(),
    }
}

fn junk_segment(rng: &mut Rng) -> String {
    let pieces = [
        "a", "Z", "0", "-", "_", ".", "..", "%2F", "%00", "%FF", "%C3%A9", "%", "%zz", "~", "+",
        "%3A", "arn", ":", "@", "!", "$", "'", "(", "*", ",", ";", "=",
    ];
    let n = rng.below(12);
    (0..n).map(|_| *rng.pick(&pieces)).collect()
}

fn id_like(rng: &mut Rng, real: &str) -> String {
    match rng.below(5) {
        0 | 1 => real.to_owned(),
        2 => junk_segment(rng),
        3 => "x".repeat(rng.below(300)),
        _ => "abc123".to_owned(),
    }
}

fn arn(rng: &mut Rng, w: &World) -> String {
    let raw = match rng.below(6) {
        0 => format!(
            "arn:aws:apigateway:us-east-1::/clientcertificates/{}",
            id_like(rng, &w.cert)
        ),
        1 => format!(
            "arn:aws:apigateway:us-east-1::/restapis/{}",
            id_like(rng, &w.api)
        ),
        2 => format!(
            "arn:aws:apigateway:us-east-1::/restapis/{}/stages/{}",
            id_like(rng, &w.api),
            id_like(rng, &w.stage)
        ),
        3 => "arn:aws:s3:::bucket".to_owned(),
        4 => format!("arn:{}", junk_segment(rng)),
        _ => junk_segment(rng),
    };
    if rng.chance(80) {
        raw.replace(':', "%3A").replace('/', "%2F")
    } else {
        raw
    }
}

fn path(rng: &mut Rng, w: &World) -> String {
    let api = id_like(rng, &w.api);
    let p = match rng.below(12) {
        0 => "/clientcertificates".to_owned(),
        1 => format!("/clientcertificates/{}", id_like(rng, &w.cert)),
        2 => "/restapis".to_owned(),
        3 => format!("/restapis/{api}"),
        4 => format!("/restapis/{api}/deployments"),
        5 => format!(
            "/restapis/{api}/deployments/{}",
            id_like(rng, &w.deployment)
        ),
        6 => format!("/restapis/{api}/stages"),
        7 | 8 => format!("/restapis/{api}/stages/{}", id_like(rng, &w.stage)),
        9 => format!("/tags/{}", arn(rng, w)),
        10 => format!("/{}/{}", junk_segment(rng), junk_segment(rng)),
        _ => format!(
            "/clientcertificates/{}/{}",
            junk_segment(rng),
            junk_segment(rng)
        ),
    };
    if rng.chance(10) { format!("{p}/") } else { p }
}

fn query(rng: &mut Rng, w: &World) -> String {
    if rng.chance(40) {
        return String::new();
    }
    let n = 1 + rng.below(3);
    let params: Vec<String> = (0..n)
        .map(|_| {
            let key = *rng.pick(&["limit", "position", "tagKeys", "deploymentId", "x", ""]);
            let value = match rng.below(6) {
                0 => rng
                    .pick(&[
                        "0",
                        "1",
                        "25",
                        "500",
                        "501",
                        "-1",
                        "1e3",
                        "99999999999999999999",
                    ])
                    .to_string(),
                1 => w.cert.clone(),
                2 => w.deployment.clone(),
                _ => junk_segment(rng),
            };
            format!("{key}={value}")
        })
        .collect();
    format!("?{}", params.join("&"))
}

fn json_value(rng: &mut Rng, depth: usize) -> serde_json::Value {
    use serde_json::json;
    match rng.below(if depth > 2 { 5 } else { 8 }) {
        0 => json!(null),
        1 => json!(rng.chance(50)),
        2 => json!(rng.next() as i64),
        3 => json!(1.5e300),
        4 => json!(junk_segment(rng)),
        5 => json!([json_value(rng, depth + 1), json_value(rng, depth + 1)]),
        6 => json!({ "k": json_value(rng, depth + 1) }),
        _ => json!({ "": json_value(rng, depth + 1), "aws:x": "y" }),
    }
}

fn patch_op(rng: &mut Rng, w: &World) -> serde_json::Value {
    use serde_json::json;
    let op = json!(rng.pick(&[
        "add", "remove", "replace", "move", "copy", "test", "REPLACE", "", "delete"
    ]));
    let path = json!(rng.pick(&[
        "/description",
        "/clientCertificateId",
        "/variables/a",
        "/variables/",
        "/variables/bad name",
        "/deploymentId",
        "/tracingEnabled",
        "/cacheClusterEnabled",
        "/tags/x",
        "description",
        "/",
        "",
    ]));
    let value = match rng.below(6) {
        0 => json!(w.cert),
        1 => json!(w.deployment),
        2 => json!("true"),
        3 => json_value(rng, 0),
        4 => json!("x".repeat(600)),
        _ => json!(null),
    };
    let mut m = serde_json::Map::new();
    if rng.chance(90) {
        m.insert("op".into(), op);
    }
    if rng.chance(90) {
        m.insert("path".into(), path);
    }
    if rng.chance(70) {
        m.insert("value".into(), value);
    }
    if rng.chance(10) {
        m.insert("from".into(), json_value(rng, 0));
    }
    serde_json::Value::Object(m)
}

fn body(rng: &mut Rng, w: &World) -> Vec<u8> {
    use serde_json::json;
    match rng.below(10) {
        0 => Vec::new(),
        1 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        2 => br#"{"patchOperations":[{"op":"replace","path":"#.to_vec(),
        3 => json_value(rng, 0).to_string().into_bytes(),
        4 | 5 => {
            let ops: Vec<_> = (0..rng.below(4)).map(|_| patch_op(rng, w)).collect();
            let ops = if rng.chance(10) { json_value(rng, 0) } else { json!(ops) };
            json!({ "patchOperations": ops }).to_string().into_bytes()
        }
        6 => json!({
            "name": json_value(rng, 1),
            "description": json_value(rng, 1),
            "endpointConfiguration": { "types": [rng.pick(&["EDGE", "REGIONAL", "PRIVATE", "NOPE"])] },
            "apiKeySource": json_value(rng, 2),
        })
        .to_string()
        .into_bytes(),
        7 => json!({
            "stageName": rng.pick(&["prod", "beta", "", "bad name", "x"]),
            "deploymentId": if rng.chance(50) { json!(w.deployment) } else { json_value(rng, 1) },
            "variables": json_value(rng, 1),
            "tags": json_value(rng, 1),
        })
        .to_string()
        .into_bytes(),
        8 => json!({ "tags": json_value(rng, 1), "description": json_value(rng, 1) })
            .to_string()
            .into_bytes(),
        _ => {
            let tags: serde_json::Map<_, _> = (0..rng.below(60))
                .map(|i| (format!("k{i}{}", junk_segment(rng)), json!(junk_segment(rng))))
                .collect();
            json!({ "tags": tags }).to_string().into_bytes()
        }
    }
}

#[tokio::test]
async fn random_requests_get_only_aws_shaped_answers() {
    let seeds: Vec<u64> = match std::env::var("EMU_RANDOM_SEED") {
        Ok(s) => vec![s.parse().expect("EMU_RANDOM_SEED is a number")],
        Err(_) => vec![1, 0x5eed, 0xdead_beef, 42],
    };
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    let mut answered = 0usize;
    let mut successes = 0usize;
    for seed in seeds {
        let emu = Emulator::in_memory(Config {
            max_client_certificates: 20,
            ..Config::default()
        });
        let mut world = setup(&emu).await;
        let mut rng = Rng(seed.max(1));
        for i in 0..1500 {
            if i % 250 == 0 {
                emu.reset().expect("an in-memory reset cannot fail");
                world = setup(&emu).await;
            }
            let method = rng.pick(&methods).clone();
            let target = format!("{}{}", path(&mut rng, &world), query(&mut rng, &world));
            let payload = body(&mut rng, &world);
            let signed = rng.chance(93);
            let Some((status, code, bytes)) =
                send(&emu, &method, &target, payload.clone(), signed).await
            else {
                continue;
            };
            answered += 1;
            let context = || {
                format!(
                    "seed {seed} request {i}: {method} {target} body {:?} -> {status} {code:?} {:?}",
                    String::from_utf8_lossy(&payload),
                    String::from_utf8_lossy(&bytes)
                )
            };
            assert!(status < 500, "{}", context());
            if status >= 400 {
                assert!(
                    code.as_deref().is_some_and(|c| !c.is_empty()),
                    "{}",
                    context()
                );
                // HEAD answers carry no body by definition.
                if method != Method::HEAD {
                    let v: serde_json::Value =
                        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{}", context()));
                    assert!(v["message"].is_string(), "{}", context());
                }
            } else {
                successes += 1;
                assert!((200..300).contains(&status), "{}", context());
                assert!(code.is_none(), "{}", context());
                if !bytes.is_empty() {
                    serde_json::from_slice::<serde_json::Value>(&bytes)
                        .unwrap_or_else(|_| panic!("{}", context()));
                }
            }
            if !signed {
                assert_eq!(status, 403, "{}", context());
            }
        }
    }
    // The generator must reach the handlers, not only the error paths.
    assert!(answered > 5000, "only {answered} requests were valid HTTP");
    assert!(successes > 200, "only {successes} requests succeeded");
}
