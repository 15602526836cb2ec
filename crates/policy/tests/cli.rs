//! The `apigw-policy` binary end to end: fixtures, report formats, exit codes, and
//! one-line errors for bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use apigw_policy::finding::Suppression;
use apigw_policy::report::json::JsonReport;
use apigw_policy::severity::Severity;
use serde::Deserialize;

/// The instant the aws-provider fixtures were generated at (regenerate-aws-provider.sh).
fn now() -> String {
    std::fs::read_to_string(fixture("aws-provider.now"))
        .expect("fixtures/aws-provider.now (run fixtures/regenerate-aws-provider.sh)")
        .trim()
        .to_string()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("apigw-policy runs")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apigw-policy starts");
    let mut stdin = child.stdin.take().expect("stdin");
    // The tool may stop reading early on bad input; a closed pipe is fine here.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("apigw-policy exits")
}

fn json_report(file: &Path, extra: &[&str]) -> (i32, JsonReport) {
    let path = file.to_str().expect("utf-8 path");
    let now = now();
    let mut args = vec!["check", path, "--format", "json", "--now", &now];
    args.extend_from_slice(extra);
    let out = run(&args);
    let report: JsonReport = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON report does not deserialise: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().expect("exit code"), report)
}

fn rule_ids(r: &JsonReport) -> Vec<(&str, &str)> {
    r.findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.address.as_str()))
        .collect()
}

/// Asserts exit 2, nothing on stdout, and exactly one line on stderr containing `needle`.
fn assert_bad_input(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("apigw-policy: error: "), "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(!err.contains("panicked"), "{err}");
}

const CERT: &str = "aws_api_gateway_client_certificate.backend[0]";
const INTERNAL: &str = "aws_api_gateway_stage.internal";

#[test]
fn real_aws_provider_state_with_an_expired_certificate_fails_with_apigw001() {
    let (code, r) = json_report(&fixture("aws-provider-state-expired.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(r.input.kind, "state");
    assert_eq!(
        rule_ids(&r),
        vec![
            ("APIGW001", CERT),
            ("APIGW005", INTERNAL),
            ("APIGW004", INTERNAL)
        ]
    );
    let f = &r.findings[0];
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.days_left.is_some_and(|d| d < 0), "{f:?}");
    assert!(f.message.contains("outage in progress"), "{}", f.message);
    assert_eq!((r.kpi.certificates, r.kpi.expired, r.kpi.due), (1, 1, 1));
    assert_eq!(r.kpi.unreadable, 0);
    assert_eq!(r.now, now());
}

#[test]
fn real_aws_provider_state_nine_days_from_expiry_gives_apigw001() {
    let (code, r) = json_report(&fixture("aws-provider-state-9-days.json"), &[]);
    assert_eq!(code, 1);
    let f = &r.findings[0];
    assert_eq!((f.rule_id.as_str(), f.address.as_str()), ("APIGW001", CERT));
    assert_eq!(f.severity, Severity::High, "inside expiry.high (14d)");
    // Aged by 356 of its 365 days, seconds before the run's instant.
    assert!(matches!(f.days_left, Some(8 | 9)), "{f:?}");
    // The AWS provider writes Go's time format; the report speaks RFC 3339.
    let raw = std::fs::read_to_string(fixture("aws-provider-state-9-days.json")).expect("fixture");
    assert!(
        raw.contains(" +0000 UTC\""),
        "the fixture holds Go's time format"
    );
    assert!(
        f.expiration_date
            .as_deref()
            .is_some_and(|d| d.ends_with('Z'))
    );
    assert_eq!((r.kpi.under_30_days, r.kpi.due, r.kpi.expired), (1, 1, 0));
}

#[test]
fn an_unreadable_date_in_real_aws_provider_state_is_its_own_finding_never_silence() {
    let raw = std::fs::read_to_string(fixture("aws-provider-state-expired.json")).expect("fixture");
    let mut doc: serde_json::Value = serde_json::from_str(&raw).expect("json");
    let cert = doc["values"]["root_module"]["resources"]
        .as_array_mut()
        .expect("resources")
        .iter_mut()
        .find(|r| r["address"] == CERT)
        .expect("certificate");
    cert["values"]["expiration_date"] = serde_json::json!("Nov 30 2027 1:55PM");
    let out = run_stdin(
        &["check", "-", "--format", "json", "--now", &now()],
        doc.to_string().as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let r: JsonReport = serde_json::from_slice(&out.stdout).expect("report");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule_id == "APIGW007")
        .unwrap_or_else(|| panic!("APIGW007 in {:?}", rule_ids(&r)));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.address, CERT);
    assert_eq!(f.attribute.as_deref(), Some("expiration_date"));
    assert_eq!(f.value.as_deref(), Some("\"Nov 30 2027 1:55PM\""));
    assert!(f.message.contains("Nov 30 2027 1:55PM"), "{}", f.message);
    assert_eq!(r.kpi.unreadable, 1);
    assert_eq!(
        r.kpi.expired, 0,
        "not counted as fine either: see unreadable"
    );
}

