//! The provider foundation through the real terraform binary: schema,
//! configuration diagnostics, the `apigw_client_certificates` data source in
//! a `check` block, the provider functions, credential hygiene in trace logs,
//! and the cost of a read in API calls (from the emulator's call counter).

mod common;

use std::collections::BTreeMap;

use common::{Emulator, Tf};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

const CHECK_EXAMPLE: &str =
    include_str!("../examples/data-sources/apigw_client_certificates/data-source.tf");

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Provider block with `region`, `endpoint` and `extra` attribute lines (an
/// extra line for region or endpoint replaces the default one); credentials
/// come from the environment.
fn provider_with(endpoint: &str, extra: &str) -> String {
    let mut lines = vec![
        "  region = \"us-east-1\"".to_string(),
        format!("  endpoint = \"{endpoint}\""),
    ];
    for line in extra.lines().filter(|l| !l.trim().is_empty()) {
        let name = line.trim().split([' ', '=']).next().unwrap_or_default();
        lines.retain(|l| l.trim().split([' ', '=']).next() != Some(name));
        lines.push(format!("  {}", line.trim()));
    }
    format!(
        "terraform {{\n  required_providers {{\n    apigw = {{ source = \"{}\" }}\n  }}\n}}\n\n\
         provider \"apigw\" {{\n{}\n}}\n",
        common::PROVIDER_SOURCE,
        lines.join("\n")
    )
}

// ---- schema ---------------------------------------------------------------------

#[test]
fn schema_lists_config_data_source_and_functions_with_every_attribute_described() {
    let tf = Tf::without_emulator();
    tf.init();
    let schema = tf.provider_schema();

    let provider = &schema["provider"]["block"];
    for attr in [
        "region",
        "profile",
        "endpoint",
        "max_retries",
        "operation_timeout",
        "operation_attempt_timeout",
        "rate_limit_rps",
        "rate_limit_burst",
    ] {
        let d = provider["attributes"][attr]["description"]
            .as_str()
            .unwrap_or_else(|| panic!("provider attribute {attr} missing or undescribed"));
        assert!(d.ends_with('.') && d.len() > 30, "{attr}: {d:?}");
        assert_eq!(provider["attributes"][attr]["optional"], true, "{attr}");
    }
    let assume = &provider["block_types"]["assume_role"]["block"];
    for attr in ["role_arn", "session_name", "external_id"] {
        assert!(
            assume["attributes"][attr]["description"]
                .as_str()
                .is_some_and(|d| d.ends_with('.')),
            "assume_role.{attr} undescribed: {assume}"
        );
    }
    assert_eq!(assume["attributes"]["external_id"]["sensitive"], true);

    let ds = &schema["data_source_schemas"]["apigw_client_certificates"]["block"];
    assert!(ds.is_object(), "data source missing: {schema}");
    for attr in [
        "rotate_before",
        "tags",
        "include_stage_usage",
        "certificates",
        "due_certificate_ids",
        "expired_certificate_ids",
    ] {
        assert!(
            ds["attributes"][attr]["description"]
                .as_str()
                .is_some_and(|d| d.ends_with('.') && d.len() > 30),
            "data source attribute {attr} undescribed: {ds}"
        );
    }
    // Each certificate field is a nested attribute with its own description,
    // not a field of an opaque list(object) type.
    let certificates = &ds["attributes"]["certificates"];
    assert!(certificates.get("type").is_none(), "{certificates}");
    assert_eq!(certificates["nested_type"]["nesting_mode"], "list");
    let fields = |nested: &Value| -> Vec<String> {
        nested["attributes"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(
        fields(&certificates["nested_type"]),
        [
            "created_date",
            "days_until_expiry",
            "description",
            "expiration_date",
            "expired",
            "id",
            "pem",
            "rotation_due",
            "rotation_due_date",
            "stages",
            "tags",
        ]
    );
    let stages = &certificates["nested_type"]["attributes"]["stages"];
    assert_eq!(stages["nested_type"]["nesting_mode"], "list");
    assert_eq!(
        fields(&stages["nested_type"]),
        ["rest_api_id", "rest_api_name", "stage_name"]
    );

    // Every attribute anywhere (nested attributes and blocks included) of
    // every schema the provider serves is described in a sentence.
    let mut all = Vec::new();
    collect_attributes(provider, "provider.", &mut all);
    for kind in ["resource_schemas", "data_source_schemas"] {
        for (name, s) in schema[kind].as_object().into_iter().flatten() {
            collect_attributes(&s["block"], &format!("{name}."), &mut all);
        }
    }
    assert!(
        all.iter()
            .any(|(path, _)| path == "apigw_client_certificates.certificates.stages.stage_name"),
        "nested attributes not walked: {:?}",
        all.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, attr) in &all {
        assert!(
            attr["description"]
                .as_str()
                .is_some_and(|d| d.ends_with('.') && d.len() > 20),
            "{path} lacks a full-sentence description: {attr}"
        );
    }

    let functions = schema["functions"]
        .as_object()
        .unwrap_or_else(|| panic!("no functions in {schema}"));
    let mut names: Vec<&str> = functions.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["days_until", "pem_expiration", "rotation_due"]);
    for (name, f) in functions {
        assert!(
            f["description"].as_str().is_some_and(|d| d.len() > 30),
            "{name}"
        );
        for p in f["parameters"].as_array().into_iter().flatten() {
            assert!(
                p["description"].as_str().is_some_and(|d| d.ends_with('.')),
                "{name}({}) undescribed",
                p["name"]
            );
        }
    }
    assert_eq!(functions["rotation_due"]["return_type"], "bool");
    assert_eq!(functions["days_until"]["return_type"], "number");
    assert_eq!(functions["pem_expiration"]["return_type"], "string");
}

/// Every attribute under a schema block (or a nested attribute's object),
/// with its dotted path: descends into `nested_type` and `block_types`.
fn collect_attributes<'a>(block: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    for (name, attr) in block["attributes"].as_object().into_iter().flatten() {
        let here = format!("{path}{name}");
        if let Some(nested) = attr.get("nested_type") {
            collect_attributes(nested, &format!("{here}."), out);
        }
        out.push((here, attr));
    }
    for (name, b) in block["block_types"].as_object().into_iter().flatten() {
        collect_attributes(&b["block"], &format!("{path}{name}."), out);
    }
}

