//! Process start-up: the go-plugin handshake, the private unix socket, mTLS
//! and the gRPC server.
//!
//! Terraform launches the provider 3-5 times per command, so everything
//! before the handshake line is kept minimal: read the environment, make one
//! P-256 key, bind the socket, print. The provider's own state is built after
//! the handshake: in ConfigureProvider or on first use, as the provider decides.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsAcceptor;
use tracing_subscriber::Layer;

use super::Provider;
use super::proto::plugin;
use super::service::ProviderService;
use super::tls;

/// go-plugin's magic cookie for Terraform providers: proves the binary was
/// launched by Terraform and not run by hand.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol major version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;
/// Largest gRPC message accepted or sent, as in Terraform's plugin client.
const MAX_MESSAGE_BYTES: usize = 256 << 20;
/// go-plugin's own handshake version (first field of the handshake line).
const CORE_PROTOCOL_VERSION: u32 = 1;

/// What the protocol layer needs to know about the binary it serves.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The binary's name: prefixes errors on stderr and names the organisation
    /// in the per-process TLS certificate.
    pub name: String,
    /// Tracing targets logged at the level Terraform asks for
    /// (`TF_LOG_PROVIDER` / `TF_LOG`). This crate's own events always are;
    /// everything else (TLS, HTTP/2, SDKs) only from warnings up.
    pub log_targets: Vec<String>,
    /// Start of the private socket directory's name in the temporary directory.
    pub socket_dir_prefix: String,
}

impl ServeOptions {
    /// Options for the binary `name`, with `name` as socket directory prefix
    /// and no log targets besides the protocol layer's.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        ServeOptions {
            socket_dir_prefix: name.clone(),
            name,
            log_targets: Vec::new(),
        }
    }

    /// Adds tracing targets (crate names) logged at Terraform's level.
    #[must_use]
    pub fn log_targets<I, S>(mut self, targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.log_targets.extend(targets.into_iter().map(Into::into));
        self
    }

    #[must_use]
    pub fn socket_dir_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.socket_dir_prefix = prefix.into();
        self
    }
}

/// What the process needs from its environment before it can serve.
#[derive(Debug)]
pub struct HandshakeEnv {
    /// Terraform's certificate in PEM.
    pub client_cert_pem: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HandshakeError {
    #[error(
        "This binary is a Terraform provider plugin. It is not meant to be run directly: \
         Terraform starts it during `terraform init`, `plan` and `apply`. \
         (The {MAGIC_COOKIE_KEY} environment variable is missing or wrong.)"
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform asked for plugin protocol version(s) {offered:?}, but this provider \
         speaks only version 6. Use Terraform 1.0 or later."
    )]
    NoCommonProtocol { offered: String },
    #[error(
        "PLUGIN_CLIENT_CERT is not set. This provider only serves over mutual TLS with \
         the certificate Terraform passes; Terraform always sets it."
    )]
    NoClientCert,
}

/// Validates the environment Terraform sets for a plugin.
pub fn check_env(get: impl Fn(&str) -> Option<String>) -> Result<HandshakeEnv, HandshakeError> {
    if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform);
    }
    if let Some(offered) = get("PLUGIN_PROTOCOL_VERSIONS") {
        let ok = offered
            .split(',')
            .any(|v| v.trim() == PROTOCOL_VERSION.to_string());
        if !ok {
            return Err(HandshakeError::NoCommonProtocol { offered });
        }
    }
    let client_cert_pem = get("PLUGIN_CLIENT_CERT")
        .filter(|s| !s.trim().is_empty())
        .ok_or(HandshakeError::NoClientCert)?;
    Ok(HandshakeEnv { client_cert_pem })
}

/// The single stdout line go-plugin reads.
pub fn handshake_line(socket: &Path, cert_der: &[u8]) -> String {
    let cert = base64::engine::general_purpose::STANDARD_NO_PAD.encode(cert_der);
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|unix|{}|grpc|{cert}",
        socket.display()
    )
}

