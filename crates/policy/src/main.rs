//! `apigw-policy`: the command-line edge. Parses arguments, reads the clock once when
//! `--now` is not given, and maps outcomes to exit codes (0 clean, 1 findings, 2 bad
//! input or usage).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use clap::{Parser, Subcommand, ValueEnum};

use apigw_policy::baseline::Baseline;
use apigw_policy::config::{self, Config};
use apigw_policy::report::{Format, InputInfo, Report};
use apigw_policy::severity::Severity;
use apigw_policy::{docs, evaluate, evaluate_with, input, rules, scan};

#[derive(Parser)]
#[command(
    name = "apigw-policy",
    version,
    about = "Check Terraform/OpenTofu plans for API Gateway client-certificate rotation hygiene",
    after_help = "Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the output of `terraform show -json` (a plan or a state).
    Check {
        /// The JSON file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        #[command(flatten)]
        judge: Judge,
    },
    /// Scan the live inventory (client certificates with tags, REST APIs, stages) of
    /// one or more regions through the AWS API, read-only, and judge it.
    Scan {
        /// A region to scan (repeatable); default: the region of the AWS configuration.
        #[arg(long = "region", value_name = "REGION")]
        regions: Vec<String>,
        /// Scan every commercial region API Gateway serves.
        #[arg(long, conflicts_with = "regions")]
        all_regions: bool,
        /// The AWS profile of the shared configuration files to use.
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// API Gateway endpoint URL (default: AWS_ENDPOINT_URL_API_GATEWAY,
        /// AWS_ENDPOINT_URL, then the regional AWS endpoint).
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// Client-side limit on API calls per second (API Gateway allows about 10); 0 = off.
        #[arg(long, value_name = "RPS", default_value_t = 10.0)]
        rate_limit: f64,
        /// No progress lines on stderr.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        judge: Judge,
    },
    /// List the rules.
    Rules {
        /// Print the rules reference page (docs/policy-rules.md) as Markdown.
        #[arg(long)]
        markdown: bool,
    },
    /// Print a configuration file with every key and its default.
    Config,
}

/// How findings are judged and reported (shared by `check` and `scan`).
#[derive(clap::Args)]
struct Judge {
    /// A TOML configuration file (see `apigw-policy config`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Judge expiry as of this instant (RFC 3339) instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Exit 1 when a finding is at or above this severity (info, low, medium, high,
    /// critical); overrides `fail_on` from the configuration (default low).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Findings whose fingerprints this baseline holds are reported as known and do
    /// not fail the run; new ones do.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the findings of this run (except those an exception accepts) as a
    /// baseline; they count as known in this run too.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Sarif,
    /// One self-contained page: KPIs and a certificate timeline.
    Html,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the error chain joined, so scripts and CI logs stay readable.
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("apigw-policy: error: {}", msg.join(": ").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Rules { markdown } => {
            let out = if markdown {
                docs::markdown()
            } else {
                rules::ALL
                    .iter()
                    .map(|r| format!("{}  {:<8}  {}\n", r.id, r.default_severity, r.title))
                    .collect()
            };
            write_stdout(&out)?;
            Ok(0)
        }
        Command::Config => {
            write_stdout(&config::example())?;
            Ok(0)
        }
        Command::Check { file, judge } => {
            let settings = Settings::of(&judge)?;
            let (doc, name) = match file.as_deref() {
                None => (
                    read_input(std::io::stdin().lock(), "stdin", None)?,
                    "stdin".to_string(),
                ),
                Some(p) if p.as_os_str() == "-" => (
                    read_input(std::io::stdin().lock(), "stdin", None)?,
                    "stdin".to_string(),
                ),
                Some(p) => {
                    let name = p.display().to_string();
                    let f =
                        std::fs::File::open(p).with_context(|| format!("{name}: cannot open"))?;
                    let size = f.metadata().ok().map(|m| m.len());
                    (read_input(f, &name, size)?, name)
                }
            };
            let outcome = evaluate(&doc, &settings.config, settings.now);
            settings.finish(InputInfo::of(&doc, &name), outcome)
        }
        Command::Scan {
            regions,
            all_regions,
            profile,
            endpoint,
            rate_limit,
            quiet,
            judge,
        } => {
            let settings = Settings::of(&judge)?;
            if !(rate_limit == 0.0 || (0.1..=10_000.0).contains(&rate_limit)) {
                return Err(anyhow!(
                    "--rate-limit {rate_limit}: expected 0 (off) or 0.1 to 10000 calls per second"
                ));
            }
            let regions = if all_regions {
                scan::ALL_REGIONS.iter().map(|r| r.to_string()).collect()
            } else {
                regions
            };
            let scan_settings = scan::ScanSettings {
                regions,
                profile,
                endpoint,
                rate_limit_rps: rate_limit,
                progress: !quiet,
                ..scan::ScanSettings::default()
            };
            let started = std::time::Instant::now();
            let (inventory, calls) = scan::scan(&scan_settings)?;
            let (doc, mut facts) =
                scan::document(&inventory, settings.config.scan.quota_per_region);
            facts.calls = calls;
            if !quiet {
                let total: u64 = facts.calls.values().sum();
                eprintln!(
                    "apigw-policy scan: {} region{} read with {total} API calls in {:.1} s",
                    inventory.len(),
                    if inventory.len() == 1 { "" } else { "s" },
                    started.elapsed().as_secs_f64()
                );
            }
            let outcome = evaluate_with(&doc, &settings.config, settings.now, Some(&facts));
            let regions: Vec<&str> = inventory.iter().map(|i| i.region.as_str()).collect();
            let info = InputInfo {
                name: format!("live inventory ({})", regions.join(", ")),
                kind: "inventory".to_string(),
                format_version: "1.0".to_string(),
                terraform_version: None,
            };
            settings.finish(info, outcome)
        }
    }
}

