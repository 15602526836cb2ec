//! Creates REST APIs with a deployment and stages on an API Gateway endpoint
//! (usually the local emulator), for the demo, the example tests, the policy
//! fixtures and benchmarks: this provider attaches certificates to stages but
//! does not create them. It is the scripts' one way to make signed API calls.
//!
//! Usage: `cargo run --example seed -- --endpoint URL [--region R] NAME:[STAGE[=CERT][,STAGE[=CERT]...]]...`
//!
//! `STAGE=CERT` makes the stage present client certificate CERT; `NAME:` alone
//! creates the REST API and its deployment without stages (for stages that
//! Terraform creates). Prints one line per REST API: `NAME REST_API_ID
//! DEPLOYMENT_ID`. Credentials come from AWS_ACCESS_KEY_ID /
//! AWS_SECRET_ACCESS_KEY (the emulator accepts test/test).

use std::process::ExitCode;

#[path = "seed_api.rs"]
mod seed_api;

fn main() -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("seed: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(std::env::args().skip(1).collect())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed: {e}");
            ExitCode::from(if e.starts_with("usage") { 2 } else { 1 })
        }
    }
}

const USAGE: &str =
    "usage: seed --endpoint URL [--region REGION] NAME:[STAGE[=CERT][,STAGE[=CERT]...]]...";

async fn run(args: Vec<String>) -> Result<(), String> {
    let mut endpoint = None;
    let mut region = "us-east-1".to_string();
    let mut specs = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--endpoint" => endpoint = Some(it.next().ok_or(USAGE)?),
            "--region" => region = it.next().ok_or(USAGE)?,
            _ if arg.starts_with('-') => return Err(format!("{USAGE} (unknown flag {arg:?})")),
            _ => {
                let (name, stages) = arg
                    .split_once(':')
                    .ok_or_else(|| format!("{USAGE} (expected NAME:STAGES, got {arg:?})"))?;
                let stages: Vec<(String, Option<String>)> = stages
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| match s.split_once('=') {
                        Some((stage, cert)) => (stage.to_string(), Some(cert.to_string())),
                        None => (s.to_string(), None),
                    })
                    .collect();
                if name.is_empty()
                    || stages
                        .iter()
                        .any(|(s, c)| s.is_empty() || c.as_deref() == Some(""))
                {
                    return Err(format!("{USAGE} (expected NAME:STAGES, got {arg:?})"));
                }
                specs.push((name.to_string(), stages));
            }
        }
    }
    let endpoint = endpoint.ok_or(USAGE)?;
    if specs.is_empty() {
        return Err(USAGE.to_string());
    }
    let client = seed_api::client(&endpoint, &region).await;
    for (name, stages) in specs {
        let stage_refs: Vec<&str> = stages.iter().map(|(s, _)| s.as_str()).collect();
        let (id, deployment) = seed_api::create_api_with_deployment(&client, &name, &stage_refs)
            .await
            .map_err(|e| format!("cannot create REST API {name:?} at {endpoint}: {e}"))?;
        for (stage, cert) in &stages {
            if let Some(cert) = cert {
                seed_api::set_stage_certificate(&client, &id, stage, cert)
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot attach certificate {cert:?} to stage {stage:?} of {name:?}: {e}"
                        )
                    })?;
            }
        }
        println!("{name} {id} {deployment}");
    }
    Ok(())
}