// ---- the data source in a check block ----------------------------------------------

#[test]
fn check_block_warns_naming_each_due_or_expired_certificate_with_its_expiry() {
    let emu = Emulator::start();
    let expired = emu.generate_certificate("old partner cert").id;
    emu.age(200 * DAY);
    let due_a = emu.generate_certificate("orders backend").id;
    let due_b = emu.generate_certificate("billing backend").id;
    // 365-day certificates: the first is now 510 days old (expired), the next
    // two 310 days (55 days left, inside a 60-day window).
    emu.age(310 * DAY);
    let fresh = emu.generate_certificate("brand new").id;

    let tf = Tf::new(&emu);
    tf.write("main.tf", CHECK_EXAMPLE);
    tf.init();
    let plan = tf.plan_json();

    let found: Vec<&Value> = plan
        .warnings()
        .into_iter()
        .filter(|d| d["summary"] == "Check block assertion failed")
        .collect();
    assert_eq!(found.len(), 1, "diagnostics: {:#?}", plan.diagnostics);
    let detail = found[0]["detail"].as_str().unwrap_or_default();
    let certs = emu.certificates();
    for id in [&expired, &due_a, &due_b] {
        let c = certs
            .iter()
            .find(|c| &c.id == id)
            .expect("stored certificate");
        let line = detail
            .lines()
            .find(|l| l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("{id} not named in warning:\n{detail}"));
        let expiry = rotation::format_rfc3339(c.expires);
        assert!(
            line.contains(&expiry),
            "{id} without expiry {expiry}: {line}"
        );
    }
    let expired_line = detail
        .lines()
        .find(|l| l.contains(expired.as_str()))
        .unwrap_or_default();
    assert!(expired_line.contains("EXPIRED"), "{expired_line}");
    assert!(
        !detail.contains(fresh.as_str()),
        "fresh cert named:\n{detail}"
    );
}

#[test]
fn check_block_is_silent_when_nothing_is_due() {
    let emu = Emulator::start();
    emu.generate_certificate("a");
    emu.generate_certificate("b");
    // 300 days left of 365: far outside the 60-day window.
    emu.age(65 * DAY);
    let tf = Tf::new(&emu);
    tf.write("main.tf", CHECK_EXAMPLE);
    tf.init();
    let plan = tf.plan_json();
    assert!(
        plan.warnings().is_empty(),
        "unexpected warnings: {:#?}",
        plan.warnings()
    );
    assert!(
        plan.diagnostics.iter().all(|d| d["severity"] != "error"),
        "{:#?}",
        plan.diagnostics
    );
}

