//! The `apigw-policy` binary end to end: fixtures, report formats, exit codes, and
//! one-line errors for bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use apigw_policy::report::json::JsonReport;
use apigw_policy::severity::Severity;
use serde::Deserialize;

const NOW: &str = "2026-11-22T00:00:00Z";

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
    let mut args = vec!["check", path, "--format", "json", "--now", NOW];
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

#[test]
fn big_bang_replacement_fixture_fails_with_apigw002() {
    let (code, r) = json_report(
        &fixture("handwritten-aws-provider-big-bang-replace.json"),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(r.schema_version, 1);
    assert_eq!(r.input.kind, "plan");
    assert_eq!(r.input.terraform_version.as_deref(), Some("1.11.4"));
    assert_eq!(
        rule_ids(&r),
        vec![("APIGW002", "aws_api_gateway_stage.prod")]
    );
    let f = &r.findings[0];
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.certificate_id.as_deref(), Some("q1w2e3"));
    assert!(r.failed);
    assert_eq!(r.summary.total, 1);
    assert_eq!(r.summary.by_severity[&Severity::Critical], 1);
    assert_eq!(r.now, NOW);
}

#[test]
fn delete_in_use_fixture_flags_only_the_stage_still_using_it() {
    let (code, r) = json_report(&fixture("handwritten-aws-provider-delete-in-use.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_ids(&r),
        vec![("APIGW003", "aws_api_gateway_stage.orders[\"sandbox\"]")]
    );
    // Below the threshold: exit 0, the finding is still reported.
    let (code, r) = json_report(
        &fixture("handwritten-aws-provider-delete-in-use.json"),
        &["--fail-on", "critical"],
    );
    assert_eq!(code, 0);
    assert!(!r.failed);
    assert_eq!(r.findings.len(), 1);
}

#[test]
fn state_fixture_reports_expiry_missing_certificate_owner_and_kpis() {
    let (code, r) = json_report(&fixture("handwritten-aws-provider-state.json"), &[]);
    assert_eq!(code, 1);
    assert_eq!(r.input.kind, "state");
    assert_eq!(
        rule_ids(&r),
        vec![
            (
                "APIGW001",
                "module.edge.aws_api_gateway_client_certificate.this"
            ),
            ("APIGW005", "aws_api_gateway_stage.internal"),
            ("APIGW004", "aws_api_gateway_stage.internal"),
        ]
    );
    let expiry = &r.findings[0];
    assert_eq!(expiry.severity, Severity::Critical);
    assert_eq!(expiry.days_left, Some(5));
    assert_eq!(
        expiry.expiration_date.as_deref(),
        Some("2026-11-27T08:30:00Z")
    );
    assert_eq!(r.kpi.certificates, 1);
    assert_eq!(r.kpi.under_30_days, 1);
    assert_eq!(r.kpi.due, 1);
    assert_eq!(r.kpi.expired, 0);
    assert_eq!(r.kpi.with_owner, 1, "Owner (capitalised) counts");
}

#[test]
fn clean_fixture_passes() {
    let (code, r) = json_report(&fixture("handwritten-aws-provider-clean.json"), &[]);
    assert_eq!(code, 0);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.kpi.owner_share, 1.0, "default_tags through tags_all");
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
        &fixture("handwritten-aws-provider-delete-in-use.json"),
        &["--config", cfg],
    );
    assert_eq!((code, r.findings.len()), (0, 0));
    assert_eq!(r.fail_on, Severity::Critical);
}

#[test]
fn text_report_groups_by_severity_and_names_resource_certificate_dates_and_fix() {
    let out = run(&[
        "check",
        fixture("handwritten-aws-provider-state.json")
            .to_str()
            .expect("path"),
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let critical = text.find("\nCRITICAL (1)").expect("critical group");
    let medium = text.find("\nMEDIUM (1)").expect("medium group");
    let low = text.find("\nLOW (1)").expect("low group");
    assert!(critical < medium && medium < low, "{text}");
    for needle in [
        "resource     module.edge.aws_api_gateway_client_certificate.this",
        "certificate  e5x4p3",
        "expires      2026-11-27T08:30:00Z (5 days left), rotation due 2026-09-28T08:30:00Z",
        "fix          Rotate in stages",
        "3 findings (1 critical, 1 medium, 1 low); fails --fail-on low",
        "KPIs: 1 certificate after this state; 1 under 30 days; 1 due; 0 expired; 1 of 1 (100%) with an owner tag",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
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

#[test]
fn sarif_report_is_sarif_2_1_0_with_rules_and_results() {
    let input = std::fs::read(fixture("handwritten-aws-provider-state.json")).expect("fixture");
    let out = run_stdin(&["check", "-", "--format", "sarif", "--now", NOW], &input);
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
            "APIGW001", "APIGW002", "APIGW003", "APIGW004", "APIGW005", "APIGW006"
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
    assert!(first.message.text.contains("e5x4p3") && first.message.text.contains("Fix:"));
    let loc = &first.locations[0];
    assert_eq!(loc.physical_location.artifact_location.uri, "stdin");
    assert_eq!(
        loc.logical_locations[0].fully_qualified_name,
        "module.edge.aws_api_gateway_client_certificate.this"
    );
    assert_eq!(loc.logical_locations[0].kind, "resource");
    assert_eq!(run.results[2].level, "warning", "low maps to warning");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let fixture_bytes =
        std::fs::read(fixture("handwritten-aws-provider-big-bang-replace.json")).expect("fixture");
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
        let out = run_stdin(&["check", "--now", NOW], &input);
        eprintln!(
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
        assert_bad_input(&out, needle);
    }
}

#[test]
fn usage_and_config_errors_exit_2() {
    let f = fixture("handwritten-aws-provider-clean.json");
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
