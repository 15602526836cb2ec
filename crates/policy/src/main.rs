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
use apigw_policy::{docs, evaluate, input, rules};

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

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Sarif,
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
            write_stdout(config::EXAMPLE)?;
            Ok(0)
        }
        Command::Check {
            file,
            config,
            format,
            now,
            fail_on,
            baseline,
            write_baseline,
        } => {
            let config = match &config {
                Some(path) => Config::load(path)?,
                None => Config::default(),
            };
            let fail_on = match fail_on {
                Some(s) => s
                    .parse::<Severity>()
                    .map_err(|e| anyhow!("--fail-on: {e}"))?,
                None => config.fail_on,
            };
            let now = match now {
                Some(s) => rotation::parse_rfc3339(&s).map_err(|e| anyhow!("--now: {e}"))?,
                None => clock_now()?,
            };
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
            let known = baseline.as_deref().map(Baseline::load).transpose()?;
            let mut outcome = evaluate(&doc, &config, now);
            if let Some(b) = &known {
                b.apply(&mut outcome.findings);
            }
            if let Some(path) = &write_baseline {
                let b = Baseline::of(&outcome.findings);
                b.write(path)?;
                b.apply(&mut outcome.findings);
            }
            let report = Report {
                input: InputInfo::of(&doc, &name),
                now,
                fail_on,
                outcome: &outcome,
                help_uri: config.help_uri.clone(),
            };
            let format = match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
                FormatArg::Sarif => Format::Sarif,
            };
            write_stdout(&report.render(format))?;
            Ok(if report.failed() { 1 } else { 0 })
        }
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

/// The one clock read of the tool.
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