/// An HTTP proxy in the environment is for AWS, not for a loopback endpoint:
/// the provider reaches the emulator directly, as Terraform's own plugins do.
#[test]
fn a_proxy_in_the_environment_is_not_used_for_a_loopback_endpoint() {
    let emu = Emulator::start();
    emu.generate_certificate("a");
    let (_held, nowhere) = closed_port_url();
    let mut tf = Tf::new(&emu);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
    ] {
        tf.set_env(var, &nowhere);
    }
    tf.set_env("NO_PROXY", "");
    tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    tf.init();
    let plan = tf.plan_json();
    assert!(
        plan.diagnostics.iter().all(|d| d["severity"] != "error"),
        "{:#?}",
        plan.diagnostics
    );
    assert_eq!(emu.call_count("GetClientCertificates"), 1);
}

#[test]
fn data_source_reports_dates_flags_filters_and_stage_usage() {
    let emu = Emulator::start();
    let tagged = std::ops::Deref::deref(&emu)
        .generate_certificate(
            Some("tagged".to_string()),
            BTreeMap::from([("team".to_string(), "payments".to_string())]),
        )
        .expect("generate")
        .id;
    emu.generate_certificate("other");
    emu.age(320 * DAY);
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        r#"
data "apigw_client_certificates" "pay" {
  tags                = { team = "payments" }
  include_stage_usage = true
  rotate_before       = "30d"
}
output "rows" { value = data.apigw_client_certificates.pay.certificates }
output "due" { value = data.apigw_client_certificates.pay.due_certificate_ids }
"#,
    );
    tf.init();
    tf.apply();
    let rows = tf.output("rows");
    let rows = rows.as_array().expect("list");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    let c = emu
        .certificates()
        .into_iter()
        .find(|c| c.id == tagged)
        .expect("stored");
    assert_eq!(row["id"], json!(tagged));
    assert_eq!(row["description"], "tagged");
    assert_eq!(row["tags"], json!({"team": "payments"}));
    assert_eq!(row["pem"], json!(c.pem));
    assert_eq!(
        row["created_date"],
        json!(rotation::format_rfc3339(c.created))
    );
    assert_eq!(
        row["expiration_date"],
        json!(rotation::format_rfc3339(c.expires))
    );
    // 45 days left (rounded down to 44 or 45 depending on seconds elapsed), 30d window.
    assert_eq!(row["rotation_due"], false);
    assert_eq!(row["expired"], false);
    let days = row["days_until_expiry"].as_i64().expect("number");
    assert!((44..=45).contains(&days), "{days}");
    assert_eq!(row["stages"], json!([]));
    assert_eq!(tf.output("due"), json!([]));
}

// ---- functions -----------------------------------------------------------------

#[test]
fn functions_give_the_right_results_through_terraform() {
    let emu = Emulator::start();
    let cert = emu.generate_certificate("for pem_expiration");
    let pem_expr = format!("provider::apigw::pem_expiration({:?})", cert.pem);
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "due_at_window_start",
            r#"provider::apigw::rotation_due("2027-03-01T00:00:00Z", "60d", "2026-12-31T00:00:00Z")"#,
            json!(true),
        ),
        (
            "not_due_one_second_before",
            r#"provider::apigw::rotation_due("2027-03-01T00:00:00Z", "60d", "2026-12-30T23:59:59Z")"#,
            json!(false),
        ),
        (
            "expired_is_due_with_zero_window",
            r#"provider::apigw::rotation_due("2027-03-01T00:00:00Z", "0s", "2027-03-01T00:00:00Z")"#,
            json!(true),
        ),
        (
            "mixed_units_and_offsets",
            r#"provider::apigw::rotation_due("2027-03-01T12:00:00+02:00", "1d12h", "2027-02-27T22:00:00Z")"#,
            json!(true),
        ),
        (
            "far_future_not_due_at_plan_time",
            r#"provider::apigw::rotation_due("2999-01-01T00:00:00Z", "90d", plantimestamp())"#,
            json!(false),
        ),
        (
            "days_thirty",
            r#"provider::apigw::days_until("2026-12-31T00:00:00Z", "2026-12-01T00:00:00Z")"#,
            json!(30),
        ),
        (
            "days_rounded_down",
            r#"provider::apigw::days_until("2026-12-31T00:00:00Z", "2026-12-01T00:00:01Z")"#,
            json!(29),
        ),
        (
            "days_negative_after",
            r#"provider::apigw::days_until("2026-12-31T00:00:00Z", "2026-12-31T00:00:01Z")"#,
            json!(-1),
        ),
        (
            "pem_expiration_of_a_real_certificate",
            &pem_expr,
            json!(rotation::format_rfc3339(cert.expires)),
        ),
    ];
    let mut hcl = String::new();
    for (name, expr, _) in &cases {
        hcl.push_str(&format!("output \"{name}\" {{\n  value = {expr}\n}}\n"));
    }
    let tf = Tf::new(&emu);
    tf.write("main.tf", &hcl);
    tf.init();

    let plan = tf.plan_json();
    for (name, expr, want) in &cases {
        let got = &plan.json["output_changes"][*name]["after"];
        assert_eq!(got, want, "plan: {name} = {expr}");
    }
    tf.apply();
    for (name, expr, want) in &cases {
        assert_eq!(&tf.output(name), want, "apply: {name} = {expr}");
    }
}

