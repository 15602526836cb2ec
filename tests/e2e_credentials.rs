//! The AWS credential chain through the real `terraform`: every source
//! authenticates the provider against the emulator, whose only accepted key
//! is one that the source under test hands out (the harness's test keys are
//! removed or replaced by keys the emulator refuses). STS and the IAM Identity
//! Center portal are loopback stand-ins (`AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_SSO`) that record what they were asked. Every run logs
//! at trace level and no secret of any source may appear in its output.
//!
//! The configure-time checks are here too: the account guards against the
//! emulator's GetCallerIdentity, and that nothing is called when neither
//! guard is set and validation is skipped.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use common::{Emulator, Tf};

/// The only key pair the emulator accepts in these tests.
const ROLE_KEY: &str = "ASIAROLEKEYFROMSOURCE";
const ROLE_SECRET: &str = "roleSECRETdistinct0123456789abcdefghij";
const ROLE_TOKEN: &str = "roleSESSIONtokenDISTINCT42";
/// Base keys that the emulator refuses: a role must be assumed with them.
const BASE_KEY: &str = "AKIABASEKEYNOTFORAPIGW";
const BASE_SECRET: &str = "baseSECRETdistinct0123456789abcdefghij";
const OIDC_TOKEN: &str = "oidcTOKENdistinct.payload.signature";
const SSO_TOKEN: &str = "ssoACCESStokenDISTINCT";
const ACCOUNT: &str = "111122223333";

const SECRETS: &[&str] = &[ROLE_SECRET, ROLE_TOKEN, BASE_SECRET, OIDC_TOKEN, SSO_TOKEN];

fn emulator() -> Emulator {
    let emu = Emulator::with_config(apigw_emulator::Config {
        access_key: ROLE_KEY.to_string(),
        secret_key: ROLE_SECRET.to_string(),
        ..apigw_emulator::Config::default()
    });
    emu.generate_certificate("seen-through-the-chain");
    emu
}

/// One request to the stand-in.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    form: BTreeMap<String, String>,
}

impl Seen {
    fn action(&self) -> &str {
        self.form.get("Action").map_or("", String::as_str)
    }
}

/// A loopback HTTP server answering as STS (query protocol) and as the IAM
/// Identity Center portal. Stops when dropped.
struct StandIn {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn role_credentials_xml(result: &str) -> String {
    format!(
        "<{result}Response xmlns=\"{NS}\"><{result}Result><Credentials>\
         <AccessKeyId>{ROLE_KEY}</AccessKeyId><SecretAccessKey>{ROLE_SECRET}</SecretAccessKey>\
         <SessionToken>{ROLE_TOKEN}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>\
         </Credentials><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:session</AssumedRoleId>\
         <Arn>arn:aws:sts::{ACCOUNT}:assumed-role/rotation/session</Arn></AssumedRoleUser>\
         </{result}Result><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>\
         </{result}Response>"
    )
}

fn answer(req: &Seen) -> (u16, &'static str, String) {
    if req.method == "GET" && req.path.starts_with("/federation/credentials") {
        let body = format!(
            "{{\"roleCredentials\":{{\"accessKeyId\":\"{ROLE_KEY}\",\"secretAccessKey\":\"{ROLE_SECRET}\",\"sessionToken\":\"{ROLE_TOKEN}\",\"expiration\":4070908800000}}}}"
        );
        return (200, "application/json", body);
    }
    match req.action() {
        "AssumeRole" => (200, "text/xml", role_credentials_xml("AssumeRole")),
        "AssumeRoleWithWebIdentity" => (
            200,
            "text/xml",
            role_credentials_xml("AssumeRoleWithWebIdentity"),
        ),
        "GetCallerIdentity" => (
            200,
            "text/xml",
            format!(
                "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult>\
                 <Arn>arn:aws:sts::{ACCOUNT}:assumed-role/rotation/session</Arn>\
                 <UserId>AROAEXAMPLE:session</UserId><Account>{ACCOUNT}</Account>\
                 </GetCallerIdentityResult></GetCallerIdentityResponse>"
            ),
        ),
        other => (
            400,
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>InvalidAction</Code>\
                 <Message>stand-in does not answer {other:?}</Message></Error></ErrorResponse>"
            ),
        ),
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..(head_end + len).min(buf.len())];
    let form = url::form_urlencoded::parse(body).into_owned().collect();
    Some(Seen {
        method,
        path,
        headers,
        form,
    })
}