/// Log level from TF_LOG_PROVIDER (preferred) or TF_LOG, as Terraform uses them.
fn log_level() -> Option<tracing::Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok().filter(|s| !s.is_empty()))?;
    match raw.to_ascii_lowercase().as_str() {
        "off" => None,
        "error" => Some(tracing::Level::ERROR),
        "warn" => Some(tracing::Level::WARN),
        "info" => Some(tracing::Level::INFO),
        "debug" => Some(tracing::Level::DEBUG),
        // "trace", "json" and any other non-empty value mean trace, as in Terraform.
        _ => Some(tracing::Level::TRACE),
    }
}

fn init_logging(options: &ServeOptions) {
    // No subscriber at all when logging is off: nothing to format, nothing to pay.
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    if let Some(level) = log_level() {
        // The provider's own events at the requested level; libraries (TLS,
        // HTTP/2, SDKs) only from warnings up, or their trace output buries ours.
        let deps = std::cmp::min(
            tracing::level_filters::LevelFilter::from_level(level),
            tracing::level_filters::LevelFilter::WARN,
        );
        let filter = options
            .log_targets
            .iter()
            .fold(
                tracing_subscriber::filter::Targets::new()
                    .with_target(env!("CARGO_CRATE_NAME"), level),
                |f, target| f.with_target(target.clone(), level),
            )
            .with_default(deps);
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false);
        let _ = tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init();
    }
}

/// Ctrl-C in a terminal reaches the whole process group. Terraform handles it
/// and stops the provider through StopProvider; dying on the signal would
/// abandon in-flight API calls halfway.
fn ignore_sigint() {
    // SAFETY: installs the SIG_IGN disposition; no handler code runs.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// A private directory (mode 0700) holding the socket; removed on drop.
struct SocketDir(PathBuf);

impl SocketDir {
    fn create(prefix: &str) -> std::io::Result<Self> {
        let base = std::env::temp_dir();
        let pid = std::process::id();
        // Not a time: a hard-to-guess part of the directory name.
        #[allow(clippy::disallowed_methods)]
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for attempt in 0..16u32 {
            let dir = base.join(format!("{prefix}-{pid}-{nanos:x}-{attempt}"));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(SocketDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free socket directory name")))
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A TLS connection as tonic sees it.
struct TlsConn(tokio_rustls::server::TlsStream<tokio::net::UnixStream>);

impl tonic::transport::server::Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// Serves `provider` to Terraform until Terraform asks the plugin to shut
/// down. The whole body of the provider's `main`.
pub fn serve(provider: impl Provider, options: &ServeOptions) -> ExitCode {
    let env = match check_env(|k| std::env::var(k).ok()) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    init_logging(options);
    match run(provider, env, options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("provider failed: {e}");
            eprintln!("{}: {e}", options.name);
            ExitCode::from(1)
        }
    }
}

fn run(
    provider: impl Provider,
    env: HandshakeEnv,
    options: &ServeOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let client_cert = tls::client_cert_from_pem(&env.client_cert_pem)?;
    let identity = tls::ServerIdentity::generate(&options.name)?;
    let tls_config = tls::server_config(&identity, client_cert)?;

    let dir = SocketDir::create(&options.socket_dir_prefix)?;
    let socket_path = dir.0.join("plugin.sock");
    let std_listener = std::os::unix::net::UnixListener::bind(&socket_path)?;
    std::fs::set_permissions(&socket_path, std::fs::Permissions::from_mode(0o600))?;
    std_listener.set_nonblocking(true)?;

    ignore_sigint();
    // The socket already queues connections, so Terraform may connect while
    // the runtime is still being built.
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            handshake_line(&socket_path, identity.cert_der.as_ref())
        )?;
        out.flush()?;
    }
    tracing::debug!(socket = %socket_path.display(), "plugin handshake sent");

    // One thread: an RPC's own work is tens of microseconds, and Terraform's
    // calls arrive over one HTTP/2 connection, so a second worker only adds
    // wake-ups between threads (a quarter of the provider's CPU in an N = 1000
    // plan, measured).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let result = runtime.block_on(async move {
        let mut sigterm =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let listener = tokio::net::UnixListener::from_std(std_listener)?;

        let (shutdown, _) = tokio::sync::watch::channel(false);
        let shutdown = Arc::new(shutdown);
        let (conn_tx, conn_rx) = tokio::sync::mpsc::channel::<std::io::Result<TlsConn>>(8);
        let acceptor = TlsAcceptor::from(tls_config);
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((s, _)) => s,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = conn_tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls)) => {
                            let _ = tx.send(Ok(TlsConn(tls))).await;
                        }
                        Ok(Err(e)) => tracing::warn!("refused a TLS connection: {e}"),
                        Err(_) => tracing::warn!("TLS handshake timed out"),
                    }
                });
            }
        });

        let on_term = shutdown.clone();
        tokio::spawn(async move {
            if sigterm.recv().await.is_some() {
                on_term.send_replace(true);
            }
        });
        // Terraform killed (SIGKILL, a crash) never says Shutdown: the
        // provider goes with it instead of living on with its work half
        // done and its locks held (the attempt journal's among them).
        let parent = std::os::unix::process::parent_id();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if std::os::unix::process::parent_id() != parent {
                    tracing::warn!("Terraform is gone; the provider stops");
                    std::process::exit(1);
                }
            }
        });

        let service = ProviderService::new(Arc::new(provider));
        let mut signal = shutdown.subscribe();
        let server = tonic::transport::Server::builder()
            .add_service(
                super::proto::tfplugin6::provider_server::ProviderServer::new(service)
                    // Terraform accepts messages up to 256 MiB; large states
                    // and plans must not hit tonic's 4 MiB default.
                    .max_decoding_message_size(MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(MAX_MESSAGE_BYTES),
            )
            .add_service(plugin::grpc_controller_server::GrpcControllerServer::new(
                Controller {
                    shutdown: shutdown.clone(),
                },
            ))
            .add_service(plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio))
            .add_service(plugin::grpc_broker_server::GrpcBrokerServer::new(Broker))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::ReceiverStream::new(conn_rx),
                async move {
                    let _ = signal.wait_for(|stop| *stop).await;
                },
            );
        let mut exit_requested = shutdown.subscribe();
        tokio::select! {
            r = server => r.map_err(|e| Box::new(e) as Box<dyn std::error::Error>),
            () = async {
                let _ = exit_requested.wait_for(|stop| *stop).await;
                // Give the Shutdown response time to reach Terraform, then go,
                // even if a client keeps its connection open.
                tokio::time::sleep(Duration::from_secs(2)).await;
            } => Ok(()),
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    drop(dir);
    result
}

