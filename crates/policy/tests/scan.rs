//! `apigw-policy scan` against the emulator: three regions' inventories (the emulator
//! keeps one per signing region, as AWS does), certificates aged through the admin
//! API, and a scan under the emulator's throttling.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};

use apigw_policy::report::json::JsonReport;
use apigw_policy::severity::Severity;
use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};

const DAY: i64 = 86_400;

struct Emu {
    handle: Option<apigw_emulator::Handle>,
    rt: tokio::runtime::Runtime,
}

impl Emu {
    fn start() -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt
            .block_on(apigw_emulator::spawn(apigw_emulator::Config::default()))
            .expect("the emulator starts on 127.0.0.1:0");
        Emu {
            handle: Some(handle),
            rt,
        }
    }

    fn url(&self) -> String {
        self.handle.as_ref().expect("running").url()
    }

    fn client(&self, region: &str) -> aws_sdk_apigateway::Client {
        let conf = aws_sdk_apigateway::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(self.url())
            .http_client(terraform_provider_apigw::apigw::direct_http_client())
            .build();
        aws_sdk_apigateway::Client::from_conf(conf)
    }

    /// A signed GenerateClientCertificate in `region`; its ID.
    fn certificate(&self, region: &str, owner: Option<&str>) -> String {
        let c = self.client(region);
        self.rt.block_on(async {
            let mut req = c.generate_client_certificate().description("backend");
            if let Some(o) = owner {
                req = req.tags("owner", o);
            }
            let out = req.send().await.expect("GenerateClientCertificate");
            out.client_certificate_id().expect("id").to_string()
        })
    }

    /// A certificate the provider generated for rotation series `series` (its mark).
    fn marked(&self, region: &str, series: &str) -> String {
        let c = self.client(region);
        self.rt.block_on(async {
            let out = c
                .generate_client_certificate()
                .description("series")
                .tags("owner", "team-orders")
                .tags(rotation::SERIES_TAG, series)
                .send()
                .await
                .expect("GenerateClientCertificate");
            out.client_certificate_id().expect("id").to_string()
        })
    }

    /// A certificate as the provider's generation leaves it until its apply records
    /// it: marked with an attempt token (and the series, when given).
    fn attempt(&self, region: &str, series: Option<&str>) -> String {
        let c = self.client(region);
        self.rt.block_on(async {
            let mut req = c
                .generate_client_certificate()
                .description("series")
                .tags("owner", "team-orders")
                .tags(rotation::ATTEMPT_TAG, "0123456789abcdef");
            if let Some(s) = series {
                req = req.tags(rotation::SERIES_TAG, s);
            }
            let out = req.send().await.expect("GenerateClientCertificate");
            out.client_certificate_id().expect("id").to_string()
        })
    }

    /// A REST API with one deployment and the given stages (name, certificate).
    fn api(&self, region: &str, name: &str, stages: &[(&str, Option<&str>)]) -> String {
        let c = self.client(region);
        self.rt.block_on(async {
            let api = c
                .create_rest_api()
                .name(name)
                .send()
                .await
                .expect("CreateRestApi");
            let id = api.id().expect("id").to_string();
            let dep = c
                .create_deployment()
                .rest_api_id(&id)
                .send()
                .await
                .expect("CreateDeployment");
            for (stage, cert) in stages {
                c.create_stage()
                    .rest_api_id(&id)
                    .stage_name(*stage)
                    .deployment_id(dep.id().expect("deployment id"))
                    .tags("owner", "team-api")
                    .send()
                    .await
                    .expect("CreateStage");
                if let Some(cert) = cert {
                    c.update_stage()
                        .rest_api_id(&id)
                        .stage_name(*stage)
                        .patch_operations(
                            aws_sdk_apigateway::types::PatchOperation::builder()
                                .op(aws_sdk_apigateway::types::Op::Replace)
                                .path("/clientCertificateId")
                                .value(*cert)
                                .build(),
                        )
                        .send()
                        .await
                        .expect("UpdateStage");
                }
            }
            id
        })
    }

    /// POST to the admin API over plain HTTP/1.1, as a script would.
    fn admin(&self, path: &str, body: &str) -> String {
        let url = self.url();
        let host = url.trim_start_matches("http://");
        let mut s = TcpStream::connect(host).expect("connect to the emulator");
        write!(
            s,
            "POST /_emulator/{path} HTTP/1.1\r\nHost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        assert!(out.starts_with("HTTP/1.1 2"), "admin {path}: {out}");
        out
    }

    fn age(&self, ids: &[&str], days: i64) {
        let ids: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
        self.admin(
            "age",
            &format!(
                "{{\"seconds\": {}, \"certificate_ids\": [{}]}}",
                days * DAY,
                ids.join(",")
            ),
        );
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        drop(self.handle.take());
    }
}