impl StandIn {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stand-in");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                let mut stream = match listener.accept() {
                    Ok((s, _)) => s,
                    Err(_) => {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                        continue;
                    }
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                let (status, ty, body) = answer(&req);
                if let Ok(mut s) = seen2.lock() {
                    s.push(req);
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: {ty}\r\nContent-Length: {}\r\nx-amzn-RequestId: stand-in\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        StandIn {
            url,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const READ: &str = r#"data "apigw_client_certificates" "all" {}

output "descriptions" {
  value = [for c in data.apigw_client_certificates.all.certificates : c.description]
}
"#;

/// A working directory for `emu` whose provider block has `extra` inside it,
/// with no usable keys in the environment (the test adds the source).
fn workdir(emu: &Emulator, extra: &str) -> Tf {
    let mut tf = Tf::bare();
    tf.write(
        "provider.tf",
        &format!(
            "terraform {{\n  required_providers {{\n    apigw = {{\n      source = \"{}\"\n    }}\n  }}\n}}\n\nprovider \"apigw\" {{\n  region   = \"us-east-1\"\n  endpoint = \"{}\"\n{extra}\n}}\n",
            common::PROVIDER_SOURCE,
            emu.url()
        ),
    );
    tf.write("main.tf", READ);
    tf.unset_env("AWS_ACCESS_KEY_ID");
    tf.unset_env("AWS_SECRET_ACCESS_KEY");
    // Profiles come only from files the test writes.
    let home = tf.dir().join("home");
    std::fs::create_dir_all(home.join(".aws")).expect("home");
    tf.set_env("HOME", &home.display().to_string());
    tf.set_env("TF_LOG", "trace");
    tf
}

/// init + apply; the certificate description came back through the chain,
/// and no secret is in the (trace-level) output.
fn authenticates(tf: &Tf) {
    tf.init();
    let out = tf.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "apply failed:\n{}",
        common::tail(&text, 60)
    );
    assert_eq!(
        tf.output("descriptions"),
        serde_json::json!(["seen-through-the-chain"])
    );
    assert_no_secrets(&text);
    assert!(
        text.contains("provider configured"),
        "trace output lacks the provider's own lines"
    );
}

fn assert_no_secrets(text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "a secret leaked into the output: {secret}"
        );
    }
}

fn script(tf: &Tf, name: &str, body: &str) -> String {
    let path = tf.dir().join(name);
    std::fs::write(&path, body).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path.display().to_string()
}

#[test]
fn named_profile_from_shared_files_given_in_the_provider_block() {
    let emu = emulator();
    let tf = workdir(
        &emu,
        "  profile                  = \"rotation\"\n  shared_config_files      = [\"${path.module}/aws-config\"]\n  shared_credentials_files = [\"${path.module}/aws-credentials\"]\n  skip_credentials_validation = true",
    );
    tf.write("aws-config", "[profile rotation]\nregion = us-east-1\n");
    tf.write(
        "aws-credentials",
        &format!(
            "[default]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n\n[rotation]\naws_access_key_id = {ROLE_KEY}\naws_secret_access_key = {ROLE_SECRET}\n"
        ),
    );
    authenticates(&tf);
}