#[test]
fn invalid_pem_and_duration_are_function_errors_that_explain() {
    let cases = [
        (
            r#"provider::apigw::pem_expiration("hello, not a certificate")"#,
            vec![
                "pem_expiration",
                "\"pem\"",
                "hello, not a certificate",
                "BEGIN CERTIFICATE",
            ],
        ),
        (
            r#"provider::apigw::rotation_due("2027-03-01T00:00:00Z", "60 days", "2026-01-01T00:00:00Z")"#,
            vec!["rotation_due", "\"rotate_before\"", "60 days", "90d"],
        ),
        (
            r#"provider::apigw::days_until("next tuesday", "2026-01-01T00:00:00Z")"#,
            vec!["days_until", "\"timestamp\"", "next tuesday", "RFC 3339"],
        ),
    ];
    for (expr, needles) in cases {
        let tf = Tf::without_emulator();
        tf.write(
            "main.tf",
            &format!("output \"x\" {{\n  value = {expr}\n}}\n"),
        );
        tf.init();
        let failed = tf
            .try_plan_json()
            .err()
            .unwrap_or_else(|| panic!("{expr} must fail"));
        let errors = failed.errors();
        let all = serde_json::to_string(&errors).unwrap_or_default();
        assert!(!errors.is_empty(), "{expr}: no error diagnostics");
        for needle in needles {
            let escaped = serde_json::to_string(needle).unwrap_or_default();
            let escaped = &escaped[1..escaped.len() - 1];
            assert!(all.contains(escaped), "{expr}: {needle:?} missing in {all}");
        }
    }
}

// ---- provider configuration --------------------------------------------------------

/// A provider setting that depends on a resource still to be created reaches
/// ConfigureProvider unknown: the plan stops naming it, and nothing falls back
/// to the environment (the emulator sees no call).
#[test]
fn a_provider_setting_known_only_after_apply_is_an_error_naming_it() {
    let emu = Emulator::start();
    let tf = Tf::bare();
    tf.write(
        "provider.tf",
        &provider_with(&emu.url(), "endpoint = terraform_data.endpoint.output"),
    );
    tf.write(
        "main.tf",
        &format!(
            "resource \"terraform_data\" \"endpoint\" {{\n  input = \"{}\"\n}}\n\
             data \"apigw_client_certificates\" \"all\" {{}}\n",
            emu.url()
        ),
    );
    tf.init();
    let Err(failed) = tf.try_plan_json() else {
        panic!("plan must fail")
    };
    let text = serde_json::to_string(&failed.errors()).unwrap_or_default();
    assert!(
        text.contains("Provider Configuration Not Known Yet"),
        "{text}"
    );
    assert!(text.contains("endpoint depends on a value"), "{text}");
    assert_eq!(emu.calls(), serde_json::json!({}), "no API call was made");
}