fn scan(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
        .arg("scan")
        .args(["--endpoint", url])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", "/nonexistent/apigw-policy-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/apigw-policy-test-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_API_GATEWAY")
        .output()
        .expect("apigw-policy runs")
}

/// `scan` with `--format json --quiet` and a policy file holding `toml`,
/// for `regions`; the file is removed afterwards.
fn scan_with_config(url: &str, regions: &[&str], toml: &str) -> Output {
    let dir = std::env::temp_dir().join(format!(
        "apigw-policy-scan-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cfg = dir.join("policy.toml");
    std::fs::write(&cfg, toml).expect("config");
    let mut args: Vec<&str> = regions.iter().flat_map(|r| ["--region", r]).collect();
    args.extend(["--format", "json", "--quiet", "--config"]);
    args.push(cfg.to_str().expect("path"));
    let out = scan(url, &args);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

static NEXT_DIR: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn report(out: &Output) -> JsonReport {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn three_regions_list_expiring_unused_and_untagged_certificates_with_kpis() {
    let emu = Emu::start();
    // us-east-1: one in use, 25 days left; one nobody presents.
    let a = emu.certificate("us-east-1", Some("team-orders"));
    let b = emu.certificate("us-east-1", None);
    emu.api("us-east-1", "orders", &[("prod", Some(&a))]);
    // eu-west-1: in use, 65 days left (outside the 60-day window); a stage without one.
    let c = emu.certificate("eu-west-1", Some("team-eu"));
    emu.api(
        "eu-west-1",
        "orders-eu",
        &[("prod", Some(&c)), ("beta", None)],
    );
    // ap-southeast-2: in use, untagged, expired.
    let d = emu.certificate("ap-southeast-2", None);
    emu.api("ap-southeast-2", "orders-ap", &[("prod", Some(&d))]);
    emu.age(&[&a], 340);
    emu.age(&[&c], 300);
    emu.age(&[&d], 370);

    let out = scan(
        &emu.url(),
        &[
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--region",
            "ap-southeast-2",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[3/3] ap-southeast-2: 1 client certificates"),
        "{stderr}"
    );
    let r = report(&out);
    assert_eq!(r.input.kind, "inventory");
    let found: Vec<(&str, &str, Option<&str>)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.severity.as_str(),
                f.certificate_id.as_deref(),
            )
        })
        .collect();
    let has = |rule: &str, id: &str| found.iter().any(|(r, _, c)| *r == rule && *c == Some(id));
    assert!(has("APIGW001", &a), "expiring in us-east-1: {found:?}");
    assert!(has("APIGW001", &d), "expired in ap-southeast-2: {found:?}");
    assert!(
        !has("APIGW001", &c),
        "65 days left is outside the window: {found:?}"
    );
    assert!(
        !has("APIGW001", &b),
        "an unused certificate breaks nothing: {found:?}"
    );
    assert!(has("APIGW008", &b), "unused: {found:?}");
    assert!(
        has("APIGW004", &b) && has("APIGW004", &d),
        "untagged: {found:?}"
    );
    let expired = r
        .findings
        .iter()
        .find(|f| f.rule_id == "APIGW001" && f.certificate_id.as_deref() == Some(d.as_str()))
        .expect("d");
    assert_eq!(expired.severity, Severity::Critical);
    assert_eq!(
        expired.address,
        format!("arn:aws:apigateway:ap-southeast-2::/clientcertificates/{d}")
    );
    assert!(r.findings.iter().any(|f| f.rule_id == "APIGW005"
        && f.address.ends_with("/stages/beta")
        && f.address.contains(":eu-west-1:")));
    let k = &r.kpi;
    assert_eq!(k.certificates, 4);
    assert_eq!(
        (k.under_30_days, k.under_60_days, k.under_90_days),
        (1, 1, 2)
    );
    assert_eq!(k.expired, 1);
    assert_eq!(k.with_owner, 2);
    assert!((k.owner_share - 0.5).abs() < 1e-9);
    assert_eq!(k.unused, Some(1));
    let headroom: HashMap<&str, (usize, usize, usize)> = k
        .regions
        .iter()
        .map(|x| (x.region.as_str(), (x.certificates, x.unused, x.headroom)))
        .collect();
    assert_eq!(headroom["us-east-1"], (2, 1, 58));
    assert_eq!(headroom["eu-west-1"], (1, 0, 59));
    assert_eq!(headroom["ap-southeast-2"], (1, 0, 59));
    assert!(!r.findings.iter().any(|f| f.rule_id == "APIGW009"));

    // Quota headroom against a tighter policy: us-east-1 at its (configured) quota.
    let out = scan_with_config(
        &emu.url(),
        &["us-east-1", "eu-west-1"],
        "[scan]\nquota_per_region = 2\nmin_headroom = 1\n",
    );
    assert!(
        out.stderr.is_empty(),
        "--quiet: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&out);
    let quota: Vec<(&str, Severity)> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "APIGW009")
        .map(|f| (f.address.as_str(), f.severity))
        .collect();
    assert_eq!(
        quota,
        vec![(
            "arn:aws:apigateway:us-east-1::/clientcertificates",
            Severity::High
        )]
    );

    // Read-only: nothing but Get* calls reached the emulator during the scans.
    let calls = emu.handle.as_ref().expect("running").requests();
    let after_setup: Vec<String> = calls
        .iter()
        .filter(|c| c.operation.starts_with("Get"))
        .map(|c| c.operation.clone())
        .collect();
    assert!(after_setup.iter().any(|o| o == "GetStages"));
    let writes_after_scan = calls
        .iter()
        .skip_while(|c| !c.operation.starts_with("GetClientCertificates"))
        .filter(|c| !c.operation.starts_with("Get"))
        .count();
    assert_eq!(writes_after_scan, 0, "a scan never writes");
}

#[test]
fn a_scan_under_emulator_throttling_completes_without_a_failed_call() {
    let emu = Emu::start();
    let cert = emu.certificate("eu-central-1", Some("team-x"));
    for i in 0..30 {
        emu.api(
            "eu-central-1",
            &format!("api-{i}"),
            &[("prod", Some(&cert))],
        );
    }
    // AWS's documented rate, with a small burst so the scan's own burst is throttled.
    emu.admin("throttle", "{\"rps\": 10, \"burst\": 4}");
    let before = emu.handle.as_ref().expect("running").requests().len();
    let out = scan(
        &emu.url(),
        &[
            "--region",
            "eu-central-1",
            "--format",
            "json",
            "--rate-limit",
            "20",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r = report(&out);
    assert_eq!(r.kpi.regions[0].stages, 30, "every stage read");
    assert_eq!(r.kpi.unused, Some(0));
    let scan_requests: Vec<_> = emu.handle.as_ref().expect("running").requests()[before..].to_vec();
    let throttled = scan_requests
        .iter()
        .filter(|q| q.status == Some(429))
        .count();
    let ok = scan_requests
        .iter()
        .filter(|q| q.status.is_some_and(|s| s < 300))
        .count();
    assert!(
        throttled > 0,
        "the emulator throttled some calls: {scan_requests:?}"
    );
    // 1 GetClientCertificates + 1 GetRestApis + 30 GetStages, each answered in the end.
    assert_eq!(
        ok, 32,
        "every call succeeded after backing off ({throttled} throttled)"
    );
    assert!(stderr.contains("32 API calls"), "{stderr}");
}

/// Remediation time live: in a provider-marked series whose older certificate no stage
/// presents any more, the switch is the stage's last update; a series still presenting
/// its older certificate, and unmarked certificates, have not (or not visibly) rotated.
#[test]
fn a_scan_measures_the_remediation_time_of_rotated_series() {
    let emu = Emu::start();
    // Series s1 rotated: the old certificate expires in 25 days, so the default 60-day
    // window opened 35 days ago; the stage moved to the new one just now.
    let old = emu.marked("us-east-1", "s1");
    let new = emu.marked("us-east-1", "s1");
    // Series s2 is mid-rotation: a stage still presents its older certificate.
    let s2_old = emu.marked("us-east-1", "s2");
    let s2_new = emu.marked("us-east-1", "s2");
    // Unmarked: nothing links the two.
    let plain_old = emu.certificate("us-east-1", Some("team-x"));
    let plain_new = emu.certificate("us-east-1", Some("team-x"));
    emu.age(&[&old, &s2_old, &plain_old], 340);
    let api = emu.api(
        "us-east-1",
        "orders",
        &[
            ("prod", Some(&new)),
            ("beta", Some(&s2_old)),
            ("gamma", Some(&s2_new)),
            ("delta", Some(&plain_new)),
        ],
    );
    // The switch is the moment the stage last changed, as API Gateway reports it.
    let stage_updated = emu.rt.block_on(async {
        emu.client("us-east-1")
            .get_stage()
            .rest_api_id(&api)
            .stage_name("prod")
            .send()
            .await
            .expect("GetStage")
            .last_updated_date()
            .expect("lastUpdatedDate")
            .secs()
    });

    let out = scan(
        &emu.url(),
        &["--region", "us-east-1", "--format", "json", "--quiet"],
    );
    let r = report(&out);
    let got: Vec<(&str, &str, Option<&str>, f64, &str)> = r
        .kpi
        .remediations
        .iter()
        .map(|m| {
            (
                m.series.as_str(),
                m.certificate_id.as_str(),
                m.replaced_by.as_deref(),
                m.days,
                m.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            "us-east-1 series s1",
            old.as_str(),
            Some(new.as_str()),
            35.0,
            "live (stage last updated)"
        )],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r.kpi.remediation_mean_days, Some(35.0));
    let switched = rotation::parse_rfc3339(&r.kpi.remediations[0].switched).expect("date");
    assert_eq!(
        switched, stage_updated,
        "the switch is the stage's last update"
    );

    // The same figures in the text report.
    let out = scan(&emu.url(), &["--region", "us-east-1", "--quiet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("remediation time: mean 35.0 days from rotation window to switch over 1 replaced certificate"),
        "{text}"
    );
}

/// Certificates an interrupted apply left: still carrying the attempt mark a day
/// later. One still in flight, and one whose apply recorded it (mark removed), are not
/// orphans; one a stage presents is reported without advice to delete it.
#[test]
fn a_scan_reports_certificates_orphaned_by_an_interrupted_apply() {
    let emu = Emu::start();
    let orphan = emu.attempt("us-east-1", Some("orders-backend"));
    let presented = emu.attempt("us-east-1", None);
    let in_flight = emu.attempt("us-east-1", Some("orders-backend"));
    let recorded = emu.marked("us-east-1", "orders-backend");
    emu.age(&[&orphan, &presented, &recorded], 1);
    emu.api("us-east-1", "orders", &[("prod", Some(&presented))]);

    let out = scan(
        &emu.url(),
        &["--region", "us-east-1", "--format", "json", "--quiet"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&out);
    let orphans: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "APIGW010")
        .collect();
    let mut ids: Vec<&str> = orphans
        .iter()
        .filter_map(|f| f.certificate_id.as_deref())
        .collect();
    ids.sort();
    let mut expected = vec![orphan.as_str(), presented.as_str()];
    expected.sort();
    assert_eq!(ids, expected, "not {in_flight} nor {recorded}: {orphans:?}");
    let of = |id: &str| {
        orphans
            .iter()
            .find(|f| f.certificate_id.as_deref() == Some(id))
            .expect("finding")
    };
    let f = of(&orphan);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.address,
        format!("arn:aws:apigateway:us-east-1::/clientcertificates/{orphan}")
    );
    assert!(
        f.message.contains(&format!(
            "Certificate {orphan} in us-east-1 (of series orders-backend) was created 1d"
        )),
        "{}",
        f.message
    );
    assert!(
        f.fix.contains(&format!(
            "aws apigateway delete-client-certificate --region us-east-1 --client-certificate-id {orphan}"
        )),
        "{}",
        f.fix
    );
    let p = of(&presented);
    assert!(
        p.message.contains("(without a series tag)")
            && p.message.contains("Stages present it: orders (")
            && p.message.contains(") stage prod."),
        "{}",
        p.message
    );
    assert!(!p.fix.contains("delete-client-certificate"), "{}", p.fix);

    // Configured like every rule: severity raised, and an exception for the presented one.
    let out = scan_with_config(
        &emu.url(),
        &["us-east-1"],
        &format!(
            "[rules.APIGW010]\nseverity = \"high\"\n\n[[exceptions]]\nrule = \"APIGW010\"\n\
             address = \"arn:aws:apigateway:us-east-1::/clientcertificates/{presented}\"\n\
             reason = \"attached by hand; the owners move the stage first\"\n\
             expires = \"2099-01-01T00:00:00Z\"\n"
        ),
    );
    let r = report(&out);
    let got: Vec<(&str, Severity, bool)> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "APIGW010")
        .map(|f| {
            (
                f.certificate_id.as_deref().unwrap_or_default(),
                f.severity,
                f.suppressed.is_some(),
            )
        })
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got.contains(&(orphan.as_str(), Severity::High, false)),
        "{got:?}"
    );
    assert!(
        got.contains(&(presented.as_str(), Severity::High, true)),
        "{got:?}"
    );
}