#[test]
fn credential_process_profile() {
    let emu = emulator();
    let mut tf = workdir(&emu, "  skip_credentials_validation = true");
    let process = script(
        &tf,
        "issue-credentials.sh",
        &format!(
            "#!/bin/sh\ncat <<EOF\n{{\"Version\": 1, \"AccessKeyId\": \"{ROLE_KEY}\", \"SecretAccessKey\": \"{ROLE_SECRET}\", \"SessionToken\": \"{ROLE_TOKEN}\", \"Expiration\": \"2099-01-01T00:00:00Z\"}}\nEOF\n"
        ),
    );
    let config = tf.dir().join("home/.aws/config");
    std::fs::write(
        &config,
        format!("[profile ci]\ncredential_process = {process}\n"),
    )
    .expect("config");
    tf.set_env("AWS_PROFILE", "ci");
    authenticates(&tf);
}

#[test]
fn iam_identity_center_profile_with_a_cached_token() {
    let emu = emulator();
    let sso = StandIn::start();
    let mut tf = workdir(
        &emu,
        "  profile = \"sso-admin\"\n  skip_credentials_validation = true",
    );
    std::fs::write(
        tf.dir().join("home/.aws/config"),
        "[profile sso-admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = CertificateRotation\nregion = us-east-1\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.example/start\n",
    )
    .expect("config");
    // The token cache `aws sso login` leaves behind: named by the SHA-1 of
    // the session name.
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, b"corp");
    let name: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let cache = tf.dir().join("home/.aws/sso/cache");
    std::fs::create_dir_all(&cache).expect("cache dir");
    std::fs::write(
        cache.join(format!("{name}.json")),
        format!(
            "{{\"accessToken\": \"{SSO_TOKEN}\", \"expiresAt\": \"2099-01-01T00:00:00Z\", \"region\": \"us-east-1\", \"startUrl\": \"https://corp.awsapps.example/start\"}}"
        ),
    )
    .expect("token cache");
    tf.set_env("AWS_ENDPOINT_URL_SSO", &sso.url);
    authenticates(&tf);

    let seen = sso.seen();
    let portal: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path.starts_with("/federation/credentials"))
        .collect();
    assert!(!portal.is_empty(), "the portal was not asked: {seen:?}");
    let first = portal[0];
    assert_eq!(
        first
            .headers
            .get("x-amz-sso_bearer_token")
            .map(String::as_str),
        Some(SSO_TOKEN)
    );
    assert!(
        first.path.contains("account_id=111122223333"),
        "{}",
        first.path
    );
    assert!(
        first.path.contains("role_name=CertificateRotation"),
        "{}",
        first.path
    );
}

#[test]
fn web_identity_token_file_from_the_environment() {
    let emu = emulator();
    let sts = StandIn::start();
    let mut tf = workdir(&emu, "  skip_credentials_validation = true");
    tf.write("token", OIDC_TOKEN);
    let token = tf.dir().join("token").display().to_string();
    tf.set_env("AWS_WEB_IDENTITY_TOKEN_FILE", &token);
    tf.set_env("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/ci-rotation");
    tf.set_env("AWS_ROLE_SESSION_NAME", "pipeline-42");
    tf.set_env("AWS_ENDPOINT_URL_STS", &sts.url);
    authenticates(&tf);

    let seen = sts.seen();
    let call = seen
        .iter()
        .find(|s| s.action() == "AssumeRoleWithWebIdentity")
        .unwrap_or_else(|| panic!("no AssumeRoleWithWebIdentity: {seen:?}"));
    assert_eq!(call.form["WebIdentityToken"], OIDC_TOKEN);
    assert_eq!(
        call.form["RoleArn"],
        "arn:aws:iam::111122223333:role/ci-rotation"
    );
    assert_eq!(call.form["RoleSessionName"], "pipeline-42");
}