struct Controller {
    shutdown: Arc<tokio::sync::watch::Sender<bool>>,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: tonic::Request<plugin::Empty>,
    ) -> Result<tonic::Response<plugin::Empty>, tonic::Status> {
        tracing::debug!("Shutdown requested by Terraform");
        self.shutdown.send_replace(true);
        Ok(tonic::Response::new(plugin::Empty {}))
    }
}

struct Stdio;

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = tokio_stream::Empty<Result<plugin::StdioData, tonic::Status>>;

    async fn stream_stdio(
        &self,
        _request: tonic::Request<()>,
    ) -> Result<tonic::Response<Self::StreamStdioStream>, tonic::Status> {
        Ok(tonic::Response::new(tokio_stream::empty()))
    }
}

struct Broker;

#[tonic::async_trait]
impl plugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = tokio_stream::Empty<Result<plugin::ConnInfo, tonic::Status>>;

    async fn start_stream(
        &self,
        _request: tonic::Request<tonic::Streaming<plugin::ConnInfo>>,
    ) -> Result<tonic::Response<Self::StartStreamStream>, tonic::Status> {
        Ok(tonic::Response::new(tokio_stream::empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_checks() {
        assert_eq!(
            check_env(env(&[])).err(),
            Some(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_env(env(&[(MAGIC_COOKIE_KEY, "nope")])).err(),
            Some(HandshakeError::NotLaunchedByTerraform)
        );
        assert_eq!(
            check_env(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "4,5")
            ]))
            .err(),
            Some(HandshakeError::NoCommonProtocol {
                offered: "4,5".into()
            })
        );
        assert_eq!(
            check_env(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            ]))
            .err(),
            Some(HandshakeError::NoClientCert)
        );
        let ok = check_env(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_CLIENT_CERT", "pem"),
        ]));
        assert_eq!(ok.map(|e| e.client_cert_pem).ok(), Some("pem".to_string()));
    }

    #[test]
    fn handshake_line_shape() {
        let line = handshake_line(Path::new("/tmp/x/plugin.sock"), &[0xff, 0x00, 0x10]);
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|/wAQ");
    }
}
