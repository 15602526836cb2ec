//! A plugin served by this crate answers only the client holding the
//! certificate Terraform passed in PLUGIN_CLIENT_CERT. These tests launch a
//! plugin binary (the toy provider in `support/`) the way Terraform does
//! (environment, handshake line on stdout, unix socket) and talk gRPC over
//! mTLS with their own client.

use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tfplugin::proto::{plugin, tfplugin6};

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity shaped like the one Terraform generates per plugin
/// launch: self-signed ECDSA P-521, CA:TRUE, for localhost.
struct ClientIdentity {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn terraform_like_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)
        .unwrap_or_else(|e| panic!("P-521 key generation failed: {e}"));
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap_or_else(|e| panic!("certificate params: {e}"));
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params
        .self_signed(&key)
        .unwrap_or_else(|e| panic!("self-signing failed: {e}"));
    ClientIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
    }
}

/// The provider process; killed on drop if still running.
struct ProviderProcess {
    child: Child,
    socket: PathBuf,
    server_cert: Vec<u8>,
    handshake: String,
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn launch(client_cert_pem: &str) -> ProviderProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_tfplugin-toy-provider"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_cert_pem)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the provider: {e}"));
    // Guarded from here on: a failed check below still stops the process.
    let mut process = ProviderProcess {
        child,
        socket: PathBuf::new(),
        server_cert: Vec::new(),
        handshake: String::new(),
    };
    let stdout = process
        .child
        .stdout
        .take()
        .unwrap_or_else(|| panic!("no stdout pipe"));
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("cannot read the handshake line: {e}"));
    let handshake = line.trim_end().to_string();
    let parts: Vec<&str> = handshake.split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {handshake:?}");
    assert_eq!(
        &parts[..3],
        ["1", "6", "unix"],
        "handshake line {handshake:?}"
    );
    assert_eq!(parts[4], "grpc", "handshake line {handshake:?}");
    assert!(
        !parts[5].ends_with('='),
        "certificate must be unpadded base64"
    );
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .unwrap_or_else(|e| panic!("certificate in handshake is not base64: {e}"));
    process.socket = PathBuf::from(parts[3]);
    process.server_cert = server_cert;
    process.handshake = handshake;
    process
}

/// Accepts exactly the server certificate announced in the handshake line,
/// as Terraform does.
#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "server certificate differs from the handshake line".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn client_config(
    server_cert: &[u8],
    identity: Option<&ClientIdentity>,
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        der: server_cert.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("protocol versions: {e}"))
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(
                vec![id.cert_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
            )
            .unwrap_or_else(|e| panic!("client certificate rejected by rustls: {e}")),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

async fn channel(
    p: &ProviderProcess,
    identity: Option<&ClientIdentity>,
) -> Result<tonic::transport::Channel, String> {
    let config = client_config(&p.server_cert, identity);
    let socket = p.socket.clone();
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let config = config.clone();
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(&socket).await?;
                let tls = tokio_rustls::TlsConnector::from(config)
                    .connect(
                        ServerName::try_from("localhost").map_err(std::io::Error::other)?,
                        stream,
                    )
                    .await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("{e:?}"))
}

/// Connects and calls GRPCController/Shutdown.
async fn try_shutdown(
    p: &ProviderProcess,
    identity: Option<&ClientIdentity>,
) -> Result<(), String> {
    let ch = channel(p, identity).await?;
    plugin::grpc_controller_client::GrpcControllerClient::new(ch)
        .shutdown(plugin::Empty {})
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

async fn try_schema(
    p: &ProviderProcess,
    identity: Option<&ClientIdentity>,
) -> Result<tfplugin6::get_provider_schema::Response, String> {
    let ch = channel(p, identity).await?;
    tfplugin6::provider_client::ProviderClient::new(ch)
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .map(tonic::Response::into_inner)
        .map_err(|e| format!("{e:?}"))
}

/// A raw TLS session: the server must abort it with an alert rather than
/// answer anything.
async fn raw_tls_outcome(p: &ProviderProcess, identity: Option<&ClientIdentity>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = client_config(&p.server_cert, identity);
    let stream = match tokio::net::UnixStream::connect(&p.socket).await {
        Ok(s) => s,
        Err(e) => return format!("connect failed: {e}"),
    };
    let name = ServerName::try_from("localhost").unwrap_or_else(|e| panic!("{e}"));
    let mut tls = match tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
    {
        Ok(t) => t,
        Err(e) => return format!("handshake failed: {e}"),
    };
    // In TLS 1.3 the client finishes first; the server's verdict on the client
    // certificate arrives as the first record after that.
    let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    let mut buf = [0u8; 64];
    match tls.read(&mut buf).await {
        Ok(0) => "closed without data".to_string(),
        Ok(n) => format!("SERVER ANSWERED {n} bytes"),
        Err(e) => format!("read failed: {e}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

#[test]
fn socket_is_private_and_handshake_is_one_line() {
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let mode = std::fs::metadata(&p.socket)
        .unwrap_or_else(|e| panic!("socket {} missing: {e}", p.socket.display()))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "socket mode {mode:o}");
    let dir = p
        .socket
        .parent()
        .unwrap_or_else(|| panic!("socket has no parent"));
    let dir_mode = std::fs::metadata(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "socket dir mode {dir_mode:o}");
    assert!(p.handshake.starts_with("1|6|unix|/"), "{}", p.handshake);
}

#[test]
fn client_without_certificate_cannot_call_any_rpc() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let raw = rt.block_on(raw_tls_outcome(&p, None));
    assert!(
        !raw.starts_with("SERVER ANSWERED"),
        "server answered a client without certificate: {raw}"
    );
    let shutdown = rt.block_on(try_shutdown(&p, None));
    assert!(
        shutdown.is_err(),
        "Shutdown succeeded without a client certificate"
    );
    let schema = rt.block_on(try_schema(&p, None));
    assert!(
        schema.is_err(),
        "GetProviderSchema succeeded without a client certificate"
    );
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "the provider exited: an unauthenticated Shutdown must not reach it"
    );
    // The rightful client still gets through afterwards.
    assert!(rt.block_on(try_schema(&p, Some(&terraform))).is_ok());
}

#[test]
fn client_with_another_p521_certificate_cannot_call_any_rpc() {
    let terraform = terraform_like_identity();
    let impostor = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let raw = rt.block_on(raw_tls_outcome(&p, Some(&impostor)));
    assert!(
        !raw.starts_with("SERVER ANSWERED"),
        "server answered an impostor: {raw}"
    );
    let shutdown = rt.block_on(try_shutdown(&p, Some(&impostor)));
    assert!(
        shutdown.is_err(),
        "Shutdown succeeded with a foreign certificate"
    );
    let schema = rt.block_on(try_schema(&p, Some(&impostor)));
    assert!(
        schema.is_err(),
        "GetProviderSchema succeeded with a foreign certificate"
    );
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "the provider exited: a foreign Shutdown must not reach it"
    );
}