#[test]
fn bad_provider_configuration_names_the_attribute_and_value() {
    let emu = Emulator::start();
    let cases = [
        ("endpoint", r#"endpoint = "not a url""#, "not a url"),
        ("region", r#"region = "moon-base""#, "moon-base"),
        ("max_retries", "max_retries = -1", "-1"),
        ("operation_timeout", r#"operation_timeout = "soon""#, "soon"),
        ("rate_limit_burst", "rate_limit_burst = 0", "0"),
    ];
    for (attr, line, value) in cases {
        let tf = Tf::bare();
        tf.write("provider.tf", &provider_with(&emu.url(), line));
        tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
        tf.init();
        let failed = tf
            .try_plan_json()
            .err()
            .unwrap_or_else(|| panic!("{line} must be rejected"));
        let errors = failed.errors();
        let hit = errors.iter().find(|d| {
            let s = format!("{} {}", d["summary"], d["detail"]);
            s.contains(attr) && s.contains(value)
        });
        assert!(
            hit.is_some(),
            "{line}: no error naming {attr} and {value}: {errors:#?}"
        );
    }
}

#[test]
fn malformed_clock_offset_is_an_error_naming_the_variable_and_value() {
    let emu = Emulator::start();
    let mut tf = Tf::bare();
    tf.set_env("APIGW_CLOCK_OFFSET", "next tuesday");
    tf.write("provider.tf", &provider_with(&emu.url(), ""));
    tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    tf.init();
    let Err(failed) = tf.try_plan_json() else {
        panic!("a malformed APIGW_CLOCK_OFFSET must stop the plan");
    };
    let text: Vec<String> = failed
        .errors()
        .iter()
        .map(|d| format!("{} {}", d["summary"], d["detail"]))
        .collect();
    assert!(
        text.iter()
            .any(|s| s.contains("APIGW_CLOCK_OFFSET") && s.contains("next tuesday")),
        "no error naming the variable and its value: {text:#?}"
    );
    assert_eq!(
        emu.call_count("GetClientCertificates"),
        0,
        "nothing is read"
    );
}

/// A loopback URL where nothing listens. The port stays bound, without
/// listening, while the returned socket lives: connections are refused, and
/// no server started by another test can take the port meanwhile.
fn closed_port_url() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind");
    let port = socket.local_addr().expect("addr").port();
    (socket, format!("http://127.0.0.1:{port}"))
}

#[test]
fn unreachable_endpoint_is_reported_on_first_use_naming_endpoint_and_url() {
    let (_held, url) = closed_port_url();
    let tf = Tf::bare();
    tf.write(
        "provider.tf",
        &provider_with(
            &url,
            "  max_retries = 0\n  skip_credentials_validation = true",
        ),
    );
    tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    tf.init();
    let failed = tf.try_plan_json().expect_err("plan must fail");
    let all = serde_json::to_string(&failed.errors()).unwrap_or_default();
    assert!(all.contains("`endpoint`"), "{all}");
    assert!(all.contains(&url), "{all}");
    assert!(all.contains("GetClientCertificates"), "{all}");

    // With the credential check on, a loopback endpoint also answers STS,
    // so the same outage stops configuration, naming the URL.
    tf.write("provider.tf", &provider_with(&url, "  max_retries = 0"));
    let failed = tf.try_plan_json().expect_err("plan must fail");
    let errors = failed.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["summary"], "AWS credentials could not be checked");
    let detail = errors[0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&url), "{detail}");
}

#[test]
fn credentials_never_appear_in_output_even_with_trace_logging() {
    const SECRET: &str = "zQ8distinctiveSECRETkey0123456789abcdefXYZ";
    const TOKEN: &str = "distinctiveSESSIONtoken42";
    let emu = Emulator::with_config(apigw_emulator::Config {
        secret_key: SECRET.to_string(),
        ..apigw_emulator::Config::default()
    });
    emu.generate_certificate("a");

    // A working read (the emulator verifies the signature made with SECRET)...
    let mut tf = Tf::new(&emu);
    tf.set_env("AWS_SECRET_ACCESS_KEY", SECRET);
    tf.set_env("TF_LOG", "trace");
    tf.write("main.tf", CHECK_EXAMPLE);
    tf.init();
    let plan = tf.run(&["plan", "-input=false", "-no-color"]);
    let out = text(&plan);
    assert!(plan.status.success(), "plan failed:\n{out}");
    // The provider's own debug lines are in the output, so the check below
    // covers what the provider logs while it signs and sends requests.
    assert!(
        out.contains("listed client certificates") && out.contains("provider configured"),
        "provider trace lines missing from TF_LOG=trace output"
    );
    assert!(!out.contains(SECRET), "secret key leaked");

    // ...a rejected signature...
    let mut bad = Tf::new(&emu);
    bad.set_env("AWS_SECRET_ACCESS_KEY", &format!("{SECRET}-wrong"));
    bad.set_env("AWS_SESSION_TOKEN", TOKEN);
    bad.set_env("TF_LOG", "trace");
    bad.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    bad.init();
    let out = bad.run(&["plan", "-input=false", "-no-color"]);
    let all = text(&out);
    assert!(!out.status.success(), "a wrong key must be refused:\n{all}");
    assert!(!all.contains(SECRET), "secret key leaked in failure");
    assert!(!all.contains(TOKEN), "session token leaked in failure");

    // ...and an unreachable endpoint: no secret in any of them.
    let (_held, url) = closed_port_url();
    let mut down = Tf::bare();
    down.write("provider.tf", &provider_with(&url, "  max_retries = 0"));
    down.set_env("AWS_SECRET_ACCESS_KEY", SECRET);
    down.set_env("TF_LOG", "trace");
    down.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    down.init();
    let out = down.run(&["plan", "-input=false", "-no-color"]);
    let all = text(&out);
    assert!(!out.status.success());
    assert!(!all.contains(SECRET), "secret key leaked when unreachable");
}

