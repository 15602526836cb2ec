//! `apigw-emulator`: run the local API Gateway control plane.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use apigw_emulator::{Config, Emulator, Throttle};
use clap::Parser;

/// A local AWS API Gateway control plane: client certificates, REST APIs, deployments,
/// stages and tags over the AWS REST-JSON wire format, with SigV4 checks, real
/// self-signed certificates, and an admin API under /_emulator/.
#[derive(Parser, Debug)]
#[command(name = "apigw-emulator", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Validity of generated certificates, like 365d, 36h or 1d12h.
    #[arg(long, default_value = "365d", value_parser = parse_validity)]
    cert_validity: u64,
    /// LimitExceededException once this many client certificates exist.
    #[arg(long, default_value_t = apigw_emulator::DEFAULT_MAX_CLIENT_CERTIFICATES)]
    max_client_certificates: usize,
    /// The access key id requests must be signed with.
    #[arg(long, default_value = "test")]
    access_key: String,
    /// The secret access key requests must be signed with.
    #[arg(long, default_value = "test")]
    secret_key: String,
    /// Throttle control-plane calls to this many requests per second (AWS: 10).
    #[arg(long)]
    throttle_rps: Option<f64>,
    /// Token bucket size when throttling (AWS: 40; default: the rps rounded up).
    #[arg(long, requires = "throttle_rps")]
    throttle_burst: Option<u32>,
    /// Keep state in this file across restarts (written atomically after each change).
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Trust this PEM CA file for backends' server certificates on the data plane
    /// (repeatable); without it no HTTPS backend is trusted.
    #[arg(long = "backend-ca", value_name = "FILE")]
    backend_ca: Vec<PathBuf>,
}

fn parse_validity(s: &str) -> Result<u64, String> {
    match rotation::parse_duration(s) {
        Ok(0) => Err("certificate validity must be longer than 0 seconds".to_owned()),
        Ok(v) => Ok(v),
        Err(e) => Err(e.to_string()),
    }
}

fn config(args: Args) -> Config {
    Config {
        listen: args.listen,
        cert_validity_secs: args.cert_validity,
        max_client_certificates: args.max_client_certificates,
        access_key: args.access_key,
        secret_key: args.secret_key,
        throttle: args.throttle_rps.map(|rps| Throttle {
            rps,
            burst: args
                .throttle_burst
                .unwrap_or_else(|| rps.ceil().clamp(1.0, f64::from(u32::MAX)) as u32),
        }),
        state_file: args.state_file,
        backend_ca: args.backend_ca,
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = config(Args::parse());
    let listen = config.listen;
    let emulator = Emulator::open(config).context("apigw-emulator cannot start")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("apigw-emulator cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "apigw-emulator listening on http://{addr}")?;
        out.flush()?;
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(apigw_emulator::serve(listener, emulator.router(), rx));
    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = tx.send(true);
    let _ = server.await;
    Ok(())
}