#[test]
fn terraforms_certificate_works_and_shutdown_exits_cleanly() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    let schema = rt
        .block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("GetProviderSchema with Terraform's certificate failed: {e}"));
    let caps = schema
        .server_capabilities
        .unwrap_or_else(|| panic!("no server capabilities"));
    assert!(caps.plan_destroy, "plan_destroy must be announced");
    assert!(schema.provider.is_some(), "no provider schema");
    rt.block_on(try_shutdown(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("Shutdown with Terraform's certificate failed: {e}"));
    // Closes the client's connections, as Terraform does after Shutdown.
    drop(rt);
    let status = p.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert!(
        status.success(),
        "provider exit status after Shutdown: {status}"
    );
    assert!(
        !p.socket.exists(),
        "socket {} left behind after shutdown",
        p.socket.display()
    );
}

#[test]
fn refuses_to_run_without_terraform() {
    let out = Command::new(env!("CARGO_BIN_EXE_tfplugin-toy-provider"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap_or_else(|e| panic!("cannot start the provider: {e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Terraform provider plugin"), "stderr: {err}");

    let out = Command::new(env!("CARGO_BIN_EXE_tfplugin-toy-provider"))
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .env("PLUGIN_CLIENT_CERT", terraform_like_identity().cert_pem)
        .output()
        .unwrap_or_else(|e| panic!("cannot start the provider: {e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing may reach stdout");
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 6"));
}

fn signal(p: &ProviderProcess, sig: i32) {
    let pid = i32::try_from(p.child.id()).unwrap_or_else(|e| panic!("pid: {e}"));
    // SAFETY: sends a signal to the child this test started.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
}

#[test]
fn sigint_is_ignored_and_sigterm_exits_cleaning_up() {
    let terraform = terraform_like_identity();
    let mut p = launch(&terraform.cert_pem);
    let rt = runtime();
    // Ctrl-C in a terminal reaches the provider too; Terraform, not the
    // signal, decides when it stops.
    signal(&p, libc::SIGINT);
    rt.block_on(try_schema(&p, Some(&terraform)))
        .unwrap_or_else(|e| panic!("provider stopped serving after SIGINT: {e}"));
    assert!(
        matches!(p.child.try_wait(), Ok(None)),
        "provider died of SIGINT"
    );
    drop(rt);

    signal(&p, libc::SIGTERM);
    let status = p.child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let dir = p.socket.parent().map(std::path::Path::to_path_buf);
    assert!(
        dir.is_some_and(|d| !d.exists()),
        "socket directory left behind after SIGTERM"
    );
}

#[test]
fn messages_larger_than_grpcs_default_limit_are_accepted() {
    let terraform = terraform_like_identity();
    let p = launch(&terraform.cert_pem);
    let rt = runtime();
    // A 6 MiB provider configuration (one long string); tonic's default
    // limit is 4 MiB, Terraform's is 256 MiB.
    let big = "x".repeat(6 << 20);
    let mut msgpack = vec![0x81, 0xa8];
    msgpack.extend_from_slice(b"greeting");
    msgpack.push(0xdb);
    msgpack.extend_from_slice(&u32::try_from(big.len()).unwrap_or(0).to_be_bytes());
    msgpack.extend_from_slice(big.as_bytes());
    let result = rt.block_on(async {
        let ch = channel(&p, Some(&terraform)).await?;
        tfplugin6::provider_client::ProviderClient::new(ch)
            .max_encoding_message_size(64 << 20)
            .max_decoding_message_size(64 << 20)
            .validate_provider_config(tfplugin6::validate_provider_config::Request {
                config: Some(tfplugin6::DynamicValue {
                    msgpack,
                    json: Vec::new(),
                }),
            })
            .await
            .map_err(|e| format!("{:?}: {}", e.code(), e.message()))
    });
    let response = result.unwrap_or_else(|e| panic!("6 MiB request refused: {e}"));
    // The oversized greeting is invalid, and the provider says so in a diagnostic.
    let diagnostics = &response.get_ref().diagnostics;
    assert!(
        !diagnostics.is_empty(),
        "the 6 MiB greeting must be reported as invalid"
    );
    assert!(
        diagnostics.iter().all(|d| d.detail.len() < 100_000),
        "a diagnostic echoed the whole 6 MiB value"
    );
}