/// The judging settings of one run, resolved.
struct Settings {
    config: Config,
    fail_on: Severity,
    now: i64,
    format: Format,
    baseline: Option<Baseline>,
    write_baseline: Option<PathBuf>,
}

impl Settings {
    fn of(j: &Judge) -> Result<Settings> {
        let config = match &j.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        let fail_on = match &j.fail_on {
            Some(s) => s
                .parse::<Severity>()
                .map_err(|e| anyhow!("--fail-on: {e}"))?,
            None => config.fail_on,
        };
        let now = match &j.now {
            Some(s) => rotation::parse_rfc3339(s).map_err(|e| anyhow!("--now: {e}"))?,
            None => clock_now()?,
        };
        let baseline = j.baseline.as_deref().map(Baseline::load).transpose()?;
        let format = match j.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Html => Format::Html,
        };
        Ok(Settings {
            config,
            fail_on,
            now,
            format,
            baseline,
            write_baseline: j.write_baseline.clone(),
        })
    }

    /// Applies the baseline, writes one if asked, renders the report; the exit code.
    fn finish(self, input: InputInfo, mut outcome: apigw_policy::Outcome) -> Result<u8> {
        if let Some(b) = &self.baseline {
            b.apply(&mut outcome.findings);
        }
        if let Some(path) = &self.write_baseline {
            let b = Baseline::of(&outcome.findings);
            b.write(path)?;
            b.apply(&mut outcome.findings);
        }
        let report = Report {
            input,
            now: self.now,
            fail_on: self.fail_on,
            outcome: &outcome,
            help_uri: self.config.help_uri.clone(),
        };
        write_stdout(&report.render(self.format))?;
        Ok(if report.failed() { 1 } else { 0 })
    }
}

/// Inputs up to this size are parsed from memory (about three times faster than
/// parsing from a stream); larger ones stream, so memory stays bounded by this buffer
/// plus the kept resources however large the plan is.
const IN_MEMORY_LIMIT: u64 = 32 * 1024 * 1024;

fn read_input<R: Read>(reader: R, name: &str, size: Option<u64>) -> Result<input::Document> {
    // Sized up front: growing a large buffer by doubling costs more than parsing it.
    let capacity = size.unwrap_or(0).min(IN_MEMORY_LIMIT) + 1;
    let mut head = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let mut reader = reader;
    (&mut reader)
        .take(IN_MEMORY_LIMIT + 1)
        .read_to_end(&mut head)
        .with_context(|| format!("{name}: cannot read"))?;
    if head.len() as u64 <= IN_MEMORY_LIMIT {
        return Ok(input::read_document_slice(&head, name)?);
    }
    Ok(input::read_document(
        std::io::Cursor::new(head).chain(reader),
        name,
    )?)
}

/// The one clock read of the tool (`--now` replaces it).
#[allow(clippy::disallowed_methods)]
fn clock_now() -> Result<i64> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("system clock is before 1970")?;
    i64::try_from(d.as_secs()).context("system clock out of range")
}

fn write_stdout(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