#[test]
fn real_aws_provider_big_bang_replacement_fails_with_apigw002() {
    let (code, r) = json_report(&fixture("aws-provider-plan-big-bang.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(r.schema_version, 1);
    assert_eq!(r.input.kind, "plan");
    assert_eq!(r.input.terraform_version.as_deref(), Some("1.11.4"));
    let f = &r.findings[0];
    assert_eq!(
        (f.rule_id.as_str(), f.address.as_str()),
        ("APIGW002", "aws_api_gateway_stage.prod")
    );
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.certificate_address.as_deref(), Some(CERT));
    assert!(
        f.message
            .contains(&format!("a certificate created by this plan ({CERT})")),
        "{}",
        f.message
    );
    assert!(r.failed);
    assert_eq!(r.summary.by_severity[&Severity::Critical], 1);
}

#[test]
fn real_aws_provider_big_bang_across_modules_is_judged_like_one_module() {
    let (code, r) = json_report(&fixture("aws-provider-plan-modules-big-bang.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_ids(&r),
        vec![
            ("APIGW002", "aws_api_gateway_stage.internal"),
            (
                "APIGW002",
                "module.edge[\"beta\"].aws_api_gateway_stage.this"
            ),
            (
                "APIGW002",
                "module.edge[\"live\"].aws_api_gateway_stage.this"
            ),
        ]
    );
    // The stages in the for_each child module find the root certificate through
    // their input variable; the root stage finds the counted child module's
    // certificate through its output.
    for f in &r.findings[1..] {
        assert_eq!(
            f.certificate_address.as_deref(),
            Some("aws_api_gateway_client_certificate.shared")
        );
        assert!(
            f.message.contains(
                "a certificate created by this plan (aws_api_gateway_client_certificate.shared.id)"
            ),
            "{}",
            f.message
        );
    }
    assert!(r.findings[0].message.contains(
        "a certificate created by this plan (module.legacy[0].aws_api_gateway_client_certificate.this.id)"
    ));
}

#[test]
fn delete_in_use_fixture_flags_only_the_stage_still_using_it() {
    let f = fixture("aws-provider-plan-delete-in-use.json");
    let (code, r) = json_report(&f, &[]);
    assert_eq!(code, 1);
    assert_eq!(rule_ids(&r)[0], ("APIGW003", "aws_api_gateway_stage.prod"));
    assert_eq!(r.findings[0].certificate_address.as_deref(), Some(CERT));
    // Below the threshold: exit 0, the findings are still reported.
    let (code, r) = json_report(&f, &["--fail-on", "critical"]);
    assert_eq!(code, 0);
    assert!(!r.failed);
    assert_eq!(r.findings.len(), 3);
}

#[test]
fn clean_fixture_passes() {
    let (code, r) = json_report(&fixture("aws-provider-state-modules.json"), &[]);
    assert_eq!(code, 0);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!((r.kpi.certificates, r.kpi.with_owner), (2, 2));
}

#[test]
fn config_file_disables_rules_and_sets_fail_on() {
    let dir = TempDir::new("config");
    let cfg = dir.write(
        "policy.toml",
        "fail_on = \"critical\"\n[rules.APIGW003]\nenabled = false\n",
    );
    let cfg = cfg.to_str().expect("utf-8");
    let (code, r) = json_report(
        &fixture("aws-provider-plan-delete-in-use.json"),
        &["--config", cfg],
    );
    assert_eq!(code, 0);
    assert!(r.findings.iter().all(|f| f.rule_id != "APIGW003"));
    assert_eq!(r.fail_on, Severity::Critical);
}

#[test]
fn text_report_groups_by_severity_and_names_resource_certificate_dates_and_fix() {
    let out = run(&[
        "check",
        fixture("aws-provider-state-9-days.json")
            .to_str()
            .expect("path"),
        "--now",
        &now(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let high = text.find("\nHIGH (1)").expect("high group");
    let medium = text.find("\nMEDIUM (1)").expect("medium group");
    let low = text.find("\nLOW (1)").expect("low group");
    assert!(high < medium && medium < low, "{text}");
    for needle in [
        format!("resource     {CERT}"),
        "fix          Rotate in stages".to_string(),
        "3 findings (1 high, 1 medium, 1 low); fails --fail-on low".to_string(),
        "KPIs: 1 certificate after this state".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle:?} not in:\n{text}");
    }
}

fn exception_config(dir: &TempDir, expires: &str) -> String {
    let cfg = dir.write(
        &format!("exceptions-{expires}.toml"),
        &format!(
            "[rules.APIGW004]\nenabled = false\n[rules.APIGW005]\nenabled = false\n\
             [[exceptions]]\nrule = \"APIGW001\"\naddress = \"aws_api_gateway_client_certificate.backend*\"\n\
             reason = \"Retired with the orders API on 2027-12-15\"\nexpires = \"{expires}\"\n"
        ),
    );
    cfg.to_str().expect("utf-8").to_string()
}

#[test]
fn an_exception_in_force_accepts_exactly_its_finding_and_an_expired_one_does_not() {
    let dir = TempDir::new("exceptions");
    let state = fixture("aws-provider-state-expired.json");
    let (code, r) = json_report(&state, &["--config", &exception_config(&dir, "2099-01-01")]);
    assert_eq!(code, 0, "{:?}", r.findings);
    assert_eq!((r.summary.total, r.summary.suppressed), (1, 1));
    let f = &r.findings[0];
    assert_eq!((f.rule_id.as_str(), f.address.as_str()), ("APIGW001", CERT));
    assert!(matches!(
        &f.suppressed,
        Some(Suppression::Exception { reason, .. }) if reason.contains("orders API")
    ));
    // The same finding with the exception run out: it counts, and the report says why.
    let cfg = exception_config(&dir, "2020-01-01");
    let (code, r) = json_report(&state, &["--config", &cfg]);
    assert_eq!(code, 1);
    assert_eq!((r.summary.total, r.summary.suppressed), (1, 0));
    let note = r.findings[0].expired_exception.as_deref().expect("noted");
    assert!(note.contains("expired on 2020-01-02T00:00:00Z"), "{note}");
    let text = run(&[
        "check",
        state.to_str().expect("path"),
        "--config",
        &cfg,
        "--now",
        &now(),
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("exception    the exception for APIGW001"),
        "{text}"
    );
}

#[test]
fn a_baseline_run_passes_on_known_findings_and_fails_on_a_new_one() {
    let dir = TempDir::new("baseline");
    let baseline = dir.0.join("baseline.json");
    let b = baseline.to_str().expect("utf-8");
    // The fresh state: APIGW005 and APIGW004 on the internal stage, accepted as known.
    let (code, r) = json_report(
        &fixture("aws-provider-state.json"),
        &["--write-baseline", b],
    );
    assert_eq!(code, 0, "written findings count as known");
    assert_eq!(r.summary.suppressed, 2);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("written")).expect("json");
    assert_eq!(written["findings"].as_array().map(Vec::len), Some(2));
    let (code, r) = json_report(&fixture("aws-provider-state.json"), &["--baseline", b]);
    assert_eq!((code, r.summary.suppressed), (0, 2));
    // Nine days from expiry: the same two plus APIGW001, which is new.
    let (code, r) = json_report(
        &fixture("aws-provider-state-9-days.json"),
        &["--baseline", b],
    );
    assert_eq!(code, 1);
    let new: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(new, vec!["APIGW001"]);
    assert_eq!(r.summary.suppressed, 2);
    // SARIF carries the same fingerprints and marks known results.
    let out = run(&[
        "check",
        fixture("aws-provider-state-9-days.json")
            .to_str()
            .expect("path"),
        "--format",
        "sarif",
        "--baseline",
        b,
        "--now",
        &now(),
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let states: Vec<(&str, &str)> = results
        .iter()
        .map(|x| {
            (
                x["ruleId"].as_str().unwrap_or(""),
                x["baselineState"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("APIGW001", "new"),
            ("APIGW005", "unchanged"),
            ("APIGW004", "unchanged")
        ]
    );
    let fingerprints: Vec<&str> = written["findings"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["fingerprint"].as_str())
        .collect();
    for x in &results[1..] {
        let fp = x["partialFingerprints"]["apigwPolicy/v1"]
            .as_str()
            .expect("fingerprint");
        assert!(fingerprints.contains(&fp), "{fp} in {fingerprints:?}");
        assert_eq!(x["suppressions"][0]["kind"], "external");
    }
    assert_eq!(
        results[0]["partialFingerprints"]["apigwPolicy/v1"],
        format!(
            "APIGW001:{CERT}:{}",
            r.findings[0].certificate_id.as_deref().expect("id")
        )
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules.iter().all(|r| {
        r["helpUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("docs/policy-rules.md#apigw0"))
            && r["help"]["text"].as_str().is_some_and(|t| !t.is_empty())
    }));
    // A damaged baseline is bad input, named.
    let bad = dir.write("bad.json", "{\"findings\": 3}");
    assert_bad_input(
        &run(&[
            "check",
            fixture("aws-provider-state.json").to_str().expect("p"),
            "--baseline",
            bad.to_str().expect("p"),
        ]),
        "bad.json: not an apigw-policy baseline",
    );
}

#[test]
fn html_report_is_one_page_with_the_kpis_and_one_timeline_mark_per_certificate() {
    let out = run(&[
        "check",
        fixture("aws-provider-plan-modules-big-bang.json")
            .to_str()
            .expect("path"),
        "--format",
        "html",
        "--now",
        &now(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let page = String::from_utf8(out.stdout).expect("utf-8");
    // Self-contained: no scripts, no external resources.
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    for banned in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(banned), "{banned} in the page");
    }
    let (code, r) = json_report(&fixture("aws-provider-state-9-days.json"), &[]);
    assert_eq!(code, 1);
    let state = run(&[
        "check",
        fixture("aws-provider-state-9-days.json")
            .to_str()
            .expect("path"),
        "--format",
        "html",
        "--now",
        &now(),
    ]);
    let page = String::from_utf8(state.stdout).expect("utf-8");
    let svg_start = page
        .find("<svg class=\"timeline\"")
        .expect("an inline SVG timeline");
    let svg = &page[svg_start..page[svg_start..].find("</svg>").expect("closed") + svg_start];
    let marks = svg.matches("<g class=\"certificate").count();
    assert_eq!(marks, r.kpi.certificates, "one row per certificate");
    assert_eq!(
        svg.matches("class=\"window\"").count(),
        marks,
        "each window shaded"
    );
    assert_eq!(svg.matches("class=\"now\"").count(), 1, "now marked once");
    let id = r.findings[0]
        .certificate_id
        .as_deref()
        .expect("certificate");
    assert!(
        svg.contains(&format!("<g class=\"certificate has-finding\" data-address=\"{}\" data-certificate=\"{id}\" data-findings=\"APIGW001\">", r.findings[0].address)),
        "{svg}"
    );
    for (key, value) in [
        ("certificates", r.kpi.certificates.to_string()),
        ("under_30_days", r.kpi.under_30_days.to_string()),
        ("expired", r.kpi.expired.to_string()),
        ("due", r.kpi.due.to_string()),
    ] {
        assert!(
            page.contains(&format!("<tr data-kpi=\"{key}\"><th>"))
                && page.contains(&format!("</th><td>{value}</td></tr>")),
            "KPI {key} = {value}"
        );
    }
    assert!(page.contains(
        "<tr data-kpi=\"owner_share\"><th>With an owner tag</th><td>1 of 1 (100%)</td></tr>"
    ));
    assert_eq!(
        page.matches("<tr class=\"finding ").count(),
        r.findings.len()
    );
}

#[derive(Deserialize)]
struct Sarif {
    #[serde(rename = "$schema")]
    schema: String,
    version: String,
    runs: Vec<SarifRun>,
}

#[derive(Deserialize)]
struct SarifRun {
    tool: SarifTool,
    results: Vec<SarifResult>,
}

#[derive(Deserialize)]
struct SarifTool {
    driver: SarifDriver,
}

#[derive(Deserialize)]
struct SarifDriver {
    name: String,
    rules: Vec<SarifRule>,
}

#[derive(Deserialize)]
struct SarifRule {
    id: String,
    #[serde(rename = "shortDescription")]
    short_description: SarifText,
    #[serde(rename = "defaultConfiguration")]
    default_configuration: SarifLevel,
}

#[derive(Deserialize)]
struct SarifLevel {
    level: String,
}

#[derive(Deserialize)]
struct SarifText {
    text: String,
}

#[derive(Deserialize)]
struct SarifResult {
    #[serde(rename = "ruleId")]
    rule_id: String,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
    level: String,
    message: SarifText,
    locations: Vec<SarifLocation>,
}

#[derive(Deserialize)]
struct SarifLocation {
    #[serde(rename = "physicalLocation")]
    physical_location: SarifPhysical,
    #[serde(rename = "logicalLocations")]
    logical_locations: Vec<SarifLogical>,
}

#[derive(Deserialize)]
struct SarifPhysical {
    #[serde(rename = "artifactLocation")]
    artifact_location: SarifArtifact,
}

#[derive(Deserialize)]
struct SarifArtifact {
    uri: String,
}

#[derive(Deserialize)]
struct SarifLogical {
    #[serde(rename = "fullyQualifiedName")]
    fully_qualified_name: String,
    kind: String,
}

/// The real big-bang plan: the stage leaves a certificate 9 days from expiry, so the
/// report shows one replaced certificate with its remediation time, and the timeline
/// keeps a (greyed) row for the certificate the plan deletes, where APIGW002 points.
#[test]
fn html_report_of_a_plan_shows_the_replaced_certificate_and_the_deleted_one() {
    let file = fixture("aws-provider-plan-big-bang.json");
    let (_, r) = json_report(&file, &[]);
    assert_eq!(r.kpi.remediations.len(), 1, "{:?}", r.kpi.remediations);
    let m = &r.kpi.remediations[0];
    let opened = rotation::parse_rfc3339(&m.window_opened).expect("date");
    let switched = rotation::parse_rfc3339(&m.switched).expect("date");
    assert_eq!(
        switched,
        rotation::parse_rfc3339(&now()).expect("now"),
        "the apply"
    );
    assert_eq!(
        m.days,
        ((switched - opened) as f64 / 8_640.0).round() / 10.0
    );
    assert_eq!(r.kpi.remediation_mean_days, Some(m.days));
    let big_bang = r
        .findings
        .iter()
        .find(|f| f.rule_id == "APIGW002")
        .expect("APIGW002");
    assert_eq!(
        big_bang.certificate_id.as_deref(),
        Some(m.certificate_id.as_str())
    );

    let out = run(&[
        "check",
        file.to_str().expect("path"),
        "--format",
        "html",
        "--now",
        &now(),
    ]);
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(page.contains(&format!(
        "<tr data-kpi=\"remediation_mean_days\"><th>Remediation time (rotation window to switch)</th><td>mean {:.1} days over 1 replaced certificate</td></tr>",
        m.days
    )));
    assert_eq!(page.matches("<tr class=\"remediation\">").count(), 1);
    assert_eq!(
        page.matches("<g class=\"certificate").count(),
        r.kpi.certificates,
        "one row per certificate after the plan"
    );
    assert!(
        page.contains(&format!(
            "<g class=\"deleted has-finding\" data-address=\"aws_api_gateway_client_certificate.backend[0]\" data-certificate=\"{}\"",
            m.certificate_id
        )),
        "{page}"
    );
}

#[test]
fn sarif_report_is_sarif_2_1_0_with_rules_and_results() {
    let input = std::fs::read(fixture("aws-provider-state-expired.json")).expect("fixture");
    let out = run_stdin(
        &["check", "-", "--format", "sarif", "--now", &now()],
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif: Sarif = serde_json::from_slice(&out.stdout).expect("SARIF deserialises");
    assert_eq!(sarif.version, "2.1.0");
    assert!(sarif.schema.ends_with("sarif-schema-2.1.0.json"));
    let run = &sarif.runs[0];
    assert_eq!(run.tool.driver.name, "apigw-policy");
    let ids: Vec<&str> = run
        .tool
        .driver
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "APIGW001", "APIGW002", "APIGW003", "APIGW004", "APIGW005", "APIGW006", "APIGW007",
            "APIGW008", "APIGW009", "APIGW010"
        ]
    );
    assert_eq!(
        run.tool.driver.rules[1].default_configuration.level,
        "error"
    );
    assert!(!run.tool.driver.rules[0].short_description.text.is_empty());
    assert_eq!(run.results.len(), 3);
    let first = &run.results[0];
    assert_eq!(first.rule_id, "APIGW001");
    assert_eq!(run.tool.driver.rules[first.rule_index].id, first.rule_id);
    assert_eq!(first.level, "error");
    assert!(first.message.text.contains("expired") && first.message.text.contains("Fix:"));
    let loc = &first.locations[0];
    assert_eq!(loc.physical_location.artifact_location.uri, "stdin");
    assert_eq!(loc.logical_locations[0].fully_qualified_name, CERT);
    assert_eq!(loc.logical_locations[0].kind, "resource");
    assert_eq!(run.results[2].level, "warning", "low maps to warning");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let fixture_bytes = std::fs::read(fixture("aws-provider-plan-big-bang.json")).expect("fixture");
    let truncated = &fixture_bytes[..fixture_bytes.len() / 2];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty input"),
        ("whitespace", b"\n\n  ".to_vec(), "empty input"),
        ("text", b"Terraform will perform the following actions:".to_vec(), "not JSON"),
        ("binary", vec![0x00, 0xff, 0x13, 0x37], "not JSON"),
        ("truncated", truncated.to_vec(), "ends early"),
        ("broken", b"{\"format_version\": \"1.2\", ]".to_vec(), "invalid JSON"),
        ("checkov output", br#"{"check_type":"terraform_plan","results":{"failed_checks":[]},"summary":{}}"#.to_vec(), "no format_version"),
        ("cloudformation", br#"{"AWSTemplateFormatVersion":"2010-09-09","Resources":{}}"#.to_vec(), "no format_version"),
        ("array", b"[{\"format_version\":\"1.2\"}]".to_vec(), "array"),
        ("future format", br#"{"format_version":"2.0","planned_values":{}}"#.to_vec(), "unsupported format_version \"2.0\""),
        ("plan log stream", br#"{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","type":"version"}
{"@level":"info","@message":"Plan: 1 to add","type":"change_summary"}"#.to_vec(), "terraform show -json tfplan"),
        ("wrong shape", br#"{"format_version":"1.2","resource_changes":{"a":1}}"#.to_vec(), "line 1"),
    ];
    for (name, input, needle) in cases {
        let out = run_stdin(&["check", "--now", &now()], &input);
        eprintln!(
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
        assert_bad_input(&out, needle);
    }
}

#[test]
fn usage_and_config_errors_exit_2() {
    let f = fixture("aws-provider-state-modules.json");
    let f = f.to_str().expect("path");
    assert_bad_input(
        &run(&["check", f, "--config", "/nonexistent/policy.toml"]),
        "/nonexistent/policy.toml",
    );
    let dir = TempDir::new("badconfig");
    let bad = dir.write("bad.toml", "[expiry]\nwindow = \"soon\"\n");
    assert_bad_input(
        &run(&["check", f, "--config", bad.to_str().expect("path")]),
        "expiry.window",
    );
    assert_bad_input(&run(&["check", f, "--fail-on", "urgent"]), "--fail-on");
    assert_bad_input(&run(&["check", f, "--now", "yesterday"]), "--now");
    assert_bad_input(
        &run(&["check", "/nonexistent/plan.json"]),
        "/nonexistent/plan.json",
    );
    let out = run(&["check", f, "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
}

#[test]
fn the_rules_docs_page_is_generated_from_the_rule_definitions() {
    let out = run(&["rules", "--markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-rules.md");
    let committed =
        std::fs::read_to_string(&page).expect("docs/policy-rules.md exists (make generate)");
    assert!(
        committed == String::from_utf8_lossy(&out.stdout),
        "docs/policy-rules.md is stale: run `make generate` (apigw-policy rules --markdown > docs/policy-rules.md)"
    );
}

#[test]
fn the_conftest_plugin_manifest_runs_this_binary() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin.yaml"))
            .expect("plugin.yaml");
    for key in ["name:", "version:", "usage:", "description:", "command:"] {
        assert!(
            manifest.lines().any(|l| l.starts_with(key)),
            "{key} in plugin.yaml"
        );
    }
    assert!(manifest.contains(&format!("version: \"{}\"", env!("CARGO_PKG_VERSION"))));
    assert!(manifest.contains("command: \"apigw-policy check\""));
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("apigw-policy-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