// ---- cost -------------------------------------------------------------------------

#[test]
fn one_listing_request_for_120_certificates() {
    let emu = Emulator::with_config(apigw_emulator::Config {
        max_client_certificates: 200,
        ..apigw_emulator::Config::default()
    });
    for i in 0..120 {
        emu.generate_certificate(&format!("cert {i}"));
    }
    let tf = Tf::new(&emu);
    tf.write(
        "main.tf",
        r#"
data "apigw_client_certificates" "all" {}
output "count" { value = length(data.apigw_client_certificates.all.certificates) }
"#,
    );
    tf.init();
    let before = emu.call_count("GetClientCertificates");
    let plan = tf.plan_json();
    assert_eq!(plan.json["output_changes"]["count"]["after"], json!(120));
    assert_eq!(
        emu.call_count("GetClientCertificates") - before,
        1,
        "calls: {}",
        emu.calls()
    );
    assert_eq!(emu.call_count("GetClientCertificate"), 0, "{}", emu.calls());
}

#[test]
fn no_region_and_an_unknown_profile_stop_configuration_on_the_provider_block() {
    let emu = Emulator::start();
    let mut tf = Tf::bare();
    let aws_config = tf.dir().join("aws-config");
    std::fs::write(&aws_config, "[profile ops]\noutput = json\n")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", aws_config.display()));
    tf.set_env("AWS_CONFIG_FILE", &aws_config.display().to_string());
    tf.set_env(
        "AWS_SHARED_CREDENTIALS_FILE",
        &tf.dir().join("no-credentials").display().to_string(),
    );
    tf.set_env("AWS_REGION", "");
    tf.set_env("AWS_DEFAULT_REGION", "");
    tf.write("main.tf", r#"data "apigw_client_certificates" "all" {}"#);
    let block = |body: &str| {
        format!(
            "terraform {{\n  required_providers {{\n    apigw = {{ source = \"{}\" }}\n  }}\n}}\n\n\
             provider \"apigw\" {{\n  endpoint = \"{}\"\n{body}\n}}\n",
            common::PROVIDER_SOURCE,
            emu.url()
        )
    };
    let cases = [
        ("", "No AWS region configured", "AWS_REGION"),
        (
            "  profile = \"ops\"",
            "No AWS region configured",
            "\"ops\" profile",
        ),
        (
            "  region = \"us-east-1\"\n  profile = \"prod\"",
            "Unknown AWS profile",
            "ops",
        ),
    ];
    tf.write("provider.tf", &block(""));
    tf.init();
    for (body, summary, detail) in cases {
        tf.write("provider.tf", &block(body));
        let Err(failed) = tf.try_plan_json() else {
            panic!("{body:?}: the plan must stop at configuration")
        };
        let errors = failed.errors();
        let hit = errors
            .iter()
            .find(|d| d["summary"] == summary)
            .unwrap_or_else(|| panic!("{body:?}: no {summary:?} in {errors:#?}"));
        let text = hit["detail"].as_str().unwrap_or_default();
        assert!(text.contains(detail), "{body:?}: {text}");
        assert_eq!(
            hit["range"]["filename"], "provider.tf",
            "{body:?}: reported on the provider block: {hit:#}"
        );
    }
    assert_eq!(emu.calls(), serde_json::json!({}), "no API call was made");
}