#[test]
fn assume_role_with_web_identity_block() {
    let emu = emulator();
    let sts = StandIn::start();
    let mut tf = workdir(
        &emu,
        r#"  skip_credentials_validation = true
  assume_role_with_web_identity {
    role_arn                = "arn:aws:iam::111122223333:role/oidc"
    session_name            = "from-block"
    web_identity_token_file = "${path.module}/token"
    duration                = "30m"
    policy_arns             = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  }"#,
    );
    tf.write("token", &format!("{OIDC_TOKEN}\n"));
    tf.set_env("AWS_ENDPOINT_URL_STS", &sts.url);
    authenticates(&tf);

    let seen = sts.seen();
    let call = seen
        .iter()
        .find(|s| s.action() == "AssumeRoleWithWebIdentity")
        .unwrap_or_else(|| panic!("no AssumeRoleWithWebIdentity: {seen:?}"));
    assert_eq!(
        call.form["WebIdentityToken"], OIDC_TOKEN,
        "trailing newline kept"
    );
    assert_eq!(call.form["RoleArn"], "arn:aws:iam::111122223333:role/oidc");
    assert_eq!(call.form["RoleSessionName"], "from-block");
    assert_eq!(call.form["DurationSeconds"], "1800");
    assert_eq!(
        call.form["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert!(
        !call.headers.contains_key("authorization"),
        "the token exchange needs no signature"
    );
}

#[test]
fn assume_role_with_every_field_on_top_of_base_keys() {
    let emu = emulator();
    let sts = StandIn::start();
    let mut tf = workdir(
        &emu,
        r#"  allowed_account_ids = ["111122223333"]
  assume_role {
    role_arn            = "arn:aws:iam::111122223333:role/rotation"
    session_name        = "tf-rotation"
    external_id         = "ext-distinct-id"
    duration            = "1h"
    policy              = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "apigateway:*", Resource = "*" }] })
    policy_arns         = ["arn:aws:iam::aws:policy/AmazonAPIGatewayAdministrator"]
    tags                = { team = "edge", purpose = "rotation" }
    transitive_tag_keys = ["team"]
    source_identity     = "alice@example.com"
  }"#,
    );
    tf.set_env("AWS_ACCESS_KEY_ID", BASE_KEY);
    tf.set_env("AWS_SECRET_ACCESS_KEY", BASE_SECRET);
    tf.set_env("AWS_ENDPOINT_URL_STS", &sts.url);
    authenticates(&tf);

    let seen = sts.seen();
    let call = seen
        .iter()
        .find(|s| s.action() == "AssumeRole")
        .unwrap_or_else(|| panic!("no AssumeRole: {seen:?}"));
    let f = &call.form;
    assert_eq!(f["RoleArn"], "arn:aws:iam::111122223333:role/rotation");
    assert_eq!(f["RoleSessionName"], "tf-rotation");
    assert_eq!(f["ExternalId"], "ext-distinct-id");
    assert_eq!(f["DurationSeconds"], "3600");
    assert!(f["Policy"].contains("apigateway:*"), "{f:?}");
    assert_eq!(
        f["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/AmazonAPIGatewayAdministrator"
    );
    let tags: BTreeMap<&str, &str> = (1..=2)
        .map(|i| {
            (
                f[&format!("Tags.member.{i}.Key")].as_str(),
                f[&format!("Tags.member.{i}.Value")].as_str(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        BTreeMap::from([("purpose", "rotation"), ("team", "edge")])
    );
    assert_eq!(f["TransitiveTagKeys.member.1"], "team");
    assert_eq!(f["SourceIdentity"], "alice@example.com");
    // Signed with the base keys; the guard asked with the role's keys.
    let auth = call
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    assert!(auth.contains(&format!("Credential={BASE_KEY}/")), "{auth}");
    let who = seen
        .iter()
        .find(|s| s.action() == "GetCallerIdentity")
        .unwrap_or_else(|| panic!("allowed_account_ids was not checked: {seen:?}"));
    let auth = who
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    assert!(auth.contains(&format!("Credential={ROLE_KEY}/")), "{auth}");
    // One AssumeRole per provider process that configures: the API Gateway
    // client reuses the credentials resolved at configure time.
    let configures = seen
        .iter()
        .filter(|s| s.action() == "GetCallerIdentity")
        .count();
    let assumes = seen.iter().filter(|s| s.action() == "AssumeRole").count();
    assert_eq!(assumes, configures, "{seen:?}");
}

#[test]
fn a_wrong_account_stops_configuration_in_one_sentence() {
    let emu = emulator();
    let mut tf = workdir(&emu, "  allowed_account_ids = [\"999999999999\"]");
    tf.set_env("AWS_ACCESS_KEY_ID", ROLE_KEY);
    tf.set_env("AWS_SECRET_ACCESS_KEY", ROLE_SECRET);
    tf.init();
    let failed = tf
        .try_plan_json()
        .expect_err("a wrong account must stop the plan");
    let errors = failed.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let detail = errors[0]["detail"].as_str().unwrap_or_default();
    assert_eq!(errors[0]["summary"], "AWS account not allowed");
    assert!(
        detail.starts_with(&format!(
            "The credentials belong to AWS account {}, which is not in allowed_account_ids (999999999999).",
            apigw_emulator::ACCOUNT_ID
        )),
        "{detail}"
    );
    assert_eq!(emu.call_count("GetCallerIdentity"), 1);
    assert_eq!(emu.call_count("GetClientCertificates"), 0, "nothing read");

    let mut forbidden = workdir(
        &emu,
        &format!(
            "  forbidden_account_ids = [\"{}\"]",
            apigw_emulator::ACCOUNT_ID
        ),
    );
    forbidden.set_env("AWS_ACCESS_KEY_ID", ROLE_KEY);
    forbidden.set_env("AWS_SECRET_ACCESS_KEY", ROLE_SECRET);
    forbidden.init();
    let failed = forbidden.try_plan_json().expect_err("a forbidden account");
    assert_eq!(failed.errors()[0]["summary"], "AWS account forbidden");
}

#[test]
fn missing_credentials_and_refused_keys_are_reported_at_configure() {
    let emu = emulator();
    // No source at all.
    let tf = workdir(&emu, "  skip_credentials_validation = true");
    tf.init();
    let failed = tf.try_plan_json().expect_err("no credentials");
    assert_eq!(failed.errors()[0]["summary"], "No usable AWS credentials");
    assert_eq!(emu.call_count("GetClientCertificates"), 0);

    // Keys the emulator refuses: validation catches them before any resource.
    let mut bad = workdir(&emu, "");
    bad.set_env("AWS_ACCESS_KEY_ID", BASE_KEY);
    bad.set_env("AWS_SECRET_ACCESS_KEY", BASE_SECRET);
    bad.init();
    let failed = bad.try_plan_json().expect_err("refused keys");
    let errors = failed.errors();
    assert_eq!(
        errors[0]["summary"], "AWS credentials refused",
        "{errors:#?}"
    );
    let detail = errors[0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(
            "The security token included in the request is invalid (InvalidClientTokenId)"
        ),
        "{detail}"
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&failed.output.stdout),
        String::from_utf8_lossy(&failed.output.stderr)
    );
    assert_no_secrets(&all);
    assert_eq!(emu.call_count("GetClientCertificates"), 0);
}

#[test]
fn no_call_at_configure_when_validation_is_skipped_and_no_guard_is_set() {
    let emu = emulator();
    let mut skipped = workdir(&emu, "  skip_credentials_validation = true");
    skipped.set_env("AWS_ACCESS_KEY_ID", ROLE_KEY);
    skipped.set_env("AWS_SECRET_ACCESS_KEY", ROLE_SECRET);
    skipped.init();
    skipped.plan_json();
    let calls = emu.calls();
    let ops: Vec<&String> = calls
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        ops,
        ["GetClientCertificates"],
        "only the data source's read: {calls}"
    );

    let mut validated = workdir(&emu, "");
    validated.set_env("AWS_ACCESS_KEY_ID", ROLE_KEY);
    validated.set_env("AWS_SECRET_ACCESS_KEY", ROLE_SECRET);
    validated.init();
    validated.plan_json();
    assert!(emu.call_count("GetCallerIdentity") >= 1, "{}", emu.calls());
}
